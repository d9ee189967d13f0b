/** What image-sync's handlers share: their input fields, and the Kubernetes API of a ready cluster. */
import type { Kube } from '../../adapters/ports';
import { z } from 'zod';
import type { Deps } from './deps';
import { developerField } from './fields';

export const appImageField = z.enum(['frontend', 'mongo']);
export const resolvedImageField = z.object({
  repository: z.string().min(3),
  tag: z.string().min(1),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, { message: 'must be a sha256 digest' }),
});
/** One ready environment of the Map over them. */
export const environmentFields = {
  developer: developerField,
  clusterName: z.string().regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, { message: 'must be an EKS cluster name' }),
};

/** The Kubernetes API of a cluster, or why there is none (the cluster is gone or not ACTIVE). */
export async function kubeOf(deps: Deps, clusterName: string): Promise<{ kube: Kube } | { unavailable: string }> {
  const cluster = await deps.clusters.describe(clusterName);
  if (cluster.status !== 'ACTIVE' || !cluster.endpoint || !cluster.certificateAuthority) {
    return { unavailable: `cluster ${clusterName} is ${cluster.status}${cluster.endpoint ? '' : ' with no endpoint'}` };
  }
  return { kube: deps.kubeFor({ name: cluster.name, endpoint: cluster.endpoint, certificateAuthority: cluster.certificateAuthority }) };
}
