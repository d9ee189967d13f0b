/**
 * Local-time helpers: the one place where wall-clock times ("09:00" in Europe/Berlin) become instants.
 * Pure: every function takes the instant it works from.
 */
import { DateTime, IANAZone } from 'luxon';

/** `now` seen on the wall clock of `timezone`. */
export function localNow(now: Date, timezone: string): DateTime {
  return DateTime.fromJSDate(now, { zone: zoneOf(timezone) });
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
  return local.setLocale('en-US').toFormat('ccc').toLowerCase();
}

/**
 * The instant at which the wall clock of `day`'s zone shows `hhmm` on `day`'s date.
 * - A time skipped by a spring-forward change (02:30 in Berlin on 2026-03-29) does not exist: it is moved
 *   forward by the gap (to 03:30 CEST), which is the same elapsed time after midnight as on an ordinary day.
 * - A time repeated by a fall-back change (02:30 in Berlin on 2026-10-25) happens twice: the first occurrence
 *   counts, so a cluster that must be ready "by 02:30" is ready before the clock first shows it.
 */
export function atLocalTime(day: DateTime, hhmm: string): DateTime {
  const key = `${day.zoneName}|${day.year}-${day.month}-${day.day}|${hhmm}`;
  let instant = atLocalTimeCache.get(key);
  if (!instant) {
    if (atLocalTimeCache.size >= MAX_CACHED_TIMES) atLocalTimeCache.clear();
    instant = computeAtLocalTime(day, hhmm);
    atLocalTimeCache.set(key, instant);
  }
  return instant;
}

/**
 * Zone arithmetic is the costliest thing reconcile does (each offset asks Intl), and a roster asks the same few
 * questions every tick: the answers are kept. DateTimes are immutable, so sharing them is safe.
 */
const atLocalTimeCache = new Map<string, DateTime>();
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
  return `${instant.toFormat('HH:mm')} ${instant.zoneName}`;
}
