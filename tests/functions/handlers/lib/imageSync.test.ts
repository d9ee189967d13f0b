/** The run's failure budget on the ops record, against the in-memory store (the same conditional writes as DynamoDB's). */
import { MemoryStore } from '../../../../functions/adapters/memory/store';
import { budgetOf, countAgainstBudget, releaseBudget } from '../../../../functions/handlers/lib/imageSync';
import { OPS_RECORD } from '../../../../functions/core/types';

const canary = { clusters: 3, toleratedFailures: 1 };

describe("image-sync's failure budget", () => {
  it('breaks on the failure past the tolerated ones while the release is unproven, and stays broken', async () => {
    const store = new MemoryStore();
    expect(await countAgainstBudget(store, 'run-1', canary, 'failed')).toBe('open');
    expect(await countAgainstBudget(store, 'run-1', canary, 'ok')).toBe('open');
    expect(await countAgainstBudget(store, 'run-1', canary, 'failed')).toBe('broken');
    expect(await countAgainstBudget(store, 'run-1', canary, 'ok')).toBe('broken');
    expect(await budgetOf(store, 'run-1', canary)).toBe('broken');
    // Another run's budget is its own.
    expect(await budgetOf(store, 'run-2', canary)).toBe('open');
  });

  it('never breaks once the canary clusters run the release, and counts concurrent failures exactly', async () => {
    const store = new MemoryStore();
    for (let i = 0; i < canary.clusters; i += 1) await countAgainstBudget(store, 'run-1', canary, 'ok');
    expect(await countAgainstBudget(store, 'run-1', canary, 'failed')).toBe('proven');
    // Five failures at once on an unproven release: the conditional writes hand out each slot once; the budget breaks.
    const shared = new MemoryStore();
    await Promise.all(Array.from({ length: 5 }, () => countAgainstBudget(shared, 'run-1', canary, 'failed')));
    expect(await budgetOf(shared, 'run-1', canary)).toBe('broken');
    expect((await shared.get(OPS_RECORD))?.notified).toEqual([
      'image-sync-budget:run-1:broken',
      'image-sync-budget:run-1:failed-0',
      'image-sync-budget:run-1:failed-1',
    ]);
  });

  it('leaves at most clusters + toleratedFailures + 2 keys on the ops record, and none once released', async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 50; i += 1) await countAgainstBudget(store, 'run-1', canary, i % 2 === 0 ? 'failed' : 'ok');
    expect((await store.get(OPS_RECORD))?.notified?.length).toBeLessThanOrEqual(canary.clusters + canary.toleratedFailures + 2);
    expect(await releaseBudget(store, 'run-1', canary)).toBe('broken');
    expect((await store.get(OPS_RECORD))?.notified ?? []).toEqual([]);
  });
});
