/**
 * Ready by readyBy under the runner's quota. The day's ups (a hibernated cluster's wake too) are given start ticks so
 * that at most `runner.maxConcurrentJobs` jobs run at once, the downs at teardown (destroy or hibernate jobs) and the
 * warm pool's fills counted, and each up is ready by its developer's readyBy, as late as that allows (a cluster started early costs
 * money). The expected duration of each step (apply, wait for the cluster,
 * deploy) is learned from the ups the records remember (p90 of the region's last 20), else taken from the config.
 * Pure: the same roster, records and instant always give the same starts, on every reconcile tick.
 */
import type { DateTime } from 'luxon';
import type { EnvironmentRecord, UpSample } from './types';
import { calendarDay, describeLocal, instantIn, localDate, localDateAt, shiftDate, weekdayOf, type CalendarDay } from './clock';
import { RECONCILE_TICK_MINUTES, scheduleOf, type DeveloperSchedule, type TurboConfig } from './config';
import { isHibernated, wakeLeadMinutes } from './hibernate';
import { poolFillFrom, poolHoursOn, poolMemberName } from './pool';

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
 * retried (a redrive's hours), or one whose timestamps do not line up. The time its apply (`record.applyQueuedSeconds`)
 * and its deploy (`deployQueuedSeconds`) waited in the runner's queue is not learned: the planner models the queue
 * itself, and a morning of queueing learned as job time made it plan every next day's ups longer, start them earlier
 * and queue them more, with misses predicted for half the roster.
 */
export function upSampleOf(record: EnvironmentRecord, readyAt: string, region: string, deployQueuedSeconds = 0): UpSample | undefined {
  const { startedAt, jobs, applyFinishedAt, applyQueuedSeconds = 0, runId } = record;
  if (!startedAt || !jobs?.apply || !jobs.deploy || !applyFinishedAt || runId?.includes('-manual-')) return undefined;
  if (Object.values(record.jobAttempts ?? {}).some((attempts) => attempts > 1)) return undefined;
  const tick = Math.floor(Date.parse(startedAt) / TICK_MS) * TICK_MS;
  const [applyEnd, deployStart, ready] = [applyFinishedAt, jobs.deploy.startedAt, readyAt].map(Date.parse) as [number, number, number];
  if (!(tick <= applyEnd && applyEnd <= deployStart && deployStart <= ready)) return undefined;
  const seconds = (ms: number) => Math.round(ms / 1000);
  return {
    at: readyAt,
    region,
    applySeconds: Math.max(0, seconds(applyEnd - tick) - Math.round(applyQueuedSeconds)),
    waitSeconds: seconds(deployStart - applyEnd),
    deploySeconds: Math.max(0, seconds(ready - deployStart) - Math.round(deployQueuedSeconds)),
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
  return expectedDurationsBefore(config, records, [before])[0]!;
}

/**
 * expectedDurations for each of `befores`, in one pass over the records: a tick plans three dates, and reading a
 * fleet's records three times was most of what learning cost.
 */
export function expectedDurationsBefore(config: TurboConfig, records: EnvironmentRecord[], befores: number[]): StepDurations[] {
  // A sample's `at` is RecordOutcome's toISOString(), so its text orders as its instant: parsing each of a fleet's
  // 100,000 samples, three times a tick, was most of the planner's time.
  const limits = befores.map((before) => (Number.isFinite(before) ? new Date(before).toISOString() : undefined));
  const newest = befores.map((): UpSample[] => []);
  for (const record of records) {
    const history = record.upHistory;
    if (history?.length) for (let at = 0; at < limits.length; at++) keepNewest(newest[at]!, history, config.region, limits[at]);
  }
  return newest.map((samples) => durationsOf(config, samples));
}

/**
 * Adds the region's ups of one record's `history` ready before `before` to `samples`, the newest MAX_UP_SAMPLES kept,
 * newest first: sorting every record's samples was a large part of a tick. A history is newest last (withUpSample
 * appends), so once an up is older than the twenty kept, so are the rest of that record's.
 */
function keepNewest(samples: UpSample[], history: UpSample[], region: string, before: string | undefined): void {
  for (let index = history.length - 1; index >= 0; index--) {
    const sample = history[index]!;
    if (sample.region !== region || (before !== undefined && sample.at >= before)) continue;
    if (samples.length === MAX_UP_SAMPLES && sample.at <= samples.at(-1)!.at) return;
    const at = samples.findIndex((kept) => sample.at > kept.at);
    samples.splice(at === -1 ? samples.length : at, 0, sample);
    if (samples.length > MAX_UP_SAMPLES) samples.pop();
  }
}

function durationsOf(config: TurboConfig, samples: UpSample[]): StepDurations {
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
  return offReason(weekdayOf(local), localDate(local), schedule, record);
}

function offReason(weekday: string, date: string, schedule: DeveloperSchedule, record?: EnvironmentRecord): string | undefined {
  if (!(schedule.workingDays as string[]).includes(weekday)) return `not a working day (${weekday})`;
  if (schedule.holidays.includes(date)) return `holiday ${date}`;
  if (record?.skipDates?.includes(date)) return `skip date ${date}`;
  return undefined;
}

/** A runner job of a run, in ms from the run's start tick: it holds one of the runner's slots from `fromMs` to `toMs`. */
export interface JobSpan {
  fromMs: number;
  toMs: number;
}

/** A full up's jobs: the apply, then, after the wait for the cluster (which holds no slot), the deploy. */
export function upJobs({ applyMs, waitMs, deployMs }: StepDurations): JobSpan[] {
  return [
    { fromMs: 0, toMs: applyMs },
    { fromMs: applyMs + waitMs, toMs: applyMs + waitMs + deployMs },
  ];
}

/** A wake's jobs (hibernate mode): the wake job (StartWakeJob), then the deploy, within the wake's lead. */
export function wakeJobs(config: Pick<TurboConfig, 'jobs'>): JobSpan[] {
  const wakeMs = config.jobs.wakeMinutes * 60_000;
  return [
    { fromMs: 0, toMs: wakeMs },
    { fromMs: wakeMs, toMs: wakeLeadMinutes(config) * 60_000 },
  ];
}

const spanOf = (jobs: JobSpan[]): number => Math.max(...jobs.map((job) => job.toMs));

/** An up the day asks for: ready by `readyBy`, started no earlier than `earliest` (local midnight), epoch ms. */
export interface UpDemand {
  developer: string;
  /** The developer's local date, YYYY-MM-DD. */
  date: string;
  timezone: string;
  readyBy: number;
  earliest: number;
  /** Its runner jobs: a full up's (upJobs), or a hibernated cluster's wake (wakeJobs). */
  jobs: JobSpan[];
}

/**
 * A run the stagger does not move, with one job: from the first tick at or after `at` it takes a runner slot, and
 * beyond the quota it queues, so the ups must leave it room. The down that ends a developer's day (at teardown, or a
 * later keep-alive: the destroy, or the hibernate in hibernate mode), and the warm pool's fills and teardown.
 */
export interface FixedRun {
  developer: string;
  at: number;
  jobMs: number;
  /** The developer's local date it ends, for a day's down: its up (the same developer and date) is told when it ends. */
  date?: string;
}

export interface ScheduledUp extends UpDemand {
  /** The reconcile tick it is due at (epoch ms): the last one that lets it be ready in time, the quota allowing. */
  startAt: number;
  /** When it is expected to be ready (epoch ms). */
  readyAt: number;
  /** Why it is expected after readyBy; absent when it is expected in time. */
  miss?: string;
  /** When the day's down (its destroy or hibernate, queued beyond the quota) is expected to end; absent once it is past. */
  downEndsAt?: number;
}

/**
 * The start of `date` in the roster's easternmost zone. A date's ups are planned with the durations learned from
 * the ups ready before it: fixed before the first of them can start, so that learning cannot move the date's
 * remaining starts (a start moved into the past would be taken at once, and queue).
 */
export function learnedBefore(date: string, config: TurboConfig): number {
  return startInEarliestZone(date, new Set(config.developers.map((dev) => scheduleOf(config, dev).timezone)));
}

function startInEarliestZone(date: string, zones: Set<string>): number {
  return Math.min(...[...zones].map((zone) => calendarDay(date, zone).startMs));
}

/** A developer's local day: the calendar day in their zone, their schedule and record. */
interface LocalDay {
  day: CalendarDay;
  schedule: DeveloperSchedule;
  record?: EnvironmentRecord;
}

/**
 * Whether a day's down is to come, or under way, at `now`: always while its readyBy is ahead; after it, only while the
 * record holds that day's run (its up, or its down). A day whose up never ran (no record, as on a rehearsal's first
 * day) has no cluster to take down. A down stays counted, done or not, until the next day's up claims the record.
 */
function downAhead({ day, schedule, record }: LocalDay, readyBy: number, now: number): boolean {
  if (now < readyBy) return true;
  // `<name>-up-<stamp>` or `<name>-down-<stamp>` (core/plan's runIdFor), read in place: building both names for each
  // of a fleet's days, on every tick, cost more than the rest of the check.
  const { name } = schedule;
  const runId = record?.runId;
  if (!runId?.startsWith(name)) return false;
  const action = runId.startsWith('-up-', name.length) ? '-up-' : runId.startsWith('-down-', name.length) ? '-down-' : undefined;
  return action !== undefined && runId.startsWith(day.stamp, name.length + action.length);
}

/**
 * The days' ups (a wake when the cluster is hibernated), downs and warm pool at `now`: everything that takes the
 * runner's slots.
 */
function runnerLoad(
  config: TurboConfig,
  records: EnvironmentRecord[],
  days: LocalDay[],
  now: number,
): { ups: UpDemand[]; fixed: FixedRun[] } {
  // The days hold the whole roster, so their zones are the roster's (learnedBefore).
  const zones = new Set(days.map((local) => local.schedule.timezone));
  const dates = [...new Set(days.map((local) => local.day.date))];
  const durations = expectedDurationsBefore(
    config,
    records,
    dates.map((date) => startInEarliestZone(date, zones)),
  );
  const learned = new Map(dates.map((date, at) => [date, upJobs(durations[at]!)]));
  const upJobsOn = (date: string): JobSpan[] => learned.get(date)!;
  const ups: UpDemand[] = [];
  const fixed: FixedRun[] = [];
  for (const local of days) {
    const { day, schedule, record } = local;
    const { date } = day;
    if (offReason(day.weekday, date, schedule, record)) continue;
    const jobs = isHibernated(record) ? wakeJobs(config) : upJobsOn(date);
    const { name: developer, timezone } = schedule;
    const readyBy = day.at(schedule.readyBy);
    ups.push({ developer, date, timezone, readyBy, earliest: day.startMs, jobs });
    if (!downAhead(local, readyBy, now)) continue;
    const teardown = day.at(schedule.teardownAt);
    const keep = record?.keepUntil ? Date.parse(record.keepUntil) : Number.NaN;
    const at = keep > teardown && keep < day.endMs ? keep : teardown;
    const minutes = schedule.mode === 'hibernate' ? config.jobs.hibernateMinutes : config.jobs.destroyMinutes;
    fixed.push({ developer, at, jobMs: minutes * 60_000, date });
  }
  fixed.push(...poolRuns(config, new Set(dates), (date) => upJobsOn(date)[0]!.toMs));
  return { ups, fixed };
}

/**
 * The warm pool's planned runs on the team's `dates`: its pool.size fills (their apply) from a lead before its
 * hours, and their destroys at its end. The refills after takes are not planned: nobody knows when a take comes.
 */
function poolRuns(config: TurboConfig, dates: Set<string>, applyMsOn: (date: string) => number): FixedRun[] {
  if (config.pool.size === 0) return [];
  return [...dates].flatMap((date) => {
    const hours = poolHoursOn(date, config);
    if ('closed' in hours) return [];
    return Array.from({ length: config.pool.size }, (_, index) => [
      { developer: poolMemberName(index + 1), at: poolFillFrom(hours, config), jobMs: applyMsOn(date) },
      { developer: poolMemberName(index + 1), at: hours.end.toMillis(), jobMs: config.jobs.destroyMinutes * 60_000 },
    ]).flat();
  });
}

/**
 * The runner's slots by when each frees, soonest first: a binary min-heap, because a quota of thousands searched
 * for its first free slot once per down was quadratic in the roster. Slots never used free at -Infinity.
 */
class FreeSlots {
  private readonly heap: number[] = [];
  private unused: number;
  constructor(slots: number) {
    this.unused = slots;
  }
  /** Takes the slot that frees first, and returns when it does. */
  takeFirst(): number {
    if (this.unused > 0) {
      this.unused -= 1;
      return Number.NEGATIVE_INFINITY;
    }
    const { heap } = this;
    const first = heap[0]!;
    const last = heap.pop()!;
    if (heap.length === 0) return first;
    heap[0] = last;
    for (let at = 0; ; ) {
      const [left, right] = [2 * at + 1, 2 * at + 2];
      let least = at;
      if (left < heap.length && heap[left]! < heap[least]!) least = left;
      if (right < heap.length && heap[right]! < heap[least]!) least = right;
      if (least === at) return first;
      [heap[at], heap[least]] = [heap[least]!, heap[at]!];
      at = least;
    }
  }
  /** Gives back the slot just taken, busy until `freeAt`. */
  release(freeAt: number): void {
    const { heap } = this;
    heap.push(freeAt);
    for (let at = heap.length - 1; at > 0; ) {
      const parent = (at - 1) >> 1;
      if (heap[parent]! <= heap[at]!) return;
      [heap[at], heap[parent]] = [heap[parent]!, heap[at]!];
      at = parent;
    }
  }
}

/**
 * The ups' start ticks around the fixed runs. Those take the slots first (a down starts at teardown, not on a staggered
 * tick): each from the first tick at its time, or, beyond the quota, from when the runner's queue gives it one.
 * Then the ups, latest readyBy first, each at the last tick from which it is ready by its readyBy and at which the
 * runner's slots hold its jobs. An up that no such tick is left for starts at the first
 * tick after its earliest start that has room, and says why it is late. Placing a run only fills slots, so a tick
 * that has no room for one kind of run has none for it later either: such ticks are skipped once, not searched again.
 */
export function stagger(demands: UpDemand[], slots: number, fixed: FixedRun[] = []): ScheduledUp[] {
  // Runs by start tick, counted per job profile; profiles are shared arrays so that runs of one kind count together.
  const started = new Map<number, Map<JobSpan[], number>>();
  const profiles = new Map<string, JobSpan[]>();
  // Most demands share their jobs array (a date's ups, say): known arrays are not keyed again. Each profile's span is kept.
  const profileOfArray = new Map<JobSpan[], JobSpan[]>();
  const spans = new Map<JobSpan[], number>();
  const profileOf = (jobs: JobSpan[]): JobSpan[] => {
    const seen = profileOfArray.get(jobs);
    if (seen) return seen;
    const key = jobs.map((job) => `${job.fromMs}-${job.toMs}`).join();
    const profile = profiles.get(key) ?? profiles.set(key, jobs).get(key)!;
    profileOfArray.set(jobs, profile);
    spans.set(profile, spanOf(profile));
    return profile;
  };
  const spanOfProfile = (profile: JobSpan[]): number => spans.get(profile)!;
  let reach = 0;
  const runsFrom = new Map<number, number>();
  const place = (tick: number, jobs: JobSpan[]) => {
    runsFrom.set(tick, (runsFrom.get(tick) ?? 0) + 1);
    const runs = started.get(tick) ?? new Map<JobSpan[], number>();
    started.set(tick, runs.set(jobs, (runs.get(jobs) ?? 0) + 1));
    reach = Math.max(reach, Math.ceil(spanOfProfile(jobs) / TICK_MS));
  };
  const jobsAt = (x: number): number => {
    let jobs = 0;
    for (let tick = Math.floor(x / TICK_MS) - reach; tick <= Math.floor(x / TICK_MS); tick++) {
      const t = tick * TICK_MS;
      for (const [profile, runs] of started.get(tick) ?? [])
        for (const job of profile) if (x >= t + job.fromMs && x < t + job.toMs) jobs += runs;
    }
    return jobs;
  };
  const fits = (tick: number, jobs: JobSpan[]): boolean => {
    // A run's jobs follow one another, so it holds one slot at most: fewer runs started within its reach than slots
    // cannot fill them, and the instant-by-instant count is needed only when the quota is near.
    const last = tick + Math.ceil(spanOfProfile(jobs) / TICK_MS);
    let near = 0;
    for (let other = tick - reach; other <= last; other++) near += runsFrom.get(other) ?? 0;
    if (near < slots) return true;
    const t = tick * TICK_MS;
    const holdsSlot = (x: number) => jobs.some((job) => x >= t + job.fromMs && x < t + job.toMs);
    const crowded = (x: number) => holdsSlot(x) && jobsAt(x) >= slots;
    // The jobs in flight only rise where a job starts: checking those instants within the run's own jobs is enough.
    for (const job of jobs) if (crowded(t + job.fromMs)) return false;
    for (let other = tick - reach; other <= last; other++) {
      const runs = started.get(other);
      if (runs) for (const profile of runs.keys()) for (const job of profile) if (crowded(other * TICK_MS + job.fromMs)) return false;
    }
    return true;
  };
  const fullFor = new Map<JobSpan[], { down: Map<number, number>; up: Map<number, number> }>();
  const free = (jobs: JobSpan[], from: number, step: -1 | 1, limit: number): number | undefined => {
    const full = fullFor.get(jobs) ?? { down: new Map<number, number>(), up: new Map<number, number>() };
    fullFor.set(jobs, full);
    const skip = step < 0 ? full.down : full.up;
    let tick = from;
    const path: number[] = [];
    for (;;) {
      while (skip.has(tick)) {
        path.push(tick);
        tick = skip.get(tick)!;
      }
      if (step < 0 ? tick < limit : tick > limit) break;
      if (fits(tick, jobs)) break;
      full.down.set(tick, tick - 1);
      full.up.set(tick, tick + 1);
    }
    for (const visited of path) skip.set(visited, tick);
    return (step < 0 ? tick >= limit : tick <= limit) ? tick : undefined;
  };
  // The fixed runs first, as the runner takes them: in time order, each in the first slot to free (it queues till then).
  const slotFreeAt = new FreeSlots(slots);
  // Each down's end by its date, then its developer's rank: a key string built for each of a tick's 30,000 runs cost
  // more than placing them.
  const downEnds = new Map<string, Float64Array>();
  const rank = nameRanks([...fixed, ...demands]);
  for (const { run, rank: developer } of inOrder(fixed, (run) => run.at, rank)) {
    const start = Math.max(Math.ceil(run.at / TICK_MS) * TICK_MS, slotFreeAt.takeFirst());
    slotFreeAt.release(start + run.jobMs);
    if (run.date) {
      const ends = downEnds.get(run.date) ?? downEnds.set(run.date, new Float64Array(rank.size).fill(Number.NaN)).get(run.date)!;
      ends[developer] = start + run.jobMs;
    }
    const tick = Math.floor(start / TICK_MS);
    place(tick, profileOf([{ fromMs: start - tick * TICK_MS, toMs: start - tick * TICK_MS + run.jobMs }]));
  }
  return inOrder(demands, (demand) => -demand.readyBy, rank).map(({ run: demand, rank: developer }): ScheduledUp => {
    const jobs = profileOf(demand.jobs);
    const spanMs = spanOfProfile(jobs);
    const latest = Math.floor((demand.readyBy - spanMs) / TICK_MS);
    const earliest = Math.ceil(demand.earliest / TICK_MS);
    const onTime = latest >= earliest ? free(jobs, latest, -1, earliest) : undefined;
    const tick = onTime ?? free(jobs, earliest, 1, Number.POSITIVE_INFINITY)!;
    place(tick, jobs);
    const startAt = tick * TICK_MS;
    const readyAt = startAt + spanMs;
    const downEndsAt = downEnds.get(demand.date)?.[developer];
    const { timezone, readyBy } = demand;
    const planned: ScheduledUp = {
      developer: demand.developer,
      date: demand.date,
      timezone,
      readyBy,
      earliest: demand.earliest,
      jobs: demand.jobs,
      startAt,
      readyAt,
    };
    if (downEndsAt !== undefined && !Number.isNaN(downEndsAt)) planned.downEndsAt = downEndsAt;
    if (onTime !== undefined) return planned;
    const local = (ms: number) => describeLocal(instantIn(ms, timezone));
    const minutes = (ms: number) => Math.round(ms / 60_000);
    planned.miss =
      latest < earliest
        ? `a lead too short: an up takes ${minutes(spanMs)} min, and the day starts at ${local(demand.earliest)}, ` +
          `${minutes(readyBy - demand.earliest)} min before readyBy`
        : `the runner quota: every tick from ${local(earliest * TICK_MS)} to ${local(latest * TICK_MS)} (the last start in time) ` +
          `has all ${slots} runner slots taken (runner.maxConcurrentJobs)`;
    return planned;
  });
}

/** Each developer's place in name order. */
function nameRanks(runs: { developer: string }[]): Map<string, number> {
  const names = [...new Set(runs.map((run) => run.developer))].sort();
  return new Map(names.map((name, index) => [name, index]));
}

/**
 * `runs` by `time`, ties by developer name (their ranks). A fleet's runs share a handful of times (a readyBy, a
 * teardown per zone and date), so they are grouped by time and only the groups' ranks are sorted: comparing names in
 * a sort of a tick's 30,000 runs was most of the stagger.
 */
function inOrder<Run extends { developer: string }>(
  runs: Run[],
  time: (run: Run) => number,
  rank: Map<string, number>,
): { run: Run; rank: number }[] {
  const byTime = new Map<number, { run: Run; rank: number }[]>();
  for (const run of runs) {
    const at = time(run);
    const entry = { run, rank: rank.get(run.developer)! };
    const group = byTime.get(at);
    if (group) group.push(entry);
    else byTime.set(at, [entry]);
  }
  return [...byTime.keys()].sort((a, b) => a - b).flatMap((at) => byTime.get(at)!.sort((a, b) => a.rank - b.rank));
}

/** The ups of `days` staggered under the runner quota, around the downs of the same days. */
function staggerDays(config: TurboConfig, records: EnvironmentRecord[], days: LocalDay[], now: number): ScheduledUp[] {
  const { ups, fixed } = runnerLoad(config, records, days, now);
  return stagger(ups, config.runner.maxConcurrentJobs, fixed);
}

/**
 * Each zone's local date (`dateIn`), with the day before and the day after, worked out once per zone: a roster of
 * thousands lives in a handful of zones.
 */
function daysAroundByZone(dateIn: (timezone: string) => string): (timezone: string) => CalendarDay[] {
  const byZone = new Map<string, CalendarDay[]>();
  return (timezone) => {
    let around = byZone.get(timezone);
    if (!around) {
      const date = dateIn(timezone);
      around = [-1, 0, 1].map((days) => calendarDay(shiftDate(date, days), timezone));
      byZone.set(timezone, around);
    }
    return around;
  };
}

/** The developer's local `date`, with the day before and the day after. */
function withNeighbours(around: CalendarDay[], schedule: DeveloperSchedule, record: EnvironmentRecord | undefined): LocalDay[] {
  return around.map((day) => ({ day, schedule, record }));
}

/**
 * Every developer's up on their local `date`, staggered as reconcile staggers it, as planned before the date begins
 * anywhere: a roster over many zones spans more than a UTC day, so one developer's morning competes for the runner
 * with another's previous or next day.
 */
export function staggeredOn(date: string, config: TurboConfig, records: EnvironmentRecord[] = []): ScheduledUp[] {
  const byDeveloper = new Map(records.map((record) => [record.developer, record]));
  const aroundIn = daysAroundByZone(() => date);
  const days = config.developers.flatMap((dev) => {
    const schedule = scheduleOf(config, dev);
    return withNeighbours(aroundIn(schedule.timezone), schedule, byDeveloper.get(dev.name));
  });
  return staggerDays(config, records, days, learnedBefore(date, config)).filter((up) => up.date === date);
}

/** A developer's day as the planner expects it: from its up's start (an apply, or a wake) to its down's end. */
export type PlannedDay = Pick<ScheduledUp, 'startAt' | 'downEndsAt'>;

/** Each developer's planned day on their `date`, by name: what `turbo cost --stage` prices. */
export function plannedDaysOn(date: string, config: TurboConfig, records: EnvironmentRecord[] = []): Map<string, PlannedDay> {
  return new Map(staggeredOn(date, config, records).map((up) => [up.developer, up]));
}

/** A developer's local today at `now`: the day off and why, or the up with its start tick. */
export type DayPlan = { developer: string; dayOff: string } | ScheduledUp;

/** Each roster developer's local today at `now`, staggered with their yesterday and tomorrow under the quota. */
export function staggeredDays(now: Date, config: TurboConfig, records: EnvironmentRecord[]): Map<string, DayPlan> {
  const byDeveloper = new Map(records.map((record) => [record.developer, record]));
  const plans = new Map<string, DayPlan>();
  const days: LocalDay[] = [];
  const today = new Map<string, string>();
  const aroundIn = daysAroundByZone((timezone) => localDateAt(now, timezone));
  for (const dev of config.developers) {
    const schedule = scheduleOf(config, dev);
    const record = byDeveloper.get(dev.name);
    const around = aroundIn(schedule.timezone);
    const day = around[1]!;
    today.set(dev.name, day.date);
    const dayOff = offReason(day.weekday, day.date, schedule, record);
    if (dayOff) plans.set(dev.name, { developer: dev.name, dayOff });
    days.push(...withNeighbours(around, schedule, record));
  }
  for (const up of staggerDays(config, records, days, now.getTime())) if (up.date === today.get(up.developer)) plans.set(up.developer, up);
  return plans;
}
