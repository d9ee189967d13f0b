import {
  jobRunIdFor,
  queuedSecondsOf,
  runIdOfJob,
  runningSeconds,
  clusterHasFailed,
  expectedJobSeconds,
  isReusable,
  jobEffectHolds,
  jobParams,
  placeholderImageProblem,
  shouldFallBackToOnDemand,
} from '../../../functions/core/jobs';
import type { JobHandle } from '../../../functions/core/types';
import { configSchema } from '../../../functions/core/config';
import { loadConfigText } from '../../../functions/core/configFile';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const exampleText = readFileSync(join(__dirname, '../../../turbo.config.example.yml'), 'utf8');
const config = loadConfigText(exampleText);
const example = parse(exampleText);
const handle: JobHandle = {
  runner: 'memory',
  kind: 'apply',
  developer: 'alice',
  runId: 'alice-up-20261124',
  id: 'job-1',
  startedAt: '2026-11-24T08:00:00.000Z',
};
const at = (iso: string) => new Date(iso);

describe('isReusable: what a replayed or redriven run does with the job it started before', () => {
  it('reuses a running job within its timeout, and replaces one past it (hung)', () => {
    expect(isReusable({ state: 'running' }, handle, 'apply', 60, true, at('2026-11-24T08:59:00Z'))).toBe(true);
    expect(isReusable({ state: 'running' }, handle, 'apply', 60, true, at('2026-11-24T09:01:00Z'))).toBe(false);
  });

  it('replaces a failed job, and a succeeded apply whose cluster ended unhealthy', () => {
    expect(isReusable({ state: 'failed', reason: 'FAILED' }, handle, 'apply', 60, true)).toBe(false);
    expect(isReusable({ state: 'succeeded', outputs: {} }, handle, 'apply', 60, true)).toBe(true);
    expect(isReusable({ state: 'succeeded', outputs: {} }, handle, 'apply', 60, false)).toBe(false);
    expect(isReusable({ state: 'succeeded', outputs: {} }, { ...handle, kind: 'deploy' }, 'deploy', 60, false)).toBe(true);
  });

  it('replaces a succeeded hibernate whose node group is not at desired 0: it reported success and left the nodes up', () => {
    const cluster = (nodegroupDesired: number) => ({ name: 'turbo-alice', status: 'ACTIVE' as const, nodegroupDesired, tags: {} });
    expect([jobEffectHolds('hibernate', cluster(0)), jobEffectHolds('hibernate', cluster(2))]).toEqual([true, false]);
    expect([jobEffectHolds('wake', cluster(0)), jobEffectHolds('deploy', cluster(2))]).toEqual([true, true]);
    const hibernate = { ...handle, kind: 'hibernate' as const };
    expect(isReusable({ state: 'succeeded', outputs: {} }, hibernate, 'hibernate', 60, false)).toBe(false);
  });
});

describe('jobParams: what the scripts are told', () => {
  it('gives apply the cluster sizes, the principal and the expiry, and deploy only the pinned images', () => {
    const apply = jobParams(config, 'apply', {
      developer: 'alice',
      iamPrincipalArn: 'arn:aws:iam::123456789012:user/alice',
      expiresAt: '2026-11-24T18:00:00.000Z',
    });
    expect(apply).toEqual({
      CLUSTER_NAME: 'turbo-alice',
      AWS_REGION: 'eu-west-1',
      KUBERNETES_VERSION: '1.35',
      NODE_INSTANCE_TYPES: 't3.medium',
      NODE_CAPACITY_TYPE: 'ON_DEMAND',
      NODE_ARCH: 'amd64',
      NODE_SPOT_WAIT_MINUTES: '10',
      NODE_MIN_SIZE: '1',
      NODE_DESIRED_SIZE: '2',
      NODE_MAX_SIZE: '3',
      DEVELOPER_PRINCIPAL_ARN: 'arn:aws:iam::123456789012:user/alice',
      EXPIRES_AT: '2026-11-24T18:00:00.000Z',
    });
    const deploy = jobParams(config, 'deploy', { developer: 'alice', images: { frontend: 'acme/turbo-notes:1.3.0@sha256:ab' } });
    expect(deploy).toEqual({
      CLUSTER_NAME: 'turbo-alice',
      AWS_REGION: 'eu-west-1',
      FRONTEND_IMAGE: 'acme/turbo-notes:1.3.0@sha256:ab',
      PULL_THROUGH_CACHE: config.cluster.pullThroughCache,
    });
    const { pullThroughCache: _none, ...direct } = config.cluster;
    expect(jobParams({ ...config, cluster: direct }, 'deploy', { developer: 'alice' })).not.toHaveProperty('PULL_THROUGH_CACHE');
    expect(jobParams(config, 'destroy', { developer: 'zed' })).toEqual({ CLUSTER_NAME: 'turbo-zed', AWS_REGION: 'eu-west-1' });
  });

  it('asks for Spot across every same-size type of the developer’s arch, and for On-Demand of the first type on fallback', () => {
    const spot = configSchema.parse({
      ...example,
      cluster: {
        ...example.cluster,
        instanceTypes: { amd64: ['t3.medium', 't3a.medium'], arm64: ['t4g.medium', 'c7g.large'] },
        nodes: { ...example.cluster.nodes, capacity: 'spot' },
      },
      developers: example.developers.map((dev: { name: string }) => (dev.name === 'bob' ? { ...dev, nodes: { arch: 'arm64' } } : dev)),
    });
    const nodeParams = (params: Record<string, string>) =>
      Object.fromEntries(Object.entries(params).filter(([name]) => /^NODE_(INSTANCE_TYPES|CAPACITY_TYPE|ARCH)$/.test(name)));
    expect(nodeParams(jobParams(spot, 'apply', { developer: 'alice' }))).toEqual({
      NODE_INSTANCE_TYPES: 't3.medium,t3a.medium',
      NODE_CAPACITY_TYPE: 'SPOT',
      NODE_ARCH: 'amd64',
    });
    expect(nodeParams(jobParams(spot, 'apply', { developer: 'bob' }))).toEqual({
      NODE_INSTANCE_TYPES: 't4g.medium,c7g.large',
      NODE_CAPACITY_TYPE: 'SPOT',
      NODE_ARCH: 'arm64',
    });
    expect(nodeParams(jobParams(spot, 'apply', { developer: 'bob', capacity: 'on-demand' }))).toEqual({
      NODE_INSTANCE_TYPES: 't4g.medium',
      NODE_CAPACITY_TYPE: 'ON_DEMAND',
      NODE_ARCH: 'arm64',
    });
  });

  it('expects each job to last what the config says', () => {
    expect([expectedJobSeconds(config, 'apply'), expectedJobSeconds(config, 'deploy'), expectedJobSeconds(config, 'destroy')]).toEqual([
      720, 60, 600,
    ]);
  });
});

describe('shouldFallBackToOnDemand', () => {
  const spotFailure =
    "Error: waiting for EKS Node Group (turbo-bob:default) create: unexpected state 'CREATE_FAILED'. AsgInstanceLaunchFailures: " +
    'Could not launch Spot Instances. UnfulfillableCapacity - Unable to fulfill capacity due to your request configuration';
  const timeout =
    "Error: waiting for EKS Node Group (turbo-bob:default) create: timeout while waiting for state to become 'ACTIVE' (last state: 'CREATING', timeout: 10m0s)";

  it('falls back only for a Spot apply that found no capacity or ran out of its deadline', () => {
    expect([shouldFallBackToOnDemand('spot', spotFailure), shouldFallBackToOnDemand('spot', timeout)]).toEqual([true, true]);
    expect(shouldFallBackToOnDemand('spot', 'InsufficientInstanceCapacity: no t3a.medium in eu-west-1b')).toBe(true);
    expect([shouldFallBackToOnDemand('on-demand', spotFailure), shouldFallBackToOnDemand(null, timeout)]).toEqual([false, false]);
    expect(shouldFallBackToOnDemand('spot', 'Error: creating EKS Node Group: AccessDenied')).toBe(false);
  });
});

describe('clusterHasFailed', () => {
  it('is true for a FAILED control plane or a failed or degraded node group, false while creating or healthy', () => {
    const cluster = (status: 'ACTIVE' | 'FAILED' | 'CREATING', nodegroupStatus?: 'ACTIVE' | 'CREATE_FAILED' | 'DEGRADED' | 'CREATING') => ({
      name: 'turbo-alice',
      status,
      nodegroupStatus,
      tags: {},
    });
    expect([cluster('FAILED'), cluster('ACTIVE', 'CREATE_FAILED'), cluster('ACTIVE', 'DEGRADED')].map(clusterHasFailed)).toEqual([
      true,
      true,
      true,
    ]);
    expect([cluster('CREATING', 'CREATING'), cluster('ACTIVE', 'ACTIVE')].map(clusterHasFailed)).toEqual([false, false]);
  });
});

describe('placeholderImageProblem', () => {
  it('names the image a deploy would leave on the base’s placeholder, as scripts/deploy.sh does', () => {
    const pinned = { FRONTEND_IMAGE: 'acme/turbo-notes:1.3.0@sha256:ab', MONGO_IMAGE: 'acme/turbo-mongo:8.0.3@sha256:cd' };
    expect(placeholderImageProblem(pinned)).toBeUndefined();
    expect(placeholderImageProblem({ ...pinned, MONGO_IMAGE: '' })).toBe(
      "MONGO_IMAGE is not set: the base's placeholder image turbo-mongo cannot be pulled",
    );
    expect(placeholderImageProblem({ CLUSTER_NAME: 'turbo-alice' })).toBe(
      "FRONTEND_IMAGE is not set: the base's placeholder image turbo-frontend cannot be pulled",
    );
  });
});

describe('runningSeconds: what counts against a job’s timeout', () => {
  const startedAt = '2026-11-24T06:00:00Z';
  const now = new Date('2026-11-24T08:00:00Z');
  it('counts nothing while the job waits in the runner’s queue, however long since it was started', () => {
    expect(runningSeconds({ queued: true }, startedAt, now)).toBe(0);
  });
  it('counts from when the job left the queue, not from its start', () => {
    expect(runningSeconds({ runningSince: '2026-11-24T07:50:00Z' }, startedAt, now)).toBe(600);
  });
  it('counts from the start when the runner does not say', () => {
    expect(runningSeconds({}, startedAt, now)).toBe(7200);
  });
});

describe('a job’s key at the runner', () => {
  it('is its run’s ID on the first attempt and names each later one, and the run is found again from any of them', () => {
    expect(jobRunIdFor('alice-up-20261124', 1)).toBe('alice-up-20261124');
    expect(jobRunIdFor('alice-up-20261124', 3)).toBe('alice-up-20261124-retry3');
    expect(runIdOfJob(jobRunIdFor('alice-up-20261124', 3))).toBe('alice-up-20261124');
    expect(runIdOfJob('alice-up-20261124-manual-0830')).toBe('alice-up-20261124-manual-0830');
  });
});

describe('queuedSecondsOf: what a finished job waited for a runner slot', () => {
  it('is the time from its start to when it left the queue, and 0 when the runner does not say', () => {
    expect(queuedSecondsOf('2026-11-24T06:00:00Z', '2026-11-24T06:36:30Z')).toBe(2190);
    expect(queuedSecondsOf('2026-11-24T06:00:00Z', undefined)).toBe(0);
    // A runner clock a little behind the start's is no wait.
    expect(queuedSecondsOf('2026-11-24T06:00:00Z', '2026-11-24T05:59:58Z')).toBe(0);
  });
});
