/** What image-sync's handlers share: their input fields, the Kubernetes API of a ready cluster, and the run's failure budget. */
import type { EnvironmentStore, Kube } from '../../core/ports';
import { budgetKeys, budgetState, type BudgetState } from '../../core/images';
import { OPS_RECORD } from '../../core/types';
import * as z from 'zod';
import type { Deps } from './deps';
import { clusterNameSchema, developerNameSchema } from '../../core/types';

export const appImageField = z.enum(['frontend', 'mongo']);
/** One ready environment of the Map over them. */
export const environmentFields = {
  developer: developerNameSchema,
  clusterName: clusterNameSchema,
};

/** The Kubernetes API of a cluster, or why there is none (the cluster is gone or not ACTIVE). */
export async function kubeOf(
  deps: Pick<Deps, 'clusters' | 'kubeFor'>,
  clusterName: string,
): Promise<{ kube: Kube } | { unavailable: string }> {
  const cluster = await deps.clusters.describe(clusterName);
  if (cluster.status !== 'ACTIVE' || !cluster.endpoint || !cluster.certificateAuthority) {
    return { unavailable: `cluster ${clusterName} is ${cluster.status}${cluster.endpoint ? '' : ' with no endpoint'}` };
  }
  return { kube: deps.kubeFor({ name: cluster.name, endpoint: cluster.endpoint, certificateAuthority: cluster.certificateAuthority }) };
}

type Canary = { clusters: number; toleratedFailures: number };

/** The run's failure budget as it stands (core/images budgetState). */
export async function budgetOf(store: EnvironmentStore, execution: string, canary: Canary): Promise<BudgetState> {
  return budgetState((await store.get(OPS_RECORD))?.notified ?? [], budgetKeys(execution, canary));
}

/**
 * Counts one environment that runs the release (`ok`) or failed it against the run's budget, while the budget is
 * open: each takes the next free slot (a conditional write), and the failure past the tolerated ones breaks the
 * budget unless the release was proven meanwhile. Bounded and race-free; a replayed count (a retried invoke)
 * takes a second slot, so it makes the verdict come one environment early.
 */
export async function countAgainstBudget(
  store: EnvironmentStore,
  execution: string,
  canary: Canary,
  outcome: 'ok' | 'failed',
): Promise<BudgetState> {
  const keys = budgetKeys(execution, canary);
  const state = await budgetOf(store, execution, canary);
  if (state !== 'open') return state;
  const slots = outcome === 'ok' ? keys.successes : keys.failures;
  for (const slot of slots) {
    if (!(await store.markNotified(OPS_RECORD, slot))) continue;
    if (slot !== slots.at(-1) || outcome === 'ok') return budgetOf(store, execution, canary);
    if ((await budgetOf(store, execution, canary)) === 'proven') return 'proven';
    await store.markNotified(OPS_RECORD, keys.broken);
    return 'broken';
  }
  return budgetOf(store, execution, canary);
}

/** Forgets the run's budget keys once its summary is made, so that the ops record does not grow with runs. */
export async function releaseBudget(store: EnvironmentStore, execution: string, canary: Canary): Promise<BudgetState> {
  const notified = (await store.get(OPS_RECORD))?.notified ?? [];
  const keys = budgetKeys(execution, canary);
  for (const key of notified.filter((key) => key.startsWith(keys.prefix))) await store.unmarkNotified(OPS_RECORD, key);
  return budgetState(notified, keys);
}
