import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ENVIRONMENT_TABLE_SCHEMA } from '../../functions/adapters/dynamodb';
import { startDynalite, type LocalDynamo } from './dynalite';

describe('startDynalite', () => {
  let dynamo: LocalDynamo;
  afterEach(async () => {
    await dynamo?.stop();
  });

  it('returns from createTable only once the table is ACTIVE, even when creating takes a while as on DynamoDB', async () => {
    dynamo = await startDynalite({ createTableMs: 300 });
    await dynamo.createTable({ TableName: 'turbo-slow', ...ENVIRONMENT_TABLE_SCHEMA });

    const client = new DynamoDBClient(dynamo.clientConfig());
    const { Table } = await client.send(new DescribeTableCommand({ TableName: 'turbo-slow' }));
    client.destroy();
    expect(Table?.TableStatus).toBe('ACTIVE');
    // An item call on a CREATING table is ResourceNotFoundException: this is what a test would have seen.
    const documents = dynamo.documentClient();
    await documents.send(new PutCommand({ TableName: 'turbo-slow', Item: { developer: 'alice', status: 'ready' } }));
    expect((await documents.send(new GetCommand({ TableName: 'turbo-slow', Key: { developer: 'alice' } }))).Item).toEqual({
      developer: 'alice',
      status: 'ready',
    });
  });
});
