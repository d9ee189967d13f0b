// @middy/core and @middy/util export only an `import` condition: load their files by path (see imageSync.test.ts).
jest.mock('@middy/core', () => jest.requireActual('../../../node_modules/@middy/core/index.js'), { virtual: true });
jest.mock('@middy/util', () => jest.requireActual('../../../node_modules/@middy/util/index.js'), { virtual: true });

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { DateTime } from 'luxon';
import { MemoryCloud } from '../../../functions/adapters/memory/cloud';
import { loadConfigText } from '../../../functions/core/configFile';
import { NOTIFIED_KEY_DAYS, notifiedKeyDay, replyKey } from '../../../functions/core/notified';
import { handler as notify } from '../../../functions/handlers/notify';
import { bindTestDeps } from '../../support/deps';

const config = loadConfigText(readFileSync(join(__dirname, '../../../turbo.config.example.yml'), 'utf8'));
const context = { functionName: 'notify', awsRequestId: 'req-1' } as Context;
const FIRST_DAY = DateTime.fromISO('2027-03-01T08:00:00Z', { zone: 'utc' });

describe('Notify keeps the keys of sent messages bounded', () => {
  let cloud: MemoryCloud;
  beforeEach(() => {
    cloud = new MemoryCloud(config.region);
    bindTestDeps(config, { store: cloud.store, notifier: cloud.notifier });
    // Only the clock is faked: the handler's promises and timers run as usual.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'setInterval', 'queueMicrotask'] });
  });
  afterEach(() => jest.useRealTimers());

  const readyOn = (day: DateTime) => {
    const runId = `alice-up-${day.toFormat('yyyyMMdd')}`;
    return notify(
      { kind: 'ready', developer: 'alice', runId, action: 'up', executionArn: `arn:aws:states:::execution:env:${runId}` },
      context,
    );
  };

  it('holds two weeks of keys over 60 days, and a replay inside the window still sends nothing twice', async () => {
    await cloud.store.amend('alice', {
      clusterName: 'turbo-alice',
      addSkipDate: '2027-02-26',
      audit: { at: FIRST_DAY.toISO()!, by: 'alice', action: 'skip 2027-02-26' },
    });
    const sizes: number[] = [];
    for (let day = 0; day < 60; day += 1) {
      const at = FIRST_DAY.plus({ days: day });
      jest.setSystemTime(at.toJSDate());
      await readyOn(at);
      await cloud.store.markNotified('alice', replyKey(at.toISO()!, `request-${day}`));
      sizes.push((await cloud.store.get('alice'))?.notified?.length ?? 0);
    }

    // Each day adds a ready key and a reply key; from day 16 on, the oldest day's two are dropped first.
    const bound = 2 * (NOTIFIED_KEY_DAYS + 1);
    expect(Math.max(...sizes)).toBe(bound);
    expect(sizes.slice(NOTIFIED_KEY_DAYS)).toEqual(Array(60 - NOTIFIED_KEY_DAYS).fill(bound));
    const days = (await cloud.store.get('alice'))?.notified?.map(notifiedKeyDay) ?? [];
    expect(days.sort()[0]).toBe(FIRST_DAY.plus({ days: 59 - NOTIFIED_KEY_DAYS }).toFormat('yyyyMMdd'));

    const sent = cloud.outbox.length;
    await expect(readyOn(FIRST_DAY.plus({ days: 59 - 14 }))).resolves.toEqual({ developer: 'already-sent' });
    expect(cloud.outbox).toHaveLength(sent);
  });
});
