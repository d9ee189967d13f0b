/**
 * CheckApplyJob / CheckDeployJob / CheckDestroyJob: one look at the job, and how long to wait before the next.
 * A failed job or an exhausted loop is an error, so that the state's Catch takes the failure path.
 */
import * as z from 'zod';
import { expectedJobSeconds } from '../core/jobs';
import { elapsedSeconds, MAX_POLL_ATTEMPTS, nextWaitSeconds } from '../core/polling';
import { jobHandleSchema } from '../core/types';
import { runner } from './lib/root';
import { lambda } from './lib/stack';
import { emit } from './lib/metrics';
import { METRIC } from '../core/metrics';
import { WaitExhaustedError, JobFailedError } from '../core/errors';
import { CAPACITY_TYPES } from '../core/config';
import { queuedSecondsOf, runningSeconds, shouldFallBackToOnDemand } from '../core/jobs';

const input = z.object({
  handle: jobHandleSchema,
  attempt: z.number().int().min(0),
  /** An apply's or a wake's node capacity (StartJob's answer), so that a Spot shortage can fall back to On-Demand. */
  capacity: z.enum(CAPACITY_TYPES).nullish(),
});

export const handler = lambda('CheckJob', input, { runner }, async ({ handle: given, attempt, capacity = null }, { config, runner }) => {
  const status = await runner.status(given);
  const handle = status.handle ?? given;
  const logUrl = status.logUrl ?? null;
  if (
    status.state === 'failed' &&
    (handle.kind === 'apply' || handle.kind === 'wake') &&
    shouldFallBackToOnDemand(capacity, status.reason)
  ) {
    // The state machine starts the apply On-Demand (after a wake, it replaces the Spot node group that cannot grow);
    // the reason goes with it, for the log and the record.
    return { handle, state: 'spot-unavailable', attempt: attempt + 1, waitSeconds: 0, capacity, reason: status.reason, logUrl };
  }
  if (status.state === 'failed') {
    throw new JobFailedError(`${handle.kind} job failed: ${status.reason}${logUrl ? ` (log: ${logUrl})` : ''}`);
  }
  if (status.state === 'succeeded') {
    emit(METRIC.stepMinutes, elapsedSeconds(handle.startedAt, new Date()) / 60, 'None', { step: handle.kind });
    // When the workflow saw it finish, and how long it waited for a runner slot first: the planner learns the job's
    // duration from these (core/stagger upSampleOf), without the queue, which it models itself.
    const finishedAt = new Date().toISOString();
    const queuedSeconds = queuedSecondsOf(handle.startedAt, status.runningSince);
    return {
      handle,
      state: 'succeeded',
      attempt: attempt + 1,
      waitSeconds: 0,
      outputs: status.outputs,
      logUrl,
      capacity,
      finishedAt,
      queuedSeconds,
    };
  }
  const now = new Date();
  const elapsed = elapsedSeconds(handle.startedAt, now);
  const running = runningSeconds(status, handle.startedAt, now);
  if (running > config.jobs.timeoutMinutes * 60) {
    throw new JobFailedError(
      `${handle.kind} job timed out: still running after ${Math.round(running / 60)} min (limit ${config.jobs.timeoutMinutes})${logUrl ? ` (log: ${logUrl})` : ''}`,
    );
  }
  if (attempt + 1 >= MAX_POLL_ATTEMPTS) {
    throw new WaitExhaustedError(`${handle.kind} job still running after ${attempt + 1} checks${logUrl ? ` (log: ${logUrl})` : ''}`);
  }
  // Once out of the runner's queue, the next check is timed by how long the job has run: timed from its start, a job
  // that queued looked overdue, and its checks backed off to minutes apart just as it was about to end.
  const waitSeconds = nextWaitSeconds(status.queued ? elapsed : running, expectedJobSeconds(config, handle.kind));
  return { handle, state: 'running', attempt: attempt + 1, waitSeconds, detail: status.detail ?? null, logUrl, capacity };
});
