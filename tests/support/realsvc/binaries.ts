/**
 * The real services' binaries, found or built by tools/realsvc/build.sh (`npm test` runs it before jest, so here it
 * only finds them; a targeted `npx jest` on a machine without them builds them first and says so on stderr).
 * kubectl and terraform come from here too, never from the machine's PATH: every machine tests with the same
 * releases, and kubectl with the API server's own.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';

export interface RealBinaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubectl: string;
  ferretdb: string;
  terraform: string;
  checkov: string;
}
/** build.sh's tool names, and the binaries each gives. */
const TOOLS = {
  etcd: ['etcd'],
  kube: ['kubeApiserver', 'kubeControllerManager', 'kubectl'],
  ferretdb: ['ferretdb'],
  terraform: ['terraform'],
  checkov: ['checkov'],
} as const;
type Tool = keyof typeof TOOLS;

const BUILD_SCRIPT = resolve(__dirname, '../../../tools/realsvc/build.sh');

const found = new Map<string, Partial<RealBinaries>>();

/** The paths of the named tools' binaries (build.sh finds them in the cache, or builds them and says so), once a process. */
export function realBinaries<T extends Tool>(...tools: T[]): Pick<RealBinaries, (typeof TOOLS)[T][number]> {
  const key = tools.join(' ');
  // build.sh fails at once, naming Go or Python and the README section, when one is missing: that fails the test.
  if (!found.has(key)) {
    const json = execFileSync('bash', [BUILD_SCRIPT, '--json', ...tools], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    found.set(key, JSON.parse(json));
  }
  return found.get(key) as Pick<RealBinaries, (typeof TOOLS)[T][number]>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

export interface Daemon {
  name: string;
  child: ChildProcess;
  log: string;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it has exited. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// A crashed or interrupted test file must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts a server process with its output in `<dir>/<name>.log` (shown when it fails to become ready). */
export function startDaemon(name: string, command: string, args: string[], dir: string, env: NodeJS.ProcessEnv = process.env): Daemon {
  const log = join(dir, `${name}.log`);
  const out = createWriteStream(log);
  const child = spawn(command, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  running.add(child);
  const exited = new Promise<void>((done) => child.once('exit', () => (running.delete(child), done())));
  return {
    name,
    child,
    log,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `ready` until it answers true; fails with the daemon's log tail when it exits or `timeoutMs` passes. */
export async function waitUntilReady(daemon: Daemon, what: string, ready: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (daemon.child.exitCode !== null)
      throw new Error(`${daemon.name} exited (${daemon.child.exitCode}) before ${what}: ${await tail(daemon.log)}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline)
      throw new Error(`${daemon.name}: ${what} did not happen within ${timeoutMs / 1000} s: ${await tail(daemon.log)}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

async function tail(file: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return (await readFile(file, 'utf8').catch(() => '')).split('\n').slice(-30).join('\n');
}
