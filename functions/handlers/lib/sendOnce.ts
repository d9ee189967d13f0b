/**
 * A Slack message sent at most once per key: the key is reserved in the developer's record before sending and
 * released if the send fails, so a retry, a replay or a redrive sends it exactly once.
 */
import type { EnvironmentStore } from '../../core/ports';

export async function sendOnce(store: EnvironmentStore, developer: string, key: string, send: () => Promise<unknown>): Promise<'sent' | 'already-sent'> {
  if (!(await store.markNotified(developer, key))) return 'already-sent';
  try {
    await send();
    return 'sent';
  } catch (error) {
    await store.unmarkNotified(developer, key);
    throw error;
  }
}
