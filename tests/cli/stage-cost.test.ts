import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { deployDevStage, dynamo, EXAMPLE_CONFIG, turbo } from './stage-fixtures';

/** Five recorded ups of 30 min apply, 10 min wait and 2 min deploy: the planner's durations from now on. */
const slowUps = Array.from({ length: 5 }, (_, i) => ({
  at: `2026-11-2${i}T08:00:00.000Z`,
  region: 'eu-west-1',
  applySeconds: 1800,
  waitSeconds: 600,
  deploySeconds: 120,
}));
const records = [
  { developer: 'alice', status: 'destroyed', clusterName: 'turbo-alice', updatedAt: '2026-11-30T18:10:00.000Z', upHistory: slowUps },
];

describe('turbo cost --stage', () => {
  beforeEach(() => {
    deployDevStage();
    dynamo.on(ScanCommand).resolves({ Items: records });
  });

  const hoursOf = (stdout: string) =>
    Object.fromEntries(
      stdout
        .split('\n')
        .map((line) => line.split(/ {2,}/))
        .filter((cells) => ['alice', 'bob', 'carol', 'dave'].includes(cells[0]!))
        .map((cells) => [cells[0], cells[2]]),
    );

  it("prices the planner's day from the stage's records: starts with the recorded durations, downs queued for the quota", async () => {
    const oneSlot = EXAMPLE_CONFIG.replace(/maxConcurrentJobs: 20\b/, 'maxConcurrentJobs: 1');
    const result = await turbo(['cost', '--stage', 'dev', '--on', '2026-12-01'], { 'turbo.config.yml': oneSlot });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^Hours planned for 2026-12-01 on stage "dev" in eu-west-1: each up's start under the runner quota to its down's end\n/,
    );
    // Without the stage, the schedule's hours: readyBy − 25 min to teardownAt and the 10-minute destroy after it.
    const scheduled = hoursOf((await turbo(['cost', '--on', '2026-12-01'], { 'turbo.config.yml': oneSlot })).stdout);
    expect(scheduled).toEqual({ alice: '10.6', bob: '11.1', carol: '9.1', dave: '10.6' });
    // An up takes 42 min (30 + 10 + 2): alice starts at 08:15 for 09:00; bob's 07:45 would deploy during her apply on
    // the one slot, so he starts at 07:30. Their destroys at 19:00 share the slot: alice's ends at 19:10, bob's at 19:20.
    expect(hoursOf(result.stdout)).toEqual({ alice: '10.9', bob: '11.8', carol: '9.4', dave: '10.9' });
    expect(dynamo.commandCalls(ScanCommand).length).toBeGreaterThan(0);
  });

  it('is a usage error with a bad stage name, before anything is read', async () => {
    const result = await turbo(['cost', '--stage', 'no stage']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--stage "no stage" is not a stage name');
    expect(dynamo.commandCalls(ScanCommand)).toHaveLength(0);
  });
});
