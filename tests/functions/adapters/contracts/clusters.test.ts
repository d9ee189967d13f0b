/**
 * The Clusters contract, run against the in-memory EKS (adapters/memory/clusters.ts) and the EKS adapter
 * (adapters/eks.ts) on a client mocked with aws-sdk-client-mock that answers as EKS documents it.
 */
import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  ListClustersCommand,
  ListNodegroupsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import type { Clusters } from '../../../../functions/core/ports';
import { OWNER_TAG } from '../../../../functions/core/config';
import { EksClusters } from '../../../../functions/adapters/eks';
import { MemoryClusters } from '../../../../functions/adapters/memory/clusters';
import { REALISTIC_DURATIONS } from '../../../../functions/adapters/memory/simulation';

/** A cluster as the account has it: Turbo's (tagged with its owner) or someone else's (untagged). */
interface Existing {
  name: string;
  owner?: string;
  state: 'CREATING' | 'ACTIVE' | 'DELETING';
}
type ClustersWith = (existing: Existing[]) => Clusters;

const NOW = Date.parse('2026-11-24T06:00:00.000Z');

function memoryClusters(existing: Existing[]): Clusters {
  const clusters = new MemoryClusters('eu-west-1', REALISTIC_DURATIONS);
  for (const { name, owner, state } of existing) {
    if (owner === undefined) clusters.untaggedClusters.push(name);
    else if (state === 'CREATING') clusters.provision(name, owner, NOW, false, { min: 1, desired: 2, max: 3 });
    else clusters.add(name, owner, NOW - 3_600_000);
    if (state === 'DELETING') clusters.delete(name, NOW - 60_000, NOW + 600_000);
  }
  return clusters;
}

function eksClusters(existing: Existing[]): Clusters {
  const client = new EKSClient({ region: 'eu-west-1' });
  const notFound = (what: string) =>
    new ResourceNotFoundException({ message: `No cluster found for name: ${what}.`, $metadata: { httpStatusCode: 404 } });
  const find = (name: string) => {
    const cluster = existing.find((candidate) => candidate.name === name);
    if (!cluster) throw notFound(name);
    return cluster;
  };
  const eks = mockClient(client);
  eks.on(ListClustersCommand).resolves({ clusters: existing.map((cluster) => cluster.name) });
  eks.on(DescribeClusterCommand).callsFake(({ name }: { name: string }) => {
    const { owner, state } = find(name);
    return {
      cluster: {
        name,
        status: state,
        endpoint: `https://${name.toUpperCase()}.gr7.eu-west-1.eks.amazonaws.com`,
        certificateAuthority: { data: 'LS0tLS1CRUdJTi1DRVJUSUZJQ0FURS0tLS0t' },
        tags: owner === undefined ? {} : { [OWNER_TAG]: owner, 'turbo:managed-by': 'turbo' },
      },
    };
  });
  eks.on(ListNodegroupsCommand).callsFake(({ clusterName }: { clusterName: string }) => {
    find(clusterName);
    return { nodegroups: ['workers'] };
  });
  eks.on(DescribeNodegroupCommand).callsFake(({ clusterName, nodegroupName }: { clusterName: string; nodegroupName: string }) => ({
    nodegroup: { clusterName, nodegroupName, status: find(clusterName).state },
  }));
  return new EksClusters(client);
}

const IMPLEMENTATIONS: [string, ClustersWith][] = [
  ['the in-memory EKS', memoryClusters],
  ['EKS (mocked client)', eksClusters],
];

const ACCOUNT: Existing[] = [
  { name: 'turbo-alice', owner: 'alice', state: 'ACTIVE' },
  { name: 'turbo-bob', owner: 'bob', state: 'CREATING' },
  { name: 'turbo-carol', owner: 'carol', state: 'DELETING' },
  { name: 'turbo-handmade', state: 'ACTIVE' },
];

describe.each(IMPLEMENTATIONS)('Clusters contract: %s', (_name, clustersWith) => {
  beforeEach(() => {
    jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'queueMicrotask'] });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('describes a cluster that does not exist as ABSENT, with no tags', async () => {
    await expect(clustersWith(ACCOUNT).describe('turbo-dave')).resolves.toEqual({ name: 'turbo-dave', status: 'ABSENT', tags: {} });
  });

  it('describes a cluster with its status, its node group, its endpoint and CA, and its owner tag', async () => {
    const clusters = clustersWith(ACCOUNT);

    const alice = await clusters.describe('turbo-alice');
    const bob = await clusters.describe('turbo-bob');
    const carol = await clusters.describe('turbo-carol');

    expect(alice).toMatchObject({ name: 'turbo-alice', status: 'ACTIVE', nodegroupStatus: 'ACTIVE', tags: { [OWNER_TAG]: 'alice' } });
    expect(alice.endpoint).toMatch(/^https:\/\/[0-9A-Z-]+\.gr7\.eu-west-1\.eks\.amazonaws\.com$/);
    expect(alice.certificateAuthority).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect([bob.status, bob.nodegroupStatus]).toEqual(['CREATING', 'CREATING']);
    expect([carol.status, carol.nodegroupStatus]).toEqual(['DELETING', 'DELETING']);
  });

  it("lists Turbo's clusters by their owner tag, and every cluster's name, tagged or not", async () => {
    const clusters = clustersWith(ACCOUNT);

    const turbo = await clusters.listTurboClusters();

    expect(turbo.map((info) => [info.name, info.status, info.tags[OWNER_TAG]]).sort()).toEqual([
      ['turbo-alice', 'ACTIVE', 'alice'],
      ['turbo-bob', 'CREATING', 'bob'],
      ['turbo-carol', 'DELETING', 'carol'],
    ]);
    expect((await clusters.listClusterNames()).sort()).toEqual(['turbo-alice', 'turbo-bob', 'turbo-carol', 'turbo-handmade']);
  });
});

describe('the AWS calls of a listing, which the rehearsal and the soak count and judge against IAM', () => {
  // 200 of Turbo's clusters and 50 made by hand: three pages of ListClusters (100 names a page, as EKS documents).
  const fleet: Existing[] = Array.from({ length: 250 }, (_, index) =>
    index < 200 ? { name: `turbo-dev${index}`, owner: `dev${index}`, state: 'ACTIVE' } : { name: `handmade-${index}`, state: 'ACTIVE' },
  );

  /** Counts of each EKS action while `listing` runs, on the in-memory EKS (its onAwsCall) and on the EKS adapter (the commands it sent). */
  async function callsOf(listing: (clusters: Clusters) => Promise<unknown>) {
    const memoryCalls: Record<string, number> = {};
    const memory = new MemoryClusters('eu-west-1', REALISTIC_DURATIONS, (action) => {
      memoryCalls[action] = (memoryCalls[action] ?? 0) + 1;
    });
    for (const { name, owner } of fleet) {
      if (owner === undefined) memory.untaggedClusters.push(name);
      else memory.add(name, owner, NOW - 3_600_000);
    }
    await listing(memory);

    const client = new EKSClient({ region: 'eu-west-1' });
    const eks = mockClient(client);
    eks.on(ListClustersCommand).callsFake(({ nextToken }: { nextToken?: string }) => {
      const start = Number(nextToken ?? 0);
      const next = start + 100 < fleet.length ? String(start + 100) : undefined;
      return { clusters: fleet.slice(start, start + 100).map((cluster) => cluster.name), nextToken: next };
    });
    eks.on(DescribeClusterCommand).callsFake(({ name }: { name: string }) => {
      const owner = fleet.find((cluster) => cluster.name === name)?.owner;
      return { cluster: { name, status: 'ACTIVE', tags: owner === undefined ? {} : { [OWNER_TAG]: owner } } };
    });
    await listing(new EksClusters(client));
    return {
      memory: memoryCalls,
      eks: {
        'eks:ListClusters': eks.commandCalls(ListClustersCommand).length,
        'eks:DescribeCluster': eks.commandCalls(DescribeClusterCommand).length,
      },
    };
  }

  it("listing Turbo's clusters: one ListClusters per 100 names and one DescribeCluster per cluster, untagged ones too", async () => {
    const { memory, eks } = await callsOf((clusters) => clusters.listTurboClusters());
    expect(eks).toEqual({ 'eks:ListClusters': 3, 'eks:DescribeCluster': 250 });
    expect(memory).toEqual(eks);
  });

  it("listing every cluster's name: the ListClusters pages alone", async () => {
    const { memory, eks } = await callsOf((clusters) => clusters.listClusterNames());
    expect(eks).toEqual({ 'eks:ListClusters': 3, 'eks:DescribeCluster': 0 });
    expect(memory).toEqual({ 'eks:ListClusters': 3 });
  });
});
