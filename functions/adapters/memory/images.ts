/**
 * The in-memory cloud's image side: a Docker Hub that counts its lookups, and each cluster's two workloads,
 * whose rollouts progress on the (virtual) clock like a Deployment with maxSurge 1 and maxUnavailable 0.
 */
import { createHash } from 'node:crypto';
import type { KubeCluster, WorkloadRef, WorkloadState } from '../../core/types';
import type { Kube, Registry } from '../../core/ports';
import { TransientError } from '../../core/errors';
import { DOCKER_HUB_API_REQUESTS_PER_MINUTE, DOCKER_HUB_PULLS_PER_HOUR, HourlyWindow } from './limits';

/** How long a rollout of the app takes, and how long Kubernetes waits before ProgressDeadlineExceeded. */
const ROLLOUT_MS = 90_000;
const PROGRESS_DEADLINE_MS = 600_000;

export function fakeDigest(repository: string, tag: string): string {
  return `sha256:${createHash('sha256').update(`${repository}:${tag}`).digest('hex')}`;
}

/** What Docker Hub meters (limits.ts): Hub API requests per minute, and manifest GETs (pulls) per hour per IP. */
export interface DockerHubMeter {
  api: HourlyWindow;
  pulls: HourlyWindow;
}

export function dockerHubMeter(pullsPerHour: number = DOCKER_HUB_PULLS_PER_HOUR.anonymous): DockerHubMeter {
  return { api: new HourlyWindow(DOCKER_HUB_API_REQUESTS_PER_MINUTE, 60_000), pulls: new HourlyWindow(pullsPerHour) };
}

/** What scripts/deploy.sh puts in the pod spec for a deploy job's image: under the pull-through cache when the job names one. */
export function deployedImage(params: Record<string, string>, variable: 'FRONTEND_IMAGE' | 'MONGO_IMAGE'): string {
  const cache = params.PULL_THROUGH_CACHE;
  return cache ? `${cache}/${params[variable]}` : params[variable]!;
}

/**
 * An ECR pull-through cache for Docker Hub: a node's pull of an image it holds never reaches Docker Hub; one it
 * lacks, ECR fetches once with the account's credentials (Docker Hub's authenticated limit), then holds.
 */
export interface PullThroughCache {
  prefix: string;
  upstreamPulls: HourlyWindow;
  cached: Set<string>;
}

export class MemoryRegistry implements Registry {
  private readonly tags = new Map<string, string[]>();
  readonly calls = { listTags: 0, digest: 0, pulls: 0 };
  /** Docker Hub's limits; unset, nothing is metered. HEADs (digest) are never charged, as Docker Hub does not. */
  meter?: DockerHubMeter;
  pullThroughCache?: PullThroughCache;

  push(repository: string, tag: string): void {
    const tags = this.tags.get(repository) ?? [];
    if (!tags.includes(tag)) tags.push(tag);
    this.tags.set(repository, tags);
  }

  /** A repository with no tag at all: before its first release. */
  forget(repository: string): void {
    this.tags.delete(repository);
  }

  async listTags(repository: string): Promise<string[]> {
    this.calls.listTags += 1;
    const tags = this.tags.get(repository) ?? [];
    // One Hub API request per page of 100 tags (adapters/registry.ts asks for page_size=100).
    for (let page = 0; page < Math.max(1, Math.ceil(tags.length / 100)); page += 1) {
      if (this.meter && !this.meter.api.take(Date.now())) {
        throw new TransientError(`Docker Hub answered HTTP 429 Too Many Requests to the tags of ${repository} (the overall per-IP limit)`);
      }
    }
    return [...tags];
  }

  /**
   * A node pulling an image (a GET of its manifest). Through the pull-through cache, Docker Hub is asked only for
   * an image the cache lacks, under the account's authenticated limit; otherwise the pull is anonymous, charged
   * against the pull limit of the cluster's egress IP. False when Docker Hub refuses it (429 toomanyrequests: the
   * pod sits in ImagePullBackOff).
   */
  pull(image: string): boolean {
    this.calls.pulls += 1;
    const cache = this.pullThroughCache;
    if (cache && image.startsWith(`${cache.prefix}/`)) {
      if (cache.cached.has(image)) return true;
      if (!cache.upstreamPulls.take(Date.now())) return false;
      cache.cached.add(image);
      return true;
    }
    return this.meter?.pulls.take(Date.now()) ?? true;
  }

  async digest(repository: string, tag: string): Promise<string> {
    this.calls.digest += 1;
    if (!this.tags.get(repository)?.includes(tag)) throw new Error(`manifest unknown: ${repository}:${tag}`);
    return fakeDigest(repository, tag);
  }
}

interface Workload {
  ref: WorkloadRef;
  image: string;
  replicas: number;
  generation: number;
  patchedAt: number;
}

export class MemoryKube {
  private readonly clusters = new Map<string, Map<string, Workload>>();
  /** Clusters whose next rollout never becomes available (a crash-looping image, say). */
  private readonly stuck = new Set<string>();
  readonly patches: { cluster: string; workload: string; image: string }[] = [];

  /** `pull` is the registry's: false when a node's pull of a new image is refused (its rollout then never completes). */
  constructor(private readonly pull: (image: string) => boolean = () => true) {}

  has(clusterName: string): boolean {
    return this.clusters.has(clusterName);
  }

  /** The deploy job's result: the app's workloads on their first images. */
  deploy(clusterName: string, workloads: { ref: WorkloadRef; image: string; replicas: number }[]): void {
    const existing = this.clusters.get(clusterName);
    if (existing) {
      // kubectl apply converges: a re-run with the same images leaves the live app as it is; newer ones roll it (a wake's).
      for (const w of workloads) {
        const workload = existing.get(`${w.ref.kind}/${w.ref.name}`);
        if (workload && workload.image !== w.image)
          Object.assign(workload, { image: w.image, generation: workload.generation + 1, patchedAt: Date.now() });
      }
      return;
    }
    this.clusters.set(clusterName, new Map(workloads.map((w) => [`${w.ref.kind}/${w.ref.name}`, { ...w, generation: 1, patchedAt: 0 }])));
  }

  remove(clusterName: string): void {
    this.clusters.delete(clusterName);
  }

  failNextRollout(clusterName: string): void {
    this.stuck.add(clusterName);
  }

  imageOf(clusterName: string, ref: WorkloadRef): string | undefined {
    return this.clusters.get(clusterName)?.get(`${ref.kind}/${ref.name}`)?.image;
  }

  private state(clusterName: string, workload: Workload): WorkloadState {
    const elapsed = Date.now() - workload.patchedAt;
    const stuck = this.stuck.has(clusterName) && workload.generation > 1;
    const done = !stuck && elapsed >= ROLLOUT_MS;
    const overdue = stuck && elapsed >= PROGRESS_DEADLINE_MS;
    const desired = workload.replicas;
    return {
      ref: workload.ref,
      image: workload.image,
      generation: workload.generation,
      observedGeneration: workload.generation,
      desiredReplicas: desired,
      replicas: done ? desired : desired + 1,
      updatedReplicas: done ? desired : 1,
      readyReplicas: desired,
      availableReplicas: desired,
      currentRevision: done ? `rev-${workload.generation}` : `rev-${workload.generation - 1}`,
      updateRevision: `rev-${workload.generation}`,
      conditions: overdue
        ? [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet has timed out progressing.` }]
        : [{ type: 'Progressing', status: 'True', reason: done ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated' }],
    };
  }

  kubeFor = (cluster: KubeCluster): Kube => ({
    getWorkload: async (ref) => {
      const workload = this.clusters.get(cluster.name)?.get(`${ref.kind}/${ref.name}`);
      return workload && this.state(cluster.name, workload);
    },
    setImage: async (ref, image) => {
      const workload = this.clusters.get(cluster.name)?.get(`${ref.kind}/${ref.name}`);
      if (!workload) throw new Error(`${ref.kind} ${ref.namespace}/${ref.name} not found in ${cluster.name}`);
      if (workload.image !== image) {
        Object.assign(workload, { image, generation: workload.generation + 1, patchedAt: Date.now() });
        if (!this.pull(image)) this.stuck.add(cluster.name); // ImagePullBackOff: the new pods never become ready
        this.patches.push({ cluster: cluster.name, workload: `${ref.kind}/${ref.name}`, image });
      }
      return this.state(cluster.name, workload);
    },
  });
}
