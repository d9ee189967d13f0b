import { dayWindow, fireAt, MAX_TIMER_MS } from '../../../cli/rehearsal/day';
import type { TurboConfig } from '../../../functions/core/config';
import { exampleConfig } from '../../support/packaged';

const DAY_MS = 86_400_000;

describe('fireAt', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('fires an event 40 days ahead on its day, where one timer that long would fire at once', () => {
    jest.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const firedAt: number[] = [];
    const direct: number[] = [];
    fireAt(40 * DAY_MS, () => firedAt.push(Date.now()));
    setTimeout(() => direct.push(Date.now()), 40 * DAY_MS);
    jest.advanceTimersByTime(10);
    // The pitfall fireAt avoids: a delay past MAX_TIMER_MS (24.8 days) runs at once.
    expect(direct).toEqual([1]);
    expect(firedAt).toEqual([]);
    jest.advanceTimersByTime(MAX_TIMER_MS);
    expect(firedAt).toEqual([]);
    jest.advanceTimersByTime(40 * DAY_MS);
    expect(firedAt).toEqual([40 * DAY_MS]);
  });

  it('fires a near or past event after its delay, at once for the past', () => {
    const fired: string[] = [];
    fireAt(5_000, () => fired.push('near'));
    fireAt(-1, () => fired.push('past'));
    jest.advanceTimersByTime(0);
    expect(fired).toEqual(['past']);
    jest.advanceTimersByTime(5_000);
    expect(fired).toEqual(['past', 'near']);
  });
});

describe('dayWindow', () => {
  const DATE = '2026-11-24';
  const utc = (time: string) => Date.parse(`${DATE}T${time}Z`);
  // Everyone in Berlin (UTC+1 in November), torn down by 19:00; a pool open 07:00 to 20:00.
  const example = exampleConfig();
  const oneZone: TurboConfig = {
    ...example,
    developers: example.developers.map((dev) => ({ ...dev, timezone: undefined, teardownAt: undefined })),
  };
  const pooled: TurboConfig = { ...oneZone, pool: { size: 2, hours: { start: '07:00', end: '20:00' } } };

  it("covers the warm pool's hours when they outlast every teardown: its fill before them and its destroy after", () => {
    const developersOnly = dayWindow(oneZone, DATE);
    const withPool = dayWindow(pooled, DATE);
    // The team's last teardown is 18:00 UTC; the pool's end is 19:00 UTC, and its destroy must be inside the window.
    expect(developersOnly.end).toBeLessThan(utc('19:00:00'));
    expect(withPool.end).toBeGreaterThan(utc('19:00:00') + pooled.jobs.destroyMinutes * 60_000);
    // The pool opens at 06:00 UTC: its fill starts a lead and a tick before, earlier than any developer's up.
    expect(withPool.start).toBeLessThanOrEqual(utc('06:00:00') - (pooled.leadMinutes + 15) * 60_000);
    expect(withPool.start).toBeLessThan(developersOnly.start);
  });

  it("is the developers' window when the pool is closed that day (a Saturday) or has no members", () => {
    const saturday = '2026-11-28';
    expect(dayWindow(pooled, saturday)).toEqual(dayWindow(oneZone, saturday));
    expect(dayWindow({ ...pooled, pool: { ...pooled.pool, size: 0 } }, DATE)).toEqual(dayWindow(oneZone, DATE));
  });
});
