/**
 * Kube on the Kubernetes API of one EKS cluster.
 * - Authentication: an EKS bearer token, `k8s-aws-v1.` + base64url (no padding) of a presigned STS
 *   GetCallerIdentity URL whose signed headers include `x-k8s-aws-id: <cluster name>` (what `aws eks get-token`
 *   makes). The cluster's endpoint and CA come from DescribeCluster (the Clusters port).
 * - Reads `GET /apis/apps/v1/namespaces/{ns}/{deployments|statefulsets}/{name}`; writes one container's image with a
 *   strategic merge patch. A JSON merge patch would replace the whole `containers` list (merge patches replace
 *   arrays), dropping the other containers' fields; a strategic merge patch merges the list by container `name`, so
 *   only that image changes, and it needs no resourceVersion.
 * - 429 and 5xx are retried with backoff (GET and this PATCH are both idempotent); 401/403 are a missing EKS access
 *   entry for the Lambda's role and fail at once.
 *
 * Why not @kubernetes/client-node: it does serve a custom token and CA (KubeConfig.loadFromOptions), but it refuses a
 * plain-http server unless TLS verification is switched off, so tests against a local API server would run a path
 * that production never takes; and it bundles a websocket and OIDC stack into every Lambda for two REST calls. node:https
 * with the cluster's CA is all this needs, and the TLS options are one tested function (`connectionFor`).
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { KubeCluster, WorkloadRef, WorkloadState } from '../core/types';
import type { Kube } from '../core/ports';
import { AuthenticationError, ConfigurationError, TransientError } from '../core/errors';
import { withRetry, RetryableError } from './retry';

export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
/** EKS accepts a token for 15 minutes after it was signed; a fresh one is made well before that. */
const TOKEN_REUSE_MS = 10 * 60_000;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The bearer token EKS's authenticator accepts for `clusterName`, as `aws eks get-token` makes it. */
export async function eksToken(options: {
  clusterName: string;
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  now?: Date;
}): Promise<string> {
  const hostname = `sts.${options.region}.amazonaws.com`;
  const signer = new SignatureV4({ credentials: options.credentials, region: options.region, service: 'sts', sha256: Sha256 });
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: hostname, 'x-k8s-aws-id': options.clusterName },
    },
    { expiresIn: 60, signingDate: options.now },
  );
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(signed.query ?? {})) {
    for (const one of [value].flat()) if (one !== null) query.append(key, one);
  }
  const url = `https://${hostname}/?${query.toString()}`;
  return EKS_TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url');
}

export interface KubeConnection {
  url: URL;
  /** TLS options: the cluster's CA only (the system's CAs are not trusted for a cluster API), and hostname checks on. */
  tls?: Pick<RequestOptions, 'ca' | 'rejectUnauthorized' | 'servername'>;
}

/**
 * How to reach a cluster's API. https with the cluster's own CA; plain http only on the loopback address (local test
 * servers), so that a bearer token can never cross a network in clear.
 */
export function connectionFor(cluster: KubeCluster): KubeConnection {
  let url: URL;
  try {
    url = new URL(cluster.endpoint);
  } catch {
    throw new ConfigurationError(`cluster ${cluster.name} has an endpoint that is not a URL (got ${JSON.stringify(cluster.endpoint)})`);
  }
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return { url };
  if (url.protocol !== 'https:')
    throw new ConfigurationError(`cluster ${cluster.name}'s endpoint must be https (got ${url.protocol}//${url.host})`);
  const ca = Buffer.from(cluster.certificateAuthority, 'base64').toString('utf8');
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigurationError(`cluster ${cluster.name}'s certificateAuthority is not base64 of a PEM certificate`);
  }
  return { url, tls: { ca, rejectUnauthorized: true, servername: url.hostname } };
}

export interface KubeApiOptions {
  cluster: KubeCluster;
  /** The bearer token; called again when the last one is 10 minutes old. */
  token: () => Promise<string>;
  timeoutMs?: number;
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number; sleep?: (ms: number) => Promise<void> };
  now?: () => number;
}

interface Exchange {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

const RESOURCE: Record<WorkloadRef['kind'], string> = { Deployment: 'deployments', StatefulSet: 'statefulsets' };

export class KubeApi implements Kube {
  private readonly connection: KubeConnection;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly retry: { attempts: number; baseDelayMs: number; maxDelayMs: number; sleep?: (ms: number) => Promise<void> };
  private token?: { value: Promise<string>; madeAt: number };

  constructor(private readonly options: KubeApiOptions) {
    this.connection = connectionFor(options.cluster);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.retry = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8_000, ...options.retry };
  }

  async getWorkload(ref: WorkloadRef): Promise<WorkloadState | undefined> {
    const response = await this.call('GET', ref);
    return response.status === 404 ? undefined : workloadStateOf(ref, parse(response.body, describe(ref)));
  }

  async setImage(ref: WorkloadRef, image: string): Promise<WorkloadState> {
    const patch = { spec: { template: { spec: { containers: [{ name: ref.container, image }] } } } };
    const response = await this.call('PATCH', ref, JSON.stringify(patch));
    if (response.status === 404) throw new ConfigurationError(`${describe(ref)} does not exist in cluster ${this.options.cluster.name}`);
    return workloadStateOf(ref, parse(response.body, describe(ref)));
  }

  private async call(method: 'GET' | 'PATCH', ref: WorkloadRef, body?: string): Promise<Exchange> {
    const path = `/apis/apps/v1/namespaces/${encodeURIComponent(ref.namespace)}/${RESOURCE[ref.kind]}/${encodeURIComponent(ref.name)}`;
    const doing = `${method} ${path} on cluster ${this.options.cluster.name}`;
    try {
      return await withRetry(
        async () => {
          const response = await this.exchange(method, path, body);
          if (response.status === 429 || response.status >= 500) {
            const seconds = Number(response.headers['retry-after']);
            throw new RetryableError(
              `HTTP ${response.status}: ${statusMessage(response.body)}`,
              Number.isFinite(seconds) ? seconds * 1000 : undefined,
            );
          }
          if (response.status === 401 || response.status === 403) {
            this.token = undefined;
            throw new AuthenticationError(
              `${doing} was refused (HTTP ${response.status}: ${statusMessage(response.body)}): does the Lambda's role have an EKS access entry on the cluster?`,
            );
          }
          if (response.status >= 400 && response.status !== 404)
            throw new Error(`${doing} failed (HTTP ${response.status}: ${statusMessage(response.body)})`);
          return response;
        },
        {
          ...this.retry,
          isRetryable: (error) => error instanceof RetryableError,
          requestedDelayMs: (error) => Math.min((error as RetryableError).retryAfterMs ?? 0, this.retry.maxDelayMs),
        },
      );
    } catch (error) {
      if (error instanceof RetryableError)
        throw new TransientError(`${doing} failed after ${this.retry.attempts} attempts: ${error.message}`, { cause: error });
      throw error;
    }
  }

  private async bearer(): Promise<string> {
    if (!this.token || this.now() - this.token.madeAt > TOKEN_REUSE_MS) {
      const value = this.options.token();
      this.token = { value, madeAt: this.now() };
      value.catch(() => (this.token = undefined));
    }
    return this.token.value;
  }

  private async exchange(method: string, path: string, body: string | undefined): Promise<Exchange> {
    const token = await this.bearer();
    const { url, tls } = this.connection;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<Exchange>((resolve, reject) => {
      const request = send(
        {
          ...tls,
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port || undefined,
          path: `${url.pathname.replace(/\/$/, '')}${path}`,
          method,
          timeout: this.timeoutMs,
          headers: {
            accept: 'application/json',
            authorization: `Bearer ${token}`,
            ...(body === undefined
              ? {}
              : { 'content-type': 'application/strategic-merge-patch+json', 'content-length': Buffer.byteLength(body) }),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }),
          );
          response.on('error', (error) => reject(new RetryableError(`the answer broke off: ${error.message}`)));
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      request.on('error', (error: NodeJS.ErrnoException) => reject(new RetryableError(error.code ?? error.message)));
      request.end(body);
    });
  }
}

/** A Kube for each cluster, with tokens signed by `credentials` (the Lambda's role). */
export function eksKubeConnector(region: string, credentials: AwsCredentialIdentityProvider): (cluster: KubeCluster) => Kube {
  return (cluster) => new KubeApi({ cluster, token: () => eksToken({ clusterName: cluster.name, region, credentials }) });
}

const describe = (ref: WorkloadRef) => `${ref.kind} ${ref.namespace}/${ref.name}`;

/** The fields of a Deployment or StatefulSet that the rollout decisions read; the API may leave any of them out. */
interface WorkloadObject {
  kind?: string;
  metadata?: { generation?: number };
  spec?: { replicas?: number; template?: { spec?: { containers?: Array<{ name?: string; image?: string }> } } };
  /** The same fields as WorkloadState's, before defaults; conditions as the API sends them. */
  status?: Pick<
    WorkloadState,
    'observedGeneration' | 'replicas' | 'updatedReplicas' | 'readyReplicas' | 'availableReplicas' | 'currentRevision' | 'updateRevision'
  > & { conditions?: Array<Record<string, unknown>> };
}

function parse(body: string, what: string): WorkloadObject {
  try {
    return JSON.parse(body) as WorkloadObject;
  } catch {
    throw new Error(`the Kubernetes API answered ${what} with something that is not JSON`);
  }
}

/** The `message` of a Kubernetes Status answer, or the start of whatever came instead. */
function statusMessage(body: string): string {
  try {
    const status = JSON.parse(body) as { message?: unknown };
    if (typeof status.message === 'string') return status.message;
  } catch {
    // not a Status object: show what came
  }
  return body.slice(0, 200) || 'no body';
}

/** The part of a Deployment or StatefulSet that the rollout decisions read. */
export function workloadStateOf(ref: WorkloadRef, object: WorkloadObject): WorkloadState {
  if (object.kind !== ref.kind || typeof object.metadata?.generation !== 'number') {
    throw new Error(`the Kubernetes API answered ${describe(ref)} with a ${JSON.stringify(object.kind)} without metadata.generation`);
  }
  const containers = object.spec?.template?.spec?.containers ?? [];
  const status = object.status ?? {};
  return {
    ref,
    image: containers.find((container) => container.name === ref.container)?.image,
    generation: object.metadata.generation,
    observedGeneration: status.observedGeneration,
    // The API defaults spec.replicas to 1 when it is left out.
    desiredReplicas: object.spec?.replicas ?? 1,
    replicas: status.replicas,
    updatedReplicas: status.updatedReplicas,
    readyReplicas: status.readyReplicas,
    availableReplicas: status.availableReplicas,
    currentRevision: status.currentRevision,
    updateRevision: status.updateRevision,
    conditions: (status.conditions ?? []).map((condition) => ({
      type: String(condition.type),
      status: String(condition.status),
      ...(typeof condition.reason === 'string' ? { reason: condition.reason } : {}),
      ...(typeof condition.message === 'string' ? { message: condition.message } : {}),
    })),
  };
}
