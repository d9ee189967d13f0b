/** Run report inputs: a small day (ready, late, failed with a hostile reason, skipped) and a made-up day at scale. */
import { DateTime } from 'luxon';
import type { ReportRow, RunReportInput } from '../../../functions/core/report';

export const sampleReport: RunReportInput = {
  title: 'Rehearsal <Tuesday> & friends',
  generatedAt: '2026-11-24T09:00:00Z',
  cost: { currency: 'USD', amount: 6.58, alwaysOn: 17.4, clusterHours: 28.5 },
  rows: [
    {
      developer: 'alice',
      result: 'destroyed',
      timezone: 'Europe/Berlin',
      readyAt: '2026-11-24T07:56:00Z',
      readyBy: '2026-11-24T08:00:00Z',
      teardownAt: '2026-11-24T18:00:00Z',
      segments: [
        { step: 'claim', start: '2026-11-24T07:35:00Z', end: '2026-11-24T07:35:30Z' },
        { step: 'apply', start: '2026-11-24T07:35:30Z', end: '2026-11-24T07:47:00Z' },
        { step: 'cluster', start: '2026-11-24T07:47:00Z', end: '2026-11-24T07:54:00Z' },
        { step: 'deploy', start: '2026-11-24T07:54:00Z', end: '2026-11-24T07:55:30Z' },
        { step: 'notify', start: '2026-11-24T07:55:30Z', end: '2026-11-24T07:56:00Z' },
        { step: 'claim', start: '2026-11-24T18:00:00Z', end: '2026-11-24T18:00:30Z' },
        { step: 'destroy', start: '2026-11-24T18:00:30Z', end: '2026-11-24T18:10:00Z' },
        { step: 'notify', start: '2026-11-24T18:10:00Z', end: '2026-11-24T18:10:30Z' },
      ],
    },
    {
      developer: 'bob',
      result: 'failed',
      timezone: 'Europe/Berlin',
      readyBy: '2026-11-24T07:30:00Z',
      teardownAt: '2026-11-24T18:00:00Z',
      reason: 'apply job failed: <script>alert(1)</script> quota exceeded',
      executionUrl:
        'https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/' +
        'arn:aws:states:eu-west-1:123456789012:execution:turbo-environment:bob-up-20261124',
      segments: [
        { step: 'claim', start: '2026-11-24T07:05:00Z', end: '2026-11-24T07:05:30Z' },
        { step: 'apply', start: '2026-11-24T07:05:30Z', end: '2026-11-24T07:15:00Z', failed: true },
        { step: 'failure', start: '2026-11-24T07:15:00Z', end: '2026-11-24T07:15:30Z' },
      ],
    },
    {
      developer: 'carol',
      result: 'late',
      timezone: 'America/New_York',
      readyAt: '2026-11-24T14:05:00Z',
      readyBy: '2026-11-24T14:00:00Z',
      teardownAt: '2026-11-24T23:00:00Z',
      reason: 'late: ready at 09:05 for readyBy 09:00 (5 min late)',
      segments: [
        { step: 'claim', start: '2026-11-24T13:45:00Z', end: '2026-11-24T13:45:30Z' },
        { step: 'apply', start: '2026-11-24T13:45:30Z', end: '2026-11-24T14:03:00Z' },
        { step: 'deploy', start: '2026-11-24T14:03:00Z', end: '2026-11-24T14:04:30Z' },
        { step: 'notify', start: '2026-11-24T14:04:30Z', end: '2026-11-24T14:05:00Z' },
      ],
    },
    { developer: 'dave', result: 'skipped', timezone: 'Asia/Kolkata', reason: 'not a working day (wed)', segments: [] },
  ],
};

const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Europe/London', 'America/Los_Angeles'];

/**
 * A made-up day of `count` developers over five zones, each up at 08:35 local and down at 19:00 local; every 50th
 * is late and every 97th failed in apply. What the report draws for a large roster.
 */
export function sampleDay(count: number): RunReportInput {
  const iso = (local: DateTime, minutes: number) => local.plus({ minutes }).toUTC().toISO()!;
  const rows = Array.from({ length: count }, (_, index): ReportRow => {
    const developer = `dev-${String(index + 1).padStart(4, '0')}`;
    const timezone = ZONES[index % ZONES.length]!;
    const day = DateTime.fromISO('2026-11-24T00:00', { zone: timezone });
    const readyBy = day.set({ hour: 9 });
    const teardown = day.set({ hour: 19 });
    const start = readyBy.minus({ minutes: 25 });
    const base = { developer, timezone, readyBy: readyBy.toUTC().toISO()!, teardownAt: teardown.toUTC().toISO()! };
    if (index % 97 === 96) {
      return {
        ...base,
        result: 'failed',
        reason: `apply job failed for ${developer}: AccessDenied`,
        segments: [
          { step: 'claim', start: iso(start, 0), end: iso(start, 1) },
          { step: 'apply', start: iso(start, 1), end: iso(start, 9), failed: true },
          { step: 'failure', start: iso(start, 9), end: iso(start, 10) },
        ],
      };
    }
    const upMinutes = index % 50 === 49 ? 31 : 13;
    const ready = start.plus({ minutes: upMinutes });
    return {
      ...base,
      result: upMinutes > 25 ? 'late' : 'destroyed',
      readyAt: ready.toUTC().toISO()!,
      reason: upMinutes > 25 ? `late: ready at ${ready.toFormat('HH:mm')} for readyBy 09:00` : undefined,
      segments: [
        { step: 'claim', start: iso(start, 0), end: iso(start, 1) },
        { step: 'apply', start: iso(start, 1), end: iso(start, upMinutes - 2) },
        { step: 'deploy', start: iso(start, upMinutes - 2), end: iso(start, upMinutes - 1) },
        { step: 'notify', start: iso(start, upMinutes - 1), end: iso(start, upMinutes) },
        { step: 'claim', start: iso(teardown, 0), end: iso(teardown, 1) },
        { step: 'destroy', start: iso(teardown, 1), end: iso(teardown, 10) },
        { step: 'notify', start: iso(teardown, 10), end: iso(teardown, 11) },
      ],
    };
  });
  return { title: `A day of ${count} developers`, generatedAt: '2026-11-24T23:59:00Z', rows };
}
