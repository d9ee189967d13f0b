/**
 * `turbo runs --stage <stage> [--failed] [--limit N] [--report <file.html>]`: the environment executions, newest
 * first. With --report, each listed run's history (at most the last 50 runs) is read and drawn as the rehearsal
 * draws its runs: states grouped into steps (rehearsal/timeline), one Gantt row per run (core/report).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  paginateGetExecutionHistory,
  paginateListExecutions,
  type ExecutionListItem,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { renderRunReport, type RunReportInput } from '../../functions/core/report';
import { UsageError, wholeNumberFlag, type CommandIo } from '../io';
import type { LocalExecution, StateVisit } from '../rehearsal/local-sfn';
import { timelineOf, type TimelineRow } from '../rehearsal/timeline';
import { parseStageArgs, runOnStage } from './stage';
import { formatTable } from '../table';

const DEFAULT_LIMIT = 50;
/** ListExecutions' largest page; more than one page of runs is rarely worth printing. */
const MAX_LIMIT = 1000;
/** Each report row costs a GetExecutionHistory (or several): the report is of the latest runs only. */
export const REPORT_MAX_RUNS = 50;
/** GetExecutionHistory calls in flight at once: well inside the API's request rate. */
const HISTORY_CONCURRENCY = 4;

async function listRuns(client: SFNClient, stateMachineArn: string, failedOnly: boolean, limit: number): Promise<ExecutionListItem[]> {
  const runs: ExecutionListItem[] = [];
  const filter = failedOnly ? { statusFilter: 'FAILED' as const } : {};
  for await (const page of paginateListExecutions({ client, pageSize: Math.min(limit, MAX_LIMIT) }, { stateMachineArn, ...filter })) {
    runs.push(...(page.executions ?? []));
    if (runs.length >= limit) break;
  }
  return runs.slice(0, limit);
}

async function historyOf(client: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  for await (const page of paginateGetExecutionHistory({ client, pageSize: 1000 }, { executionArn, reverseOrder: false })) {
    events.push(...(page.events ?? []));
  }
  return events;
}

/** Runs `work` over `items` with at most `limit` at a time, keeping the order of the results. */
async function mapBounded<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) results[index] = await work(items[index]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Events whose failure ends a state's attempt; a later success (a retry) clears it. */
const ATTEMPT_FAILED = new Set([
  'LambdaFunctionFailed',
  'LambdaFunctionTimedOut',
  'LambdaFunctionStartFailed',
  'LambdaFunctionScheduleFailed',
  'TaskFailed',
  'TaskTimedOut',
  'TaskStartFailed',
  'TaskSubmitFailed',
]);
const ATTEMPT_SUCCEEDED = new Set(['LambdaFunctionSucceeded', 'TaskSucceeded']);
const EXECUTION_ENDED_BADLY = new Set(['ExecutionFailed', 'ExecutionTimedOut', 'ExecutionAborted']);

/** Every failure event carries `{error, cause}` in its own `…EventDetails` field. */
function errorOf(event: HistoryEvent): { error: string; cause: string } {
  for (const [field, value] of Object.entries(event)) {
    if (field.endsWith('EventDetails') && value && typeof value === 'object' && ('error' in value || 'cause' in value)) {
      const details = value as { error?: string; cause?: string };
      return { error: details.error ?? '', cause: details.cause ?? '' };
    }
  }
  return { error: event.type ?? 'failed', cause: '' };
}

const STATUS: Record<string, LocalExecution['status']> = { SUCCEEDED: 'SUCCEEDED', RUNNING: 'RUNNING', PENDING_REDRIVE: 'RUNNING' };

/**
 * An execution's history as the rehearsal records a run: one visit per state entered, closed when the state is
 * exited or the next one is entered, and marked failed when its last attempt failed.
 */
export function executionFromHistory(run: ExecutionListItem, events: HistoryEvent[]): LocalExecution {
  const visits: StateVisit[] = [];
  let open: StateVisit | undefined;
  let attemptFailure: StateVisit['failed'];
  let input: Record<string, unknown> = {};
  let ending: { error: string; cause: string } | undefined;
  const close = (at: number) => {
    if (!open) return;
    open.exitedAt = at;
    if (attemptFailure) open.failed = attemptFailure;
    open = undefined;
    attemptFailure = undefined;
  };
  for (const event of events) {
    const type = event.type ?? '';
    const at = event.timestamp?.getTime() ?? run.startDate?.getTime() ?? 0;
    if (type === 'ExecutionStarted') {
      input = JSON.parse(event.executionStartedEventDetails?.input ?? '{}') as Record<string, unknown>;
    } else if (type.endsWith('StateEntered')) {
      close(at);
      open = { name: event.stateEnteredEventDetails?.name ?? '', type: type.slice(0, -'StateEntered'.length), enteredAt: at };
      visits.push(open);
    } else if (type.endsWith('StateExited')) {
      close(at);
    } else if (ATTEMPT_FAILED.has(type)) {
      attemptFailure = errorOf(event);
    } else if (ATTEMPT_SUCCEEDED.has(type)) {
      attemptFailure = undefined;
    } else if (EXECUTION_ENDED_BADLY.has(type)) {
      close(at);
      ending = errorOf(event);
    } else if (type === 'ExecutionRedriven') {
      ending = undefined;
    }
  }
  const status = STATUS[run.status ?? ''] ?? 'FAILED';
  return {
    arn: run.executionArn ?? '',
    name: run.name ?? '',
    machine: 'environment',
    input,
    startedAt: run.startDate?.getTime() ?? 0,
    endedAt: run.stopDate?.getTime(),
    status,
    ...(status === 'FAILED'
      ? { error: ending?.error || run.status, cause: ending?.cause || ending?.error || `execution ${run.status}` }
      : {}),
    transitions: visits.length,
    historyEvents: events.length,
    lambdaInvocations: events.filter((event) => event.type === 'LambdaFunctionScheduled').length,
    visits,
  };
}

/** One report row per run (the rehearsal's rows are per developer and day), a run still going included. */
export function reportRowsOfRuns(rows: TimelineRow[]): RunReportInput['rows'] {
  return rows.map(({ result, developer, action, readyAt, reason, segments }) => {
    const day = segments[0]?.start.slice(5, 10);
    return { developer: `${developer} ${action}${day ? ` ${day}` : ''}`, result, readyAt, reason, segments };
  });
}

const utc = (date: Date | undefined) => (date ? date.toISOString().slice(0, 19).replace('T', ' ') : '-');

export async function run(argv: string[], io: CommandIo): Promise<number> {
  const { values, flags } = parseStageArgs(argv, {
    failed: { type: 'boolean', default: false },
    limit: { type: 'string' },
    report: { type: 'string' },
  });
  const { failed, limit: limitFlag, report } = values as { failed: boolean; limit?: string; report?: string };
  const limit = wholeNumberFlag('limit', limitFlag, DEFAULT_LIMIT, MAX_LIMIT);
  if (report !== undefined && !/\.html?$/i.test(report)) throw new UsageError(`--report takes an .html file, got "${report}"`);
  return runOnStage('runs', flags, io, async (stage) => {
    const machine = (await stage.machines()).environment;
    const runs = await listRuns(stage.sfn, machine, failed, limit);
    const which = failed ? 'failed environment runs' : 'environment runs';
    io.stdout(`Latest ${which} of ${stage.describe()}, newest first\n\n`);
    if (runs.length === 0) io.stdout(`No ${which}.\n`);
    else
      io.stdout(
        `${formatTable(
          ['name', 'status', 'start (UTC)', 'stop (UTC)'],
          runs.map((item) => [item.name ?? '-', item.status ?? '-', utc(item.startDate), utc(item.stopDate)]),
        )}\n`,
      );
    if (report === undefined) return 0;

    const reported = runs.slice(0, REPORT_MAX_RUNS);
    const executions = await mapBounded(reported, HISTORY_CONCURRENCY, async (item) =>
      executionFromHistory(item, await historyOf(stage.sfn, item.executionArn!)),
    );
    const rows = reportRowsOfRuns(timelineOf(executions));
    const path = resolve(io.cwd, report);
    const title = `Turbo ${stage.name}: ${rows.length} ${which}`;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, renderRunReport({ title, generatedAt: new Date().toISOString(), rows }));
    const left = runs.length > reported.length ? `${runs.length - reported.length} older than the latest ${REPORT_MAX_RUNS}` : '';
    io.stdout(`\nReport of ${rows.length} run${rows.length === 1 ? '' : 's'} written to ${path}${left ? ` (left out: ${left})` : ''}\n`);
    return 0;
  });
}
