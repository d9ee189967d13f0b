// @middy/core and @middy/util export only an `import` condition: load their files by path (see imageSync.test.ts).
jest.mock('@middy/core', () => jest.requireActual('../../../node_modules/@middy/core/index.js'), { virtual: true });
jest.mock('@middy/util', () => jest.requireActual('../../../node_modules/@middy/util/index.js'), { virtual: true });

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { MemoryCloud } from '../../../functions/adapters/memory/cloud';
import { OPS_RECORD } from '../../../functions/core/types';
import { loadConfigText } from '../../../functions/core/configFile';
import { MAX_FAILURE_KEYS, tallyOutcomes } from '../../../functions/core/opsReport';
import { handler as reportFailure } from '../../../functions/handlers/reportFailure';
import { handler as reportImageSync } from '../../../functions/handlers/reportImageSync';
import { bindTestDeps } from '../../support/deps';

const config = loadConfigText(readFileSync(join(__dirname, '../../../turbo.config.example.yml'), 'utf8'));
const context = { functionName: 'reportImageSync', awsRequestId: 'req-1' } as Context;
const executionArn = (n: number) => `arn:aws:states:eu-west-1:123456789012:execution:turbo-dev-imageSync:run-${n}`;
const noRelease = (tags: number) => ({
  Error: 'Turbo.NoRelease',
  Cause: JSON.stringify({ errorMessage: `acme/turbo-notes has no released SemVer tag among its ${tags} tags` }),
});
type Outcome = { developer: string; outcome: 'rolled' | 'current' | 'skipped' | 'failed'; reason?: string };
const summary = (n: number, outcomes: Outcome[]) =>
  reportImageSync(
    {
      kind: 'summary',
      images: { frontend: { tag: '1.3.0' } },
      tallies: [tallyOutcomes(outcomes)],
      executionArn: executionArn(n),
      executionName: `run-${n}`,
    },
    context,
  );

describe('image-sync reports to the ops channel', () => {
  let cloud: MemoryCloud;
  const ops = () => cloud.outbox.filter((message) => message.to.channel === config.slack.opsChannel);
  beforeEach(() => {
    cloud = new MemoryCloud(config.region);
    bindTestDeps(config, { store: cloud.store, notifier: cloud.notifier });
  });

  it('tells NoRelease once, not on every 10-minute run before the first release', async () => {
    const answers = [];
    for (let run = 0; run < 6; run += 1)
      answers.push(await reportFailure({ error: noRelease(run), executionArn: executionArn(run), workflow: 'image-sync' }, context));
    expect(ops()).toHaveLength(1);
    expect(ops()[0]!.kind).toBe('image-sync-failure');
    expect(JSON.stringify(ops()[0]!.blocks)).toContain('no released SemVer tag');
    expect(answers.map((answer) => answer.reported)).toEqual([true, false, false, false, false, false]);
  });

  it('posts nothing for a run that changed nothing, and says why', async () => {
    const answer = await summary(1, [
      { developer: 'alice', outcome: 'current' },
      { developer: 'bob', outcome: 'current' },
    ]);
    expect(answer).toEqual({
      reported: false,
      why: 'nothing changed: 2 environment(s) already run frontend 1.3.0, 0 skipped',
      broken: false,
    });
    expect(ops()).toEqual([]);
  });

  it('posts a run’s summary once, however often its SummarizeForOps runs (a retry after the post, a redrive)', async () => {
    const outcomes: Outcome[] = [
      { developer: 'alice', outcome: 'rolled' },
      { developer: 'carol', outcome: 'failed', reason: 'rollout of frontend stuck after 901 s' },
    ];
    const first = (await summary(1, outcomes)) as { reported: boolean };
    const again = (await summary(1, outcomes)) as { reported: boolean };
    expect([first.reported, again.reported]).toEqual([true, false]);
    expect(ops()).toHaveLength(1);
    // Another run of the same push and the same result is news of its own.
    await summary(2, [{ developer: 'bob', outcome: 'rolled' }]);
    expect(ops()).toHaveLength(2);
  });

  it('posts every roll, and the same rollout failure once until a run without failures', async () => {
    const stuck: Outcome = { developer: 'carol', outcome: 'failed', reason: 'rollout of frontend stuck after 901 s' };
    await summary(1, [{ developer: 'alice', outcome: 'rolled' }, stuck]);
    await summary(2, [
      { developer: 'alice', outcome: 'current' },
      { ...stuck, reason: 'rollout of frontend stuck after 1501 s' },
    ]);
    await summary(3, [{ developer: 'alice', outcome: 'current' }, stuck]);
    expect(ops()).toHaveLength(1);
    // carol recovers, then fails again: that is news.
    await summary(4, [
      { developer: 'alice', outcome: 'current' },
      { developer: 'carol', outcome: 'current' },
    ]);
    await summary(5, [{ developer: 'alice', outcome: 'current' }, stuck]);
    expect(ops()).toHaveLength(2);
    // A reconcile failure is told apart from image-sync's: its own keys.
    await reportFailure({ error: noRelease(0), executionArn: executionArn(6) }, context);
    expect(ops()).toHaveLength(3);
  });

  it('tells the same reconcile failure once a day, a new one at once, and forgets the days before', async () => {
    const tick = (at: string, error = noRelease(0)) => {
      jest.setSystemTime(new Date(at));
      return reportFailure({ error, executionArn: executionArn(Date.parse(at)) }, context);
    };
    jest.useFakeTimers({
      doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'clearTimeout', 'queueMicrotask', 'hrtime', 'performance'],
    });
    try {
      // Every 15 minutes for two days, the same failure (its numbers differ: blurred), and one other on the first day.
      const answers = [];
      for (let minutes = 0; minutes < 2 * 24 * 60; minutes += 15) {
        answers.push(await tick(new Date(Date.parse('2026-11-24T00:00:00Z') + minutes * 60_000).toISOString(), noRelease(minutes)));
      }
      await tick('2026-11-24T12:00:00Z', { Error: 'Turbo.TransientError', Cause: 'the plan bucket answered 503' });
      expect(answers.filter((answer) => answer.reported)).toHaveLength(2);
      expect(ops().map((message) => message.kind)).toEqual(['reconcile-failure', 'reconcile-failure', 'reconcile-failure']);
      // On the 26th only the 26th's keys are kept.
      await tick('2026-11-26T00:05:00Z');
      const keys = (await cloud.store.get(OPS_RECORD))?.notified ?? [];
      expect(keys).toEqual([expect.stringMatching(/^reconcile-failure:20261126:/)]);
      expect(ops()).toHaveLength(4);
    } finally {
      jest.useRealTimers();
    }
  });

  it(`remembers at most ${MAX_FAILURE_KEYS} distinct failures, and never lists the ops record as a developer`, async () => {
    for (let run = 0; run < 3 * MAX_FAILURE_KEYS; run += 1) {
      await reportFailure(
        {
          error: { Error: 'Turbo.TransientError', Cause: `Docker Hub answered 503 (${'x'.repeat(run)})` },
          executionArn: executionArn(run),
          workflow: 'image-sync',
        },
        context,
      );
      expect((await cloud.store.get(OPS_RECORD))?.notified?.length ?? 0).toBeLessThanOrEqual(MAX_FAILURE_KEYS);
    }
    expect(ops()).toHaveLength(3 * MAX_FAILURE_KEYS);
    expect((await cloud.store.list()).map((record) => record.developer)).not.toContain(OPS_RECORD);
  });
});
