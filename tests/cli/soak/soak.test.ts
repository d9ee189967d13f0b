/**
 * The short soak of npm test: 7 days × 50 developers on the packaged machines, inside the modelled limits.
 *
 * Two tests over one soak. The first holds the invariants Turbo keeps today, and fails the day one breaks: item
 * sizes, payloads, histories, execution names and IAM, and no tagged cluster without a record. The second expects
 * every invariant and is marked failing (jest's `it.failing` passes only while it fails): on main (seed 1, from
 * 2027-03-01) the soak still breaks these, each an open finding, not a test fault:
 * - docker-hub-limit, ready-by, teardown, cost: every cluster pulls anonymously through the network's one NAT
 *   gateway, and Docker Hub allows 10 anonymous pulls an hour per address. Morning deploys and rollouts then hit
 *   ImagePullBackOff, the image-sync canary stops releases, and ups are late. The fix is a design change
 *   (authenticated pulls or a registry mirror), not made yet.
 * - duplicate-message, failure-reported-once: a redriven run that fails again reports the same failure again.
 * - quiet-ops: the ops channel gets more than 5 messages on some day the soak counts as without failures.
 * When they are fixed, the second test fails: then delete it, and the first one's list becomes every invariant.
 */
import { runSoak, type SoakResult } from '../../../cli/soak/run';
import { exampleConfig, packagedStack, root } from '../../support/packaged';

/** What Turbo keeps today, whatever the faults: bounded state, service limits, least privilege, no orphan. */
const KEPT = ['access-denied', 'history-events', 'record-size', 'state-payload', 'tagged-without-record'];

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

  it('keeps records, payloads, histories and IAM inside AWS limits all week', () => {
    expect(result.rows).toHaveLength(7);
    expect(result.rows.reduce((sum, row) => sum + row.ups, 0)).toBeGreaterThan(50 * 4);
    const broken = result.broken.filter((entry) => KEPT.includes(entry.invariant));
    expect(broken).toEqual([]);
    // The bounded audit trail: no record comes near the 64 KB budget.
    expect(result.firstPassed['64 KB']).toBeUndefined();
  });

  it.failing('keeps every invariant (open findings: see the comment above)', () => {
    expect(result.broken).toEqual([]);
  });
});
