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

/** A short digest of a failure's parts with numbers blurred: the same failure again gives the same digest. */
export function blurredDigest(parts: string[]): string {
  const blurred = parts.map((part) => part.replace(/\d+/g, '#')).join('\n');
  return createHash('sha256').update(blurred).digest('hex').slice(0, 16);
}

export interface SyncOutcome {
  developer: string;
  outcome: 'rolled' | 'current' | 'skipped' | 'failed';
  reason?: string | null;
}

export type SummaryDecision =
  /** Post; with a failure key, mark it, so that the same failures alone are not posted again. */
  | { post: 'always'; failureKey?: string }
  /** Only failures: post once per failure key. */
  | { post: 'once'; failureKey: string }
  /** Nothing rolled or failed: post nothing, and say why. The failure keys are released. */
  | { post: 'never'; why: string };

export function decideSummary(images: string[], outcomes: SyncOutcome[]): SummaryDecision {
  const failed = outcomes.filter((entry) => entry.outcome === 'failed');
  const rolled = outcomes.filter((entry) => entry.outcome === 'rolled').length;
  const failureKey =
    failed.length > 0
      ? failureReportKey([...images, ...failed.map((entry) => `${entry.developer}: ${entry.reason ?? ''}`).sort()])
      : undefined;
  if (rolled > 0) return { post: 'always', ...(failureKey ? { failureKey } : {}) };
  if (failureKey) return { post: 'once', failureKey };
  const target = images.join(', ');
  if (outcomes.length === 0) return { post: 'never', why: `no environment is ready: nothing to roll to ${target}` };
  const count = (outcome: SyncOutcome['outcome']) => outcomes.filter((entry) => entry.outcome === outcome).length;
  return { post: 'never', why: `nothing changed: ${count('current')} environment(s) already run ${target}, ${count('skipped')} skipped` };
}

/**
 * The remembered failure keys to release: all of them after a run without failures (the failures went away, so
 * a new occurrence is news), or all of them when the bound is reached, before a new one is added.
 */
export function failureKeysToRelease(notified: readonly string[], runHadFailures: boolean): string[] {
  const keys = notified.filter((key) => key.startsWith(IMAGE_SYNC_FAILURE_KEY_PREFIX));
  return !runHadFailures || keys.length >= MAX_FAILURE_KEYS ? keys : [];
}
