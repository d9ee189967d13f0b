/**
 * Runs a job script with stub terraform, kubectl and aws first on PATH (tests/scripts/stubs/fake-cli)
 * and reads back what they were asked to do. The real kubectl and terraform, where a test asks for them, are the
 * ones tools/realsvc/build.sh builds (tests/support/realsvc), linked first on the script's PATH.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { realBinaries } from '../support/realsvc/binaries';

export const REPO = resolve(__dirname, '../..');
const STUB = join(__dirname, 'stubs', 'fake-cli');
const FAKED_TOOLS = ['terraform', 'kubectl', 'aws'];
/** The faked tools that a test may ask for for real. */
const REAL_TOOLS: Record<string, () => string> = {
  kubectl: () => realBinaries('kube').kubectl,
  terraform: () => realBinaries('terraform').terraform,
};

/** Finds an executable on the test runner's own PATH (before the stubs are put in front). */
export function onPath(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, tool);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

if (!onPath('jq')) {
  console.warn('NOTICE: jq is not on PATH, but the job scripts need it: install it (apt-get install -y jq).');
}

export interface RunResult {
  status: number | null;
  output: string;
  lastLine: string;
  /** One entry per stub call: [tool, ...argv]. */
  calls: string[][];
}

export class StubWorld {
  readonly dir = mkdtempSync(join(tmpdir(), 'turbo-script-test-'));
  readonly stubDir = join(this.dir, 'stub');
  private readonly binDir = join(this.dir, 'bin');

  /** `real` tools (kubectl, terraform) are not stubbed: the scripts reach the built ones (kubectl against a real API server). */
  constructor({ real = [] }: { real?: string[] } = {}) {
    mkdirSync(this.stubDir);
    mkdirSync(this.binDir);
    chmodSync(STUB, 0o755);
    const unknown = real.filter((tool) => !REAL_TOOLS[tool]);
    if (unknown.length) throw new Error(`StubWorld: real: ${unknown.join(', ')}: only ${Object.keys(REAL_TOOLS).join(', ')} can be`);
    for (const tool of FAKED_TOOLS) symlinkSync(real.includes(tool) ? REAL_TOOLS[tool]!() : STUB, join(this.binDir, tool));
  }

  /** Writes a control file of the stubs (see the header of stubs/fake-cli). */
  set(name: string, content: string | object): this {
    writeFileSync(join(this.stubDir, name), typeof content === 'string' ? content : JSON.stringify(content));
    return this;
  }

  read(name: string): string {
    return readFileSync(join(this.stubDir, name), 'utf8');
  }

  calls(): string[][] {
    const file = join(this.stubDir, 'calls.log');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => line.split('\t'));
  }

  /**
   * The environment that leaves a script only the stubs and these tools (linked from the runner's PATH) to
   * call: a command the list does not name is "command not found".
   */
  onlyTools(tools: string[]): Record<string, string> {
    const toolsDir = join(this.dir, 'tools');
    mkdirSync(toolsDir, { recursive: true });
    const missing = tools.filter((tool) => !FAKED_TOOLS.includes(tool) && !onPath(tool));
    if (missing.length > 0) throw new Error(`not on this machine's PATH, so the check cannot run: ${missing.join(', ')}`);
    for (const tool of tools) {
      if (!FAKED_TOOLS.includes(tool) && !existsSync(join(toolsDir, tool))) symlinkSync(onPath(tool)!, join(toolsDir, tool));
    }
    return { PATH: [this.binDir, toolsDir].join(delimiter), STUB_PATH: process.env.PATH ?? '' };
  }

  resetCalls(): void {
    rmSync(join(this.stubDir, 'calls.log'), { force: true });
  }

  run(script: string, args: string[], env: Record<string, string> = {}): RunResult {
    return this.runBash('"$0" "$@"', [join(REPO, 'scripts', script), ...args], env, this.dir);
  }

  /** Runs a bash command line (stderr merged into stdout, in order) with the stubs first on PATH. */
  runBash(command: string, args: string[], env: Record<string, string>, cwd: string): RunResult {
    const before = this.calls().length;
    const result = spawnSync('bash', ['-c', `{ ${command}; } 2>&1`, ...args], { cwd, encoding: 'utf8', env: this.env(env) });
    return this.result(before, result.status, result.stdout);
  }

  /** As run, without blocking the event loop: for scripts that wait on servers running in the test's own process. */
  runAsync(script: string, args: string[], env: Record<string, string> = {}): Promise<RunResult> {
    const before = this.calls().length;
    const child = spawn('bash', ['-c', '{ "$0" "$@"; } 2>&1', join(REPO, 'scripts', script), ...args], {
      cwd: this.dir,
      env: this.env(env),
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (status) => resolve(this.result(before, status, output)));
    });
  }

  private env(env: Record<string, string>): NodeJS.ProcessEnv {
    return {
      PATH: [this.binDir, process.env.PATH].join(delimiter),
      HOME: this.dir,
      TMPDIR: this.dir,
      STUB_DIR: this.stubDir,
      POLL_SECONDS: '0',
      // The stub's `kubectl kustomize` renders with the real one (fake-cli).
      REAL_KUBECTL: REAL_TOOLS.kubectl!(),
      ...env,
    };
  }

  private result(before: number, status: number | null, output: string): RunResult {
    const lines = output.trimEnd().split('\n');
    return { status, output, lastLine: lines[lines.length - 1] ?? '', calls: this.calls().slice(before) };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A Kubernetes List of objects of one kind, as `kubectl get <kind> -A -o json` prints it. */
export function list(items: object[]): object {
  return { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } };
}

export function service(namespace: string, name: string, type: string): object {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace, name }, spec: { type } };
}

export function ingress(namespace: string, name: string): object {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { namespace, name }, spec: {} };
}

/** A PersistentVolume bound to a claim in `namespace`, provisioned by the EBS CSI driver. */
export function persistentVolume(name: string, namespace: string, volumeId: string, reclaimPolicy = 'Delete'): object {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name },
    spec: {
      claimRef: { namespace, name: 'data-mongo-0' },
      persistentVolumeReclaimPolicy: reclaimPolicy,
      csi: { driver: 'ebs.csi.aws.com', volumeHandle: volumeId },
    },
  };
}
