/**
 * A local Kubernetes API for apps/v1 Deployments and StatefulSets, as documented at kubernetes.io/docs/reference/ :
 * - `GET /apis/apps/v1/namespaces/{ns}/{deployments|statefulsets}/{name}` answers the object, or 404 with a `Status`
 *   (`{ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, message }`);
 * - `PATCH` with `Content-Type: application/strategic-merge-patch+json` merges `spec.template.spec.containers` by
 *   container `name` (the list's patch merge key) and bumps `metadata.generation` when the spec changed; a PATCH with
 *   any other content type than the patch types is 415 UnsupportedMediaType;
 * - every request needs `Authorization: Bearer <token>` accepted by `acceptToken` (401 Unauthorized otherwise).
 * The controller is simulated: after a spec change, each GET moves the status one step along a rolling update
 * (observedGeneration, then one more updated replica, then old replicas gone and all available), unless the
 * workload is `stuck`, when the Deployment's Progressing condition turns ProgressDeadlineExceeded.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { WorkloadKind } from '../../functions/core/types';
import { listenOnLoopback } from './local-server';

export interface KubeRequest {
  method: string;
  path: string;
  contentType?: string;
  authorization?: string;
  body?: unknown;
}

type Container = { name: string; image?: string } & Record<string, unknown>;

/** A Deployment or StatefulSet as this server keeps it: what the API answers and what a rollout moves. */
export interface Workload {
  apiVersion: 'apps/v1';
  kind: WorkloadKind;
  metadata: { name: string; namespace: string; generation: number; resourceVersion: string };
  spec: { replicas: number; template: { spec: { containers: Container[] } } };
  status: {
    observedGeneration: number;
    replicas: number;
    updatedReplicas: number;
    readyReplicas: number;
    availableReplicas: number;
    currentRevision?: string;
    updateRevision?: string;
    conditions?: Array<{ type: string; status: string; reason: string; message?: string }>;
  };
}

export interface KubeServer {
  url: string;
  requests: KubeRequest[];
  objects: Map<string, Workload>;
  /** The workload never finishes its rollout. */
  stick(kind: WorkloadKind, name: string): void;
  fail(fault: { status: number; retryAfter?: string }, times?: number): void;
  close(): Promise<void>;
}

const PLURAL = { Deployment: 'deployments', StatefulSet: 'statefulsets' } as const;

/** A settled workload with one container, as the API returns it. */
export function workload(kind: WorkloadKind, name: string, image: string, replicas = 2): Workload {
  const status: Workload['status'] = {
    observedGeneration: 3,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
  };
  if (kind === 'StatefulSet') Object.assign(status, { currentRevision: `${name}-aaa`, updateRevision: `${name}-aaa` });
  if (kind === 'Deployment')
    status.conditions = [
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
      { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
    ];
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name, namespace: 'turbo-app', generation: 3, resourceVersion: '100' },
    spec: {
      replicas,
      template: {
        spec: {
          containers: [{ name, image, ports: [{ containerPort: 3000 }], readinessProbe: { httpGet: { path: '/readyz', port: 3000 } } }],
        },
      },
    },
    status,
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startKubeServer(options: { objects: Workload[]; acceptToken: (token: string) => boolean }): Promise<KubeServer> {
  const requests: KubeRequest[] = [];
  const faults: Array<{ status: number; retryAfter?: string }> = [];
  const stuck = new Set<string>();
  const keyOf = (kind: WorkloadKind, name: string) => `/apis/apps/v1/namespaces/turbo-app/${PLURAL[kind]}/${name}`;
  const objects = new Map(options.objects.map((object) => [keyOf(object.kind, object.metadata.name), structuredClone(object)]));

  /** One step of the controller's rolling update. */
  const reconcile = (key: string, object: Workload) => {
    const status = object.status;
    const desired = object.spec.replicas;
    if (status.observedGeneration < object.metadata.generation) {
      Object.assign(status, { observedGeneration: object.metadata.generation, updatedReplicas: 0, replicas: desired });
      if (object.kind === 'StatefulSet') status.updateRevision = `${object.metadata.name}-${object.metadata.generation}`;
      return;
    }
    if (stuck.has(key)) {
      if (object.kind === 'Deployment') {
        status.conditions = [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: `ReplicaSet "${object.metadata.name}-x" has timed out progressing.`,
          },
        ];
      }
      return;
    }
    if (status.updatedReplicas < desired) {
      status.updatedReplicas += 1;
      status.replicas = desired + (object.kind === 'Deployment' ? 1 : 0);
      return;
    }
    Object.assign(status, { replicas: desired, readyReplicas: desired, availableReplicas: desired });
    if (object.kind === 'StatefulSet') status.currentRevision = status.updateRevision;
  };

  let url = '';
  const server = createServer(async (request, response) => {
    const text = await readBody(request);
    const path = new URL(request.url ?? '/', url).pathname;
    requests.push({
      method: request.method ?? 'GET',
      path,
      contentType: request.headers['content-type'],
      authorization: request.headers.authorization,
      body: text ? JSON.parse(text) : undefined,
    });
    const reply = (code: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(code, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    const status = (code: number, reason: string, message: string, headers: Record<string, string> = {}) =>
      reply(code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }, headers);
    const token = request.headers.authorization?.replace(/^Bearer /, '');
    if (!token || !options.acceptToken(token)) return status(401, 'Unauthorized', 'Unauthorized');
    const fault = faults.shift();
    if (fault)
      return status(
        fault.status,
        fault.status === 429 ? 'TooManyRequests' : 'InternalError',
        'injected fault',
        fault.retryAfter ? { 'retry-after': fault.retryAfter } : {},
      );
    const object = objects.get(path);
    if (!object) {
      const [, , , , , resource, name] = path.split('/');
      return status(404, 'NotFound', `${resource}.apps "${name}" not found`);
    }
    if (request.method === 'GET') {
      reconcile(path, object);
      return reply(200, object);
    }
    if (request.method !== 'PATCH')
      return status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    if (request.headers['content-type'] !== 'application/strategic-merge-patch+json') {
      return status(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
      );
    }
    const patch = JSON.parse(text) as { spec?: { template?: { spec?: { containers?: Container[] } } } };
    const before = JSON.stringify(object.spec);
    for (const change of patch.spec?.template?.spec?.containers ?? []) {
      const container = object.spec.template.spec.containers.find((existing) => existing.name === change.name);
      if (container) Object.assign(container, change);
      else object.spec.template.spec.containers.push(change);
    }
    if (JSON.stringify(object.spec) !== before) object.metadata.generation += 1;
    object.metadata.resourceVersion = String(Number(object.metadata.resourceVersion) + 1);
    reply(200, object);
  });
  const listening = await listenOnLoopback(server);
  url = listening.url;
  return {
    url,
    requests,
    objects,
    stick: (kind, name) => stuck.add(keyOf(kind, name)),
    fail(fault, times = 1) {
      for (let i = 0; i < times; i += 1) faults.push(fault);
    },
    close: listening.close,
  };
}
