/**
 * The frontend's zero-downtime proof and read-path benchmark (`npm run bench:frontend`).
 *
 * Instances of the real app run as child processes behind a small proxy that, like a Service's endpoints,
 * routes only to instances whose /readyz answers 200 (polled every 100 ms). Under steady autocannon load,
 * each old instance is replaced the way a RollingUpdate with maxSurge 1 / maxUnavailable 0 does it: start a
 * new one, wait until it is ready, then SIGTERM the old one. tests/frontend/zero-downtime.test.ts runs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

interface AutocannonResult {
  requests: { total: number; average: number };
  latency: { p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}
interface AutocannonTracker {
  on(event: 'response', listener: (client: unknown, statusCode: number) => void): void;
  stop(): void;
}
type Autocannon = (
  options: { url: string; connections: number; duration: number; method?: string },
  done: (error: Error | null, result: AutocannonResult) => void,
) => AutocannonTracker;
// autocannon ships no types.
const autocannon: Autocannon = require('autocannon');

const SERVER = path.join(__dirname, '..', 'frontend', 'src', 'server.js');
const READY_POLL_MS = 100;

export interface Instance {
  version: string;
  url: string;
  port: number;
  child: ChildProcess;
  /** Exit code, or the signal name when a signal ended it. */
  exited: Promise<number | string>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function get(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { timeout: timeoutMs, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
  });
}

/**
 * Starts `node frontend/src/server.js` and resolves once its /readyz says 200 (which, on MongoDB, pings it).
 * Notes are in memory unless `mongodbUri` names a MongoDB-protocol server.
 */
export async function startInstance({
  version,
  shutdownDelayMs,
  mongodbUri = '',
}: {
  version: string;
  shutdownDelayMs: number;
  mongodbUri?: string;
}): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, [SERVER], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      APP_VERSION: version,
      APP_COMMIT: `bench-${version}`,
      SHUTDOWN_DELAY_MS: String(shutdownDelayMs),
      LOG_LEVEL: 'warn',
      MONGODB_URI: mongodbUri,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`instance ${version} exited before it was ready: ${stderr}`);
    const ready = await get(`${url}/readyz`, 500).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return { version, url, port, child, exited };
    if (Date.now() > deadline) throw new Error(`instance ${version} on port ${port} was not ready within 15 s: ${stderr}`);
    await sleep(50);
  }
}

interface Backend {
  instance: Instance;
  ready: boolean;
  served: number;
}

/** Round-robin over the instances whose /readyz answered 200 at the last poll, as a Service's endpoints do. */
export async function startReadinessProxy() {
  const backends: Backend[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let next = 0;
  const server = http.createServer((request, response) => {
    const ready = backends.filter((backend) => backend.ready);
    if (ready.length === 0) {
      response.writeHead(503).end('no ready endpoint');
      return;
    }
    const backend = ready[next++ % ready.length];
    const upstream = http.request(
      { host: '127.0.0.1', port: backend.instance.port, method: request.method, path: request.url, headers: request.headers, agent },
      (answer) => {
        backend.served += 1;
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    // A real Service does not retry either: an upstream failure is a failed request.
    upstream.on('error', () => (response.headersSent ? response.destroy() : response.writeHead(502).end('upstream failed')));
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const poller = setInterval(() => {
    for (const backend of backends) {
      get(`${backend.instance.url}/readyz`, 500).then(
        (answer) => (backend.ready = answer.status === 200),
        () => (backend.ready = false),
      );
    }
  }, READY_POLL_MS);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    backends,
    add(instance: Instance) {
      backends.push({ instance, ready: false, served: 0 });
    },
    async untilReady(instance: Instance) {
      while (!backends.find((backend) => backend.instance === instance)?.ready) await sleep(READY_POLL_MS / 2);
    },
    async close() {
      clearInterval(poller);
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface RollResult {
  requests: number;
  /** Non-2xx answers, connection errors and timeouts. */
  failed: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Requests each instance answered, by `version#n`. */
  servedBy: Record<string, number>;
  /** How each old instance ended. */
  oldExits: (number | string)[];
  /** The page the proxy serves once the roll is done. */
  finalPage: string;
  requestsPerSecond: number;
  p99Ms: number;
}

/**
 * Two instances of `fromVersion` behind the proxy, steady load, and a roll to `toVersion` one instance at a
 * time. `stopSignal` SIGKILL instead of SIGTERM shows what the proof would catch without a graceful drain.
 * `mongodbUri` puts every instance on that MongoDB-protocol server instead of in-memory notes.
 */
export async function rollingUpdateUnderLoad({
  minRequests = 5000,
  connections = 8,
  shutdownDelayMs = 1000,
  stopSignal = 'SIGTERM' as NodeJS.Signals,
  fromVersion = '1.0.0',
  toVersion = '1.1.0',
  mongodbUri = '',
} = {}): Promise<RollResult> {
  const proxy = await startReadinessProxy();
  const instances: Instance[] = [];
  const start = (version: string) =>
    startInstance({ version, shutdownDelayMs, mongodbUri }).then((instance) => (instances.push(instance), instance));
  try {
    const olds = await Promise.all([start(fromVersion), start(fromVersion)]);
    for (const old of olds) proxy.add(old);
    await Promise.all(olds.map((old) => proxy.untilReady(old)));

    let responses = 0;
    let resolveResult!: (result: AutocannonResult) => void;
    let rejectResult!: (error: Error) => void;
    const result = new Promise<AutocannonResult>((resolve, reject) => ((resolveResult = resolve), (rejectResult = reject)));
    // duration is only an upper bound: the load stops once the roll is done and enough requests were made.
    const tracker = autocannon({ url: `${proxy.url}/`, connections, duration: 120 }, (error, done) =>
      error ? rejectResult(error) : resolveResult(done),
    );
    tracker.on('response', () => (responses += 1));
    const reached = async (count: number) => {
      while (responses < count) await sleep(20);
    };

    await reached(Math.min(500, minRequests / 4));
    const oldExits: (number | string)[] = [];
    for (const old of olds) {
      const fresh = await start(toVersion);
      proxy.add(fresh);
      await proxy.untilReady(fresh);
      old.child.kill(stopSignal);
      oldExits.push(await old.exited);
    }
    const afterRoll = responses;
    await reached(Math.max(minRequests, afterRoll + 500));
    tracker.stop();
    const load = await result;

    const finalPage = (await get(`${proxy.url}/`, 2000)).body;
    const servedBy: Record<string, number> = {};
    for (const [index, backend] of proxy.backends.entries()) servedBy[`${backend.instance.version}#${index + 1}`] = backend.served;
    return {
      requests: load.requests.total,
      failed: load.non2xx + load.errors + load.timeouts,
      non2xx: load.non2xx,
      errors: load.errors,
      timeouts: load.timeouts,
      servedBy,
      oldExits,
      finalPage,
      requestsPerSecond: load.requests.average,
      p99Ms: load.latency.p99,
    };
  } finally {
    await proxy.close();
    for (const instance of instances)
      if (instance.child.exitCode === null && instance.child.signalCode === null) instance.child.kill('SIGKILL');
    await Promise.all(instances.map((instance) => instance.exited));
  }
}

/** Requests per second and p99 latency of GET / (20 notes on the page) on one instance, no proxy. */
export async function readPathBenchmark({ seconds = 5, connections = 10 } = {}) {
  const instance = await startInstance({ version: 'bench', shutdownDelayMs: 0 });
  try {
    for (let i = 0; i < 20; i += 1) {
      await fetch(`${instance.url}/notes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: `Benchmark note ${i}`, author: 'bench' }),
      });
    }
    const result = await new Promise<AutocannonResult>((resolve, reject) =>
      autocannon({ url: `${instance.url}/`, connections, duration: seconds }, (error, done) => (error ? reject(error) : resolve(done))),
    );
    return {
      requestsPerSecond: result.requests.average,
      p99Ms: result.latency.p99,
      requests: result.requests.total,
      failed: result.non2xx + result.errors + result.timeouts,
    };
  } finally {
    instance.child.kill('SIGKILL');
    await instance.exited;
  }
}

async function main() {
  const read = await readPathBenchmark();
  console.log(
    `read path  GET / (20 notes), 10 connections, 5 s, one instance: ${Math.round(read.requestsPerSecond)} req/s, p99 ${read.p99Ms} ms (${read.requests} requests, ${read.failed} failed)`,
  );
  const roll = await rollingUpdateUnderLoad({ minRequests: 20000, shutdownDelayMs: 1000 });
  console.log(
    `rolling update  2 instances 1.0.0 -> 1.1.0 behind a readiness-routed proxy, 8 connections: ${roll.requests} requests, ` +
      `${roll.failed} failed (non-2xx ${roll.non2xx}, errors ${roll.errors}, timeouts ${roll.timeouts}); ` +
      `${Math.round(roll.requestsPerSecond)} req/s, p99 ${roll.p99Ms} ms; served by ${JSON.stringify(roll.servedBy)}; old instances exited ${roll.oldExits.join(', ')}`,
  );
  if (roll.failed > 0) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
