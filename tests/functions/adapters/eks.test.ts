import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  ListClustersCommand,
  ListNodegroupsCommand,
  ResourceNotFoundException,
  type NodegroupStatus,
} from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { EksClusters, aggregateNodegroupStatus } from '../../../functions/adapters/eks';
import { AuthenticationError, TransientError } from '../../../functions/core/errors';
import { awsSdkError } from './aws-json-server';

const notFound = (what: string) =>
  new ResourceNotFoundException({ message: `No cluster found for name: ${what}.`, $metadata: { httpStatusCode: 404 } });

const activeCluster = {
  name: 'turbo-alice',
  status: 'ACTIVE' as const,
  endpoint: 'https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com',
  certificateAuthority: { data: 'LS0tLS1CRUdJTi...' },
  tags: { 'turbo:owner': 'alice', team: 'platform' },
};

describe('EksClusters', () => {
  const client = new EKSClient({ region: 'eu-west-1' });
  const eks = mockClient(client);
  const clusters = new EksClusters(client);

  beforeEach(() => eks.reset());

  describe('describe', () => {
    const withNodegroups = (statuses: NodegroupStatus[], desired = statuses.map(() => 2)) => {
      eks.on(DescribeClusterCommand, { name: 'turbo-alice' }).resolves({ cluster: activeCluster });
      eks.on(ListNodegroupsCommand).resolves({ nodegroups: statuses.map((_, index) => `ng-${index}`) });
      statuses.forEach((status, index) => {
        eks.on(DescribeNodegroupCommand, { clusterName: 'turbo-alice', nodegroupName: `ng-${index}` }).resolves({
          nodegroup: { status, scalingConfig: { minSize: 0, desiredSize: desired[index], maxSize: 3 } },
        });
      });
    };

    it('gives the cluster, its endpoint and CA, tags and the node groups state', async () => {
      withNodegroups(['ACTIVE', 'ACTIVE']);

      await expect(clusters.describe('turbo-alice')).resolves.toEqual({
        name: 'turbo-alice',
        status: 'ACTIVE',
        endpoint: activeCluster.endpoint,
        certificateAuthority: 'LS0tLS1CRUdJTi...',
        tags: activeCluster.tags,
        nodegroupStatus: 'ACTIVE',
        nodegroupDesired: 4,
      });
      expect(eks).toHaveReceivedCommandTimes(DescribeNodegroupCommand, 2);
    });

    it('adds up the node groups desired sizes: 0 only when every group is at 0 (hibernated), never for an unknown size', async () => {
      withNodegroups(['ACTIVE', 'ACTIVE'], [0, 0]);
      expect((await clusters.describe('turbo-alice')).nodegroupDesired).toBe(0);
      withNodegroups(['ACTIVE', 'ACTIVE'], [0, 1]);
      expect((await clusters.describe('turbo-alice')).nodegroupDesired).toBe(1);
      eks.on(DescribeNodegroupCommand, { clusterName: 'turbo-alice', nodegroupName: 'ng-1' }).resolves({ nodegroup: { status: 'ACTIVE' } });
      expect((await clusters.describe('turbo-alice')).nodegroupDesired).toBeNaN();
    });

    it.each([
      [['ACTIVE', 'CREATING'], 'CREATING'],
      [['ACTIVE', 'DEGRADED', 'CREATING'], 'DEGRADED'],
      [['DEGRADED', 'CREATE_FAILED'], 'CREATE_FAILED'],
      [['ACTIVE', 'DELETE_FAILED'], 'DEGRADED'],
    ] as [NodegroupStatus[], string][])('aggregates node groups %j to %s', async (statuses, expected) => {
      withNodegroups(statuses);
      await expect(clusters.describe('turbo-alice')).resolves.toMatchObject({ nodegroupStatus: expected });
    });

    it('reports ABSENT node groups for a cluster that has none yet', async () => {
      withNodegroups([]);
      await expect(clusters.describe('turbo-alice')).resolves.toMatchObject({ status: 'ACTIVE', nodegroupStatus: 'ABSENT' });
    });

    it('follows the node group pages', async () => {
      eks.on(DescribeClusterCommand).resolves({ cluster: activeCluster });
      eks
        .on(ListNodegroupsCommand, { clusterName: 'turbo-alice', nextToken: undefined })
        .resolves({ nodegroups: ['ng-a'], nextToken: 'page-2' })
        .on(ListNodegroupsCommand, { clusterName: 'turbo-alice', nextToken: 'page-2' })
        .resolves({ nodegroups: ['ng-b'] });
      eks.on(DescribeNodegroupCommand, { nodegroupName: 'ng-a' }).resolves({ nodegroup: { status: 'ACTIVE' } });
      eks.on(DescribeNodegroupCommand, { nodegroupName: 'ng-b' }).resolves({ nodegroup: { status: 'CREATING' } });

      await expect(clusters.describe('turbo-alice')).resolves.toMatchObject({ nodegroupStatus: 'CREATING' });
      expect(eks).toHaveReceivedCommandTimes(ListNodegroupsCommand, 2);
    });

    it('reports a cluster that does not exist as ABSENT', async () => {
      eks.on(DescribeClusterCommand).rejects(notFound('turbo-bob'));

      await expect(clusters.describe('turbo-bob')).resolves.toEqual({ name: 'turbo-bob', status: 'ABSENT', tags: {} });
      expect(eks).not.toHaveReceivedCommand(ListNodegroupsCommand);
    });

    it('reports ABSENT when the cluster disappears between its describe and the node group list', async () => {
      eks.on(DescribeClusterCommand).resolves({ cluster: { ...activeCluster, status: 'DELETING' } });
      eks.on(ListNodegroupsCommand).rejects(notFound('turbo-alice'));

      await expect(clusters.describe('turbo-alice')).resolves.toMatchObject({ status: 'ABSENT' });
    });

    it('ignores a node group deleted between the list and its describe', async () => {
      eks.on(DescribeClusterCommand).resolves({ cluster: activeCluster });
      eks.on(ListNodegroupsCommand).resolves({ nodegroups: ['ng-old', 'ng-new'] });
      eks.on(DescribeNodegroupCommand, { nodegroupName: 'ng-old' }).rejects(notFound('ng-old'));
      eks.on(DescribeNodegroupCommand, { nodegroupName: 'ng-new' }).resolves({ nodegroup: { status: 'ACTIVE' } });

      await expect(clusters.describe('turbo-alice')).resolves.toMatchObject({ nodegroupStatus: 'ACTIVE' });
    });

    it('surfaces throttling that outlived the SDK retries as TransientError', async () => {
      eks.on(DescribeClusterCommand).rejects(awsSdkError('ThrottlingException', 429));

      const failure = clusters.describe('turbo-alice');
      await expect(failure).rejects.toBeInstanceOf(TransientError);
      await expect(failure).rejects.toThrow("EKS DescribeCluster turbo-alice failed after the SDK's retries");
    });

    it('surfaces a 5xx on a node group as TransientError naming it', async () => {
      eks.on(DescribeClusterCommand).resolves({ cluster: activeCluster });
      eks.on(ListNodegroupsCommand).resolves({ nodegroups: ['ng-a'] });
      eks.on(DescribeNodegroupCommand).rejects(awsSdkError('ServerException', 500));

      await expect(clusters.describe('turbo-alice')).rejects.toThrow(
        expect.objectContaining({
          name: 'Turbo.TransientError',
          message: expect.stringContaining('EKS DescribeNodegroup turbo-alice/ng-a'),
        }),
      );
    });

    it('turns AccessDenied into AuthenticationError', async () => {
      eks.on(DescribeClusterCommand).rejects(awsSdkError('AccessDeniedException', 403));
      await expect(clusters.describe('turbo-alice')).rejects.toBeInstanceOf(AuthenticationError);
    });
  });

  describe('listTurboClusters', () => {
    it('pages through every cluster and keeps those tagged turbo:owner', async () => {
      eks
        .on(ListClustersCommand, { nextToken: undefined })
        .resolves({ clusters: ['turbo-alice', 'prod'], nextToken: 'next' })
        .on(ListClustersCommand, { nextToken: 'next' })
        .resolves({ clusters: ['turbo-orphan', 'gone'] });
      eks
        .on(DescribeClusterCommand, { name: 'turbo-alice' })
        .resolves({ cluster: activeCluster })
        .on(DescribeClusterCommand, { name: 'prod' })
        .resolves({ cluster: { name: 'prod', status: 'ACTIVE', tags: { team: 'platform' } } })
        .on(DescribeClusterCommand, { name: 'turbo-orphan' })
        .resolves({ cluster: { name: 'turbo-orphan', status: 'DELETING', tags: { 'turbo:owner': 'carol' } } })
        .on(DescribeClusterCommand, { name: 'gone' })
        .rejects(notFound('gone'));

      const found = await clusters.listTurboClusters();

      expect(found.map((cluster) => [cluster.name, cluster.status, cluster.tags['turbo:owner']])).toEqual([
        ['turbo-alice', 'ACTIVE', 'alice'],
        ['turbo-orphan', 'DELETING', 'carol'],
      ]);
      expect(eks).toHaveReceivedCommandTimes(ListClustersCommand, 2);
      expect(eks).toHaveReceivedCommandTimes(DescribeClusterCommand, 4);
    });

    it('gives an empty list for an account without clusters', async () => {
      eks.on(ListClustersCommand).resolves({ clusters: [] });
      await expect(clusters.listTurboClusters()).resolves.toEqual([]);
    });

    it('surfaces a failing ListClusters as TransientError', async () => {
      eks.on(ListClustersCommand).rejects(awsSdkError('ServiceUnavailableException', 503));
      await expect(clusters.listTurboClusters()).rejects.toThrow(
        expect.objectContaining({ name: 'Turbo.TransientError', message: expect.stringContaining('EKS ListClusters') }),
      );
    });
  });
});

describe('aggregateNodegroupStatus', () => {
  it('is ACTIVE only when every node group is', () => {
    expect(aggregateNodegroupStatus(['ACTIVE', 'ACTIVE', 'ACTIVE'])).toBe('ACTIVE');
    expect(aggregateNodegroupStatus(['ACTIVE', 'UPDATING'])).toBe('UPDATING');
    expect(aggregateNodegroupStatus(['DELETING', 'CREATING'])).toBe('DELETING');
  });
});
