/**
 * The kustomize base as the cluster would get it: rendered with `kubectl kustomize` (the kubectl that
 * tools/realsvc/build.sh builds, of the API server's release), each object validated
 * against the Kubernetes schemas, then held to the zero-downtime and security rules of the app.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IDeployment, IStatefulSet } from 'kubernetes-models/apps/v1';
import type { INamespace, IService } from 'kubernetes-models/v1';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { IStorageClass } from 'kubernetes-models/storage.k8s.io/v1';
import { parseAllDocuments } from 'yaml';
import type { Complete } from '../support/k8s';
import { realBinaries } from '../support/realsvc/binaries';

const BASE = path.join(__dirname, '../../k8s');
const CLUSTER_SCOPED = new Set(['Namespace', 'StorageClass']);

/** kubernetes-models' verdict on each object, from tests/k8s/validate-models.mjs (an ES module process). */
function validate(list: object[]): { kind: string; name: string; error: string | null }[] {
  const script = path.join(__dirname, 'validate-models.mjs');
  return JSON.parse(execFileSync(process.execPath, [script], { input: JSON.stringify(list), encoding: 'utf8' }));
}

type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
};

interface Kinds {
  Deployment: IDeployment;
  StatefulSet: IStatefulSet;
  Service: IService;
  PodDisruptionBudget: IPodDisruptionBudget;
  NetworkPolicy: INetworkPolicy;
  Namespace: INamespace;
  StorageClass: IStorageClass;
}

function documents(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS())
    .filter(Boolean);
}

function render(dir: string): K8sObject[] {
  return documents(execFileSync(realBinaries('kube').kubectl, ['kustomize', dir], { encoding: 'utf8' }));
}

const objects = render(BASE);

function find<Kind extends keyof Kinds>(kind: Kind, name: string, among = objects): Complete<Kinds[Kind]> {
  const object = among.find((o) => o.kind === kind && o.metadata.name === name);
  if (!object) throw new Error(`the base has no ${kind} ${name}`);
  return object as unknown as Complete<Kinds[Kind]>;
}

const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

const deployment = find('Deployment', 'frontend');
const frontendPod = deployment.spec.template;
const frontend = frontendPod.spec.containers.find((c) => c.name === 'frontend')!;
const statefulSet = find('StatefulSet', 'mongo');
const mongoPod = statefulSet.spec.template;
const mongo = mongoPod.spec.containers.find((c) => c.name === 'mongo')!;
const envOf = (container: { env: { name: string; value?: string }[] }, name: string) => container.env.find((e) => e.name === name);

describe('k8s base: objects', () => {
  it('holds exactly the app objects, and no Secret (the deploy script makes it per developer)', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [
        'Deployment/frontend',
        'Namespace/turbo-app',
        'NetworkPolicy/mongo',
        'PodDisruptionBudget/frontend',
        'Service/frontend',
        'Service/frontend-public',
        'Service/mongo',
        'StatefulSet/mongo',
        'StorageClass/gp3',
      ].sort(),
    );
  });

  it('validates every object against the Kubernetes schemas with kubernetes-models', () => {
    expect(validate(objects)).toEqual(objects.map((o) => ({ kind: o.kind, name: o.metadata.name, error: null })));
  });

  it('puts every namespaced object in turbo-app', () => {
    for (const object of objects.filter((o) => !CLUSTER_SCOPED.has(o.kind))) expect(object.metadata.namespace).toBe('turbo-app');
  });

  it('labels every object, pod template and volume claim template with app.kubernetes.io/*', () => {
    const labelled = [
      ...objects.map((o) => o.metadata),
      frontendPod.metadata,
      mongoPod.metadata,
      ...statefulSet.spec.volumeClaimTemplates.map((t) => t.metadata),
    ];
    for (const metadata of labelled) {
      expect(metadata.labels).toMatchObject({
        'app.kubernetes.io/name': 'turbo-notes',
        'app.kubernetes.io/part-of': 'turbo',
        'app.kubernetes.io/managed-by': 'kustomize',
        'app.kubernetes.io/component': expect.any(String),
      });
    }
  });

  it('validation catches a broken object (the schemas are really checked)', () => {
    const broken = structuredClone(deployment) as { spec: Record<string, unknown> };
    broken.spec.replicas = 'two';
    delete broken.spec.selector;
    const [verdict] = validate([broken]);
    expect(verdict.error).toMatch(/replicas/);
    expect(verdict.error).toMatch(/selector/);
  });
});

describe('k8s base: the frontend rolls with zero downtime', () => {
  it('runs at least 2 replicas and surges one ready pod before removing an old one', () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    expect(frontend.image).toBe('turbo-frontend');
  });

  it('probes readiness on /readyz and liveness on /healthz through the declared port', () => {
    const portNames = frontend.ports.map((p: { name: string }) => p.name);
    expect(frontend.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(frontend.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(portNames).toContain('http');
    expect(frontend.ports.find((p) => p.name === 'http')!.containerPort).toBe(Number(envOf(frontend, 'PORT')!.value));
  });

  it('sleeps in preStop, and the grace period outlasts the sleep plus the app drain delay', () => {
    const preStop = frontend.lifecycle.preStop.sleep.seconds;
    const drainSeconds = Number(envOf(frontend, 'SHUTDOWN_DELAY_MS')!.value) / 1000;
    expect(preStop).toBeGreaterThanOrEqual(5);
    // Room for the requests in flight to finish after both waits.
    expect(frontendPod.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStop + drainSeconds + 10);
  });

  it('has requests and limits for CPU and memory', () => {
    const { requests, limits } = frontend.resources;
    expect(Object.keys(requests).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(limits).sort()).toEqual(['cpu', 'memory']);
  });

  it('keeps one pod through voluntary disruptions without blocking node drains', () => {
    const pdb = find('PodDisruptionBudget', 'frontend');
    expect(selects(pdb.spec.selector.matchLabels, frontendPod.metadata.labels)).toBe(true);
    expect(pdb.spec.minAvailable).toBeGreaterThanOrEqual(1);
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
  });

  it('is reached through a ClusterIP Service and a public LoadBalancer Service, both on the pods named port', () => {
    const internal = find('Service', 'frontend');
    const exposed = find('Service', 'frontend-public');
    expect(internal.spec.type).toBe('ClusterIP');
    expect(exposed.spec.type).toBe('LoadBalancer');
    for (const service of [internal, exposed]) {
      expect(selects(service.spec.selector, frontendPod.metadata.labels)).toBe(true);
      expect(selects(service.spec.selector, mongoPod.metadata.labels)).toBe(false);
      expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    }
  });
});

describe('k8s base: security', () => {
  it.each([
    ['frontend', frontendPod, frontend],
    ['mongo', mongoPod, mongo],
  ])('%s runs non-root, read-only, without privilege escalation or capabilities, with no API token', (_name, pod, container) => {
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.spec.securityContext.runAsUser).toBeGreaterThan(0);
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  it('enforces the restricted Pod Security Standard on the namespace', () => {
    expect(find('Namespace', 'turbo-app').metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('lets only the frontend pods reach MongoDB, and only on 27017', () => {
    const policy = find('NetworkPolicy', 'mongo');
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(selects(policy.spec.podSelector.matchLabels, mongoPod.metadata.labels)).toBe(true);
    expect(selects(policy.spec.podSelector.matchLabels, frontendPod.metadata.labels)).toBe(false);
    expect(policy.spec.ingress).toHaveLength(1);
    const [rule] = policy.spec.ingress;
    expect(rule.from).toHaveLength(1);
    expect(Object.keys(rule.from[0])).toEqual(['podSelector']);
    expect(selects(rule.from[0].podSelector.matchLabels, frontendPod.metadata.labels)).toBe(true);
    expect(selects(rule.from[0].podSelector.matchLabels, mongoPod.metadata.labels)).toBe(false);
    expect(rule.ports).toEqual([{ protocol: 'TCP', port: 27017 }]);
  });

  it('takes every credential from the mongo-credentials Secret, by its four keys', () => {
    const secretKeys = frontend.env.filter((e) => e.valueFrom?.secretKeyRef).map((e) => [e.name, e.valueFrom.secretKeyRef]);
    expect(secretKeys).toEqual([
      ['MONGODB_USERNAME', { name: 'mongo-credentials', key: 'username' }],
      ['MONGODB_PASSWORD', { name: 'mongo-credentials', key: 'password' }],
    ]);
    expect(envOf(frontend, 'MONGODB_URI')!.value).not.toMatch(/@/);

    const secretVolume = mongoPod.spec.volumes.find((v) => v.secret)!;
    expect(secretVolume.secret.secretName).toBe('mongo-credentials');
    const mount = mongo.volumeMounts.find((m) => m.name === secretVolume.name)!;
    expect(mount.readOnly).toBe(true);
    const files = Object.fromEntries(mongo.env.filter((e) => e.name.endsWith('_FILE')).map((e) => [e.name, e.value]));
    expect(files).toEqual({
      MONGO_INITDB_ROOT_USERNAME_FILE: `${mount.mountPath}/root-username`,
      MONGO_INITDB_ROOT_PASSWORD_FILE: `${mount.mountPath}/root-password`,
      APP_DB_USERNAME_FILE: `${mount.mountPath}/username`,
      APP_DB_PASSWORD_FILE: `${mount.mountPath}/password`,
    });
  });
});

describe('k8s base: MongoDB', () => {
  it('is a StatefulSet behind its headless Service, with data on a gp3 EBS CSI volume', () => {
    const headless = find('Service', statefulSet.spec.serviceName);
    expect(headless.spec.clusterIP).toBe('None');
    expect(selects(headless.spec.selector, mongoPod.metadata.labels)).toBe(true);
    expect(mongo.image).toBe('turbo-mongo');

    const [claim] = statefulSet.spec.volumeClaimTemplates;
    expect(mongo.volumeMounts).toContainEqual({ name: claim.metadata.name, mountPath: '/data/db' });
    const storageClass = find('StorageClass', claim.spec.storageClassName);
    expect(storageClass.provisioner).toBe('ebs.csi.aws.com');
    expect(storageClass.parameters.type).toBe('gp3');
    expect(storageClass.volumeBindingMode).toBe('WaitForFirstConsumer');
  });

  it('is where the frontend looks for it, on the database the init script makes the user for', () => {
    const uri = new URL(envOf(frontend, 'MONGODB_URI')!.value!);
    expect(uri.hostname).toBe('mongo');
    expect(Number(uri.port)).toBe(mongo.ports[0].containerPort);
    expect(uri.pathname).toBe(`/${envOf(mongo, 'APP_DB_NAME')!.value}`);
    expect(uri.searchParams.get('authSource')).toBe(envOf(mongo, 'APP_DB_NAME')!.value);
  });
});

describe('k8s base: the deploy script pins images with kustomize images', () => {
  it('names the images turbo-frontend and turbo-mongo, which the deploy script overrides', () => {
    expect([frontend.image, mongo.image]).toEqual(['turbo-frontend', 'turbo-mongo']);
  });

  it('replaces turbo-frontend and turbo-mongo with repository and digest', () => {
    const overlay = mkdtempSync(path.join(tmpdir(), 'turbo-overlay-'));
    const digest = `sha256:${'a'.repeat(64)}`;
    writeFileSync(
      path.join(overlay, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        `resources: [${path.relative(overlay, BASE)}]`,
        'images:',
        `  - { name: turbo-frontend, newName: acme/turbo-notes, newTag: 1.4.0, digest: "${digest}" }`,
        `  - { name: turbo-mongo, newName: acme/turbo-mongo, newTag: 1.4.0, digest: "${digest}" }`,
      ].join('\n'),
    );
    const rendered = render(overlay);
    const image = (kind: 'Deployment' | 'StatefulSet', name: string) => find(kind, name, rendered).spec.template.spec.containers[0]!.image;
    expect(image('Deployment', 'frontend')).toBe(`acme/turbo-notes:1.4.0@${digest}`);
    expect(image('StatefulSet', 'mongo')).toBe(`acme/turbo-mongo:1.4.0@${digest}`);
  });
});
