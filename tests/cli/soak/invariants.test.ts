/** The soak's invariants are pure: each one trips on what it guards against, and only on that. */
import {
  hibernatedCapacity,
  lateReason,
  lateTeardowns,
  messages,
  queueWaits,
  readiness,
  slotHolders,
  type MessageSeen,
} from '../../../cli/soak/invariants';

const dm = (recipientDay: string, text: string): MessageSeen => ({
  day: '2027-03-04',
  recipientDay,
  to: 'U0DEV0023',
  ops: false,
  developer: 'dev-0023',
  text,
  body: text,
});

describe('messages', () => {
  const goodbye = 'Your Turbo cluster `turbo-dev-0023` was destroyed for the day. Goodbye, dev-0023!';

  it('a daily message on two of its recipient’s days is two events, even on one team day', () => {
    expect(messages('2027-03-04', [dm('2027-03-03', goodbye), dm('2027-03-04', goodbye)], 0)).toEqual([]);
  });

  it('the same message twice on one of the recipient’s days is a duplicate, named with the executions that sent it', () => {
    const sentBy = (execution: string) => ({ ...dm('2027-03-04', goodbye), execution });
    expect(messages('2027-03-04', [sentBy('down-1'), sentBy('down-2')], 0)).toEqual([
      {
        invariant: 'duplicate-message',
        day: '2027-03-04',
        developer: 'dev-0023',
        execution: 'down-2',
        detail: `sent twice to U0DEV0023 (by down-1, then by down-2): ${goodbye}`,
      },
    ]);
  });

  it('two messages that share their text but not their blocks are two events: another reason, another run', () => {
    const failed = ':warning: Turbo could not create a cluster: Creating dev-0023’s cluster failed at apply.';
    const about = (reason: string, run: string) => ({ ...dm('2027-03-04', failed), body: `${failed} ${reason} ${run}`, execution: run });
    expect(messages('2027-03-04', [about('HTTP 503', 'up-1'), about('job hung', 'up-1'), about('job hung', 'up-2')], 1)).toEqual([]);
    expect(messages('2027-03-04', [about('HTTP 503', 'up-1'), about('HTTP 503', 'up-1')], 1)).toHaveLength(1);
  });

  it('the same reply is one event per request that day: a third to two requests is a duplicate', () => {
    const reply = { ...dm('2027-03-04', 'Your cluster is on its way.'), reply: true };
    const twoRequests = () => 2;
    expect(messages('2027-03-04', [reply, reply], 0, twoRequests)).toEqual([]);
    expect(messages('2027-03-04', [reply, reply, reply], 0, twoRequests)).toEqual([
      expect.objectContaining({ invariant: 'duplicate-message', detail: expect.stringContaining('replied 3 times to 2 request(s)') }),
    ]);
    expect(messages('2027-03-04', [reply, reply], 0)).toHaveLength(1);
  });

  it('more than five ops messages on a day without failures break quiet-ops; with a failure they do not', () => {
    const ops = Array.from({ length: 6 }, (_, i): MessageSeen => ({ ...dm('2027-03-04', `m${i}`), to: 'C0OPS', ops: true }));
    expect(messages('2027-03-04', ops, 0).map((broken) => broken.invariant)).toEqual(['quiet-ops']);
    expect(messages('2027-03-04', ops, 1)).toEqual([]);
  });
});

describe('lateTeardowns', () => {
  const teardown = Date.parse('2027-03-04T18:00:00Z');
  const now = teardown + 2 * 3_600_000;
  const cluster = { name: 'turbo-dev-0002', owner: 'dev-0002', createdAt: teardown - 10 * 3_600_000 };
  const late = (clusters: Parameters<typeof lateTeardowns>[2]) =>
    lateTeardowns(
      '2027-03-04',
      now,
      clusters,
      () => teardown,
      () => false,
    ).map((broken) => broken.detail);

  it('a cluster alive two hours past its teardown is late', () => {
    expect(late([cluster])).toEqual(['turbo-dev-0002 is alive 120 min past its teardown']);
  });

  it('a hibernated cluster whose nodes are 0 is torn down: its control plane is meant to stay; with nodes left, it is late', () => {
    expect(late([{ ...cluster, hibernatedWithNoNodes: true }])).toEqual([]);
    expect(late([{ ...cluster, hibernatedWithNoNodes: false }])).toHaveLength(1);
  });
});

describe('hibernatedCapacity', () => {
  const cluster = { name: 'turbo-dev-0006', owner: 'dev-0006' };

  it('a hibernated Spot developer left with an On-Demand node group breaks it; the configured capacity does not', () => {
    expect(hibernatedCapacity('2027-03-04', [{ ...cluster, capacity: 'on-demand', configured: 'spot' }])).toEqual([
      {
        invariant: 'hibernated-capacity',
        day: '2027-03-04',
        developer: 'dev-0006',
        detail: "turbo-dev-0006 is hibernated with on-demand nodes, but its owner's are spot",
      },
    ]);
    expect(hibernatedCapacity('2027-03-04', [{ ...cluster, capacity: 'spot', configured: 'spot' }])).toEqual([]);
  });
});

describe('readiness', () => {
  const readyBy = Date.parse('2027-03-04T08:00:00Z');
  const miss = 'the runner quota: every tick from 00:00 Europe/Berlin to 08:45 Europe/Berlin has all 5 runner slots taken';

  it('excuses a developer late by the quota only when the planner predicted the miss as the date began', () => {
    const late = { developer: 'dev-0001', readyBy, readyAt: readyBy + 40 * 60_000 };
    const predicted = lateReason({ excused: false, predictedMiss: miss });
    expect(predicted).toBe(`predicted at plan time: ${miss}`);
    expect(readiness('2027-03-04', [{ ...late, reason: predicted }])).toEqual([]);
    // Never ready at all (no slot in time to be of use), predicted: excused too.
    expect(readiness('2027-03-04', [{ developer: 'dev-0002', readyBy, reason: predicted }])).toEqual([]);
    // Late without a prediction is the planner's miss: broken.
    expect(readiness('2027-03-04', [{ ...late, reason: lateReason({ excused: false }) }])).toEqual([
      expect.objectContaining({ invariant: 'ready-by', developer: 'dev-0001', detail: 'ready 40 min late, unexplained' }),
    ]);
  });

  it('excuses a developer late by no more than their jobs waited for a runner slot, naming what held the slots', () => {
    const min = 60_000;
    const tick = Date.parse('2027-03-04T07:30:00Z');
    const jobs = [
      // A manual down the plan did not hold, asked for 7 min before the tick, holds a slot past it.
      { runId: 'dev-0089-down-20270304-manual-0823', requestedAt: tick - 7 * min, launchedAt: tick - 7 * min, endsAt: tick + 3 * min },
      // An up planned on the same tick: it asked at the same instant, so it is the plan's, not in the way.
      { runId: 'dev-0006-up-20270304', requestedAt: tick, launchedAt: tick, endsAt: tick + 12 * min },
      // The late developer's apply waited 3 min, its retried deploy 2 more.
      { runId: 'dev-0090-up-20270304', requestedAt: tick, launchedAt: tick + 3 * min, endsAt: tick + 15 * min },
      { runId: 'dev-0090-up-20270304-retry2', requestedAt: tick + 15 * min, launchedAt: tick + 17 * min, endsAt: tick + 18 * min },
    ];
    const wait = queueWaits(jobs).get('dev-0090-up-20270304')!;
    expect(wait).toEqual({ waitedMs: 5 * min, firstAskedAt: tick });
    expect(queueWaits(jobs).has('dev-0006-up-20270304')).toBe(false);
    const behind = slotHolders(jobs, 'dev-0090-up-20270304', wait.firstAskedAt);
    expect(behind).toEqual(['dev-0089-down-20270304-manual-0823']);

    const queued = { waitedMs: wait.waitedMs, behind };
    expect(lateReason({ excused: false, lateMs: 5 * min, queued })).toBe(
      'the runner quota: its jobs waited 5 min for a slot behind dev-0089-down-20270304-manual-0823',
    );
    // Later than its wait explains: the queue is not the reason, and the miss is the planner's.
    expect(lateReason({ excused: false, lateMs: 6 * min, queued })).toBeUndefined();
    // Never ready: no wait explains it.
    expect(lateReason({ excused: false, queued })).toBeUndefined();
  });

  it('names a fault, a manual action or a failed run before a prediction', () => {
    expect(lateReason({ excused: true, predictedMiss: miss })).toBe('fault or manual action');
    expect(lateReason({ excused: false, up: { status: 'FAILED', error: 'Turbo.JobFailed', redrives: 0 } })).toBe('failed: Turbo.JobFailed');
    expect(lateReason({ excused: false, up: { status: 'SUCCEEDED', redrives: 2 }, predictedMiss: miss })).toBe('failed, then redriven 2×');
  });
});
