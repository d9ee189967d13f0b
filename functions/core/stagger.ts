/**
 * Ready by readyBy under the runner's quota. The day's ups are given start ticks so that at most
 * `runner.maxConcurrentJobs` jobs run at once and each up is ready by its developer's readyBy, as late as that
 * allows (a cluster started early costs money). The expected duration of each step (apply, wait for the cluster,
 * deploy) is learned from the ups the records remember (p90 of the region's last 20), else taken from the config.
 * Pure: the same roster, records and instant always give the same starts, on every reconcile tick.
 */
import type { DateTime } from 'luxon';
import type { EnvironmentRecord, UpSample } from './types';
import { atLocalTime, describeLocal, instantIn, localDate, localNow, startOfLocalDate, startOfLocalDay, weekdayOf } from './clock';
import { memberOf, RECONCILE_TICK_MINUTES, scheduleOf, type DeveloperSchedule, type TurboConfig } from './config';
import { isHibernated, leadMinutesFor } from './hibernate';

const TICK_MS = RECONCILE_TICK_MINUTES * 60_000;
/** A record remembers its last ups, and the planner reads the region's last ones: both at most this many. */
export const MAX_UP_SAMPLES = 20;
/** Below this many of the region's ups, the config's durations are used: a p90 of two is no estimate. */
export const MIN_UP_SAMPLES = 5;
const P90 = 0.9;

export interface StepDurations {
  applyMs: number;
  waitMs: number;
  deployMs: number;
  source: 'history' | 'config';
  /** How many of the region's ups the figures come from (0 for the config). */
  samples: number;
}

/**
 * The sample of an up that has just become ready, from its record (the claim, the jobs' starts and the apply's
 * end). Undefined for what would mislead the planner: an up started by hand (not on a tick), one whose jobs were
 * retried (a redrive's hours), or one whose timestamps do not line up.
 */
export function upSampleOf(record: EnvironmentRecord, readyAt: string, region: string): UpSample | undefined {
  const { startedAt, jobs, applyFinishedAt, runId } = record;
  if (!startedAt || !jobs?.apply || !jobs.deploy || !applyFinishedAt || runId?.includes('-manual-')) return undefined;
  if (Object.values(record.jobAttempts ?? {}).some((attempts) => attempts > 1)) return undefined;
  const tick = Math.floor(Date.parse(startedAt) / TICK_MS) * TICK_MS;
  const [applyEnd, deployStart, ready] = [applyFinishedAt, jobs.deploy.startedAt, readyAt].map(Date.parse) as [number, number, number];
  if (!(tick <= applyEnd && applyEnd <= deployStart && deployStart <= ready)) return undefined;
  const seconds = (ms: number) => Math.round(ms / 1000);
  return {
    at: readyAt,
    region,
    applySeconds: seconds(applyEnd - tick),
    waitSeconds: seconds(deployStart - applyEnd),
    deploySeconds: seconds(ready - deployStart),
  };
}

/** The record's samples with `sample` added, the oldest dropped beyond MAX_UP_SAMPLES. */
export function withUpSample(history: UpSample[] | undefined, sample: UpSample | undefined): UpSample[] | undefined {
  if (!sample) return history;
  return [...(history ?? []), sample].slice(-MAX_UP_SAMPLES);
}

/** The nearest-rank p90 of a non-empty list. */
function p90(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(P90 * sorted.length) - 1]!;
}

/**
 * Each step's p90 over the region's last MAX_UP_SAMPLES ups (all records pooled, newest first), or, with fewer
 * than MIN_UP_SAMPLES, the config: jobs.applyMinutes, jobs.deployMinutes, and the rest of leadMinutes as the wait.
 * Only ups ready before `before` (epoch ms) count: a day's own ups must not move its remaining starts, or ups
 * whose start moved into the past would all start at once and queue on the runner.
 */
export function expectedDurations(config: TurboConfig, records: EnvironmentRecord[], before = Number.POSITIVE_INFINITY): StepDurations {
  const samples = records
    .flatMap((record) => record.upHistory ?? [])
    .filter((sample) => sample.region === config.region && Date.parse(sample.at) < before)
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
    .slice(0, MAX_UP_SAMPLES);
  if (samples.length < MIN_UP_SAMPLES) {
    const { applyMinutes, deployMinutes } = config.jobs;
    return {
      applyMs: applyMinutes * 60_000,
      waitMs: Math.max(0, config.leadMinutes - applyMinutes - deployMinutes) * 60_000,
      deployMs: deployMinutes * 60_000,
      source: 'config',
      samples: 0,
    };
  }
  const step = (pick: (sample: UpSample) => number) => p90(samples.map(pick)) * 1000;
  return {
    applyMs: step((s) => s.applySeconds),
    waitMs: step((s) => s.waitSeconds),
    deployMs: step((s) => s.deploySeconds),
    source: 'history',
    samples: samples.length,
  };
}

export function describeDurations(durations: StepDurations): string {
  const minutes = (ms: number) => `${Math.round(ms / 6_000) / 10} min`;
  const source = durations.source === 'history' ? `p90 of the region's last ${durations.samples} ups` : 'the config, no history yet';
  const { applyMs, waitMs, deployMs } = durations;
  return `apply ${minutes(applyMs)}, wait for the cluster ${minutes(waitMs)}, deploy ${minutes(deployMs)} (${source})`;
}

/** The local day's reasons not to run a cluster at all, if any. */
export function dayOffReason(local: DateTime, schedule: DeveloperSchedule, record?: EnvironmentRecord): string | undefined {
  const weekday = weekdayOf(local);
  const date = localDate(local);
  if (!(schedule.workingDays as string[]).includes(weekday)) return `not a working day (${weekday})`;
  if (schedule.holidays.includes(date)) return `holiday ${date}`;
  if (record?.skipDates?.includes(date)) return `skip date ${date}`;
  return undefined;
}

/** An up the day asks for: ready by `readyBy`, started no earlier than `earliest` (local midnight), epoch ms. */
export interface UpDemand {
  developer: string;
  /** The developer's local date, YYYY-MM-DD. */
  date: string;
  timezone: string;
  readyBy: number;
  earliest: number;
}

export interface ScheduledUp extends UpDemand {
  /** The reconcile tick it is due at (epoch ms): the last one that lets it be ready in time, the quota allowing. */
  startAt: number;
  /** When it is expected to be ready (epoch ms). */
  readyAt: number;
  /** Why it is expected after readyBy; absent when it is expected in time. */
  miss?: string;
}

/** The developer's up on the local day that starts at `midnight`, unless the day is off. */
function demandOn(midnight: DateTime, schedule: DeveloperSchedule, record: EnvironmentRecord | undefined): UpDemand | undefined {
  if (dayOffReason(midnight, schedule, record)) return undefined;
  const readyBy = atLocalTime(midnight, schedule.readyBy).toMillis();
  return { developer: schedule.name, date: localDate(midnight), timezone: schedule.timezone, readyBy, earliest: midnight.toMillis() };
}

/** Ups of every developer on their local `date`. */
export function demandsOn(date: string, config: TurboConfig, records: EnvironmentRecord[] = []): UpDemand[] {
  const byDeveloper = new Map(records.map((record) => [record.developer, record]));
  return config.developers.flatMap((dev) => {
    const schedule = scheduleOf(config, dev);
    const midnight = startOfLocalDate(date, schedule.timezone);
    return demandOn(midnight, schedule, byDeveloper.get(dev.name)) ?? [];
  });
}

/**
 * Ups on each developer's local yesterday, today and tomorrow at `now`: a roster over many zones spans more than
 * a UTC day, so one developer's morning competes for the runner with another's previous or next day.
 */
function demandsAround(now: Date, config: TurboConfig, byDeveloper: Map<string, EnvironmentRecord>): UpDemand[] {
  return config.developers.flatMap((dev) => {
    const schedule = scheduleOf(config, dev);
    const today = startOfLocalDay(localNow(now, schedule.timezone));
    return [-1, 0, 1].flatMap((days) => demandOn(days === 0 ? today : today.plus({ days }), schedule, byDeveloper.get(dev.name)) ?? []);
  });
}

/**
 * The ups' start ticks: latest readyBy first, each at the last tick from which it is ready by its readyBy and at
 * which the runner's slots hold its apply and its deploy job. An up that no such tick is left for starts at the
 * first tick after its earliest start that has room, and says why it is late. All ups share one set of durations
 * (one region), so a tick that has no room for one has none for any: such ticks are skipped once, not searched again.
 */
export function stagger(demands: UpDemand[], durations: StepDurations, slots: number): ScheduledUp[] {
  const { applyMs, waitMs, deployMs } = durations;
  const spanMs = applyMs + waitMs + deployMs;
  const reach = Math.ceil(spanMs / TICK_MS) + 1;
  const started = new Map<number, number>();
  const jobsAt = (x: number): number => {
    let jobs = 0;
    for (let tick = Math.floor((x - spanMs) / TICK_MS); tick <= Math.floor(x / TICK_MS); tick++) {
      const ups = started.get(tick);
      if (ups === undefined) continue;
      const t = tick * TICK_MS;
      if (x >= t && x < t + applyMs) jobs += ups;
      if (x >= t + applyMs + waitMs && x < t + spanMs) jobs += ups;
    }
    return jobs;
  };
  const fits = (tick: number): boolean => {
    const t = tick * TICK_MS;
    const holdsSlot = (x: number) => (x >= t && x < t + applyMs) || (x >= t + applyMs + waitMs && x < t + spanMs);
    // The jobs in flight only rise where a job starts: checking those instants within the up's two jobs is enough.
    const rises = [t, t + applyMs + waitMs];
    for (let other = tick - reach; other <= tick + reach; other++)
      if (started.has(other)) rises.push(other * TICK_MS, other * TICK_MS + applyMs + waitMs);
    return rises.every((x) => !holdsSlot(x) || jobsAt(x) < slots);
  };
  const full = { down: new Map<number, number>(), up: new Map<number, number>() };
  const free = (from: number, step: -1 | 1, limit: number): number | undefined => {
    const skip = step < 0 ? full.down : full.up;
    let tick = from;
    const path: number[] = [];
    for (;;) {
      while (skip.has(tick)) {
        path.push(tick);
        tick = skip.get(tick)!;
      }
      if (step < 0 ? tick < limit : tick > limit) break;
      if (fits(tick)) break;
      full.down.set(tick, tick - 1);
      full.up.set(tick, tick + 1);
    }
    for (const visited of path) skip.set(visited, tick);
    return (step < 0 ? tick >= limit : tick <= limit) ? tick : undefined;
  };
  const latestFirst = [...demands].sort((a, b) => b.readyBy - a.readyBy || (a.developer < b.developer ? -1 : 1));
  return latestFirst.map((demand) => {
    const latest = Math.floor((demand.readyBy - spanMs) / TICK_MS);
    const earliest = Math.ceil(demand.earliest / TICK_MS);
    const onTime = latest >= earliest ? free(latest, -1, earliest) : undefined;
    const tick = onTime ?? free(earliest, 1, Number.POSITIVE_INFINITY)!;
    started.set(tick, (started.get(tick) ?? 0) + 1);
    const startAt = tick * TICK_MS;
    const readyAt = startAt + spanMs;
    if (onTime !== undefined) return { ...demand, startAt, readyAt };
    const local = (ms: number) => describeLocal(instantIn(ms, demand.timezone));
    const minutes = (ms: number) => Math.round(ms / 60_000);
    const miss =
      latest < earliest
        ? `a lead too short: an up takes ${minutes(spanMs)} min, and the day starts at ${local(demand.earliest)}, ` +
          `${minutes(demand.readyBy - demand.earliest)} min before readyBy`
        : `the runner quota: every tick from ${local(earliest * TICK_MS)} to ${local(latest * TICK_MS)} (the last start in time) ` +
          `has all ${slots} runner slots taken (runner.maxConcurrentJobs)`;
    return { ...demand, startAt, readyAt, miss };
  });
}

/** A developer's local today at `now`: the day off and why, or the up with its start tick. */
export type DayPlan = { developer: string; dayOff: string } | ScheduledUp;

/** The UTC day's start: the durations learned from ups before it hold for the whole UTC day. */
export function learnedBefore(at: number): number {
  return Math.floor(at / 86_400_000) * 86_400_000;
}

/** Each roster developer's local today at `now`, staggered under the quota with the durations learned before today (UTC). */
export function staggeredDays(now: Date, config: TurboConfig, records: EnvironmentRecord[]): Map<string, DayPlan> {
  const byDeveloper = new Map(records.map((record) => [record.developer, record]));
  const durations = expectedDurations(config, records, learnedBefore(now.getTime()));
  const days = new Map<string, DayPlan>();
  for (const dev of config.developers) {
    const schedule = scheduleOf(config, dev);
    const dayOff = dayOffReason(localNow(now, schedule.timezone), schedule, byDeveloper.get(dev.name));
    if (dayOff) days.set(dev.name, { developer: dev.name, dayOff });
  }
  const wakes = config.developers.filter((dev) => isHibernated(byDeveloper.get(dev.name))).map((dev) => dev.name);
  const staggered = demandsAround(now, config, byDeveloper).filter((demand) => !wakes.includes(demand.developer));
  for (const up of stagger(staggered, durations, config.runner.maxConcurrentJobs)) {
    const today = localDate(localNow(now, up.timezone));
    if (up.date === today) days.set(up.developer, up);
  }
  // A wake (hibernate mode) holds a runner slot for minutes, not an apply's quarter hour: it starts at the last
  // tick that leaves its short lead, outside the quota's stagger.
  for (const name of wakes) {
    const schedule = scheduleOf(config, memberOf(config, name)!);
    const record = byDeveloper.get(name);
    const today = demandOn(startOfLocalDay(localNow(now, schedule.timezone)), schedule, record);
    if (!today) continue;
    const leadMs = leadMinutesFor(config, record) * 60_000;
    const startAt = Math.max(Math.ceil(today.earliest / TICK_MS), Math.floor((today.readyBy - leadMs) / TICK_MS)) * TICK_MS;
    days.set(name, { ...today, startAt, readyAt: startAt + leadMs });
  }
  return days;
}
