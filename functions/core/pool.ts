/**
 * The warm pool: `pool.size` clusters created and ready during the pool's hours, with no developer and no app, so that
 * an `up` outside a developer's schedule takes one in minutes instead of waiting a quarter of an hour for EKS.
 * Pure decisions, used by core/plan (fill, tear down) and core/selfService (take). A member is an environment record
 * like a developer's (`pool-<n>`, cluster clusterNameOf(`pool-<n>`), tagged with that owner); a take marks it
 * `takenBy` the developer with a conditional write, and the next reconcile tick fills another member.
 */
import type { DateTime } from 'luxon';
import { atLocalTime, describeLocal, instantIn, localDate, localNow, startOfLocalDate, weekdayOf } from './clock';
import { OWNER_TAG, POOL_MEMBER_NAME, RECONCILE_TICK_MINUTES, scheduleOf, type TurboConfig, type Weekday } from './config';
import type { ClusterInfo, EnvironmentRecord } from './types';

/** `pool`: an up that applies a member and stops at ready (no app); `take`: a developer's up on a ready member. */
export const POOL_PATHS = ['pool', 'take'] as const;
export type PoolPath = (typeof POOL_PATHS)[number];

/** The name the pool's cost goes under in `turbo cost` and the weekly report: not a DNS label, so never a developer. */
export const POOL_LINE = '(warm pool)';

export function poolMemberName(n: number): string {
  return `pool-${n}`;
}

export function isPoolMember(name: string): boolean {
  return POOL_MEMBER_NAME.test(name);
}

function memberNumber(name: string): number {
  return Number(POOL_MEMBER_NAME.exec(name)?.[1] ?? Number.POSITIVE_INFINITY);
}

/**
 * The members a pool may use in a day: its size, plus one per developer. A member taken (or failed) today is not
 * filled again before tomorrow, since its run ID is used, so a day of takes moves on to the next number; the bound
 * holds however many takes the day brings (beyond it the pool stays short until tomorrow).
 */
export function maxPoolMembers(config: Pick<TurboConfig, 'pool' | 'developers'>): number {
  return config.pool.size === 0 ? 0 : config.pool.size + config.developers.length;
}

export interface PoolHours {
  start: DateTime;
  end: DateTime;
}

/**
 * The pool's hours today, in the team's timezone: `pool.hours`, or the team's earliest readyBy to its latest
 * teardownAt (each developer's in their own zone, on the team's date). Closed on the team's days off and holidays.
 */
export function poolHours(now: Date, config: TurboConfig): PoolHours | { closed: string } {
  return poolHoursOn(localDate(localNow(now, config.timezone)), config);
}

/** The pool's hours on the team's date `date` (YYYY-MM-DD), as poolHours. */
export function poolHoursOn(date: string, config: TurboConfig): PoolHours | { closed: string } {
  const weekday = weekdayOf(startOfLocalDate(date, config.timezone)) as Weekday;
  if (!config.workingDays.includes(weekday)) return { closed: `${weekday} is not one of the team's workingDays` };
  if (config.holidays.includes(date)) return { closed: `${date} is one of the team's holidays` };
  const { hours } = config.pool;
  if (hours) {
    const day = startOfLocalDate(date, config.timezone);
    return { start: atLocalTime(day, hours.start), end: atLocalTime(day, hours.end) };
  }
  const schedules = config.developers.map((dev) => scheduleOf(config, dev));
  const at = (timezone: string, hhmm: string) => atLocalTime(startOfLocalDate(date, timezone), hhmm).toMillis();
  return {
    start: instantIn(Math.min(...schedules.map((s) => at(s.timezone, s.readyBy))), config.timezone),
    end: instantIn(Math.max(...schedules.map((s) => at(s.timezone, s.teardownAt))), config.timezone),
  };
}

/** When the day's fills may start: a lead (and a tick) before the pool's hours, so that its members are ready by then. */
export function poolFillFrom(hours: PoolHours, config: Pick<TurboConfig, 'leadMinutes'>): number {
  return hours.start.toMillis() - (config.leadMinutes + RECONCILE_TICK_MINUTES) * 60_000;
}

/** A member in the pool: ready or being filled, and nobody's yet. */
export function isFreeMember(record: EnvironmentRecord | undefined): boolean {
  return (record?.status === 'ready' || record?.status === 'provisioning') && !record.takenBy;
}

/** The pool members developers work on now, by developer: taken by them, and neither failed nor going away. */
export function membersHeld(records: Iterable<EnvironmentRecord>): Map<string, EnvironmentRecord> {
  const held = new Map<string, EnvironmentRecord>();
  for (const record of records) {
    if (isPoolMember(record.developer) && record.takenBy && (record.status === 'ready' || record.status === 'provisioning'))
      held.set(record.takenBy, record);
  }
  return held;
}

/**
 * The members a take may claim, best first: ready, nobody's, and not ending within `minutes` (a cluster that goes at
 * the end of the pool's hours is of no use a minute before).
 */
export function takeableMembers(records: Iterable<EnvironmentRecord>, now: Date, minutes: number): EnvironmentRecord[] {
  return [...records]
    .filter(
      (record) =>
        isPoolMember(record.developer) &&
        record.status === 'ready' &&
        !record.takenBy &&
        record.expiresAt !== undefined &&
        Date.parse(record.expiresAt) > now.getTime() + minutes * 60_000,
    )
    .sort((a, b) => memberNumber(a.developer) - memberNumber(b.developer));
}

/** The run that takes `member` for `developer`: from the time of asking, so that a retried request takes nothing twice. */
export function takeRunIdFor(member: string, developer: string, asked: Date, timezone: string): string {
  return `${member}-take-${developer}-${localNow(asked, timezone).toFormat('yyyyMMdd-HHmm')}`;
}

export type PoolDesire =
  | { member: string; want: 'up'; reason: string; expiresAt: string }
  | { member: string; want: 'down' | 'keep'; reason: string };

function keepReason(record: EnvironmentRecord | undefined): string {
  if (record?.takenBy && record.status !== 'destroyed') return `pool: taken by ${record.takenBy} (${record.status})`;
  if (isFreeMember(record)) return `pool: ${record?.status === 'ready' ? 'ready' : 'being filled'}, nobody's yet`;
  if (record?.status === 'failed') return `pool: failed (${record.lastError ?? 'no error recorded'}); destroyed after the pool's hours`;
  return 'pool: not needed now';
}

/**
 * What each pool member should be now. Inside the pool's hours (from one lead and one tick before their start), the
 * lowest-numbered unused members are filled until `pool.size` are free; free members beyond the size go; the rest
 * are kept as they are. Outside them, every member goes down, taken or not: pool clusters end with the pool's day.
 * A member's run ID is the plan's usual `<member>-<action>-<date>` (core/plan), so a duplicate tick starts it once.
 */
export function poolDesires(
  now: Date,
  config: TurboConfig,
  records: Map<string, EnvironmentRecord>,
  clusters: ClusterInfo[],
  minUsefulMinutes: number,
): PoolDesire[] {
  const names = new Set(Array.from({ length: maxPoolMembers(config) }, (_, index) => poolMemberName(index + 1)));
  for (const name of records.keys()) if (isPoolMember(name)) names.add(name);
  for (const cluster of clusters) if (isPoolMember(cluster.tags[OWNER_TAG] ?? '')) names.add(cluster.tags[OWNER_TAG]!);
  const members = [...names].sort((a, b) => memberNumber(a) - memberNumber(b));
  // No pool and nothing left of one: no need to work out the pool's hours over the whole roster.
  if (members.length === 0) return [];
  const hours = poolHours(now, config);
  const fillFrom = 'closed' in hours ? 0 : poolFillFrom(hours, config);
  const closed =
    'closed' in hours
      ? hours.closed
      : now.getTime() < fillFrom
        ? `before the pool's hours (${describeLocal(hours.start)} to ${describeLocal(hours.end)})`
        : now.getTime() >= hours.end.toMillis()
          ? `after the pool's hours (until ${describeLocal(hours.end)})`
          : undefined;
  if (closed !== undefined || 'closed' in hours) return members.map((member) => ({ member, want: 'down', reason: `pool: ${closed}` }));

  const free = members.filter((member) => isFreeMember(records.get(member)));
  const readyFree = free.filter((member) => records.get(member)?.status === 'ready');
  const surplus = new Set(readyFree.slice(readyFree.length - Math.max(0, free.length - config.pool.size)));
  const lastFill = hours.end.toMillis() - (config.leadMinutes + minUsefulMinutes) * 60_000;
  const need = now.getTime() < lastFill ? Math.max(0, config.pool.size - free.length) : 0;
  const today = localDate(localNow(now, config.timezone));
  const unused = (member: string) => {
    const record = records.get(member);
    if (memberNumber(member) > maxPoolMembers(config)) return false;
    if (!record || record.status === 'absent') return true;
    return record.status === 'destroyed' && localDate(localNow(new Date(record.startedAt ?? 0), config.timezone)) !== today;
  };
  const fill = new Set(members.filter(unused).slice(0, need));
  const expiresAt = new Date(hours.end.toMillis()).toISOString();
  return members.map((member): PoolDesire => {
    if (fill.has(member)) return { member, want: 'up', reason: `pool: filling to pool.size ${config.pool.size}`, expiresAt };
    if (surplus.has(member)) {
      return { member, want: 'down', reason: `pool: ${free.length} free members, more than pool.size ${config.pool.size}` };
    }
    const record = records.get(member);
    if (record?.takenBy && record.status === 'ready' && record.expiresAt && now.getTime() >= Date.parse(record.expiresAt)) {
      return { member, want: 'down', reason: `pool: ${record.takenBy}'s day on it ended at ${record.expiresAt}` };
    }
    return { member, want: 'keep', reason: keepReason(record) };
  });
}
