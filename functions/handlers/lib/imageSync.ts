/** What image-sync's handlers share: their input fields, and the Kubernetes API of a ready cluster. */
import type { Kube } from '../../core/ports';
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
