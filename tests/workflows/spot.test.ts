/**
 * Spot nodes through the packaged environment machine, with the real handlers on the in-memory cloud: when no Spot
 * capacity can be had by the deadline (spotWaitMinutes), the same apply runs On-Demand and the ready DM says so;
 * a redrive after that repeats neither apply, and sends the DM once.
 */
import { DateTime } from 'luxon';
import { dayWindow, rehearseDay } from '../../cli/rehearsal/day';
import { summarise } from '../../cli/rehearsal/summary';
import { configSchema, type TurboConfig } from '../../functions/core/config';
import { SPOT_FELL_BACK } from '../../functions/core/messages';
import { exampleConfig, packagedStack, root } from '../support/packaged';
import { failedRun } from '../support/failedRun';

const DATE = '2026-11-24'; // a Tuesday
const example = exampleConfig();
/**
 * The example with bob on Spot (amd64 pools) and carol too, and everyone else as the example has them; the lead covers
 * a fallback (configWarnings asks for the jobs, one tick and spotWaitMinutes).
 */
const config: TurboConfig = configSchema.parse({
  ...example,
  leadMinutes: 40,
  developers: example.developers.map((dev) => (['bob', 'carol'].includes(dev.name) ? { ...dev, nodes: { capacity: 'spot' } } : dev)),
});
const stack = packagedStack(config.region);

function dmsTo(outbox: { to: { user?: string }; text: string; blocks: unknown[] }[], developer: string) {
  const user = config.developers.find((dev) => dev.name === developer)!.slackUserId;
  return outbox.filter((message) => message.to.user === user);
}

describe('Spot nodes that cannot be had', () => {
  it('fall back to On-Demand by the deadline: bob is ready before readyBy, and his ready DM says so; carol got Spot', async () => {
    const day = await rehearseDay({
      config,
      stack,
      root,
      date: DATE,
      faults: [{ developer: 'bob', point: 'spot-capacity' }],
      until: 'ready',
    });
    const rows = summarise(config, day.executions, DATE);
    const bob = rows.find((row) => row.developer === 'bob')!;
    expect(bob.result).toBe('ready');
    expect(Date.parse(bob.readyAt!)).toBeLessThanOrEqual(DateTime.fromISO(`${DATE}T08:30`, { zone: 'Europe/Berlin' }).toMillis());
    expect(day.cloud.jobsStarted('bob', 'apply')).toBe(2);
    const spotJob = [...day.cloud.jobs.values()].find((job) => job.handle.developer === 'bob' && job.handle.kind === 'apply')!;
    expect(spotJob.reason).toMatch(/Could not launch Spot Instances/);
    expect(day.cloud.records.get('bob')?.nodeCapacity).toBe('on-demand');
    const ready = dmsTo(day.cloud.outbox, 'bob').filter((message) => message.text.includes('is ready'));
    expect(ready).toHaveLength(1);
    expect(JSON.stringify(ready[0]!.blocks)).toContain(JSON.stringify(SPOT_FELL_BACK).slice(1, -1));
    // carol's Spot came, alice asked for On-Demand: one apply each, and no note.
    for (const name of ['alice', 'carol']) {
      expect([name, day.cloud.jobsStarted(name, 'apply')]).toEqual([name, 1]);
      const dm = dmsTo(day.cloud.outbox, name).find((message) => message.text.includes('is ready'))!;
      expect(JSON.stringify(dm.blocks)).not.toContain('No Spot capacity');
    }
    expect(day.cloud.records.get('carol')?.nodeCapacity).toBe('spot');
    // Nobody failed, so ops heard nothing.
    expect(day.cloud.outbox.filter((message) => message.to.channel === config.slack.opsChannel)).toEqual([]);
  });

  it('a failure after the fallback, then a redrive: no third apply, one ready DM, still saying On-Demand', async () => {
    const { rehearsal, run } = await failedRun({
      config,
      faults: [
        { developer: 'bob', point: 'spot-capacity' },
        { developer: 'bob', point: 'deploy' },
      ],
      from: dayWindow(config, DATE).start,
      until: DateTime.fromISO(`${DATE}T09:05`, { zone: 'Europe/Berlin' }).toMillis(),
      run: 'bob-up-20261124',
    });
    try {
      const { sfn, cloud } = rehearsal;
      expect([cloud.jobsStarted('bob', 'apply'), cloud.jobsStarted('bob', 'deploy')]).toEqual([2, 1]);

      const redriven = sfn.redrive(run.arn);
      await rehearsal.advance(Date.now() + 20 * 60_000);
      expect(redriven.status).toBe('SUCCEEDED');
      expect([cloud.jobsStarted('bob', 'apply'), cloud.jobsStarted('bob', 'deploy')]).toEqual([2, 2]);
      const ready = dmsTo(cloud.outbox, 'bob').filter((message) => message.text.includes('is ready'));
      expect(ready).toHaveLength(1);
      expect(JSON.stringify(ready[0]!.blocks)).toContain('No Spot capacity by the deadline');
    } finally {
      rehearsal.stop();
    }
  });
});
