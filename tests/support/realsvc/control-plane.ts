/**
 * A real Kubernetes control plane on loopback: etcd, kube-apiserver and kube-controller-manager (built from the Go
 * modules by tools/realsvc/build.sh), with a CA made here by openssl, a static token for the tests and a
 * service-account key pair. There is no kubelet and no scheduler: ./node-simulator.ts plays both, and the cloud
 * controller's load balancer part. The Deployment, ReplicaSet, StatefulSet, garbage-collector and namespace
 * controllers are the real ones.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, realBinaries, startDaemon, waitUntilReady, type Daemon } from './binaries';

export interface ControlPlane {
  /** https://127.0.0.1:PORT */
  url: string;
  /** PEM of the CA that signed the API server's certificate. */
  caPem: string;
  /** A bearer token of a cluster admin (group system:masters). */
  token: string;
  /** A kubeconfig for kubectl with that token. */
  kubeconfig: string;
  dir: string;
  /** Milliseconds from the first process start to /readyz answering ok (printed, never asserted). */
  startedInMs: number;
  /** `T` names what the caller reads of the answer's body (JSON, or the text of a plain answer). */
  api<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

const CONTROLLERS = [
  'deployment-controller',
  'replicaset-controller',
  'statefulset-controller',
  'garbage-collector-controller',
  'namespace-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'persistentvolumeclaim-protection-controller',
];

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCertificates(dir: string): void {
  openssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=turbo-test-ca',
  );
  writeFileSync(
    join(dir, 'server.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' +
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:10.96.0.1\n',
  );
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver');
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '2',
    '-extfile',
    'server.ext',
  );
  openssl(dir, 'genrsa', '-out', 'sa.key', '2048');
  openssl(dir, 'rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
}

function kubeconfigFor(url: string, caPem: string, token: string): string {
  const ca = Buffer.from(caPem).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    `clusters: [{name: local, cluster: {server: "${url}", certificate-authority-data: "${ca}"}}]`,
    `users: [{name: admin, user: {token: "${token}"}}]`,
    'contexts: [{name: local, context: {cluster: local, user: admin}}]',
    'current-context: local',
    '',
  ].join('\n');
}

export async function startControlPlane(): Promise<ControlPlane> {
  const bin = realBinaries('etcd', 'kube');
  const dir = mkdtempSync(join(tmpdir(), 'turbo-kube-'));
  const started = Date.now();
  makeCertificates(dir);
  const token = `admin-${Date.now().toString(36)}`;
  const controllerToken = `kcm-${Date.now().toString(36)}`;
  writeFileSync(
    join(dir, 'tokens.csv'),
    `${token},turbo-test-admin,1,"system:masters"\n${controllerToken},system:kube-controller-manager,2,"system:masters"\n`,
  );
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
  const url = `https://127.0.0.1:${apiPort}`;
  const caPem = readFileSync(join(dir, 'ca.crt'), 'utf8');
  writeFileSync(join(dir, 'kubeconfig'), kubeconfigFor(url, caPem, token));
  writeFileSync(join(dir, 'kcm.kubeconfig'), kubeconfigFor(url, caPem, controllerToken));

  const api = <T = unknown>(method: string, path: string, body?: unknown, contentType = 'application/json') =>
    new Promise<{ status: number; body: T }>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const sent = request(
        `${url}${path}`,
        {
          method,
          ca: caPem,
          headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(payload ? { 'content-type': contentType } : {}) },
          timeout: 15_000,
        },
        (answer) => {
          let text = '';
          answer.setEncoding('utf8');
          answer.on('data', (chunk) => (text += chunk));
          answer.on('end', () => {
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // /readyz and friends answer plain text
            }
            resolve({ status: answer.statusCode ?? 0, body: parsed as T });
          });
        },
      );
      sent.on('timeout', () => sent.destroy(new Error(`${method} ${path} timed out`)));
      sent.on('error', reject);
      sent.end(payload);
    });

  const daemons: Daemon[] = [];
  const stop = async () => {
    for (const daemon of daemons.reverse()) await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const etcd = startDaemon(
      'etcd',
      bin.etcd,
      [
        '--name=default',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
        // A throwaway store: no fsync keeps the tests off the disk's latency.
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      dir,
    );
    daemons.push(etcd);
    await waitUntilReady(etcd, 'etcd /health answered', async () => {
      const answer = await fetch(`http://127.0.0.1:${etcdClient}/health`);
      return answer.ok;
    });

    const apiserver = startDaemon(
      'kube-apiserver',
      bin.kubeApiserver,
      [
        `--etcd-servers=http://127.0.0.1:${etcdClient}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--cert-dir=${dir}`,
        `--tls-cert-file=${join(dir, 'server.crt')}`,
        `--tls-private-key-file=${join(dir, 'server.key')}`,
        `--client-ca-file=${join(dir, 'ca.crt')}`,
        `--token-auth-file=${join(dir, 'tokens.csv')}`,
        '--authorization-mode=Node,RBAC',
        '--service-account-issuer=https://kubernetes.default.svc',
        `--service-account-key-file=${join(dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
        '--service-cluster-ip-range=10.96.0.0/16',
        '--profiling=false',
        '--v=0',
      ],
      dir,
    );
    daemons.push(apiserver);
    await waitUntilReady(apiserver, '/readyz answered ok', async () => {
      const answer = await api('GET', '/readyz');
      return answer.status === 200;
    });

    const controllerManager = startDaemon(
      'kube-controller-manager',
      bin.kubeControllerManager,
      [
        `--kubeconfig=${join(dir, 'kcm.kubeconfig')}`,
        `--authentication-kubeconfig=${join(dir, 'kcm.kubeconfig')}`,
        `--authorization-kubeconfig=${join(dir, 'kcm.kubeconfig')}`,
        '--secure-port=0',
        '--leader-elect=false',
        `--controllers=${CONTROLLERS.join(',')}`,
        `--service-account-private-key-file=${join(dir, 'sa.key')}`,
        `--root-ca-file=${join(dir, 'ca.crt')}`,
        '--use-service-account-credentials=false',
        '--v=0',
      ],
      dir,
    );
    daemons.push(controllerManager);
    // The ServiceAccount controller making `default` in `default` shows that the controllers are running.
    await waitUntilReady(controllerManager, 'ServiceAccount default/default was made', async () => {
      const answer = await api('GET', '/api/v1/namespaces/default/serviceaccounts/default');
      return answer.status === 200;
    });
  } catch (error) {
    await stop();
    throw error;
  }
  const startedInMs = Date.now() - started;
  process.stderr.write(`realsvc: control plane (etcd, kube-apiserver, kube-controller-manager) ready at ${url} in ${startedInMs} ms\n`);
  return { url, caPem, token, kubeconfig: join(dir, 'kubeconfig'), dir, startedInMs, api, stop };
}
