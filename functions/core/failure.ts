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
  const steps = action === 'up' ? ['deploy', 'apply'] : ['destroy'];
  return steps.find((step) => startedJobs.includes(step)) ?? 'claim';
}
