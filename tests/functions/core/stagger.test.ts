import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { configSchema, type TurboConfig } from '../../../functions/core/config';
import type { EnvironmentRecord, UpSample } from '../../../functions/core/types';
import {
  expectedDurations,
  expectedDurationsBefore,
  MAX_UP_SAMPLES,
  MIN_UP_SAMPLES,
  stagger,
  staggeredDays,
  staggeredOn,
  upJobs,
  upSampleOf,
  withUpSample,
  type ScheduledUp,
  type StepDurations,
  type UpDemand,
} from '../../../functions/core/stagger';
import { plan } from '../../../functions/core/plan';

const example = parse(readFileSync(join(__dirname, '../../../turbo.config.example.yml'), 'utf8'));
const MIN = 60_000;
const TICK = 15 * MIN;

/** 13 minutes of runner per up (apply 12, no wait, deploy 1): one up per slot per tick. */
const learned: StepDurations = { applyMs: 12 * MIN, waitMs: 0, deployMs: 1 * MIN, source: 'history', samples: 20 };
const midnight = Date.parse('2026-11-24T00:00:00Z');

function demand(developer: string, readyByMinutes: number, durations = learned, earliest = midnight): UpDemand {
  return { developer, date: '2026-11-24', timezone: 'UTC', readyBy: midnight + readyByMinutes * MIN, earliest, jobs: upJobs(durations) };
}

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
const startsOf = (ups: ScheduledUp[]) => Object.fromEntries(ups.map((up) => [up.developer, hhmm(up.startAt)]));

/** The most jobs in flight at any instant, by a sweep over every apply and deploy job the schedule implies. */
function peakJobs(ups: ScheduledUp[], d: StepDurations): number {
  const edges = ups.flatMap((up) => {
    const deploy = up.startAt + d.applyMs + d.waitMs;
    return [
      [up.startAt, 1],
      [up.startAt + d.applyMs, -1],
      [deploy, 1],
      [deploy + d.deployMs, -1],
    ] as const;
  });
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, change] of edges) peak = Math.max(peak, (now += change));
  return peak;
}

describe('stagger: start ticks under the runner quota', () => {
  it('starts each up at the last tick that makes readyBy, and staggers the rest earlier, two per tick with a quota of 2', () => {
    const ups = stagger(
      ['ann', 'ben', 'cat', 'dan', 'eve'].map((name) => demand(name, 9 * 60)),
      2,
    );
    // 09:00 − 13 min: the 08:45 tick is the last in time; earlier ticks take the rest, in name order.
    expect(startsOf(ups)).toEqual({ ann: '08:45', ben: '08:45', cat: '08:30', dan: '08:30', eve: '08:15' });
    expect(ups.every((up) => up.readyAt <= up.readyBy && up.miss === undefined)).toBe(true);
  });

  it('places the latest readyBy latest: an 08:30 developer goes before 09:00 ones that fill the 08:45 tick', () => {
    const ups = stagger([demand('ann', 9 * 60), demand('ben', 9 * 60), demand('zed', 8 * 60 + 30)], 2);
    expect(startsOf(ups)).toEqual({ ann: '08:45', ben: '08:45', zed: '08:15' });
  });

  it('never has more jobs in flight than the quota, for 300 ups over five readyBy times and slow cluster waits', () => {
    const slow: StepDurations = { applyMs: 11 * MIN, waitMs: 7 * MIN, deployMs: 4 * MIN, source: 'history', samples: 20 };
    const demands = Array.from({ length: 300 }, (_, i) => demand(`dev-${i}`, 6 * 60 + (i % 5) * 47, slow));
    for (const quota of [1, 5, 20]) {
      const ups = stagger(demands, quota);
      expect(peakJobs(ups, slow)).toBeLessThanOrEqual(quota);
      expect(new Set(ups.map((up) => up.developer)).size).toBe(300);
      for (const up of ups) expect(up.startAt % TICK).toBe(0);
    }
    // A wait that holds no slot lets an up's deploy share a slot-time with the next up's apply: 20 fits 20 per tick.
    expect(peakJobs(stagger(demands, 20), slow)).toBe(20);
  });

  it('predicts who misses readyBy under the quota, and why, with the start and ready time they get', () => {
    // From midnight to 01:00, one slot holds the ups of the 00:00, 00:15, 00:30 and 00:45 ticks.
    const ups = stagger(
      ['a', 'b', 'c', 'd', 'e'].map((name) => demand(name, 60)),
      1,
    );
    const late = ups.filter((up) => up.miss);
    expect(late.map((up) => [up.developer, hhmm(up.startAt), hhmm(up.readyAt)])).toEqual([['e', '01:00', '01:13']]);
    expect(late[0]!.miss).toBe(
      'the runner quota: every tick from 00:00 UTC to 00:45 UTC (the last start in time) ' +
        'has all 1 runner slots taken (runner.maxConcurrentJobs)',
    );
    expect(
      stagger(
        ['a', 'b', 'c', 'd'].map((name) => demand(name, 60)),
        1,
      ).filter((up) => up.miss),
    ).toEqual([]);
  });

  it("tells each up when its day's down is expected to end: at teardown, or later where the downs queue for the quota", () => {
    const teardown = midnight + 18 * 60 * MIN;
    const down = (developer: string) => ({ developer, at: teardown, jobMs: 10 * MIN, date: '2026-11-24' });
    const ups = stagger([demand('ann', 9 * 60), demand('ben', 9 * 60), demand('cat', 9 * 60)], 2, [down('ann'), down('ben'), down('cat')]);
    const ends = Object.fromEntries(ups.map((up) => [up.developer, up.downEndsAt && hhmm(up.downEndsAt)]));
    // Two slots: ann's and ben's destroys run at 18:00, cat's waits for the first to end.
    expect(ends).toEqual({ ann: '18:10', ben: '18:10', cat: '18:20' });
    expect(stagger([demand('ann', 9 * 60)], 2)[0]!.downEndsAt).toBeUndefined();
  });

  it('predicts a miss from a lead too short: a readyBy too soon after the day starts at midnight', () => {
    const [up] = stagger([demand('ann', 10)], 20);
    expect(up).toMatchObject({ startAt: midnight, readyAt: midnight + 13 * MIN });
    expect(up!.miss).toBe('a lead too short: an up takes 13 min, and the day starts at 00:00 UTC, 10 min before readyBy');
  });
});

function config(changes: Record<string, unknown> = {}): TurboConfig {
  return configSchema.parse({ ...example, ...changes });
}

const sample = (at: string, applySeconds: number, region = 'eu-west-1'): UpSample => ({
  at,
  region,
  applySeconds,
  waitSeconds: 30,
  deploySeconds: 90,
});

function withHistory(developer: string, upHistory: UpSample[]): EnvironmentRecord {
  return { developer, status: 'destroyed', clusterName: `turbo-${developer}`, updatedAt: '2026-11-24T00:00:00Z', upHistory };
}

describe('learned durations', () => {
  it('falls back to the config (apply, deploy, and the rest of leadMinutes as the wait) below MIN_UP_SAMPLES ups', () => {
    const few = Array.from({ length: MIN_UP_SAMPLES - 1 }, (_, i) => sample(`2026-11-2${i}T08:00:00Z`, 600));
    expect(expectedDurations(config(), [withHistory('alice', few)])).toEqual({
      applyMs: 12 * MIN,
      waitMs: 12 * MIN,
      deployMs: 1 * MIN,
      source: 'config',
      samples: 0,
    });
  });

  it('takes the p90 of the region’s last 20 ups, all records pooled: older ups and other regions do not count', () => {
    // 25 ups over two records: the 5 oldest were slow (3,000 s), the newest 20 took 600..790 s.
    const old = Array.from({ length: 5 }, (_, i) => sample(`2026-11-0${i + 1}T08:00:00Z`, 3000));
    const recent = Array.from({ length: 20 }, (_, i) => sample(`2026-11-${String(10 + i).padStart(2, '0')}T08:00:00Z`, 600 + i * 10));
    const elsewhere = [sample('2026-11-30T08:00:00Z', 9000, 'us-east-1')];
    const records = [withHistory('alice', [...old, ...recent.slice(0, 10)]), withHistory('bob', [...recent.slice(10), ...elsewhere])];
    const durations = expectedDurations(config(), records);
    // Nearest rank: the 18th of the 20 sorted values, 600 + 17 × 10.
    expect(durations).toEqual({ applyMs: 770_000, waitMs: 30_000, deployMs: 90_000, source: 'history', samples: MAX_UP_SAMPLES });
    // Only ups ready before `before` count: before the 13th, 3 recent and the 5 slow ones, whose p90 is slow.
    const fromEarlierDays = expectedDurations(config(), records, Date.parse('2026-11-13T00:00:00Z'));
    expect(fromEarlierDays).toMatchObject({ applyMs: 3_000_000, samples: 8 });
    // Several dates in one pass: each as if asked alone, the config's below MIN_UP_SAMPLES.
    const befores = ['2026-11-03T00:00:00Z', '2026-11-13T00:00:00Z', '2026-12-01T00:00:00Z'].map(Date.parse);
    expect(expectedDurationsBefore(config(), records, befores)).toEqual([expectedDurations(config(), []), fromEarlierDays, durations]);
  });

  it('keeps at most MAX_UP_SAMPLES ups in a record, dropping the oldest', () => {
    let history: UpSample[] | undefined;
    for (let i = 0; i < 25; i++) history = withUpSample(history, sample(`2026-11-24T08:${String(i).padStart(2, '0')}:00Z`, i));
    expect(history).toHaveLength(MAX_UP_SAMPLES);
    expect(history!.map((s) => s.applySeconds)).toEqual(Array.from({ length: 20 }, (_, i) => i + 5));
    expect(withUpSample(history, undefined)).toBe(history);
  });

  const up: EnvironmentRecord = {
    developer: 'alice',
    status: 'provisioning',
    clusterName: 'turbo-alice',
    runId: 'alice-up-20261124',
    updatedAt: '2026-11-24T07:43:00Z',
    startedAt: '2026-11-24T07:30:04Z',
    applyFinishedAt: '2026-11-24T07:42:40Z',
    jobs: {
      apply: {
        runner: 'codebuild',
        kind: 'apply',
        developer: 'alice',
        runId: 'alice-up-20261124',
        id: 'b:1',
        startedAt: '2026-11-24T07:30:06Z',
      },
      deploy: {
        runner: 'codebuild',
        kind: 'deploy',
        developer: 'alice',
        runId: 'alice-up-20261124',
        id: 'b:2',
        startedAt: '2026-11-24T07:43:10Z',
      },
    },
    jobAttempts: { apply: 1, deploy: 1 },
  };

  it('measures an up from the tick that started it: apply to its end, the wait for the cluster, the deploy to ready', () => {
    expect(upSampleOf(up, '2026-11-24T07:44:25Z', 'eu-west-1')).toEqual({
      at: '2026-11-24T07:44:25Z',
      region: 'eu-west-1',
      applySeconds: 760,
      waitSeconds: 30,
      deploySeconds: 75,
    });
  });

  it('learns how long the jobs ran, not how long they waited for a runner slot', () => {
    // The apply waited 5 min in the runner's queue (StartDeployJob recorded it), the deploy 40 s (MarkReady's input).
    expect(upSampleOf({ ...up, applyQueuedSeconds: 300 }, '2026-11-24T07:44:25Z', 'eu-west-1', 40)).toMatchObject({
      applySeconds: 460,
      waitSeconds: 30,
      deploySeconds: 35,
    });
  });

  it('learns nothing from an up started by hand, one with a retried job, or one without the apply’s end', () => {
    expect(upSampleOf({ ...up, runId: 'alice-up-20261124-manual-0830' }, '2026-11-24T07:44:25Z', 'eu-west-1')).toBeUndefined();
    expect(upSampleOf({ ...up, jobAttempts: { apply: 2, deploy: 1 } }, '2026-11-24T07:44:25Z', 'eu-west-1')).toBeUndefined();
    expect(upSampleOf({ ...up, applyFinishedAt: undefined }, '2026-11-24T07:44:25Z', 'eu-west-1')).toBeUndefined();
  });
});

/** A roster developer, in the team's zone (Berlin) unless `changes` says otherwise. */
const member = (name: string, changes: Record<string, unknown> = {}) => ({
  name,
  slackUserId: `U0${name.toUpperCase()}X01`,
  iamPrincipalArn: `arn:aws:iam::123456789012:user/${name}`,
  ...changes,
});

/** A team on one runner slot. */
const oneSlot = (...developers: ReturnType<typeof member>[]) => config({ runner: { ...example.runner, maxConcurrentJobs: 1 }, developers });
const upsAt = (iso: string, team: TurboConfig, records: EnvironmentRecord[] = []) =>
  plan(new Date(iso), team, records, [])
    .actions.filter((action) => action.action === 'up')
    .map((action) => [action.developer, action.path ?? 'apply']);
const startOf = (team: TurboConfig, developer: string, records: EnvironmentRecord[] = []) => {
  const day = staggeredDays(new Date('2026-11-24T12:00:00Z'), team, records).get(developer);
  return day && 'startAt' in day ? [hhmm(day.startAt), hhmm(day.readyAt)] : day;
};

describe('plan follows the stagger', () => {
  it('with runner.maxConcurrentJobs 1 starts Berlin’s three 09:00 developers on three ticks, not all at once', () => {
    const team = oneSlot(member('ann'), member('ben'), member('cat'));
    const history = withHistory(
      'ann',
      Array.from({ length: 5 }, (_, i) => ({ ...sample(`2026-11-1${i}T08:00:00Z`, 690), waitSeconds: 0 })),
    );
    const startedAt = (iso: string) => plan(new Date(iso), team, [history], []).actions.map((action) => action.developer);
    // Learned: 11.5 + 0 + 1.5 = 13 min per up; the 07:45Z tick (08:45 CET) is the last for 09:00.
    expect(startedAt('2026-11-24T07:15:00Z')).toEqual(['cat']);
    expect(startedAt('2026-11-24T07:30:00Z')).toEqual(['ben', 'cat']);
    expect(startedAt('2026-11-24T07:45:00Z')).toEqual(['ann', 'ben', 'cat']);
  });

  /** The record of a developer whose up ran today (the 24th): their cluster is up until teardown. */
  const servedToday = (developer: string): EnvironmentRecord => ({
    developer,
    status: 'ready',
    clusterName: `turbo-${developer}`,
    runId: `${developer}-up-20261124`,
    updatedAt: '2026-11-24T03:00:00Z',
  });

  it('leaves the runner slot to a down at teardown: New York’s 09:00 up moves off Kolkata’s 19:00 destroy (13:30 UTC)', () => {
    const team = oneSlot(member('kiran', { timezone: 'Asia/Kolkata' }), member('ned', { timezone: 'America/New_York' }));
    const kiran = [servedToday('kiran')];
    // The config's 25 min per up: the 13:30Z tick is the last for 14:00Z, and the 13:15Z up's deploy (13:39Z) would
    // meet the destroy (13:30Z to 13:40Z, destroyMinutes 10) too.
    expect(startOf(team, 'ned', kiran)).toEqual(['13:00', '13:25']);
    expect(upsAt('2026-11-24T12:45:00Z', team, kiran)).toEqual([]);
    expect(upsAt('2026-11-24T13:00:00Z', team, kiran)).toEqual([['ned', 'apply']]);
    // Before kiran's readyBy the down is to come whatever the record says; after it, only a run of the day has one.
    expect(staggeredOn('2026-11-24', team).find((up) => up.developer === 'ned')).toMatchObject({
      startAt: Date.parse('2026-11-24T13:00Z'),
    });
    expect(startOf(team, 'ned')).toEqual(['13:30', '13:55']);
    // A keep-alive until 21:00 IST (15:30Z) moves the destroy off ned's morning.
    expect(startOf(team, 'ned', [{ ...servedToday('kiran'), keepUntil: '2026-11-24T15:30:00Z' }])).toEqual(['13:30', '13:55']);
    // In hibernate mode the down is a 3 min hibernate job (13:30Z to 13:33Z): the 13:15Z up's deploy misses it.
    const hibernating = oneSlot(
      member('kiran', { timezone: 'Asia/Kolkata', mode: 'hibernate' }),
      member('ned', { timezone: 'America/New_York' }),
    );
    expect(startOf(hibernating, 'ned', kiran)).toEqual(['13:15', '13:40']);
  });

  it('models the downs beyond the quota as the runner’s queue: back to back as each slot frees, not a tick apart', () => {
    const kolkata = ['kai', 'kim', 'kit', 'kip'].map((name) => member(name, { timezone: 'Asia/Kolkata' }));
    const team = oneSlot(...kolkata, member('ned', { timezone: 'America/New_York', readyBy: '09:25' }));
    // Three destroys on one slot: 13:30Z to 14:00Z. ned's up (ready by 14:25Z) starts at 14:00Z, the last tick in time.
    expect(startOf(team, 'ned', ['kai', 'kim', 'kit'].map(servedToday))).toEqual(['14:00', '14:25']);
    // A fourth destroy holds the slot until 14:10Z: ned must start before the queue, at 13:00Z (deploy 13:24Z).
    expect(startOf(team, 'ned', ['kai', 'kim', 'kit', 'kip'].map(servedToday))).toEqual(['13:00', '13:25']);
  });

  it('counts the warm pool’s fills against the quota: an up moves off the ticks a fill’s apply holds', () => {
    const alone = oneSlot(member('ann'));
    // ann's up (apply 12, wait 12, deploy 1) for 09:00 CET (08:00Z): the 07:30Z tick is the last in time.
    expect(startOf(alone, 'ann')).toEqual(['07:30', '07:55']);
    // A pool of one opening at 09:00 CET starts its fill a lead and a tick before, on the 07:30Z tick (apply to 07:42Z).
    // ann cannot share the slot: at 07:15Z her deploy (07:39Z) would queue behind the fill, so she starts at 07:00Z.
    const pooled = config({ ...alone, pool: { size: 1, hours: { start: '09:00', end: '20:00' } } });
    expect(startOf(pooled, 'ann')).toEqual(['07:00', '07:25']);
    // On a day the pool is closed (a Saturday, outside the team's workingDays but in ann's), there is no fill to make room for.
    const weekend = config({
      ...oneSlot(member('ann', { workingDays: ['sat'] })),
      pool: { size: 1, hours: { start: '09:00', end: '20:00' } },
    });
    const saturday = staggeredDays(new Date('2026-11-28T12:00:00Z'), weekend, []).get('ann');
    expect(saturday && 'startAt' in saturday ? hhmm(saturday.startAt) : saturday).toBe('07:30');
  });

  it('counts a wake (hibernate mode) against the quota: it moves off the tick another up’s apply holds', () => {
    const team = oneSlot(member('ann', { mode: 'hibernate' }), member('ben', { readyBy: '09:15' }));
    const hibernated: EnvironmentRecord = {
      developer: 'ann',
      status: 'hibernated',
      clusterName: 'turbo-ann',
      hibernatedAt: '2026-11-23T18:05:00Z',
      updatedAt: '2026-11-23T18:05:00Z',
    };
    // ben's up (ready by 08:15Z) takes the 07:45Z tick, its apply the slot until 07:57Z; ann's wake (wake 3 min,
    // deploy 1) would be due at 07:45Z for 08:00Z, so it wakes a tick earlier.
    expect(startOf(team, 'ben', [hibernated])).toEqual(['07:45', '08:10']);
    expect(startOf(team, 'ann', [hibernated])).toEqual(['07:30', '07:34']);
    expect(upsAt('2026-11-24T07:30:00Z', team, [hibernated])).toEqual([['ann', 'wake']]);
    expect(upsAt('2026-11-24T07:45:00Z', team, [hibernated])).toEqual([
      ['ann', 'wake'],
      ['ben', 'apply'],
    ]);
  });
});
