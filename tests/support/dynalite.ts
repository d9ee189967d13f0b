/**
 * A real DynamoDB API in memory: the `dynalite` server on a loopback port. It applies DynamoDB's own validation and
 * conditional writes, so tests of the store see what DynamoDB would do.
 *
 *   const dynamo = await startDynalite();
 *   await dynamo.createTable({ TableName: 'turbo-test', ...ENVIRONMENT_TABLE_SCHEMA });
 *   const store = new DynamoEnvironmentStore(dynamo.documentClient(), 'turbo-test');
 *   ...
 *   await dynamo.stop();
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
  type AttributeValue,
  type CreateTableCommandInput,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoEnvironmentStore, ENVIRONMENT_TABLE_SCHEMA } from '../../functions/adapters/dynamodb';

/** How long dynalite keeps a new, deleted or updated table in CREATING, DELETING or UPDATING (DynamoDB takes seconds). */
export interface DynaliteOptions {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}
// dynalite ships no types: a function that returns a Node http.Server.
const dynalite = require('dynalite') as (options: DynaliteOptions) => Server;

export interface LocalDynamo {
  endpoint: string;
  /** Endpoint, region and fake credentials for any DynamoDB client, plus the given overrides. */
  clientConfig(overrides?: DynamoDBClientConfig): DynamoDBClientConfig;
  /** A DocumentClient as the store's factory builds it (undefined values removed). */
  documentClient(overrides?: DynamoDBClientConfig): DynamoDBDocumentClient;
  /**
   * Creates a table and waits (the SDK's own waiter, DescribeTable until ACTIVE) until it can be used: a table is
   * CREATING for a while, and until then every item call on it is ResourceNotFoundException.
   */
  createTable(input: CreateTableCommandInput): Promise<void>;
  stop(): Promise<void>;
}

export async function startDynalite(options: DynaliteOptions = {}): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...options });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: DynamoDBClient[] = [];

  const clientConfig = (overrides: DynamoDBClientConfig = {}): DynamoDBClientConfig => ({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
    ...overrides,
  });
  const newClient = (overrides?: DynamoDBClientConfig) => {
    const client = new DynamoDBClient(clientConfig(overrides));
    clients.push(client);
    return client;
  };

  return {
    endpoint,
    clientConfig,
    documentClient: (overrides) => DynamoDBDocumentClient.from(newClient(overrides), { marshallOptions: { removeUndefinedValues: true } }),
    createTable: async (input) => {
      const client = newClient();
      await client.send(new CreateTableCommand(input));
      await waitUntilTableExists({ client, minDelay: 0.02, maxDelay: 0.5, maxWaitTime: 30 }, { TableName: input.TableName });
    },
    stop: async () => {
      for (const client of clients) client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/**
 * A dynalite for the calling describe block, and a fresh environments table and store before each of its tests,
 * so that no test sees another's records. `now` is the store's clock.
 */
export function useDynaliteStore(now: string): { readonly store: DynamoEnvironmentStore; readonly dynamo: LocalDynamo } {
  const local = {} as { store: DynamoEnvironmentStore; dynamo: LocalDynamo };
  let tables = 0;
  beforeAll(async () => {
    local.dynamo = await startDynalite();
  });
  afterAll(async () => {
    await local.dynamo.stop();
  });
  beforeEach(async () => {
    const tableName = `turbo-environments-${(tables += 1)}`;
    await local.dynamo.createTable({ TableName: tableName, ...ENVIRONMENT_TABLE_SCHEMA });
    local.store = new DynamoEnvironmentStore(local.dynamo.documentClient(), tableName, () => new Date(now));
  });
  return local;
}

/**
 * An item's size as DynamoDB counts it against the 400 KB limit: each attribute's name (UTF-8 bytes) plus its
 * value. Strings count their UTF-8 bytes, numbers about one byte per two digits plus one, binary its bytes,
 * booleans and nulls one byte; a map or list 3 bytes plus 1 per element plus its elements (a map's names
 * included); a set the sum of its elements.
 */
export function dynamoItemSize(item: Record<string, AttributeValue>): number {
  const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
  const numberSize = (value: string) => Math.ceil(value.replace(/^-|\.|e.*$/gi, '').replace(/^0+/, '').length / 2) + 1;
  const valueSize = (value: AttributeValue): number => {
    if (value.S !== undefined) return bytes(value.S);
    if (value.N !== undefined) return numberSize(value.N);
    if (value.B !== undefined) return value.B.length;
    if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
    if (value.SS !== undefined) return value.SS.reduce((sum, entry) => sum + bytes(entry), 0);
    if (value.NS !== undefined) return value.NS.reduce((sum, entry) => sum + numberSize(entry), 0);
    if (value.BS !== undefined) return value.BS.reduce((sum, entry) => sum + entry.length, 0);
    if (value.L !== undefined) return 3 + value.L.length + value.L.reduce((sum, entry) => sum + valueSize(entry), 0);
    if (value.M !== undefined) return 3 + Object.keys(value.M).length + dynamoItemSize(value.M);
    throw new Error(`unknown attribute value ${JSON.stringify(value)}`);
  };
  return Object.entries(item).reduce((sum, [name, value]) => sum + bytes(name) + valueSize(value), 0);
}
