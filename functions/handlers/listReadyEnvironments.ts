/**
 * ListReadyEnvironments: the environments image-sync maps over, from the store: the ready ones not confirmed on
 * their desired images, or every ready one on a full sweep (core/images isFullSweep), split into the canary and
 * the rest (core/images splitCanary).
 */
import * as z from 'zod';
import { environmentsToRoll, isFullSweep, splitCanary } from '../core/images';
import { store } from './lib/root';
import { lambda } from './lib/stack';

const input = z.object({
  /** The image-sync execution's start time: whether this run is a full sweep, the same on a replay. */
  at: z.iso.datetime({ offset: true }),
});

export const handler = lambda('ListReadyEnvironments', input, { store }, async ({ at }, { store, config }) => {
  const records = await store.list();
  const sweep = isFullSweep(new Date(at));
  const environments = environmentsToRoll(records, sweep)
    // The owning run's ID: a rollout confirms its images on this cluster only while that run still owns the record.
    .map(({ developer, clusterName, runId }) => ({ developer, clusterName, runId: runId ?? null }))
    .sort((a, b) => a.developer.localeCompare(b.developer));
  const { canary, rest } = splitCanary(environments, config.imageSync.canary);
  return { canary, rest, count: environments.length, ready: records.filter((record) => record.status === 'ready').length, sweep };
});
