/**
 * Clusters on Amazon EKS: a cluster's state together with its managed node groups, and the clusters Turbo owns.
 */
import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  paginateListClusters,
  paginateListNodegroups,
  type Cluster,
  type Nodegroup,
  type NodegroupStatus as EksNodegroupStatus,
} from '@aws-sdk/client-eks';
import { OWNER_TAG } from '../core/config';
import type { ClusterInfo } from '../core/types';
import type { Clusters } from '../core/ports';
import { awsErrorName, translateAwsError } from './retry';

type NodegroupState = NonNullable<ClusterInfo['nodegroupStatus']>;

/** Worst first: the aggregate of several node groups is the worst state among them. */
const NODEGROUP_SEVERITY: NodegroupState[] = ['CREATE_FAILED', 'DEGRADED', 'DELETING', 'CREATING', 'UPDATING', 'ACTIVE'];

/** The port has no DELETE_FAILED: a node group that could not be deleted needs a human, like a degraded one. */
function nodegroupState(status: EksNodegroupStatus | undefined): NodegroupState {
  if (status === 'DELETE_FAILED') return 'DEGRADED';
  if (status === undefined) return 'CREATING';
  return status;
}

/** ACTIVE only when every node group is; ABSENT when there is none. */
export function aggregateNodegroupStatus(statuses: (EksNodegroupStatus | undefined)[]): NodegroupState {
  if (statuses.length === 0) return 'ABSENT';
  const states = new Set(statuses.map(nodegroupState));
  return NODEGROUP_SEVERITY.find((state) => states.has(state)) ?? 'ACTIVE';
}

const isNotFound = (error: unknown) => awsErrorName(error) === 'ResourceNotFoundException';

export function createEksClient(region?: string): EKSClient {
  return new EKSClient({ region });
}

export class EksClusters implements Clusters {
  constructor(private readonly client: EKSClient) {}

  async describe(name: string): Promise<ClusterInfo> {
    const cluster = await this.describeCluster(name);
    if (!cluster) return absent(name);
    let nodegroupNames: string[];
    try {
      nodegroupNames = await collect(paginateListNodegroups({ client: this.client }, { clusterName: name }), (page) => page.nodegroups);
    } catch (error) {
      if (isNotFound(error)) return absent(name);
      throw translateAwsError(error, `EKS ListNodegroups for ${name}`);
    }
    const nodegroups = await Promise.all(nodegroupNames.map((nodegroupName) => this.nodegroup(name, nodegroupName)));
    // A node group deleted between the list and its describe no longer counts.
    const found = nodegroups.filter((nodegroup) => nodegroup !== 'GONE');
    return {
      ...infoOf(cluster, name),
      nodegroupStatus: aggregateNodegroupStatus(found.map((nodegroup) => nodegroup?.status)),
      nodegroupDesired: found.reduce((sum, nodegroup) => sum + (nodegroup?.scalingConfig?.desiredSize ?? Number.NaN), 0),
    };
  }

  /**
   * EKS ListClusters has no tag filter, so every cluster of the account and region is described and
   * those without Turbo's owner tag are dropped.
   */
  async listTurboClusters(): Promise<ClusterInfo[]> {
    const names = await this.listClusterNames();
    const clusters = await Promise.all(names.map(async (name) => ({ name, cluster: await this.describeCluster(name) })));
    return clusters.flatMap(({ name, cluster }) => (cluster?.tags?.[OWNER_TAG] === undefined ? [] : [infoOf(cluster, name)]));
  }

  /** Every cluster of the account and region, across all pages of ListClusters. */
  async listClusterNames(): Promise<string[]> {
    return collect(paginateListClusters({ client: this.client }, {}), (page) => page.clusters).catch((error: unknown) => {
      throw translateAwsError(error, 'EKS ListClusters');
    });
  }

  /** Undefined when the cluster does not exist (never created, or deleted). */
  private async describeCluster(name: string): Promise<Cluster | undefined> {
    try {
      const { cluster } = await this.client.send(new DescribeClusterCommand({ name }));
      return cluster;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw translateAwsError(error, `EKS DescribeCluster ${name}`);
    }
  }

  private async nodegroup(clusterName: string, nodegroupName: string): Promise<Nodegroup | 'GONE' | undefined> {
    try {
      const { nodegroup } = await this.client.send(new DescribeNodegroupCommand({ clusterName, nodegroupName }));
      return nodegroup;
    } catch (error) {
      if (isNotFound(error)) return 'GONE';
      throw translateAwsError(error, `EKS DescribeNodegroup ${clusterName}/${nodegroupName}`);
    }
  }
}

async function collect<Page>(pages: AsyncIterable<Page>, items: (page: Page) => string[] | undefined): Promise<string[]> {
  const all: string[] = [];
  for await (const page of pages) all.push(...(items(page) ?? []));
  return all;
}

const absent = (name: string): ClusterInfo => ({ name, status: 'ABSENT', tags: {} });

function infoOf(cluster: Cluster, name: string): ClusterInfo {
  return {
    name: cluster.name ?? name,
    status: cluster.status ?? 'PENDING',
    endpoint: cluster.endpoint,
    certificateAuthority: cluster.certificateAuthority?.data,
    tags: cluster.tags ?? {},
  };
}
