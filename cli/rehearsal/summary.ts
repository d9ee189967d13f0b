/**
 * What a rehearsed day amounts to, per developer: the up and the down, when the environment was ready (virtual
 * time) against its readyBy, what happened in words, and what it cost in state transitions and Lambda invocations.
 * A cluster ready after readyBy is a failure of the day, as much as a failed run.
 */
import { DateTime } from 'luxon';
import { atLocalTime, startOfLocalDate, zoneNamed } from '../../functions/core/clock';
import { scheduleOf, type TurboConfig } from '../../functions/core/config';
import { scheduledDesire } from '../../functions/core/plan';
import { isPoolMember, poolHoursOn } from '../../functions/core/pool';
import { formatMargin, marginMinutes, type RunReportInput } from '../../functions/core/report';
import { executionConsoleUrl } from '../../functions/core/messages';
import type { EnvironmentRecord } from '../../functions/core/types';
import type { LocalExecution } from './local-sfn';
import { formatTable } from '../table';
import type { DayResult } from './day';
import { failedStep, readyAt, type Step, type TimelineRow } from './timeline';

export interface RunSummary {
  runId: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  startedAt: string;
  endedAt?: string;
  durationSeconds?: number;
  transitions: number;
  lambdaInvocations: number;
  error?: string;
  /** For a failed run: the step it failed in. */
  failedIn?: Step;
  executionArn: string;
}

/** `late`: ready after readyBy. `ready`: on time and still up at the end; `destroyed`: on time, then torn down. */
export type DayResultKind = 'ready' | 'destroyed' | 'late' | 'failed' | 'skipped' | 'running';

export interface DeveloperSummary {
  developer: string;
  timezone: string;
  result: DayResultKind;
  /** The instant of the developer's readyBy on the rehearsed day, and the same on their wall clock. */
  readyBy: string;
  readyByLocal: string;
  /** The instant of the scheduled teardown. */
  teardownAt: string;
  /** The virtual instant the environment was ready, and the same in the developer's zone. */
  readyAt?: string;
  readyAtLocal?: string;
  /** readyBy − readyAt in whole minutes: positive when early, negative when late. */
  marginMinutes?: number;
  /** Why it failed, was late, or was skipped. */
  reason?: string;
  /** What happened to the developer's day, in a sentence. */
  happened: string;
  up?: RunSummary;
  down?: RunSummary;
}

/** Failures of the day: failed runs and late clusters. */
export const isFailure = (row: DeveloperSummary) => row.result === 'failed' || row.result === 'late';

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
    failedIn: execution.status === 'FAILED' ? failedStep(execution) : undefined,
    executionArn: execution.arn,
  };
}

const STEP_WORDS: Record<Step, string> = {
  claim: 'the claim',
  apply: 'Terraform apply',
  cluster: 'the wait for the cluster',
  deploy: 'the deploy',
  notify: 'the Slack message',
  destroy: 'the destroy',
  failure: 'the failure path',
};

/** A warm pool member's day as a row reads it: the team's zone, ready by the pool's start and down at its end. */
function poolScheduleOn(date: string, config: TurboConfig): { timezone: string; readyBy: string; teardownAt: string } {
  const hours = poolHoursOn(date, config);
  if ('closed' in hours) return { timezone: config.timezone, readyBy: config.readyBy, teardownAt: config.teardownAt };
  const wallClock = (at: DateTime) => at.setZone(zoneNamed(config.timezone)).toFormat('HH:mm');
  return { timezone: config.timezone, readyBy: wallClock(hours.start), teardownAt: wallClock(hours.end) };
}

/**
 * The rehearsed day's runs, per roster developer (and per orphan owner). The rehearsal starts no environment run of
 * another local day (see day.ts), so every environment execution belongs here. `records` (the store at the end of the
 * day) lets a skip date give its reason.
 */
export function summarise(
  config: TurboConfig,
  executions: LocalExecution[],
  date: string,
  records?: Map<string, EnvironmentRecord>,
): DeveloperSummary[] {
  const environment = executions.filter((execution) => execution.machine === 'environment');
  const owners = new Set([
    ...config.developers.map((dev) => dev.name),
    ...environment.map((execution) => String(execution.input.developer)),
  ]);
  const members = new Map(config.developers.map((dev) => [dev.name, dev]));
  const runsOf = Map.groupBy(environment, (execution) => String(execution.input.developer));
  return [...owners].sort().map((developer) => {
    const member = members.get(developer);
    const schedule = member
      ? scheduleOf(config, member)
      : isPoolMember(developer)
        ? poolScheduleOn(date, config)
        : { timezone: 'UTC', readyBy: config.readyBy, teardownAt: config.teardownAt };
    const midnight = startOfLocalDate(date, schedule.timezone);
    const readyBy = atLocalTime(midnight, schedule.readyBy);
    const teardown = atLocalTime(midnight, schedule.teardownAt);
    const local = (millis: number) => DateTime.fromMillis(millis, { zone: zoneNamed(schedule.timezone) }).toFormat('HH:mm');
    const mine = (runsOf.get(developer) ?? []).sort((a, b) => a.startedAt - b.startedAt);
    const up = mine.find((execution) => execution.input.action === 'up');
    const down = mine.find((execution) => execution.input.action === 'down');
    const ready = up && readyAt(up);
    const margin = ready === undefined ? undefined : marginMinutes(readyBy.toMillis(), ready);
    const failed = [up, down].find((execution) => execution?.status === 'FAILED');
    const running = [up, down].find((execution) => execution?.status === 'RUNNING');
    const late = margin !== undefined && margin < 0;
    const result: DayResultKind = failed ? 'failed' : running ? 'running' : late ? 'late' : down ? 'destroyed' : up ? 'ready' : 'skipped';

    const readySentence = ready === undefined ? undefined : `ready ${local(ready)} (${formatMargin(margin!)})`;
    const downSentence = !down
      ? undefined
      : down.status === 'SUCCEEDED'
        ? `destroyed ${local(down.endedAt!)}`
        : down.status === 'RUNNING'
          ? `being destroyed since ${local(down.startedAt)}`
          : `the down failed in ${STEP_WORDS[failedStep(down) ?? 'destroy']} at ${local(down.endedAt!)}`;
    let reason: string | undefined;
    let happened: string;
    if (result === 'skipped') {
      const desire = member ? scheduledDesire(readyBy.toJSDate(), config, developer, records?.get(developer)) : undefined;
      const unstarted = desire?.action === 'up' ? `no run started, though the schedule wanted one (${desire.reason})` : desire?.reason;
      reason = unstarted ?? 'not in the roster';
      happened = `skipped: ${reason}`;
    } else if (failed) {
      reason = failed.cause;
      const upFailed =
        up?.status === 'FAILED' ? `the up failed in ${STEP_WORDS[failedStep(up) ?? 'claim']} at ${local(up.endedAt!)}` : undefined;
      const cleanup = upFailed && !down ? 'nothing has torn it down yet' : undefined;
      happened = [readySentence, upFailed, downSentence ?? cleanup].filter(Boolean).join(', then ');
    } else if (late) {
      const took = Math.round((ready! - up!.startedAt) / 60_000);
      const leadStart = readyBy.minus({ minutes: config.leadMinutes }).toMillis();
      const after = Math.round((up!.startedAt - leadStart) / 60_000);
      const start = after > 0 ? `${after} min after readyBy − leadMinutes (${local(leadStart)})` : `at readyBy − leadMinutes or before`;
      reason =
        `late: ready at ${local(ready!)} for readyBy ${schedule.readyBy} (${-margin!} min late); ` +
        `the up started at ${local(up!.startedAt)}, ${start}, and took ${took} min against a lead of ${config.leadMinutes} min`;
      happened = [readySentence, downSentence].filter(Boolean).join(', then ');
    } else if (running) {
      happened = `still running at the end of the rehearsal: ${running.input.action} run ${running.name}`;
      if (readySentence) happened = `${readySentence}; ${happened}`;
    } else {
      happened = [readySentence ?? 'no ready time', downSentence ?? 'still up'].join(', then ');
    }
    return {
      developer,
      timezone: schedule.timezone,
      result,
      readyBy: readyBy.toUTC().toISO()!,
      readyByLocal: schedule.readyBy,
      teardownAt: teardown.toUTC().toISO()!,
      readyAt: ready === undefined ? undefined : new Date(ready).toISOString(),
      readyAtLocal: ready === undefined ? undefined : local(ready),
      marginMinutes: margin,
      reason,
      happened,
      up: up && runSummary(up),
      down: down && runSummary(down),
    };
  });
}

const minutes = (seconds?: number) => (seconds === undefined ? '-' : `${Math.round(seconds / 60)} min`);

export function formatSummaryTable(rows: DeveloperSummary[]): string {
  const header = [
    'developer',
    'zone',
    'result',
    'ready by (local)',
    'ready at',
    'up took',
    'up transitions',
    'down transitions',
    'what happened',
  ];
  const body = rows.map((row) => [
    row.developer,
    row.timezone,
    row.result,
    row.marginMinutes === undefined ? row.readyByLocal : `${row.readyByLocal} (${formatMargin(row.marginMinutes)})`,
    row.readyAtLocal ?? '-',
    minutes(row.up?.durationSeconds),
    String(row.up?.transitions ?? '-'),
    String(row.down?.transitions ?? '-'),
    row.happened.length > 110 ? `${row.happened.slice(0, 109)}…` : row.happened,
  ]);
  return formatTable(header, body, { rule: true });
}

/** The nearest-rank percentile (p in 0..100) of values; 0 for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface Stats {
  count: number;
  mean: number;
  max: number;
}

function stats(values: number[]): Stats {
  if (values.length === 0) return { count: 0, mean: 0, max: 0 };
  return {
    count: values.length,
    mean: Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 10) / 10,
    max: Math.max(...values),
  };
}

function peaksOf(
  executions: DayResult['executions'],
): Record<string, { executions: number; payloadBytes: number; payloadState: string; historyEvents: number }> {
  const peaks: ReturnType<typeof peaksOf> = {};
  for (const execution of executions) {
    const peak = (peaks[execution.machine] ??= { executions: 0, payloadBytes: 0, payloadState: '', historyEvents: 0 });
    peak.executions += 1;
    if ((execution.peakPayload?.bytes ?? 0) > peak.payloadBytes)
      Object.assign(peak, { payloadBytes: execution.peakPayload!.bytes, payloadState: execution.peakPayload!.state });
    peak.historyEvents = Math.max(peak.historyEvents, execution.historyEvents);
  }
  return peaks;
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
    /** Per state machine (a Distributed Map's children under `<machine>/<state>`): the largest payload and history of any execution. */
    peaks: peaksOf(result.executions),
    /** Every state transition of the day, all machines and Map Run children included (bench/workflow divides it per developer). */
    totalTransitions: result.executions.reduce((sum, execution) => sum + execution.transitions, 0),
    detectionDelaySeconds: Object.fromEntries(
      (['apply', 'deploy', 'destroy'] as const).map((kind) => [
        kind,
        stats(delays.filter((delay) => delay.kind === kind).map((delay) => delay.delayMs / 1000)),
      ]),
    ),
  };
}

export type Metrics = ReturnType<typeof metricsOf>;

/** The closing lines: the day's verdicts, the up time's p50/p95, and the figures of metrics.json. */
export function formatAggregates(rows: DeveloperSummary[], metrics: Metrics): string {
  const count = (kind: DayResultKind) => rows.filter((row) => row.result === kind).length;
  const onTime = count('ready') + count('destroyed');
  const upSeconds = rows.flatMap((row) => (row.readyAt && row.up ? [(Date.parse(row.readyAt) - Date.parse(row.up.startedAt)) / 1000] : []));
  const delay = (kind: 'apply' | 'deploy' | 'destroy') => {
    const figures = metrics.detectionDelaySeconds[kind]!;
    return `${kind} mean ${Math.round(figures.mean)} s, max ${Math.round(figures.max)} s`;
  };
  return [
    `Ready on time ${onTime}, late ${count('late')}, failed ${count('failed')}, skipped ${count('skipped')}` +
      `${count('running') ? `, still running ${count('running')}` : ''} (of ${rows.length})`,
    `Up time (start to ready): p50 ${minutes(percentile(upSeconds, 50))}, p95 ${minutes(percentile(upSeconds, 95))} ` +
      `over ${upSeconds.length} cluster(s)`,
    `Per up: ${metrics.upTransitions.mean} transitions (max ${metrics.upTransitions.max}), ` +
      `${metrics.upLambdaInvocations.mean} Lambda calls; per down: ${metrics.downTransitions.mean} transitions ` +
      `(max ${metrics.downTransitions.max}), ${metrics.downLambdaInvocations.mean} Lambda calls`,
    `Reconcile: ${metrics.reconcileExecutions} run(s), ${metrics.reconcileTransitions} transitions; a finished job was seen after: ` +
      `${delay('apply')}; ${delay('deploy')}; ${delay('destroy')}`,
  ].join('\n');
}

/** The run report's rows: one per developer, the day's up and down side by side on one line. */
export function reportRows(summary: DeveloperSummary[], timeline: TimelineRow[], region: string): RunReportInput['rows'] {
  const entriesOf = Map.groupBy(timeline, (entry) => entry.runId);
  return summary.map((row) => {
    const runs = [...new Set([row.up?.runId, row.down?.runId])].filter((run): run is string => run !== undefined);
    const failed = [row.up, row.down].find((run) => run?.status === 'FAILED') ?? (row.result === 'late' ? row.up : undefined);
    return {
      developer: row.developer,
      result: row.result,
      timezone: row.timezone,
      readyAt: row.readyAt,
      readyBy: row.readyBy,
      teardownAt: row.teardownAt,
      reason: row.reason,
      executionUrl: failed && executionConsoleUrl(failed.executionArn, region),
      segments: runs.flatMap((run) => (entriesOf.get(run) ?? []).flatMap((entry) => entry.segments)),
    };
  });
}
