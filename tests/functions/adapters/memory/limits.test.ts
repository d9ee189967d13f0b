/**
 * The documented limits the in-memory cloud and the local Step Functions enforce: each trips where the service's
 * does, with the service's error. Item sizes are checked against dynalite's own sizing, and the 400 KB limit
 * against dynalite refusing the same item.
 */
import { marshall } from '@aws-sdk/util-dynamodb';
import {
  assertExecutionName,
  assertItemFits,
  assertPayloadFits,
  ChannelRate,
  DOCKER_HUB_PULLS_PER_HOUR,
  DYNAMODB_ITEM_LIMIT_BYTES,
  dynamoItemSize,
  historyEventsOf,
  HourlyWindow,
  JobSlots,
  scanPages,
  SFN_PAYLOAD_LIMIT_BYTES,
  startExecutionBucket,
  TokenBucket,
} from '../../../../functions/adapters/memory/limits';
import { translateAwsError } from '../../../../functions/adapters/retry';
import { dockerHubMeter, MemoryKube, MemoryRegistry } from '../../../../functions/adapters/memory/images';
import { APP_WORKLOADS } from '../../../../functions/core/images';
import { useDynaliteStore } from '../../../support/dynalite';

// dynalite's sizing, the one it refuses items with (no types are shipped).
const dynaliteDb = require('dynalite/db') as { itemSize(item: unknown): number };

const audit = (i: number) => ({
  at: `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00.000Z`,
  by: 'image-sync',
  action: `desired images frontend:1.${i}.0 mongo:8.0.3`,
});
const record = (entries: number) => ({
  developer: 'alice',
  clusterName: 'turbo-alice',
  status: 'ready',
  updatedAt: '2026-11-24T08:00:00.000Z',
  lifetimes: [{ startedAt: '2026-11-24T07:35:00.000Z', destroyedAt: '2026-11-24T18:10:00.000Z' }],
  jobAttempts: 3,
  retried: true,
  nothing: null,
  audit: Array.from({ length: entries }, (_, i) => audit(i)),
  notified: Array.from({ length: entries }, (_, i) => `image-sync:${i}`),
});

describe('DynamoDB item size', () => {
  it('sizes names plus values as DynamoDB documents it, as dynalite sizes them', () => {
    expect(dynamoItemSize({ a: 'xyz' })).toBe(4);
    expect(dynamoItemSize({ n: 12345 })).toBe(1 + 3 + 1);
    expect(dynamoItemSize({ b: true, z: null })).toBe(4);
    expect(dynamoItemSize({ l: [] })).toBe(4);
    expect(dynamoItemSize({ m: { k: 'v' } })).toBe(1 + 3 + 1 + 1 + 1);
    expect(dynamoItemSize({ s: 'é' })).toBe(3);
    for (const entries of [0, 1, 50, 700]) {
      const item = record(entries);
      expect([entries, dynamoItemSize(item)]).toEqual([entries, dynaliteDb.itemSize(marshall(item))]);
    }
  });

  it('refuses an item over 400 KB with ValidationException, as the adapter reports it', () => {
    let entries = 0;
    while (dynamoItemSize(record(entries + 100)) <= DYNAMODB_ITEM_LIMIT_BYTES) entries += 100;
    expect(assertItemFits(record(entries))).toBeLessThanOrEqual(DYNAMODB_ITEM_LIMIT_BYTES);
    const refused = (() => {
      try {
        assertItemFits(record(entries + 100));
      } catch (error) {
        return error as Error;
      }
    })();
    expect(refused).toMatchObject({ name: 'ValidationException', message: 'Item size has exceeded the maximum allowed size' });
    expect(translateAwsError(refused, 'DynamoDB UpdateItem').message).toBe(
      'DynamoDB UpdateItem failed (ValidationException, HTTP 400: Item size has exceeded the maximum allowed size)',
    );
  });

  describe('against dynalite', () => {
    const local = useDynaliteStore('2026-11-24T08:00:00.000Z');
    it('refuses the same item dynalite refuses and accepts the one it accepts', async () => {
      const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
      const client = local.dynamo.documentClient();
      const tableName = (local.store as unknown as { tableName: string }).tableName;
      let entries = 0;
      while (dynamoItemSize(record(entries + 100)) <= DYNAMODB_ITEM_LIMIT_BYTES) entries += 100;
      await expect(client.send(new PutCommand({ TableName: tableName, Item: record(entries) }))).resolves.toBeDefined();
      await expect(client.send(new PutCommand({ TableName: tableName, Item: record(entries + 100) }))).rejects.toMatchObject({
        name: 'ValidationException',
        message: 'Item size has exceeded the maximum allowed size',
      });
    });
  });

  it('pages a Scan at 1 MB with a LastEvaluatedKey on every page but the last', () => {
    const items = Array.from({ length: 30 }, (_, i) => ({ ...record(600), developer: `dev-${i}` }));
    const size = dynamoItemSize(items[0]!);
    const pages = scanPages(items, 'developer');
    const perPage = Math.floor((1024 * 1024) / size);
    expect(pages.map((page) => page.items.length)).toEqual(
      [...Array(Math.floor(30 / perPage)).fill(perPage), 30 % perPage].filter((n) => n > 0),
    );
    expect(pages.slice(0, -1).every((page, i) => page.lastEvaluatedKey === page.items.at(-1)!.developer && i >= 0)).toBe(true);
    expect(pages.at(-1)!.lastEvaluatedKey).toBeUndefined();
  });
});

describe('Step Functions limits', () => {
  it('fails a state whose input or output passes 256 KB with States.DataLimitExceeded', () => {
    const under = { cause: 'x'.repeat(SFN_PAYLOAD_LIMIT_BYTES - 20) };
    expect(assertPayloadFits('RollOutEverywhere', 'output', under)).toBeLessThanOrEqual(SFN_PAYLOAD_LIMIT_BYTES);
    expect(() => assertPayloadFits('RollOutEverywhere', 'output', { cause: 'x'.repeat(SFN_PAYLOAD_LIMIT_BYTES) })).toThrow(
      expect.objectContaining({ name: 'States.DataLimitExceeded', message: expect.stringContaining("'RollOutEverywhere'") }),
    );
  });

  it('counts history events per the service: a Task entry and exit are five, a retry three more', () => {
    const task = { type: 'Task' };
    const events = [
      { type: 'ExecutionStarted' },
      { type: 'StateEntered', state: task },
      { type: 'StateRetried', state: task },
      { type: 'StateExited', state: task },
      { type: 'StateEntered', state: { type: 'Choice' } },
      { type: 'StateExited', state: { type: 'Choice' } },
      { type: 'ExecutionSucceeded' },
    ];
    expect(events.map(historyEventsOf)).toEqual([1, 3, 3, 2, 1, 1, 1]);
  });

  it('refuses execution names over 80 characters or with forbidden characters, with InvalidName', () => {
    expect(() => assertExecutionName('alice-up-20261124')).not.toThrow();
    expect(() => assertExecutionName('a'.repeat(80))).not.toThrow();
    for (const name of ['a'.repeat(81), '', 'alice up', 'alice:up', 'a/b', 'a*b', 'a\u0007b']) {
      expect(() => assertExecutionName(name)).toThrow(expect.objectContaining({ name: 'InvalidName' }));
    }
  });

  it('throttles StartExecution by its token bucket: 1,300 at once in eu-west-1, then 300 a second', () => {
    const bucket = startExecutionBucket('eu-west-1', 0);
    const burst = Array.from({ length: 1400 }, () => bucket.take(0)).filter(Boolean).length;
    expect(burst).toBe(1300);
    const nextSecond = Array.from({ length: 400 }, () => bucket.take(1000)).filter(Boolean).length;
    expect(nextSecond).toBe(300);
    const elsewhere = startExecutionBucket('ap-south-1', 0);
    expect(Array.from({ length: 900 }, () => elsewhere.take(0)).filter(Boolean).length).toBe(800);
    expect(new TokenBucket(1, 1, 0).take(0)).toBe(true);
  });
});

describe('runner, Slack and Docker Hub limits', () => {
  it('runs jobs up to the concurrent-build quota and queues the rest in order, refusing past five times the quota', () => {
    const slots = new JobSlots(2);
    expect(['a', 'b', 'c', 'd'].map((id) => slots.admit(id))).toEqual(['running', 'running', 'queued', 'queued']);
    expect(slots.release('a')).toBe('c');
    expect(slots.inUse).toBe(2);
    for (const id of ['e', 'f', 'g', 'h', 'i', 'j', 'k']) slots.admit(id);
    expect(slots.peakQueued).toBe(8);
    const full = new JobSlots(1);
    full.admit('run');
    for (let i = 0; i < 5; i++) full.admit(`q${i}`);
    expect(() => full.admit('one-too-many')).toThrow(expect.objectContaining({ name: 'AccountLimitExceededException' }));
  });

  it('lets one message a second into a Slack channel and answers the rest with a Retry-After', () => {
    const rate = new ChannelRate();
    expect(rate.retryAfter('C0OPS00001', 0)).toBe(0);
    expect(rate.retryAfter('C0OPS00001', 200)).toBe(1);
    expect(rate.retryAfter('D0ALICE001', 200)).toBe(0);
    expect(rate.retryAfter('C0OPS00001', 1000)).toBe(0);
  });

  it('allows Docker Hub 100 pulls an hour (authenticated), then 429 until the window moves on', () => {
    const pulls = new HourlyWindow(100);
    expect(Array.from({ length: 101 }, (_, i) => pulls.take(i * 1000)).filter(Boolean).length).toBe(100);
    expect(pulls.take(3_599_999)).toBe(false);
    expect(pulls.take(3_600_000)).toBe(true);
  });

  it('charges the in-memory Docker Hub for pulls and tag pages, never for a HEAD, and refuses past the limits', async () => {
    const registry = new MemoryRegistry();
    registry.meter = dockerHubMeter();
    registry.push('acme/app', '1.0.0');
    for (let i = 0; i < 50; i++) await expect(registry.digest('acme/app', '1.0.0')).resolves.toMatch(/^sha256:/);
    expect(Array.from({ length: 11 }, () => registry.pull('acme/app:1.0.0'))).toEqual([...Array(10).fill(true), false]);
    expect([registry.meter.pulls.peak, registry.meter.pulls.refused, registry.meter.api.peak]).toEqual([10, 1, 0]);
    for (let i = 1; i < 250; i++) registry.push('acme/app', `1.0.${i}`);
    await registry.listTags('acme/app');
    expect(registry.meter.api.peak).toBe(3); // 250 tags: three pages of 100
    for (let i = 0; i < 332; i++) await registry.listTags('acme/app');
    await expect(registry.listTags('acme/app')).rejects.toThrow(/429 Too Many Requests/);
  });

  it('through the ECR pull-through cache, asks Docker Hub once per image, under the authenticated limit, and never from the NAT', () => {
    const registry = new MemoryRegistry();
    registry.meter = dockerHubMeter();
    const cache = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub';
    registry.pullThroughCache = {
      prefix: cache,
      upstreamPulls: new HourlyWindow(DOCKER_HUB_PULLS_PER_HOUR.authenticated),
      cached: new Set(),
    };
    // 1,000 clusters pulling one release: one upstream pull.
    expect(Array.from({ length: 1000 }, () => registry.pull(`${cache}/acme/app:1.0.0@sha256:a`)).every(Boolean)).toBe(true);
    expect([registry.pullThroughCache.upstreamPulls.peak, registry.meter.pulls.peak]).toEqual([1, 0]);
    // Past the authenticated limit in one hour, an image the cache lacks is refused (and not cached).
    const images = Array.from({ length: 100 }, (_, i) => `${cache}/acme/app:2.0.${i}@sha256:b`);
    expect(images.map((image) => registry.pull(image)).filter(Boolean)).toHaveLength(99);
    expect([registry.pull(images[99]!), registry.pull(images[0]!), registry.pullThroughCache.upstreamPulls.refused]).toEqual([
      false,
      true,
      2,
    ]);
    // A pull that names no cache still goes to Docker Hub anonymously.
    expect(registry.pull('acme/app:1.0.0')).toBe(true);
    expect(registry.meter.pulls.peak).toBe(1);
  });

  it('leaves a rollout whose pull Docker Hub refused in ImagePullBackOff, until its progress deadline', async () => {
    jest.useFakeTimers({ now: 0 });
    try {
      const kube = new MemoryKube(() => false);
      kube.deploy('turbo-alice', [{ ref: APP_WORKLOADS.frontend, image: 'acme/app:1.0.0@sha256:a', replicas: 1 }]);
      const cluster = kube.kubeFor({ name: 'turbo-alice' } as never);
      await cluster.setImage(APP_WORKLOADS.frontend, 'acme/app:1.0.1@sha256:b');
      jest.setSystemTime(11 * 60_000);
      const state = await cluster.getWorkload(APP_WORKLOADS.frontend);
      expect(state?.conditions).toEqual([expect.objectContaining({ reason: 'ProgressDeadlineExceeded' })]);
    } finally {
      jest.useRealTimers();
    }
  });
});
