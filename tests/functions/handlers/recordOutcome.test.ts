/** RecordOutcome's hibernation bookkeeping: the spans at zero nodes the weekly cost report reads, and the idle days. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { handler, MAX_NODES_OFF } from '../../../functions/handlers/recordOutcome';
import { bindTestDeps } from '../../support/deps';
import { MemoryCloud } from '../../../functions/adapters/memory/cloud';
import { loadConfigText } from '../../../functions/core/configFile';
import type { EnvironmentRecord } from '../../../functions/core/types';

const config = loadConfigText(readFileSync(join(__dirname, '../../../turbo.config.example.yml'), 'utf8'));
const context = { functionName: 'recordOutcome', awsRequestId: 'test' } as never;
const ready = (runId: string) => ({
  outcome: 'ready' as const,
  developer: 'alice',
  runId,
  endpoint: 'https://x',
  outputs: { APP_URL: 'http://app.example' },
});

describe('RecordOutcome and hibernation', () => {
  let cloud: MemoryCloud;
  const record = () => cloud.records.get('alice')!;
  const own = (runId: string, fields: Partial<EnvironmentRecord> = {}) => cloud.records.set('alice', { ...record(), runId, ...fields });
  beforeEach(() => {
    jest.useFakeTimers({ now: Date.parse('2026-11-25T07:52:00.000Z'), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    cloud = new MemoryCloud(config.region);
    bindTestDeps(config, { store: cloud.store });
    cloud.records.set('alice', {
      developer: 'alice',
      clusterName: 'turbo-alice',
      status: 'hibernated',
      runId: 'alice-up-20261125',
      updatedAt: '2026-11-24T18:03:00.000Z',
      clusterSince: '2026-11-24T07:35:00.000Z',
      hibernatedAt: '2026-11-24T18:03:00.000Z',
    });
  });
  afterEach(() => jest.useRealTimers());

  it('keeps the night at zero nodes when the wake is ready, once, however often MarkReady is replayed', async () => {
    await handler(ready('alice-up-20261125'), context);
    expect(record().nodesOff).toEqual([{ from: '2026-11-24T18:03:00.000Z', to: '2026-11-25T07:52:00.000Z' }]);
    expect(record().hibernatedAt).toBeUndefined();

    jest.setSystemTime(Date.parse('2026-11-25T07:58:00.000Z'));
    await handler(ready('alice-up-20261125'), context);
    expect(record().nodesOff).toEqual([{ from: '2026-11-24T18:03:00.000Z', to: '2026-11-25T07:52:00.000Z' }]);
  });

  it('keeps the last span when a hibernated cluster is destroyed (idle days, or the mode changed), with its lifetime', async () => {
    own('alice-down-20261128');
    await handler({ outcome: 'destroyed', developer: 'alice', runId: 'alice-down-20261128' }, context);
    expect(record().nodesOff).toEqual([{ from: '2026-11-24T18:03:00.000Z', to: '2026-11-25T07:52:00.000Z' }]);
    expect(record().lifetimes).toEqual([{ startedAt: '2026-11-24T07:35:00.000Z', destroyedAt: '2026-11-25T07:52:00.000Z' }]);
  });

  it(`keeps at most ${MAX_NODES_OFF} spans, the newest`, async () => {
    const evening = (night: number) => new Date(Date.parse('2026-11-24T18:00:00.000Z') + night * 86_400_000).toISOString();
    for (let night = 0; night < MAX_NODES_OFF + 3; night++) {
      own(`alice-up-n${night}`, { hibernatedAt: evening(night) });
      await handler(ready(`alice-up-n${night}`), context);
    }
    expect(record().nodesOff).toHaveLength(MAX_NODES_OFF);
    expect(record().nodesOff!.map((span) => span.from)).toEqual(Array.from({ length: MAX_NODES_OFF }, (_, i) => evening(i + 3)));
  });

  it('does not restart the idle days when a failed wake is followed by the evening hibernation', async () => {
    own('alice-up-20261125', { status: 'failed', lastError: 'wake job failed' });
    own('alice-down-20261125');
    await handler({ outcome: 'hibernated', developer: 'alice', runId: 'alice-down-20261125' }, context);
    expect([record().status, record().hibernatedAt]).toEqual(['hibernated', '2026-11-24T18:03:00.000Z']);
  });
});
