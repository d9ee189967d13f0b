import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { configSchema, describeProblem, validateConfig, type TurboConfig } from '../../../functions/core/config';
import { hibernatedScaling, leadMinutesFor, pathFor, wakeLeadMinutes } from '../../../functions/core/hibernate';
import { jobParams } from '../../../functions/core/jobs';
import { plan } from '../../../functions/core/plan';
import { dailyCosts, hourlyRates } from '../../../functions/core/cost';
import type { ClusterInfo, EnvironmentRecord } from '../../../functions/core/types';

const example = parse(readFileSync(join(__dirname, '../../../turbo.config.example.yml'), 'utf8'));
const config = (changes: Record<string, unknown> = {}): TurboConfig => configSchema.parse({ ...example, ...changes });
const record = (patch: Partial<EnvironmentRecord>): EnvironmentRecord => ({
  developer: 'alice',
  clusterName: 'turbo-alice',
  status: 'ready',
  runId: 'alice-up-20261124',
  updatedAt: '2026-11-24T07:40:00Z',
  ...patch,
});
const cluster: ClusterInfo = { name: 'turbo-alice', status: 'ACTIVE', nodegroupStatus: 'ACTIVE', tags: { 'turbo:owner': 'alice' } };

describe('config: mode and hibernateIdleDays', () => {
  it('defaults to destroy for the team, and a developer may choose hibernate', () => {
    const parsed = config({ developers: [{ ...example.developers[0], mode: 'hibernate' }, example.developers[1]] });
    expect([parsed.mode, parsed.hibernateIdleDays, parsed.developers[0]!.mode, parsed.developers[1]!.mode]).toEqual([
      'destroy',
      3,
      'hibernate',
      undefined,
    ]);
  });

  it('refuses an unknown mode and idle days out of range, naming the field and the value', () => {
    const result = validateConfig({
      ...example,
      mode: 'sleep',
      hibernateIdleDays: 0,
      developers: [{ ...example.developers[0], mode: 'stop' }],
    });
    expect(result.ok ? [] : result.problems.map(describeProblem)).toEqual([
      'mode: must be one of destroy, hibernate (got "sleep")',
      'hibernateIdleDays: Too small: expected number to be >=1 (got 0)',
      'developers[0].mode: must be one of destroy, hibernate (got "stop")',
    ]);
  });
});

describe('core/hibernate', () => {
  it('hibernates to min = desired = 0 and keeps max at least 1 (EKS refuses max 0); the jobs get those sizes', () => {
    expect(hibernatedScaling({ max: 3 })).toEqual({ min: 0, desired: 0, max: 3 });
    const team = config();
    const hibernate = jobParams(team, 'hibernate', { developer: 'alice', iamPrincipalArn: 'arn:aws:iam::123456789012:user/alice' });
    expect(hibernate).toMatchObject({
      NODE_MIN_SIZE: '0',
      NODE_DESIRED_SIZE: '0',
      NODE_MAX_SIZE: '3',
      // The configured nodes, so that a group left On-Demand by a Spot fallback is replaced while empty.
      NODE_CAPACITY_TYPE: 'ON_DEMAND',
      NODE_INSTANCE_TYPES: team.cluster.instanceType,
      NODE_ARCH: 'amd64',
      DEVELOPER_PRINCIPAL_ARN: 'arn:aws:iam::123456789012:user/alice',
    });
    // The control plane keeps its version: a hibernate changes the nodes only.
    expect(hibernate).not.toHaveProperty('KUBERNETES_VERSION');
    const spot = { ...team, developers: team.developers.map((dev) => ({ ...dev, nodes: { capacity: 'spot' as const } })) };
    expect(jobParams(spot, 'hibernate', { developer: 'alice' }).NODE_CAPACITY_TYPE).toBe('SPOT');
    expect(jobParams(team, 'wake', { developer: 'alice' })).toMatchObject({
      NODE_MIN_SIZE: '1',
      NODE_DESIRED_SIZE: '2',
      NODE_MAX_SIZE: '3',
    });
  });

  it('gives a hibernated cluster the short wake lead, any other the full one', () => {
    const team = config();
    expect(wakeLeadMinutes(team)).toBe(4);
    expect(leadMinutesFor(team, record({ status: 'hibernated', hibernatedAt: '2026-11-24T17:00:00Z' }))).toBe(4);
    expect(leadMinutesFor(team, record({}))).toBe(team.leadMinutes);
  });

  const now = new Date('2026-11-26T12:00:00Z');
  it.each([
    ['up', 'hibernate', record({ status: 'hibernated', hibernatedAt: '2026-11-25T17:00:00Z' }), { path: 'wake' }],
    ['up', 'hibernate', record({ status: 'failed', hibernatedAt: '2026-11-25T17:00:00Z' }), { path: 'wake' }],
    ['up', 'hibernate', undefined, {}],
    ['down', 'hibernate', record({}), { path: 'hibernate' }],
    ['down', 'destroy', record({}), {}],
    // A first apply that failed may have left a broken cluster: destroyed, never hibernated.
    ['down', 'hibernate', record({ status: 'failed' }), {}],
    ['down', 'hibernate', record({ status: 'hibernated', hibernatedAt: '2026-11-25T17:00:00Z' }), { hold: expect.any(String) }],
    [
      'down',
      'hibernate',
      record({ status: 'hibernated', hibernatedAt: '2026-11-23T12:00:00Z' }),
      { reason: expect.stringMatching(/idle for 3 days/) },
    ],
    [
      'down',
      'destroy',
      record({ status: 'hibernated', hibernatedAt: '2026-11-25T17:00:00Z' }),
      { reason: expect.stringMatching(/mode is now destroy/) },
    ],
  ] as const)('%s in mode %s with %j: %j', (action, mode, rec, expected) => {
    expect(pathFor(action, mode, rec, now, 3)).toMatchObject(expected);
    if (!('path' in expected)) expect(pathFor(action, mode, rec, now, 3)).not.toHaveProperty('path', expect.anything());
  });
});

describe('plan in hibernate mode', () => {
  const team = config({ mode: 'hibernate' });
  const tuesdayEvening = new Date('2026-11-24T18:30:00Z'); // 19:30 in Berlin, after the 19:00 teardown
  const alice = (actions: ReturnType<typeof plan>) => ({
    action: actions.actions.find((a) => a.developer === 'alice'),
    idle: actions.idle.find((i) => i.developer === 'alice'),
  });

  it('hibernates a ready cluster at teardown instead of destroying it', () => {
    const { action } = alice(plan(tuesdayEvening, team, [record({})], [cluster]));
    expect(action).toMatchObject({ action: 'down', path: 'hibernate', runId: 'alice-down-20261124' });
  });

  it('leaves a hibernated cluster alone overnight (not drift), then destroys it after hibernateIdleDays', () => {
    const hibernated = record({ status: 'hibernated', runId: 'alice-down-20261124', hibernatedAt: '2026-11-24T18:05:00Z' });
    const night = alice(plan(new Date('2026-11-24T23:00:00Z'), team, [hibernated], [cluster]));
    expect(night.action).toBeUndefined();
    expect(night.idle?.reason).toMatch(/hibernated since 2026-11-24T18:05:00Z; destroyed at 2026-11-27T18:05:00.000Z unless woken/);
    // Not woken for three days (holidays, say): Saturday's down destroys it (no path).
    const later = alice(plan(new Date('2026-11-28T10:00:00Z'), team, [hibernated], [cluster]));
    expect(later.action).toMatchObject({ action: 'down', runId: 'alice-down-20261128' });
    expect(later.action?.path).toBeUndefined();
  });

  it('wakes a hibernated cluster with the short lead: no up at the full lead, a wake minutes before readyBy', () => {
    const hibernated = record({ status: 'hibernated', runId: 'alice-down-20261124', hibernatedAt: '2026-11-24T18:05:00Z' });
    // alice is ready by 09:00 in Berlin (08:00Z): a full up starts 40 min before (07:20Z), a wake 19 min before (07:41Z).
    const early = alice(plan(new Date('2026-11-25T07:30:00Z'), team, [hibernated], [cluster]));
    expect(early.action).toBeUndefined();
    expect(alice(plan(new Date('2026-11-25T07:30:00Z'), team, [record({ status: 'destroyed' })], [])).action).toMatchObject({
      action: 'up',
    });
    const wake = alice(plan(new Date('2026-11-25T07:45:00Z'), team, [hibernated], [cluster]));
    expect(wake.action).toMatchObject({ action: 'up', path: 'wake', runId: 'alice-up-20261125' });
  });
});

describe('cost: destroy and hibernate side by side', () => {
  it('prices hibernate as nodes from the wake lead to teardown plus the control plane and NLB all day and all week', () => {
    const team = config();
    const { clusterPerHour, nodePerHour, natPerHour } = hourlyRates(team, '2026-11-24');
    const alwaysRunning = clusterPerHour - nodePerHour;
    const [alice] = dailyCosts(team, '2026-11-24');
    // alice: 09:00 - 4 min wake lead to 19:00 and the 3-minute scale-down after it.
    const nodeHours = (19 * 60 + 3 - (9 * 60 - 4)) / 60;
    const natShare = (natPerHour * 24) / team.developers.length;
    const cents = (value: number) => Math.round(value * 100) / 100;
    expect([alice!.mode, alice!.nodeHours]).toEqual(['destroy', Math.round(nodeHours * 100) / 100]);
    expect(alice!.hibernate).toBe(cents(nodeHours * nodePerHour + 24 * alwaysRunning + natShare));
    expect(alice!.weekHibernate).toBe(cents(5 * nodeHours * nodePerHour + 7 * (24 * alwaysRunning + natShare)));
    // Hibernate pays the control plane all night: dearer than destroying, cheaper than always on.
    expect(alice!.turbo).toBeLessThan(alice!.hibernate);
    expect(alice!.hibernate).toBeLessThan(alice!.alwaysOn);
  });
});
