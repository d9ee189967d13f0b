/** Handler tests bind these Deps: the ports a test names, and for every other one a stand-in that fails if used. */
import type { TurboConfig } from '../../functions/core/config';
import { bindDeps, type Deps } from '../../functions/handlers/lib/deps';

const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('this port is not used by the handler under test')) });

export function bindTestDeps(config: TurboConfig, ports: Partial<Deps>): Deps {
  const deps: Deps = {
    config,
    region: config.region,
    store: unused as Deps['store'],
    clusters: unused as Deps['clusters'],
    runner: unused as Deps['runner'],
    notifier: unused as Deps['notifier'],
    registry: unused as Deps['registry'],
    kubeFor: unused as Deps['kubeFor'],
    workflows: unused as Deps['workflows'],
    secrets: unused as Deps['secrets'],
    runs: unused as Deps['runs'],
    work: unused as Deps['work'],
    plans: unused as Deps['plans'],
    ...ports,
  };
  bindDeps(async () => deps);
  return deps;
}
