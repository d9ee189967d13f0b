import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoEnvironmentStore } from '../../../functions/adapters/dynamodb';
import { OPS_RECORD, type EnvironmentRecord } from '../../../functions/core/types';
import { AuthenticationError, OwnershipLostError, TransientError } from '../../../functions/core/errors';
import { useDynaliteStore } from '../../support/dynalite';
import { awsError, awsSdkError, localClientConfig, startAwsJsonServer } from './aws-json-server';
import { claimUp, jobHandle } from '../../support/store-fixtures';

describe('DynamoEnvironmentStore against dynalite (a real DynamoDB API)', () => {
  const local = useDynaliteStore('2026-11-24T06:00:00.000Z');

  it('claims a developer that has no record', async () => {
    const result = await local.store.claim(claimUp('alice-up-20261124'));

    expect(result).toEqual({
      outcome: 'claimed',
      record: {
        developer: 'alice',
        status: 'provisioning',
        clusterName: 'turbo-alice',
        runId: 'alice-up-20261124',
        action: 'up',
        executionArn: claimUp('alice-up-20261124').executionArn,
        startedAt: '2026-11-24T05:30:00.000Z',
        updatedAt: '2026-11-24T05:30:00.000Z',
      },
    });
    await expect(local.store.get('alice')).resolves.toEqual(result.record);
  });

  it('gives one success and one lost claim to two racing runs', async () => {
    const results = await Promise.all([local.store.claim(claimUp('alice-up-20261124')), local.store.claim(claimUp('alice-up-20261124-b'))]);

    const outcomes = results.map((result) => result.outcome).sort();
    expect(outcomes).toEqual(['claimed', 'lost']);
    const winner = results.find((result) => result.outcome === 'claimed')!;
    const loser = results.find((result) => result.outcome === 'lost')!;
    expect(loser.record.runId).toBe(winner.record.runId);
    await expect(local.store.get('alice')).resolves.toMatchObject({ runId: winner.record.runId });
  });

  it('lets a run take over a claim that a dead run left behind, and only once it is stale', async () => {
    await local.store.claim(claimUp('alice-up-20261124'));
    // The owner died outside its failure path (aborted): the record stays provisioning, last written at 05:30.
    const early = await local.store.claim(
      claimUp('alice-down-20261124', { action: 'down', now: '2026-11-24T09:00:00.000Z', staleBefore: '2026-11-24T05:00:00.000Z' }),
    );
    expect(early.outcome).toBe('lost');
    const late = await local.store.claim(
      claimUp('alice-down-20261124', { action: 'down', now: '2026-11-24T10:00:00.000Z', staleBefore: '2026-11-24T06:00:00.000Z' }),
    );
    expect(late).toMatchObject({ outcome: 'claimed', record: { status: 'destroying', runId: 'alice-down-20261124' } });
  });

  it('refuses an up on a ready record: another run already made the cluster', async () => {
    await local.store.claim(claimUp('alice-up-20261124'));
    await local.store.update('alice', 'alice-up-20261124', { status: 'ready' });
    await expect(local.store.claim(claimUp('alice-up-20261124-manual-0815'))).resolves.toMatchObject({
      outcome: 'lost',
      record: { runId: 'alice-up-20261124' },
    });
  });

  it('answers a replayed claim with already-owned and leaves the record untouched', async () => {
    await local.store.claim(claimUp('alice-up-20261124'));
    await local.store.update('alice', 'alice-up-20261124', { jobs: { apply: jobHandle } });

    const replay = await local.store.claim(claimUp('alice-up-20261124', { now: '2026-11-24T05:45:00.000Z' }));

    expect(replay.outcome).toBe('already-owned');
    expect(replay.record.jobs).toEqual({ apply: jobHandle });
    expect(replay.record.startedAt).toBe('2026-11-24T05:30:00.000Z');
  });

  it("lets a down claim take over a ready record, clearing the last run's error and jobs", async () => {
    await local.store.claim(claimUp('alice-up-20261124'));
    await local.store.update('alice', 'alice-up-20261124', { status: 'ready', jobs: { apply: jobHandle }, lastError: 'an old hiccup' });

    const down = await local.store.claim(claimUp('alice-down-20261124', { action: 'down', now: '2026-11-24T17:00:00.000Z' }));

    expect(down.outcome).toBe('claimed');
    expect(down.record).toMatchObject({ status: 'destroying', action: 'down', runId: 'alice-down-20261124' });
    expect(down.record.jobs).toBeUndefined();
    expect(down.record.lastError).toBeUndefined();
  });

  it('refuses a claim while another run is destroying', async () => {
    await local.store.claim(claimUp('alice-down-20261124', { action: 'down' }));

    const up = await local.store.claim(claimUp('alice-up-20261125'));

    expect(up).toMatchObject({ outcome: 'lost', record: { status: 'destroying', runId: 'alice-down-20261124' } });
  });

  it('applies an update by the owner, removing fields set to undefined', async () => {
    await local.store.claim(claimUp('alice-up-20261124'));
    await local.store.update('alice', 'alice-up-20261124', { lastError: 'transient' });

    const updated = await local.store.update('alice', 'alice-up-20261124', {
      status: 'ready',
      endpoint: 'https://ABC.eks.amazonaws.com',
      images: { frontend: { repository: 'acme/turbo-notes', tag: '1.4.0', digest: 'sha256:abc' } },
      lastError: undefined,
    });

    expect(updated).toMatchObject({
      status: 'ready',
      endpoint: 'https://ABC.eks.amazonaws.com',
      images: { frontend: { repository: 'acme/turbo-notes', tag: '1.4.0', digest: 'sha256:abc' } },
      updatedAt: '2026-11-24T06:00:00.000Z',
    });
    expect(updated.lastError).toBeUndefined();
    await expect(local.store.get('alice')).resolves.toEqual(updated);
  });

  it('throws OwnershipLostError for an update by a run that does not own the record', async () => {
    await local.store.claim(claimUp('alice-up-20261124'));

    const stale = local.store.update('alice', 'alice-up-20261123', { status: 'ready' });

    await expect(stale).rejects.toBeInstanceOf(OwnershipLostError);
    await expect(stale).rejects.toThrow('alice is owned by run alice-up-20261124, not by alice-up-20261123: the update was not applied');
    await expect(local.store.get('alice')).resolves.toMatchObject({ status: 'provisioning' });
  });

  it('throws OwnershipLostError for an update of a developer without a record', async () => {
    await expect(local.store.update('bob', 'bob-up-20261124', { status: 'ready' })).rejects.toThrow(
      new OwnershipLostError('bob is owned by nobody (there is no record), not by bob-up-20261124: the update was not applied'),
    );
    await expect(local.store.get('bob')).resolves.toBeUndefined();
  });

  it('refuses an update of the fields only the store writes', async () => {
    await local.store.claim(claimUp('alice-up-20261124'));
    await expect(local.store.update('alice', 'alice-up-20261124', { runId: 'x' })).rejects.toThrow('may not set runId');
    await expect(local.store.update('alice', 'alice-up-20261124', { notified: [] })).rejects.toThrow('may not set notified');
  });

  it('records a notification once: true, then false', async () => {
    await local.store.claim(claimUp('alice-up-20261124'));

    await expect(local.store.markNotified('alice', 'alice-up-20261124:ready')).resolves.toBe(true);
    await expect(local.store.markNotified('alice', 'alice-up-20261124:ready')).resolves.toBe(false);
    await expect(local.store.markNotified('alice', 'alice-up-20261124:failed')).resolves.toBe(true);
    await expect(local.store.get('alice')).resolves.toMatchObject({ notified: ['alice-up-20261124:failed', 'alice-up-20261124:ready'] });
  });

  it('gives exactly one true to racing notifications', async () => {
    await local.store.claim(claimUp('alice-up-20261124'));

    const results = await Promise.all([1, 2, 3].map(() => local.store.markNotified('alice', 'alice-up-20261124:ready')));

    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('releases a notification key so that a retry can send it', async () => {
    await local.store.claim(claimUp('alice-up-20261124'));
    await local.store.markNotified('alice', 'alice-up-20261124:ready');

    await local.store.unmarkNotified('alice', 'alice-up-20261124:ready');

    await expect(local.store.markNotified('alice', 'alice-up-20261124:ready')).resolves.toBe(true);
  });

  it('neither records nor releases notifications of a developer without a record, and creates none', async () => {
    await expect(local.store.markNotified('bob', 'bob-up-20261124:ready')).rejects.toThrow('there is no environment record for bob');
    await expect(local.store.unmarkNotified('bob', 'bob-up-20261124:ready')).resolves.toBeUndefined();
    await expect(local.store.get('bob')).resolves.toBeUndefined();
  });

  it('refuses an empty notification key', async () => {
    await expect(local.store.markNotified('alice', ' ')).rejects.toThrow('notification key must not be empty');
  });

  it('lists every record across Scan pages', async () => {
    // 12 records of ~95 KB pass DynamoDB's 1 MB Scan page, so the list needs more than one page.
    const padding = 'x'.repeat(95_000);
    const developers = Array.from({ length: 12 }, (_, index) => `dev${String(index).padStart(2, '0')}`);
    for (const developer of developers) {
      await local.store.claim(claimUp(`${developer}-up-20261124`, { developer, clusterName: `turbo-${developer}` }));
      await local.store.update(developer, `${developer}-up-20261124`, { lastError: padding });
    }
    const scans: unknown[] = [];
    const counted = new DynamoDBClient(local.dynamo.clientConfig());
    counted.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ScanCommand') scans.push(args.input);
        return next(args);
      },
      { step: 'initialize' },
    );
    const pagedStore = new DynamoEnvironmentStore(DynamoDBDocumentClient.from(counted), local.store.tableName);

    const records = await pagedStore.list();

    expect(records.map((record) => record.developer).sort()).toEqual(developers);
    expect(scans.length).toBeGreaterThan(1);
    counted.destroy();
  });

  it('keeps the ops channel’s notification keys in the ops record: created by its first key, never listed', async () => {
    await expect(local.store.markNotified(OPS_RECORD, 'image-sync-failure:0123456789abcdef')).resolves.toBe(true);
    await expect(local.store.markNotified(OPS_RECORD, 'image-sync-failure:0123456789abcdef')).resolves.toBe(false);
    expect((await local.store.get(OPS_RECORD))?.notified).toEqual(['image-sync-failure:0123456789abcdef']);
    expect(await local.store.list()).toEqual([]);
    await local.store.unmarkNotified(OPS_RECORD, 'image-sync-failure:0123456789abcdef');
    await expect(local.store.markNotified(OPS_RECORD, 'image-sync-failure:0123456789abcdef')).resolves.toBe(true);
    // A developer's record is still made only by a claim or an amend.
    await expect(local.store.markNotified('alice', 'alice-up-20261124:ready')).rejects.toThrow('there is no environment record for alice');
  });
});

describe('DynamoEnvironmentStore with a mocked DocumentClient', () => {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
  const dynamo = mockClient(client);
  const store = new DynamoEnvironmentStore(client, 'turbo-environments');
  const owned: EnvironmentRecord = {
    developer: 'alice',
    status: 'provisioning',
    clusterName: 'turbo-alice',
    runId: 'alice-up-20261124',
    updatedAt: '2026-11-24T05:30:00.000Z',
    notified: ['alice-up-20261124:ready'],
  };
  const refused = (item?: Record<string, unknown>) =>
    new ConditionalCheckFailedException({
      message: 'The conditional request failed',
      $metadata: { httpStatusCode: 400 },
      Item: item ? marshall(item) : undefined,
    });

  beforeEach(() => dynamo.reset());

  it('sends one conditional write per claim, asking for the old item on refusal', async () => {
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...owned } });

    await store.claim(claimUp('alice-up-20261124'));

    expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 1);
    const input = dynamo.commandCalls(UpdateCommand)[0].args[0].input;
    expect(input).toMatchObject({
      TableName: 'turbo-environments',
      Key: { developer: 'alice' },
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(input.ConditionExpression).toContain('attribute_not_exists(#developer)');
    // An up also clears a pool member's take mark (core/pool): a member filled again is nobody's.
    expect(input.UpdateExpression).toMatch(
      /^SET .* REMOVE #lastError, #jobs, #jobAttempts, #nodeCapacity, #applyFinishedAt, #applyQueuedSeconds, #takenBy$/,
    );
  });

  it('uses the old item DynamoDB returns with the refusal, without reading again', async () => {
    dynamo.on(UpdateCommand).rejects(refused({ ...owned, notified: new Set(owned.notified) }));

    await expect(store.claim(claimUp('alice-up-20261124'))).resolves.toEqual({ outcome: 'already-owned', record: owned });
    await expect(store.claim(claimUp('alice-up-20261125'))).resolves.toEqual({ outcome: 'lost', record: owned });
    expect(dynamo).not.toHaveReceivedCommand(GetCommand);
  });

  it('reads the record when the refusal carries no item', async () => {
    dynamo.on(UpdateCommand).rejects(refused());
    dynamo.on(GetCommand).resolves({ Item: { ...owned } });

    await expect(store.claim(claimUp('alice-up-20261125'))).resolves.toMatchObject({ outcome: 'lost' });
    expect(dynamo).toHaveReceivedCommandWith(GetCommand, { Key: { developer: 'alice' }, ConsistentRead: true });
  });

  it('asks for a retry when a refused claim finds no record at all', async () => {
    dynamo.on(UpdateCommand).rejects(refused());
    dynamo.on(GetCommand).resolves({});

    await expect(store.claim(claimUp('alice-up-20261125'))).rejects.toBeInstanceOf(TransientError);
  });

  it('follows Scan pages with ExclusiveStartKey', async () => {
    dynamo
      .on(ScanCommand, { ExclusiveStartKey: undefined })
      .resolves({ Items: [{ developer: 'alice' }], LastEvaluatedKey: { developer: 'alice' } })
      .on(ScanCommand, { ExclusiveStartKey: { developer: 'alice' } })
      .resolves({ Items: [{ developer: 'bob' }] });

    await expect(store.list()).resolves.toEqual([{ developer: 'alice' }, { developer: 'bob' }]);
    expect(dynamo).toHaveReceivedCommandTimes(ScanCommand, 2);
  });

  it('turns AccessDenied into AuthenticationError', async () => {
    dynamo.on(GetCommand).rejects(awsSdkError('AccessDeniedException', 400, 'not authorized to perform dynamodb:GetItem'));
    await expect(store.get('alice')).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('keeps a validation error as a plain error naming the operation', async () => {
    dynamo.on(UpdateCommand).rejects(awsSdkError('ValidationException', 400, 'Invalid UpdateExpression'));
    const failure = store.markNotified('alice', 'k');
    await expect(failure).rejects.not.toBeInstanceOf(TransientError);
    await expect(failure).rejects.toThrow(
      'DynamoDB UpdateItem (recording notification k for alice) in turbo-environments failed (ValidationException',
    );
  });
});

describe('DynamoEnvironmentStore against a throttling DynamoDB endpoint (the SDK retries for real)', () => {
  it('surfaces throttling as TransientError after the SDK retried it', async () => {
    const server = await startAwsJsonServer(() =>
      awsError(
        400,
        'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
        'The level of configured provisioned throughput for the table was exceeded.',
      ),
    );
    const client = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(server.endpoint)));
    try {
      const store = new DynamoEnvironmentStore(client, 'turbo-environments');

      const failure = store.claim(claimUp('alice-up-20261124'));

      await expect(failure).rejects.toBeInstanceOf(TransientError);
      await expect(failure).rejects.toThrow('ProvisionedThroughputExceededException');
      expect(server.calls).toHaveLength(3);
      expect(server.calls[0].target).toBe('DynamoDB_20120810.UpdateItem');
    } finally {
      client.destroy();
      await server.close();
    }
  });

  it('surfaces a lasting 500 as TransientError', async () => {
    const server = await startAwsJsonServer(() =>
      awsError(500, 'com.amazonaws.dynamodb.v20120810#InternalServerError', 'Internal server error'),
    );
    const client = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(server.endpoint)));
    try {
      await expect(new DynamoEnvironmentStore(client, 'turbo-environments').list()).rejects.toBeInstanceOf(TransientError);
      expect(server.calls).toHaveLength(3);
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
