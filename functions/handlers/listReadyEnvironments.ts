/**
 * ListReadyEnvironments: the environments image-sync maps over, from the store: the ready ones not confirmed on
 * their desired images, or every ready one on a full sweep (core/images isFullSweep). They go to the plan store
 * (S3), read back by the Map's ItemReader, not into the state: at 5,000 clusters they outgrow a state's 256 KB.
 * An environment whose desired release was stopped by its failure budget is left alone until a push changes it.
 */
import * as z from 'zod';
import { environmentsToRoll, isFullSweep, stoppedReleases } from '../core/images';
import { OPS_RECORD } from '../core/types';
import { plans, store } from './lib/root';
import { lambda } from './lib/stack';
import { executionNameSchema } from '../core/types';

const input = z.object({
  /** The image-sync execution's start time: whether this run is a full sweep, the same on a replay. */
  at: z.iso.datetime({ offset: true }),
  /** The execution's name keys its list: a replay writes the same list to the same key. */
  execution: executionNameSchema,
});

export const handler = lambda('ListReadyEnvironments', input, { store, plans }, async ({ at, execution }, { store, plans }) => {
  const records = await store.list();
  const sweep = isFullSweep(new Date(at));
  const stopped = stoppedReleases((await store.get(OPS_RECORD))?.notified ?? []);
  const environments = environmentsToRoll(records, sweep, stopped)
    // The owning run's ID: a rollout confirms its images on this cluster only while that run still owns the record.
    .map(({ developer, clusterName, runId }) => ({ developer, clusterName, runId: runId ?? null }))
    .sort((a, b) => a.developer.localeCompare(b.developer));
  // No work, no object: most safety-net runs have nothing to roll.
  const stored = environments.length > 0 ? await plans.put(`image-sync/${execution}.json`, environments) : null;
  const ready = records.filter((record) => record.status === 'ready').length;
  return { items: environments.length, key: stored?.key ?? null, ready, sweep };
});
