/**
 * The in-memory EKS: each developer's cluster and its node group, moving through CREATING, ACTIVE and DELETING on
 * the (virtual) clock as the runner's jobs create and destroy them.
 */
import type { ClusterInfo } from '../../core/types';
import type { Clusters } from '../../core/ports';
import { OWNER_TAG } from '../../core/config';
import { MemoryNodegroups, type Scaling } from './nodegroups';
import { type AwsCallListener, type Durations, jitteredMs, spread } from './simulation';

/** EKS ListClusters' largest page (maxResults: 1 to 100, and 100 when unset). */
const LIST_CLUSTERS_PAGE = 100;

export interface MemoryCluster {
  name: string;
  owner: string;
  createdAt: number;
  activeAt: number;
  failsAt?: number;
  deletingFrom?: number;
  goneAt?: number;
  endpoint: string;
}

export class MemoryClusters implements Clusters {
  readonly clusterMap = new Map<string, MemoryCluster>();
  /** Clusters in the account that Turbo did not tag (made by hand): listed and described, never touched. */
  readonly untaggedClusters: string[] = [];
  /** Each cluster's managed node group: its scaling and instances on the virtual clock (hibernate and wake). */
  readonly nodegroups = new MemoryNodegroups();
  /** The IAM principals a deploy gave an EKS access entry, by cluster (a taken warm pool cluster's taker). */
  readonly accessEntries = new Map<string, Set<string>>();

  constructor(
    readonly region: string,
    private readonly durations: Durations,
    private readonly onAwsCall: AwsCallListener = () => {},
  ) {}

  /** An existing cluster, e.g. an orphan left by someone who left the team. */
  add(name: string, owner: string, createdAt = Date.now()): void {
    this.clusterMap.set(name, { name, owner, createdAt, activeAt: createdAt, endpoint: this.endpointOf(name) });
  }

  /**
   * What an apply does to EKS: a new cluster, or convergence of a live one, with its node group at `scaling`.
   * `fails`: its node group fails to create.
   */
  provision(name: string, owner: string, now: number, fails: boolean, scaling: Scaling): void {
    const existing = this.clusterMap.get(name);
    if (existing && existing.goneAt === undefined) {
      // apply converges on a live cluster; a failed node group is replaced, which takes a few minutes
      if (existing.failsAt !== undefined) Object.assign(existing, { failsAt: undefined, activeAt: now + 5 * 60_000 });
      this.nodegroups.create(name, scaling, existing.activeAt + 60_000);
      return;
    }
    const activeAt = now + jitteredMs(this.durations, this.durations.clusterReadySeconds, `${owner}:cluster`);
    this.clusterMap.set(name, {
      name,
      owner,
      createdAt: now,
      activeAt,
      failsAt: fails ? activeAt - 120_000 : undefined,
      endpoint: this.endpointOf(name),
    });
    this.nodegroups.create(name, scaling, activeAt + 60_000);
  }

  /** CreateAccessEntry (and its policy): a second one for the same principal changes nothing. */
  grantAccess(name: string, principalArn: string): void {
    const entries = this.accessEntries.get(name) ?? new Set<string>();
    this.accessEntries.set(name, entries.add(principalArn));
  }

  /** What a destroy does to EKS: the cluster is DELETING from `now` and gone at `goneAt`. */
  delete(name: string, now: number, goneAt: number): void {
    const cluster = this.clusterMap.get(name);
    if (cluster) Object.assign(cluster, { deletingFrom: now, goneAt });
    this.nodegroups.forget(name);
    this.accessEntries.delete(name);
  }

  async describe(name: string): Promise<ClusterInfo> {
    this.onAwsCall('eks:DescribeCluster', name);
    this.onAwsCall('eks:ListNodegroups', name);
    this.onAwsCall('eks:DescribeNodegroup', name);
    const cluster = this.clusterMap.get(name);
    if (!cluster) return { name, status: 'ABSENT', tags: {} };
    return this.info(cluster, Date.now());
  }

  /** As adapters/eks does: ListClusters has no tag filter, so every cluster listed is described, untagged ones too. */
  async listTurboClusters(): Promise<ClusterInfo[]> {
    const live = this.liveClusters(Date.now());
    for (const name of this.listedNames(live)) this.onAwsCall('eks:DescribeCluster', name);
    return live;
  }

  async listClusterNames(): Promise<string[]> {
    return this.listedNames(this.liveClusters(Date.now()));
  }

  private liveClusters(now: number): ClusterInfo[] {
    return [...this.clusterMap.values()].map((cluster) => this.info(cluster, now)).filter((info) => info.status !== 'ABSENT');
  }

  /**
   * ListClusters' answer: every cluster's name, untagged ones too, in pages of at most 100 (its maxResults), one page
   * when there are none.
   */
  private listedNames(live: ClusterInfo[]): string[] {
    const names = [...live.map((info) => info.name), ...this.untaggedClusters];
    for (let page = 0; page < Math.max(1, Math.ceil(names.length / LIST_CLUSTERS_PAGE)); page++) this.onAwsCall('eks:ListClusters', '*');
    return names;
  }

  private endpointOf(clusterName: string): string {
    const id = Math.abs(Math.round(spread(clusterName) * 1e12))
      .toString(16)
      .toUpperCase()
      .padStart(10, '0');
    return `https://${id}.gr7.${this.region}.eks.amazonaws.com`;
  }

  private info(cluster: MemoryCluster, now: number): ClusterInfo {
    const tags = { [OWNER_TAG]: cluster.owner, 'turbo:managed-by': 'turbo' };
    const base = {
      name: cluster.name,
      endpoint: cluster.endpoint,
      certificateAuthority: Buffer.from(`fake CA of ${cluster.name}`).toString('base64'),
      tags,
    };
    if (cluster.goneAt !== undefined && now >= cluster.goneAt) return { ...base, status: 'ABSENT', nodegroupStatus: 'ABSENT' };
    if (cluster.deletingFrom !== undefined && now >= cluster.deletingFrom)
      return { ...base, status: 'DELETING', nodegroupStatus: 'DELETING' };
    if (cluster.failsAt !== undefined && now >= cluster.failsAt) return { ...base, status: 'ACTIVE', nodegroupStatus: 'CREATE_FAILED' };
    if (now < cluster.activeAt) return { ...base, status: 'CREATING', nodegroupStatus: 'CREATING' };
    if (now < cluster.activeAt + 60_000) return { ...base, status: 'ACTIVE', nodegroupStatus: 'CREATING' };
    const nodes = this.nodegroups.view(cluster.name, now);
    return { ...base, status: 'ACTIVE', nodegroupStatus: nodes.status, nodegroupDesired: nodes.desired };
  }
}
