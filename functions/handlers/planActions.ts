/** PlanActions: reconcile's decision. Reads the roster, the records and the tagged clusters; core/plan decides. */
import { z } from 'zod';
import { plan } from '../core/plan';
import { lambda, logger } from './lib/stack';

const input = z.object({
  /** The execution's start time: a replayed reconcile plans for the moment it was scheduled, not for now. */
  time: z.iso.datetime({ offset: true }),
});

export const handler = lambda('PlanActions', input, async ({ time }, { config, store, clusters }) => {
  const [records, tagged] = await Promise.all([store.list(), clusters.listTurboClusters()]);
  const result = plan(new Date(time), config, records, tagged);
  logger.info('planned', { actions: result.actions.length, idle: result.idle.length });
  return {
    at: result.at,
    actions: result.actions.map(({ developer, action, runId, clusterName, expiresAt }) => ({
      developer,
      action,
      runId,
      clusterName,
      expiresAt: expiresAt ?? null,
    })),
    warnings: result.warnings.map(({ developer, runId, clusterName, teardownAt, keepOffer }) => ({ developer, runId, clusterName, teardownAt, keepOffer })),
    idle: result.idle.length,
  };
});
