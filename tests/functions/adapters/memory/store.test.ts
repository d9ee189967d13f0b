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
