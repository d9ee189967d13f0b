/**
 * The soak's invariants (issue 14, section 4): pure functions over what the soak observed. Each broken one names
 * the invariant, the day, the developer and the execution, so that a failing soak says where to look.
 */
import { DateTime } from 'luxon';
import { SFN_HISTORY_LIMIT_EVENTS, SFN_PAYLOAD_LIMIT_BYTES } from '../../functions/adapters/memory/limits';
import { runIdOfJob } from '../../functions/core/jobs';

/** A sixth of DynamoDB's 400 KB: room for a record to grow for years, not weeks. */
export const RECORD_BUDGET_BYTES = 64 * 1024;
/** How long a cluster may outlive its teardown time before it counts as left running. */
export const TEARDOWN_GRACE_MS = 30 * 60_000;
export const OPS_MESSAGES_ON_A_QUIET_DAY = 5;

export interface Broken {
  invariant: string;
  day: string;
  developer?: string;
  execution?: string;
  detail: string;
}

export interface ExecutionSeen {
  name: string;
  machine: string;
  developer?: string;
  day: string;
  status: string;
  error?: string;
  cause?: string;
  historyEvents: number;
  peakPayload: { bytes: number; state: string };
  redrives: number;
}

export interface MessageSeen {
  day: string;
  /** The recipient's own date: a daily message on two of their days is two events, not a duplicate. */
  recipientDay: string;
  to: string;
  ops: boolean;
  developer?: string;
  text: string;
  /** The message's text and blocks: what says which event it is about (its reason, its execution's link). */
  body: string;
  /** A reply to a self-service request: the same reply to two requests is two events. */
  reply?: boolean;
  /** The execution whose Lambda sent it (none for a message sent outside one, as by Slack self-service). */
  execution?: string;
}

/** Hourly: no record above the budget. */
export function recordSizes(day: string, bytes: Map<string, number>): Broken[] {
  return [...bytes]
    .filter(([, size]) => size > RECORD_BUDGET_BYTES)
    .map(([developer, size]) => ({
      invariant: 'record-size',
      day,
      developer,
      detail: `record is ${size} bytes, over the ${RECORD_BUDGET_BYTES}-byte budget`,
    }));
}

/**
 * Hourly: a live cluster past its owner's teardown by more than the grace, unless kept (or its destroy is known to
 * have failed). A hibernated cluster is torn down once its nodes are 0: its control plane is meant to stay.
 */
export function lateTeardowns(
  day: string,
  now: number,
  clusters: { name: string; owner: string; createdAt: number; hibernatedWithNoNodes?: boolean }[],
  teardownOf: (owner: string, createdAt: number) => number | undefined,
  excused: (owner: string) => boolean,
): Broken[] {
  return clusters.flatMap((cluster) => {
    if (cluster.hibernatedWithNoNodes) return [];
    const teardown = teardownOf(cluster.owner, cluster.createdAt);
    if (teardown === undefined || now <= teardown + TEARDOWN_GRACE_MS || excused(cluster.owner)) return [];
    const late = Math.round((now - teardown) / 60_000);
    return [{ invariant: 'teardown', day, developer: cluster.owner, detail: `${cluster.name} is alive ${late} min past its teardown` }];
  });
}

/**
 * Hourly: a hibernated cluster's empty node group is of its owner's configured capacity, so the next wake grows
 * those nodes: a Spot fallback's On-Demand group is replaced the evening it hibernates.
 */
export function hibernatedCapacity(
  day: string,
  clusters: { name: string; owner: string; capacity: 'spot' | 'on-demand'; configured: 'spot' | 'on-demand' }[],
): Broken[] {
  return clusters
    .filter((cluster) => cluster.capacity !== cluster.configured)
    .map((cluster) => ({
      invariant: 'hibernated-capacity',
      day,
      developer: cluster.owner,
      detail: `${cluster.name} is hibernated with ${cluster.capacity} nodes, but its owner's are ${cluster.configured}`,
    }));
}

/** Hourly: every tagged cluster has a record. */
export function orphans(day: string, clusters: { name: string; owner: string }[], hasRecord: (owner: string) => boolean): Broken[] {
  return clusters
    .filter((cluster) => !hasRecord(cluster.owner))
    .map((cluster) => ({
      invariant: 'tagged-without-record',
      day,
      developer: cluster.owner,
      detail: `${cluster.name} is tagged for ${cluster.owner}, who has no record`,
    }));
}

/** Per day: everyone due is ready by readyBy, or the report says why. */
export function readiness(
  day: string,
  due: { developer: string; readyBy: number; readyAt?: number; reason?: string; execution?: string }[],
): Broken[] {
  return due
    .filter((dev) => (dev.readyAt === undefined || dev.readyAt > dev.readyBy) && !dev.reason)
    .map((dev) => ({
      invariant: 'ready-by',
      day,
      developer: dev.developer,
      execution: dev.execution,
      detail:
        dev.readyAt === undefined
          ? 'never ready, and no fault, skip or quota explains it'
          : `ready ${Math.round((dev.readyAt - dev.readyBy) / 60_000)} min late, unexplained`,
    }));
}

/** A runner job as the soak saw it: its run ID, when it was asked for, when it left the queue, when it freed its slot. */
export interface RunnerJobSeen {
  runId: string;
  requestedAt: number;
  launchedAt?: number;
  endsAt: number;
}

/** What a run's runner jobs waited in the runner's queue, from when the first that waited asked. */
export interface QueueWait {
  waitedMs: number;
  firstAskedAt: number;
}

/** Each run's wait in the runner's queue, by run ID (its retries' jobs counted with it). */
export function queueWaits(jobs: RunnerJobSeen[]): Map<string, QueueWait> {
  const waits = new Map<string, QueueWait>();
  for (const job of jobs) {
    if (job.launchedAt === undefined || job.launchedAt <= job.requestedAt) continue;
    const run = runIdOfJob(job.runId);
    const wait = waits.get(run) ?? waits.set(run, { waitedMs: 0, firstAskedAt: job.requestedAt }).get(run)!;
    wait.waitedMs += job.launchedAt - job.requestedAt;
    wait.firstAskedAt = Math.min(wait.firstAskedAt, job.requestedAt);
  }
  return waits;
}

/** Up to 3 jobs of other runs, asked for before `at`, that held runner slots at `at`: what a run waited behind. */
export function slotHolders(jobs: RunnerJobSeen[], run: string, at: number): string[] {
  return jobs
    .filter((job) => job.requestedAt < at && job.launchedAt !== undefined && job.launchedAt <= at && job.endsAt > at)
    .map((job) => job.runId)
    .filter((holder) => runIdOfJob(holder) !== run)
    .slice(0, 3);
}

/**
 * Why a developer may be late, as the report gives it: a fault or a manual action that day, their up failed (or
 * failed and was redriven), the planner predicted the miss as the date began (the runner quota, or a lead too
 * short), or their jobs waited for a runner slot at least as long as they were late: the quota, filled by what the
 * day's plan did not hold (a manual run, a retry, a job running past its expected end). Undefined when nothing
 * explains a miss.
 */
export function lateReason(known: {
  excused: boolean;
  up?: Pick<ExecutionSeen, 'status' | 'error' | 'redrives'>;
  predictedMiss?: string;
  lateMs?: number;
  queued?: { waitedMs: number; behind: string[] };
}): string | undefined {
  const { excused, up, predictedMiss, lateMs, queued } = known;
  if (excused) return 'fault or manual action';
  if (up?.status === 'FAILED') return `failed: ${up.error}`;
  // It failed, was told, and an operator redrove it: late by the redrive, for a reason the report names.
  if (up && up.redrives > 0) return `failed, then redriven ${up.redrives}×`;
  if (predictedMiss) return `predicted at plan time: ${predictedMiss}`;
  if (lateMs !== undefined && queued && queued.waitedMs >= lateMs) {
    const behind = queued.behind.length > 0 ? ` behind ${queued.behind.join(', ')}` : '';
    return `the runner quota: its jobs waited ${Math.ceil(queued.waitedMs / 60_000)} min for a slot${behind}`;
  }
  return undefined;
}

/**
 * Per day: no message twice to the same recipient on the same day of theirs, compared whole (two failures at one step
 * differ by reason, two runs by their link); a reply at most once per request that day (`requestsOf`); a quiet ops
 * channel on a day without failures.
 */
export function messages(
  day: string,
  sent: MessageSeen[],
  failures: number,
  requestsOf: (developer: string | undefined, recipientDay: string) => number = () => 0,
): Broken[] {
  const broken: Broken[] = [];
  const earlier = new Map<string, MessageSeen[]>();
  for (const message of sent) {
    const key = `${message.to}\u0000${message.recipientDay}\u0000${message.body}`;
    const same = earlier.get(key) ?? earlier.set(key, []).get(key)!;
    same.push(message);
    const allowed = message.reply ? Math.max(1, requestsOf(message.developer, message.recipientDay)) : 1;
    if (same.length <= allowed) continue;
    const by = `by ${same[0]!.execution ?? 'no execution'}, then by ${message.execution ?? 'no execution'}`;
    const what = message.reply ? `replied ${same.length} times to ${allowed} request(s)` : 'sent twice';
    broken.push({
      invariant: 'duplicate-message',
      day,
      developer: message.developer,
      execution: message.execution,
      detail: `${what} to ${message.to} (${by}): ${message.text.slice(0, 100)}`,
    });
  }
  const ops = sent.filter((message) => message.ops).length;
  if (failures === 0 && ops > OPS_MESSAGES_ON_A_QUIET_DAY) {
    broken.push({
      invariant: 'quiet-ops',
      day,
      detail: `${ops} ops messages on a day without failures (at most ${OPS_MESSAGES_ON_A_QUIET_DAY})`,
    });
  }
  return broken;
}

/** Per failed environment execution: its developer and ops heard of it, once per failed attempt at most. */
export function failuresReported(failed: ExecutionSeen[], sent: MessageSeen[]): Broken[] {
  // Only the ops channel's messages and the developer's own DMs can count, so only those are searched: over months,
  // scanning every message for every failure is what made the soak's accounting quadratic.
  const opsMessages = sent.filter((message) => message.ops);
  const dmsOf = Map.groupBy(
    sent.filter((message) => !message.ops && message.developer !== undefined),
    (message) => message.developer!,
  );
  return failed.flatMap((execution) => {
    const candidates = [...opsMessages, ...(execution.developer === undefined ? [] : (dmsOf.get(execution.developer) ?? []))];
    const about = candidates.filter((message) => message.body.includes(execution.name));
    const ops = about.filter((message) => message.ops).length;
    const dm = about.filter((message) => !message.ops && message.developer === execution.developer).length;
    const attempts = execution.redrives + 1;
    if (ops >= 1 && ops <= attempts && dm >= 1 && dm <= attempts) return [];
    return [
      {
        invariant: 'failure-reported-once',
        day: execution.day,
        developer: execution.developer,
        execution: execution.name,
        detail: `ops told ${ops}×, developer ${dm}× (${attempts} attempt(s))`,
      },
    ];
  });
}

/** Per execution: within the history and payload limits; never AccessDenied. */
export function executionLimits(executions: ExecutionSeen[]): Broken[] {
  return executions.flatMap((execution) => {
    const broken: Broken[] = [];
    const at = { day: execution.day, developer: execution.developer, execution: execution.name };
    if (execution.historyEvents > SFN_HISTORY_LIMIT_EVENTS || execution.error === 'States.Runtime') {
      broken.push({
        invariant: 'history-events',
        ...at,
        detail: `${execution.historyEvents} history events (limit ${SFN_HISTORY_LIMIT_EVENTS})`,
      });
    }
    if (execution.peakPayload.bytes > SFN_PAYLOAD_LIMIT_BYTES || execution.error === 'States.DataLimitExceeded') {
      broken.push({
        invariant: 'state-payload',
        ...at,
        detail: `${execution.peakPayload.bytes} bytes at ${execution.peakPayload.state} (limit ${SFN_PAYLOAD_LIMIT_BYTES})`,
      });
    }
    if (
      /AccessDenied(Exception)?\b.*not authorized|is not authorized to perform|AccessDeniedException/.test(
        `${execution.error} ${execution.cause}`,
      )
    ) {
      broken.push({ invariant: 'access-denied', ...at, detail: String(execution.cause).slice(0, 200) });
    }
    return broken;
  });
}

/** Per developer: the measured cluster cost per plain working day within 5% of `turbo cost`'s figure. */
export function costs(day: string, measured: { developer: string; hours: number; expectedHours: number }[]): Broken[] {
  return measured
    .filter((dev) => Math.abs(dev.hours - dev.expectedHours) > 0.05 * dev.expectedHours)
    .map((dev) => ({
      invariant: 'cost',
      day,
      developer: dev.developer,
      detail: `${dev.hours.toFixed(2)} cluster hours a day against turbo cost's ${dev.expectedHours.toFixed(2)}`,
    }));
}

/** The team-zone date of an instant: the soak's "day". */
export function dayOf(at: number, zone: string): string {
  return DateTime.fromMillis(at, { zone }).toISODate()!;
}
