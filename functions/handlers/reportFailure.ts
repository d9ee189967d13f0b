/** ReportReconcileFailure: a reconcile that could not plan or start its runs is told to the ops channel. */
import * as z from 'zod';
import { describeFailure } from '../core/failure';
import { reconcileFailureMessage } from '../core/messages';
import { notifier } from './lib/root';
import { lambda } from './lib/stack';

const input = z.object({
  error: z.object({ Error: z.string(), Cause: z.string().optional() }),
  executionArn: z.string().min(1),
});

export const handler = lambda('ReportReconcileFailure', input, { notifier }, async ({ error, executionArn }, { config, notifier, region }) => {
  const reason = describeFailure(error);
  await notifier.sendToChannel(config.slack.opsChannel, reconcileFailureMessage({ reason, executionArn, region }));
  return { reported: true, reason };
});
