/**
 * The EnvironmentStore contract, run against the in-memory store (adapters/memory/store.ts) and the DynamoDB store
 * on dynalite (a real DynamoDB API). The claim rule is written twice, as a ConditionExpression and as JavaScript:
 * these cases, and the whole matrix at the end, show that the two agree.
 */
import type { EnvironmentStore } from '../../../../functions/core/ports';
import type { EnvironmentStatus } from '../../../../functions/core/types';
import { OPS_RECORD } from '../../../../functions/core/types';
import { OwnershipLostError } from '../../../../functions/core/errors';
import { DynamoEnvironmentStore, ENVIRONMENT_TABLE_SCHEMA } from '../../../../functions/adapters/dynamodb';
import { MemoryStore } from '../../../../functions/adapters/memory/store';
import { type LocalDynamo, startDynalite } from '../../../support/dynalite';
import { claimUp, jobHandle } from '../../../support/store-fixtures';

let dynamo: LocalDynamo;
let tables = 0;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.stop();
});

async function dynaliteStore(): Promise<EnvironmentStore> {
  const tableName = `turbo-contract-${(tables += 1)}`;
  await dynamo.createTable({ TableName: tableName, ...ENVIRONMENT_TABLE_SCHEMA });
  return new DynamoEnvironmentStore(dynamo.documentClient(), tableName);
}

const STORES: [string, () => Promise<EnvironmentStore>][] = [
  ['the in-memory store', async () => new MemoryStore()],
  ['the DynamoDB store on dynalite', dynaliteStore],
];

/** A record owned by `runId`, in `status`, last written at `updatedAt`. */
async function recordIn(store: EnvironmentStore, runId: string, status: EnvironmentStatus, updatedAt: string): Promise<void> {
  await store.claim(claimUp(runId, { now: updatedAt, staleBefore: updatedAt }));
  await store.update('alice', runId, { status, updatedAt });
}

describe.each(STORES)('EnvironmentStore contract: %s', (_name, newStore) => {
  let store: EnvironmentStore;
  beforeEach(async () => {
    store = await newStore();
  });

  it('claims a developer that has no record', async () => {
    const result = await store.claim(claimUp('alice-up-20261124'));

    expect(result).toEqual({
      outcome: 'claimed',
      record: {
        developer: 'alice',
        clusterName: 'turbo-alice',
        status: 'provisioning',
        runId: 'alice-up-20261124',
        action: 'up',
        executionArn: claimUp('alice-up-20261124').executionArn,
        startedAt: '2026-11-24T05:30:00.000Z',
        updatedAt: '2026-11-24T05:30:00.000Z',
      },
    });
    await expect(store.get('alice')).resolves.toEqual(result.record);
  });

  it('refuses a claim taken by another run that is still working, and leaves the record as it was', async () => {
    const first = await store.claim(claimUp('alice-up-20261124'));

    const second = await store.claim(claimUp('alice-down-20261124', { action: 'down' }));

    expect(second).toEqual({ outcome: 'lost', record: first.record });
    await expect(store.get('alice')).resolves.toEqual(first.record);
  });

  it('answers a replayed claim with already-owned and writes nothing', async () => {
    await store.claim(claimUp('alice-up-20261124'));
    await store.update('alice', 'alice-up-20261124', { jobs: { apply: jobHandle }, updatedAt: '2026-11-24T05:31:00.000Z' });

    const replay = await store.claim(claimUp('alice-up-20261124', { now: '2026-11-24T05:45:00.000Z' }));

    expect(replay.outcome).toBe('already-owned');
    expect(replay.record).toMatchObject({ jobs: { apply: jobHandle }, startedAt: '2026-11-24T05:30:00.000Z' });
  });

  it('lets a run take over a claim a dead run left behind, once it is stale, and only then', async () => {
    await store.claim(claimUp('alice-up-20261124'));
    const early = claimUp('alice-down-20261124', {
      action: 'down',
      now: '2026-11-24T09:00:00.000Z',
      staleBefore: '2026-11-24T05:00:00.000Z',
    });
    const late = claimUp('alice-down-20261124', {
      action: 'down',
      now: '2026-11-24T10:00:00.000Z',
      staleBefore: '2026-11-24T06:00:00.000Z',
    });

    await expect(store.claim(early)).resolves.toMatchObject({ outcome: 'lost' });
    await expect(store.claim(late)).resolves.toMatchObject({ outcome: 'claimed', record: { status: 'destroying', runId: late.runId } });
  });

  it('refuses an up on a ready record, and lets a down take it over, clearing the last run’s error and jobs', async () => {
    await store.claim(claimUp('alice-up-20261124'));
    await store.update('alice', 'alice-up-20261124', {
      status: 'ready',
      jobs: { apply: jobHandle },
      lastError: 'an old hiccup',
      updatedAt: '2026-11-24T06:00:00.000Z',
    });

    await expect(store.claim(claimUp('alice-up-20261124-manual'))).resolves.toMatchObject({ outcome: 'lost' });
    const down = await store.claim(claimUp('alice-down-20261124', { action: 'down', now: '2026-11-24T17:00:00.000Z' }));

    expect(down).toMatchObject({ outcome: 'claimed', record: { status: 'destroying', action: 'down', runId: 'alice-down-20261124' } });
    expect(down.record.jobs).toBeUndefined();
    expect(down.record.lastError).toBeUndefined();
  });

  it('refuses a run whose record a run started after it has claimed since (a late redrive), and writes nothing', async () => {
    // Monday's down failed; Tuesday's up claimed the record and is ready. Monday's down is redriven on Tuesday.
    await store.claim(claimUp('alice-down-20261123', { action: 'down', now: '2026-11-23T17:00:00.000Z' }));
    await store.claim(claimUp('alice-up-20261124', { now: '2026-11-24T07:30:00.000Z' }));
    await store.update('alice', 'alice-up-20261124', { status: 'ready', updatedAt: '2026-11-24T07:55:00.000Z' });
    const redrive = claimUp('alice-down-20261123', {
      action: 'down',
      now: '2026-11-24T10:00:00.000Z',
      runStartedAt: '2026-11-23T17:00:00.000Z',
    });
    await expect(store.claim(redrive)).resolves.toMatchObject({ outcome: 'lost', record: { status: 'ready', runId: 'alice-up-20261124' } });
    expect(await store.get('alice')).toMatchObject({ status: 'ready', runId: 'alice-up-20261124', updatedAt: '2026-11-24T07:55:00.000Z' });
    // The evening's own down started after the up did: it claims as before.
    const evening = claimUp('alice-down-20261124', {
      action: 'down',
      now: '2026-11-24T17:00:05.000Z',
      runStartedAt: '2026-11-24T17:00:00.000Z',
    });
    await expect(store.claim(evening)).resolves.toMatchObject({ outcome: 'claimed', record: { status: 'destroying' } });
  });

  it('gives one claimed and one lost to two racing runs', async () => {
    const outcomes = await Promise.all([store.claim(claimUp('alice-up-20261124')), store.claim(claimUp('alice-up-20261124-manual'))]);

    expect(outcomes.map((result) => result.outcome).sort()).toEqual(['claimed', 'lost']);
  });

  it('takes a ready pool member for one developer only: a replay is already-owned, a second taker loses', async () => {
    await store.claim(claimUp('pool-1-up-20261124', { developer: 'pool-1', clusterName: 'turbo-pool-1' }));
    const take = (runId: string, takenBy: string) => claimUp(runId, { developer: 'pool-1', clusterName: 'turbo-pool-1', takenBy });
    // Being filled: not takeable yet.
    await expect(store.claim(take('pool-1-take-alice-20261124-1500', 'alice'))).resolves.toMatchObject({ outcome: 'lost' });
    await store.update('pool-1', 'pool-1-up-20261124', { status: 'ready', expiresAt: '2026-11-24T19:00:00.000Z' });

    const racing = await Promise.all([
      store.claim(take('pool-1-take-alice-20261124-1500', 'alice')),
      store.claim(take('pool-1-take-bob-20261124-1500', 'bob')),
    ]);
    expect(racing.map((result) => result.outcome).sort()).toEqual(['claimed', 'lost']);
    const winner = racing.find((result) => result.outcome === 'claimed')!.record;
    expect(winner).toMatchObject({ status: 'provisioning', action: 'up', expiresAt: '2026-11-24T19:00:00.000Z' });
    await expect(store.claim(take(winner.runId!, winner.takenBy!))).resolves.toMatchObject({ outcome: 'already-owned' });
    // Ready again after the take's deploy: still taken, so nobody else gets it.
    await store.update('pool-1', winner.runId!, { status: 'ready' });
    await expect(store.claim(take('pool-1-take-carol-20261124-1510', 'carol'))).resolves.toMatchObject({ outcome: 'lost' });

    // A down keeps the taker (the goodbye goes to them); the next fill is nobody's.
    await store.claim(claimUp('pool-1-down-20261124', { developer: 'pool-1', action: 'down' }));
    await expect(store.get('pool-1')).resolves.toMatchObject({ takenBy: winner.takenBy });
    await store.update('pool-1', 'pool-1-down-20261124', { status: 'destroyed' });
    const refill = await store.claim(claimUp('pool-1-up-20261125', { developer: 'pool-1', clusterName: 'turbo-pool-1' }));
    expect(refill.outcome).toBe('claimed');
    expect(refill.record.takenBy).toBeUndefined();
  });

  it('applies an update by the owner, removing fields set to undefined', async () => {
    await store.claim(claimUp('alice-up-20261124'));
    await store.update('alice', 'alice-up-20261124', { lastError: 'transient', updatedAt: '2026-11-24T05:40:00.000Z' });

    const updated = await store.update('alice', 'alice-up-20261124', {
      status: 'ready',
      endpoint: 'https://ABC.eks.amazonaws.com',
      lastError: undefined,
      updatedAt: '2026-11-24T06:00:00.000Z',
    });

    expect(updated).toMatchObject({ status: 'ready', endpoint: 'https://ABC.eks.amazonaws.com', updatedAt: '2026-11-24T06:00:00.000Z' });
    expect(updated).not.toHaveProperty('lastError');
    await expect(store.get('alice')).resolves.toEqual(updated);
  });

  it('refuses an update by a run that does not own the record, or of a developer without one, with OwnershipLostError', async () => {
    await store.claim(claimUp('alice-up-20261124'));

    await expect(store.update('alice', 'alice-up-20261123', { status: 'ready' })).rejects.toThrow(
      new OwnershipLostError('alice is owned by run alice-up-20261124, not by alice-up-20261123: the update was not applied'),
    );
    await expect(store.update('bob', 'bob-up-20261124', { status: 'ready' })).rejects.toThrow(
      new OwnershipLostError('bob is owned by nobody (there is no record), not by bob-up-20261124: the update was not applied'),
    );
    await expect(store.get('alice')).resolves.toMatchObject({ status: 'provisioning' });
    await expect(store.get('bob')).resolves.toBeUndefined();
  });

  it('refuses an update of the fields only the store writes', async () => {
    await store.claim(claimUp('alice-up-20261124'));

    await expect(store.update('alice', 'alice-up-20261124', { runId: 'x' })).rejects.toThrow('may not set runId');
    await expect(store.update('alice', 'alice-up-20261124', { notified: [] })).rejects.toThrow('may not set notified');
    await expect(store.get('alice')).resolves.toMatchObject({ runId: 'alice-up-20261124' });
  });

  it('records a notification once, releases it for a retry, and keeps the keys sorted', async () => {
    await store.claim(claimUp('alice-up-20261124'));

    expect(await store.markNotified('alice', 'ready:2026-11-24')).toBe(true);
    expect(await store.markNotified('alice', 'ready:2026-11-24')).toBe(false);
    expect(await store.markNotified('alice', 'destroyed:2026-11-24')).toBe(true);
    await expect(store.get('alice')).resolves.toMatchObject({ notified: ['destroyed:2026-11-24', 'ready:2026-11-24'] });
    await store.unmarkNotified('alice', 'ready:2026-11-24');
    expect(await store.markNotified('alice', 'ready:2026-11-24')).toBe(true);
  });

  it('releases several keys in one write, and nothing for none', async () => {
    await store.claim(claimUp('alice-up-20261124'));
    for (const key of ['a-up-20261101:ready', 'a-up-20261102:ready', 'a-up-20261124:ready']) await store.markNotified('alice', key);

    await store.unmarkNotified('alice', 'a-up-20261101:ready', 'a-up-20261102:ready');
    await store.unmarkNotified('alice');

    await expect(store.get('alice')).resolves.toMatchObject({ notified: ['a-up-20261124:ready'] });
  });

  it('neither records nor releases notifications of a developer without a record, and creates none', async () => {
    await expect(store.markNotified('bob', 'ready:2026-11-24')).rejects.toThrow(
      'there is no environment record for bob: cannot record notification ready:2026-11-24',
    );
    await store.unmarkNotified('bob', 'ready:2026-11-24');
    await expect(store.get('bob')).resolves.toBeUndefined();
  });

  it('creates the ops record with its first notification key, and never lists it', async () => {
    await store.claim(claimUp('alice-up-20261124'));

    expect(await store.markNotified(OPS_RECORD, 'weekly:2026-11-30')).toBe(true);
    expect(await store.markNotified(OPS_RECORD, 'weekly:2026-11-30')).toBe(false);

    expect((await store.list()).map((record) => record.developer)).toEqual(['alice']);
    await expect(store.get(OPS_RECORD)).resolves.toMatchObject({ notified: ['weekly:2026-11-30'] });
  });

  it('gives the rollout lease of a release to one run until it gives it up or it lapses, and a newer release at once', async () => {
    const lease = (execution: string, release = 'r1', until = '2026-11-24T09:25:00.000Z') => ({ release, execution, until });
    const now = '2026-11-24T09:00:00.000Z';

    await expect(store.takeRolloutLease(lease('push-1'), now)).resolves.toEqual({ taken: true });
    // The safety net's run of the same release is refused and told who rolls it; a replay of the holder renews it.
    await expect(store.takeRolloutLease(lease('schedule-1'), now)).resolves.toEqual({ taken: false, holder: lease('push-1') });
    await expect(store.takeRolloutLease(lease('push-1', 'r1', '2026-11-24T09:30:00.000Z'), now)).resolves.toEqual({ taken: true });
    // Only the holder gives it up.
    await store.releaseRolloutLease('schedule-1');
    await expect(store.get(OPS_RECORD)).resolves.toMatchObject({ rolloutLease: lease('push-1', 'r1', '2026-11-24T09:30:00.000Z') });
    await store.releaseRolloutLease('push-1');
    await expect(store.get(OPS_RECORD)).resolves.not.toHaveProperty('rolloutLease');
    await store.releaseRolloutLease('push-1');

    await store.takeRolloutLease(lease('push-2'), now);
    // A newer release does not wait for the older one's run.
    await expect(store.takeRolloutLease(lease('push-3', 'r2'), now)).resolves.toEqual({ taken: true });
    // A lease that lapsed (its run died) no longer holds the release back.
    await expect(store.takeRolloutLease(lease('schedule-2', 'r2'), '2026-11-24T09:25:00.000Z')).resolves.toEqual({ taken: true });
    expect((await store.list()).map((record) => record.developer)).toEqual([]);
  });

  it('amends whatever the owner, and writes nothing for an amend already recorded', async () => {
    await store.claim(claimUp('alice-up-20261124'));
    const patch = {
      clusterName: 'turbo-alice',
      keepUntil: '2026-11-24T21:00:00.000Z',
      audit: { at: '2026-11-24T15:00:00.000Z', by: 'slack:U0ALICE001', action: 'keep until 22:00' },
    };

    const amended = await store.amend('alice', patch);
    const again = await store.amend('alice', patch);

    expect(amended).toMatchObject({ runId: 'alice-up-20261124', status: 'provisioning', keepUntil: patch.keepUntil, audit: [patch.audit] });
    expect(again).toEqual(amended);
    await expect(store.get('alice')).resolves.toEqual(amended);
  });
});

const STATUSES: EnvironmentStatus[] = ['absent', 'provisioning', 'ready', 'destroying', 'failed', 'destroyed'];

describe('the claim rule: the ConditionExpression and the in-memory store agree', () => {
  it('on every status, owner, staleness and action', async () => {
    const cases: { status: EnvironmentStatus | 'none'; owner: string; stale: boolean; action: 'up' | 'down' | 'take' }[] = [];
    for (const status of ['none' as const, ...STATUSES])
      for (const owner of ['same', 'other'])
        for (const stale of [false, true])
          for (const action of ['up', 'down', 'take'] as const)
            if (status !== 'none' || action !== 'take') cases.push({ status, owner, stale, action });

    const outcomes = async (newStore: () => Promise<EnvironmentStore>) => {
      const seen: string[] = [];
      for (const each of cases) {
        const store = await newStore();
        if (each.status !== 'none') await recordIn(store, 'alice-first', each.status, '2026-11-24T03:00:00.000Z');
        const request = claimUp(each.owner === 'same' ? 'alice-first' : 'alice-second', {
          action: each.action === 'take' ? 'up' : each.action,
          ...(each.action === 'take' ? { takenBy: 'bob' } : {}),
          staleBefore: each.stale ? '2026-11-24T04:00:00.000Z' : '2026-11-24T02:00:00.000Z',
        });
        const result = await store.claim(request);
        seen.push(`${JSON.stringify(each)} → ${result.outcome} ${result.record.status} ${result.record.runId}`);
      }
      return seen;
    };

    const memory = await outcomes(STORES[0]![1]);
    const dynamodb = await outcomes(STORES[1]![1]);

    expect(memory).toEqual(dynamodb);
    expect(memory).toHaveLength(cases.length);
    // The matrix is not trivially uniform: each outcome occurs.
    for (const outcome of ['claimed', 'already-owned', 'lost']) expect(memory.some((line) => line.includes(`→ ${outcome} `))).toBe(true);
  });
});
