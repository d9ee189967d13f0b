/**
 * WarnBeforeTeardown: the DM a developer gets before their cluster is destroyed (or hibernated), with "Keep until 22:00" and
 * "Destroy now" buttons. Reconcile plans it on every tick of the warning window; it is sent once a day (its run ID
 * is the key), however many ticks pass.
 */
import * as z from 'zod';
import { CLOCK_TIME } from '../core/clock';
import { memberOf, scheduleOf } from '../core/config';
import { warningMessage } from '../core/messages';
import { developerNameSchema, runIdSchema } from '../core/types';
import { sendOnce } from './lib/sendOnce';
import { store, notifier } from './lib/root';
import { lambda } from './lib/stack';

const input = z.object({
  developer: developerNameSchema,
  runId: runIdSchema,
  clusterName: z.string().min(1),
  teardownAt: z.iso.datetime({ offset: true }),
  keepOffer: z.string().regex(CLOCK_TIME).nullable(),
});

export const handler = lambda('WarnBeforeTeardown', input, { store, notifier }, async (event, { config, store, notifier }) => {
  const member = memberOf(config, event.developer);
  if (!member) return { sent: false, reason: 'not in the roster' };
  const schedule = scheduleOf(config, member);
  const message = warningMessage({
    developer: event.developer,
    clusterName: event.clusterName,
    teardownAt: event.teardownAt,
    timezone: schedule.timezone,
    keepOffer: event.keepOffer,
    mode: schedule.mode,
  });
  const delivery = await sendOnce(store, event.developer, event.runId, () => notifier.sendToUser(member.slackUserId, message));
  return delivery === 'sent' ? { sent: true, reason: null } : { sent: false, reason: 'already warned today' };
});
