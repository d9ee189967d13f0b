import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { WorkloadState } from '../../../functions/core/types';
import { validateConfig } from '../../../functions/core/config';
import {
  budgetKeys,
  budgetState,
  APP_WORKLOADS,
  compareSemver,
  decideRollout,
  describeImage,
  environmentsToRoll,
  isFullSweep,
  imageReference,
  imagesToSync,
  newestSemverTag,
  parseSemver,
  MAX_STOPPED_RELEASES,
  releaseDigest,
  rolloutPollSeconds,
  rolloutVerdict,
  stoppedReleaseKey,
  stoppedReleases,
  stoppedReleasesToForget,
} from '../../../functions/core/images';

const digest = `sha256:${'b'.repeat(64)}`;
const desired = { repository: 'acme/turbo-notes', tag: '1.3.0', digest };
const settled = (overrides: Partial<WorkloadState> = {}): WorkloadState => ({
  ref: APP_WORKLOADS.frontend,
  image: 'acme/turbo-notes:1.2.0',
  generation: 4,
  observedGeneration: 4,
  desiredReplicas: 2,
  replicas: 2,
  updatedReplicas: 2,
  readyReplicas: 2,
  availableReplicas: 2,
  conditions: [],
  ...overrides,
});

describe('SemVer', () => {
  it('parses plain SemVer only', () => {
    expect(parseSemver('1.2.3')).toEqual({ major: 1, minor: 2, patch: 3, prerelease: [] });
    expect(parseSemver('2.0.0-rc.1')).toEqual({ major: 2, minor: 0, patch: 0, prerelease: ['rc', 1] });
    for (const tag of ['v1.2.3', 'latest', 'sha-1a2b3c4', '1.2', '01.2.3', '1.2.3+build']) expect(parseSemver(tag)).toBeUndefined();
  });

  it('orders by SemVer 2.0.0 precedence', () => {
    const ordered = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.0.1',
      '1.10.0',
      '2.0.0',
    ];
    const shuffled = [...ordered].reverse();
    expect(shuffled.sort((a, b) => compareSemver(parseSemver(a)!, parseSemver(b)!))).toEqual(ordered);
  });

  it('picks the newest release, ignoring sha-* and other tags, and pre-releases unless asked', () => {
    const tags = ['1.2.0', '1.10.0', '1.9.9', 'sha-ffffff0', 'latest', '2.0.0-rc.1', 'v9.9.9'];
    expect(newestSemverTag(tags, { includePrerelease: false })).toBe('1.10.0');
    expect(newestSemverTag(tags, { includePrerelease: true })).toBe('2.0.0-rc.1');
    expect(newestSemverTag(['sha-1234567', 'latest'], { includePrerelease: true })).toBeUndefined();
  });
});

describe('image references', () => {
  it('pins the tag to its digest, and refuses a digest that is not sha256', () => {
    expect(imageReference(desired)).toBe(`acme/turbo-notes:1.3.0@${digest}`);
    expect(() => imageReference({ ...desired, digest: 'md5:abc' })).toThrow(
      'image digest must be sha256:<64 hex> (got "md5:abc" for acme/turbo-notes:1.3.0)',
    );
  });

  it('reads the tag and digest back, with or without a host with a port', () => {
    expect(describeImage(`acme/turbo-notes:1.3.0@${digest}`)).toEqual({ tag: '1.3.0', digest });
    expect(describeImage('127.0.0.1:5000/acme/turbo-notes:1.2.0')).toEqual({ tag: '1.2.0' });
    expect(describeImage('acme/turbo-notes')).toEqual({});
    expect(describeImage(undefined)).toEqual({});
  });
});

describe('decideRollout', () => {
  it('patches a workload on another image, and leaves one on the exact reference alone', () => {
    expect(decideRollout('frontend', desired, settled())).toEqual({
      image: 'frontend',
      action: 'patch',
      from: 'acme/turbo-notes:1.2.0',
      to: imageReference(desired),
    });
    expect(decideRollout('frontend', desired, settled({ image: imageReference(desired) }))).toEqual({
      image: 'frontend',
      action: 'current',
      to: imageReference(desired),
    });
    // The same tag re-pushed: the digest differs, so it rolls.
    expect(decideRollout('frontend', desired, settled({ image: `acme/turbo-notes:1.3.0@sha256:${'c'.repeat(64)}` })).action).toBe('patch');
  });

  it('through a pull-through cache, rolls to the same image under its prefix: a cluster on the Docker Hub reference rolls once', () => {
    const cache = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub';
    const cached = `${cache}/${imageReference(desired)}`;
    expect(decideRollout('frontend', desired, settled({ image: imageReference(desired) }), cache)).toEqual({
      image: 'frontend',
      action: 'patch',
      from: imageReference(desired),
      to: cached,
    });
    expect(decideRollout('frontend', desired, settled({ image: cached }), cache).action).toBe('current');
    expect(describeImage(cached)).toEqual({ tag: desired.tag, digest: desired.digest });
  });

  it('names a missing workload or container', () => {
    expect(decideRollout('frontend', desired, undefined)).toMatchObject({
      action: 'missing',
      reason: 'Deployment turbo-app/frontend does not exist',
    });
    expect(decideRollout('frontend', desired, settled({ image: undefined }))).toMatchObject({
      action: 'missing',
      reason: 'Deployment turbo-app/frontend has no container frontend',
    });
  });

  it('rolls MongoDB only when the policy follows', () => {
    expect(imagesToSync('manual')).toEqual(['frontend']);
    expect(imagesToSync('follow')).toEqual(['frontend', 'mongo']);
  });
});

describe('rolloutVerdict', () => {
  it('follows a Deployment as kubectl rollout status does', () => {
    expect(rolloutVerdict(settled({ observedGeneration: 3 }), 0, 600)).toMatchObject({
      state: 'waiting',
      detail: expect.stringContaining('controller to see the new spec'),
    });
    expect(rolloutVerdict(settled({ updatedReplicas: 1, replicas: 3 }), 0, 600)).toMatchObject({
      state: 'waiting',
      detail: expect.stringContaining('1 of 2 replicas updated'),
    });
    expect(rolloutVerdict(settled({ replicas: 3 }), 0, 600)).toMatchObject({
      state: 'waiting',
      detail: expect.stringContaining('1 old replicas pending termination'),
    });
    expect(rolloutVerdict(settled({ availableReplicas: 1 }), 0, 600)).toMatchObject({
      state: 'waiting',
      detail: expect.stringContaining('1 of 2 updated replicas available'),
    });
    expect(rolloutVerdict(settled(), 0, 600).state).toBe('done');
  });

  it('fails on ProgressDeadlineExceeded at once, and on our own deadline', () => {
    const stuck = settled({
      updatedReplicas: 1,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'timed out' }],
    });
    expect(rolloutVerdict(stuck, 10, 600)).toEqual({
      state: 'failed',
      detail: 'Deployment turbo-app/frontend exceeded its progress deadline: timed out',
    });
    expect(rolloutVerdict(settled({ updatedReplicas: 1 }), 601, 600)).toMatchObject({
      state: 'failed',
      detail: expect.stringContaining('(deadline 600 s): 1 of 2 replicas updated'),
    });
    expect(rolloutVerdict(settled(), 601, 600).state).toBe('done');
  });

  it('follows a StatefulSet to its update revision', () => {
    const mongo = (overrides: Partial<WorkloadState>) =>
      settled({ ref: APP_WORKLOADS.mongo, desiredReplicas: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, ...overrides });
    expect(rolloutVerdict(mongo({ currentRevision: 'mongo-1', updateRevision: 'mongo-2' }), 0, 600)).toMatchObject({
      state: 'waiting',
      detail: expect.stringContaining('from revision mongo-1 to mongo-2'),
    });
    expect(rolloutVerdict(mongo({ readyReplicas: 0, currentRevision: 'mongo-2', updateRevision: 'mongo-2' }), 0, 600).state).toBe(
      'waiting',
    );
    expect(rolloutVerdict(mongo({ currentRevision: 'mongo-2', updateRevision: 'mongo-2' }), 0, 600).state).toBe('done');
  });

  it('polls so that the deadline fits within the bound on checks', () => {
    expect(rolloutPollSeconds(900, 15, 60)).toBe(15);
    expect(rolloutPollSeconds(3600, 15, 60)).toBe(60);
  });
});

describe('the imageSync config block', () => {
  const example = parse(readFileSync(join(__dirname, '../../../turbo.config.example.yml'), 'utf8')) as Record<string, unknown>;

  it('is optional, with defaults', () => {
    const { imageSync: _omitted, ...withoutBlock } = example;
    const result = validateConfig(withoutBlock);
    expect(result.ok && result.config.imageSync).toMatchObject({
      includePrerelease: false,
      mongoPolicy: 'manual',
      rolloutDeadlineSeconds: 900,
      webhookTokenParameter: '/turbo/image-sync/webhook-token',
    });
  });

  it('refuses a bad policy, a URL that is not http(s), and half a credential pair, naming the field', () => {
    const result = validateConfig({
      ...example,
      imageSync: { mongoPolicy: 'always', registryUrl: 'ftp://registry.local', registryUserParameter: '/turbo/registry/user' },
    });
    expect(result.ok).toBe(false);
    const paths = result.ok ? [] : result.problems.map((problem) => problem.path);
    expect(paths).toEqual(expect.arrayContaining(['imageSync.mongoPolicy', 'imageSync.registryUrl']));
    const pair = validateConfig({ ...example, imageSync: { registryUserParameter: '/turbo/registry/user' } });
    expect(pair.ok ? [] : pair.problems).toEqual([
      expect.objectContaining({
        path: 'imageSync.registryTokenParameter',
        message: 'registryUserParameter and registryTokenParameter go together (both or neither)',
      }),
    ]);
  });
});

describe('the failure budget', () => {
  const keys = budgetKeys('push-1', { clusters: 2, toleratedFailures: 1 });

  it('is a bounded set of keys per run: one per canary cluster, one per tolerated failure and the one past it', () => {
    expect(keys.successes).toEqual(['image-sync-budget:push-1:ok-0', 'image-sync-budget:push-1:ok-1']);
    expect(keys.failures).toEqual(['image-sync-budget:push-1:failed-0', 'image-sync-budget:push-1:failed-1']);
    expect([...keys.successes, ...keys.failures, keys.broken].every((key) => key.startsWith(keys.prefix))).toBe(true);
  });

  it('is open until the canary clusters run the release, proven after, broken once marked so; no canary is proven at once', () => {
    expect(budgetState([], keys)).toBe('open');
    expect(budgetState([keys.successes[0]!], keys)).toBe('open');
    expect(budgetState(keys.successes, keys)).toBe('proven');
    expect(budgetState([...keys.successes, keys.broken], keys)).toBe('broken');
    expect(budgetState([], budgetKeys('push-1', { clusters: 0, toleratedFailures: 0 }))).toBe('proven');
  });
});

describe('isFullSweep and environmentsToRoll', () => {
  const IMAGE = { repository: 'acme/turbo-notes', tag: '1.3.0', digest: `sha256:${'a'.repeat(64)}` };
  const ready = (developer: string, confirmed?: typeof IMAGE) => ({
    developer,
    clusterName: `turbo-${developer}`,
    status: 'ready' as const,
    updatedAt: '2026-11-25T08:00:00Z',
    images: { frontend: IMAGE },
    ...(confirmed ? { confirmedImages: { frontend: confirmed, mongo: { repository: 'acme/turbo-mongo', tag: '7.0.15' } } } : {}),
  });

  it('sweeps on the first 10-minute run of every sixth hour only', () => {
    const times = ['06:00:00', '06:09:59', '06:10:00', '09:00:00', '11:50:00', '12:05:00', '00:00:00'];
    expect(times.map((t) => isFullSweep(new Date(`2026-11-25T${t}Z`)))).toEqual([true, true, false, false, false, true, true]);
  });

  it('rolls the ready environments whose confirmed images differ (tag or digest) or are unknown, all of them on a sweep', () => {
    const records = [
      ready('alice', IMAGE),
      ready('bob', { ...IMAGE, digest: `sha256:${'b'.repeat(64)}` }),
      ready('carol'),
      { ...ready('dave'), status: 'destroyed' as const },
    ];
    expect(environmentsToRoll(records, false).map((record) => record.developer)).toEqual(['bob', 'carol']);
    expect(environmentsToRoll(records, true).map((record) => record.developer)).toEqual(['alice', 'bob', 'carol']);
  });

  it('leaves an untaken warm pool member alone (it runs no app), and rolls one that a developer took', () => {
    const records = [ready('pool-1'), { ...ready('pool-2'), takenBy: 'alice' }];
    expect(environmentsToRoll(records, true).map((record) => record.developer)).toEqual(['pool-2']);
  });

  it('leaves the environments of a stopped release alone, even on a sweep, and rolls them again for a new release', () => {
    const stopped = stoppedReleases([stoppedReleaseKey({ frontend: '1.3.0' }, new Date('2026-11-25T08:00:00Z')), 'reply:x']);
    expect(stopped).toEqual(new Set([releaseDigest({ frontend: '1.3.0' })]));
    const records = [ready('alice'), { ...ready('bob'), images: { frontend: { ...IMAGE, tag: '1.3.1' } } }];
    expect(environmentsToRoll(records, false, stopped).map((record) => record.developer)).toEqual(['bob']);
    expect(environmentsToRoll(records, true, stopped).map((record) => record.developer)).toEqual(['bob']);
    // The release is its images' names and tags, in any order.
    expect(releaseDigest({ frontend: '1.3.0', mongo: '7.0' })).toBe(releaseDigest({ mongo: '7.0', frontend: '1.3.0' }));
    expect(releaseDigest({ frontend: '1.3.0', mongo: '7.0' })).not.toBe(releaseDigest({ frontend: '1.3.1', mongo: '7.0' }));
  });

  it('remembers at most MAX_STOPPED_RELEASES stopped releases, the newest, and one key per release', () => {
    const at = (day: number) => new Date(Date.UTC(2026, 10, day, 8));
    let notified: string[] = ['reply:20261125:x'];
    const stop = (tag: string, day: number) => {
      const key = stoppedReleaseKey({ frontend: tag }, at(day));
      const forget = new Set(stoppedReleasesToForget(notified, key));
      notified = [...notified.filter((known) => !forget.has(known)), ...(notified.includes(key) ? [] : [key])];
    };
    // Sixty bad releases over sixty days, each stopped twice (a replay, or the same release stopped again a day later).
    for (let day = 1; day <= 60; day++) {
      stop(`1.${day}.0`, day);
      stop(`1.${day}.0`, day + 1);
    }
    const kept = notified.filter((key) => key.startsWith('image-sync-stopped:'));
    expect(kept).toHaveLength(MAX_STOPPED_RELEASES);
    expect(stoppedReleases(notified)).toEqual(
      new Set(Array.from({ length: MAX_STOPPED_RELEASES }, (_, i) => releaseDigest({ frontend: `1.${60 - i}.0` }))),
    );
    expect(notified).toContain('reply:20261125:x');
  });
});
