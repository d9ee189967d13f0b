/**
 * The Kube adapter against a real kube-apiserver, with the real Deployment, ReplicaSet and StatefulSet controllers
 * (tests/support/realsvc). Rollout status fields, surge, ReplicaSet hand-over and the Progressing condition come
 * from the controllers themselves, not from a fake of ours; pods become Ready through the node simulator.
 */
import { KubeApi } from '../../../functions/adapters/kube';
import type { WorkloadRef, WorkloadState } from '../../../functions/core/types';
import { AuthenticationError, ConfigurationError } from '../../../functions/core/errors';
import { rolloutVerdict, type RolloutVerdict } from '../../../functions/core/images';
import type { IDeployment, IReplicaSet } from 'kubernetes-models/apps/v1';
import type { Complete } from '../../support/k8s';
import { startControlPlane, type ControlPlane } from '../../support/realsvc/control-plane';
import { NEVER_READY_TAG, startNodeSimulator, type NodeSimulator } from '../../support/realsvc/node-simulator';

const DEADLINE_SECONDS = 900;
let kube: ControlPlane;
let nodes: NodeSimulator;
let adapter: KubeApi;
let namespaces = 0;

beforeAll(async () => {
  kube = await startControlPlane();
  nodes = await startNodeSimulator(kube);
  adapter = new KubeApi({
    cluster: { name: 'turbo-alice', endpoint: kube.url, certificateAuthority: Buffer.from(kube.caPem).toString('base64') },
    token: async () => kube.token,
  });
}, 240_000);
afterAll(async () => {
  await nodes?.stop();
  await kube?.stop();
});

async function created(path: string, object: object): Promise<void> {
  const answer = await kube.api('POST', path, object);
  if (answer.status !== 201) throw new Error(`POST ${path}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
}

async function freshNamespace(): Promise<string> {
  const name = `kube-test-${(namespaces += 1)}`;
  await created('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
}

function deployment(name: string, spec: Record<string, unknown> = {}) {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 3,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      ...spec,
      template: {
        metadata: { labels },
        spec: {
          containers: [
            { name: 'frontend', image: 'acme/turbo-notes:1.0.0', ports: [{ containerPort: 3000 }] },
            { name: 'sidecar', image: 'acme/log-shipper:2.1.0', env: [{ name: 'LEVEL', value: 'info' }], args: ['--flush=5s'] },
          ],
        },
      },
    },
  };
}

async function deploymentIn(namespace: string, name: string, spec: Record<string, unknown> = {}): Promise<WorkloadRef> {
  await created(`/apis/apps/v1/namespaces/${namespace}/deployments`, deployment(name, spec));
  return { kind: 'Deployment', namespace, name, container: 'frontend' };
}

/** Reads the workload through the adapter until the verdict is no longer `waiting` (or `settled` says stop). */
async function watchRollout(
  ref: WorkloadRef,
  settled: (state: WorkloadState, verdict: RolloutVerdict) => boolean = (_s, v) => v.state !== 'waiting',
) {
  const seen: WorkloadState[] = [];
  const deadline = Date.now() + 90_000;
  for (;;) {
    const state = (await adapter.getWorkload(ref))!;
    seen.push(state);
    const verdict = rolloutVerdict(state, 0, DEADLINE_SECONDS);
    if (settled(state, verdict)) return { state, verdict, seen };
    if (Date.now() > deadline)
      throw new Error(`rollout of ${ref.name} did not settle: ${JSON.stringify(verdict)} ${JSON.stringify(state)}`);
    await new Promise((done) => setTimeout(done, 150));
  }
}

async function replicaSets(namespace: string): Promise<Array<{ image: string; replicas: number }>> {
  const answer = await kube.api<{ items: Complete<IReplicaSet>[] }>('GET', `/apis/apps/v1/namespaces/${namespace}/replicasets`);
  return answer.body.items
    .map((set) => ({ image: set.spec.template.spec.containers[0]!.image, replicas: set.status.replicas ?? 0 }))
    .sort((a, b) => a.image.localeCompare(b.image));
}

describe('Kube adapter on a real kube-apiserver', () => {
  it('reads a Deployment as its controller reports it, and a missing one as undefined', async () => {
    const namespace = await freshNamespace();
    const ref = await deploymentIn(namespace, 'frontend');

    const { state, verdict } = await watchRollout(ref);

    expect(verdict).toEqual({
      state: 'done',
      detail: `Deployment ${namespace}/frontend rolled out: 3 of 3 replicas updated and available`,
    });
    expect(state).toMatchObject({
      image: 'acme/turbo-notes:1.0.0',
      generation: 1,
      observedGeneration: 1,
      desiredReplicas: 3,
      updatedReplicas: 3,
      availableReplicas: 3,
    });
    expect(state.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Available', status: 'True' })]));
    expect(await adapter.getWorkload({ ...ref, name: 'absent' })).toBeUndefined();
  });

  it('reads a StatefulSet with its revisions and ready replicas', async () => {
    const namespace = await freshNamespace();
    const labels = { app: 'mongo' };
    await created(`/apis/apps/v1/namespaces/${namespace}/statefulsets`, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'mongo' },
      spec: {
        replicas: 1,
        serviceName: 'mongo',
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'mongo', image: 'acme/turbo-mongo:7.0.14' }] } },
      },
    });
    const ref: WorkloadRef = { kind: 'StatefulSet', namespace, name: 'mongo', container: 'mongo' };

    const { state, verdict } = await watchRollout(ref);

    expect(verdict.state).toBe('done');
    expect(state.readyReplicas).toBe(1);
    expect(state.updateRevision).toMatch(/^mongo-/);
    expect(state.currentRevision).toBe(state.updateRevision);
  });

  it("patches only the named container's image (strategic merge by name) and the controller rolls it with surge 1, none unavailable", async () => {
    const namespace = await freshNamespace();
    const ref = await deploymentIn(namespace, 'frontend');
    await watchRollout(ref);

    const answered = await adapter.setImage(ref, 'acme/turbo-notes:1.1.0');

    expect(answered).toMatchObject({ image: 'acme/turbo-notes:1.1.0', generation: 2 });
    // The API's answer comes before the controller has acted on it: never judged done.
    expect(rolloutVerdict(answered, 0, DEADLINE_SECONDS).state).toBe('waiting');
    const { state, verdict, seen } = await watchRollout(ref);
    expect(verdict.state).toBe('done');
    expect(state).toMatchObject({ generation: 2, observedGeneration: 2, updatedReplicas: 3, availableReplicas: 3, replicas: 3 });
    // maxSurge 1 / maxUnavailable 0, as the real controller applies them, in every state read on the way.
    for (const read of seen) {
      expect(read.replicas ?? 0).toBeLessThanOrEqual(4);
      expect(read.availableReplicas ?? 0).toBeGreaterThanOrEqual(3);
    }
    // ReplicaSet hand-over: the old one scaled to 0, kept for rollback.
    expect(await replicaSets(namespace)).toEqual([
      { image: 'acme/turbo-notes:1.0.0', replicas: 0 },
      { image: 'acme/turbo-notes:1.1.0', replicas: 3 },
    ]);
    const object = (await kube.api<Complete<IDeployment>>('GET', `/apis/apps/v1/namespaces/${namespace}/deployments/frontend`)).body;
    expect(object.spec.template.spec.containers[1]).toMatchObject({
      name: 'sidecar',
      image: 'acme/log-shipper:2.1.0',
      env: [{ name: 'LEVEL', value: 'info' }],
      args: ['--flush=5s'],
    });
    expect(object.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 3000, protocol: 'TCP' }]);

    // The same image again changes nothing: no new generation, no rollout.
    expect((await adapter.setImage(ref, 'acme/turbo-notes:1.1.0')).generation).toBe(2);
  });

  it('keeps a rollout that never becomes ready waiting, old replicas serving, until our deadline fails it', async () => {
    const namespace = await freshNamespace();
    const ref = await deploymentIn(namespace, 'frontend');
    await watchRollout(ref);

    await adapter.setImage(ref, `acme/turbo-notes:${NEVER_READY_TAG}`);
    const { state, verdict } = await watchRollout(
      ref,
      (read) => (read.observedGeneration ?? 0) >= 2 && read.updatedReplicas === 1 && read.replicas === 4,
    );

    expect(verdict).toEqual({ state: 'waiting', detail: `Deployment ${namespace}/frontend: 1 of 3 replicas updated` });
    expect(state.availableReplicas).toBe(3);
    expect(rolloutVerdict(state, DEADLINE_SECONDS + 1, DEADLINE_SECONDS)).toEqual({
      state: 'failed',
      detail: `Deployment ${namespace}/frontend not rolled out ${DEADLINE_SECONDS + 1} s after the patch (deadline ${DEADLINE_SECONDS} s): 1 of 3 replicas updated`,
    });
  });

  it("fails the rollout once the controller's progressDeadlineSeconds passes (Progressing=False, ProgressDeadlineExceeded)", async () => {
    const namespace = await freshNamespace();
    const ref = await deploymentIn(namespace, 'frontend', { progressDeadlineSeconds: 2 });
    await watchRollout(ref);

    await adapter.setImage(ref, `acme/turbo-notes:${NEVER_READY_TAG}`);
    // Elapsed time 0: only the controller's own condition can fail it.
    const { state, verdict } = await watchRollout(ref);

    expect(verdict.state).toBe('failed');
    expect(verdict.detail).toContain(`Deployment ${namespace}/frontend exceeded its progress deadline: `);
    expect(state.conditions).toEqual(
      expect.arrayContaining([
        {
          type: 'Progressing',
          status: 'False',
          reason: 'ProgressDeadlineExceeded',
          message: expect.stringContaining('has timed out progressing'),
        },
      ]),
    );
  });

  it('reports a missing Deployment on patch as a configuration error, and a refused token as an authentication error', async () => {
    const namespace = await freshNamespace();
    await expect(
      adapter.setImage({ kind: 'Deployment', namespace, name: 'absent', container: 'frontend' }, 'acme/turbo-notes:1.1.0'),
    ).rejects.toThrow(ConfigurationError);

    const stranger = new KubeApi({
      cluster: { name: 'turbo-alice', endpoint: kube.url, certificateAuthority: Buffer.from(kube.caPem).toString('base64') },
      token: async () => 'not-a-token-of-this-cluster',
    });
    await expect(stranger.getWorkload({ kind: 'Deployment', namespace, name: 'frontend', container: 'frontend' })).rejects.toThrow(
      AuthenticationError,
    );
  });
});
