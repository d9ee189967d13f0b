import { inspect } from 'node:util';
import { connectionFor, eksToken, EKS_TOKEN_PREFIX, KubeApi } from '../../../functions/adapters/kube';
import { AuthenticationError, ConfigurationError, TransientError } from '../../../functions/core/errors';
import { APP_WORKLOADS, rolloutVerdict } from '../../../functions/core/images';
import { startKubeServer, workload, type KubeServer } from '../../support/kube-server';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const signingDate = new Date('2026-11-25T10:00:00Z');
const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const TOKEN = 'k8s-aws-v1.test-token-value';

function decode(token: string): URL {
  return new URL(Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), 'base64url').toString('utf8'));
}

describe('eksToken', () => {
  it('is k8s-aws-v1. and an unpadded base64url presigned STS GetCallerIdentity URL that signs x-k8s-aws-id', async () => {
    const token = await eksToken({ clusterName: 'turbo-alice', region: 'eu-west-1', credentials, now: signingDate });

    expect(token.startsWith(EKS_TOKEN_PREFIX)).toBe(true);
    expect(token.slice(EKS_TOKEN_PREFIX.length)).toMatch(/^[A-Za-z0-9_-]+$/);
    const url = decode(token);
    expect(`${url.protocol}//${url.host}${url.pathname}`).toBe('https://sts.eu-west-1.amazonaws.com/');
    const query = Object.fromEntries(url.searchParams);
    expect(query).toMatchObject({
      Action: 'GetCallerIdentity',
      Version: '2011-06-15',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIDEXAMPLE/20261125/eu-west-1/sts/aws4_request',
      'X-Amz-Date': '20261125T100000Z',
      'X-Amz-Expires': '60',
      'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
    });
    expect(query['X-Amz-Signature']).toMatch(/^[0-9a-f]{64}$/);
    expect(token).not.toContain(credentials.secretAccessKey);
  });

  it('is the same for the same inputs and differs for another cluster', async () => {
    const alice = await eksToken({ clusterName: 'turbo-alice', region: 'eu-west-1', credentials, now: signingDate });
    expect(await eksToken({ clusterName: 'turbo-alice', region: 'eu-west-1', credentials, now: signingDate })).toBe(alice);
    const bob = await eksToken({ clusterName: 'turbo-bob', region: 'eu-west-1', credentials, now: signingDate });
    expect(decode(bob).searchParams.get('X-Amz-Signature')).not.toBe(decode(alice).searchParams.get('X-Amz-Signature'));
  });
});

describe('connectionFor', () => {
  const cluster = {
    name: 'turbo-alice',
    endpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com',
    certificateAuthority: Buffer.from(PEM).toString('base64'),
  };

  it('trusts only the cluster CA over https, with hostname checks', () => {
    const { url, tls } = connectionFor(cluster);
    expect(url.hostname).toBe('abc.gr7.eu-west-1.eks.amazonaws.com');
    expect(tls).toEqual({ ca: PEM, rejectUnauthorized: true, servername: 'abc.gr7.eu-west-1.eks.amazonaws.com' });
  });

  it('allows plain http on loopback only, and refuses a CA that is not PEM', () => {
    expect(connectionFor({ ...cluster, endpoint: 'http://127.0.0.1:8080' }).tls).toBeUndefined();
    expect(() => connectionFor({ ...cluster, endpoint: 'http://10.0.0.5' })).toThrow(
      new ConfigurationError("cluster turbo-alice's endpoint must be https (got http://10.0.0.5)"),
    );
    expect(() => connectionFor({ ...cluster, certificateAuthority: 'bm90IGEgY2VydA==' })).toThrow(/not base64 of a PEM certificate/);
  });
});

describe('KubeApi against a local Kubernetes API', () => {
  let kube: KubeServer;
  const sleeps: number[] = [];
  const api = () =>
    new KubeApi({
      cluster: { name: 'turbo-alice', endpoint: kube.url, certificateAuthority: '' },
      token: async () => TOKEN,
      retry: { sleep: async (ms) => void sleeps.push(ms) },
    });

  beforeEach(async () => {
    sleeps.length = 0;
    kube = await startKubeServer({
      objects: [
        workload('Deployment', 'frontend', 'acme/turbo-notes:1.2.0'),
        workload('StatefulSet', 'mongo', 'acme/turbo-mongo:1.2.0', 1),
      ],
      acceptToken: (token) => token === TOKEN,
    });
  });
  afterEach(async () => {
    await kube.close();
  });

  it('reads a Deployment with the bearer token', async () => {
    const state = await api().getWorkload(APP_WORKLOADS.frontend);
    expect(state).toMatchObject({
      image: 'acme/turbo-notes:1.2.0',
      generation: 3,
      observedGeneration: 3,
      desiredReplicas: 2,
      availableReplicas: 2,
    });
    expect(kube.requests[0]).toMatchObject({
      method: 'GET',
      path: '/apis/apps/v1/namespaces/turbo-app/deployments/frontend',
      authorization: `Bearer ${TOKEN}`,
    });
    expect(rolloutVerdict(state!, 0, 600).state).toBe('done');
  });

  it('answers undefined for a workload that does not exist', async () => {
    await expect(api().getWorkload({ ...APP_WORKLOADS.frontend, name: 'backend' })).resolves.toBeUndefined();
  });

  it('patches only the container image with a strategic merge patch, then follows the rollout to done', async () => {
    const target = 'acme/turbo-notes:1.3.0@sha256:' + 'a'.repeat(64);
    const client = api();
    const patched = await client.setImage(APP_WORKLOADS.frontend, target);

    const patch = kube.requests.at(-1)!;
    expect(patch).toMatchObject({ method: 'PATCH', contentType: 'application/strategic-merge-patch+json' });
    expect(patch.body).toEqual({ spec: { template: { spec: { containers: [{ name: 'frontend', image: target }] } } } });
    expect(patched).toMatchObject({ image: target, generation: 4, observedGeneration: 3 });
    // The other fields of the container survive the patch.
    const stored = kube.objects.get('/apis/apps/v1/namespaces/turbo-app/deployments/frontend')!;
    expect(stored.spec.template.spec.containers[0].readinessProbe).toEqual({ httpGet: { path: '/readyz', port: 3000 } });

    const verdicts: string[] = [];
    for (let check = 0; check < 10; check += 1) {
      const verdict = rolloutVerdict((await client.getWorkload(APP_WORKLOADS.frontend))!, check * 15, 600);
      verdicts.push(verdict.state);
      if (verdict.state === 'done') break;
    }
    expect(verdicts).toEqual(['waiting', 'waiting', 'waiting', 'done']);
  });

  it('reports a stuck Deployment as failed once Kubernetes says ProgressDeadlineExceeded', async () => {
    kube.stick('Deployment', 'frontend');
    const client = api();
    await client.setImage(APP_WORKLOADS.frontend, 'acme/turbo-notes:1.3.0');
    await client.getWorkload(APP_WORKLOADS.frontend);
    const verdict = rolloutVerdict((await client.getWorkload(APP_WORKLOADS.frontend))!, 30, 600);
    expect(verdict).toEqual({
      state: 'failed',
      detail: expect.stringMatching(
        /Deployment turbo-app\/frontend exceeded its progress deadline: ReplicaSet .* has timed out progressing/,
      ),
    });
  });

  it('follows a StatefulSet until its pods run the update revision', async () => {
    const client = api();
    await client.setImage(APP_WORKLOADS.mongo, 'acme/turbo-mongo:1.3.0');
    const states: string[] = [];
    for (let check = 0; check < 6; check += 1) {
      const verdict = rolloutVerdict((await client.getWorkload(APP_WORKLOADS.mongo))!, 0, 600);
      states.push(verdict.state);
      if (verdict.state === 'done') break;
    }
    expect(states).toEqual(['waiting', 'waiting', 'done']);
  });

  it('fails at once on 401 without the token in the error, and names a missing workload on PATCH', async () => {
    const wrong = new KubeApi({
      cluster: { name: 'turbo-alice', endpoint: kube.url, certificateAuthority: '' },
      token: async () => 'k8s-aws-v1.wrong-secret-token',
    });
    const error = await wrong.getWorkload(APP_WORKLOADS.frontend).catch((failure: unknown) => failure as Error);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(/HTTP 401: Unauthorized.*EKS access entry/);
    expect(inspect(error)).not.toContain('wrong-secret-token');
    expect(kube.requests).toHaveLength(1);

    await expect(api().setImage({ ...APP_WORKLOADS.frontend, name: 'backend' }, 'x:1')).rejects.toThrow(
      new ConfigurationError('Deployment turbo-app/backend does not exist in cluster turbo-alice'),
    );
  });

  it('retries 429 (honouring Retry-After) and 5xx, then gives up with a TransientError', async () => {
    kube.fail({ status: 429, retryAfter: '3' });
    await expect(api().getWorkload(APP_WORKLOADS.frontend)).resolves.toMatchObject({ image: 'acme/turbo-notes:1.2.0' });
    expect(sleeps).toEqual([3000]);

    kube.fail({ status: 503 }, 4);
    await expect(api().getWorkload(APP_WORKLOADS.frontend)).rejects.toThrow(TransientError);
    await expect(api().getWorkload(APP_WORKLOADS.frontend)).resolves.toBeDefined();
  });
});
