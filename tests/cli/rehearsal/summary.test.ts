/** The rehearsal's summary: a skipped day gives the reason turbo plan knows; percentiles are nearest-rank. */
import type { LocalExecution } from '../../../cli/rehearsal/local-sfn';
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

describe('summarise, for a warm pool member', () => {
  const pooled = { ...config, pool: { size: 1, hours: { start: '08:00', end: '20:00' } } };
  const at = (time: string) => Date.parse(`2026-11-24T${time}Z`);
  const run = (action: 'up' | 'down', startedAt: number, visits: LocalExecution['visits'], endedAt: number) =>
    ({
      machine: 'environment',
      name: `pool-1-${action}-20261124`,
      input: { developer: 'pool-1', action, path: action === 'up' ? 'pool' : null },
      status: 'SUCCEEDED',
      startedAt,
      endedAt,
      visits,
    }) as unknown as LocalExecution;
  // Filled before the pool opens at 08:00 Berlin (07:00 UTC), destroyed after it closes at 20:00 (19:00 UTC).
  const fill = run(
    'up',
    at('06:30:00'),
    [{ name: 'MarkPoolMemberReady', type: 'Task', enteredAt: at('06:42:00'), exitedAt: at('06:42:01') }],
    at('06:42:01'),
  );
  const destroy = run(
    'down',
    at('19:00:00'),
    [{ name: 'MarkDestroyed', type: 'Task', enteredAt: at('19:10:00'), exitedAt: at('19:10:01') }],
    at('19:10:01'),
  );

  it("reads in the team's zone against the pool's hours, ready when the fill marked it ready", () => {
    const row = summarise(pooled, [fill, destroy], '2026-11-24').find((candidate) => candidate.developer === 'pool-1')!;
    expect([row.timezone, row.readyByLocal, row.teardownAt]).toEqual(['Europe/Berlin', '08:00', '2026-11-24T19:00:00.000Z']);
    expect([row.result, row.happened]).toEqual(['destroyed', 'ready 07:42 (18 min early), then destroyed 20:10']);
  });
});

describe('percentile', () => {
  it('is nearest-rank', () => {
    const values = Array.from({ length: 20 }, (_, i) => i + 1);
    expect([percentile(values, 50), percentile(values, 95), percentile(values, 100), percentile([], 50)]).toEqual([10, 19, 20, 0]);
  });
});
