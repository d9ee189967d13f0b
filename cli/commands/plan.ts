/**
 * `turbo plan`: what reconcile would start at a given instant, from the config alone. Locally there is no AWS,
 * so there are no environment records and no clusters: the plan shows the schedule's side of the decision.
 */
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import { localNow } from '../../functions/core/clock';
import { scheduleOf, type TurboConfig } from '../../functions/core/config';
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

/** One row per developer (roster and orphans), with the local time that the decision was made in. */
function planTable(result: Plan, now: Date, config: TurboConfig): string {
  const timezones = new Map(config.developers.map((dev) => [dev.name, scheduleOf(config, dev).timezone]));
  const localTime = (developer: string) => {
    const timezone = timezones.get(developer) ?? 'UTC';
    return `${localNow(now, timezone).toFormat('ccc yyyy-MM-dd HH:mm')} ${timezone}`;
  };
  const rows = [
    ...result.actions.map((action) => [action.developer, localTime(action.developer), action.action, action.runId, action.reason]),
    ...result.idle.map((idle) => [idle.developer, localTime(idle.developer), '-', '-', idle.reason]),
  ].sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
  return formatTable(['developer', 'local time', 'action', 'run ID', 'reason'], rows);
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
  if (values.json) {
    io.stderr(`${NO_AWS_NOTICE}\n`);
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  }
  io.stdout(`Plan at ${result.at} for team ${config.team} (${loaded.shownPath})\n${NO_AWS_NOTICE}\n\n`);
  io.stdout(`${planTable(result, now, config)}\n\n${result.actions.length} to start, ${result.idle.length} idle\n`);
  return 0;
}
