/**
 * ListReadyEnvironments: the environments image-sync maps over, from the store (ready ones only), split into the
 * canary and the rest (core/images splitCanary).
 */
import * as z from 'zod';
import { splitCanary } from '../core/images';
import { store } from './lib/root';
import { lambda } from './lib/stack';

export const handler = lambda('ListReadyEnvironments', z.object({}).passthrough(), { store }, async (_input, { store, config }) => {
  const records = await store.list();
  const environments = records
    .filter((record) => record.status === 'ready')
    .map(({ developer, clusterName }) => ({ developer, clusterName }))
    .sort((a, b) => a.developer.localeCompare(b.developer));
  const { canary, rest } = splitCanary(environments, config.imageSync.canary);
  return { canary, rest, count: environments.length };
});
