/**
 * Reconcile's fan-out at fleet scale. The plan of 5,000 developers is larger than a state's payload (256 KB), so
 * planActions writes it as items for a Distributed Map to read (one item per environment start or warning), and the
 * starts' results come back as tallies of one shape at every level (a start, a batch, the whole run), summed here.
 */
import type { RunPath } from './hibernate';
import type { Plan } from './plan';
import type { PoolPath } from './pool';

/** One item of the Map: an environment execution to start, or a pre-teardown warning to send. */
export type PlanItem =
  | {
      developer: string;
      action: 'up' | 'down';
      runId: string;
      clusterName: string;
      expiresAt: string | null;
      path: RunPath | PoolPath | null;
    }
  | { developer: string; action: 'warn'; runId: string; clusterName: string; teardownAt: string; keepOffer: string | null };

export function planItems(result: Plan): PlanItem[] {
  return [
    ...result.actions.map(({ developer, action, runId, clusterName, expiresAt, path }) => ({
      developer,
      action,
      runId,
      clusterName,
      expiresAt: expiresAt ?? null,
      path: path ?? null,
    })),
    ...result.warnings.map(({ developer, runId, clusterName, teardownAt, keepOffer }) => ({
      developer,
      action: 'warn' as const,
      runId,
      clusterName,
      teardownAt,
      keepOffer,
    })),
  ];
}

/** Starts that failed: how many, and the first few by run ID with the error (the count is exact, the list bounded). */
export interface StartTally {
  count: number;
  failed: string[];
}

/** A failure report names at most this many runs: enough to act on, small enough for any payload. */
export const MAX_NAMED_FAILURES = 20;

export function tallyStarts(tallies: StartTally[]): StartTally {
  let count = 0;
  const failed: string[] = [];
  for (const tally of tallies) {
    count += tally.count;
    for (const name of tally.failed) if (failed.length < MAX_NAMED_FAILURES) failed.push(name);
  }
  return { count, failed };
}
