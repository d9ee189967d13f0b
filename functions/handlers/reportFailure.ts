/**
 * ReportReconcileFailure / ReportImageSyncFailure: a reconcile or image-sync run that could not do its work is
 * told to the ops channel. Image-sync runs every 10 minutes: its same failure is told once (core/opsReport), not
 * on every run, until a run without failures. Reconcile runs every 15: its same failure is told once a day.
 */
import * as z from 'zod';
import { describeFailure } from '../core/failure';
import { imageSyncFailureMessage, reconcileFailureMessage } from '../core/messages';
import { failureReportKey, reconcileFailureKey, reconcileFailureKeysToForget } from '../core/opsReport';
import { OPS_RECORD } from '../core/types';
import { notifier, store } from './lib/root';
import { releaseFailureReports, sendOnce } from './lib/sendOnce';
import { lambda } from './lib/stack';

const input = z.object({
  error: z.object({ Error: z.string(), Cause: z.string().optional() }),
  executionArn: z.string().min(1),
  workflow: z.enum(['reconcile', 'image-sync']).default('reconcile'),
});

export const handler = lambda(
  'ReportReconcileFailure',
  input,
  { store, notifier },
  async ({ error, executionArn, workflow }, { config, store, notifier, region }) => {
    const reason = describeFailure(error);
    const message = (workflow === 'image-sync' ? imageSyncFailureMessage : reconcileFailureMessage)({ reason, executionArn, region });
    const send = () => notifier.sendToChannel(config.slack.opsChannel, message);
    if (workflow === 'reconcile') {
      const now = new Date();
      const notified = (await store.get(OPS_RECORD))?.notified ?? [];
      await store.unmarkNotified(OPS_RECORD, ...reconcileFailureKeysToForget(notified, now));
      const sent = await sendOnce(store, OPS_RECORD, reconcileFailureKey(reason, now), send);
      return { reported: sent === 'sent', reason };
    }
    await releaseFailureReports(store, true);
    const sent = await sendOnce(store, OPS_RECORD, failureReportKey([reason]), send);
    return { reported: sent === 'sent', reason };
  },
);
