/**
 * The keys of sent messages kept in a record (EnvironmentStore.markNotified) are what makes a replay or a redrive
 * send nothing twice. Step Functions redrives an execution only within 14 days of its start, and Slack redelivers a
 * request within minutes, so a key older than that can never stop a duplicate again: it is dropped, which bounds the
 * keys by the messages of the last two weeks. Each key carries its local day (see the formats below).
 */
import { DateTime } from 'luxon';

/** RedriveExecution's 14 days, and one more for the time zones a key's local day can be ahead of UTC. */
export const NOTIFIED_KEY_DAYS = 15;

const DAY = /^\d{8}$/;
/** The last `-yyyyMMdd` of a run ID (`<developer>-<action>-<yyyyMMdd>`, then maybe `-manual-HHmm` or `-t<n>`). */
const RUN_ID_DAY = /-(\d{8})(?=-|$)/g;

/** The key of a self-service reply: the day of the request's signed timestamp, then the request's ID. */
export function replyKey(requestedAt: string, requestId: string): string {
  return `reply:${dayOf(requestedAt)}:${requestId}`;
}

/** The key of a rollout's DM: the day the image-sync run started, then its name. */
export function rolloutKey(startedAt: string, executionName: string): string {
  return `rolled:${dayOf(startedAt)}:${executionName}`;
}

/** The local day (yyyyMMdd) a key belongs to; undefined for a key without one (the ops record's failure reports). */
export function notifiedKeyDay(key: string): string | undefined {
  const [first, second] = key.split(':');
  if (first === 'reply' || first === 'rolled') return second && DAY.test(second) ? second : undefined;
  return [...first.matchAll(RUN_ID_DAY)].at(-1)?.[1];
}

/** The keys past the redrive window at `now`; keys without a day are kept (they are bounded elsewhere). */
export function expiredNotifiedKeys(keys: readonly string[], now: Date): string[] {
  const oldest = DateTime.fromJSDate(now, { zone: 'utc' }).minus({ days: NOTIFIED_KEY_DAYS }).toFormat('yyyyMMdd');
  return keys.filter((key) => {
    const day = notifiedKeyDay(key);
    return day !== undefined && day < oldest;
  });
}

function dayOf(instant: string): string {
  const at = DateTime.fromISO(instant, { zone: 'utc' });
  if (!at.isValid) throw new Error(`"${instant}" is not an ISO 8601 instant`);
  return at.toFormat('yyyyMMdd');
}
