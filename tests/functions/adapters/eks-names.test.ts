import { DescribeClusterCommand, EKSClient, ListClustersCommand } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { EksClusters } from '../../../functions/adapters/eks';
import { AuthenticationError, TransientError } from '../../../functions/core/errors';
import { untaggedLookalikes } from '../../../functions/core/plan';
import { awsSdkError } from './aws-json-server';

describe('EksClusters.listClusterNames', () => {
  const client = new EKSClient({ region: 'eu-west-1' });
  const eks = mockClient(client);
  const clusters = new EksClusters(client);

  beforeEach(() => eks.reset());

  it('lists every cluster across ListClusters pages (nextToken), tagged or not, without describing any', async () => {
    eks
      .on(ListClustersCommand, { nextToken: undefined })
      .resolves({ clusters: ['turbo-alice', 'prod-main'], nextToken: 'page-2' })
      .on(ListClustersCommand, { nextToken: 'page-2' })
      .resolves({ clusters: ['turbo-handmade'] });

    await expect(clusters.listClusterNames()).resolves.toEqual(['turbo-alice', 'prod-main', 'turbo-handmade']);
    expect(eks).toHaveReceivedCommandTimes(ListClustersCommand, 2);
    expect(eks).not.toHaveReceivedCommand(DescribeClusterCommand);
  });

  it('together with the tagged list, finds the look-alike that lacks turbo:owner', async () => {
    eks.on(ListClustersCommand).resolves({ clusters: ['turbo-alice', 'turbo-handmade', 'prod-main'] });
    eks
      .on(DescribeClusterCommand, { name: 'turbo-alice' })
      .resolves({ cluster: { name: 'turbo-alice', status: 'ACTIVE', tags: { 'turbo:owner': 'alice' } } });
    eks
      .on(DescribeClusterCommand, { name: 'turbo-handmade' })
      .resolves({ cluster: { name: 'turbo-handmade', status: 'ACTIVE', tags: { team: 'x' } } });
    eks.on(DescribeClusterCommand, { name: 'prod-main' }).resolves({ cluster: { name: 'prod-main', status: 'ACTIVE', tags: {} } });

    const [names, tagged] = await Promise.all([clusters.listClusterNames(), clusters.listTurboClusters()]);
    expect(untaggedLookalikes(names, tagged).map((lookalike) => lookalike.name)).toEqual(['turbo-handmade']);
  });

  it('names the call in errors: throttling is transient, access denied is an authentication error', async () => {
    eks.on(ListClustersCommand).rejects(awsSdkError('ThrottlingException', 429, 'Rate exceeded'));
    const throttled = clusters.listClusterNames();
    await expect(throttled).rejects.toBeInstanceOf(TransientError);
    await expect(throttled).rejects.toThrow(/EKS ListClusters/);

    eks.reset();
    eks.on(ListClustersCommand).rejects(awsSdkError('AccessDeniedException', 403, 'not authorized to perform eks:ListClusters'));
    await expect(clusters.listClusterNames()).rejects.toBeInstanceOf(AuthenticationError);
  });
});
