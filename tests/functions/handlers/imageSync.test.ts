// @middy/core and @middy/util export only an `import` condition, which jest's CommonJS resolver does not match:
// load their files by path (jest.config lets swc compile them).
jest.mock('@middy/core', () => jest.requireActual('../../../node_modules/@middy/core/index.js'), { virtual: true });
jest.mock('@middy/util', () => jest.requireActual('../../../node_modules/@middy/util/index.js'), { virtual: true });

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import type { ClusterInfo, EnvironmentRecord, KubeCluster, WorkloadRef, WorkloadState } from '../../../functions/core/types';
import type { Kube, Registry } from '../../../functions/core/ports';
import type { TurboConfig } from '../../../functions/core/config';
import { loadConfigText } from '../../../functions/core/configFile';
import { handler as checkRollout } from '../../../functions/handlers/checkRollout';
import { handler as listReadyEnvironments } from '../../../functions/handlers/listReadyEnvironments';
import { handler as resolveImages } from '../../../functions/handlers/resolveImages';
import { handler as rollOut } from '../../../functions/handlers/rollOut';
import type { Deps } from '../../../functions/handlers/lib/deps';
import { bindTestDeps } from '../../support/deps';
import { MemoryStore } from '../../../functions/adapters/memory/store';
import { MemoryPlanStore } from '../../../functions/adapters/memory/objects';
import { budgetKeys, stoppedReleaseKey } from '../../../functions/core/images';
import { OPS_RECORD } from '../../../functions/core/types';

const baseConfig = loadConfigText(readFileSync(join(__dirname, '../../../turbo.config.example.yml'), 'utf8'));
const context = { functionName: 'imageSync', awsRequestId: 'req-1' } as Context;
const DIGEST = `sha256:${'d'.repeat(64)}`;
const NEW = { repository: 'acme/turbo-notes', tag: '1.3.0', digest: DIGEST };
const NEW_REF = `acme/turbo-notes:1.3.0@${DIGEST}`;
/** What the nodes pull: the same image through the config's ECR pull-through cache. */
const PULLED_REF = `${baseConfig.cluster.pullThroughCache}/${NEW_REF}`;

/** A cluster's two workloads; a patch starts a rollout that finishes after `checksToFinish` reads. */
function fakeKube(image: string, checksToFinish = 2) {
  const patches: Array<{ ref: WorkloadRef; image: string }> = [];
  let reads = 0;
  let current = image;
  let generation = 5;
  const state = (ref: WorkloadRef): WorkloadState => {
    const settled = reads >= checksToFinish || patches.length === 0;
    return {
      ref,
      image: ref.name === 'frontend' ? current : 'acme/turbo-mongo:1.2.0',
      generation,
      observedGeneration: generation,
      desiredReplicas: 2,
      replicas: settled ? 2 : 3,
      updatedReplicas: settled ? 2 : 1,
      availableReplicas: 2,
      readyReplicas: 2,
      conditions: [],
    };
  };
  const kube: Kube = {
    async getWorkload(ref) {
      if (patches.length > 0) reads += 1;
      return state(ref);
    },
    async setImage(ref, to) {
      patches.push({ ref, image: to });
      current = to;
      generation += 1;
      reads = 0;
      return state(ref);
    },
  };
  return { kube, patches };
}

/** Every handler here may read the run's failure budget from the ops record: a fresh store unless the test gives one. */
function bind(overrides: Partial<Deps> & { config?: TurboConfig }) {
  const { config = baseConfig, ...ports } = overrides;
  bindTestDeps(config, { store: new MemoryStore(), ...ports });
}

const activeCluster = (name: string): ClusterInfo => ({
  name,
  status: 'ACTIVE',
  endpoint: `https://${name}.example`,
  certificateAuthority: 'Q0E=',
  nodegroupStatus: 'ACTIVE',
  tags: {},
});

describe('ListReadyEnvironments', () => {
  const OLD = { repository: 'acme/turbo-notes', tag: '1.2.0', digest: `sha256:${'c'.repeat(64)}` };
  const record = (developer: string, status: EnvironmentRecord['status'], confirmed = OLD): EnvironmentRecord => ({
    developer,
    status,
    clusterName: `turbo-${developer}`,
    runId: `${developer}-up-20261125`,
    updatedAt: '2026-11-25T08:00:00Z',
    images: { frontend: NEW },
    confirmedImages: { frontend: confirmed },
  });
  const records = [
    record('carol', 'ready'),
    record('bob', 'destroyed'),
    record('alice', 'ready'),
    record('dave', 'provisioning'),
    record('erin', 'ready', NEW),
  ];
  const env = (developer: string) => ({ developer, clusterName: `turbo-${developer}`, runId: `${developer}-up-20261125` });
  /** A store holding `listed`, and the ops record when one is given. */
  const storeWith = (listed: EnvironmentRecord[], ops?: EnvironmentRecord) => {
    const store = new MemoryStore();
    for (const entry of [...listed, ...(ops ? [ops] : [])]) store.records.set(entry.developer, entry);
    return store;
  };
  const images = { frontend: NEW };
  const list = (at: string, execution: string) => listReadyEnvironments({ at, execution, images }, context);

  it('writes the ready environments not confirmed on their desired images to the plan store, by developer', async () => {
    const plans = new MemoryPlanStore();
    bind({ store: storeWith(records), plans });
    await expect(list('2026-11-25T08:20:00Z', 'schedule-1')).resolves.toEqual({
      items: 2,
      key: 'image-sync/schedule-1.json',
      ready: 3,
      sweep: false,
      rolledBy: 'schedule-1',
    });
    expect(JSON.parse(plans.read('turbo-plans', 'image-sync/schedule-1.json')!)).toEqual([env('alice'), env('carol')]);
  });

  it('lists every ready environment on the first safety-net run of every sixth hour, so that drift made by hand is corrected', async () => {
    const plans = new MemoryPlanStore();
    bind({ store: storeWith(records), plans });
    await expect(list('2026-11-25T12:04:59Z', 'schedule-2')).resolves.toMatchObject({
      items: 3,
      sweep: true,
    });
    expect(JSON.parse(plans.read('turbo-plans', 'image-sync/schedule-2.json')!)).toEqual([env('alice'), env('carol'), env('erin')]);
  });

  it('leaves out the environments whose desired release was stopped, named by the ops record', async () => {
    const plans = new MemoryPlanStore();
    const ops = { developer: OPS_RECORD, notified: [stoppedReleaseKey({ frontend: NEW.tag }, new Date('2026-11-25T07:00:00Z'))] };
    bind({ store: storeWith(records, ops as EnvironmentRecord), plans });
    await expect(list('2026-11-25T12:04:59Z', 'schedule-4')).resolves.toEqual({
      items: 0,
      key: null,
      ready: 3,
      sweep: true,
      rolledBy: null,
    });
  });

  it('writes no object when nothing needs rolling', async () => {
    const plans = new MemoryPlanStore();
    const store = storeWith([record('erin', 'ready', NEW)]);
    bind({ store, plans });
    await expect(list('2026-11-25T08:20:00Z', 'schedule-3')).resolves.toEqual({
      items: 0,
      key: null,
      ready: 1,
      sweep: false,
      rolledBy: null,
    });
    expect(plans.objects.size).toBe(0);
    // Nor a lease: a safety-net run with nothing to roll holds nobody back.
    expect(store.records.get(OPS_RECORD)).toBeUndefined();
  });

  it('lists nothing while another run rolls the same release, and lists again once that run gives its lease up', async () => {
    const plans = new MemoryPlanStore();
    const store = storeWith(records);
    bind({ store, plans });
    await expect(list('2026-11-25T08:20:00Z', 'push-1')).resolves.toMatchObject({ items: 2, rolledBy: 'push-1' });
    // The safety net ticks while the push's run is rolling: the same clusters are not rolled twice.
    await expect(list('2026-11-25T08:30:00Z', 'schedule-5')).resolves.toEqual({
      items: 0,
      key: null,
      ready: 3,
      sweep: false,
      rolledBy: 'push-1',
    });
    expect(plans.objects.has('turbo-plans/image-sync/schedule-5.json')).toBe(false);
    // A replay or a redrive of the push's own run lists them again, under the same lease.
    await expect(list('2026-11-25T08:20:00Z', 'push-1')).resolves.toMatchObject({ items: 2, rolledBy: 'push-1' });
    await store.releaseRolloutLease('push-1');
    await expect(list('2026-11-25T08:40:00Z', 'schedule-6')).resolves.toMatchObject({ items: 2, rolledBy: 'schedule-6' });
  });

  it('lists a release that a dead run held once its lease lapses, and a newer release at once', async () => {
    const store = storeWith(records);
    bind({ store, plans: new MemoryPlanStore() });
    await list('2026-11-25T08:20:00Z', 'push-1');
    const { until } = store.records.get(OPS_RECORD)!.rolloutLease!;
    // The lease lasts the rollout deadline and the margin for the run's last steps, from when it was taken.
    expect(Date.parse(until) - Date.now()).toBeGreaterThan((baseConfig.imageSync.rolloutDeadlineSeconds + 500) * 1000);
    await expect(list('2026-11-25T08:30:00Z', 'schedule-7')).resolves.toMatchObject({ items: 0, rolledBy: 'push-1' });
    jest.useFakeTimers({ now: Date.parse(until) + 1000, doNotFake: ['nextTick', 'setImmediate'] });
    try {
      await expect(list('2026-11-25T09:00:00Z', 'schedule-8')).resolves.toMatchObject({ items: 2, rolledBy: 'schedule-8' });
    } finally {
      jest.useRealTimers();
    }
    // A push of a newer release is rolled at once: only a run of the same release waits.
    const newer = { frontend: { ...NEW, tag: '1.4.0' } };
    await expect(listReadyEnvironments({ at: '2026-11-25T09:01:00Z', execution: 'push-2', images: newer }, context)).resolves.toMatchObject(
      {
        rolledBy: 'push-2',
      },
    );
  });

  it('refuses a run without its start time, naming the field', async () => {
    bind({ store: storeWith(records) });
    await expect(listReadyEnvironments({ execution: 'a/b' }, context)).rejects.toThrow(/at: .*execution: an execution name.*images/s);
  });
});

describe('ResolveImages', () => {
  const registryWith = (tags: Record<string, string[]>) => {
    const calls: string[] = [];
    const registry: Registry = {
      listTags: async (repository) => (calls.push(`tags ${repository}`), tags[repository] ?? []),
      digest: async (repository, tag) => (calls.push(`digest ${repository}:${tag}`), DIGEST),
    };
    return { registry, calls };
  };

  it('resolves the newest release of the frontend once, pinned to its digest (MongoDB stays manual)', async () => {
    const { registry, calls } = registryWith({ 'acme/turbo-notes': ['1.2.0', '1.3.0', 'sha-abcdef1', '1.4.0-rc.1'] });
    bind({ registry });
    const result = await resolveImages({ push: { repository: 'acme/turbo-notes', tag: '1.4.0-rc.1' } }, context);
    expect(result).toEqual({ images: { frontend: { ...NEW, reference: NEW_REF } } });
    expect(calls).toEqual(['tags acme/turbo-notes', 'digest acme/turbo-notes:1.3.0']);
  });

  it('resolves MongoDB too when it follows, and fails clearly when an image has no release', async () => {
    const { registry } = registryWith({ 'acme/turbo-notes': ['1.3.0'], 'acme/turbo-mongo': ['sha-abcdef1'] });
    bind({ registry, config: { ...baseConfig, imageSync: { ...baseConfig.imageSync, mongoPolicy: 'follow' } } });
    await expect(resolveImages({}, context)).rejects.toMatchObject({
      name: 'Turbo.NoRelease',
      message: 'acme/turbo-mongo has no released SemVer tag among its 1 tags',
    });
  });
});

describe('RollOut and CheckRollout', () => {
  const connectTo = (kube: Kube) => {
    const connected: KubeCluster[] = [];
    return { connected, kubeFor: (cluster: KubeCluster) => (connected.push(cluster), kube) };
  };
  const clusters = { describe: async (name: string) => activeCluster(name) } as unknown as Deps['clusters'];
  const input = { developer: 'alice', clusterName: 'turbo-alice', images: { frontend: NEW }, executionName: 'push-1' };

  it('patches an outdated Deployment, then follows its rollout to done', async () => {
    const { kube, patches } = fakeKube('acme/turbo-notes:1.2.0');
    const { kubeFor, connected } = connectTo(kube);
    bind({ clusters, kubeFor });

    const rolled = (await rollOut(input, context)) as Record<string, unknown>;
    expect(rolled).toMatchObject({
      state: 'rolling',
      watch: ['frontend'],
      attempt: 0,
      waitSeconds: 15,
      changes: [{ image: 'frontend', from: 'acme/turbo-notes:1.2.0', fromTag: '1.2.0', to: PULLED_REF, toTag: '1.3.0' }],
    });
    expect(patches).toEqual([
      { ref: expect.objectContaining({ kind: 'Deployment', name: 'frontend', container: 'frontend' }), image: PULLED_REF },
    ]);
    expect(connected[0]).toEqual({ name: 'turbo-alice', endpoint: 'https://turbo-alice.example', certificateAuthority: 'Q0E=' });

    const check = {
      developer: 'alice',
      clusterName: 'turbo-alice',
      watch: rolled.watch,
      since: rolled.since,
      changes: rolled.changes,
      executionName: 'push-1',
    };
    await expect(checkRollout({ ...check, attempt: 0 }, context)).resolves.toMatchObject({ state: 'waiting', attempt: 1, waitSeconds: 15 });
    await expect(checkRollout({ ...check, attempt: 1 }, context)).resolves.toMatchObject({ state: 'done', attempt: 2 });
  });

  it('sends no PATCH to a Deployment already on the image, and has nothing to watch', async () => {
    const { kube, patches } = fakeKube(PULLED_REF);
    bind({ clusters, kubeFor: connectTo(kube).kubeFor });
    await expect(rollOut(input, context)).resolves.toMatchObject({ state: 'current', changes: [], watch: [] });
    await expect(rollOut(input, context)).resolves.toMatchObject({ state: 'current' });
    expect(patches).toHaveLength(0);
  });

  it('patches once when run twice, and still watches the rollout the first run started', async () => {
    const { kube, patches } = fakeKube('acme/turbo-notes:1.2.0', 5);
    bind({ clusters, kubeFor: connectTo(kube).kubeFor });
    await rollOut(input, context);
    await expect(rollOut(input, context)).resolves.toMatchObject({ state: 'rolling', changes: [], watch: ['frontend'] });
    expect(patches).toHaveLength(1);
  });

  it('fails a rollout past the deadline with Turbo.RolloutFailed', async () => {
    const { kube } = fakeKube('acme/turbo-notes:1.2.0', 1000);
    bind({ clusters, kubeFor: connectTo(kube).kubeFor });
    await rollOut(input, context);
    const since = new Date(Date.now() - 901_000).toISOString();
    await expect(
      checkRollout(
        { developer: 'alice', clusterName: 'turbo-alice', watch: ['frontend'], since, attempt: 3, changes: [], executionName: 'push-1' },
        context,
      ),
    ).rejects.toMatchObject({
      name: 'Turbo.RolloutFailed',
      message: expect.stringContaining('(deadline 900 s): 1 of 2 replicas updated'),
    });
  });

  it('rolls back a rollout still going once the release broke its failure budget, and patches no other cluster', async () => {
    const { kube, patches } = fakeKube('acme/turbo-notes:1.2.0', 1000);
    const store = new MemoryStore();
    bind({ clusters, kubeFor: connectTo(kube).kubeFor, store });
    const rolled = (await rollOut(input, context)) as Record<string, unknown>;
    await store.markNotified(OPS_RECORD, budgetKeys('push-1', baseConfig.imageSync.canary).broken);
    const check = { developer: 'alice', clusterName: 'turbo-alice', watch: rolled.watch, since: rolled.since, attempt: 0 };
    await expect(checkRollout({ ...check, changes: rolled.changes, executionName: 'push-1' }, context)).resolves.toMatchObject({
      state: 'stopped',
      detail: 'rolled back to frontend 1.2.0: the release failed beyond its budget on the first clusters',
    });
    expect(patches.map((patch) => patch.image)).toEqual([PULLED_REF, 'acme/turbo-notes:1.2.0']);
    // Another run's budget is its own: the same rollout under push-2 goes on.
    await expect(checkRollout({ ...check, changes: rolled.changes, executionName: 'push-2' }, context)).resolves.toMatchObject({
      state: 'waiting',
    });
    const other = fakeKube('acme/turbo-notes:1.2.0');
    bind({ clusters, kubeFor: connectTo(other.kube).kubeFor, store });
    await expect(rollOut({ ...input, developer: 'bob', clusterName: 'turbo-bob' }, context)).resolves.toMatchObject({
      state: 'stopped',
      check: { state: 'stopped', detail: 'not rolled: the release failed beyond its budget on the first clusters' },
    });
    expect(other.patches).toHaveLength(0);
  });

  it('skips an environment whose cluster is not ACTIVE, touching nothing', async () => {
    const { kube, patches } = fakeKube('acme/turbo-notes:1.2.0');
    bind({ clusters: { ...clusters, describe: async (name) => ({ name, status: 'ABSENT', tags: {} }) }, kubeFor: connectTo(kube).kubeFor });
    await expect(rollOut(input, context)).resolves.toMatchObject({
      state: 'skipped',
      reason: 'cluster turbo-alice is ABSENT with no endpoint',
      watch: [],
    });
    expect(patches).toHaveLength(0);
  });

  it('refuses bad input, naming the field', async () => {
    bind({ clusters });
    await expect(rollOut({ ...input, images: { frontend: { ...NEW, digest: 'latest' } } }, context)).rejects.toMatchObject({
      name: 'Turbo.InvalidInput',
      message: 'invalid input: images.frontend.digest: must be a sha256 digest',
    });
  });
});
