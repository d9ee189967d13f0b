/**
 * Hibernate mode through the packaged reconcile and environment machines, on the in-memory cloud and its node-group
 * model: the evening scales the node group to zero and keeps the cluster; the next morning wakes it within minutes;
 * a failed scale-down reaches ops that night; replays and duplicate ticks start nothing twice.
 */
import { DateTime } from 'luxon';
import { deliverPush, RECONCILE_EVERY_MS, runWindow, startRehearsal, tickReconcile } from '../../cli/rehearsal/day';
import { APP_WORKLOADS } from '../../functions/core/images';
import type { FaultPoint, SentMessage } from '../../functions/adapters/memory/cloud';
import type { TurboConfig } from '../../functions/core/config';
import { exampleConfig, packagedStack, root } from '../support/packaged';
import { failedRun } from '../support/failedRun';
import { SPOT_FELL_BACK } from '../../functions/core/messages';

const TUESDAY = '2026-11-24';
const WEDNESDAY = '2026-11-25';
const base = exampleConfig();
const config: TurboConfig = { ...base, mode: 'hibernate', developers: base.developers.slice(0, 1) };
const alice = config.developers[0]!;
const stack = packagedStack(config.region);
const zone = alice.timezone ?? config.timezone;
const at = (date: string, time: string) => DateTime.fromISO(`${date}T${time}`, { zone }).toMillis();

/** Two rehearsed days; `keep` leaves the rehearsal running, for the caller to go on with and stop. */
async function twoDays(faults: { developer: string; point: FaultPoint }[] = [], until = at(WEDNESDAY, '12:00'), keep = false) {
  const rehearsal = startRehearsal({ config, stack, root, faults }, at(TUESDAY, '05:00'));
  try {
    await runWindow(rehearsal, until, [{ everyMs: RECONCILE_EVERY_MS, fire: () => tickReconcile(rehearsal.sfn) }]);
    const executions = [...rehearsal.sfn.executions.values()].filter((e) => e.machine === 'environment');
    return { cloud: rehearsal.cloud, executions, rehearsal: keep ? rehearsal : undefined };
  } finally {
    if (!keep) rehearsal.stop();
  }
}

describe('hibernate mode, rehearsed over two days', () => {
  it('hibernates in the evening, keeps the control plane, and wakes the next morning within 5 minutes of the start', async () => {
    const { cloud, executions } = await twoDays();

    expect(executions.map((execution) => [execution.name, execution.input.path, execution.status])).toEqual([
      [`${alice.name}-up-20261124`, null, 'SUCCEEDED'],
      [`${alice.name}-down-20261124`, 'hibernate', 'SUCCEEDED'],
      [`${alice.name}-up-20261125`, 'wake', 'SUCCEEDED'],
    ]);
    // One apply for the two days: the cluster was never destroyed.
    expect([cloud.jobsStarted(alice.name, 'apply'), cloud.jobsStarted(alice.name, 'destroy')]).toEqual([1, 0]);
    expect([cloud.jobsStarted(alice.name, 'hibernate'), cloud.jobsStarted(alice.name, 'wake')]).toEqual([1, 1]);
    expect(cloud.clusterMap.get(`turbo-${alice.name}`)?.goneAt).toBeUndefined();

    const wake = executions[2]!;
    const readyAt = Date.parse(cloud.records.get(alice.name)!.readyAt!);
    const minutes = (readyAt - wake.startedAt) / 60_000;
    console.log(`hibernate rehearsal: woken and ready ${minutes.toFixed(1)} min after the wake started`);
    expect(minutes).toBeLessThanOrEqual(5);
    // The short lead: the wake started later than a full up would have (leadMinutes before readyBy, plus a tick).
    const readyBy = at(WEDNESDAY, alice.readyBy ?? config.readyBy);
    expect(wake.startedAt).toBeGreaterThan(readyBy - config.leadMinutes * 60_000);
    expect(readyAt).toBeLessThanOrEqual(readyBy);

    const record = cloud.records.get(alice.name)!;
    expect([record.status, record.hibernatedAt]).toEqual(['ready', undefined]);
    // The night at zero nodes is kept for the weekly cost report: from the evening's hibernation to the wake's ready.
    expect(record.nodesOff).toEqual([{ from: expect.any(String), to: record.readyAt }]);
    const night = record.nodesOff![0]!;
    expect(Date.parse(night.from)).toBeGreaterThan(at(TUESDAY, config.teardownAt));
    expect(Date.parse(night.from)).toBeLessThan(wake.startedAt);
    const dms = cloud.outbox.filter((message) => message.to.user === alice.slackUserId).map((message) => message.text);
    expect(dms.filter((text) => text.includes('is hibernating'))).toHaveLength(1);
    // The evening's warning says what the evening will do: hibernate, not destroy.
    const warnings = cloud.outbox.filter((message) => message.to.user === alice.slackUserId && message.kind === 'teardown-warning');
    expect(warnings.map((message) => message.text)).toEqual([expect.stringContaining('will hibernate at 19:00')]);
    expect(dms.filter((text) => text.includes('is ready'))).toHaveLength(2);
    expect(cloud.outbox.filter((message) => message.to.channel === config.slack.opsChannel)).toEqual([]);
  });

  it('records the hibernation and holds the cluster overnight: the node group is at 0 and no instance is left', async () => {
    const { cloud } = await twoDays([], at(WEDNESDAY, '03:00'));

    const record = cloud.records.get(alice.name)!;
    expect(record.status).toBe('hibernated');
    expect(record.hibernatedAt).toEqual(expect.any(String));
    expect(cloud.nodegroups.view(`turbo-${alice.name}`, Date.now())).toMatchObject({ desired: 0, instances: 0 });
  });

  it.each([
    ['hibernate', /instance i-0stuck\S+ is still running/],
    ['hibernate-silent', /still ACTIVE with 2 desired nodes/],
  ] as const)('a failed scale-down (%s) is told to ops the same night, with the reason', async (point, reason) => {
    const { cloud, executions } = await twoDays([{ developer: alice.name, point }], at(WEDNESDAY, '03:00'));

    const down = executions.find((execution) => execution.name === `${alice.name}-down-20261124`)!;
    expect(down.status).toBe('FAILED');
    expect(down.cause).toMatch(reason);
    const ops = cloud.outbox.filter((message) => message.to.channel === config.slack.opsChannel);
    expect(ops).toHaveLength(1);
    expect(ops[0]!.text).toMatch(/^:rotating_light: Turbo hibernate failed: a cluster is still costing money: /);
    expect(Date.parse(ops[0]!.at)).toBeLessThan(at(WEDNESDAY, '00:00'));
    // Told once, whatever the ticks after it; the next local day's first tick destroys the cluster, which stops the cost.
    // It is named apart from that day's own down, which must stay free for the evening's teardown.
    expect(cloud.jobsStarted(alice.name, 'hibernate')).toBe(1);
    expect(executions.map((execution) => [execution.name, execution.input.path, execution.status]).at(-1)).toEqual([
      `${alice.name}-down-20261125-before-start`,
      null,
      'SUCCEEDED',
    ]);
    expect(cloud.records.get(alice.name)?.status).toBe('destroyed');
  });

  it('after the morning’s down of a failed hibernation, the day’s cluster still hibernates at its teardown; a late redrive of the failed one touches nothing', async () => {
    const { cloud, executions, rehearsal } = await twoDays([{ developer: alice.name, point: 'hibernate' }], at(WEDNESDAY, '20:00'), true);
    // Before, the morning's down took the day's name, the evening's was refused as a duplicate, and the cluster ran
    // with its nodes until the next local midnight.
    expect(executions.map((execution) => [execution.name, execution.input.path, execution.status]).slice(-3)).toEqual([
      [`${alice.name}-down-20261125-before-start`, null, 'SUCCEEDED'],
      [`${alice.name}-up-20261125`, null, 'SUCCEEDED'],
      [`${alice.name}-down-20261125`, 'hibernate', 'SUCCEEDED'],
    ]);
    expect(cloud.records.get(alice.name)?.status).toBe('hibernated');
    expect(cloud.nodegroups.view(`turbo-${alice.name}`, Date.now())).toMatchObject({ desired: 0, instances: 0 });
    // The operator redrives Tuesday's failed hibernation late: runs started after it have had the record since.
    try {
      const failed = executions.find((execution) => execution.name === `${alice.name}-down-20261124`)!;
      const alarms = cloud.outbox.filter((message) => message.to.channel === config.slack.opsChannel).length;
      rehearsal!.sfn.redrive(failed.arn);
      await rehearsal!.advance(Date.now() + 20 * 60_000);
      expect(rehearsal!.sfn.executions.get(failed.arn)).toMatchObject({
        status: 'SUCCEEDED',
        output: expect.objectContaining({ claim: expect.objectContaining({ outcome: 'lost' }) }),
      });
      expect(cloud.jobsStarted(alice.name, 'hibernate')).toBe(2); // the failed one and the evening's: none for the redrive
      expect(cloud.records.get(alice.name)).toMatchObject({ status: 'hibernated', runId: `${alice.name}-down-20261125` });
      expect(cloud.outbox.filter((message) => message.to.channel === config.slack.opsChannel)).toHaveLength(alarms);
    } finally {
      rehearsal!.stop();
    }
  });
});

describe('a redrive of a failed hibernation or wake', () => {
  const cluster = `turbo-${alice.name}`;
  const ops = (outbox: SentMessage[]) => outbox.filter((message) => message.to.channel === config.slack.opsChannel);
  const dms = (outbox: SentMessage[], kind: string) =>
    outbox.filter((message) => message.to.user === alice.slackUserId && message.kind === kind);

  it('a failed hibernation: a redrive before the fix fails again and tells nobody twice; after it, hibernates once', async () => {
    const { rehearsal, run } = await failedRun({
      config,
      faults: [{ developer: alice.name, point: 'hibernate' }],
      from: at(TUESDAY, '05:00'),
      until: at(TUESDAY, '20:00'),
      run: `${alice.name}-down-20261124`,
    });
    try {
      const { sfn, cloud } = rehearsal;
      expect(cloud.nodegroups.view(cluster, Date.now())).toMatchObject({ desired: 0, instances: 1 });
      expect([ops(cloud.outbox).length, dms(cloud.outbox, 'failure-dm').length]).toEqual([1, 1]);

      // Nothing fixed: the instance still runs, so the hibernate job fails again, for the same reason. No news to anyone.
      sfn.redrive(run.arn);
      await rehearsal.advance(Date.now() + 20 * 60_000);
      expect([sfn.executions.get(run.arn)?.status, cloud.jobsStarted(alice.name, 'hibernate')]).toEqual(['FAILED', 2]);
      expect(cloud.nodegroups.view(cluster, Date.now()).instances).toBe(1);
      expect([ops(cloud.outbox).length, dms(cloud.outbox, 'failure-dm').length]).toEqual([1, 1]);

      // The operator terminates the instance left running, then redrives: the hibernation completes, told once.
      expect(cloud.nodegroups.terminateStuck(cluster)).toBe(1);
      sfn.redrive(run.arn);
      await rehearsal.advance(Date.now() + 20 * 60_000);
      expect(sfn.executions.get(run.arn)?.status).toBe('SUCCEEDED');
      expect(cloud.records.get(alice.name)).toMatchObject({ status: 'hibernated', hibernatedAt: expect.any(String) });
      expect(cloud.nodegroups.view(cluster, Date.now())).toMatchObject({ desired: 0, instances: 0 });
      // Nothing created twice: one cluster, never destroyed; only the failed hibernate job ran again.
      const jobs = (['apply', 'deploy', 'destroy', 'hibernate', 'wake'] as const).map((kind) => cloud.jobsStarted(alice.name, kind));
      expect(jobs).toEqual([1, 1, 0, 3, 0]);
      expect(cloud.clusterMap.get(cluster)?.goneAt).toBeUndefined();
      expect([dms(cloud.outbox, 'hibernated').length, ops(cloud.outbox).length, dms(cloud.outbox, 'failure-dm').length]).toEqual([1, 1, 1]);
    } finally {
      rehearsal.stop();
    }
  });

  it('a failed wake: ops hears "wake failed" once; a redrive wakes the same cluster, says ready once, and a replay adds nothing', async () => {
    const { rehearsal, run } = await failedRun({
      config,
      faults: [{ developer: alice.name, point: 'wake' }],
      from: at(TUESDAY, '05:00'),
      until: at(WEDNESDAY, '10:00'),
      run: `${alice.name}-up-20261125`,
    });
    try {
      const { sfn, cloud } = rehearsal;
      expect(run.input.path).toBe('wake');
      // Still hibernated: the control plane and the data are kept, and the next up wakes it rather than applying.
      expect(cloud.records.get(alice.name)).toMatchObject({ status: 'failed', hibernatedAt: expect.any(String) });
      expect(cloud.records.get(alice.name)?.lastError).toMatch(/timed out after 600s waiting for 2 Ready nodes in turbo-alice/);
      expect(ops(cloud.outbox).map((message) => message.text)).toEqual([
        expect.stringMatching(/^:warning: Turbo wake failed: a hibernated cluster is not ready: /),
      ]);
      expect(dms(cloud.outbox, 'failure-dm').map((message) => message.text)).toEqual([
        expect.stringMatching(/^Your Turbo cluster did not wake: /),
      ]);
      const readyBefore = dms(cloud.outbox, 'ready').length;

      sfn.redrive(run.arn);
      await rehearsal.advance(Date.now() + 20 * 60_000);
      expect(sfn.executions.get(run.arn)?.status).toBe('SUCCEEDED');
      const record = cloud.records.get(alice.name);
      expect([record?.status, record?.hibernatedAt]).toEqual(['ready', undefined]);
      expect(cloud.nodegroups.view(cluster, Date.now())).toMatchObject({ desired: 2, readyNodes: 2 });
      const jobs = () => (['apply', 'deploy', 'destroy', 'hibernate', 'wake'] as const).map((kind) => cloud.jobsStarted(alice.name, kind));
      // The same cluster woken: no second apply; the failed wake ran again, then today's one deploy.
      expect(jobs()).toEqual([1, 2, 0, 1, 2]);
      expect([dms(cloud.outbox, 'ready').length - readyBefore, ops(cloud.outbox).length, dms(cloud.outbox, 'failure-dm').length]).toEqual([
        1, 1, 1,
      ]);

      // A replay from the console with the same input: it finds the cluster ready and starts nothing, tells nobody.
      const replay = sfn.startExecution('environment', `${run.name}-replay`, run.input);
      await rehearsal.advance(Date.now() + 20 * 60_000);
      expect(replay.status).toBe('SUCCEEDED');
      expect(jobs()).toEqual([1, 2, 0, 1, 2]);
      expect([dms(cloud.outbox, 'ready').length - readyBefore, ops(cloud.outbox).length]).toEqual([1, 1]);
    } finally {
      rehearsal.stop();
    }
  });
});

describe('a release pushed while the cluster hibernates', () => {
  it('the wake deploys it: no rollout to it minutes after ready, and no image-sync summary to ops for it', async () => {
    const tag = '1.9.0';
    const rehearsal = startRehearsal({ config, stack, root }, at(TUESDAY, '05:00'));
    try {
      const push = { image: 'frontend' as const, tag };
      await runWindow(
        rehearsal,
        at(WEDNESDAY, '12:00'),
        [{ everyMs: RECONCILE_EVERY_MS, fire: () => tickReconcile(rehearsal.sfn) }],
        [{ at: at(TUESDAY, '22:00'), fire: () => void deliverPush(rehearsal, config, push) }],
      );
      const { cloud } = rehearsal;
      expect(cloud.records.get(alice.name)?.status).toBe('ready');
      const kube = cloud.kube.kubeFor({ name: `turbo-${alice.name}`, endpoint: 'x', certificateAuthority: 'x' });
      expect((await kube.getWorkload(APP_WORKLOADS.frontend))?.image).toContain(`:${tag}@`);
      const wokenAt = Date.parse(cloud.records.get(alice.name)!.readyAt!);
      const after = cloud.outbox.filter((message) => Date.parse(message.at) >= wokenAt);
      expect(after.filter((message) => message.kind === 'rollout' || message.kind === 'image-sync-summary')).toEqual([]);
    } finally {
      rehearsal.stop();
    }
  });
});

describe('hibernate mode on Spot nodes', () => {
  const spotConfig: TurboConfig = { ...config, developers: [{ ...alice, nodes: { capacity: 'spot' } }] };

  it('a wake that finds no Spot capacity applies On-Demand instead, deploys, and the ready DM says so; nobody is paged', async () => {
    const rehearsal = startRehearsal({ config: spotConfig, stack, root, faults: [] }, at(TUESDAY, '05:00'));
    try {
      const ticks = [{ everyMs: RECONCILE_EVERY_MS, fire: () => tickReconcile(rehearsal.sfn) }];
      await runWindow(rehearsal, at(TUESDAY, '12:00'), ticks);
      const { cloud, sfn } = rehearsal;
      // Tuesday's apply had Spot; overnight the pools run dry.
      expect([cloud.jobsStarted(alice.name, 'apply'), cloud.records.get(alice.name)?.nodeCapacity]).toEqual([1, 'spot']);
      cloud.faults.inject(alice.name, 'spot-capacity');
      await runWindow(rehearsal, at(WEDNESDAY, '12:00'), ticks);

      const wake = [...sfn.executions.values()].find((execution) => execution.name === `${alice.name}-up-20261125`)!;
      expect([wake.input.path, wake.status]).toEqual(['wake', 'SUCCEEDED']);
      const wakeJob = [...cloud.jobs.values()].find((job) => job.handle.developer === alice.name && job.handle.kind === 'wake')!;
      expect(wakeJob.reason).toMatch(/Could not launch Spot Instances/);
      // The wake, then the same cluster applied On-Demand (its node group replaced), then the deploy: nothing destroyed.
      const jobs = (['apply', 'wake', 'deploy', 'destroy'] as const).map((kind) => cloud.jobsStarted(alice.name, kind));
      expect(jobs).toEqual([2, 1, 2, 0]);
      expect(cloud.records.get(alice.name)).toMatchObject({ status: 'ready', nodeCapacity: 'on-demand' });
      const ready = cloud.outbox.filter((message) => message.to.user === alice.slackUserId && message.text.includes('is ready'));
      expect(ready).toHaveLength(2);
      expect(JSON.stringify(ready[1]!.blocks)).toContain(JSON.stringify(SPOT_FELL_BACK).slice(1, -1));
      expect(cloud.outbox.filter((message) => message.to.channel === config.slack.opsChannel)).toEqual([]);
    } finally {
      rehearsal.stop();
    }
  });

  it('the evening after a fallback puts the Spot node group back while it is empty, so the next wake grows Spot again', async () => {
    const rehearsal = startRehearsal({ config: spotConfig, stack, root, faults: [] }, at(TUESDAY, '05:00'));
    try {
      const ticks = [{ everyMs: RECONCILE_EVERY_MS, fire: () => tickReconcile(rehearsal.sfn) }];
      const { cloud, sfn } = rehearsal;
      await runWindow(rehearsal, at(TUESDAY, '12:00'), ticks);
      cloud.faults.inject(alice.name, 'spot-capacity');
      await runWindow(rehearsal, at(WEDNESDAY, '12:00'), ticks);
      expect(cloud.records.get(alice.name)?.nodeCapacity).toBe('on-demand');
      // Spot is back by the evening; Thursday morning it has run dry again.
      cloud.faults.clear(alice.name, 'spot-capacity');
      await runWindow(rehearsal, at('2026-11-26', '05:00'), ticks);
      cloud.faults.inject(alice.name, 'spot-capacity');
      await runWindow(rehearsal, at('2026-11-26', '12:00'), ticks);

      const runs = [...sfn.executions.values()].filter((execution) => execution.machine === 'environment');
      expect(runs.map((run) => [run.name, run.input.path, run.status])).toEqual([
        [`${alice.name}-up-20261124`, null, 'SUCCEEDED'],
        [`${alice.name}-down-20261124`, 'hibernate', 'SUCCEEDED'],
        [`${alice.name}-up-20261125`, 'wake', 'SUCCEEDED'],
        [`${alice.name}-down-20261125`, 'hibernate', 'SUCCEEDED'],
        [`${alice.name}-up-20261126`, 'wake', 'SUCCEEDED'],
      ]);
      // Thursday's wake grew Spot (so it met the shortage and fell back again): Wednesday's On-Demand group was
      // replaced that evening. Left On-Demand, it would have woken without a word, at On-Demand prices for weeks.
      const wakes = [...cloud.jobs.values()].filter((job) => job.handle.developer === alice.name && job.handle.kind === 'wake');
      expect(wakes.map((job) => /Could not launch Spot Instances/.test(job.reason ?? ''))).toEqual([true, true]);
      expect((['apply', 'wake', 'hibernate', 'destroy'] as const).map((kind) => cloud.jobsStarted(alice.name, kind))).toEqual([3, 2, 2, 0]);
      expect(cloud.records.get(alice.name)).toMatchObject({ status: 'ready', nodeCapacity: 'on-demand' });
      expect(cloud.outbox.filter((message) => message.to.channel === config.slack.opsChannel)).toEqual([]);
    } finally {
      rehearsal.stop();
    }
  });
});

describe('a hibernated cluster idle for hibernateIdleDays', () => {
  // alice is away Wednesday and Thursday: nothing wakes the cluster Tuesday evening hibernated.
  const away: TurboConfig = {
    ...config,
    hibernateIdleDays: 2,
    developers: [{ ...alice, holidays: ['2026-11-25', '2026-11-26'] }],
  };

  it('is destroyed once its idle days are up, with its nights at zero nodes kept; the next working day applies anew', async () => {
    const rehearsal = startRehearsal({ config: away, stack, root, faults: [] }, at(TUESDAY, '05:00'));
    try {
      await runWindow(rehearsal, at('2026-11-27', '12:00'), [{ everyMs: RECONCILE_EVERY_MS, fire: () => tickReconcile(rehearsal.sfn) }]);
      const { cloud, sfn } = rehearsal;
      const runs = [...sfn.executions.values()].filter((execution) => execution.machine === 'environment');
      expect(runs.map((run) => [run.name, run.input.path, run.status])).toEqual([
        [`${alice.name}-up-20261124`, null, 'SUCCEEDED'],
        [`${alice.name}-down-20261124`, 'hibernate', 'SUCCEEDED'],
        [`${alice.name}-down-20261126`, null, 'SUCCEEDED'],
        [`${alice.name}-up-20261127`, null, 'SUCCEEDED'],
      ]);
      const record = cloud.records.get(alice.name)!;
      const [life, asleep] = [record.lifetimes![0]!, record.nodesOff![0]!];
      // Destroyed two days after the hibernation, at the first tick past it: not before.
      const idleEnd = Date.parse(asleep.from) + 2 * 86_400_000;
      const destroy = runs[2]!;
      expect(destroy.startedAt).toBeGreaterThanOrEqual(idleEnd);
      expect(destroy.startedAt).toBeLessThan(idleEnd + RECONCILE_EVERY_MS);
      // The cluster's one life, and its one span at zero nodes, both end with the destroy.
      expect(record.lifetimes).toHaveLength(1);
      expect(record.nodesOff).toEqual([{ from: asleep.from, to: life.destroyedAt }]);
      // One apply each for Tuesday and Friday (no wake: the cluster was gone), one hibernate, one destroy.
      const jobs = (['apply', 'deploy', 'hibernate', 'wake', 'destroy'] as const).map((kind) => cloud.jobsStarted(alice.name, kind));
      expect(jobs).toEqual([2, 2, 1, 0, 1]);
      expect(cloud.outbox.filter((message) => message.to.channel === config.slack.opsChannel)).toEqual([]);
    } finally {
      rehearsal.stop();
    }
  });
});
