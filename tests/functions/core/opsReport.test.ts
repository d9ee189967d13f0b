import {
  decideSummary,
  mergeTallies,
  tallyOutcomes,
  failureKeysToRelease,
  failureReportKey,
  IMAGE_SYNC_FAILURE_KEY_PREFIX,
  FAILURES_PER_BATCH,
  FAILURES_PER_SUMMARY,
  MAX_FAILURE_KEYS,
} from '../../../functions/core/opsReport';

const images = ['frontend 1.3.0'];

describe('decideSummary: what image-sync tells the ops channel', () => {
  it('posts nothing when nothing rolled or failed, and says why', () => {
    expect(
      decideSummary(
        images,
        tallyOutcomes([
          { developer: 'alice', outcome: 'current' },
          { developer: 'bob', outcome: 'skipped' },
        ]),
      ),
    ).toEqual({
      post: 'never',
      why: 'nothing changed: 1 environment(s) already run frontend 1.3.0, 1 skipped',
    });
    expect(decideSummary(images, tallyOutcomes([]))).toEqual({
      post: 'never',
      why: 'no environment is ready: nothing to roll to frontend 1.3.0',
    });
  });

  it('always posts a roll; failures alone are posted once per failure key', () => {
    expect(decideSummary(images, tallyOutcomes([{ developer: 'alice', outcome: 'rolled' }]))).toEqual({ post: 'always' });
    const failed = decideSummary(
      images,
      tallyOutcomes([{ developer: 'carol', outcome: 'failed', reason: 'progress deadline exceeded after 901 s' }]),
    );
    expect(failed).toEqual({
      post: 'once',
      failureKey: expect.stringMatching(new RegExp(`^${IMAGE_SYNC_FAILURE_KEY_PREFIX}[0-9a-f]{16}$`)),
    });
    const withRoll = decideSummary(
      images,
      tallyOutcomes([
        { developer: 'alice', outcome: 'rolled' },
        { developer: 'carol', outcome: 'failed', reason: 'progress deadline exceeded after 901 s' },
      ]),
    );
    expect(withRoll).toEqual({ post: 'always', failureKey: (failed as { failureKey: string }).failureKey });
  });

  it('gives a persisting failure the same key on every run, and a different failure or version another', () => {
    const key = (tag: string, reason: string) => failureReportKey([`frontend ${tag}`, `carol: ${reason}`]);
    expect(key('1.3.0', 'rollout stuck after 901 s')).toBe(key('1.3.0', 'rollout stuck after 1502 s'));
    expect(key('1.3.0', 'rollout stuck')).not.toBe(key('1.3.0', 'ImagePullBackOff'));
    expect(failureReportKey(['Turbo.NoRelease: acme/turbo-notes has no released SemVer tag among its 0 tags'])).toBe(
      failureReportKey(['Turbo.NoRelease: acme/turbo-notes has no released SemVer tag among its 4 tags']),
    );
  });
});

describe('failureKeysToRelease: the remembered failure reports stay bounded', () => {
  const keys = (n: number) => Array.from({ length: n }, (_, i) => failureReportKey([`failure ${String.fromCharCode(97 + i)}`]));

  it('releases every failure key after a run without failures, and none while failures persist under the bound', () => {
    const remembered = [...keys(3), 'alice-up-20261124:ready'];
    expect(failureKeysToRelease(remembered, false)).toEqual(keys(3));
    expect(failureKeysToRelease(remembered, true)).toEqual([]);
  });

  it(`releases them all once ${MAX_FAILURE_KEYS} are remembered, before the next one is added`, () => {
    expect(failureKeysToRelease(keys(MAX_FAILURE_KEYS - 1), true)).toEqual([]);
    expect(failureKeysToRelease(keys(MAX_FAILURE_KEYS), true)).toHaveLength(MAX_FAILURE_KEYS);
  });
});

describe('tallies: a run of any size reports in a bounded state', () => {
  const failed = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ developer: `dev-${i}`, outcome: 'failed' as const, reason: `reason ${i}` }));

  it('counts each outcome and names only the first failures of a batch, and of the run', () => {
    const batch = tallyOutcomes([...failed(10), { developer: 'x', outcome: 'rolled' }, { developer: 'y', outcome: 'stopped' }]);
    expect(batch).toMatchObject({ rolled: 1, current: 0, skipped: 0, failed: 10, stopped: 1 });
    expect(batch.failures).toHaveLength(FAILURES_PER_BATCH);
    const run = mergeTallies(Array.from({ length: 125 }, () => batch));
    expect(run).toMatchObject({ rolled: 125, failed: 1250, stopped: 125 });
    expect(run.failures).toHaveLength(FAILURES_PER_SUMMARY);
  });

  it('says why nothing was posted when every ready environment is confirmed already', () => {
    expect(decideSummary(images, tallyOutcomes([]), 3)).toEqual({
      post: 'never',
      why: 'nothing to roll: the 3 ready environment(s) are confirmed on frontend 1.3.0',
    });
    expect(decideSummary(images, tallyOutcomes([{ developer: 'a', outcome: 'rolled' }]))).toEqual({ post: 'always' });
  });

  it('names the run that rolls the release when another one held its lease', () => {
    expect(decideSummary(images, tallyOutcomes([]), 3, 'push-1')).toEqual({
      post: 'never',
      why: 'push-1 is rolling frontend 1.3.0: this run rolled nothing',
    });
  });

  it('tells a stopped release once: every safety-net run tries it again and is stopped by the same failures', () => {
    const stop = (run: number) =>
      decideSummary(
        images,
        tallyOutcomes([
          { developer: 'a', outcome: 'failed', reason: `rollout of frontend stuck after ${run}01 s` },
          { developer: 'b', outcome: 'failed', reason: 'frontend has no workload' },
          { developer: 'c', outcome: 'stopped' },
        ]),
      );
    expect(stop(1)).toMatchObject({ post: 'once' });
    expect(stop(2)).toEqual(stop(1));
    expect(decideSummary(images, tallyOutcomes([{ developer: 'c', outcome: 'stopped' }]))).toMatchObject({ post: 'once' });
  });
});
