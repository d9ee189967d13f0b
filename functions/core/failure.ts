import type { RunPath } from './hibernate';
import { blurredDigest } from './opsReport';

/**
 * Turns what a Catch hands over ({ Error, Cause }) into one readable line. Lambda puts a JSON document with
 * errorMessage into Cause; other errors give plain text.
 */
export interface CaughtError {
  Error: string;
  Cause?: string;
}

const MAX_REASON = 500;
/** What one environment's failure carries in a fleet-wide result: enough to act on, small enough for 1,000 of them. */
export const SHORT_REASON = 160;

export function describeFailure(caught: CaughtError, maxLength = MAX_REASON): string {
  let message = caught.Cause ?? '';
  try {
    const parsed = JSON.parse(message) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // plain text cause
  }
  const line = `${caught.Error}${message ? `: ${message}` : ''}`.replace(/\s+/g, ' ').trim();
  return line.length > maxLength ? `${line.slice(0, maxLength - 1)}…` : line;
}

/** The furthest step a run reached, from the jobs it started: what a failure message names. */
export function lastStartedStep(action: 'up' | 'down', startedJobs: string[]): string {
  const steps = action === 'up' ? ['deploy', 'wake', 'apply'] : ['hibernate', 'destroy'];
  return steps.find((step) => startedJobs.includes(step)) ?? 'claim';
}

/** The path a failed run was on, from the jobs it started: a down that began hibernating, an up that began waking. */
export function runPathOf(action: 'up' | 'down', startedJobs: string[]): RunPath | undefined {
  const path = action === 'up' ? 'wake' : 'hibernate';
  return startedJobs.includes(path) ? path : undefined;
}

/**
 * The notified key of a run's failure notice: its step and reason, numbers blurred. A redriven run that fails the
 * same way again is no news to ops or the developer; one that fails at another step, or for another reason, is.
 */
export function failureNoticeKey(runId: string, step: string, reason: string): string {
  return `${runId}:failed:${blurredDigest([step, reason])}`;
}

/** The error FailOrResume ends a run with: the failure path has recorded it and told everyone. */
export const RUN_FAILED_ERROR = 'Turbo.RunFailed';

/** What EventBridge's "Step Functions Execution Status Change" says about an environment execution's end. */
export interface ExecutionEnd {
  status: string;
  error?: string | null;
  cause?: string | null;
}

/**
 * The failure to record and tell about when an environment execution ended where its failure path could not run:
 * it timed out (the state machine's TimeoutSeconds), was aborted, or failed other than through FailOrResume.
 * Undefined when there is nothing to tell (it succeeded, or its failure path already told everyone).
 */
export function unreportedEnd(end: ExecutionEnd, lifetimeHours: number): CaughtError | undefined {
  if (end.status === 'TIMED_OUT') {
    return {
      Error: end.error || 'States.Timeout',
      Cause: `the run did not finish within ${lifetimeHours} h and was stopped${end.cause ? ` (${end.cause})` : ''}`,
    };
  }
  if (end.status === 'ABORTED') {
    return {
      Error: end.error || 'States.Aborted',
      Cause: `the run was aborted (stopped by hand or by a deployment)${end.cause ? `: ${end.cause}` : ''}`,
    };
  }
  if (end.status === 'FAILED' && end.error !== RUN_FAILED_ERROR) {
    return { Error: end.error || 'States.Runtime', Cause: `the run failed outside its failure path${end.cause ? `: ${end.cause}` : ''}` };
  }
  return undefined;
}
