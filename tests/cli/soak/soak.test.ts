/**
 * The short soak of npm test: 7 days × 50 developers on the packaged machines, inside the modelled limits, with
 * every invariant checked (seed 1, from 2027-03-01, fault rate 0.02). The findings it once showed are fixed, each
 * with a regression test of its own: Docker Hub's anonymous pull limit (the ECR pull-through cache,
 * tests/functions/adapters/memory/limits.test.ts and tests/scripts), a redriven run telling the same failure again
 * (tests/workflows/day.test.ts), and the invariants' own day and keep-alive arithmetic (tests/cli/soak/invariants.test.ts).
 */
import { runSoak, type SoakResult } from '../../../cli/soak/run';
import { exampleConfig, packagedStack, root } from '../../support/packaged';

describe('a 7-day soak of 50 developers', () => {
  jest.setTimeout(20 * 60_000);
  let result: SoakResult;

  beforeAll(async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    const config = exampleConfig();
    result = await runSoak({
      config,
      stack: packagedStack(config.region),
      root,
      days: 7,
      developers: 50,
      seed: 1,
      faultRate: 0.02,
      start: '2027-03-01',
    });
  });

  it('keeps every invariant all week, faults and redrives included', () => {
    expect(result.rows).toHaveLength(7);
    expect(result.rows.reduce((sum, row) => sum + row.ups, 0)).toBeGreaterThan(50 * 4);
    // Faults were injected and redriven: the invariants held through them, not for want of them.
    expect(result.rows.reduce((sum, row) => sum + row.redrives, 0)).toBeGreaterThan(0);
    expect(result.broken).toEqual([]);
    // The bounded audit trail: no record comes near the 64 KB budget.
    expect(result.firstPassed['64 KB']).toBeUndefined();
  });

  it('exercises every mode: hibernations and wakes, the warm pool, Spot and Graviton ups, and prices hibernate-mode days too', () => {
    const { modes } = result;
    const counts = [modes.hibernateRuns, modes.wakeRuns, modes.poolFills, modes.poolTakes, modes.spotUps, modes.arm64Ups];
    expect(Math.min(...counts, modes.costDays.hibernate)).toBeGreaterThan(0);
    // Every hibernate-mode fault struck a hibernate-mode developer, and the pool's first fill failed, and every
    // invariant held through them and their redrives.
    for (const point of ['hibernate', 'hibernate-silent', 'wake', 'apply']) expect([point, result.faultsStruck[point]]).toEqual([point, 1]);
    // A morning without Spot failed a destroy-mode apply and a hibernate-mode wake (both fell back to On-Demand), and
    // the hibernated cluster's group was Spot again by the evening (hibernated-capacity held).
    expect(result.faultsStruck['spot-capacity']).toBe(2);
  });

  it('pulls through the pull-through cache: Docker Hub sees a few authenticated pulls, none from the NAT', () => {
    expect(result.dockerHub).toMatchObject({ peakPullsPerHour: 0, refusedPulls: 0, refusedCachePulls: 0 });
    expect(result.dockerHub.peakCachePullsPerHour).toBeGreaterThan(0);
  });
});
