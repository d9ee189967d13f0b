import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { parse } from 'yaml';
import type { ClusterInfo, EnvironmentRecord } from '../../../functions/core/types';
import { atLocalTime } from '../../../functions/core/clock';
import { configSchema, scheduleOf, type TurboConfig } from '../../../functions/core/config';
import {
  isStaleClaim,
  manualRunIdFor,
  MAX_EXECUTION_NAME,
  plan,
  RECONCILE_TICK_MINUTES,
  RUN_LIFETIME_HOURS,
  takeoverRunIdFor,
  runIdFor,
  scheduledDesire,
  teardownInstant,
  untaggedLookalikes,
  type PlannedAction,
} from '../../../functions/core/plan';

const example = parse(readFileSync(join(__dirname, '../../../turbo.config.example.yml'), 'utf8'));

/** The example config (alice/bob in Berlin, carol in New York, dave in Kolkata), with top-level changes. */
function configWith(changes: Record<string, unknown> = {}): TurboConfig {
  return configSchema.parse({ ...example, ...changes });
}

const everyDay = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
/** One Berlin and one New York developer who work every day, so that DST Sundays are working days. */
function dstConfig(readyBy = '09:00'): TurboConfig {
  return configWith({
    workingDays: everyDay,
    readyBy,
    developers: [
      { name: 'berta', slackUserId: 'U0BERTA001', iamPrincipalArn: 'arn:aws:iam::123456789012:user/berta', timezone: 'Europe/Berlin' },
      { name: 'nora', slackUserId: 'U0NORA0001', iamPrincipalArn: 'arn:aws:iam::123456789012:user/nora', timezone: 'America/New_York' },
    ],
  });
}

function record(developer: string, fields: Partial<EnvironmentRecord>): EnvironmentRecord {
  return { developer, status: 'absent', clusterName: `turbo-${developer}`, updatedAt: '2026-11-24T00:00:00.000Z', ...fields };
}

function cluster(name: string, owner: string, status: ClusterInfo['status'] = 'ACTIVE'): ClusterInfo {
  return { name, status, tags: { 'turbo:owner': owner } };
}

const at = (iso: string) => new Date(iso);
const actionOf = (p: ReturnType<typeof plan>, developer: string) => p.actions.find((a) => a.developer === developer);
const idleOf = (p: ReturnType<typeof plan>, developer: string) => p.idle.find((i) => i.developer === developer);

interface Started {
  at: string;
  developer: string;
  action: string;
  runId: string;
}

/**
 * Runs reconcile on the 15-minute grid, as the cron does, and lets every planned action succeed before the
 * next tick (up → ready, down → destroyed). Returns the actions that were started.
 */
function reconcileOnGrid(config: TurboConfig, fromIso: string, hours: number, initial: EnvironmentRecord[] = []): Started[] {
  const records = new Map(initial.map((r) => [r.developer, r]));
  const started: Started[] = [];
  const from = Date.parse(fromIso);
  for (let tick = from; tick < from + hours * 3_600_000; tick += RECONCILE_TICK_MINUTES * 60_000) {
    const now = new Date(tick);
    for (const action of plan(now, config, [...records.values()], []).actions) {
      started.push({ at: now.toISOString(), developer: action.developer, action: action.action, runId: action.runId });
      const previous = records.get(action.developer);
      const status = action.action === 'up' ? 'ready' : 'destroyed';
      records.set(action.developer, { ...record(action.developer, { ...previous }), status, runId: action.runId });
    }
  }
  return started;
}

describe('plan on an ordinary working day (Tuesday 2026-11-24)', () => {
  const config = configWith();

  it('plans up for alice once the tick before her due start has passed, with the local-date run ID, the cluster name and the expiry', () => {
    const p = plan(at('2026-11-24T07:20:00Z'), config, [], []); // 08:20 in Berlin (CET, UTC+1); due at the 08:30 tick
    expect(actionOf(p, 'alice')).toEqual({
      developer: 'alice',
      action: 'up',
      runId: 'alice-up-20261124',
      clusterName: 'turbo-alice',
      reason: 'working day; ready by 09:00 Europe/Berlin needs a start at 08:30 Europe/Berlin',
      expiresAt: '2026-11-24T18:00:00.000Z',
    });
  });

  it('plans nothing before the start, and says when the start is', () => {
    const p = plan(at('2026-11-24T07:15:00Z'), config, [], []); // the 08:15 tick, one before the due 08:30
    expect(actionOf(p, 'alice')).toBeUndefined();
    expect(idleOf(p, 'alice')?.reason).toBe('before the start at 08:30 Europe/Berlin (ready by 09:00 Europe/Berlin); nothing is running');
  });

  it('leaves today’s cluster up when the stagger moves today’s start past it, and takes yesterday’s down', () => {
    // alice's up ran at 07:00 Berlin (an earlier tick's stagger); the 08:15 tick's stagger starts her at 08:30.
    const todays = record('alice', { status: 'ready', action: 'up', runId: 'alice-up-20261124', startedAt: '2026-11-24T06:00:00Z' });
    const p = plan(at('2026-11-24T07:15:00Z'), config, [todays], [cluster('turbo-alice', 'alice')]);
    expect(actionOf(p, 'alice')).toBeUndefined();
    expect(idleOf(p, 'alice')?.reason).toMatch(/^working day; .*; already up \(run alice-up-20261124\)$/);
    const yesterdays = { ...todays, runId: 'alice-up-20261123', startedAt: '2026-11-23T07:30:00Z' };
    const before = plan(at('2026-11-24T07:15:00Z'), config, [yesterdays], [cluster('turbo-alice', 'alice')]);
    expect(actionOf(before, 'alice')).toMatchObject({ action: 'down', reason: expect.stringMatching(/^before the start at 08:30 /) });
  });

  it('names a down before the start apart from the day’s own down, which then still runs at teardown', () => {
    // Last night's hibernation failed (its run told ops); before today's start, reconcile takes the cluster down.
    const failed = record('alice', { status: 'failed', action: 'down', runId: 'alice-down-20261123', startedAt: '2026-11-23T18:00:00Z' });
    const morning = plan(at('2026-11-24T05:00:00Z'), config, [failed], [cluster('turbo-alice', 'alice')]);
    expect(actionOf(morning, 'alice')).toMatchObject({ action: 'down', runId: 'alice-down-20261124-before-start' });
    // Today's up ran after it; at teardown the day's down has its own name, unused.
    const todays = record('alice', { status: 'ready', action: 'up', runId: 'alice-up-20261124', startedAt: '2026-11-24T07:30:00Z' });
    const evening = plan(at('2026-11-24T18:00:00Z'), config, [todays], [cluster('turbo-alice', 'alice')]);
    expect(actionOf(evening, 'alice')).toMatchObject({ action: 'down', runId: 'alice-down-20261124' });
  });

  it('honours per-developer overrides: bob starts earlier, carol follows New York hours', () => {
    const p = plan(at('2026-11-24T07:05:00Z'), config, [], []); // 08:05 Berlin, 02:05 New York
    expect(actionOf(p, 'bob')?.reason).toBe('working day; ready by 08:30 Europe/Berlin needs a start at 08:00 Europe/Berlin');
    expect(actionOf(p, 'alice')).toBeUndefined();
    expect(actionOf(p, 'carol')).toBeUndefined();
    const carol = actionOf(plan(at('2026-11-24T14:05:00Z'), config, [], []), 'carol'); // 09:05 New York (EST)
    expect(carol).toMatchObject({ action: 'up', runId: 'carol-up-20261124', expiresAt: '2026-11-24T23:00:00.000Z' });
  });

  it('uses each developer’s own local date for run IDs: dave in Kolkata is already on Wednesday', () => {
    // 2026-11-24T21:00Z is 02:30 on Wednesday in Kolkata; dave's readyBy 09:00 IST is 03:30Z on the 25th.
    const p = plan(at('2026-11-25T03:05:00Z'), config, [], []);
    expect(actionOf(p, 'dave')).toMatchObject({ action: 'up', runId: 'dave-up-20261125' });
  });

  it('plans down at teardownAt for a ready record and nothing once it is destroyed', () => {
    const ready = record('alice', { status: 'ready', runId: 'alice-up-20261124' });
    const down = actionOf(plan(at('2026-11-24T18:00:00Z'), config, [ready], []), 'alice');
    expect(down).toEqual({
      developer: 'alice',
      action: 'down',
      runId: 'alice-down-20261124',
      clusterName: 'turbo-alice',
      reason: 'after teardown at 19:00 Europe/Berlin; the record is ready (run alice-up-20261124)',
    });
    const destroyed = record('alice', { status: 'destroyed', runId: 'alice-down-20261124' });
    const later = plan(at('2026-11-24T18:15:00Z'), config, [destroyed], []);
    expect(actionOf(later, 'alice')).toBeUndefined();
    expect(idleOf(later, 'alice')?.reason).toBe('after teardown at 19:00 Europe/Berlin; nothing is running');
  });
});

describe('the 15-minute reconcile grid', () => {
  it('starts up at the first tick at or after readyBy − lead − one tick, and down at the first tick at or after teardown, once each', () => {
    const config = configWith({ developers: [example.developers[0]] }); // alice: 08:20 start, 19:00 teardown, CET
    expect(reconcileOnGrid(config, '2026-11-24T00:00:00Z', 24)).toEqual([
      { at: '2026-11-24T07:30:00.000Z', developer: 'alice', action: 'up', runId: 'alice-up-20261124' },
      { at: '2026-11-24T18:00:00.000Z', developer: 'alice', action: 'down', runId: 'alice-down-20261124' },
    ]);
  });

  it.each(['09:00', '08:50', '08:36', '08:35', '08:34', '08:21', '07:05'])(
    'starts the up at a tick that leaves the whole lead before readyBy %s (a cluster is never late by a tick)',
    (readyBy) => {
      const config = configWith({ readyBy, developers: [example.developers[0]] });
      const ups = reconcileOnGrid(config, '2026-11-24T00:00:00Z', 24).filter((s) => s.action === 'up');
      expect(ups).toHaveLength(1);
      const readyAt = DateTime.fromISO(`2026-11-24T${readyBy}`, { zone: 'Europe/Berlin' }).toMillis();
      const margin = readyAt - Date.parse(ups[0]!.at) - config.leadMinutes * 60_000;
      expect(margin).toBeGreaterThanOrEqual(0);
      expect(margin).toBeLessThan(RECONCILE_TICK_MINUTES * 60_000);
    },
  );

  it('keeps planning the same up run ID on every tick while nothing records it (the execution name deduplicates)', () => {
    const config = configWith();
    const ids = ['2026-11-24T07:45:00Z', '2026-11-24T08:00:00Z', '2026-11-24T12:00:00Z'].map(
      (iso) => actionOf(plan(at(iso), config, [], []), 'alice')?.runId,
    );
    expect(ids).toEqual(['alice-up-20261124', 'alice-up-20261124', 'alice-up-20261124']);
  });
});

describe('daylight saving time: readyBy 09:00 and teardownAt 19:00 are local on transition days', () => {
  const config = dstConfig();
  it.each([
    ['Europe/Berlin spring forward', 'berta', '2026-03-29', '2026-03-28T22:00:00Z', '2026-03-29T06:30:00.000Z', '2026-03-29T17:00:00.000Z'],
    ['Europe/Berlin fall back', 'berta', '2026-10-25', '2026-10-24T22:00:00Z', '2026-10-25T07:30:00.000Z', '2026-10-25T18:00:00.000Z'],
    [
      'America/New_York spring forward',
      'nora',
      '2026-03-08',
      '2026-03-08T05:00:00Z',
      '2026-03-08T12:30:00.000Z',
      '2026-03-08T23:00:00.000Z',
    ],
    ['America/New_York fall back', 'nora', '2026-11-01', '2026-11-01T04:00:00Z', '2026-11-01T13:30:00.000Z', '2026-11-02T00:00:00.000Z'],
  ])('%s (%s on %s): one up at 08:30 local, one down at 19:00 local', (_label, developer, date, localMidnightUtc, upAt, downAt) => {
    const started = reconcileOnGrid(config, localMidnightUtc, 24).filter((s) => s.developer === developer);
    const day = date.replaceAll('-', '');
    expect(started).toEqual([
      { at: upAt, developer, action: 'up', runId: `${developer}-up-${day}` },
      { at: downAt, developer, action: 'down', runId: `${developer}-down-${day}` },
    ]);
  });

  it('knows the offset changed: the Monday after Berlin springs forward starts an hour earlier in UTC', () => {
    const before = actionOf(plan(at('2026-03-27T07:35:00Z'), config, [], []), 'berta'); // Friday, CET
    const after = actionOf(plan(at('2026-03-30T06:35:00Z'), config, [], []), 'berta'); // Monday, CEST
    expect(before?.runId).toBe('berta-up-20260327');
    expect(after?.runId).toBe('berta-up-20260330');
    expect(plan(at('2026-03-30T06:15:00Z'), config, [], []).actions.map((a) => a.developer)).not.toContain('berta');
  });

  // A readyBy in the hour that spring-forward skips does not exist on the wall clock. Our choice (clock.ts):
  // move it forward by the gap, i.e. the same elapsed time after midnight as on any other day, and take the
  // lead time as elapsed time before that instant. So 02:30 becomes 03:30 CEST/EDT, and the start is 25 real
  // minutes earlier.
  it.each([
    ['berta', '2026-03-28T23:00:00Z', '2026-03-29T01:00:00.000Z', '2026-03-29T01:30:00.000Z'],
    ['nora', '2026-03-08T05:00:00Z', '2026-03-08T07:00:00.000Z', '2026-03-08T07:30:00.000Z'],
  ])('a readyBy of 02:30 in the skipped hour (%s) gives exactly one up, before the shifted 03:30', (developer, fromUtc, upAt, readyAt) => {
    const started = reconcileOnGrid(dstConfig('02:30'), fromUtc, 23).filter((s) => s.developer === developer && s.action === 'up');
    expect(started).toHaveLength(1);
    expect(started[0]!.at).toBe(upAt);
    const schedule = scheduleOf(dstConfig('02:30'), dstConfig('02:30').developers.find((d) => d.name === developer)!);
    const readyBy = atLocalTime(DateTime.fromISO(upAt, { zone: schedule.timezone }).startOf('day'), '02:30');
    expect(readyBy.toUTC().toISO()).toBe(readyAt);
    expect(readyBy.toFormat('HH:mm')).toBe('03:30');
  });

  it('a lead time that spans the skipped hour is still 25 real minutes: readyBy 03:10 CEST is due at the 01:45 CET tick', () => {
    const p = plan(at('2026-03-29T00:31:00Z'), dstConfig('03:10'), [], []);
    expect(actionOf(p, 'berta')?.reason).toBe('working day; ready by 03:10 Europe/Berlin needs a start at 01:45 Europe/Berlin');
    expect(actionOf(plan(at('2026-03-29T00:30:00Z'), dstConfig('03:10'), [], []), 'berta')).toBeUndefined();
  });

  it('a readyBy in the repeated hour of fall-back counts from its first occurrence, and starts once', () => {
    // 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET) in Berlin on 2026-10-25.
    const started = reconcileOnGrid(dstConfig('02:30'), '2026-10-24T22:00:00Z', 24).filter(
      (s) => s.developer === 'berta' && s.action === 'up',
    );
    expect(started).toEqual([{ at: '2026-10-25T00:00:00.000Z', developer: 'berta', action: 'up', runId: 'berta-up-20261025' }]);
  });

  it('a start before local midnight is clamped to midnight: a day’s runs belong to that day', () => {
    const config = configWith({ readyBy: '00:10', developers: [example.developers[0]] });
    expect(actionOf(plan(at('2026-11-24T22:59:00Z'), config, [], []), 'alice')).toBeUndefined(); // 23:59 on the 24th
    const p = plan(at('2026-11-24T23:00:00Z'), config, [], []); // 00:00 on the 25th
    expect(actionOf(p, 'alice')).toMatchObject({
      runId: 'alice-up-20261125',
      reason: expect.stringContaining('start at 00:00 Europe/Berlin'),
    });
  });
});

describe('days off', () => {
  const config = configWith();
  const readyAlice = record('alice', { status: 'ready', runId: 'alice-up-20261223' });

  it('team holidays: nobody in the team zone goes up, and a running cluster goes down', () => {
    const p = plan(at('2026-12-24T09:00:00Z'), config, [readyAlice], []); // Thursday, 10:00 Berlin
    expect(actionOf(p, 'alice')).toMatchObject({
      action: 'down',
      runId: 'alice-down-20261224',
      reason: 'holiday 2026-12-24; the record is ready (run alice-up-20261223)',
    });
    expect(idleOf(p, 'bob')?.reason).toBe('holiday 2026-12-24; nothing is running');
  });

  it('per-developer holidays replace the team list', () => {
    const developers = [{ ...example.developers[0], holidays: ['2026-11-24'] }, example.developers[1]];
    const p = plan(at('2026-12-24T09:00:00Z'), configWith({ developers }), [], []);
    expect(actionOf(p, 'alice')?.action).toBe('up');
    expect(actionOf(p, 'bob')).toBeUndefined();
    expect(idleOf(plan(at('2026-11-24T09:00:00Z'), configWith({ developers }), [], []), 'alice')?.reason).toBe(
      'holiday 2026-11-24; nothing is running',
    );
  });

  it('weekends, and per-developer working days (dave works Monday to Thursday)', () => {
    const saturday = plan(at('2026-11-28T09:00:00Z'), config, [], []);
    expect(saturday.actions).toEqual([]);
    expect(idleOf(saturday, 'alice')?.reason).toBe('not a working day (sat); nothing is running');
    const friday = plan(at('2026-11-27T05:00:00Z'), config, [], []); // 10:30 in Kolkata
    expect(idleOf(friday, 'dave')?.reason).toBe('not a working day (fri); nothing is running');
  });

  it('skip dates on the record: down that day, up again the next', () => {
    const skipping = record('alice', { status: 'ready', runId: 'alice-up-20261123', skipDates: ['2026-11-24'] });
    expect(actionOf(plan(at('2026-11-24T09:00:00Z'), config, [skipping], []), 'alice')).toMatchObject({
      action: 'down',
      reason: expect.stringMatching(/^skip date 2026-11-24;/),
    });
    const destroyed = { ...skipping, status: 'destroyed' as const, runId: 'alice-down-20261124' };
    expect(actionOf(plan(at('2026-11-25T09:00:00Z'), config, [destroyed], []), 'alice')).toMatchObject({
      action: 'up',
      runId: 'alice-up-20261125',
    });
  });
});

describe('keep-alive (record.keepUntil)', () => {
  const config = configWith();
  const kept = record('alice', { status: 'ready', runId: 'alice-up-20261124', keepUntil: '2026-11-24T20:00:00.000Z' }); // 21:00 Berlin

  it('keeps a ready cluster past teardownAt, then takes it down at keepUntil', () => {
    expect(idleOf(plan(at('2026-11-24T19:45:00Z'), config, [kept], []), 'alice')?.reason).toBe(
      'kept until 21:00 Europe/Berlin; already up (run alice-up-20261124)',
    );
    expect(actionOf(plan(at('2026-11-24T20:00:00Z'), config, [kept], []), 'alice')).toMatchObject({
      action: 'down',
      reason: 'after the keep-alive until 21:00 Europe/Berlin; the record is ready (run alice-up-20261124)',
    });
  });

  it('reports the keep-alive as the expiry of an up, and ignores one earlier than teardown', () => {
    const schedule = scheduleOf(config, config.developers[0]!);
    expect(teardownInstant(at('2026-11-24T08:00:00Z'), schedule, kept)).toBe('2026-11-24T20:00:00.000Z');
    const early = { ...kept, keepUntil: '2026-11-24T12:00:00.000Z' };
    expect(teardownInstant(at('2026-11-24T08:00:00Z'), schedule, early)).toBe('2026-11-24T18:00:00.000Z');
    const gone = { ...kept, status: 'destroyed' as const, runId: 'alice-down-20261124', keepUntil: '2026-11-24T21:30:00.000Z' };
    expect(actionOf(plan(at('2026-11-24T19:00:00Z'), config, [gone], []), 'alice')).toMatchObject({
      action: 'up',
      reason: 'kept until 22:30 Europe/Berlin',
      expiresAt: '2026-11-24T21:30:00.000Z',
    });
  });

  it('starts no cluster that would be ready less than MIN_USEFUL_MINUTES before its end, but keeps a running one', () => {
    const gone = { ...kept, status: 'destroyed' as const, runId: 'alice-down-20261124' };
    expect(actionOf(plan(at('2026-11-24T19:00:00Z'), config, [gone], []), 'alice')).toBeUndefined();
    expect(idleOf(plan(at('2026-11-24T19:00:00Z'), config, [gone], []), 'alice')?.reason).toContain('too late to start');
    // Late afternoon with no cluster (a new roster entry, say): at 18:00 Berlin, ready at 18:25, within the hour before 19:00.
    expect(actionOf(plan(at('2026-11-24T17:00:00Z'), config, [], []), 'alice')).toBeUndefined();
    expect(actionOf(plan(at('2026-11-24T16:30:00Z'), config, [], []), 'alice')).toMatchObject({ action: 'up' });
    // A cluster already up stays up until teardown.
    const ready = { ...kept, keepUntil: undefined, status: 'ready' as const };
    expect(actionOf(plan(at('2026-11-24T17:30:00Z'), config, [ready], []), 'alice')).toBeUndefined();
    expect(idleOf(plan(at('2026-11-24T17:30:00Z'), config, [ready], []), 'alice')?.reason).not.toContain('too late');
  });

  it('does not start a cluster early: the window still opens at readyBy − lead', () => {
    expect(actionOf(plan(at('2026-11-24T07:00:00Z'), config, [{ ...kept, status: 'destroyed' }], []), 'alice')).toBeUndefined();
  });
});

describe('records and clusters decide between acting and waiting', () => {
  const config = configWith();
  const morning = at('2026-11-24T08:00:00Z');
  const evening = at('2026-11-24T18:30:00Z');

  it('a ready record from an earlier run counts as up', () => {
    const p = plan(morning, config, [record('alice', { status: 'ready', runId: 'alice-up-20261123' })], []);
    expect(actionOf(p, 'alice')).toBeUndefined();
    expect(idleOf(p, 'alice')?.reason).toMatch(/already up \(run alice-up-20261123\)$/);
  });

  it('a failed up run of today is left for a redrive; a failed run of another day is retried with today’s name', () => {
    const failedToday = record('alice', { status: 'failed', runId: 'alice-up-20261124', lastError: 'apply job failed' });
    const p = plan(morning, config, [failedToday], []);
    expect(actionOf(p, 'alice')).toBeUndefined();
    expect(idleOf(p, 'alice')?.reason).toMatch(/run alice-up-20261124 failed \(apply job failed\): redrive it/);
    const failedYesterday = { ...failedToday, runId: 'alice-up-20261123' };
    expect(actionOf(plan(morning, config, [failedYesterday], []), 'alice')).toMatchObject({ action: 'up', runId: 'alice-up-20261124' });
  });

  it('a failed record is torn down in the evening (a half-built cluster costs money too)', () => {
    const failed = record('alice', { status: 'failed', runId: 'alice-up-20261124' });
    expect(actionOf(plan(evening, config, [failed], []), 'alice')).toMatchObject({ action: 'down', runId: 'alice-down-20261124' });
  });

  it('a failed down run of today is left for a redrive too', () => {
    const failedDown = record('alice', { status: 'failed', runId: 'alice-down-20261124', lastError: 'destroy job failed' });
    const p = plan(evening, config, [failedDown], [cluster('turbo-alice', 'alice')]);
    expect(actionOf(p, 'alice')).toBeUndefined();
    expect(idleOf(p, 'alice')?.reason).toBe(
      'after teardown at 19:00 Europe/Berlin; run alice-down-20261124 failed (destroy job failed): redrive it, its name cannot run twice',
    );
  });

  it.each([
    ['provisioning', 'alice-up-20261124', morning, /run alice-up-20261124 is provisioning, wait for it$/],
    ['provisioning', 'alice-up-20261124', evening, /run alice-up-20261124 is provisioning, wait for it$/],
    ['destroying', 'alice-down-20261124', evening, /run alice-down-20261124 is destroying the cluster, wait for it$/],
    ['destroying', 'alice-down-20261123', morning, /run alice-down-20261123 is destroying the cluster, wait for it$/],
  ] as const)('a record in %s (%s) is another run’s work in progress: idle', (status, runId, now, reason) => {
    // Written by its owner an hour ago: a live run (see 'stale claims' for one that died).
    const updatedAt = new Date(now.getTime() - 3_600_000).toISOString();
    const p = plan(now, config, [record('alice', { status, runId, updatedAt })], [cluster('turbo-alice', 'alice')]);
    expect(actionOf(p, 'alice')).toBeUndefined();
    expect(idleOf(p, 'alice')?.reason).toMatch(reason);
  });

  it('drift: a turbo-tagged cluster with no live record is taken down', () => {
    const p = plan(evening, config, [], [cluster('turbo-alice', 'alice')]);
    expect(actionOf(p, 'alice')).toMatchObject({
      action: 'down',
      clusterName: 'turbo-alice',
      reason: 'after teardown at 19:00 Europe/Berlin; cluster turbo-alice is running without a live record (drift)',
    });
    expect(p.actions.find((a) => a.orphan)).toBeUndefined();
  });

  it('a cluster being deleted is waited for, and an absent cluster is not running', () => {
    const deleting = plan(evening, config, [], [cluster('turbo-alice', 'alice', 'DELETING')]);
    expect(idleOf(deleting, 'alice')?.reason).toMatch(/cluster turbo-alice is being deleted, wait for it$/);
    const absent = plan(evening, config, [record('alice', { status: 'destroyed' })], [cluster('turbo-alice', 'alice', 'ABSENT')]);
    expect(idleOf(absent, 'alice')?.reason).toMatch(/nothing is running$/);
  });
});

describe('orphans: clusters and records that nobody in the roster owns', () => {
  const config = configWith();
  // 23:30Z on the 24th is already the 25th in Berlin: orphan run IDs use the UTC date.
  const now = at('2026-11-24T23:30:00Z');

  it('a cluster whose turbo:owner is not in the roster goes down, named by its owner and the UTC date', () => {
    const p = plan(now, config, [], [cluster('turbo-zed', 'zed')]);
    expect(actionOf(p, 'zed')).toEqual({
      developer: 'zed',
      action: 'down',
      runId: 'zed-down-20261124',
      clusterName: 'turbo-zed',
      reason: 'orphan: zed is not in the roster; cluster turbo-zed is running without a live record (drift)',
      orphan: true,
    });
  });

  it('keeps the actual cluster name when it is not Turbo’s name for the owner', () => {
    const p = plan(now, config, [], [cluster('legacy-cluster', 'erin')]);
    expect(actionOf(p, 'erin')).toMatchObject({ clusterName: 'legacy-cluster', orphan: true });
  });

  it('a live record of a developer who left the roster is torn down too; a destroyed one is ignored', () => {
    const left = record('frank', { status: 'ready', runId: 'frank-up-20261120', clusterName: 'turbo-frank' });
    const gone = record('gina', { status: 'destroyed' });
    const p = plan(now, config, [left, gone], []);
    expect(actionOf(p, 'frank')).toMatchObject({ action: 'down', orphan: true, clusterName: 'turbo-frank', runId: 'frank-down-20261124' });
    expect(p.actions.map((a) => a.developer)).not.toContain('gina');
    expect(p.idle.map((i) => i.developer)).not.toContain('gina');
  });

  it.each(['Bob;rm -rf /', '$(id)', '-bob', ''])('an owner tag that is not a DNS-1123 label (%j) is reported, never acted on', (owner) => {
    const p = plan(now, config, [], [cluster('odd-cluster', owner)]);
    expect(p.actions.filter((a) => a.orphan)).toEqual([]);
    expect(idleOf(p, owner)?.reason).toBe(
      `cluster odd-cluster has turbo:owner ${JSON.stringify(owner)}, which is not a DNS-1123 label: not acted on, check it by hand`,
    );
  });
});

describe('determinism', () => {
  const config = configWith();
  const records = [record('bob', { status: 'ready', runId: 'bob-up-20261124' })];
  const clusters = [cluster('turbo-zed', 'zed'), cluster('turbo-bob', 'bob')];

  it('the same inputs give the same plan, and the same run IDs', () => {
    const now = at('2026-11-24T18:30:00Z');
    expect(plan(now, config, records, clusters)).toEqual(plan(new Date(now), config, structuredClone(records), structuredClone(clusters)));
    expect(plan(now, config, records, clusters).at).toBe('2026-11-24T18:30:00.000Z');
  });

  it('orders actions and idle entries by developer, whatever the roster and listing order', () => {
    const reversed = { ...config, developers: [...config.developers].reverse() };
    const p = plan(at('2026-11-24T23:30:00Z'), reversed, records, [...clusters].reverse()); // 18:30 in New York
    expect(p.actions.map((a: PlannedAction) => a.developer)).toEqual(['bob', 'zed']);
    expect(p.idle.map((i) => i.developer)).toEqual(['alice', 'carol', 'dave']);
  });

  it('runIdFor uses the local date of the given zone', () => {
    const now = at('2026-11-24T23:30:00Z');
    expect(runIdFor('alice', 'up', now, 'Europe/Berlin')).toBe('alice-up-20261125');
    expect(runIdFor('alice', 'down', now, 'America/New_York')).toBe('alice-down-20261124');
    expect(runIdFor('zed', 'down', now, 'UTC')).toBe('zed-down-20261124');
  });
});

describe('pre-teardown warning (warnMinutesBeforeTeardown, default 30)', () => {
  const config = configWith();
  const ready = record('alice', { status: 'ready', runId: 'alice-up-20261124' });
  const warningOf = (p: ReturnType<typeof plan>, developer: string) => p.warnings.find((w) => w.developer === developer);

  it('warns a ready developer from 30 minutes before teardown, with a once-a-day run ID and a 22:00 keep offer', () => {
    const p = plan(at('2026-11-24T17:30:00Z'), config, [ready], []); // 18:30 in Berlin, teardown 19:00
    expect(p.warnings).toEqual([
      {
        developer: 'alice',
        action: 'warn',
        runId: 'alice-warn-20261124',
        clusterName: 'turbo-alice',
        teardownAt: '2026-11-24T18:00:00.000Z',
        keepOffer: '22:00',
      },
    ]);
    expect(actionOf(p, 'alice')).toBeUndefined(); // a warning is not an environment run
  });

  it('does not warn before the window, nor at teardown (then it is a down)', () => {
    expect(warningOf(plan(at('2026-11-24T17:29:00Z'), config, [ready], []), 'alice')).toBeUndefined();
    const atTeardown = plan(at('2026-11-24T18:00:00Z'), config, [ready], []);
    expect(warningOf(atTeardown, 'alice')).toBeUndefined();
    expect(actionOf(atTeardown, 'alice')?.action).toBe('down');
  });

  it('gives the same run ID on every tick of the window, so it is sent once per day', () => {
    const ticks = ['2026-11-24T17:30:00Z', '2026-11-24T17:45:00Z'].map(
      (iso) => warningOf(plan(at(iso), config, [ready], []), 'alice')?.runId,
    );
    expect(ticks).toEqual(['alice-warn-20261124', 'alice-warn-20261124']);
  });

  it('warns only when the cluster is ready', () => {
    for (const status of ['provisioning', 'failed', 'destroyed', 'absent'] as const) {
      const p = plan(at('2026-11-24T17:40:00Z'), config, [record('alice', { status, runId: 'alice-up-20261124' })], []);
      expect(warningOf(p, 'alice')).toBeUndefined();
    }
    expect(warningOf(plan(at('2026-11-24T17:40:00Z'), config, [], []), 'alice')).toBeUndefined();
  });

  it('follows the configured lead and the keep-alive: kept until 21:00, warned 60 minutes before it', () => {
    const kept = record('alice', { status: 'ready', runId: 'alice-up-20261124', keepUntil: '2026-11-24T20:00:00.000Z' });
    const hourAhead = configWith({ warnMinutesBeforeTeardown: 60 });
    expect(warningOf(plan(at('2026-11-24T17:30:00Z'), hourAhead, [kept], []), 'alice')).toBeUndefined();
    expect(warningOf(plan(at('2026-11-24T19:00:00Z'), hourAhead, [kept], []), 'alice')).toMatchObject({
      teardownAt: '2026-11-24T20:00:00.000Z',
      keepOffer: '22:00',
    });
  });

  it('offers no more than maxKeepUntil, and no button once the day cannot be extended', () => {
    const early = configWith({ maxKeepUntil: '21:00' });
    expect(warningOf(plan(at('2026-11-24T17:30:00Z'), early, [ready], []), 'alice')?.keepOffer).toBe('21:00');
    const keptToMax = record('alice', { status: 'ready', runId: 'alice-up-20261124', keepUntil: '2026-11-24T20:00:00.000Z' });
    expect(warningOf(plan(at('2026-11-24T19:45:00Z'), early, [keptToMax], []), 'alice')?.keepOffer).toBeNull();
  });

  it('uses each developer’s own zone: carol in New York is warned at 17:30 EST', () => {
    const carol = record('carol', { status: 'ready', runId: 'carol-up-20261124' });
    expect(warningOf(plan(at('2026-11-24T22:29:00Z'), config, [carol], []), 'carol')).toBeUndefined();
    expect(warningOf(plan(at('2026-11-24T22:30:00Z'), config, [carol], []), 'carol')).toMatchObject({
      runId: 'carol-warn-20261124',
      teardownAt: '2026-11-24T23:00:00.000Z',
    });
  });

  it('refuses a warning lead outside 5..240 minutes, naming the field', () => {
    expect(() => configWith({ warnMinutesBeforeTeardown: 1 })).toThrow(/warnMinutesBeforeTeardown/);
  });
});

describe('manual run IDs and the scheduled desire', () => {
  const config = configWith();

  it('manual runs carry the local date and minute, apart from the scheduled run', () => {
    expect(manualRunIdFor('alice', 'up', at('2026-11-24T19:07:00Z'), 'Europe/Berlin')).toBe('alice-up-20261124-manual-2007');
    expect(manualRunIdFor('carol', 'down', at('2026-11-25T02:30:00Z'), 'America/New_York')).toBe('carol-down-20261124-manual-2130');
  });

  it('scheduledDesire is the plan’s own view, with the keep-alive and skip dates of the record', () => {
    expect(scheduledDesire(at('2026-11-24T12:00:00Z'), config, 'alice')).toMatchObject({
      action: 'up',
      expiresAt: '2026-11-24T18:00:00.000Z',
    });
    expect(scheduledDesire(at('2026-11-24T12:00:00Z'), config, 'alice', record('alice', { skipDates: ['2026-11-24'] })).action).toBe(
      'down',
    );
    const kept = record('alice', { keepUntil: '2026-11-24T21:00:00.000Z', status: 'ready' });
    expect(scheduledDesire(at('2026-11-24T20:00:00Z'), config, 'alice', kept)).toMatchObject({
      action: 'up',
      expiresAt: '2026-11-24T21:00:00.000Z',
    });
    expect(() => scheduledDesire(at('2026-11-24T12:00:00Z'), config, 'zed')).toThrow('developer "zed" is not in the roster');
  });
});

describe('untaggedLookalikes: clusters named like Turbo’s without its tag', () => {
  it('reports turbo-<label> clusters that lack turbo:owner, sorted, once each', () => {
    const tagged = [cluster('turbo-alice', 'alice')];
    const names = ['turbo-zed', 'turbo-alice', 'prod-main', 'turbo-bob', 'turbo-zed', 'Turbo-Upper', 'turbo-', 'turbo-bad-'];
    expect(untaggedLookalikes(names, tagged)).toEqual([
      {
        name: 'turbo-bob',
        reason: 'cluster turbo-bob is named like a Turbo cluster but has no turbo:owner tag: not touched, check it by hand',
      },
      {
        name: 'turbo-zed',
        reason: 'cluster turbo-zed is named like a Turbo cluster but has no turbo:owner tag: not touched, check it by hand',
      },
    ]);
  });

  it('reports nothing when every look-alike is tagged (a tagged orphan is plan’s business: it goes down)', () => {
    const tagged = [cluster('turbo-alice', 'alice'), cluster('turbo-old', 'someone')];
    expect(untaggedLookalikes(['turbo-alice', 'turbo-old'], tagged)).toEqual([]);
  });

  it('a cluster listed as tagged but with an empty owner tag still counts as a look-alike', () => {
    expect(untaggedLookalikes(['turbo-x'], [{ name: 'turbo-x', status: 'ACTIVE', tags: {} }]).map((l) => l.name)).toEqual(['turbo-x']);
  });
});

describe('stale claims', () => {
  const config = configWith();
  it('takes down a cluster whose up run died while provisioning, once its claim is older than a run can live', () => {
    const stuck = record('alice', { status: 'provisioning', runId: 'alice-up-20261124', updatedAt: '2026-11-24T07:40:00.000Z' });
    // 19:00 Berlin: teardown. The owner last wrote at 08:40 Berlin, more than RUN_LIFETIME_HOURS ago.
    expect(isStaleClaim(stuck, at('2026-11-24T18:00:00Z'))).toBe(true);
    expect(actionOf(plan(at('2026-11-24T18:00:00Z'), config, [stuck], [cluster('turbo-alice', 'alice')]), 'alice')).toMatchObject({
      action: 'down',
      runId: 'alice-down-20261124',
    });
    // Within the run's lifetime it is left to its owner.
    const fresh = { ...stuck, updatedAt: '2026-11-24T16:30:00.000Z' };
    expect(isStaleClaim(fresh, at('2026-11-24T18:00:00Z'))).toBe(false);
    expect(actionOf(plan(at('2026-11-24T18:00:00Z'), config, [fresh], []), 'alice')).toBeUndefined();
    expect(RUN_LIFETIME_HOURS).toBe(4);
  });

  it('gives the takeover of a stale claim of today’s run its own execution name, the same on every tick', () => {
    const stuck = record('alice', { status: 'provisioning', runId: 'alice-up-20261124', updatedAt: '2026-11-24T07:30:00.000Z' });
    const noon = at('2026-11-24T12:00:00Z');
    const takeovers = [noon, at('2026-11-24T12:15:00Z')].map((now) => actionOf(plan(now, config, [stuck], []), 'alice'));
    expect(takeovers).toEqual([
      expect.objectContaining({
        action: 'up',
        runId: 'alice-up-20261124-t1',
        reason: expect.stringContaining('taking over the stale provisioning claim of run alice-up-20261124'),
      }),
      expect.objectContaining({ runId: 'alice-up-20261124-t1' }),
    ]);
    // The takeover died too: the next one is -t2.
    const again = { ...stuck, runId: 'alice-up-20261124-t1', updatedAt: '2026-11-24T11:45:00.000Z' };
    expect(actionOf(plan(at('2026-11-24T16:00:00Z'), config, [again], []), 'alice')?.runId).toBe('alice-up-20261124-t2');
    // A stale claim of another day's run leaves today's name free.
    const yesterday = { ...stuck, runId: 'alice-up-20261123', updatedAt: '2026-11-23T07:30:00.000Z' };
    expect(actionOf(plan(noon, config, [yesterday], []), 'alice')?.runId).toBe('alice-up-20261124');
    // A down that died while destroying is taken over under its own name too.
    const dying = record('alice', { status: 'destroying', runId: 'alice-down-20261124', updatedAt: '2026-11-24T18:00:00.000Z' });
    expect(actionOf(plan(at('2026-11-24T22:15:00Z'), config, [dying], []), 'alice')).toMatchObject({
      action: 'down',
      runId: 'alice-down-20261124-t1',
    });
  });

  it('keeps takeover names within the 80 characters and the characters an execution name allows', () => {
    const orphan = 'o'.repeat(63);
    const runId = `${orphan}-down-20261124`;
    expect(takeoverRunIdFor(runId, runId)).toBe(`${runId}-t1`);
    expect(`${runId}-t1`).toHaveLength(MAX_EXECUTION_NAME);
    expect(takeoverRunIdFor(runId, `${runId}-t9`)).toBeUndefined();
    expect(takeoverRunIdFor('alice-up-20261124', 'alice-up-20261124-t9')).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(takeoverRunIdFor('alice-up-20261124', 'alice-up-20261124-t9')).toBe('alice-up-20261124-t10');
    expect(takeoverRunIdFor('alice-up-20261124', 'bob-up-20261124-t1')).toBe('alice-up-20261124');
    const stuck = record(orphan, { status: 'destroying', runId: `${runId}-t9`, updatedAt: '2026-11-24T08:00:00.000Z' });
    const p = plan(at('2026-11-24T13:00:00Z'), config, [stuck], [cluster(`turbo-${orphan}`, orphan)]);
    expect(actionOf(p, orphan)).toBeUndefined();
    expect(idleOf(p, orphan)?.reason).toContain('would pass 80 characters: check it by hand');
  });
});
