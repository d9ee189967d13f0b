/**
 * The job scripts' Kubernetes half, and the app's manifests, on a real kube-apiserver with the real controllers
 * (tests/support/realsvc): the real kubectl; aws and terraform stay stubs (there is no AWS here), with
 * `aws eks update-kubeconfig` writing the local cluster's kubeconfig. One control plane serves the file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { IDeployment, IStatefulSet } from 'kubernetes-models/apps/v1';
import type { ISecret, IService } from 'kubernetes-models/v1';
import type { Complete } from '../support/k8s';
import { startControlPlane, type ControlPlane } from '../support/realsvc/control-plane';
import {
  LB_FINALIZER,
  loadBalancerHostname,
  NEVER_READY_TAG,
  startNodeSimulator,
  type NodeSimulator,
} from '../support/realsvc/node-simulator';
import { realBinaries } from '../support/realsvc/binaries';
import { REPO, StubWorld } from './harness';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const DEPLOY_ENV = {
  DEVELOPER: 'alice',
  CLUSTER_NAME: 'turbo-alice',
  AWS_REGION: 'eu-west-1',
  FRONTEND_IMAGE: `acme/turbo-notes:1.4.2@${DIGEST}`,
  MONGO_IMAGE: 'acme/turbo-mongo:7.0.14',
  ROLLOUT_TIMEOUT: '120',
  LB_WAIT_TIMEOUT: '60',
  POLL_SECONDS: '1',
};
const DESTROY_ENV = {
  DEVELOPER: 'alice',
  CLUSTER_NAME: 'turbo-alice',
  AWS_REGION: 'eu-west-1',
  TF_STATE_BUCKET: 'turbo-state',
  POLL_SECONDS: '1',
  NAMESPACE_DELETE_TIMEOUT: '90',
};
const APP = '/apis/apps/v1/namespaces/turbo-app';

let kube: ControlPlane;
let nodes: NodeSimulator;
let world: StubWorld;

let kubectl: string;

beforeAll(async () => {
  // The kubectl of the API server's own release, built with it (tools/realsvc/build.sh).
  kubectl = realBinaries('kube').kubectl;
  kube = await startControlPlane();
  nodes = await startNodeSimulator(kube);
}, 240_000);
afterAll(async () => {
  await nodes?.stop();
  await kube?.stop();
});
beforeEach(() => {
  world = new StubWorld({ real: ['kubectl'] }).set('kubeconfig', readFileSync(kube.kubeconfig, 'utf8')).set('cluster-status', 'ACTIVE\n');
});
afterEach(() => world.cleanup());

/** The object at `path`, read as a `Kind`. */
const get = async <Kind>(path: string) => (await kube.api<Complete<Kind>>('GET', path)).body;

async function kubectlAsync(args: string[], input: string): Promise<{ status: number | null; output: string }> {
  const { spawn } = await import('node:child_process');
  const child = spawn(kubectl, ['--kubeconfig', kube.kubeconfig, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, output })));
}

describe('k8s/ on a real API server', () => {
  it('is admitted object by object by server-side apply with strict field validation, Pod Security included', async () => {
    const rendered = execFileSync(kubectl, ['kustomize', join(REPO, 'k8s')], { encoding: 'utf8' });
    const objects = parseAllDocuments(rendered).map((document) => document.toJS());
    // The namespace first: a server-side dry run of namespaced objects needs it to exist.
    const namespace = rendered.split(/^---$/m).find((part) => /^kind: Namespace$/m.test(part))!;
    expect((await kubectlAsync(['apply', '--server-side', '--field-manager=turbo-test', '-f', '-'], namespace)).status).toBe(0);

    const applied = await kubectlAsync(
      ['apply', '--server-side', '--dry-run=server', '--validate=strict', '--field-manager=turbo-test', '-f', '-'],
      rendered,
    );

    expect(applied.output).not.toMatch(/warning|error|unknown field/i);
    expect(applied.status).toBe(0);
    const lines = applied.output.trimEnd().split('\n');
    expect(lines).toHaveLength(objects.length);
    for (const object of objects) {
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`/${object.metadata.name} serverside-applied \\(server dry run\\)$`)));
    }
  });
});

describe('scripts/deploy.sh on a real API server', () => {
  it('applies the base with the pinned images server-side, waits for the real rollouts and the load balancer, writes APP_URL', async () => {
    const result = await world.runAsync('deploy.sh', ['alice'], DEPLOY_ENV);

    expect(result.output).toContain('deployment "frontend" successfully rolled out');
    expect(result.output).toMatch(/statefulset rolling update complete 1 pods at revision mongo-[0-9a-f]+/);
    expect(result.status).toBe(0);
    expect(readFileSync(join(world.dir, 'turbo-output.env'), 'utf8')).toBe(
      `APP_URL=http://${loadBalancerHostname('turbo-app', 'frontend-public')}\nCLUSTER_NAME=turbo-alice\n`,
    );
    const frontend = await get<IDeployment>(`${APP}/deployments/frontend`);
    expect(frontend.spec.template.spec.containers[0].image).toBe(DEPLOY_ENV.FRONTEND_IMAGE);
    expect(frontend.status).toMatchObject({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 });
    // The API server's defaults are in place on what was applied.
    expect(frontend.spec.template.spec.containers[0]).toMatchObject({
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePath: '/dev/termination-log',
    });
    const mongo = await get<IStatefulSet>(`${APP}/statefulsets/mongo`);
    expect(mongo.spec.template.spec.containers[0].image).toBe(DEPLOY_ENV.MONGO_IMAGE);
    expect(mongo.status).toMatchObject({ readyReplicas: 1, currentRevision: mongo.status.updateRevision });
    const secret = await get<ISecret>('/api/v1/namespaces/turbo-app/secrets/mongo-credentials');
    expect(Object.keys(secret.data).sort()).toEqual(['password', 'root-password', 'root-username', 'username']);
    expect(result.output).not.toContain(Buffer.from(secret.data.password, 'base64').toString('utf8'));
  });

  it('redeploys the same images without a rollout or new credentials, and rolls a new frontend image', async () => {
    const secretBefore = await get<ISecret>('/api/v1/namespaces/turbo-app/secrets/mongo-credentials');

    const again = await world.runAsync('deploy.sh', ['alice'], DEPLOY_ENV);
    expect(again.status).toBe(0);
    expect((await get<IDeployment>(`${APP}/deployments/frontend`)).metadata.generation).toBe(1);
    expect((await get<ISecret>('/api/v1/namespaces/turbo-app/secrets/mongo-credentials')).metadata.uid).toBe(secretBefore.metadata.uid);

    const newer = `acme/turbo-notes:1.5.0@sha256:${'cd'.repeat(32)}`;
    const rolled = await world.runAsync('deploy.sh', ['alice'], { ...DEPLOY_ENV, FRONTEND_IMAGE: newer });
    expect(rolled.status).toBe(0);
    const frontend = await get<IDeployment>(`${APP}/deployments/frontend`);
    expect(frontend.metadata.generation).toBe(2);
    expect(frontend.status).toMatchObject({ observedGeneration: 2, updatedReplicas: 2, availableReplicas: 2, replicas: 2 });
    expect(frontend.spec.template.spec.containers[0].image).toBe(newer);
  });

  it("fails with kubectl rollout status's reason when the new pods never become ready", async () => {
    const result = await world.runAsync('deploy.sh', ['alice'], {
      ...DEPLOY_ENV,
      FRONTEND_IMAGE: `acme/turbo-notes:${NEVER_READY_TAG}`,
      ROLLOUT_TIMEOUT: '8',
    });

    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/Waiting for deployment "frontend" rollout to finish: 1 out of 2 new replicas have been updated/);
    expect(result.output).toMatch(/error: timed out waiting for the condition/);
    expect(existsSync(join(world.dir, 'turbo-output.env'))).toBe(false);
  });

  it('through the ECR pull-through cache, both workloads roll to the same images under its prefix', async () => {
    const cache = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub';
    const result = await world.runAsync('deploy.sh', ['alice'], { ...DEPLOY_ENV, PULL_THROUGH_CACHE: cache });

    expect(result.status).toBe(0);
    const frontend = await get<IDeployment>(`${APP}/deployments/frontend`);
    expect(frontend.spec.template.spec.containers[0].image).toBe(`${cache}/${DEPLOY_ENV.FRONTEND_IMAGE}`);
    expect(frontend.status).toMatchObject({ updatedReplicas: 2, availableReplicas: 2, replicas: 2 });
    const mongo = await get<IStatefulSet>(`${APP}/statefulsets/mongo`);
    expect(mongo.spec.template.spec.containers[0].image).toBe(`${cache}/${DEPLOY_ENV.MONGO_IMAGE}`);
    expect(mongo.status).toMatchObject({ readyReplicas: 1, currentRevision: mongo.status.updateRevision });
  });
});

describe('scripts/terraform.sh destroy on a real API server', () => {
  it('deletes every LoadBalancer Service, waits until their finalizers let go, deletes the app namespace, then destroys', async () => {
    await kube.api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ingress' } });
    for (const [name, type] of [
      ['edge', 'LoadBalancer'],
      ['internal', 'ClusterIP'],
    ]) {
      const created = await kube.api('POST', '/api/v1/namespaces/ingress/services', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name },
        spec: { type, selector: { app: name }, ports: [{ port: 443 }] },
      });
      expect(created.status).toBe(201);
    }
    // The cloud controller (simulated) has given both load balancers an address and its cleanup finalizer.
    for (const path of ['/api/v1/namespaces/ingress/services/edge', '/api/v1/namespaces/turbo-app/services/frontend-public']) {
      for (let tries = 0; !(await get<IService>(path)).status?.loadBalancer?.ingress; tries += 1) {
        if (tries > 100) throw new Error(`${path} got no load balancer`);
        await new Promise((done) => setTimeout(done, 100));
      }
      expect((await get<IService>(path)).metadata.finalizers).toEqual([LB_FINALIZER]);
    }

    const result = await world.runAsync('terraform.sh', ['destroy', 'alice'], DESTROY_ENV);

    expect(result.status).toBe(0);
    expect(result.output).toContain('service "edge" deleted');
    expect(result.output).toContain('service "frontend-public" deleted');
    expect((await kube.api('GET', '/api/v1/namespaces/ingress/services/edge')).status).toBe(404);
    expect((await kube.api('GET', '/api/v1/namespaces/ingress/services/internal')).status).toBe(200);
    // Namespace deletion is real: the namespace controller emptied it (pods, the PVC, the StatefulSet) and removed it.
    expect((await kube.api('GET', '/api/v1/namespaces/turbo-app')).status).toBe(404);
    expect(result.output).not.toContain('WARNING');
    expect(result.calls[result.calls.length - 1]).toEqual(expect.arrayContaining(['terraform', 'destroy']));
  });
});
