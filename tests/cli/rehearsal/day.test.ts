import { fireAt, MAX_TIMER_MS } from '../../../cli/rehearsal/day';

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
