/**
 * Local-time helpers: the one place where wall-clock times ("09:00" in Europe/Berlin) become instants.
 * Pure: every function takes the instant it works from.
 */
import { DateTime, IANAZone } from 'luxon';

/**
 * Zone arithmetic is the costliest thing reconcile does (each offset asks Intl), and a roster of thousands asks the
 * same few questions every tick (a handful of zones, one instant): the answers are kept, a bounded number of them.
 * DateTimes are immutable, so sharing them is safe.
 */
function remembered<K, T>(cache: Map<K, T>, key: K, compute: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    if (cache.size >= MAX_CACHED_TIMES) cache.clear();
    value = compute();
    cache.set(key, value);
  }
  return value;
}

/**
 * The same, for a question about an instant (epoch ms) in a zone: keyed by the zone, then the number, because a string
 * key built for each of a tick's hundreds of thousands of questions cost more than most of the answers.
 */
function rememberedAt<T>(cache: Map<string, Map<number, T>>, zone: string, ms: number, compute: () => T): T {
  let inZone = cache.get(zone);
  if (!inZone) cache.set(zone, (inZone = new Map()));
  return remembered(inZone, ms, compute);
}

const zoneValidity = new Map<string, boolean>();

/** Whether `name` is an IANA time zone: luxon asks Intl for a formatter each time, and configs and messages ask often. */
export function isTimeZone(name: string): boolean {
  return remembered(zoneValidity, name, () => IANAZone.isValidZone(name));
}

const localNowCache = new Map<string, Map<number, DateTime>>();
const describedCache = new Map<string, Map<number, string>>();

/** A 24-hour wall-clock time `HH:MM`: the one rule for readyBy, teardownAt, keep-until and Slack's `until`. */
export const CLOCK_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** `now` seen on the wall clock of `timezone`. */
export function localNow(now: Date, timezone: string): DateTime {
  return rememberedAt(localNowCache, timezone, now.getTime(), () => DateTime.fromJSDate(now, { zone: zoneOf(timezone) }));
}

const midnightCache = new Map<string, Map<number, DateTime>>();

/** Local midnight of `local`'s day, in its zone. */
export function startOfLocalDay(local: DateTime): DateTime {
  return rememberedAt(midnightCache, local.zone.name, local.toMillis(), () => local.startOf('day'));
}

/** Local midnight of the calendar date `date` (YYYY-MM-DD) in `timezone`. */
export function startOfLocalDate(date: string, timezone: string): DateTime {
  const [year, month, day] = date.split('-').map(Number);
  return DateTime.fromObject({ year, month, day }, { zone: zoneOf(timezone) }).startOf('day');
}

/** The calendar date `days` after `date` (both YYYY-MM-DD): no zone needed. */
export function shiftDate(date: string, days: number): string {
  return remembered(shiftedDates, `${date}|${days}`, () => {
    const [year, month, day] = date.split('-').map(Number) as [number, number, number];
    return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
  });
}

const shiftedDates = new Map<string, string>();

/** A local calendar date in a zone: what the planner asks of each developer's days, on every tick. */
export interface CalendarDay {
  /** YYYY-MM-DD. */
  date: string;
  /** yyyyMMdd: the date as run IDs write it. */
  stamp: string;
  /** `mon` … `sun`. */
  weekday: string;
  midnight: DateTime;
  /** Its midnight and the next one, epoch ms. */
  startMs: number;
  endMs: number;
  /** The instant (epoch ms) its wall clock shows `hhmm`, by atLocalTime's rules. */
  at(hhmm: string): number;
}

const calendarDays = new Map<string, CalendarDay>();

/** `date` in `timezone`, worked out once: thousands of developers ask the same few (zone, date) pairs every tick. */
export function calendarDay(date: string, timezone: string): CalendarDay {
  return remembered(calendarDays, `${date}|${timezone}`, () => {
    const midnight = startOfLocalDate(date, timezone);
    const times = new Map<string, number>();
    return {
      date,
      stamp: date.replaceAll('-', ''),
      weekday: weekdayOf(midnight),
      midnight,
      startMs: midnight.toMillis(),
      endMs: startOfLocalDate(shiftDate(date, 1), timezone).toMillis(),
      at(hhmm) {
        let ms = times.get(hhmm);
        if (ms === undefined) times.set(hhmm, (ms = atLocalTime(midnight, hhmm).toMillis()));
        return ms;
      },
    };
  });
}

const instantCache = new Map<string, Map<number, DateTime>>();

/** The instant `ms` (epoch milliseconds) on the wall clock of `timezone`. */
export function instantIn(ms: number, timezone: string): DateTime {
  return rememberedAt(instantCache, timezone, ms, () => DateTime.fromMillis(ms, { zone: zoneOf(timezone) }));
}

const stampCache = new Map<string, Map<number, string>>();

/** The local date of `now` in `timezone` as yyyyMMdd: the date part of run IDs. */
export function localDayStamp(now: Date, timezone: string): string {
  return rememberedAt(stampCache, timezone, now.getTime(), () => localNow(now, timezone).toFormat('yyyyMMdd'));
}

const dateCache = new Map<string, Map<number, string>>();

/** The local date of `now` in `timezone`, YYYY-MM-DD. */
export function localDateAt(now: Date, timezone: string): string {
  return rememberedAt(dateCache, timezone, now.getTime(), () => localDate(localNow(now, timezone)));
}

/**
 * An IANA zone that remembers its offsets by the minute (zones change offset on whole minutes): luxon asks Intl
 * for every offset, which made zone arithmetic most of reconcile's CPU at a few hundred developers.
 */
class RememberedZone extends IANAZone {
  private readonly offsets = new Map<number, number>();

  override offset(ts: number): number {
    const minute = Math.floor(ts / 60_000);
    let offset = this.offsets.get(minute);
    if (offset === undefined) {
      if (this.offsets.size >= MAX_CACHED_TIMES) this.offsets.clear();
      offset = super.offset(ts);
      this.offsets.set(minute, offset);
    }
    return offset;
  }
}

const zones = new Map<string, RememberedZone>();

/**
 * The zone `name` for luxon calls made elsewhere (`{ zone: zoneNamed(timezone) }`): the same zone with its offsets
 * remembered. A zone passed by name asks Intl for each offset, which was most of a 5,000-developer run report.
 */
export function zoneNamed(name: string): IANAZone {
  return zoneOf(name);
}

function zoneOf(name: string): RememberedZone {
  let zone = zones.get(name);
  if (!zone) zones.set(name, (zone = new RememberedZone(name)));
  return zone;
}

/** The local calendar date as YYYY-MM-DD. */
export function localDate(local: DateTime): string {
  return local.toISODate()!;
}

/** `mon` … `sun`, matching the config's workingDays. */
export function weekdayOf(local: DateTime): string {
  return WEEKDAYS[local.weekday - 1]!;
}

/** Luxon's ISO weekday (1 = Monday) to the config's names: no locale formatting needed. */
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/**
 * The instant at which the wall clock of `day`'s zone shows `hhmm` on `day`'s date.
 * - A time skipped by a spring-forward change (02:30 in Berlin on 2026-03-29) does not exist: it is moved
 *   forward by the gap (to 03:30 CEST), which is the same elapsed time after midnight as on an ordinary day.
 * - A time repeated by a fall-back change (02:30 in Berlin on 2026-10-25) happens twice: the first occurrence
 *   counts, so a cluster that must be ready "by 02:30" is ready before the clock first shows it.
 */
export function atLocalTime(day: DateTime, hhmm: string): DateTime {
  let atTime = atLocalTimeCache.get(hhmm);
  if (!atTime) atLocalTimeCache.set(hhmm, (atTime = new Map()));
  return rememberedAt(atTime, day.zone.name, day.year * 10_000 + day.month * 100 + day.day, () => computeAtLocalTime(day, hhmm));
}

/** By the time of day, then the zone, then the date as yyyymmdd. */
const atLocalTimeCache = new Map<string, Map<string, Map<number, DateTime>>>();
const MAX_CACHED_TIMES = 10_000;

function computeAtLocalTime(day: DateTime, hhmm: string): DateTime {
  const [hour, minute] = hhmm.split(':').map(Number) as [number, number];
  const wall = { year: day.year, month: day.month, day: day.day, hour, minute };
  const shiftedForward = DateTime.fromObject(wall, { zone: day.zone });
  const wallAsUtcMillis = DateTime.fromObject(wall, { zone: 'utc' }).toMillis();
  // The offsets in force a few hours either side of the candidate cover both sides of any transition.
  const offsets = new Set([shiftedForward.minus({ hours: 3 }).offset, shiftedForward.plus({ hours: 3 }).offset]);
  const occurrences = [...offsets]
    .map((offsetMinutes) => DateTime.fromMillis(wallAsUtcMillis - offsetMinutes * 60_000, { zone: day.zone }))
    .filter((instant) => instant.hour === hour && instant.minute === minute && instant.hasSame(day, 'day'))
    .sort((a, b) => a.toMillis() - b.toMillis());
  return occurrences[0] ?? shiftedForward;
}

/** `09:00 Europe/Berlin`-style wording for reasons and tables. */
export function describeLocal(instant: DateTime): string {
  return rememberedAt(describedCache, instant.zone.name, instant.toMillis(), () => `${instant.toFormat('HH:mm')} ${instant.zoneName}`);
}
