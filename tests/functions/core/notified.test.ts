import { expiredNotifiedKeys, notifiedKeyDay, NOTIFIED_KEY_DAYS, replyKey, rolloutKey } from '../../../functions/core/notified';

describe('the keys of sent messages', () => {
  it('reads the local day of every key a record holds', () => {
    expect(notifiedKeyDay('alice-up-20270301:ready')).toBe('20270301');
    expect(notifiedKeyDay('alice-down-20270301')).toBe('20270301');
    expect(notifiedKeyDay('alice-up-20270301:failed:0123456789abcdef:ops')).toBe('20270301');
    expect(notifiedKeyDay('alice-up-20270301-manual-0930:ready')).toBe('20270301');
    expect(notifiedKeyDay('alice-up-20270301-t2:ready')).toBe('20270301');
    // A developer whose name ends in eight digits: the run's day is the last stamp, not the name's.
    expect(notifiedKeyDay('dev-20261231-up-20270301:ready')).toBe('20270301');
    expect(notifiedKeyDay(replyKey('2027-03-01T23:59:00Z', 'a1b2'))).toBe('20270301');
    expect(notifiedKeyDay(rolloutKey('2027-03-01T08:00:00.000Z', '12345678-1234-1234-1234-123456789012'))).toBe('20270301');
    expect(notifiedKeyDay('image-sync-failure:0123456789abcdef')).toBeUndefined();
    expect(notifiedKeyDay('reply:not-a-day:a1b2')).toBeUndefined();
  });

  it('drops keys past the redrive window and keeps those inside it and those without a day', () => {
    const now = new Date('2027-03-20T06:00:00Z');
    const keys = [
      'alice-up-20270303:ready', // 17 days ago
      'alice-up-20270304:ready', // 16 days ago
      'alice-up-20270305:ready', // 15 days ago: a run started then can still be redriven in some zone
      'alice-up-20270319:ready',
      replyKey('2027-03-01T10:00:00Z', 'old'),
      'image-sync-failure:0123456789abcdef',
    ];
    expect(NOTIFIED_KEY_DAYS).toBeGreaterThan(14);
    expect(expiredNotifiedKeys(keys, now)).toEqual(['alice-up-20270303:ready', 'alice-up-20270304:ready', 'reply:20270301:old']);
  });

  it('refuses an instant that is not one', () => {
    expect(() => replyKey('yesterday', 'a1b2')).toThrow('"yesterday" is not an ISO 8601 instant');
  });
});
