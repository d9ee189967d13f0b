/**
 * What a rehearsed day amounts to, per developer: the up and the down, when the environment was ready (virtual
 * time), how long it took, and what it cost in state transitions and Lambda invocations.
 */
import { DateTime } from 'luxon';
import { scheduleOf, type TurboConfig } from '../../functions/core/config';
import type { LocalExecution } from './local-sfn';
import { formatTable } from '../table';
import type { DayResult } from './day';

export interface RunSummary {
  runId: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  startedAt: string;
  endedAt?: string;
  durationSeconds?: number;
  transitions: number;
  lambdaInvocations: number;
  error?: string;
}

export interface DeveloperSummary {
  developer: string;
  timezone: string;
  result: 'ready' | 'failed' | 'destroyed' | 'skipped' | 'running';
  /** The virtual instant the environment was ready, and the same in the developer's zone. */
  readyAt?: string;
  readyAtLocal?: string;
  reason?: string;
  up?: RunSummary;
  down?: RunSummary;
}

function runSummary(execution: LocalExecution): RunSummary {
  return {
    runId: execution.name,
    status: execution.status,
    startedAt: new Date(execution.startedAt).toISOString(),
    endedAt: execution.endedAt === undefined ? undefined : new Date(execution.endedAt).toISOString(),
    durationSeconds: execution.endedAt === undefined ? undefined : Math.round((execution.endedAt - execution.startedAt) / 1000),
    transitions: execution.transitions,
    lambdaInvocations: execution.lambdaInvocations,
    error: execution.status === 'FAILED' ? execution.cause : undefined,
  };
}

/** The moment MarkReady finished: the environment was usable from then on. */
export function readyAt(execution: LocalExecution): number | undefined {
  return execution.visits.find((visit) => visit.name === 'MarkReady' && visit.exitedAt !== undefined && !visit.failed)?.exitedAt;
}

/** The rehearsed day's runs: those whose run ID carries its date (a zone far west may still be on the day before). */
export function summarise(config: TurboConfig, executions: LocalExecution[], date: string): DeveloperSummary[] {
  const day = date.replaceAll('-', '');
  const environment = executions.filter((execution) => execution.machine === 'environment' && execution.name.split('-').includes(day));
  const owners = new Set([...config.developers.map((dev) => dev.name), ...environment.map((execution) => String(execution.input.developer))]);
  return [...owners].sort().map((developer) => {
    const member = config.developers.find((dev) => dev.name === developer);
    const timezone = member ? scheduleOf(config, member).timezone : 'UTC';
    const mine = environment.filter((execution) => execution.input.developer === developer);
    const up = mine.find((execution) => execution.input.action === 'up');
    const down = mine.find((execution) => execution.input.action === 'down');
    const failed = [up, down].find((execution) => execution?.status === 'FAILED');
    const ready = up && readyAt(up);
    const result: DeveloperSummary['result'] = failed
      ? 'failed'
      : [up, down].some((execution) => execution?.status === 'RUNNING')
        ? 'running'
        : down
          ? 'destroyed'
          : up
            ? 'ready'
            : 'skipped';
    return {
      developer,
      timezone,
      result,
      readyAt: ready === undefined ? undefined : new Date(ready).toISOString(),
      readyAtLocal: ready === undefined ? undefined : DateTime.fromMillis(ready, { zone: timezone }).toFormat('HH:mm'),
      reason: failed?.cause,
      up: up && runSummary(up),
      down: down && runSummary(down),
    };
  });
}

export function formatSummaryTable(rows: DeveloperSummary[]): string {
  const header = ['developer', 'result', 'ready at (local)', 'up took', 'up transitions', 'down', 'down transitions', 'reason'];
  const minutes = (seconds?: number) => (seconds === undefined ? '-' : `${Math.round(seconds / 60)} min`);
  const body = rows.map((row) => [
    row.developer,
    row.result,
    row.readyAtLocal ? `${row.readyAtLocal} ${row.timezone}` : '-',
    minutes(row.up?.durationSeconds),
    String(row.up?.transitions ?? '-'),
    row.down?.status.toLowerCase() ?? '-',
    String(row.down?.transitions ?? '-'),
    row.reason ? row.reason.slice(0, 90) : '',
  ]);
  return formatTable(header, body, { rule: true });
}

export interface Stats {
  count: number;
  mean: number;
  max: number;
}

function stats(values: number[]): Stats {
  if (values.length === 0) return { count: 0, mean: 0, max: 0 };
  return { count: values.length, mean: Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 10) / 10, max: Math.max(...values) };
}

/** The figures bench/workflow prints: transitions and invocations per run, and how late each finished job was seen. */
export function metricsOf(result: DayResult) {
  const environment = result.executions.filter((execution) => execution.machine === 'environment');
  const of = (action: string) => environment.filter((execution) => execution.input.action === action && execution.status === 'SUCCEEDED');
  const reconcile = result.executions.filter((execution) => execution.machine === 'reconcile');
  const delays = result.cloud.detectionDelays();
  return {
    upTransitions: stats(of('up').map((execution) => execution.transitions)),
    downTransitions: stats(of('down').map((execution) => execution.transitions)),
    upLambdaInvocations: stats(of('up').map((execution) => execution.lambdaInvocations)),
    downLambdaInvocations: stats(of('down').map((execution) => execution.lambdaInvocations)),
    reconcileExecutions: reconcile.length,
    reconcileTransitions: reconcile.reduce((sum, execution) => sum + execution.transitions, 0),
    detectionDelaySeconds: Object.fromEntries(
      (['apply', 'deploy', 'destroy'] as const).map((kind) => [kind, stats(delays.filter((delay) => delay.kind === kind).map((delay) => delay.delayMs / 1000))]),
    ),
  };
}
