/**
 * `turbo status --stage <stage>`: one row per developer of the roster, plus any record of someone outside it
 * (an orphan that reconcile will take down), read from the stage's table. Times are in each developer's zone.
 */
import type { CommandIo } from '../io';
import type { EnvironmentRecord } from '../../functions/core/types';
import { scheduleOf } from '../../functions/core/config';
import { formatLocalTime } from '../../functions/core/messages';
import { parseStageArgs, runOnStage } from './stage';
import { formatTable } from '../table';

/** The field that says when the record reached its current status. */
const SINCE: Record<EnvironmentRecord['status'], keyof EnvironmentRecord> = {
  absent: 'updatedAt',
  provisioning: 'startedAt',
  ready: 'readyAt',
  destroying: 'startedAt',
  destroyed: 'destroyedAt',
  failed: 'updatedAt',
  hibernated: 'hibernatedAt',
};

/** When a live cluster goes away: its expiry, or a later keep-alive. */
function expiryOf(record: EnvironmentRecord): string | undefined {
  if (record.status !== 'ready' && record.status !== 'provisioning') return undefined;
  const candidates = [record.expiresAt, record.keepUntil].filter((value): value is string => value !== undefined);
  return candidates.sort((a, b) => Date.parse(a) - Date.parse(b)).at(-1);
}

export function statusRow(developer: string, record: EnvironmentRecord | undefined, timezone: string): string[] {
  if (!record) return [developer, 'absent', '-', '-', '-', '-'];
  const local = (iso: string | undefined) => (iso ? formatLocalTime(iso, timezone) : '-');
  const since = (record[SINCE[record.status]] as string | undefined) ?? record.updatedAt;
  const images = Object.entries(record.images ?? {})
    .map(([name, image]) => `${name} ${image.tag}`)
    .join(', ');
  const error = record.status === 'failed' && record.lastError ? ` (failed: ${record.lastError.replace(/\s+/g, ' ')})` : '';
  return [developer, record.status, local(since), local(expiryOf(record)), images || '-', `${record.runId ?? '-'}${error}`];
}

export async function run(argv: string[], io: CommandIo): Promise<number> {
  const { flags } = parseStageArgs(argv, {});
  return runOnStage('status', flags, io, async (stage) => {
    const records = new Map((await stage.store.list()).map((record) => [record.developer, record]));
    const { config } = stage;
    const rows = config.developers.map((dev) => statusRow(dev.name, records.get(dev.name), scheduleOf(config, dev).timezone));
    const outsiders = [...records.values()].filter((record) => !config.developers.some((dev) => dev.name === record.developer));
    rows.push(
      ...outsiders
        .sort((a, b) => a.developer.localeCompare(b.developer))
        .map((record) => statusRow(`${record.developer} (not in roster)`, record, 'UTC')),
    );
    io.stdout(`Team ${config.team}, ${stage.describe()} (table ${stage.names.table})\n\n`);
    io.stdout(`${formatTable(['developer', 'status', 'since', 'expires', 'image version', 'last run'], rows)}\n`);
    return 0;
  });
}
