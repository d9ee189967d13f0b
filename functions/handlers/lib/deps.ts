/**
 * What a handler needs from the outside world, behind the ports. In Lambda the real adapters are built once per
 * container (see ./aws.ts); rehearsals and workflow tests bind the in-memory cloud instead.
 */
import type { TurboConfig } from '../../core/config';
import type {
  Clusters, EnvironmentStore, JobRunner, Kube, KubeCluster, Notifier, PlanStore, Registry, SecretStore, Workflows,
} from '../../adapters/ports';

export interface Deps {
  config: TurboConfig;
  store: EnvironmentStore;
  clusters: Clusters;
  runner: JobRunner;
  notifier: Notifier;
  secrets: SecretStore;
  registry: Registry;
  /** The Kubernetes API of one cluster (image-sync). */
  kubeFor: (cluster: KubeCluster) => Kube;
  /** Starts image-sync executions (the image webhook). */
  workflows: Workflows;
  /** Reconcile's plan, for its Distributed Map to read (planActions). */
  plans: PlanStore;
  /** Values a Lambda learns from its environment (the region, the console's view of executions). */
  region: string;
}

export type DepsFactory = () => Promise<Deps>;

let bound: DepsFactory | undefined;
let cached: Promise<Deps> | undefined;

/** Binds the ports for every handler in this process (rehearsal, tests). */
export function bindDeps(factory: DepsFactory): void {
  bound = factory;
  cached = undefined;
}

export function resolveDeps(): Promise<Deps> {
  if (bound) return bound();
  cached ??= import('./aws').then((aws) => aws.awsDeps()).catch((error: unknown) => {
    cached = undefined; // a failed cold start (e.g. SSM throttled) must not poison the container
    throw error;
  });
  return cached;
}
