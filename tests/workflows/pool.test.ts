/**
 * The warm pool through the packaged reconcile and environment machines, on the in-memory cloud: reconcile fills the
 * pool before its hours and destroys it after them; an `up` outside a developer's schedule takes a ready member
 * (its access entry, the app, the DM) within minutes, the next tick refills the pool, and a retried request takes
 * nothing twice. IAM is enforced by execution: a missing grant would show as AccessDenied.
 */
import { DateTime } from 'luxon';
import { RECONCILE_EVERY_MS, runWindow, startRehearsal, tickReconcile, type Rehearsal } from '../../cli/rehearsal/day';
import { describeDenied } from '../../cli/rehearsal/enforce';
import type { FaultPoint } from '../../functions/adapters/memory/cloud';
import type { TurboConfig } from '../../functions/core/config';
import type { SelfServiceTask } from '../../functions/core/types';
import { performSelfService } from '../../functions/handlers/lib/selfService';
import { exampleConfig, packagedStack, root } from '../support/packaged';

const base = exampleConfig();
/** One pool member, 08:00 to 20:00 Berlin (07:00 to 19:00 UTC) on Tuesday 2026-11-24. */
const config: TurboConfig = { ...base, pool: { size: 1, hours: { start: '08:00', end: '20:00' } } };
const stack = packagedStack(config.region);
const dave = config.developers.find((dev) => dev.name === 'dave')!;
const utc = (time: string) => DateTime.fromISO(`2026-11-24T${time}Z`).toMillis();

/** dave's day in Kolkata ends at 19:00 IST (13:30 UTC): at 15:00 UTC an up is outside his schedule. */
function daveUp(at: number): SelfServiceTask {
  return {
    developer: 'dave',
    request: { verb: 'up' },
    requestedBy: `slack:${dave.slackUserId}`,
    replyTo: dave.slackUserId,
    requestedAt: new Date(at).toISOString(),
  };
}

async function rehearse(
  until: number,
  events: { at: number; fire: (rehearsal: Rehearsal) => void }[] = [],
  faults: { developer: string; point: FaultPoint }[] = [],
) {
  const rehearsal = startRehearsal({ config, stack, root, faults }, utc('05:00:00'));
  try {
    const timed = events.map((event) => ({ at: event.at, fire: () => event.fire(rehearsal) }));
    await runWindow(rehearsal, until, [{ everyMs: RECONCILE_EVERY_MS, fire: () => tickReconcile(rehearsal.sfn) }], timed);
    return rehearsal;
  } finally {
    rehearsal.stop();
  }
}

const pool = (rehearsal: Rehearsal) =>
  [...rehearsal.sfn.executions.values()]
    .filter((execution) => execution.machine === 'environment' && String(execution.input.developer).startsWith('pool-'))
    .map((execution) => [execution.name, execution.input.path, execution.status]);

describe('the warm pool, rehearsed', () => {
  it('is filled before its hours with no app and no developer, and destroyed after them', async () => {
    const rehearsal = await rehearse(utc('20:00:00'));
    const { cloud } = rehearsal;

    expect(pool(rehearsal)).toEqual([
      ['pool-1-up-20261124', 'pool', 'SUCCEEDED'],
      ['pool-1-down-20261124', null, 'SUCCEEDED'],
    ]);
    const member = cloud.records.get('pool-1')!;
    expect(member.status).toBe('destroyed');
    expect(member.lifetimes).toHaveLength(1);
    expect(Date.parse(member.lifetimes![0]!.startedAt)).toBeLessThan(utc('07:00:00'));
    expect(Date.parse(member.lifetimes![0]!.destroyedAt)).toBeGreaterThanOrEqual(utc('19:00:00'));
    // An apply and a destroy, and no deploy: the app waits for a taker. Nobody was told anything about it.
    expect([cloud.jobsStarted('pool-1', 'apply'), cloud.jobsStarted('pool-1', 'deploy'), cloud.jobsStarted('pool-1', 'destroy')]).toEqual([
      1, 0, 1,
    ]);
    expect(cloud.clusters.accessEntries.get('turbo-pool-1')).toBeUndefined();
    expect(cloud.clusterMap.get('turbo-pool-1')?.goneAt).toBeDefined();
    expect(cloud.outbox.filter((message) => message.to.channel === config.slack.opsChannel)).toEqual([]);
    expect(rehearsal.iam.denied.map(describeDenied)).toEqual([]);
  });

  it('gives a member to an up outside the schedule: access entry, app and DM within 2 minutes; then refills the pool', async () => {
    const asked = utc('15:00:00');
    const answers: string[] = [];
    let access: Set<string> | undefined;
    const rehearsal = await rehearse(utc('20:00:00'), [
      // The Slack endpoint queues the request for SlackWork, as in AWS.
      { at: asked, fire: (r) => void r.sfn.invokeAs('slackInteraction', () => r.deps.work.enqueue(daveUp(asked))) },
      // A retried invocation of the same request: nothing is taken twice.
      {
        at: asked + 5 * 60_000,
        fire: (r) =>
          void r.sfn.invokeAs('slackWork', () => performSelfService(daveUp(asked), r.deps)).then((result) => answers.push(result.outcome)),
      },
      { at: asked + 10 * 60_000, fire: (r) => (access = new Set(r.cloud.clusters.accessEntries.get('turbo-pool-1'))) },
    ]);
    const { cloud } = rehearsal;

    expect(pool(rehearsal)).toEqual([
      ['pool-1-up-20261124', 'pool', 'SUCCEEDED'],
      ['pool-1-take-dave-20261124-2030', 'take', 'SUCCEEDED'],
      ['pool-2-up-20261124', 'pool', 'SUCCEEDED'],
      ['pool-1-down-20261124', null, 'SUCCEEDED'],
      ['pool-2-down-20261124', null, 'SUCCEEDED'],
    ]);
    expect(answers).toEqual(['already']);
    expect(access).toEqual(new Set([dave.iamPrincipalArn]));
    expect([cloud.jobsStarted('pool-1', 'apply'), cloud.jobsStarted('pool-1', 'deploy')]).toEqual([1, 1]);
    // dave's own cluster was applied once, for his morning: the take applied nothing of his.
    expect(cloud.jobsStarted('dave', 'apply')).toBe(1);

    const dms = cloud.outbox.filter((message) => message.to.user === dave.slackUserId);
    const afterAsking = dms.filter((message) => Date.parse(message.at) >= asked);
    expect(afterAsking.map((message) => message.kind)).toEqual(['reply', 'ready', 'destroyed']);
    expect(afterAsking[0]!.text).toContain('Taking warm pool cluster turbo-pool-1 for dave until 00:00 Asia/Kolkata (Wed 25 Nov)');
    expect(afterAsking[1]!.text).toContain('turbo-pool-1');
    const readyMinutes = (Date.parse(afterAsking[1]!.at) - asked) / 60_000;
    console.log(`warm pool rehearsal: dave's ready DM ${readyMinutes.toFixed(1)} min after his up (target: 2 min)`);
    expect(readyMinutes).toBeLessThanOrEqual(2);
    expect(cloud.outbox.filter((message) => message.to.channel === config.slack.opsChannel)).toEqual([]);
    expect(rehearsal.iam.denied.map(describeDenied)).toEqual([]);
  });

  it('a fill whose apply fails tells ops once and no developer; a redrive fills the same member, and nothing twice', async () => {
    const fill = 'pool-1-up-20261124';
    const rehearsal = await rehearse(
      utc('20:00:00'),
      [
        {
          at: utc('08:00:00'),
          fire: (r) => {
            const failed = [...r.sfn.executions.values()].find((execution) => execution.name === fill)!;
            expect([failed.status, r.cloud.records.get('pool-1')?.status]).toEqual(['FAILED', 'failed']);
            r.sfn.redrive(failed.arn);
          },
        },
      ],
      [{ developer: 'pool-1', point: 'apply' }],
    );
    const { cloud, sfn } = rehearsal;
    const named = (name: string) => [...sfn.executions.values()].find((execution) => execution.name === name)!;

    // pool-2 stood in for the failed member; once the redrive filled pool-1, the next tick destroyed the one too many.
    expect(pool(rehearsal)).toEqual([
      [fill, 'pool', 'SUCCEEDED'],
      ['pool-2-up-20261124', 'pool', 'SUCCEEDED'],
      ['pool-2-down-20261124', null, 'SUCCEEDED'],
      ['pool-1-down-20261124', null, 'SUCCEEDED'],
    ]);
    expect(named(fill).redriveCount).toBe(1);
    expect(named('pool-2-up-20261124').startedAt).toBeLessThan(utc('08:00:00'));
    expect(named('pool-2-down-20261124').startedAt).toBeGreaterThan(named(fill).endedAt!);
    expect(named('pool-2-down-20261124').startedAt).toBeLessThanOrEqual(named(fill).endedAt! + RECONCILE_EVERY_MS);
    // The failed apply and the redriven one; no deploy (nobody took it), one destroy after the pool's hours.
    expect([cloud.jobsStarted('pool-1', 'apply'), cloud.jobsStarted('pool-1', 'deploy'), cloud.jobsStarted('pool-1', 'destroy')]).toEqual([
      2, 0, 1,
    ]);
    expect(cloud.records.get('pool-1')).toMatchObject({ status: 'destroyed', lifetimes: [expect.any(Object)] });
    const ops = cloud.outbox.filter((message) => message.to.channel === config.slack.opsChannel);
    expect(ops.map((message) => message.kind)).toEqual(['failure']);
    // A pool member belongs to nobody: no developer hears of its failure (the roster's own days go on as usual).
    const dms = cloud.outbox.filter((message) => message.to.user !== undefined);
    expect(dms.length).toBeGreaterThan(0);
    expect(dms.filter((message) => JSON.stringify(message).includes('pool-1') || message.kind === 'failure-dm')).toEqual([]);
    expect(rehearsal.iam.denied.map(describeDenied)).toEqual([]);
  });

  it('a take whose deploy fails tells ops and the taker once; a redrive deploys on the same member, and nothing twice', async () => {
    const asked = utc('15:00:00');
    const take = 'pool-1-take-dave-20261124-2030';
    const rehearsal = await rehearse(
      utc('20:00:00'),
      [
        { at: asked, fire: (r) => void r.sfn.invokeAs('slackInteraction', () => r.deps.work.enqueue(daveUp(asked))) },
        {
          at: asked + 30 * 60_000,
          fire: (r) => {
            const failed = [...r.sfn.executions.values()].find((execution) => execution.name === take)!;
            expect([failed.status, r.cloud.records.get('pool-1')?.status]).toEqual(['FAILED', 'failed']);
            r.sfn.redrive(failed.arn);
          },
        },
      ],
      [{ developer: 'pool-1', point: 'deploy' }],
    );
    const { cloud } = rehearsal;

    expect(pool(rehearsal)).toEqual([
      ['pool-1-up-20261124', 'pool', 'SUCCEEDED'],
      [take, 'take', 'SUCCEEDED'],
      ['pool-2-up-20261124', 'pool', 'SUCCEEDED'],
      ['pool-1-down-20261124', null, 'SUCCEEDED'],
      ['pool-2-down-20261124', null, 'SUCCEEDED'],
    ]);
    // One apply of the member; the failed deploy and the redriven one.
    expect([cloud.jobsStarted('pool-1', 'apply'), cloud.jobsStarted('pool-1', 'deploy')]).toEqual([1, 2]);
    const kinds = cloud.outbox.filter((message) => message.to.user === dave.slackUserId && Date.parse(message.at) >= asked);
    expect(kinds.map((message) => message.kind)).toEqual(['reply', 'failure-dm', 'ready', 'destroyed']);
    const ops = cloud.outbox.filter((message) => message.to.channel === config.slack.opsChannel);
    expect(ops.map((message) => message.kind)).toEqual(['failure']);
    expect(rehearsal.iam.denied.map(describeDenied)).toEqual([]);
  });
});
