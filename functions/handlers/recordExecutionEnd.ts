/**
 * RecordExecutionEnd: EventBridge's "Step Functions Execution Status Change" for the environment state machine.
 * A run that timed out, was aborted, or failed outside its failure path never reached RecordFailure and
 * NotifyFailure: this does their work, once. The record says failed (while the run still owns it), and the ops
 * channel and the developer are told with the same notification keys as the failure path, so a redelivered event,
 * or a run whose failure path did run, tells nobody twice.
 */
import * as z from 'zod';
import { unreportedEnd } from '../core/failure';
import { RUN_LIFETIME_HOURS } from '../core/plan';
import { developerNameSchema, runIdSchema } from '../core/types';
import { notify } from './notify';
import { recordFailure } from './recordOutcome';
import { notifier, store } from './lib/root';
import { lambda, logger } from './lib/stack';

/** The environment execution's input, as reconcile, Slack and the CLI start it. */
const runInput = z.object({ developer: developerNameSchema, action: z.enum(['up', 'down']), runId: runIdSchema }).passthrough();

const event = z.object({
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: z.object({
    executionArn: z.string().min(1),
    status: z.string(),
    error: z.string().nullish(),
    cause: z.string().nullish(),
    /** A string of JSON; absent when the input was too large to include (never for Turbo's small inputs). */
    input: z.string().nullish(),
  }),
});

export const handler = lambda('RecordExecutionEnd', event, { store, notifier }, async ({ detail }, deps) => {
  const failure = unreportedEnd(detail, RUN_LIFETIME_HOURS);
  if (!failure) return { reported: false, why: `the execution ended ${detail.status}: its own steps told everyone` };
  if (!detail.input)
    throw new Error(`execution ${detail.executionArn} ended ${detail.status}, but the event carries no input: tell ops by hand`);
  const run = runInput.parse(JSON.parse(detail.input));
  const recorded = await recordFailure(deps.store, run.developer, run.runId, failure);
  if (recorded.status === 'not-owner') {
    logger.warn('the run no longer owns the record: the run that took it over reports its own outcome', { runId: run.runId });
    return { reported: false, why: `another run owns ${run.developer}'s record` };
  }
  const notified = await notify(
    {
      kind: 'failed',
      developer: run.developer,
      runId: run.runId,
      action: run.action,
      executionArn: detail.executionArn,
    },
    deps,
  );
  return { reported: true, status: detail.status, lastError: recorded.lastError, ...notified };
});
