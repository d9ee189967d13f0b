/**
 * When image-sync tells the ops channel something, with no I/O. The channel hears about what rolled and what
 * failed; a run that changed nothing posts nothing, and a failure that persists (no release yet, a cluster whose
 * rollout keeps failing) is posted once, not every 10 minutes, until a run without failures lets it be told again.
 */
import { createHash } from 'node:crypto';

/** The ops record's keys of image-sync's failure reports. */
export const IMAGE_SYNC_FAILURE_KEY_PREFIX = 'image-sync-failure:';
/** At most this many distinct failure reports are remembered at once: past it they are forgotten and may repeat. */
export const MAX_FAILURE_KEYS = 20;

/**
 * The identity of a failure report: its parts (the reason, the images' tags, who failed) with numbers blurred, so
 * that "among its 3 tags" and "after 901 s" do not make a persisting failure look new on every run.
 */
export function failureReportKey(parts: string[]): string {
  return `${IMAGE_SYNC_FAILURE_KEY_PREFIX}${blurredDigest(parts)}`;
}

export const RECONCILE_FAILURE_KEY_PREFIX = 'reconcile-failure:';

const utcDay = (now: Date) => now.toISOString().slice(0, 10).replaceAll('-', '');

/**
 * The key of a reconcile failure's report on `now`'s UTC day: reconcile runs every 15 minutes, and a failure that
 * persists (a runner's credentials gone, say) is told once a day, not 96 times; a new failure is told at once.
 */
export function reconcileFailureKey(reason: string, now: Date): string {
  return `${RECONCILE_FAILURE_KEY_PREFIX}${utcDay(now)}:${blurredDigest([reason])}`;
}

/** The reconcile failure keys to forget at `now`: other days' (they can stop nothing again), and all past the bound. */
export function reconcileFailureKeysToForget(notified: readonly string[], now: Date): string[] {
  const keys = notified.filter((key) => key.startsWith(RECONCILE_FAILURE_KEY_PREFIX));
  const today = `${RECONCILE_FAILURE_KEY_PREFIX}${utcDay(now)}:`;
  const old = keys.filter((key) => !key.startsWith(today));
  return keys.length - old.length >= MAX_FAILURE_KEYS ? keys : old;
}

/** A short digest of a failure's parts with numbers blurred: the same failure again gives the same digest. */
export function blurredDigest(parts: string[]): string {
  const blurred = parts.map((part) => part.replace(/\d+/g, '#')).join('\n');
  return createHash('sha256').update(blurred).digest('hex').slice(0, 16);
}

export interface SyncOutcome {
  developer: string;
  /** `stopped`: not rolled, or rolled back, because the release broke its failure budget. */
  outcome: 'rolled' | 'current' | 'skipped' | 'failed' | 'stopped';
  reason?: string | null;
}

/**
 * A run's outcomes, counted: what a batch of rollouts returns instead of one outcome per environment, so that the
 * run's state stays small at any number of clusters. Only the first failures are named, with their short reasons.
 */
export interface RolloutTally {
  rolled: number;
  current: number;
  skipped: number;
  failed: number;
  stopped: number;
  failures: { developer: string; reason: string | null }[];
}

/** A batch names this many failures (the run's state holds one tally per batch); the summary this many in all. */
export const FAILURES_PER_BATCH = 3;
export const FAILURES_PER_SUMMARY = 20;

export function tallyOutcomes(outcomes: readonly SyncOutcome[], named = FAILURES_PER_BATCH): RolloutTally {
  const count = (outcome: SyncOutcome['outcome']) => outcomes.filter((entry) => entry.outcome === outcome).length;
  const failures = outcomes.filter((entry) => entry.outcome === 'failed');
  return {
    rolled: count('rolled'),
    current: count('current'),
    skipped: count('skipped'),
    failed: failures.length,
    stopped: count('stopped'),
    failures: failures.slice(0, named).map((entry) => ({ developer: entry.developer, reason: entry.reason ?? null })),
  };
}

export function mergeTallies(tallies: readonly RolloutTally[], named = FAILURES_PER_SUMMARY): RolloutTally {
  const sum = (field: 'rolled' | 'current' | 'skipped' | 'failed' | 'stopped') => tallies.reduce((total, tally) => total + tally[field], 0);
  return {
    rolled: sum('rolled'),
    current: sum('current'),
    skipped: sum('skipped'),
    failed: sum('failed'),
    stopped: sum('stopped'),
    failures: tallies.flatMap((tally) => tally.failures).slice(0, named),
  };
}

export type SummaryDecision =
  /** Post; with a failure key, mark it, so that the same failures alone are not posted again. */
  | { post: 'always'; failureKey?: string }
  /** Only failures: post once per failure key. */
  | { post: 'once'; failureKey: string }
  /** Nothing rolled or failed: post nothing, and say why. The failure keys are released. */
  | { post: 'never'; why: string };

/**
 * Post when something rolled; a stop or failures (the named ones, and how many) once. `ready`
 * is how many environments were ready, for saying why nothing was posted.
 */
export function decideSummary(
  images: string[],
  tally: RolloutTally,
  ready = tally.rolled + tally.current + tally.skipped,
  /** Another run that held the release's rollout lease when this one listed, so that this one rolled nothing. */
  rolledByAnother?: string,
): SummaryDecision {
  const failureKey =
    tally.failed > 0
      ? failureReportKey([...images, ...tally.failures.map((entry) => `${entry.developer}: ${entry.reason ?? ''}`).sort()])
      : undefined;
  if (tally.rolled > 0) return { post: 'always', ...(failureKey ? { failureKey } : {}) };
  // A stopped release is not confirmed anywhere, so every safety-net run tries it again and stops it again: the
  // same stop, with the same failures, is news once.
  if (failureKey || tally.stopped > 0) return { post: 'once', failureKey: failureKey ?? failureReportKey([...images, 'stopped']) };
  const target = images.join(', ');
  if (rolledByAnother) return { post: 'never', why: `${rolledByAnother} is rolling ${target}: this run rolled nothing` };
  if (ready === 0) return { post: 'never', why: `no environment is ready: nothing to roll to ${target}` };
  if (tally.current + tally.skipped === 0) {
    return { post: 'never', why: `nothing to roll: the ${ready} ready environment(s) are confirmed on ${target}` };
  }
  return { post: 'never', why: `nothing changed: ${tally.current} environment(s) already run ${target}, ${tally.skipped} skipped` };
}

/**
 * The remembered failure keys to release: all of them after a run without failures (the failures went away, so
 * a new occurrence is news), or all of them when the bound is reached, before a new one is added.
 */
export function failureKeysToRelease(notified: readonly string[], runHadFailures: boolean): string[] {
  const keys = notified.filter((key) => key.startsWith(IMAGE_SYNC_FAILURE_KEY_PREFIX));
  return !runHadFailures || keys.length >= MAX_FAILURE_KEYS ? keys : [];
}
