/**
 * The short soak of npm test: 7 days × 50 developers on the packaged machines, inside the modelled limits.
 *
 * On today's code it reports failures that other branches are fixing. Each is named here and expected as found,
 * so this test fails the day one of them is fixed (move it out of KNOWN_BROKEN) and whenever a new one appears:
 * - record-size: recordImages appends an audit entry to every record on every 10-minute image-sync run
 *   (branch `runs` bounds the audit trail);
 * - duplicate-message / quiet-ops: the safety-net image-sync posts the same "0 rolled" summary to ops every run.
 */
import { runSoak } from '../../../cli/soak/run';
import { exampleConfig, packagedStack, root } from '../../support/packaged';

const KNOWN_BROKEN = ['duplicate-message', 'record-size'];

describe('a 7-day soak of 50 developers', () => {
  jest.setTimeout(20 * 60_000);

  it('keeps every invariant but the known, unfixed ones', async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    const config = exampleConfig();
    const result = await runSoak({ config, stack: packagedStack(config.region), root, days: 7, developers: 50, seed: 7, faultRate: 0.02, start: '2027-03-22' });
    expect(result.rows).toHaveLength(7);
    expect(result.rows.reduce((sum, row) => sum + row.ups, 0)).toBeGreaterThan(50 * 4);
    const broken = [...new Set(result.broken.map((entry) => entry.invariant))].sort();
    expect(broken).toEqual(KNOWN_BROKEN);
    // The growth the record-size invariant names: a record passes 64 KB within the week.
    expect(result.firstPassed['64 KB']).toBeDefined();
  });
});
