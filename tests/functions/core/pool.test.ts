import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ClusterInfo, EnvironmentRecord } from '../../../functions/core/types';
import { configSchema, type TurboConfig } from '../../../functions/core/config';
import { MAX_EXECUTION_NAME, plan } from '../../../functions/core/plan';
import { maxPoolMembers, membersHeld, poolHours, takeableMembers, takeRunIdFor } from '../../../functions/core/pool';

const example = parse(readFileSync(join(__dirname, '../../../turbo.config.example.yml'), 'utf8'));

/** The example roster (alice/bob Berlin, carol New York, dave Kolkata) with a pool; 2026-11-24 is a Tuesday. */
function poolConfig(pool: Record<string, unknown> = { size: 2, hours: { start: '08:00', end: '20:00' } }): TurboConfig {
  return configSchema.parse({ ...example, pool });
}

function record(developer: string, fields: Partial<EnvironmentRecord>): EnvironmentRecord {
  return { developer, status: 'absent', clusterName: `turbo-${developer}`, updatedAt: '2026-11-24T06:00:00.000Z', ...fields };
}

const member = (n: number, fields: Partial<EnvironmentRecord>) => record(`pool-${n}`, { expiresAt: '2026-11-24T19:00:00.000Z', ...fields });
const poolActions = (p: ReturnType<typeof plan>) => p.actions.filter((action) => action.developer.startsWith('pool-'));
const at = (iso: string) => new Date(iso);

describe('poolHours', () => {
  it("defaults to the team's earliest readyBy and latest teardownAt, each in its developer's zone", () => {
    const hours = poolHours(at('2026-11-24T12:00:00Z'), poolConfig({ size: 1 }));
    if ('closed' in hours) throw new Error(hours.closed);
    // dave is ready by 09:00 in Kolkata (03:30 UTC); carol is torn down at 18:00 in New York (23:00 UTC).
    expect([hours.start.toUTC().toISO(), hours.end.toUTC().toISO()]).toEqual(['2026-11-24T03:30:00.000Z', '2026-11-24T23:00:00.000Z']);
  });

  it("is closed on the team's days off and holidays", () => {
    expect(poolHours(at('2026-11-28T12:00:00Z'), poolConfig())).toEqual({ closed: "sat is not one of the team's workingDays" });
    expect(poolHours(at('2026-12-24T12:00:00Z'), poolConfig())).toEqual({ closed: "2026-12-24 is one of the team's holidays" });
  });
});

describe('reconcile fills the pool during its hours', () => {
  it('plans an up without app (path pool) for each missing member from one lead and one tick before the start', () => {
    const config = poolConfig();
    // 08:00 Berlin is 07:00 UTC: leadMinutes 25 plus a 15-minute tick before it is 06:20 UTC.
    expect(poolActions(plan(at('2026-11-24T06:15:00Z'), config, [], []))).toEqual([]);
    expect(plan(at('2026-11-24T06:15:00Z'), config, [], []).idle.find((idle) => idle.developer === 'pool-1')?.reason).toMatch(
      /^pool: before the pool's hours \(08:00 Europe\/Berlin to 20:00 Europe\/Berlin\)/,
    );
    const first = plan(at('2026-11-24T06:30:00Z'), config, [], []);
    expect(poolActions(first)).toEqual([
      expect.objectContaining({
        developer: 'pool-1',
        action: 'up',
        runId: 'pool-1-up-20261124',
        clusterName: 'turbo-pool-1',
        path: 'pool',
      }),
      expect.objectContaining({
        developer: 'pool-2',
        action: 'up',
        runId: 'pool-2-up-20261124',
        clusterName: 'turbo-pool-2',
        path: 'pool',
      }),
    ]);
    expect(poolActions(first)[0]?.expiresAt).toBe('2026-11-24T19:00:00.000Z');
    // A duplicate tick plans the same names, which Step Functions starts once.
    expect(poolActions(plan(at('2026-11-24T06:30:00Z'), config, [], []))).toEqual(poolActions(first));
  });

  it('counts members being filled as free, and fills the next unused member once one is taken', () => {
    const config = poolConfig();
    const filling = [member(1, { status: 'provisioning', runId: 'pool-1-up-20261124' }), member(2, { status: 'ready' })];
    expect(poolActions(plan(at('2026-11-24T07:00:00Z'), config, filling, []))).toEqual([]);
    const taken = [
      member(1, { status: 'provisioning', takenBy: 'alice', runId: 'pool-1-take-alice-20261124-0800' }),
      member(2, { status: 'ready' }),
    ];
    expect(poolActions(plan(at('2026-11-24T07:15:00Z'), config, taken, [])).map((action) => action.runId)).toEqual(['pool-3-up-20261124']);
  });

  it('does not fill a member used today again (its run ID is spent), and stops at maxPoolMembers', () => {
    const config = poolConfig();
    expect(maxPoolMembers(config)).toBe(6);
    const usedToday = (n: number) => member(n, { status: 'destroyed', startedAt: '2026-11-24T10:00:00.000Z' });
    const yesterday = member(1, { status: 'destroyed', startedAt: '2026-11-23T18:00:00.000Z' });
    expect(poolActions(plan(at('2026-11-24T12:00:00Z'), config, [yesterday, usedToday(2)], [])).map((a) => a.developer)).toEqual([
      'pool-1',
      'pool-3',
    ]);
    // Every member up to the bound spent today: the pool stays short rather than using a seventh.
    const spent = [1, 2, 3, 4, 5, 6].map(usedToday);
    const result = plan(at('2026-11-24T12:00:00Z'), config, spent, []);
    expect(poolActions(result)).toEqual([]);
    expect(result.idle.filter((idle) => idle.developer.startsWith('pool-')).map((idle) => idle.developer)).toEqual(
      spent.map((r) => r.developer),
    );
  });

  it('sends free members beyond pool.size down, the highest first', () => {
    const config = poolConfig({ size: 1, hours: { start: '08:00', end: '20:00' } });
    const records = [member(1, { status: 'ready' }), member(2, { status: 'ready' })];
    expect(poolActions(plan(at('2026-11-24T12:00:00Z'), config, records, []))).toEqual([
      expect.objectContaining({ developer: 'pool-2', action: 'down', runId: 'pool-2-down-20261124' }),
    ]);
  });

  it('fills nothing in the last lead and useful hour, and plans nothing at all without a pool', () => {
    expect(poolActions(plan(at('2026-11-24T17:40:00Z'), poolConfig(), [], []))).toEqual([]);
    const none = plan(at('2026-11-24T12:00:00Z'), configSchema.parse(example), [], []);
    expect([...none.actions, ...none.idle].filter((entry) => entry.developer.startsWith('pool-'))).toEqual([]);
  });
});

describe('the end of the pool day', () => {
  it('destroys every member, taken or not, after the hours and on a day off; never as an orphan', () => {
    const config = poolConfig();
    const records = [
      member(1, { status: 'ready', takenBy: 'alice', runId: 'pool-1-take-alice-20261124-0800' }),
      member(2, { status: 'ready' }),
      member(3, { status: 'destroyed', startedAt: '2026-11-24T10:00:00.000Z' }),
    ];
    const tagged: ClusterInfo[] = [{ name: 'turbo-pool-4', status: 'ACTIVE', tags: { 'turbo:owner': 'pool-4' } }];
    const evening = plan(at('2026-11-24T19:00:00Z'), config, records, tagged);
    expect(poolActions(evening).map(({ developer, action, runId, orphan }) => ({ developer, action, runId, orphan }))).toEqual([
      { developer: 'pool-1', action: 'down', runId: 'pool-1-down-20261124', orphan: undefined },
      { developer: 'pool-2', action: 'down', runId: 'pool-2-down-20261124', orphan: undefined },
      { developer: 'pool-4', action: 'down', runId: 'pool-4-down-20261124', orphan: undefined },
    ]);
    expect(poolActions(plan(at('2026-11-28T12:00:00Z'), config, [member(2, { status: 'ready' })], []))).toEqual([
      expect.objectContaining({ developer: 'pool-2', action: 'down' }),
    ]);
  });
});

describe('taking a member', () => {
  it("keeps the developer's own up idle while they work on a pool cluster", () => {
    const config = poolConfig();
    const records = [member(1, { status: 'ready', takenBy: 'alice', runId: 'pool-1-take-alice-20261124-0700' })];
    expect(membersHeld(records).get('alice')?.developer).toBe('pool-1');
    const result = plan(at('2026-11-24T08:30:00Z'), config, records, []);
    expect(result.actions.find((action) => action.developer === 'alice')).toBeUndefined();
    expect(result.idle.find((idle) => idle.developer === 'alice')?.reason).toMatch(/working on pool cluster turbo-pool-1 \(ready\)$/);
    expect(result.actions.find((action) => action.developer === 'bob')).toMatchObject({ action: 'up' });
  });

  it("takes a taken member down when its developer's day on it ends, within the pool's hours", () => {
    const config = poolConfig();
    const taken = member(1, { status: 'ready', takenBy: 'alice', expiresAt: '2026-11-24T15:00:00.000Z' });
    const pool1 = (p: ReturnType<typeof plan>) => poolActions(p).filter((action) => action.developer === 'pool-1');
    expect(pool1(plan(at('2026-11-24T14:45:00Z'), config, [taken], []))).toEqual([]);
    expect(pool1(plan(at('2026-11-24T15:00:00Z'), config, [taken], []))).toEqual([
      expect.objectContaining({ action: 'down', runId: 'pool-1-down-20261124' }),
    ]);
  });

  it('offers ready members nobody has taken that do not end soon, lowest number first', () => {
    const records = [
      member(10, { status: 'ready' }),
      member(2, { status: 'ready' }),
      member(3, { status: 'ready', takenBy: 'bob' }),
      member(4, { status: 'provisioning' }),
      member(5, { status: 'ready', expiresAt: '2026-11-24T12:30:00.000Z' }),
      record('alice', { status: 'ready', expiresAt: '2026-11-24T19:00:00.000Z' }),
    ];
    expect(takeableMembers(records, at('2026-11-24T12:00:00Z'), 60).map((r) => r.developer)).toEqual(['pool-2', 'pool-10']);
  });

  it('names the take from the member, the developer and the minute of asking, within an execution name', () => {
    expect(takeRunIdFor('pool-3', 'alice', at('2026-11-24T06:12:40Z'), 'Europe/Berlin')).toBe('pool-3-take-alice-20261124-0712');
    expect(takeRunIdFor('pool-44', 'a'.repeat(24), at('2026-11-24T06:12:40Z'), 'Europe/Berlin').length).toBeLessThanOrEqual(
      MAX_EXECUTION_NAME,
    );
  });
});
