/** ClaimEnvironment: the conditional write that makes this run the only owner of the developer's environment. */
import * as z from 'zod';
import { clusterNameOf } from '../core/config';
import { RUN_LIFETIME_HOURS } from '../core/plan';
import { developerNameSchema, runIdSchema } from '../core/types';
import { store } from './lib/root';
import { lambda, logger } from './lib/stack';

const input = z.object({
  developer: developerNameSchema,
  action: z.enum(['up', 'down']),
  runId: runIdSchema,
  executionArn: z.string().min(1),
  clusterName: z.string().optional(),
});

export const handler = lambda('ClaimEnvironment', input, { store }, async (event, { store }) => {
  const result = await store.claim({
    developer: event.developer,
    clusterName: event.clusterName ?? clusterNameOf(event.developer),
    action: event.action,
    runId: event.runId,
    executionArn: event.executionArn,
    now: new Date().toISOString(),
    staleBefore: new Date(Date.now() - RUN_LIFETIME_HOURS * 3_600_000).toISOString(),
  });
  if (result.outcome === 'lost') {
    logger.warn('another run owns this environment; stopping without side effects', {
      owner: result.record.runId,
      status: result.record.status,
    });
  }
  return { outcome: result.outcome, status: result.record.status, owner: result.record.runId ?? null };
});
