/**
 * A Slack message sent at most once per key: the key is reserved in the developer's record before sending and
 * released if the send fails, so a retry, a replay or a redrive sends it exactly once.
 */
import type { EnvironmentStore } from '../../core/ports';
import { OPS_RECORD, type EnvironmentRecord } from '../../core/types';
import { expiredNotifiedKeys } from '../../core/notified';
import { failureKeysToRelease } from '../../core/opsReport';

export async function sendOnce(
  store: EnvironmentStore,
  developer: string,
  key: string,
  send: () => Promise<unknown>,
): Promise<'sent' | 'already-sent'> {
  if (!(await store.markNotified(developer, key))) return 'already-sent';
  try {
    await send();
    return 'sent';
  } catch (error) {
    await store.unmarkNotified(developer, key);
    throw error;
  }
}

/**
 * Forgets the ops record's remembered failure reports where core/opsReport says so: after a run without failures
 * (a new occurrence is news again), or when the bound is reached.
 */
export async function releaseFailureReports(store: EnvironmentStore, runHadFailures: boolean): Promise<void> {
  const notified = (await store.get(OPS_RECORD))?.notified ?? [];
  await store.unmarkNotified(OPS_RECORD, ...failureKeysToRelease(notified, runHadFailures));
}

/** Drops the record's keys of messages sent before the redrive window (core/notified): one write, only when due. */
export async function forgetExpiredKeys(store: EnvironmentStore, record: EnvironmentRecord | undefined, now: Date): Promise<void> {
  if (record?.notified) await store.unmarkNotified(record.developer, ...expiredNotifiedKeys(record.notified, now));
}
