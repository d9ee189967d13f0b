/** ListReadyEnvironments: the environments image-sync maps over, from the store (ready ones only). */
import { z } from 'zod';
import { lambda } from './lib/stack';

export const handler = lambda('ListReadyEnvironments', z.object({}).passthrough(), async (_input, { store }) => {
  const records = await store.list();
  const environments = records
    .filter((record) => record.status === 'ready')
    .map(({ developer, clusterName }) => ({ developer, clusterName }))
    .sort((a, b) => a.developer.localeCompare(b.developer));
  return { environments, count: environments.length };
});
