import { handler } from '../../../functions/handlers/weeklyReport';
import { bindTestDeps } from '../../support/deps';
import { MemoryCloud } from '../../../functions/adapters/memory/cloud';
import { loadConfigText } from '../../../functions/core/configFile';
import { WEEK_ARITHMETIC } from '../../../functions/core/messages';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const config = loadConfigText(readFileSync(join(__dirname, '../../../turbo.config.example.yml'), 'utf8'));
const context = { functionName: 'weeklyReport', awsRequestId: 'test' } as never;

describe('WeeklyCostReport', () => {
  it("adds up each developer's recorded cluster lives over the past week and tells the ops channel", async () => {
    const cloud = new MemoryCloud(config.region);
    bindTestDeps(config, { store: cloud.store, notifier: cloud.notifier });
    cloud.records.set('alice', {
      developer: 'alice',
      clusterName: 'turbo-alice',
      status: 'destroyed',
      updatedAt: '2026-11-27T18:10:00.000Z',
      lifetimes: [
        { startedAt: '2026-11-20T07:35:00.000Z', destroyedAt: '2026-11-20T18:10:00.000Z' }, // before the week: not counted
        { startedAt: '2026-11-26T07:35:00.000Z', destroyedAt: '2026-11-26T18:05:00.000Z' }, // 10.5 h
        { startedAt: '2026-11-27T07:35:00.000Z', destroyedAt: '2026-11-27T18:05:00.000Z' }, // 10.5 h
      ],
    });
    // bob's cluster is up now: it counts until the end of the window.
    cloud.records.set('bob', {
      developer: 'bob',
      clusterName: 'turbo-bob',
      status: 'ready',
      updatedAt: '2026-11-30T06:00:00.000Z',
      clusterSince: '2026-11-30T05:00:00.000Z',
    });

    // carol's cluster is hibernated since Friday evening, after a week of nights at zero nodes: those hours cost no nodes.
    cloud.records.set('carol', {
      developer: 'carol',
      clusterName: 'turbo-carol',
      status: 'hibernated',
      updatedAt: '2026-11-27T18:03:00.000Z',
      clusterSince: '2026-11-16T07:35:00.000Z',
      nodesOff: [{ from: '2026-11-26T18:03:00.000Z', to: '2026-11-27T07:56:00.000Z' }], // 13.9 h
      hibernatedAt: '2026-11-27T18:03:00.000Z', // 60.95 h to the window's end
    });

    const result = await handler({ time: '2026-11-30T07:00:00Z', source: 'aws.events', 'detail-type': 'Scheduled Event' }, context);

    expect(result.developers).toBe(4);
    const [message] = cloud.outbox;
    expect(message!.to).toEqual({ channel: config.slack.opsChannel });
    expect(message!.text).toMatch(
      /^Turbo's week 2026-11-23 to 2026-11-30: [\d.]+ USD for 4 developers, [\d.]+ USD saved against always-on clusters$/,
    );
    const body = JSON.stringify(message!.blocks);
    expect(body).toContain('alice: 21 h');
    expect(body).toContain('bob: 2 h');
    expect(body).toContain('carol: 168 h (74.8 h of them hibernated)');
    expect(body).toContain('dave: 0 h,');
    // It explains how the lines add up, and how they relate to turbo cost's per-day figures.
    expect(body).toContain(JSON.stringify(WEEK_ARITHMETIC).slice(1, -1));
    expect(WEEK_ARITHMETIC).toContain('+ an equal share of the NAT gateway and its address for all 168 h');
    expect(WEEK_ARITHMETIC).toContain("its week is the working days' cluster hours + 7 days of NAT share");
  });
});
