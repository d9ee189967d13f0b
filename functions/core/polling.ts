/**
 * How long a wait loop sleeps before its next check. A job of known expected length is left alone until just
 * before its expected end, then polled often, then less and less often once it overruns. This keeps transitions
 * low (a 12-minute apply costs about three checks) and the detection delay under the short interval.
 */
export const SHORT_POLL_SECONDS = 15;
export const LONG_POLL_SECONDS = 120;
/** A loop gives up after this many checks, whatever TimeoutSeconds says: a bound on transitions and on cost. */
export const MAX_POLL_ATTEMPTS = 60;

export function nextWaitSeconds(elapsedSeconds: number, expectedSeconds: number): number {
  const untilJustBeforeEnd = expectedSeconds - SHORT_POLL_SECONDS - elapsedSeconds;
  if (untilJustBeforeEnd >= SHORT_POLL_SECONDS) return Math.round(untilJustBeforeEnd);
  const overrun = elapsedSeconds - expectedSeconds;
  if (overrun <= expectedSeconds * 0.25) return SHORT_POLL_SECONDS;
  return Math.min(LONG_POLL_SECONDS, Math.max(SHORT_POLL_SECONDS, Math.round(overrun / 4)));
}

export function elapsedSeconds(since: string, now: Date): number {
  return Math.max(0, (now.getTime() - Date.parse(since)) / 1000);
}
