/**
 * Plays, through the real API, the parts of a cluster that the control plane here does not run:
 * - the scheduler: binds each unscheduled pod to the one Node, `sim-node`;
 * - that node's kubelet: reports each bound pod Running with its containers started, and Ready unless one of its
 *   containers runs an image tagged `never-ready` (the stand-in for a readiness probe that never passes); it
 *   confirms each graceful deletion (deletes the pod with grace period 0), as a kubelet does once the containers stop;
 * - the cloud controller's load balancers: gives each LoadBalancer Service a hostname and the cleanup finalizer, and
 *   removes the finalizer once the Service is being deleted (the cloud load balancer is gone).
 * It polls every 200 ms. Rollout decisions stay with the real Deployment and ReplicaSet controllers.
 */
import type { IPod, IService } from 'kubernetes-models/v1';
import type { Complete } from '../k8s';
import type { ControlPlane } from './control-plane';

export const NODE = 'sim-node';
export const NEVER_READY_TAG = 'never-ready';
export const LB_FINALIZER = 'service.kubernetes.io/load-balancer-cleanup';
const POLL_MS = 200;

export function loadBalancerHostname(namespace: string, name: string): string {
  return `${name}-${namespace}.lb.sim.test`;
}

const neverReady = (image: string) => image.split('@')[0]!.endsWith(`:${NEVER_READY_TAG}`);

export interface NodeSimulator {
  stop(): Promise<void>;
}

export async function startNodeSimulator(kube: ControlPlane): Promise<NodeSimulator> {
  await must(
    kube.api('POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: NODE, labels: { 'kubernetes.io/hostname': NODE } },
    }),
    'create Node',
  );
  const now = new Date().toISOString();
  await must(
    kube.api(
      'PATCH',
      `/api/v1/nodes/${NODE}/status`,
      {
        status: {
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'simulated',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
          ],
          capacity: { cpu: '8', memory: '32Gi', pods: '110' },
          allocatable: { cpu: '8', memory: '32Gi', pods: '110' },
          addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
        },
      },
      'application/merge-patch+json',
    ),
    'report Node status',
  );

  let stopped = false;
  let podIp = 1;
  const tick = async () => {
    const pods = (await kube.api<{ items?: Complete<IPod>[] }>('GET', '/api/v1/pods')).body.items ?? [];
    for (const pod of pods) {
      const { namespace, name } = pod.metadata;
      const path = `/api/v1/namespaces/${namespace}/pods/${name}`;
      if (pod.metadata.deletionTimestamp) {
        await kube.api('DELETE', `${path}?gracePeriodSeconds=0`);
      } else if (!pod.spec.nodeName) {
        await kube.api('POST', `${path}/binding`, {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name },
          target: { kind: 'Node', name: NODE },
        });
      } else if (pod.status.phase !== 'Running') {
        const containers: Array<{ name: string; image: string }> = pod.spec.containers;
        const ready = !containers.some((container) => neverReady(container.image));
        const at = new Date().toISOString();
        const condition = (type: string, status: boolean) => ({ type, status: status ? 'True' : 'False', lastTransitionTime: at });
        await kube.api(
          'PATCH',
          `${path}/status`,
          {
            status: {
              phase: 'Running',
              hostIP: '127.0.0.1',
              podIP: `10.244.0.${podIp++ % 250}`,
              startTime: at,
              conditions: [
                condition('PodScheduled', true),
                condition('Initialized', true),
                condition('ContainersReady', ready),
                condition('Ready', ready),
              ],
              containerStatuses: containers.map((container) => ({
                name: container.name,
                image: container.image,
                imageID: `docker.io/${container.image}`,
                ready,
                started: true,
                restartCount: 0,
                state: { running: { startedAt: at } },
              })),
            },
          },
          'application/merge-patch+json',
        );
      }
    }
    const services = (await kube.api<{ items?: Complete<IService>[] }>('GET', '/api/v1/services')).body.items ?? [];
    for (const service of services) {
      if (service.spec.type !== 'LoadBalancer') continue;
      const { namespace, name, finalizers = [] } = service.metadata;
      const path = `/api/v1/namespaces/${namespace}/services/${name}`;
      if (service.metadata.deletionTimestamp) {
        const rest = finalizers.filter((finalizer: string) => finalizer !== LB_FINALIZER);
        if (rest.length !== finalizers.length)
          await kube.api('PATCH', path, { metadata: { finalizers: rest } }, 'application/merge-patch+json');
      } else if (!service.status?.loadBalancer?.ingress?.length) {
        if (!finalizers.includes(LB_FINALIZER)) {
          await kube.api('PATCH', path, { metadata: { finalizers: [...finalizers, LB_FINALIZER] } }, 'application/merge-patch+json');
        }
        await kube.api(
          'PATCH',
          `${path}/status`,
          { status: { loadBalancer: { ingress: [{ hostname: loadBalancerHostname(namespace, name) }] } } },
          'application/merge-patch+json',
        );
      }
    }
  };
  const loop = (async () => {
    while (!stopped) {
      // A conflict or a pod deleted in between is retried at the next tick, as a kubelet's sync loop does.
      await tick().catch(() => undefined);
      await new Promise((done) => setTimeout(done, POLL_MS));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

async function must(call: Promise<{ status: number; body: unknown }>, what: string): Promise<void> {
  const answer = await call;
  if (answer.status >= 300)
    throw new Error(`node simulator: ${what} failed: HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
}
