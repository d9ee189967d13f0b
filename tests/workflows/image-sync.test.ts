/**
 * image-sync through the packaged machine, on three ready environments: one already current, one that rolls, one
 * whose rollout passes its deadline. The registry is asked once per update, whatever the number of clusters; the
 * same webhook twice starts one run; a wrong token starts nothing. Each environment rolls in a child execution of
 * its own (a Distributed Map); a canary that fails beyond its budget stops the rest, with one summary for ops.
 */
import { DateTime } from 'luxon';
import { dayWindow, deliverPush, startRehearsal, tickReconcile, type Rehearsal } from '../../cli/rehearsal/day';
import { fakeDigest } from '../../functions/adapters/memory/images';
import { APP_WORKLOADS, STOPPED_RELEASE_PREFIX } from '../../functions/core/images';
import { SHORT_REASON } from '../../functions/core/failure';
import { OPS_RECORD } from '../../functions/core/types';
import type { TurboConfig } from '../../functions/core/config';
import { exampleConfig, packagedStack, root } from '../support/packaged';

const DATE = '2026-11-24';
const base = exampleConfig();
// Three developers in one zone, so that all three are ready at the same time.
const baseConfig: TurboConfig = {
  ...base,
  developers: base.developers.slice(0, 3).map((dev) => ({ ...dev, timezone: 'Europe/Berlin', readyBy: '09:00' })),
};
const config = baseConfig;
const stack = packagedStack(config.region);
const REPO = config.images.frontend;
/** 1.3.0 as the nodes pull it: through the config's ECR pull-through cache. */
const NEW = `${config.cluster.pullThroughCache}/${REPO}:1.3.0@${fakeDigest(REPO, '1.3.0')}`;

async function morning(faults: { developer: string; point: 'rollout-timeout' }[] = [], config = baseConfig): Promise<Rehearsal> {
  const window = dayWindow(config, DATE);
  const rehearsal = startRehearsal({ config, stack, root, faults }, window.start);
  const readyBy = DateTime.fromISO(`${DATE}T09:00`, { zone: 'Europe/Berlin' }).toMillis();
  for (let at = window.start; at <= readyBy; at += 15 * 60_000) {
    await rehearsal.advance(at);
    tickReconcile(rehearsal.sfn);
  }
  await rehearsal.advance(readyBy + 10 * 60_000);
  expect(config.developers.map((dev) => rehearsal.cloud.records.get(dev.name)?.status)).toEqual(['ready', 'ready', 'ready']);
  return rehearsal;
}

const summaryTexts = (cloud: Rehearsal['cloud'], config: TurboConfig) =>
  cloud.outbox.filter((message) => message.to.channel === config.slack.opsChannel).map((message) => message.text);
const imageSyncRuns = (rehearsal: Rehearsal) =>
  [...rehearsal.sfn.executions.values()].filter((execution) => execution.machine === 'imageSync');
/** The child executions (one per batch of environments) of the image-sync run named `run`. */
const childrenOf = (rehearsal: Rehearsal, run: string) =>
  [...rehearsal.sfn.executions.values()].filter(
    (execution) => execution.machine.startsWith('imageSync/') && execution.name.startsWith(`${run}-`),
  );
/** The developers whose environments these child executions rolled. */
const developersOf = (executions: { input: unknown }[]) =>
  executions.flatMap((child) => (child.input as { Items: { developer: string }[] }).Items.map((item) => item.developer)).sort();

describe('image-sync', () => {
  it('leaves a current environment alone, rolls one, reports one that timed out, and asks the registry once', async () => {
    const rehearsal = await morning([{ developer: 'carol', point: 'rollout-timeout' }]);
    try {
      const { cloud } = rehearsal;
      // alice already runs 1.3.0 (an earlier sync); the tag must exist before the push for that.
      cloud.registry.push(REPO, '1.3.0');
      await cloud.kube.kubeFor({ name: 'turbo-alice', endpoint: 'x', certificateAuthority: 'x' }).setImage(APP_WORKLOADS.frontend, NEW);
      await rehearsal.advance(Date.now() + 5 * 60_000);
      const patchesBefore = cloud.kube.patches.length;
      const callsBefore = { ...cloud.registry.calls };

      const answer = await deliverPush(rehearsal, config, { image: 'frontend', tag: '1.3.0' });
      expect(answer).toMatchObject({ statusCode: 202 });
      await rehearsal.advance(Date.now() + 30 * 60_000);

      const [run] = imageSyncRuns(rehearsal);
      expect(run!.status).toBe('SUCCEEDED');
      expect({
        listTags: cloud.registry.calls.listTags - callsBefore.listTags,
        digest: cloud.registry.calls.digest - callsBefore.digest,
      }).toEqual({ listTags: 1, digest: 1 });
      expect(cloud.kube.patches.slice(patchesBefore).map((patch) => [patch.cluster, patch.image])).toEqual([
        ['turbo-bob', NEW],
        ['turbo-carol', NEW],
      ]);
      const dmsOf = (dev: string) =>
        cloud.outbox.filter(
          (message) => message.to.user === config.developers.find((d) => d.name === dev)!.slackUserId && message.kind === 'rollout',
        );
      expect(dmsOf('alice')).toHaveLength(0);
      expect(dmsOf('bob')).toHaveLength(1);
      expect(JSON.stringify(dmsOf('bob')[0]!.blocks)).toMatch(/1\.2\.0.*→.*1\.3\.0/);
      expect(dmsOf('carol')).toHaveLength(0);
      const summary = cloud.outbox.filter((message) => message.to.channel === config.slack.opsChannel);
      expect(summary.map((message) => message.text)).toEqual([
        'Image sync to frontend 1.3.0: 1 rolled, 1 already current, 0 skipped, 1 failed',
      ]);
      expect(JSON.stringify(summary[0]!.blocks)).toMatch(/carol.*(progress deadline|ProgressDeadlineExceeded)/);
      // The environments are read from the plan bucket, rolled in batches (one child execution each), and each
      // batch returns a tally whose failures carry a short reason, not the whole Cause.
      const [batch] = childrenOf(rehearsal, run!.name);
      expect(developersOf([batch!])).toEqual(['alice', 'bob', 'carol']);
      expect(batch!.output).toMatchObject({ rolled: 1, current: 1, failed: 1, failures: [{ developer: 'carol' }] });
      const [failure] = (batch!.output as { failures: { reason: string }[] }).failures;
      expect(failure!.reason.length).toBeLessThanOrEqual(SHORT_REASON);
      // The desired images are recorded for everyone, so a cluster created later deploys 1.3.0 from the start.
      expect(config.developers.map((dev) => cloud.records.get(dev.name)?.images?.frontend?.tag)).toEqual(['1.3.0', '1.3.0', '1.3.0']);
      // Rolled or current is confirmed on the record; carol's failed rollout is not.
      expect(config.developers.map((dev) => cloud.records.get(dev.name)?.confirmedImages?.frontend?.tag)).toEqual([
        '1.3.0',
        '1.3.0',
        '1.2.0',
      ]);
    } finally {
      rehearsal.stop();
    }
  });

  it('stops a release that fails on its first clusters beyond the budget: the run is red, ops hears once', async () => {
    const canaryOfTwo: TurboConfig = {
      ...baseConfig,
      imageSync: { ...baseConfig.imageSync, canary: { clusters: 2, toleratedFailures: 0 } },
    };
    const faults = (['alice', 'bob'] as const).map((developer) => ({ developer, point: 'rollout-timeout' as const }));
    const rehearsal = await morning(faults, canaryOfTwo);
    try {
      const { cloud } = rehearsal;
      await deliverPush(rehearsal, canaryOfTwo, { image: 'frontend', tag: '1.3.0' });
      await rehearsal.advance(Date.now() + 60 * 60_000);
      const [run] = imageSyncRuns(rehearsal);
      expect(run!.status).toBe('FAILED');
      expect(run!.cause).toMatch(/Turbo\.CanaryFailed/);
      expect(summaryTexts(cloud, canaryOfTwo)).toEqual([
        'Image sync to frontend 1.3.0 stopped: it failed beyond its budget on the first clusters (1 rolled, 0 already current, 0 skipped, 2 failed)',
      ]);
      // The budget's keys are gone from the ops record once the summary is made; the stopped release is remembered.
      const opsKeys = () => cloud.records.get(OPS_RECORD)?.notified ?? [];
      expect(opsKeys().filter((key) => key.startsWith('image-sync-budget:'))).toEqual([]);
      expect(opsKeys().filter((key) => key.startsWith(STOPPED_RELEASE_PREFIX))).toHaveLength(1);

      // The safety net does not roll the stopped release again (ten minutes later, and every ten after that).
      const patches = () => cloud.kube.patches.map((patch) => `${patch.cluster} ${patch.image.split('@')[0]!.split(':').at(-1)}`);
      const before = patches().length;
      const safetyNet = rehearsal.sfn.startExecution('imageSync', 'schedule-after-stop', {});
      await rehearsal.advance(Date.now() + 30 * 60_000);
      expect(safetyNet.status).toBe('SUCCEEDED');
      expect(patches().slice(before)).toEqual([]);
      expect(summaryTexts(cloud, canaryOfTwo)).toHaveLength(1);

      // A push of a new release rolls again: alice and bob (still failing) are patched to 1.3.1.
      await deliverPush(rehearsal, canaryOfTwo, { image: 'frontend', tag: '1.3.1' });
      await rehearsal.advance(Date.now() + 60 * 60_000);
      expect(patches().slice(before)).toEqual(expect.arrayContaining(['turbo-alice 1.3.1', 'turbo-bob 1.3.1']));
    } finally {
      rehearsal.stop();
    }
  });

  it('does not stop a release proven on its first clusters for a later failure', async () => {
    const canaryOfOne: TurboConfig = {
      ...baseConfig,
      imageSync: { ...baseConfig.imageSync, canary: { clusters: 1, toleratedFailures: 0 } },
    };
    const rehearsal = await morning([{ developer: 'alice', point: 'rollout-timeout' }], canaryOfOne);
    try {
      await deliverPush(rehearsal, canaryOfOne, { image: 'frontend', tag: '1.3.0' });
      await rehearsal.advance(Date.now() + 60 * 60_000);
      const [run] = imageSyncRuns(rehearsal);
      expect(run!.status).toBe('SUCCEEDED');
      const summary = rehearsal.cloud.outbox.filter((message) => message.to.channel === canaryOfOne.slack.opsChannel);
      expect(summary.map((message) => message.text)).toEqual([
        'Image sync to frontend 1.3.0: 2 rolled, 0 already current, 0 skipped, 1 failed',
      ]);
    } finally {
      rehearsal.stop();
    }
  });

  it('starts one run for the same webhook delivered twice, and rolls each environment once', async () => {
    const rehearsal = await morning();
    try {
      await deliverPush(rehearsal, config, { image: 'frontend', tag: '1.3.0' });
      const again = await deliverPush(rehearsal, config, { image: 'frontend', tag: '1.3.0' });
      expect(JSON.parse(String((again as { body: string }).body))).toMatchObject({ outcome: 'already-started' });
      await rehearsal.advance(Date.now() + 30 * 60_000);
      expect(imageSyncRuns(rehearsal)).toHaveLength(1);
      expect(rehearsal.cloud.kube.patches.map((patch) => patch.cluster).sort()).toEqual(['turbo-alice', 'turbo-bob', 'turbo-carol']);
    } finally {
      rehearsal.stop();
    }
  });

  it('rolls a push once when the safety net ticks while the push’s run is rolling: one DM each, one summary', async () => {
    const rehearsal = await morning();
    try {
      const { cloud } = rehearsal;
      await deliverPush(rehearsal, config, { image: 'frontend', tag: '1.3.0' });
      const [push] = imageSyncRuns(rehearsal);
      // The safety net ticks 30 s later, while the push's rollouts (90 s) are going: it lists the same clusters, not
      // yet confirmed on 1.3.0, but the push's run holds the release.
      const pushState = new Promise<string>((resolve) =>
        setTimeout(() => {
          resolve(push!.status);
          rehearsal.sfn.startExecution('imageSync', 'schedule-while-rolling', {});
        }, 30_000),
      );
      await rehearsal.advance(Date.now() + 30 * 60_000);
      await expect(pushState).resolves.toBe('RUNNING');
      expect(imageSyncRuns(rehearsal).map((run) => run.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      expect(developersOf(childrenOf(rehearsal, push!.name))).toEqual(['alice', 'bob', 'carol']);
      expect(childrenOf(rehearsal, 'schedule-while-rolling')).toEqual([]);
      const waited = imageSyncRuns(rehearsal).find((run) => run.name === 'schedule-while-rolling');
      expect(JSON.stringify(waited!.output)).toContain(`${push!.name} is rolling frontend 1.3.0: this run rolled nothing`);
      const rolloutDms = cloud.outbox.filter((message) => message.kind === 'rollout' && message.to.user !== undefined);
      expect(rolloutDms.map((message) => message.developer).sort()).toEqual(['alice', 'bob', 'carol']);
      expect(summaryTexts(cloud, config).filter((text) => text.includes('1.3.0'))).toHaveLength(1);
      // The push's run gave its lease up when it reported.
      expect(cloud.records.get(OPS_RECORD)?.rolloutLease).toBeUndefined();
    } finally {
      rehearsal.stop();
    }
  });

  it('posts nothing to ops while every environment is current, and a push that changes nothing says why and starts nothing', async () => {
    const rehearsal = await morning();
    try {
      const { cloud } = rehearsal;
      const opsMessages = () => cloud.outbox.filter((message) => message.to.channel === config.slack.opsChannel);
      const before = opsMessages().length;
      // The 10-minute safety net, six times (11:10 to 12:00 UTC): the clusters already run the newest release, as
      // their deploys confirmed. Only 12:00, the first run of a sixth hour, sweeps every ready environment.
      await rehearsal.advance(Date.parse(`${DATE}T11:10:00Z`));
      const minutes: number[] = [];
      for (let tick = 0; tick < 6; tick += 1) {
        minutes.push(new Date().getUTCMinutes());
        rehearsal.sfn.startExecution('imageSync', `schedule-${tick}`, {});
        await rehearsal.advance(Date.now() + 10 * 60_000);
      }
      expect(minutes).toEqual([10, 20, 30, 40, 50, 0]);
      const runs = imageSyncRuns(rehearsal);
      expect(runs.map((run) => run.status)).toEqual(Array(6).fill('SUCCEEDED'));
      expect(runs.map((run) => developersOf(childrenOf(rehearsal, run.name)).length)).toEqual([0, 0, 0, 0, 0, 3]);
      expect(opsMessages()).toHaveLength(before);
      expect(JSON.stringify(runs[5]!.output)).toContain('nothing changed: 3 environment(s) already run frontend 1.2.0');

      const answers = await Promise.all([
        deliverPush(rehearsal, config, { image: 'frontend', tag: 'sha-1a2b3c4' }),
        deliverPush(rehearsal, config, { image: 'mongo', tag: '7.0.15' }),
      ]);
      expect(answers.map((answer) => JSON.parse(String((answer as { body: string }).body)))).toEqual([
        { outcome: 'ignored', message: 'tag sha-1a2b3c4 is not a SemVer version such as 1.4.2: image-sync rolls only releases' },
        {
          outcome: 'ignored',
          message: 'acme/turbo-mongo is left alone by image-sync (imageSync.mongoPolicy is manual): update it by hand',
        },
      ]);
      await rehearsal.advance(Date.now() + 10 * 60_000);
      expect(imageSyncRuns(rehearsal)).toHaveLength(6);
      expect(opsMessages()).toHaveLength(before);
    } finally {
      rehearsal.stop();
    }
  });

  it('retries a failed rollout on the next safety-net run, and rolls nobody who is confirmed on the images', async () => {
    const rehearsal = await morning([{ developer: 'carol', point: 'rollout-timeout' }]);
    try {
      await deliverPush(rehearsal, config, { image: 'frontend', tag: '1.3.0' });
      await rehearsal.advance(Date.now() + 30 * 60_000);
      const [push] = imageSyncRuns(rehearsal);
      expect(developersOf(childrenOf(rehearsal, push!.name))).toEqual(['alice', 'bob', 'carol']);
      expect(new Date().getUTCMinutes()).toBeGreaterThanOrEqual(10);
      rehearsal.sfn.startExecution('imageSync', 'schedule-after-push', {});
      await rehearsal.advance(Date.now() + 30 * 60_000);
      expect(developersOf(childrenOf(rehearsal, 'schedule-after-push'))).toEqual(['carol']);
    } finally {
      rehearsal.stop();
    }
  });

  it('answers a wrong token with 404 and starts nothing', async () => {
    const rehearsal = await morning();
    try {
      const answer = await deliverPush(rehearsal, config, { image: 'frontend', tag: '1.3.0' }, 'not-the-token');
      expect(answer).toMatchObject({ statusCode: 404 });
      await rehearsal.advance(Date.now() + 30 * 60_000);
      expect(imageSyncRuns(rehearsal)).toHaveLength(0);
      expect(rehearsal.cloud.kube.patches).toHaveLength(0);
    } finally {
      rehearsal.stop();
    }
  });
});
