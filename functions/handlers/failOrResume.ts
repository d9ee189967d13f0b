/**
 * FailOrResume: the last step of the failure path. It fails the execution with the run's error, so the console
 * shows it red at this step. A redrive restarts at this step with a higher $$.Execution.RedriveCount: then it
 * returns instead, and the run resumes from its claim. Every step is idempotent, so only unfinished work runs.
 */
import { z } from 'zod';
import { describeFailure, RUN_FAILED_ERROR } from '../core/failure';
import { lambda, logger } from './lib/stack';
import { emit } from './lib/metrics';
import { METRIC } from '../core/metrics';

const input = z.object({
  redriveCount: z.number().int().min(0).default(0),
  run: z.object({
    runId: z.string(),
    error: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
    /** The redrive this run last resumed for; absent before the first redrive. */
    resumedAt: z.number().int().optional(),
  }),
});

export class RunFailedError extends Error {
  override name = RUN_FAILED_ERROR;
}

export const handler = lambda('FailOrResume', input, async ({ redriveCount, run }) => {
  if (redriveCount > (run.resumedAt ?? 0)) {
    logger.info('redriven: resuming the run from its claim', { runId: run.runId, redriveCount });
    emit(METRIC.redrives);
    return redriveCount;
  }
  throw new RunFailedError(run.error ? describeFailure(run.error) : `run ${run.runId} failed`);
});
