import { calendarDay, localDateAt, shiftDate } from '../../../functions/core/clock';

describe('calendar days', () => {
  it('shifts dates across month, year and leap-day ends', () => {
    expect(shiftDate('2027-02-28', 1)).toBe('2027-03-01');
    expect(shiftDate('2028-02-28', 1)).toBe('2028-02-29');
    expect(shiftDate('2027-01-01', -1)).toBe('2026-12-31');
    expect(shiftDate('2027-03-14', 0)).toBe('2027-03-14');
  });

  it('gives a day its weekday, its midnights and its wall-clock instants, a DST change included', () => {
    // New York springs forward on 2027-03-14: the day has 23 hours.
    const day = calendarDay('2027-03-14', 'America/New_York');
    expect(day.weekday).toBe('sun');
    expect(new Date(day.startMs).toISOString()).toBe('2027-03-14T05:00:00.000Z');
    expect((day.endMs - day.startMs) / 3_600_000).toBe(23);
    expect(new Date(day.at('09:00')).toISOString()).toBe('2027-03-14T13:00:00.000Z');
    // 02:30 does not exist that day: moved forward by the gap, as atLocalTime does.
    expect(new Date(day.at('02:30')).toISOString()).toBe('2027-03-14T07:30:00.000Z');
    expect(calendarDay('2027-03-14', 'America/New_York')).toBe(day);
  });

  it('reads the local date of an instant', () => {
    expect(localDateAt(new Date('2027-03-01T23:30:00Z'), 'Asia/Tokyo')).toBe('2027-03-02');
    expect(localDateAt(new Date('2027-03-01T23:30:00Z'), 'America/Los_Angeles')).toBe('2027-03-01');
  });
});
