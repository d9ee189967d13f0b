/**
 * The soak's world, generated from a seed: a roster over several time zones (DST-observing ones on both
 * hemispheres included), per-developer holidays, hours, modes (destroy, hibernate) and nodes (Spot, Graviton), and
 * the events of each day: keep-alives, skips, manual ups and downs from Slack and the CLI, image pushes several
 * times a week, and faults.
 */
import { DateTime } from 'luxon';
import type { WEEKDAYS, TurboConfig } from '../../functions/core/config';
import { FAULT_POINTS, type FaultPoint } from '../../functions/adapters/memory/cloud';
import { Prng } from './prng';

/** Berlin, London, New York and Los Angeles change clocks in March and Oct/Nov, Sydney in April and October; Kolkata and Tokyo never. */
export const SOAK_ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Asia/Kolkata',
  'Europe/London',
  'America/Los_Angeles',
  'Australia/Sydney',
  'Asia/Tokyo',
];

const READY_TIMES = ['08:00', '08:30', '09:00', '09:30', '10:00'];
const TEARDOWN_TIMES = ['17:00', '18:00', '19:00', '20:00'];
/**
 * Faults a soak draws from; 'slack-429-500-invalid-auth' needs an operator to replace the token, so it is left out,
 * and 'spot-capacity' lasts until cleared, so it is not drawn: it is drilled as a morning's Spot shortage instead.
 */
export const SOAK_FAULTS: FaultPoint[] = FAULT_POINTS.filter(
  (point) => point !== 'slack-429-500-invalid-auth' && point !== 'spot-capacity',
);
/** The faults that strike only a hibernate-mode developer's evening or morning. */
const HIBERNATE_FAULTS: FaultPoint[] = ['hibernate', 'hibernate-silent', 'wake'];

/**
 * The faults a developer of `mode` draws from: the hibernate-mode ones are drawn for hibernate-mode developers only
 * (for anyone else they never strike), and a hibernate-mode developer's draw is one of them as often as not.
 */
export function faultsFor(mode: 'destroy' | 'hibernate'): FaultPoint[] {
  const common = SOAK_FAULTS.filter((point) => !HIBERNATE_FAULTS.includes(point));
  return mode === 'hibernate'
    ? [...common, ...Array.from({ length: common.length }, (_, i) => HIBERNATE_FAULTS[i % HIBERNATE_FAULTS.length]!)]
    : common;
}

/** The soak's first instant: its first date's midnight in the easternmost zone a roster may have. */
export function soakStart(dates: string[]): number {
  return DateTime.fromISO(dates[0]!, { zone: 'Pacific/Auckland' }).toMillis();
}

/**
 * With faults on, each hibernate-mode fault once, for a hibernate-mode developer early on a Monday to Thursday of the
 * soak (not its first day, so that the cluster exists), a morning's Spot shortage likewise for a Spot developer of
 * each mode, and a failed apply for the first warm pool member in the soak's first hour, which strikes its first
 * fill (a pool open from the first zone's morning to the last zone's evening keeps its members all week). A short soak's random draws may give them none. Drawn from a PRNG of its
 * own, so that the rest of the world is what it was.
 */
function modeDrills(config: TurboConfig, dates: string[], seed: number): SoakEvent[] {
  const drills = new Prng(seed ^ 0x41b);
  const zone = config.timezone;
  const hibernating = config.developers.filter((dev) => dev.mode === 'hibernate');
  const days = dates.slice(1).filter((date) => DateTime.fromISO(date, { zone }).weekday <= 4);
  if (days.length === 0) return [];
  const early = (date: string, dev: { timezone?: string }) =>
    DateTime.fromISO(date, { zone: dev.timezone ?? zone })
      .set({ hour: 4, minute: drills.int(0, 59) })
      .toMillis();
  const hibernate = HIBERNATE_FAULTS.flatMap((point): SoakEvent[] => {
    if (hibernating.length === 0) return [];
    const dev = drills.pick(hibernating);
    return [{ at: early(drills.pick(days), dev), kind: 'fault', developer: dev.name, point }];
  });
  const firstHour = soakStart(dates) + drills.int(1, 59) * 60_000;
  const pool: SoakEvent[] = config.pool.size > 0 ? [{ at: firstHour, kind: 'fault', developer: 'pool-1', point: 'apply' }] : [];
  // A morning without Spot, from 04:00 to noon, for one Spot developer of each mode: the destroy-mode one's apply and
  // the hibernate-mode one's wake fall back to On-Demand, and that evening's hibernation puts the Spot group back.
  const onSpot = (mode: 'destroy' | 'hibernate') =>
    config.developers.filter((dev) => dev.nodes?.capacity === 'spot' && (dev.mode ?? config.mode) === mode);
  const shortages = (['destroy', 'hibernate'] as const).flatMap((mode): SoakEvent[] => {
    const candidates = onSpot(mode);
    if (candidates.length === 0) return [];
    const dev = drills.pick(candidates);
    const from = early(drills.pick(days), dev);
    const noon = DateTime.fromMillis(from, { zone: dev.timezone ?? zone })
      .set({ hour: 12, minute: 0 })
      .toMillis();
    return [
      { at: from, kind: 'fault', developer: dev.name, point: 'spot-capacity' },
      { at: noon, kind: 'clear', developer: dev.name, point: 'spot-capacity' },
    ];
  });
  return [...hibernate, ...pool, ...shortages];
}

/**
 * Every fifth developer hibernates, every fourth has Spot nodes and every sixth Graviton (when the config has arm64
 * types): by index, so the PRNG's draws, and so the rest of the world, stay as they were.
 */
export function modesOf(base: TurboConfig, index: number): Pick<TurboConfig['developers'][number], 'mode' | 'nodes'> {
  const spot = index % 4 === 2;
  const arm64 = index % 6 === 3 && base.cluster.instanceTypes.arm64 !== undefined;
  return {
    ...(index % 5 === 1 ? { mode: 'hibernate' as const } : {}),
    ...(spot || arm64 ? { nodes: { ...(spot ? { capacity: 'spot' as const } : {}), ...(arm64 ? { arch: 'arm64' as const } : {}) } } : {}),
  };
}

export type SoakEvent =
  | { at: number; kind: 'keep'; developer: string; until: string; via: 'slack' | 'cli' }
  | { at: number; kind: 'skip'; developer: string; date: string; via: 'slack' | 'cli' }
  | { at: number; kind: 'up' | 'down'; developer: string; via: 'slack' | 'cli' }
  | { at: number; kind: 'push'; image: 'frontend' | 'mongo'; tag: string }
  | { at: number; kind: 'fault'; developer: string; point: FaultPoint }
  /** A lasting fault ends (Spot is back). */
  | { at: number; kind: 'clear'; developer: string; point: FaultPoint };

/** The warm pool the soak keeps when the config keeps none. */
export const SOAK_POOL_SIZE = 2;

export interface SoakWorld {
  config: TurboConfig;
  /** Local dates (team zone) of the soak, in order. */
  dates: string[];
  events: SoakEvent[];
}

export function generateWorld(
  base: TurboConfig,
  options: { developers: number; days: number; start: string; seed: number; faultRate: number },
): SoakWorld {
  const prng = new Prng(options.seed);
  const evenings = new Prng(options.seed ^ 0xe7e);
  const start = DateTime.fromISO(options.start, { zone: base.timezone });
  const dates = Array.from({ length: options.days }, (_, i) => start.plus({ days: i }).toISODate()!);
  const developers = Array.from({ length: options.developers }, (_, index) => {
    const id = String(index + 1).padStart(4, '0');
    const holidays = dates.filter(() => prng.chance(0.03));
    const fourDays = prng.chance(0.1);
    return {
      name: `dev-${id}`,
      slackUserId: `U0DEV${id}`,
      iamPrincipalArn: `arn:aws:iam::123456789012:user/dev-${id}`,
      timezone: SOAK_ZONES[index % SOAK_ZONES.length],
      readyBy: prng.pick(READY_TIMES),
      teardownAt: prng.pick(TEARDOWN_TIMES),
      holidays,
      ...(fourDays ? { workingDays: ['mon', 'tue', 'wed', 'thu'] as (typeof WEEKDAYS)[number][] } : {}),
      ...modesOf(base, index),
    };
  });
  // A warm pool of two unless the config has one, so that the soak's ups outside a schedule take from it.
  const config: TurboConfig = { ...base, developers, pool: base.pool.size > 0 ? base.pool : { ...base.pool, size: SOAK_POOL_SIZE } };
  const events: SoakEvent[] = [];
  let release = 3;
  for (const date of dates) {
    const day = DateTime.fromISO(date, { zone: base.timezone });
    // Image pushes on about three days a week, during the team's working hours.
    if (day.weekday <= 5 && prng.chance(0.6)) {
      release += 1;
      events.push({
        at: day.set({ hour: prng.int(10, 16), minute: prng.int(0, 59) }).toMillis(),
        kind: 'push',
        image: 'frontend',
        tag: `1.${release}.0`,
      });
    }
    for (const dev of developers) {
      const local = DateTime.fromISO(date, { zone: dev.timezone });
      const at = (hour: number, minute = prng.int(0, 59)) => local.set({ hour, minute }).toMillis();
      const via = prng.chance(0.5) ? 'slack' : 'cli';
      const roll = prng.next();
      if (roll < 0.04) events.push({ at: at(16), kind: 'keep', developer: dev.name, until: `${prng.int(20, 22)}:00`, via });
      else if (roll < 0.06) events.push({ at: at(7), kind: 'skip', developer: dev.name, date: local.plus({ days: 1 }).toISODate()!, via });
      else if (roll < 0.075) events.push({ at: at(prng.int(10, 15)), kind: 'down', developer: dev.name, via });
      else if (roll < 0.09) events.push({ at: at(prng.int(11, 14)), kind: 'up', developer: dev.name, via });
      if (options.faultRate > 0 && prng.chance(options.faultRate)) {
        const point = prng.pick(faultsFor(dev.mode ?? base.mode));
        events.push({ at: at(prng.int(5, 7)), kind: 'fault', developer: dev.name, point });
      }
      // An up in the evening, after the day's teardown: outside the schedule, so it takes a warm pool cluster. Drawn
      // apart, so that the rest of the world is what it was before the pool.
      if (evenings.chance(0.01)) events.push({ at: at(20, evenings.int(0, 59)), kind: 'up', developer: dev.name, via });
    }
  }
  if (options.faultRate > 0) events.push(...modeDrills(config, dates, options.seed));
  events.sort((a, b) => a.at - b.at);
  return { config, dates, events };
}
