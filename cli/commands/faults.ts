/**
 * `turbo faults`: the fault matrix on the packaged state machines and the in-memory cloud. One rehearsal per fault,
 * aimed at one developer, then the operator's fix and a redrive or replay; a table of what each did.
 * Exit code 1 when any row breaks a promise: someone else affected, ops not told (or told twice), a failure that did
 * not stay visible, a replay that did not converge, anything done twice, or anything left running.
 */
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import { UsageError, type CommandIo } from '../io';
import { parseDateFlag } from '../flags';
import { FAULT_CASES, formatFaultTable, runFaultMatrix, type FaultRow } from '../faults';
import { ensurePackaged, loadPackagedStack, projectRoot } from '../rehearsal/packaged';
import { nextWorkingDay } from './rehearse';
import { loadValidConfig } from './validate';
import { describeDenied } from '../rehearsal/enforce';

/** A row keeps every promise of the issue; a fault that absorbs itself (Retry) has no failure to tell or keep. */
export function brokenPromises(row: FaultRow): string[] {
  const failed = row.affected.length > 0;
  const problems: string[] = [];
  if (row.affected.some((developer) => developer !== row.target))
    problems.push(`affected ${row.affected.join(', ')}, not only ${row.target}`);
  if (!row.othersUnaffected) problems.push('another developer did not end the day as planned');
  if (row.duplicatesInDay > 0) problems.push(`the day itself did ${row.duplicatesInDay} thing(s) twice`);
  if (failed && !row.opsTold) problems.push('ops was not told');
  if (row.opsReports > 1) problems.push(`ops was told ${row.opsReports} times, not once`);
  if (failed && row.visibleAfterNextTick !== true) problems.push('the failure did not stay on the record through the next tick');
  if (!row.converged) problems.push('the replay did not converge');
  if (row.duplicateJobs > 0 || row.duplicateMessages > 0)
    problems.push(`the replay repeated ${row.duplicateJobs} job(s) and ${row.duplicateMessages} message(s)`);
  if (row.leftRunning.length) problems.push(`left running after the replay: ${row.leftRunning.join(', ')}`);
  problems.push(...row.accessDenied.map(describeDenied));
  if (row.unattributedCalls > 0) problems.push(`${row.unattributedCalls} AWS call(s) made by no function the rehearsal knows`);
  return problems;
}

export async function run(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { config: { type: 'string' }, date: { type: 'string' }, target: { type: 'string' }, only: { type: 'string', multiple: true } },
  });
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const loaded = await loadValidConfig(values.config, io);
  if (!loaded) return 1;
  const { config } = loaded;
  const target = values.target ?? config.developers[1]?.name ?? config.developers[0]!.name;
  if (!config.developers.some((dev) => dev.name === target))
    throw new UsageError(`--target ${JSON.stringify(target)} is not in the roster`);
  const unknown = (values.only ?? []).filter((name) => !FAULT_CASES.some((faultCase) => faultCase.inject === name));
  if (unknown.length)
    throw new UsageError(
      `--only ${unknown.join(', ')}: not a fault of the matrix (one of ${FAULT_CASES.map((faultCase) => faultCase.inject).join(', ')})`,
    );
  const cases = values.only ? FAULT_CASES.filter((faultCase) => values.only!.includes(faultCase.inject)) : FAULT_CASES;
  const date = values.date === undefined ? nextWorkingDay(config, DateTime.now()) : parseDateFlag('--date', values.date);

  const root = projectRoot();
  ensurePackaged(root, (line) => io.stderr(`${line}\n`));
  const stack = loadPackagedStack(root, config.region);
  io.stdout(`Fault matrix for ${date}: ${cases.length} fault(s), each aimed at ${target}\n`);
  const rows = await runFaultMatrix({ config, stack, root, date, target, cases }, (row) => io.stderr(`  done: ${row.fault}\n`));
  io.stdout(`\n${formatFaultTable(rows)}\n`);
  const broken = rows.flatMap((row) => brokenPromises(row).map((problem) => `${row.fault}: ${problem}`));
  if (broken.length) io.stdout(`\n${broken.length} broken promise(s):\n${broken.map((line) => `  - ${line}`).join('\n')}\n`);
  else io.stdout('\nEvery fault stayed with its developer, was told and kept, and every replay converged with nothing done twice.\n');
  return broken.length ? 1 : 0;
}
