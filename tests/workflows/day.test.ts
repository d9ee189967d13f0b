/**
 * A working day through the packaged reconcile and environment machines, with the real handlers on the in-memory
 * cloud: everyone is ready before readyBy and destroyed after teardown, each failure stays with its developer,
 * and a replay or a duplicate tick does nothing twice.
 */
import { DateTime } from 'luxon';
import { rehearseDay, startRehearsal, tickReconcile, dayWindow } from '../../cli/rehearsal/day';
import { summarise } from '../../cli/rehearsal/summary';
import { syntheticRoster } from '../../cli/commands/rehearse';
import { INITIAL_TAGS, type FaultPoint } from '../../functions/adapters/memory/cloud';
import { fakeDigest } from '../../functions/adapters/memory/images';
import { APP_WORKLOADS, pullReference } from '../../functions/core/images';
import { exampleConfig, packagedStack, root } from '../support/packaged';
import { failedRun } from '../support/failedRun';

const DATE = '2026-11-24'; // a Tuesday
const config = exampleConfig();
const stack = packagedStack(config.region);
const OPS = config.slack.opsChannel;
/** Once the last developer is ready, dave's day in Kolkata is over: his cluster is gone again. */
const IN_THEIR_DAY = config.developers.filter((dev) => dev.name !== 'dave');

/** An initial release as the nodes pull it: through the config's ECR pull-through cache. */
function pulled(image: 'frontend' | 'mongo'): string {
  const repository = config.images[image];
  return pullReference(
    { repository, tag: INITIAL_TAGS[image], digest: fakeDigest(repository, INITIAL_TAGS[image]) },
    config.cluster.pullThroughCache,
  );
}

function dmsTo<M extends { to: { user?: string; channel?: string }; text: string }>(outbox: M[], developer: string): M[] {
  const user = config.developers.find((dev) => dev.name === developer)!.slackUserId;
  return outbox.filter((message) => message.to.user === user);
}

describe('a rehearsed working day', () => {
  it('makes every developer ready before their readyBy, then destroys every cluster', async () => {
    const day = await rehearseDay({ config, stack, root, date: DATE });
    const rows = summarise(config, day.executions, DATE);
    expect(rows.map((row) => [row.developer, row.result])).toEqual(config.developers.map((dev) => [dev.name, 'destroyed']).sort());
    for (const dev of config.developers) {
      const row = rows.find((candidate) => candidate.developer === dev.name)!;
      const readyBy = DateTime.fromISO(`${DATE}T${dev.readyBy ?? config.readyBy}`, { zone: dev.timezone ?? config.timezone });
      expect([dev.name, Date.parse(row.readyAt!) <= readyBy.toMillis()]).toEqual([dev.name, true]);
      expect(row.up!.transitions).toBeLessThanOrEqual(30);
      const dms = dmsTo(day.cloud.outbox, dev.name);
      expect(dms.map((message) => message.kind)).toContain('ready');
      // ready, the warning half an hour before teardown (once, whatever the ticks), then destroyed
      expect(dms.map((message) => message.kind)).toEqual(['ready', 'teardown-warning', 'destroyed']);
      // The ready message carries the kubeconfig command and no secret.
      const ready = JSON.stringify(dms[0]);
      expect(ready).toContain(`aws eks update-kubeconfig --name turbo-${dev.name} --region ${config.region}`);
      expect(ready).not.toMatch(/xox[abp]-|AKIA[0-9A-Z]{16}/);
    }
    expect(day.cloud.jobsStarted()).toBe(config.developers.length * 3);
    // Each cluster's life is recorded for the weekly cost report: from its up's start to its destruction.
    for (const dev of config.developers) {
      const row = rows.find((candidate) => candidate.developer === dev.name)!;
      expect(day.cloud.records.get(dev.name)?.lifetimes).toEqual([{ startedAt: row.up!.startedAt, destroyedAt: expect.any(String) }]);
      expect(day.cloud.records.get(dev.name)?.clusterSince).toBeUndefined();
    }
    expect([...day.cloud.clusterMap.values()].every((cluster) => cluster.goneAt !== undefined)).toBe(true);
    expect(day.cloud.outbox.filter((message) => message.to.channel === OPS)).toEqual([]);
  });

  it('deploys the newest releases on a first day, when no image is recorded yet: never the base’s placeholder', async () => {
    const day = await rehearseDay({ config, stack, root, date: DATE, until: 'ready' });
    expect(config.developers.every((dev) => day.cloud.records.get(dev.name)?.images === undefined)).toBe(true);
    for (const dev of IN_THEIR_DAY) {
      const kube = day.cloud.kube.kubeFor({ name: `turbo-${dev.name}`, endpoint: 'x', certificateAuthority: 'x' });
      const running = await Promise.all(
        [APP_WORKLOADS.frontend, APP_WORKLOADS.mongo].map(async (ref) => (await kube.getWorkload(ref))?.image),
      );
      expect([dev.name, ...running]).toEqual([dev.name, pulled('frontend'), pulled('mongo')]);
    }
    // Resolved once per up, for the two images its record lacked.
    // Each first deploy pulls both images once (Docker Hub's pull meter).
    const perDeveloper = 2 * config.developers.length;
    expect(day.cloud.registry.calls).toEqual({ listTags: perDeveloper, digest: perDeveloper, pulls: perDeveloper });
  });

  it('resolves only the image a record lacks: image-sync recorded the frontend before bob ever had a cluster', async () => {
    const window = dayWindow(config, DATE);
    const rehearsal = startRehearsal({ config, stack, root }, window.start);
    try {
      const frontend = {
        repository: config.images.frontend,
        tag: INITIAL_TAGS.frontend,
        digest: fakeDigest(config.images.frontend, INITIAL_TAGS.frontend),
      };
      const audit = { at: new Date(window.start).toISOString(), by: 'image-sync', action: 'images' };
      // What recordImages writes, held to its role.
      await rehearsal.sfn.invokeAs('recordImages', () =>
        rehearsal.cloud.store.amend('bob', { clusterName: 'turbo-bob', images: { frontend }, audit }),
      );
      for (let at = window.start; at <= window.readyBy; at += 15 * 60_000) {
        await rehearsal.advance(at);
        tickReconcile(rehearsal.sfn);
      }
      await rehearsal.advance(window.readyBy + 15 * 60_000);
      expect([rehearsal.cloud.records.get('bob')?.status, rehearsal.cloud.records.get('bob')?.lastError]).toEqual(['ready', undefined]);
      const kube = rehearsal.cloud.kube.kubeFor({ name: 'turbo-bob', endpoint: 'x', certificateAuthority: 'x' });
      expect((await kube.getWorkload(APP_WORKLOADS.mongo))?.image).toBe(pulled('mongo'));
    } finally {
      rehearsal.stop();
    }
  });

  it('fails an up at once, before any cluster is built, when an image has no release yet, and says why', async () => {
    const window = dayWindow(config, DATE);
    const rehearsal = startRehearsal({ config, stack, root }, window.start);
    try {
      rehearsal.cloud.registry.forget(config.images.frontend);
      for (let at = window.start; at <= window.readyBy; at += 15 * 60_000) {
        await rehearsal.advance(at);
        tickReconcile(rehearsal.sfn);
      }
      await rehearsal.advance(window.readyBy + 15 * 60_000);
      for (const dev of IN_THEIR_DAY) {
        expect([dev.name, rehearsal.cloud.records.get(dev.name)?.status, rehearsal.cloud.records.get(dev.name)?.lastError]).toEqual([
          dev.name,
          'failed',
          `Turbo.NoRelease: ${config.images.frontend} has no released SemVer tag among its 0 tags`,
        ]);
      }
      expect(rehearsal.cloud.jobsStarted(undefined, 'apply')).toBe(0);
      expect(rehearsal.cloud.outbox.filter((message) => message.to.channel === OPS)).toHaveLength(config.developers.length);
    } finally {
      rehearsal.stop();
    }
  });

  it.each<[FaultPoint, RegExp]>([
    ['apply', /apply job failed: FAILED in phase BUILD/],
    ['cluster', /Turbo\.ClusterFailed.*CREATE_FAILED/],
    ['deploy', /deploy job failed: .*rollout status/],
    ['slack', /invalid_blocks/],
  ])('keeps a %s failure to bob: a clear reason, bob and ops are told, everyone else is ready', async (point, reason) => {
    const day = await rehearseDay({ config, stack, root, date: DATE, faults: [{ developer: 'bob', point }], until: 'ready' });
    const rows = summarise(config, day.executions, DATE);
    const bob = rows.find((row) => row.developer === 'bob')!;
    expect(bob.result).toBe('failed');
    expect(bob.reason).toMatch(reason);
    expect(day.cloud.records.get('bob')?.status).toBe('failed');
    expect(day.cloud.records.get('bob')?.lastError).toMatch(reason);
    for (const row of rows.filter((candidate) => candidate.developer !== 'bob')) {
      // By the time the last developer is ready, dave (Kolkata) has had his day and been destroyed.
      expect([row.developer, row.result === 'failed', typeof row.readyAt]).toEqual([row.developer, false, 'string']);
    }
    const ops = day.cloud.outbox.filter((message) => message.to.channel === OPS);
    expect(ops).toHaveLength(1);
    expect(ops[0]!.text).toContain('bob');
    expect(JSON.stringify(ops[0]!.blocks)).toContain('/states/home?region=eu-west-1#/v2/executions/details/');
    const bobFailures = dmsTo(day.cloud.outbox, 'bob').filter((message) => message.kind !== 'ready');
    expect(bobFailures).toHaveLength(1);
  });

  it('a failed up: bob gets a DM in his terms (not the ops text), his half-built cluster goes at teardown, and no goodbye', async () => {
    const day = await rehearseDay({ config, stack, root, date: DATE, faults: [{ developer: 'bob', point: 'apply' }] });
    const ops = day.cloud.outbox.filter((message) => message.to.channel === OPS);
    const dms = dmsTo(day.cloud.outbox, 'bob');
    expect(dms.map((message) => message.kind)).toEqual(['failure-dm']);
    expect(JSON.stringify(dms[0]!.blocks)).toContain('type `/turbo up` to try again now');
    expect(JSON.stringify(dms[0]!.blocks)).not.toBe(JSON.stringify(ops[0]!.blocks));
    // The evening's down destroyed what the apply had built, and said nothing: bob never had a cluster today.
    expect(
      day.executions.filter((execution) => execution.name === `bob-down-${DATE.replace(/-/g, '')}`).map((execution) => execution.status),
    ).toEqual(['SUCCEEDED']);
    expect(day.cloud.records.get('bob')?.status).toBe('destroyed');
    expect(dms.some((message) => message.kind === 'destroyed')).toBe(false);
    expect(dmsTo(day.cloud.outbox, 'alice').filter((message) => message.kind === 'destroyed')).toHaveLength(1);
  });

  it('absorbs two transient Lambda errors with Retry, and stops a hung apply at its bound', async () => {
    const day = await rehearseDay({
      config,
      stack,
      root,
      date: DATE,
      faults: [
        { developer: 'alice', point: 'lambda-transient' },
        { developer: 'carol', point: 'apply-hang' },
      ],
      until: 'ready',
    });
    const rows = summarise(config, day.executions, DATE);
    expect(rows.find((row) => row.developer === 'alice')!.result).toBe('ready');
    const carol = rows.find((row) => row.developer === 'carol')!;
    expect(carol.result).toBe('failed');
    expect(carol.reason).toMatch(/apply job timed out: still running after 6\d min \(limit 60\)/);
  });
});

describe('what the summary says happened', () => {
  it('shows a failed up as failed in its step with no ready time, and its evening clean-up as such (not "destroyed, ready")', async () => {
    const faults = [
      { developer: 'bob', point: 'apply' as const },
      { developer: 'carol', point: 'slack' as const },
    ];
    const day = await rehearseDay({ config, stack, root, date: DATE, faults });
    const rows = summarise(config, day.executions, DATE, day.cloud.records);
    const bob = rows.find((row) => row.developer === 'bob')!;
    expect([bob.result, bob.readyAt, bob.up?.status, bob.up?.failedIn, bob.down?.status]).toEqual([
      'failed',
      undefined,
      'FAILED',
      'apply',
      'SUCCEEDED',
    ]);
    expect(bob.happened).toMatch(/^the up failed in Terraform apply at 08:\d\d, then destroyed \d\d:\d\d$/);
    // carol's cluster was ready, then the ready DM failed: both are said, in that order.
    const carol = rows.find((row) => row.developer === 'carol')!;
    expect([carol.result, carol.up?.failedIn]).toEqual(['failed', 'notify']);
    expect(carol.happened).toMatch(/^ready (09:\d\d) \(\d+ min early\), then the up failed in the Slack message at \1, then destroyed/);
    expect(carol.up?.executionArn).toMatch(/:execution:.*:carol-up-20261124$/);
  });
});

describe('a one-day rehearsal across many zones', () => {
  it("runs each developer's chosen day only, on their own clock, and reports what reconcile asked for beyond it", async () => {
    // Kolkata's next morning (03:05 UTC) comes before Los Angeles' teardown (03:00 UTC) is destroyed.
    const roster = syntheticRoster(config, 5);
    const day = await rehearseDay({ config: roster, stack, root, date: DATE });
    const environment = day.executions.filter((execution) => execution.machine === 'environment');
    expect(environment.filter((execution) => !execution.name.endsWith('-20261124')).map((execution) => execution.name)).toEqual([]);
    expect(day.heldBack.map((start) => [start.name, start.reason])).toEqual([
      ['dev-0003-up-20261125', 'beyond the rehearsed day: it is 2026-11-25 in Asia/Kolkata'],
    ]);
    const rows = summarise(roster, day.executions, DATE, day.cloud.records);
    expect(rows.map((row) => row.result)).toEqual(Array(5).fill('destroyed'));
    expect(environment).toHaveLength(10);
  });
});

describe('clusters Turbo does not know', () => {
  it('tears down a tagged orphan, and reports an untagged look-alike once a day without touching it', async () => {
    const window = dayWindow(config, DATE);
    const rehearsal = startRehearsal({ config, stack, root, clusters: [{ name: 'turbo-zed', owner: 'zed' }] }, window.start);
    try {
      const { sfn, cloud } = rehearsal;
      cloud.untaggedClusters.push('turbo-legacy');
      for (let at = window.start; at <= window.start + 5 * 3_600_000; at += 15 * 60_000) {
        await rehearsal.advance(at);
        tickReconcile(sfn);
      }
      await rehearsal.advance(window.start + 6 * 3_600_000);
      const zed = [...sfn.executions.values()].filter((execution) => execution.input.developer === 'zed');
      expect(zed.map((execution) => [execution.input.action, execution.status])).toEqual([['down', 'SUCCEEDED']]);
      expect(cloud.clusterMap.get('turbo-zed')?.goneAt).toBeDefined();
      const reports = cloud.outbox.filter((message) => message.to.channel === OPS && message.kind === 'lookalikes');
      expect(reports).toHaveLength(1);
      expect(JSON.stringify(reports[0]!.blocks)).toContain('turbo-legacy');
      expect(cloud.untaggedClusters).toEqual(['turbo-legacy']);
      expect([...sfn.executions.values()].some((execution) => execution.input.clusterName === 'turbo-legacy')).toBe(false);
    } finally {
      rehearsal.stop();
    }
  });
});

describe('idempotency', () => {
  it('a duplicate reconcile tick and a replayed environment execution start no second job and send no second message', async () => {
    const window = dayWindow(config, DATE);
    const rehearsal = startRehearsal({ config, stack, root }, window.start);
    try {
      const { sfn, cloud } = rehearsal;
      // Two ticks at the same instant at alice's start (an overlapping schedule, or a manual run beside it).
      const aliceStart = DateTime.fromISO(`${DATE}T08:45`, { zone: 'Europe/Berlin' }).toMillis();
      await rehearsal.advance(aliceStart);
      tickReconcile(sfn);
      sfn.startExecution('reconcile', 'reconcile-duplicate', {});
      await rehearsal.advance(aliceStart + 40 * 60_000);
      const aliceRuns = [...sfn.executions.values()].filter((execution) => execution.name.startsWith('alice-up-'));
      expect(aliceRuns.map((execution) => [execution.name, execution.status])).toEqual([['alice-up-20261124', 'SUCCEEDED']]);
      const jobsBefore = cloud.jobsStarted('alice');
      const messagesBefore = dmsTo(cloud.outbox, 'alice').length;
      expect([jobsBefore, messagesBefore]).toEqual([2, 1]);

      // A replay from the console: a new execution with the same input.
      const replay = sfn.startExecution('environment', 'alice-up-20261124-replay', aliceRuns[0]!.input);
      await rehearsal.advance(Date.now() + 10 * 60_000);
      expect(replay.status).toBe('SUCCEEDED');
      expect(cloud.jobsStarted('alice')).toBe(jobsBefore);
      expect(dmsTo(cloud.outbox, 'alice')).toHaveLength(messagesBefore);
    } finally {
      rehearsal.stop();
    }
  });

  /** bob's up, failed at its deploy job: what a redrive starts from. */
  const failedDeploy = () =>
    failedRun({
      config,
      faults: [{ developer: 'bob', point: 'deploy' }],
      from: dayWindow(config, DATE).start,
      until: DateTime.fromISO(`${DATE}T09:05`, { zone: 'Europe/Berlin' }).toMillis(),
      run: 'bob-up-20261124',
    });

  it('a redrive of a failed run resumes it: the failed job runs again, nothing done before is repeated', async () => {
    const { rehearsal, run } = await failedDeploy();
    try {
      const { sfn, cloud } = rehearsal;
      expect(run.status).toBe('FAILED');
      expect([cloud.jobsStarted('bob', 'apply'), cloud.jobsStarted('bob', 'deploy')]).toEqual([1, 1]);

      const redriven = sfn.redrive(run.arn);
      await rehearsal.advance(Date.now() + 20 * 60_000);
      expect([redriven.arn, redriven.status, redriven.redriveCount]).toEqual([run.arn, 'SUCCEEDED', 1]);
      // As RedriveExecution does: it continues at the state that failed (FailOrResume, which then resumes from the claim).
      const afterRedrive = redriven.visits
        .slice(redriven.visits.findIndex((visit) => visit.name === '(redrive)') + 1)
        .map((visit) => visit.name);
      expect(afterRedrive.slice(0, 2)).toEqual(['FailOrResume', 'ClaimEnvironment']);
      expect(cloud.records.get('bob')?.status).toBe('ready');
      expect([cloud.jobsStarted('bob', 'apply'), cloud.jobsStarted('bob', 'deploy')]).toEqual([1, 2]);
      const dms = dmsTo(cloud.outbox, 'bob');
      expect(dms.filter((message) => message.kind === 'ready')).toHaveLength(1);
    } finally {
      rehearsal.stop();
    }
  });

  it('a redriven run that fails again at the same step tells ops and the developer once, not once per redrive', async () => {
    const { rehearsal, run } = await failedDeploy();
    try {
      const { sfn, cloud } = rehearsal;
      expect(run.status).toBe('FAILED');
      const failureReports = () => ({
        ops: cloud.outbox.filter((message) => message.to.channel === OPS && message.text.includes("bob's cluster failed")).length,
        dm: dmsTo(cloud.outbox, 'bob').filter((message) => message.text.includes('not ready')).length,
      });
      expect(failureReports()).toEqual({ ops: 1, dm: 1 });

      // The cause is not fixed: the redrive fails again at the same step, which is no news to anyone.
      cloud.injectFault('bob', 'deploy');
      sfn.redrive(run.arn);
      await rehearsal.advance(Date.now() + 20 * 60_000);
      expect([sfn.executions.get(run.arn)?.status, cloud.jobsStarted('bob', 'deploy')]).toEqual(['FAILED', 2]);
      expect(failureReports()).toEqual({ ops: 1, dm: 1 });

      // Fixed now: the next redrive makes the cluster ready, and says so once.
      sfn.redrive(run.arn);
      await rehearsal.advance(Date.now() + 20 * 60_000);
      expect(sfn.executions.get(run.arn)?.status).toBe('SUCCEEDED');
      expect(dmsTo(cloud.outbox, 'bob').filter((message) => message.text.includes('is ready'))).toHaveLength(1);
    } finally {
      rehearsal.stop();
    }
  });
});
