/**
 * ListReadyEnvironments: the environments image-sync maps over, from the store: the ready ones not confirmed on
 * their desired images, or every ready one on a full sweep (core/images isFullSweep). They go to the plan store
 * (S3), read back by the Map's ItemReader, not into the state: at 5,000 clusters they outgrow a state's 256 KB.
 * An environment whose desired release was stopped by its failure budget is left alone until a push changes it.
 * A run lists something only under the release's rollout lease: while another run rolls the same release (a push's
 * run, when the safety net ticks), this one lists nothing, and the clusters are rolled, and their developers told, once.
 */
import * as z from 'zod';
import { environmentsToRoll, isFullSweep, rolloutLease, stoppedReleases } from '../core/images';
import { executionNameSchema, OPS_RECORD, resolvedImagesSchema } from '../core/types';
import { plans, store } from './lib/root';
import { lambda, logger } from './lib/stack';

const input = z.object({
  /** The image-sync execution's start time: whether this run is a full sweep, the same on a replay. */
  at: z.iso.datetime({ offset: true }),
  /** The execution's name keys its list: a replay writes the same list to the same key. */
  execution: executionNameSchema,
  /** The run's resolved release: the one its lease is on. */
  images: resolvedImagesSchema,
});

export const handler = lambda('ListReadyEnvironments', input, { store, plans }, async ({ at, execution, images }, deps) => {
  const { store, plans, config } = deps;
  const records = await store.list();
  const sweep = isFullSweep(new Date(at));
  const stopped = stoppedReleases((await store.get(OPS_RECORD))?.notified ?? []);
  const environments = environmentsToRoll(records, sweep, stopped)
    // The owning run's ID: a rollout confirms its images on this cluster only while that run still owns the record.
    .map(({ developer, clusterName, runId }) => ({ developer, clusterName, runId: runId ?? null }))
    .sort((a, b) => a.developer.localeCompare(b.developer));
  const ready = records.filter((record) => record.status === 'ready').length;
  // No work, no lease and no object: most safety-net runs have nothing to roll.
  if (environments.length === 0) return { items: 0, key: null, ready, sweep, rolledBy: null };
  const now = new Date();
  const lease = rolloutLease(images, execution, now, config.imageSync.rolloutDeadlineSeconds);
  const leased = await store.takeRolloutLease(lease, now.toISOString());
  if (!leased.taken) {
    logger.info('release is being rolled by another run', { rolledBy: leased.holder.execution, until: leased.holder.until });
    return { items: 0, key: null, ready, sweep, rolledBy: leased.holder.execution };
  }
  const stored = await plans.put(`image-sync/${execution}.json`, environments);
  return { items: environments.length, key: stored.key, ready, sweep, rolledBy: execution };
});
