/**
 * Ready by readyBy under the runner's quota, through the packaged machines and the real handlers: reconcile
 * staggers the ups (core/stagger), the in-memory runner queues what passes runner.maxConcurrentJobs, and each up's
 * durations are recorded for the next day's plan.
 */
import { DateTime } from 'luxon';
import { dayWindow, rehearseDay, startRehearsal } from '../../cli/rehearsal/day';
import { JobSlots } from '../../functions/adapters/memory/limits';
import { summarise } from '../../cli/rehearsal/summary';
import { MAX_UP_SAMPLES } from '../../functions/core/stagger';
import { SHORT_POLL_SECONDS } from '../../functions/core/polling';
import type { TurboConfig } from '../../functions/core/config';
import { exampleConfig, packagedStack, root } from '../support/packaged';

const DATE = '2026-11-24';
const example = exampleConfig();
const stack = packagedStack(example.region);

/** Four Berlin developers ready by 09:00, one runner slot. */
const config: TurboConfig = {
  ...example,
  runner: { ...example.runner, maxConcurrentJobs: 1 },
  developers: ['ann', 'ben', 'cat', 'dan'].map((name) => ({
    name,
    slackUserId: `U0${name.toUpperCase()}X01`,
    iamPrincipalArn: `arn:aws:iam::123456789012:user/${name}`,
    timezone: 'Europe/Berlin',
  })),
};

describe('a runner queue longer than the job timeout', () => {
  it('fails no job for the time it waited for a slot: the timeout counts from when the job left the queue', async () => {
    // The config says four slots (the stagger starts all four on one tick), the account has one: three applies queue,
    // the last for about 36 min, longer than the 30-min timeout, then runs its 12.
    const tight: TurboConfig = {
      ...config,
      runner: { ...config.runner, maxConcurrentJobs: 4 },
      jobs: { ...config.jobs, timeoutMinutes: 30 },
    };
    const window = dayWindow(tight, DATE);
    const rehearsal = startRehearsal({ config: tight, stack, root }, window.start);
    rehearsal.cloud.jobSlots = new JobSlots(1);
    try {
      // One tick a quarter-hour, named by its slot: a busy clock may have run past the next one already.
      for (let at = window.start, tick = 0; at <= window.readyBy + 60 * 60_000; at += 15 * 60_000, tick++) {
        await rehearsal.advance(at);
        rehearsal.sfn.startExecution('reconcile', `reconcile-tick-${tick}`, {});
      }
      await rehearsal.advance(window.readyBy + 90 * 60_000);
      expect(rehearsal.cloud.jobSlots.peakQueued).toBe(3);
      expect(tight.developers.map((dev) => [dev.name, rehearsal.cloud.records.get(dev.name)?.status])).toEqual(
        tight.developers.map((dev) => [dev.name, 'ready']),
      );
      const failed = [...rehearsal.sfn.executions.values()].filter((execution) => execution.status === 'FAILED');
      expect(failed.map((execution) => execution.cause)).toEqual([]);
      // The planner learns how long the applies ran, about 12 min each, not how long they waited for the slot (up to
      // 36 min): learned as job time, a queue made the next day's ups longer, started earlier and queued more. And a job
      // out of the queue is checked by how long it has run, so each end is seen within a short poll: timed from its
      // start, a queued job looked overdue, its checks backed off, and its end was seen up to 90 s late.
      const queued = tight.developers.map((dev) => rehearsal.cloud.records.get(dev.name)?.applyQueuedSeconds ?? 0);
      expect(Math.max(...queued)).toBeGreaterThan(30 * 60);
      const learned = tight.developers.map((dev) => rehearsal.cloud.records.get(dev.name)?.upHistory?.at(-1)?.applySeconds);
      for (const seconds of learned) expect(seconds).toBeLessThanOrEqual(12 * 60 + SHORT_POLL_SECONDS);
      const seenAfter = rehearsal.cloud.runner.detectionDelays().filter((delay) => delay.kind === 'apply');
      expect(seenAfter).toHaveLength(4);
      for (const { delayMs } of seenAfter) expect(delayMs).toBeLessThanOrEqual(SHORT_POLL_SECONDS * 1000);
    } finally {
      rehearsal.stop();
    }
  });
});

describe('readiness under a runner quota of 1', () => {
  it('staggers the ups so that no job queues and everyone is ready by 09:00, and records each up for the planner', async () => {
    const day = await rehearseDay({ config, stack, root, date: DATE, until: 'ready' });
    const readyBy = DateTime.fromISO(`${DATE}T09:00`, { zone: 'Europe/Berlin' }).toMillis();
    const rows = summarise(config, day.executions, DATE);
    expect(rows.map((row) => [row.developer, Date.parse(row.readyAt!) <= readyBy])).toEqual(
      config.developers.map((dev) => [dev.name, true]),
    );
    // Each up on its own tick, so the one slot never had a job waiting for it.
    expect(new Set(rows.map((row) => row.up!.startedAt.slice(0, 16))).size).toBe(4);
    expect(day.cloud.jobSlots?.peakQueued).toBe(0);
    for (const dev of config.developers) {
      const history = day.cloud.records.get(dev.name)?.upHistory ?? [];
      expect(history).toHaveLength(1);
      expect(history.length).toBeLessThanOrEqual(MAX_UP_SAMPLES);
      const [sample] = history;
      // The in-memory apply takes 12 min (±2 %), the deploy 1 min; the cluster is ACTIVE by the apply's end.
      expect(sample).toMatchObject({ region: config.region });
      expect(sample!.applySeconds).toBeGreaterThanOrEqual(12 * 60 * 0.98);
      expect(sample!.applySeconds).toBeLessThan(15 * 60);
      expect(sample!.waitSeconds).toBeLessThan(2 * 60);
      expect(sample!.deploySeconds).toBeGreaterThanOrEqual(60 * 0.98);
      expect(sample!.deploySeconds).toBeLessThan(5 * 60);
    }
  });

  it('leaves the slot to a down: New York’s 09:00 up does not queue behind Kolkata’s 19:00 destroy (both 13:30 UTC)', async () => {
    const zoned = (name: string, timezone: string) => ({
      ...config.developers[0]!,
      name,
      slackUserId: `U0${name.toUpperCase()}X01`,
      timezone,
    });
    const team: TurboConfig = { ...config, developers: [zoned('kiran', 'Asia/Kolkata'), zoned('ned', 'America/New_York')] };
    const day = await rehearseDay({ config: team, stack, root, date: DATE, until: 'ready' });
    const rows = summarise(team, day.executions, DATE);
    const ned = rows.find((row) => row.developer === 'ned')!;
    expect(Date.parse(ned.readyAt!)).toBeLessThanOrEqual(Date.parse(ned.readyBy));
    expect(day.cloud.runner.jobsStarted('kiran', 'destroy')).toBe(1);
    expect(day.cloud.jobSlots?.peakQueued).toBe(0);
  });
});
