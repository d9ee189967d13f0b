/**
 * The fault matrix of `npm run faults`, as assertions: each fault stays with its developer, a failure is recorded
 * with its reason, told to ops and kept through the next tick, and the operator's fix plus a redrive (or a replay)
 * converges without doing anything twice.
 */
import { FAULT_CASES, formatFaultTable, runFaultMatrix, type FaultRow } from '../../cli/faults';
import { brokenPromises } from '../../cli/commands/faults';
import { exampleConfig, packagedStack, root } from '../support/packaged';

const DATE = '2026-11-24'; // a Tuesday
const TARGET = 'bob';
const config = exampleConfig();

let rows: FaultRow[];
const row = (inject: string) => rows[FAULT_CASES.findIndex((faultCase) => faultCase.inject === inject)]!;

beforeAll(async () => {
  rows = await runFaultMatrix({ config, stack: packagedStack(config.region), root, date: DATE, target: TARGET });
  // The table as `npm run faults` prints it, for the test log.
  console.log(formatFaultTable(rows));
}, 120_000);

describe('the fault matrix', () => {
  it('runs every fault of the issue once', () => {
    expect(rows.map((candidate) => candidate.fault)).toEqual(FAULT_CASES.map((faultCase) => faultCase.fault));
  });

  it('makes no AWS call that its role refuses, in the day, the fix or the redrive or replay, and none unattributed', () => {
    expect(rows.map((candidate) => [candidate.fault, candidate.accessDenied, candidate.unattributedCalls])).toEqual(
      FAULT_CASES.map((faultCase) => [faultCase.fault, [], 0]),
    );
  });

  const failing: [string, RegExp][] = [
    ['apply', /apply job failed: FAILED in phase BUILD: terraform apply exited 1/],
    ['apply-hang', /apply job timed out: still running after 6\d min \(limit 60\)/],
    ['cluster', /Turbo\.ClusterFailed: .*node group CREATE_FAILED/],
    ['deploy', /deploy job failed: .*rollout status/],
    ['runner-down', /Turbo\.TransientError: runner unreachable/],
    ['slack-429-500-invalid-auth', /Turbo\.AuthenticationError: .*invalid_auth/],
    ['destroy', /destroy job failed: .*terraform destroy exited 1/],
    ['hibernate', /hibernate job failed: .*node group of turbo-bob scaled to 0 but instance i-0stuckbob is still running/],
    ['hibernate-silent', /Turbo\.WaitExhausted: cluster turbo-bob still ACTIVE with 2 desired nodes/],
    ['wake', /wake job failed: .*timed out after 600s waiting for 2 Ready nodes in turbo-bob/],
  ];

  it.each(failing)('%s: only the target fails, with its reason recorded, and ops is told once', (inject, reason) => {
    const result = row(inject);
    expect(result.affected).toEqual([TARGET]);
    expect(result.othersUnaffected).toBe(true);
    expect(result.reason).toMatch(reason);
    expect([result.opsTold, result.opsReports]).toEqual([true, 1]);
  });

  it.each(failing)('%s: the failure stays on the record through the next tick of the same day', (inject) => {
    expect(row(inject).visibleAfterNextTick).toBe(true);
  });

  it.each(failing)('%s: the fix and a redrive of the failed run converge, with nothing done twice and nothing left running', (inject) => {
    const result = row(inject);
    expect(result.replay).toMatch(/^redrive bob-(up|down)-20261124$/);
    expect([result.converged, result.duplicateJobs, result.duplicateMessages, result.duplicatesInDay]).toEqual([true, 0, 0, 0]);
    expect(result.leftRunning).toEqual([]);
  });

  it('a scale-down that left an instance running: the fix terminates it, and the redrive hibernates with no instance left', () => {
    const result = row('hibernate');
    expect([result.fix, result.replay, result.converged, result.leftRunning]).toEqual([
      'terminated 1 instance(s) left running',
      'redrive bob-down-20261124',
      true,
      [],
    ]);
  });

  it('a hibernate job that reported success with the nodes up: the redrive runs it again (not a duplicate) and hibernates', () => {
    const result = row('hibernate-silent');
    expect([result.fix, result.converged, result.duplicateJobs, result.leftRunning]).toEqual(['none needed', true, 0, []]);
  });

  it("a wake, the morning after the day before's hibernation: its failure is told once, and a redrive wakes the same cluster", () => {
    const result = row('wake');
    expect([result.replay, result.converged, result.duplicateJobs, result.duplicateMessages]).toEqual([
      'redrive bob-up-20261124',
      true,
      0,
      0,
    ]);
  });

  it('no Spot capacity: the run falls back to On-Demand, nobody is affected or told, and a replay repeats nothing', () => {
    const result = row('spot-capacity');
    expect([result.affected, result.opsTold, result.othersUnaffected, result.reason]).toEqual([
      [],
      false,
      true,
      'bob-up-20261124: succeeded',
    ]);
    expect([result.converged, result.duplicateJobs, result.duplicateMessages, result.duplicatesInDay, result.leftRunning]).toEqual([
      true,
      0,
      0,
      0,
      [],
    ]);
    expect(brokenPromises(result)).toEqual([]);
  });

  it('a failed teardown is loud: the record stays failed with the reason and ops hears of it, then a redrive destroys it', () => {
    const result = row('destroy');
    expect(result.replay).toBe('redrive bob-down-20261124');
    expect([result.visibleAfterNextTick, result.opsTold, result.converged]).toEqual([true, true, true]);
  });

  it('absorbs two transient Lambda errors: nobody is affected, nobody is told, a replay repeats nothing', () => {
    const result = row('lambda-transient');
    expect([result.affected, result.opsTold, result.othersUnaffected]).toEqual([[], false, true]);
    expect([result.converged, result.duplicateJobs, result.duplicateMessages, result.duplicatesInDay]).toEqual([true, 0, 0, 0]);
    expect(brokenPromises(result)).toEqual([]);
  });

  it('two claimers: one wins, the other stops touching nothing, and the day does nothing twice', () => {
    const result = row('second-claimer');
    expect(result.reason).toMatch(
      /bob-up-20261124-manual-\d{4}: claim lost to bob-up-20261124, stopped touching nothing|bob-up-20261124: claim lost to bob-up-20261124-manual-\d{4}/,
    );
    expect([result.affected, result.opsTold, result.othersUnaffected, result.duplicatesInDay]).toEqual([[], false, true, 0]);
    expect(result.converged).toBe(true);
  });

  it('two claimers: replaying the run that lost the race repeats nothing', () => {
    const result = row('second-claimer');
    expect([result.duplicateJobs, result.duplicateMessages]).toEqual([0, 0]);
  });

  it('every other row keeps every promise of the issue', () => {
    const broken = rows.filter((candidate) => candidate.fault !== row('second-claimer').fault).flatMap(brokenPromises);
    expect(broken).toEqual([]);
  });
});
