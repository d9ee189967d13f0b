/**
 * The fault matrix: the rehearsed day once per fault, each aimed at one developer, then the fix an operator would
 * make and a redrive (or, where nothing failed, a replay with the same input). Each row says who was affected, what
 * the record says, whether ops heard of it, whether the replay converged, and what the replay did twice.
 */
import { DateTime } from 'luxon';
import { clusterNameOf, memberOf, scheduleOf, WEEKDAYS, type DeveloperConfig, type TurboConfig } from '../functions/core/config';
import { manualRunIdFor } from '../functions/core/plan';
import { jobEffectHolds } from '../functions/core/jobs';
import type { FaultPoint, MemoryCloud, SentMessage } from '../functions/adapters/memory/cloud';
import type { MemoryJob } from '../functions/adapters/memory/runner';
import type { EnvironmentStatus, JobKind } from '../functions/core/types';
import { dayWindow, RECONCILE_EVERY_MS, startRehearsal, tickReconcile, type Rehearsal } from './rehearsal/day';
import { asOperator, type LocalExecution } from './rehearsal/local-sfn';
import type { PackagedStack } from './rehearsal/packaged';
import type { DeniedCall } from './rehearsal/enforce';
import { formatTable } from './table';

export interface FaultCase {
  /** What goes wrong, as the table shows it. */
  fault: string;
  /** The in-memory cloud's fault point, or a second claimer started beside the scheduled run. */
  inject: FaultPoint | 'second-claimer';
  /** The morning is enough for faults on the way up; a teardown fault needs the whole day. */
  until: 'ready' | 'end-of-day';
  /** The target's own settings for the case (hibernate mode, Spot nodes); everyone else keeps the roster's. */
  target?: Partial<Pick<DeveloperConfig, 'mode' | 'nodes'>>;
  /** A wake needs a hibernated cluster: the rehearsal starts on the target's working day before, whose evening hibernates it. */
  fromDayBefore?: boolean;
}

const HIBERNATE = { mode: 'hibernate' } as const;

export const FAULT_CASES: FaultCase[] = [
  { fault: 'apply job fails', inject: 'apply', until: 'ready' },
  { fault: 'apply job hangs past its timeout', inject: 'apply-hang', until: 'ready' },
  { fault: 'cluster goes to FAILED', inject: 'cluster', until: 'ready' },
  { fault: 'deploy job fails', inject: 'deploy', until: 'ready' },
  { fault: 'runner unreachable', inject: 'runner-down', until: 'ready' },
  { fault: 'Slack 429, then 500, then invalid_auth', inject: 'slack-429-500-invalid-auth', until: 'ready' },
  { fault: 'DynamoDB conditional conflict, two claimers', inject: 'second-claimer', until: 'ready' },
  { fault: 'Lambda throws a transient error twice', inject: 'lambda-transient', until: 'ready' },
  { fault: 'destroy job fails', inject: 'destroy', until: 'end-of-day' },
  { fault: 'hibernate leaves an instance running', inject: 'hibernate', until: 'end-of-day', target: HIBERNATE },
  { fault: 'hibernate job succeeds, nodes stay up', inject: 'hibernate-silent', until: 'end-of-day', target: HIBERNATE },
  { fault: 'wake: no node can launch', inject: 'wake', until: 'ready', target: HIBERNATE, fromDayBefore: true },
  { fault: 'no Spot capacity: On-Demand fallback', inject: 'spot-capacity', until: 'ready', target: { nodes: { capacity: 'spot' } } },
];

export interface FaultRow {
  fault: string;
  target: string;
  /** Developers with a failed run, a failed record or a failure message. */
  affected: string[];
  /** The target's lastError, or what its runs ended with when nothing failed. */
  reason: string;
  opsTold: boolean;
  /** Failure reports to ops about the target, in the day and its replay: a failure is told once. */
  opsReports: number;
  /** A failure stays on the record, unchanged, through the next reconcile tick of the same day. */
  visibleAfterNextTick: boolean | 'n/a';
  /** What the operator did before the replay: cleared the fault, aborted a hung job, repaired a node group. */
  fix: string;
  /** What the replay was: `redrive <run>` of the failed run, or `replay <runs>` with the same input, one by one. */
  replay: string;
  converged: boolean;
  /** Jobs whose kind had already succeeded for the target, started again by the replay. */
  duplicateJobs: number;
  /** DMs of a kind the target already had (ready, destroyed) and failure reports, sent by the replay. */
  duplicateMessages: number;
  /** Jobs of a kind started again after one succeeded, and DMs of a kind sent twice, during the day itself. */
  duplicatesInDay: number;
  /** Every other developer ended as a fault-free day leaves them (ready, or destroyed after their teardown). */
  othersUnaffected: boolean;
  /** What of the target still runs after the replay and should not: a cluster not destroyed, nodes not hibernated. */
  leftRunning: string[];
  /** AWS calls a role refused, in the day and its replay (IAM enforced by execution: cli/rehearsal/enforce.ts). */
  accessDenied: DeniedCall[];
  /** AWS calls made with no function or operator to hold them to: a lost invocation context. */
  unattributedCalls: number;
}

export interface FaultMatrixOptions {
  config: TurboConfig;
  stack: PackagedStack;
  root: string;
  /** A working day (team zone). */
  date: string;
  target: string;
  cases?: FaultCase[];
}

/** What the matrix tells apart: a failure report, to ops or to the developer, is one kind. */
type OutcomeKind = 'ready' | 'destroyed' | 'hibernated' | 'failure' | 'other';
const OUTCOME_DMS: OutcomeKind[] = ['ready', 'destroyed', 'hibernated'];

function kindOf(message: SentMessage): OutcomeKind {
  if (message.kind === 'ready' || message.kind === 'destroyed' || message.kind === 'hibernated') return message.kind;
  if (message.kind === 'failure' || message.kind === 'failure-dm') return 'failure';
  return 'other';
}

const DAY_RUN = (date: string) => new RegExp(`-(up|down)-${date.replaceAll('-', '')}`);

function runsOf(executions: Iterable<LocalExecution>, developer: string, date: string): LocalExecution[] {
  return [...executions].filter(
    (execution) => execution.machine === 'environment' && execution.input.developer === developer && DAY_RUN(date).test(execution.name),
  );
}

/** The developer's jobs started since `since` (the faulted day's start), oldest first. */
function jobsOf(cloud: MemoryCloud, developer: string, since: number): MemoryJob[] {
  return [...cloud.jobs.values()]
    .filter((job) => job.handle.developer === developer && Date.parse(job.handle.startedAt) >= since)
    .sort((a, b) => Date.parse(a.handle.startedAt) - Date.parse(b.handle.startedAt));
}

/**
 * A job that succeeded and whose effect holds: an apply whose cluster then failed, or a hibernate that left the
 * nodes up, did not do its job (core/jobs jobEffectHolds), and running it again is the fix, not a duplicate.
 */
async function didItsJob(cloud: MemoryCloud, job: MemoryJob): Promise<boolean> {
  if ((await asOperator(() => cloud.runner.status(job.handle))).state !== 'succeeded') return false;
  return jobEffectHolds(job.handle.kind, await asOperator(() => cloud.clusters.describe(clusterNameOf(job.handle.developer))));
}

/** Jobs started per kind for the developer, and which kinds have done their job at least once. */
async function jobLedger(
  cloud: MemoryCloud,
  developer: string,
  since: number,
): Promise<{ started: Record<JobKind, number>; succeeded: Set<JobKind> }> {
  const started = { apply: 0, deploy: 0, destroy: 0, hibernate: 0, wake: 0 };
  const succeeded = new Set<JobKind>();
  for (const job of jobsOf(cloud, developer, since)) {
    started[job.handle.kind] += 1;
    if (await didItsJob(cloud, job)) succeeded.add(job.handle.kind);
  }
  return { started, succeeded };
}

/** Where a developer may be when the rehearsal stops, on a day without faults (mid-teardown, either side of it). */
function expectedStatuses(config: TurboConfig, developer: string, date: string, at: number): EnvironmentStatus[] {
  const dev = memberOf(config, developer)!;
  const schedule = scheduleOf(config, dev);
  const teardown = DateTime.fromISO(`${date}T${schedule.teardownAt}`, { zone: schedule.timezone }).toMillis();
  if (at < teardown) return ['ready'];
  return at >= teardown + (config.jobs.destroyMinutes + 15) * 60_000 ? ['destroyed'] : ['ready', 'destroying', 'destroyed'];
}

/** Since `since`: kinds of job that did their job and were started again, plus DMs of a kind sent more than once. */
async function duplicatesOf(cloud: MemoryCloud, developer: string, since: number): Promise<number> {
  let duplicates = 0;
  const succeeded = new Set<JobKind>();
  for (const job of jobsOf(cloud, developer, since)) {
    if (succeeded.has(job.handle.kind)) duplicates += 1;
    if (await didItsJob(cloud, job)) succeeded.add(job.handle.kind);
  }
  const dmKinds = cloud.outbox
    .filter((message) => message.developer === developer && Date.parse(message.at) >= since)
    .map(kindOf)
    .filter((kind) => OUTCOME_DMS.includes(kind));
  return duplicates + dmKinds.length - new Set(dmKinds).size;
}

/** What of the developer's cluster still runs once it should be destroyed (the cluster) or hibernated (instances). */
function leftRunningOf(cloud: MemoryCloud, developer: string, wanted: EnvironmentStatus): string[] {
  const name = clusterNameOf(developer);
  const cluster = cloud.clusterMap.get(name);
  if (wanted === 'destroyed') return cluster && !(cluster.goneAt !== undefined && cluster.goneAt <= Date.now()) ? [`cluster ${name}`] : [];
  const { instances } = cloud.nodegroups.view(name, Date.now());
  return wanted === 'hibernated' && instances > 0 ? [`${instances} instance(s) of ${name}`] : [];
}

/** The target's settings for a case: the roster with the case's own mode or nodes for the target. */
function withTarget(config: TurboConfig, target: string, settings: FaultCase['target']): TurboConfig {
  if (!settings) return config;
  return { ...config, developers: config.developers.map((dev) => (dev.name === target ? { ...dev, ...settings } : dev)) };
}

/** The developer's last working day before `date` (their zone, days and holidays). */
function workingDayBefore(config: TurboConfig, dev: DeveloperConfig, date: string): string {
  const schedule = scheduleOf(config, dev);
  let day = DateTime.fromISO(date, { zone: schedule.timezone });
  for (let i = 0; i < 14; i++) {
    day = day.minus({ days: 1 });
    const iso = day.toISODate()!;
    if (schedule.workingDays.includes(WEEKDAYS[day.weekday - 1]!) && !schedule.holidays.includes(iso)) return iso;
  }
  throw new Error(`${dev.name} has no working day in the two weeks before ${date}`);
}

/** Runs reconcile on its schedule from now until `until` (virtual time), as the cron would. */
async function reconcileUntil(rehearsal: Rehearsal, until: number): Promise<void> {
  tickReconcile(rehearsal.sfn);
  const schedule = setInterval(() => (Date.now() <= until ? tickReconcile(rehearsal.sfn) : clearInterval(schedule)), RECONCILE_EVERY_MS);
  await rehearsal.advance(until);
  clearInterval(schedule);
}

/** How long a redrive may take to converge: a whole up (apply, cluster, deploy) or down, with margin. */
const REPLAY_WINDOW_MS = 90 * 60_000;

export async function runFaultCase(options: FaultMatrixOptions, faultCase: FaultCase): Promise<FaultRow> {
  const { date, target } = options;
  const config = withTarget(options.config, target, faultCase.target);
  const window = dayWindow(config, date);
  const point = faultCase.inject === 'second-claimer' ? undefined : faultCase.inject;
  const member = memberOf(config, target);
  if (!member) throw new Error(`fault target ${JSON.stringify(target)} is not in the roster`);
  const start = faultCase.fromDayBefore ? dayWindow(config, workingDayBefore(config, member, date)).start : window.start;
  // A teardown fault is watched until the end of the target's own day: the next day's reconcile starts a new down.
  const endOfTargetDay = DateTime.fromISO(`${date}T23:59`, { zone: scheduleOf(config, member).timezone }).toMillis();
  const until = faultCase.until === 'ready' ? window.readyBy : Math.min(window.end, endOfTargetDay);

  let sfn: Rehearsal['sfn'] | undefined;
  let rivalStarted = false;
  const rehearsal = startRehearsal(
    {
      config,
      stack: options.stack,
      root: options.root,
      faults: point ? [{ developer: target, point }] : [],
      onStateEntered: (execution, visit) => {
        // The second claimer: a manual `/turbo up` for the target, started the moment the scheduled run claims.
        if (
          faultCase.inject !== 'second-claimer' ||
          rivalStarted ||
          visit.name !== 'ClaimEnvironment' ||
          execution.input.developer !== target
        )
          return;
        rivalStarted = true;
        const runId = manualRunIdFor(target, 'up', new Date(), scheduleOf(config, member).timezone);
        sfn!.startExecution('environment', runId, { ...execution.input, runId });
      },
    },
    start,
  );
  sfn = rehearsal.sfn;
  const { cloud } = rehearsal;
  try {
    await reconcileUntil(rehearsal, until);
    const dayRuns = runsOf(sfn.executions.values(), target, date);
    const failedRun = dayRuns.find((execution) => execution.status === 'FAILED');
    const record = cloud.records.get(target);
    const ops = cloud.outbox.filter((message) => message.to.channel === config.slack.opsChannel);

    const affected = config.developers
      .map((dev) => dev.name)
      .filter(
        (name) =>
          runsOf(sfn!.executions.values(), name, date).some((execution) => execution.status === 'FAILED') ||
          cloud.records.get(name)?.status === 'failed' ||
          cloud.outbox.some((message) => kindOf(message) === 'failure' && message.text.includes(name)),
      );
    const othersUnaffected = config.developers
      .filter((dev) => dev.name !== target)
      .every((dev) => expectedStatuses(config, dev.name, date, Date.now()).includes(cloud.records.get(dev.name)?.status ?? 'absent'));
    const duplicatesInDay = await duplicatesOf(cloud, target, window.start);

    // The next tick of the same day must leave a failure where it is: failed, with its reason, until someone acts.
    let visibleAfterNextTick: FaultRow['visibleAfterNextTick'] = 'n/a';
    if (record?.status === 'failed') {
      const executionsBefore = sfn.executions.size;
      tickReconcile(sfn);
      await rehearsal.advance(Date.now() + 60_000);
      const after = cloud.records.get(target);
      const newRuns = [...sfn.executions.values()].slice(executionsBefore).filter((execution) => execution.input.developer === target);
      visibleAfterNextTick = after?.status === 'failed' && after.lastError === record.lastError && newRuns.length === 0;
    }

    // The fix, then the replay. A hung job and a failed node group need none: the redrive starts a new job for them.
    // An instance a scale-down left running stays until someone terminates it, as in EC2.
    const terminated = cloud.nodegroups.terminateStuck(clusterNameOf(target));
    const fixes = [
      point && cloud.hasFault(target, point) ? 'cleared the fault' : '',
      terminated ? `terminated ${terminated} instance(s) left running` : '',
    ].filter(Boolean);
    if (point) cloud.clearFault(target, point);
    const before = await jobLedger(cloud, target, window.start);
    const outboxBefore = cloud.outbox.length;
    const replays: LocalExecution[] = [];
    for (const execution of failedRun ? [failedRun] : dayRuns) {
      replays.push(failedRun ? sfn.redrive(execution.arn) : sfn.startExecution('environment', `${execution.name}-replay`, execution.input));
      await rehearsal.advance(Date.now() + REPLAY_WINDOW_MS);
    }

    const after = await jobLedger(cloud, target, window.start);
    const duplicateJobs = (Object.keys(after.started) as JobKind[])
      .filter((kind) => before.succeeded.has(kind))
      .reduce((sum, kind) => sum + after.started[kind] - before.started[kind], 0);
    const sentByReplay = cloud.outbox
      .slice(outboxBefore)
      .filter((message) => message.developer === target || message.text.includes(target));
    const dmKindsBefore = new Set(
      cloud.outbox
        .slice(0, outboxBefore)
        .filter((message) => message.developer === target && Date.parse(message.at) >= window.start)
        .map(kindOf),
    );
    const duplicateMessages = sentByReplay.filter((message) => kindOf(message) === 'failure' || dmKindsBefore.has(kindOf(message))).length;
    const down = dayRuns.find((execution) => execution.input.action === 'down');
    const wanted: EnvironmentStatus = !down ? 'ready' : down.input.path === 'hibernate' ? 'hibernated' : 'destroyed';
    const converged = replays.every((execution) => execution.status === 'SUCCEEDED') && cloud.records.get(target)?.status === wanted;

    return {
      fault: faultCase.fault,
      target,
      affected,
      reason: record?.lastError ?? describeQuietEnd(dayRuns),
      opsTold: ops.some((message) => message.text.includes(target)),
      opsReports: cloud.outbox.filter(
        (message) => message.to.channel === config.slack.opsChannel && kindOf(message) === 'failure' && message.text.includes(target),
      ).length,
      visibleAfterNextTick,
      fix: fixes.join(', ') || 'none needed',
      replay: `${failedRun ? 'redrive' : 'replay'} ${(failedRun ? [failedRun] : dayRuns).map((execution) => execution.name).join(', ')}`,
      converged,
      duplicateJobs,
      duplicateMessages,
      duplicatesInDay,
      othersUnaffected,
      leftRunning: leftRunningOf(cloud, target, wanted),
      accessDenied: rehearsal.iam.denied,
      unattributedCalls: rehearsal.iam.unattributed.length,
    };
  } finally {
    rehearsal.stop();
  }
}

/** When nothing failed: how each of the target's runs ended (e.g. a claim lost to another run). */
function describeQuietEnd(runs: LocalExecution[]): string {
  return runs
    .map((execution) => {
      const claim = (execution.output as { claim?: { outcome?: string; owner?: string } } | undefined)?.claim;
      return claim?.outcome === 'lost'
        ? `${execution.name}: claim lost to ${claim.owner}, stopped touching nothing`
        : `${execution.name}: ${execution.status.toLowerCase()}`;
    })
    .join('; ');
}

export async function runFaultMatrix(options: FaultMatrixOptions, onRow: (row: FaultRow) => void = () => {}): Promise<FaultRow[]> {
  const rows: FaultRow[] = [];
  for (const faultCase of options.cases ?? FAULT_CASES) {
    const row = await runFaultCase(options, faultCase);
    onRow(row);
    rows.push(row);
  }
  return rows;
}

export function formatFaultTable(rows: FaultRow[]): string {
  const header = [
    'fault',
    'affected',
    'recorded reason',
    'ops told',
    'kept after next tick',
    'fix before replay',
    'replay',
    'converged',
    'dup jobs',
    'dup messages',
    'left running',
  ];
  const yesNo = (value: boolean | 'n/a') => (value === 'n/a' ? 'n/a' : value ? 'yes' : 'NO');
  const body = rows.map((row) => [
    row.fault,
    row.affected.length ? row.affected.join(', ') : 'none',
    row.reason.length > 80 ? `${row.reason.slice(0, 79)}…` : row.reason,
    yesNo(row.opsTold),
    yesNo(row.visibleAfterNextTick),
    row.fix,
    row.replay,
    yesNo(row.converged),
    String(row.duplicateJobs),
    String(row.duplicateMessages),
    row.leftRunning.join(', ') || 'nothing',
  ]);
  return formatTable(header, body, { rule: true });
}
