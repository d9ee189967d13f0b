/** The in-memory cloud's EnvironmentStore follows the DynamoDB store's amend rules (core/audit). */
import type { AmendPatch } from '../../../../functions/core/types';
import { MemoryCloud } from '../../../../functions/adapters/memory/cloud';
import { MAX_AUDIT_ENTRIES } from '../../../../functions/core/audit';

const imageSync = (run: number, release: number): AmendPatch => ({
  clusterName: 'turbo-alice',
  images: {
    frontend: { repository: 'acme/turbo-notes', tag: `1.${release}.0`, digest: `sha256:${release.toString(16).padStart(64, '0')}` },
  },
  audit: {
    at: new Date(Date.UTC(2026, 10, 1) + run * 600_000).toISOString(),
    by: 'image-sync',
    action: `desired images frontend:1.${release}.0`,
  },
});

describe('MemoryCloud store.amend', () => {
  it(`keeps the last ${MAX_AUDIT_ENTRIES} audit entries over 3,000 image-sync runs, and writes nothing when nothing changes`, async () => {
    const { store } = new MemoryCloud('eu-west-1');
    for (let run = 0; run < 3000; run += 1) await store.amend('alice', imageSync(run, Math.floor(run / 10)));
    const record = await store.get('alice');
    expect(record?.audit).toHaveLength(MAX_AUDIT_ENTRIES);
    expect(record?.audit?.at(-1)?.action).toBe('desired images frontend:1.299.0');
    expect(await store.amend('alice', imageSync(3000, 299))).toEqual(record);
    expect(await store.get('alice')).toEqual(record);
  });

  it('still records an up or down request, which sets no field: it says who asked', async () => {
    const { store } = new MemoryCloud('eu-west-1');
    await store.amend('alice', {
      clusterName: 'turbo-alice',
      audit: { at: '2026-11-24T08:00:00.000Z', by: 'slack:U0ALICE001', action: 'up' },
    });
    const record = await store.amend('alice', {
      clusterName: 'turbo-alice',
      audit: { at: '2026-11-24T17:00:00.000Z', by: 'slack:U0ALICE001', action: 'down' },
    });
    expect(record.audit?.map((entry) => entry.action)).toEqual(['up', 'down']);
  });
});

describe('MemoryCloud store: the AWS calls it reports, as the DynamoDB store makes them', () => {
  it('reports a conditional UpdateItem even when its condition writes nothing, and an amend’s read', async () => {
    const cloud = new MemoryCloud('eu-west-1');
    const calls: string[] = [];
    cloud.onAwsCall = (action, resource) => void calls.push(`${action} ${resource}`);
    const claim = { developer: 'alice', clusterName: 'turbo-alice', action: 'up' as const, now: '2026-11-24T07:00:00.000Z' };
    const staleBefore = '2026-11-24T06:00:00.000Z';
    await cloud.store.claim({ ...claim, runId: 'alice-up-1', executionArn: 'arn:1', staleBefore });
    expect(await cloud.store.claim({ ...claim, runId: 'alice-up-2', executionArn: 'arn:2', staleBefore })).toMatchObject({
      outcome: 'lost',
    });
    expect(await cloud.store.markNotified('alice', 'ready')).toBe(true);
    expect(await cloud.store.markNotified('alice', 'ready')).toBe(false);
    await cloud.store.unmarkNotified('alice', 'ready');
    await cloud.store.amend('alice', imageSync(1, 1));
    // The same images again: read, nothing to write (core/audit), so no UpdateItem.
    await cloud.store.amend('alice', imageSync(2, 1));
    expect(calls).toEqual([
      ...['claim won', 'claim lost', 'key recorded', 'key already there', 'key released'].map(() => 'dynamodb:UpdateItem alice'),
      'dynamodb:GetItem alice',
      'dynamodb:UpdateItem alice',
      'dynamodb:GetItem alice',
    ]);
  });
});
