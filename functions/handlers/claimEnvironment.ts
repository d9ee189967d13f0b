/**
 * ClaimEnvironment: the conditional write that makes this run the only owner of the developer's environment. It
 * also names the app images the record does not hold yet (a first day, MongoDB under `mongoPolicy: manual`):
 * the up resolves them before it builds anything, so the deploy never gets a placeholder. A wake also names those
 * image-sync follows: image-sync rolls only ready clusters, so a hibernated one's record holds the releases of the
 * evening it went to sleep, and the wake deploys the newest instead of rolling to it minutes after it is ready.
 */
import * as z from 'zod';
import { clusterNameOf } from '../core/config';
import { RUN_LIFETIME_HOURS } from '../core/plan';
import { APP_WORKLOADS, imagesToSync, type AppImage } from '../core/images';
import { isHibernated } from '../core/hibernate';
import { developerNameSchema, runIdSchema } from '../core/types';
import { store } from './lib/root';
import { lambda, logger } from './lib/stack';

const input = z.object({
  developer: developerNameSchema,
  action: z.enum(['up', 'down']),
  runId: runIdSchema,
  executionArn: z.string().min(1),
  clusterName: z.string().optional(),
  /** $$.Execution.StartTime: unchanged by a redrive (ClaimRequest.runStartedAt). */
  runStartedAt: z.iso.datetime({ offset: true }).optional(),
});

export const handler = lambda('ClaimEnvironment', input, { store }, async (event, { store, config }) => {
  const result = await store.claim({
    developer: event.developer,
    clusterName: event.clusterName ?? clusterNameOf(event.developer),
    action: event.action,
    runId: event.runId,
    executionArn: event.executionArn,
    now: new Date().toISOString(),
    staleBefore: new Date(Date.now() - RUN_LIFETIME_HOURS * 3_600_000).toISOString(),
    ...(event.runStartedAt === undefined ? {} : { runStartedAt: new Date(event.runStartedAt).toISOString() }),
  });
  if (result.outcome === 'lost') {
    logger.warn('another run owns this environment; stopping without side effects', {
      owner: result.record.runId,
      status: result.record.status,
    });
  }
  const stale = event.action === 'up' && isHibernated(result.record) ? imagesToSync(config.imageSync.mongoPolicy) : [];
  const missingImages = (Object.keys(APP_WORKLOADS) as AppImage[]).filter((name) => !result.record.images?.[name] || stale.includes(name));
  return { outcome: result.outcome, status: result.record.status, owner: result.record.runId ?? null, missingImages };
});
