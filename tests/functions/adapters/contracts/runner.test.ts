/**
 * The JobRunner contract, run against the in-memory runner (adapters/memory/runner.ts) and the CodeBuild runner
 * (adapters/codebuild.ts) on a client mocked with aws-sdk-client-mock that keeps builds as CodeBuild does.
 */
import { BatchGetBuildsCommand, type Build, CodeBuildClient, StartBuildCommand } from '@aws-sdk/client-codebuild';
import { mockClient } from 'aws-sdk-client-mock';
import type { JobRunner } from '../../../../functions/core/ports';
import type { JobHandle, JobRequest } from '../../../../functions/core/types';
import { CodeBuildJobRunner } from '../../../../functions/adapters/codebuild';
import { MemoryRunner } from '../../../../functions/adapters/memory/runner';
import { MemoryClusters } from '../../../../functions/adapters/memory/clusters';
import { FaultPlan } from '../../../../functions/adapters/memory/faults';
import { MemoryKube, MemoryRegistry } from '../../../../functions/adapters/memory/images';
import { REALISTIC_DURATIONS } from '../../../../functions/adapters/memory/simulation';

const START = Date.parse('2026-11-24T05:30:00.000Z');

/** A runner, and the hand of the outside world: every job started so far ends, and `failing` jobs fail. */
interface RunnerUnderTest {
  runner: JobRunner;
  finishAll(): void;
  willFail(developer: string): void;
}

function memoryRunner(): RunnerUnderTest {
  const faults = new FaultPlan();
  const runner = new MemoryRunner({
    region: 'eu-west-1',
    durations: REALISTIC_DURATIONS,
    faults,
    clusters: new MemoryClusters('eu-west-1', REALISTIC_DURATIONS),
    kube: new MemoryKube(),
    registry: new MemoryRegistry(),
    onAwsCall: () => {},
  });
  return {
    runner,
    finishAll: () => jest.setSystemTime(START + 2 * 3_600_000),
    willFail: (developer) => faults.inject(developer, 'apply'),
  };
}

function codebuildRunner(): RunnerUnderTest {
  const client = new CodeBuildClient({ region: 'eu-west-1' });
  const builds = new Map<string, Build>();
  const failing = new Set<string>();
  let counter = 0;
  const codebuild = mockClient(client);
  codebuild.on(StartBuildCommand).callsFake(async ({ projectName, environmentVariablesOverride }) => {
    const developer = environmentVariablesOverride.find((variable: { name: string }) => variable.name === 'DEVELOPER').value;
    const id = `${projectName}:${(counter += 1)}`;
    const build: Build = {
      id,
      buildStatus: 'IN_PROGRESS',
      currentPhase: 'BUILD',
      startTime: new Date(),
      logs: { deepLink: `https://logs/${id}` },
    };
    builds.set(id, build);
    if (failing.has(developer)) failing.add(id);
    return { build };
  });
  codebuild.on(BatchGetBuildsCommand).callsFake(async ({ ids }: { ids: string[] }) => ({
    builds: ids.flatMap((id) => builds.get(id) ?? []),
    buildsNotFound: ids.filter((id) => !builds.has(id)),
  }));
  return {
    runner: new CodeBuildJobRunner(client, { terraformProject: 'turbo-terraform', deployProject: 'turbo-deploy' }),
    finishAll: () => {
      for (const [id, build] of builds) {
        if (failing.has(id)) {
          Object.assign(build, {
            buildStatus: 'FAILED',
            phases: [
              { phaseType: 'BUILD', phaseStatus: 'FAILED', contexts: [{ statusCode: 'COMMAND_EXECUTION_ERROR', message: 'exit 1' }] },
            ],
          });
        } else Object.assign(build, { buildStatus: 'SUCCEEDED', currentPhase: 'COMPLETED', exportedEnvironmentVariables: [] });
      }
    },
    willFail: (developer) => failing.add(developer),
  };
}

const RUNNERS: [string, () => RunnerUnderTest][] = [
  ['the in-memory runner', memoryRunner],
  ['CodeBuild (mocked client)', codebuildRunner],
];

const apply = (developer: string): JobRequest => ({
  kind: 'apply',
  developer,
  runId: `${developer}-up-20261124`,
  params: { CLUSTER_NAME: `turbo-${developer}` },
});

describe.each(RUNNERS)('JobRunner contract: %s', (_name, newRunner) => {
  beforeEach(() => {
    jest.useFakeTimers({ now: START, doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'queueMicrotask'] });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('starts a job and hands back what the caller needs to check on it', async () => {
    const { runner } = newRunner();

    const handle = await runner.start(apply('alice'));

    expect(handle).toMatchObject({ kind: 'apply', developer: 'alice', runId: 'alice-up-20261124' });
    expect(handle.id).toEqual(expect.any(String));
    expect(new Date(handle.startedAt).toISOString()).toBe(handle.startedAt);
  });

  it('reports a job as running, then as succeeded, with a log URL', async () => {
    const world = newRunner();
    const handle = await world.runner.start(apply('alice'));

    await expect(world.runner.status(handle)).resolves.toMatchObject({ state: 'running', logUrl: expect.any(String) });
    world.finishAll();
    await expect(world.runner.status(handle)).resolves.toMatchObject({ state: 'succeeded', outputs: {}, logUrl: expect.any(String) });
  });

  it('reports a failed job with a reason and a log URL, and leaves the other jobs alone', async () => {
    const world = newRunner();
    world.willFail('bob');
    const alice = await world.runner.start(apply('alice'));
    const bob = await world.runner.start(apply('bob'));

    world.finishAll();

    await expect(world.runner.status(alice)).resolves.toMatchObject({ state: 'succeeded' });
    const failed = await world.runner.status(bob);
    expect(failed).toMatchObject({ state: 'failed', reason: expect.stringMatching(/FAILED/), logUrl: expect.any(String) });
  });

  it('reports a job it does not know as failed, naming it', async () => {
    const { runner } = newRunner();
    const unknown: JobHandle = { ...(await runner.start(apply('alice'))), id: 'gone:42' };

    await expect(runner.status(unknown)).resolves.toMatchObject({ state: 'failed', reason: expect.stringContaining('gone:42') });
  });
});
