/**
 * `turbo plan`: what reconcile would start at a given instant, from the config alone. Locally there is no AWS,
 * so there are no environment records and no clusters: the plan shows the schedule's side of the decision, with
 * each developer's predicted start and ready time under the runner quota, and who would miss readyBy and why.
 */
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import { describeLocal, instantIn, localNow } from '../../functions/core/clock';
import { RECONCILE_TICK_MINUTES, scheduleOf, type TurboConfig } from '../../functions/core/config';
import { describeDurations, expectedDurations, staggeredDays, type DayPlan, type ScheduledUp } from '../../functions/core/stagger';
import { plan, type Plan } from '../../functions/core/plan';
import { formatTable } from '../table';
import { UsageError, type CommandIo } from '../io';
import { loadValidConfig } from './validate';

export const NO_AWS_NOTICE = 'Local plan: no AWS here, so no environment records and no clusters are known; everyone is assumed down.';

/** An ISO 8601 instant must say its zone: "08:00" alone would mean a different instant on every machine. */
export function parseInstant(value: string): Date {
  const parsed = DateTime.fromISO(value, { setZone: true });
  if (!parsed.isValid || !/(Z|[+-]\d{2}(:?\d{2})?)$/i.test(value)) {
    throw new UsageError(
      `--at ${JSON.stringify(value)} is not an ISO 8601 instant with a zone, such as 2026-11-24T08:00:00Z or 2026-11-24T09:00+01:00`,
    );
  }
  return parsed.toJSDate();
}

/** Each developer's up today as the stagger plans it, with instants as ISO strings (for --json). */
function predictionsOf(days: Map<string, DayPlan>) {
  const iso = (ms: number) => new Date(ms).toISOString();
  return [...days.values()]
    .sort((a, b) => (a.developer < b.developer ? -1 : 1))
    .flatMap((day) =>
      'dayOff' in day
        ? []
        : [
            {
              developer: day.developer,
              date: day.date,
              start: iso(day.startAt),
              ready: iso(day.readyAt),
              readyBy: iso(day.readyBy),
              miss: day.miss ?? null,
            },
          ],
    );
}

/** One row per developer (roster and orphans), with the local time of the decision and the predicted start and ready time. */
function planTable(result: Plan, now: Date, config: TurboConfig, days: Map<string, DayPlan>): string {
  const timezones = new Map(config.developers.map((dev) => [dev.name, scheduleOf(config, dev).timezone]));
  const localTime = (developer: string) => {
    const timezone = timezones.get(developer) ?? 'UTC';
    return `${localNow(now, timezone).toFormat('ccc yyyy-MM-dd HH:mm')} ${timezone}`;
  };
  const predicted = (developer: string) => {
    const day = days.get(developer);
    if (!day || 'dayOff' in day) return ['-', '-'];
    const local = (ms: number) => instantIn(ms, day.timezone).toFormat('HH:mm');
    return [local(day.startAt), `${local(day.readyAt)}${day.miss ? ' LATE' : ''}`];
  };
  const rows = [
    ...result.actions.map((action) => [
      action.developer,
      localTime(action.developer),
      ...predicted(action.developer),
      action.action,
      action.runId,
      action.reason,
    ]),
    ...result.idle.map((idle) => [idle.developer, localTime(idle.developer), ...predicted(idle.developer), '-', '-', idle.reason]),
  ].sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
  return formatTable(['developer', 'local time', 'start', 'ready', 'action', 'run ID', 'reason'], rows);
}

/** Who would miss readyBy today, and why; and what the prediction rests on. */
function missesText(config: TurboConfig, days: Map<string, DayPlan>): string {
  const misses = [...days.values()].filter((day): day is ScheduledUp => !('dayOff' in day) && day.miss !== undefined);
  const basis =
    `Predicted with ${describeDurations(expectedDurations(config, []))}, ` +
    `at most ${config.runner.maxConcurrentJobs} jobs at once (runner.maxConcurrentJobs) ` +
    'with the wakes and the downs at teardown counted, ' +
    `ups started on the ${RECONCILE_TICK_MINUTES}-minute ticks.`;
  if (misses.length === 0) return `${basis}\nWould miss readyBy: nobody\n`;
  const local = (ms: number, day: ScheduledUp) => describeLocal(instantIn(ms, day.timezone));
  const lines = misses
    .sort((a, b) => (a.developer < b.developer ? -1 : 1))
    .map((day) => `  ${day.developer}: ready ${local(day.readyAt, day)} for readyBy ${local(day.readyBy, day)}: ${day.miss}`);
  return `${basis}\nWould miss readyBy (${misses.length}):\n${lines.join('\n')}\n`;
}

export async function run(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { at: { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean', default: false } },
    strict: true,
    allowPositionals: false,
  });
  const now = values.at === undefined ? new Date() : parseInstant(values.at);
  const loaded = await loadValidConfig(values.config, io);
  if (!loaded) return 1;
  const { config } = loaded;
  const result = plan(now, config, [], []);
  const days = staggeredDays(now, config, []);
  if (values.json) {
    io.stderr(`${NO_AWS_NOTICE}\n`);
    io.stdout(`${JSON.stringify({ ...result, predictions: predictionsOf(days) }, null, 2)}\n`);
    return 0;
  }
  io.stdout(`Plan at ${result.at} for team ${config.team} (${loaded.shownPath})\n${NO_AWS_NOTICE}\n\n`);
  io.stdout(`${planTable(result, now, config, days)}\n\n${result.actions.length} to start, ${result.idle.length} idle\n`);
  io.stdout(`\n${missesText(config, days)}`);
  return 0;
}
