/** The rehearsal's summary: a skipped day gives the reason turbo plan knows; percentiles are nearest-rank. */
import { percentile, summarise } from '../../../cli/rehearsal/summary';
import type { EnvironmentRecord } from '../../../functions/core/types';
import { exampleConfig } from '../../support/packaged';

const config = exampleConfig();

describe('summarise, for a developer with no run that day', () => {
  it.each([
    ['2026-11-28', 'alice', 'not a working day (sat)'],
    ['2026-11-27', 'dave', 'not a working day (fri)'], // dave works mon–thu
    ['2026-12-24', 'bob', 'holiday 2026-12-24'],
  ])('on %s gives %s the reason of turbo plan: %s', (date, developer, reason) => {
    const row = summarise(config, [], date).find((candidate) => candidate.developer === developer)!;
    expect([row.result, row.reason, row.happened]).toEqual(['skipped', reason, `skipped: ${reason}`]);
  });

  it('gives a skip date as the reason, from the record', () => {
    const fields = { developer: 'carol', status: 'absent', skipDates: ['2026-11-24'], updatedAt: '2026-11-23T10:00:00Z' };
    const record = fields as unknown as EnvironmentRecord;
    const row = summarise(config, [], '2026-11-24', new Map([['carol', record]])).find((candidate) => candidate.developer === 'carol')!;
    expect(row.reason).toBe('skip date 2026-11-24');
  });

  it('marks readyBy and the teardown as instants of the developer zone', () => {
    const carol = summarise(config, [], '2026-11-24').find((row) => row.developer === 'carol')!;
    expect([carol.readyBy, carol.readyByLocal, carol.teardownAt]).toEqual([
      '2026-11-24T14:30:00.000Z',
      '09:30',
      '2026-11-24T23:00:00.000Z',
    ]);
  });
});

describe('percentile', () => {
  it('is nearest-rank', () => {
    const values = Array.from({ length: 20 }, (_, i) => i + 1);
    expect([percentile(values, 50), percentile(values, 95), percentile(values, 100), percentile([], 50)]).toEqual([10, 19, 20, 0]);
  });
});
