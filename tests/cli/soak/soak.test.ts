/**
 * The short soak of npm test: 7 days × 50 developers on the packaged machines, inside the modelled limits.
 *
 * On today's code it reports failures that other branches are fixing. Each is named here with its cause, so this
 * test fails the day one of them is fixed (take it out of KNOWN_BROKEN) and whenever a new one appears; when all
 * are fixed it expects none. Calibrated on main after `runs` (seed 1, from 2027-03-01):
 * - ready-by and failure-reported-once: a redriven up fails at StartDeployJob with "images.frontend: expected
 *   object, received undefined" (the run resumed by FailOrResume lacks the images ResolveMissingImages records;
 *   issue 12 item 15, environment.yml / startJob), so the developer is never ready and the failure is told again;
 * - duplicate-message: the same text sent twice to one recipient on a day (the invariant names each).
 * record-size is gone: the bounded audit trail of `runs` (issue 12 item 5) keeps records far below 64 KB.
 */
import { runSoak } from '../../../cli/soak/run';
import { exampleConfig, packagedStack, root } from '../../support/packaged';

const KNOWN_BROKEN = ['duplicate-message', 'failure-reported-once', 'ready-by'];

describe('a 7-day soak of 50 developers', () => {
  jest.setTimeout(20 * 60_000);

  it('keeps every invariant but the known, unfixed ones', async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    const config = exampleConfig();
    const result = await runSoak({ config, stack: packagedStack(config.region), root, days: 7, developers: 50, seed: 1, faultRate: 0.02, start: '2027-03-01' });
    expect(result.rows).toHaveLength(7);
    expect(result.rows.reduce((sum, row) => sum + row.ups, 0)).toBeGreaterThan(50 * 4);
    const broken = [...new Set(result.broken.map((entry) => entry.invariant))].sort();
    expect(broken).toEqual(KNOWN_BROKEN);
    // The bounded audit trail: no record comes near the 64 KB budget.
    expect(result.firstPassed['64 KB']).toBeUndefined();
  });
});
