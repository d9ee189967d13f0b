/**
 * What a handler gets from the outside world: the config, the region, and the ports it names. In Lambda, the real
 * adapters are built by the composition root (./root); rehearsals and tests bind their own ports with bindDeps.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configOrThrow, type TurboConfig, validateConfig } from '../../core/config';
import { InvalidConfigError } from '../../core/errors';
import type {
  AsyncWork,
  Clusters,
  EnvironmentRuns,
  EnvironmentStore,
  JobRunner,
  Kube,
  Notifier,
  PlanStore,
  Registry,
  SecretStore,
  Workflows,
} from '../../core/ports';
import type { KubeCluster } from '../../core/types';

/** What every handler has: the config bundled with it, and the region it runs in. */
export interface Base {
  config: TurboConfig;
  region: string;
}

/** Every port a handler may name. */
export interface Deps extends Base {
  store: EnvironmentStore;
  clusters: Clusters;
  runner: JobRunner;
  notifier: Notifier;
  secrets: SecretStore;
  registry: Registry;
  /** The Kubernetes API of one cluster (image-sync). */
  kubeFor: (cluster: KubeCluster) => Kube;
  /** Starts image-sync executions (the image webhook). */
  workflows: Workflows;
  /** Starts environment executions (self-service). */
  runs: EnvironmentRuns;
  /** Queues self-service work for SlackWork (the Slack endpoint). */
  work: AsyncWork;
  /** Reconcile's plan, for its Distributed Map to read (planActions). */
  plans: PlanStore;
}

export type PortName = Exclude<keyof Deps, keyof Base>;
export type Builder<Port> = (base: Base) => Port;
/** The builders a handler names, by port. */
export type Needs = { [Name in PortName]?: Builder<Deps[Name]> };
/** The ports those builders give, and the base. */
export type Bound<N extends Needs> = Base & { [Name in keyof N & PortName]: Deps[Name] };

export type DepsFactory = () => Promise<Partial<Deps> & Base>;

let bound: DepsFactory | undefined;
let base: Base | undefined;
const built = new Map<PortName, unknown>();

/** Binds the ports for every handler in this process (rehearsal, tests). A port left out is built for real. */
export function bindDeps(factory: DepsFactory): void {
  bound = factory;
  base = undefined;
  built.clear();
}

/** Back to the real ports, built afresh from the environment (a test that runs the real adapters). */
export function unbindDeps(): void {
  bound = undefined;
  base = undefined;
  built.clear();
}

/** The config as `serverless package` wrote it (JSON, from the YAML it validated): no YAML parser in the bundle. */
function readConfigJson(path: string): unknown {
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidConfigError(
      `TURBO_CONFIG_FILE ${path}: is not valid JSON (${(error as Error).message})`,
      [{ path: '(file)', message: 'is not valid JSON' }],
      { cause: error },
    );
  }
}

function lambdaBase(): Base {
  const root = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  const file = process.env.TURBO_CONFIG_FILE;
  if (!file) throw new Error('environment variable TURBO_CONFIG_FILE is not set (serverless.yml sets it)');
  const config = configOrThrow(validateConfig(readConfigJson(join(root, file))));
  return { config, region: process.env.AWS_REGION ?? config.region };
}

/** The base and the named ports; each real port is built once per container, on the first invocation that needs it. */
export async function resolveDeps<N extends Needs>(needs: N): Promise<Bound<N>> {
  const given = bound ? await bound() : undefined;
  // A failed cold start (a config that does not load) is not remembered: the next invocation tries again.
  const resolvedBase = given ?? (base ??= lambdaBase());
  const deps: Record<string, unknown> = { config: resolvedBase.config, region: resolvedBase.region };
  for (const [name, build] of Object.entries(needs) as [PortName, Builder<unknown>][]) {
    if (given && given[name] !== undefined) deps[name] = given[name];
    else {
      if (!built.has(name)) built.set(name, build(resolvedBase));
      deps[name] = built.get(name);
    }
  }
  return deps as Bound<N>;
}
