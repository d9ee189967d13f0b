/** A rehearsal's report input: a ready row, a failed row with a hostile reason, and a skipped row. */
import type { RunReportInput } from '../../../functions/core/report';

export const sampleReport: RunReportInput = {
  title: 'Rehearsal <Tuesday> & friends',
  generatedAt: '2026-11-24T09:00:00Z',
  rows: [
    {
      developer: 'alice',
      result: 'ready',
      readyAt: '2026-11-24T07:56:00Z',
      segments: [
        { step: 'claim', start: '2026-11-24T07:35:00Z', end: '2026-11-24T07:35:30Z' },
        { step: 'apply', start: '2026-11-24T07:35:30Z', end: '2026-11-24T07:47:00Z' },
        { step: 'cluster', start: '2026-11-24T07:47:00Z', end: '2026-11-24T07:54:00Z' },
        { step: 'deploy', start: '2026-11-24T07:54:00Z', end: '2026-11-24T07:55:30Z' },
        { step: 'notify', start: '2026-11-24T07:55:30Z', end: '2026-11-24T07:56:00Z' },
      ],
    },
    {
      developer: 'bob',
      result: 'failed',
      reason: 'apply job failed: <script>alert(1)</script> quota exceeded',
      segments: [
        { step: 'claim', start: '2026-11-24T07:05:00Z', end: '2026-11-24T07:05:30Z' },
        { step: 'apply', start: '2026-11-24T07:05:30Z', end: '2026-11-24T07:15:00Z', failed: true },
        { step: 'failure', start: '2026-11-24T07:15:00Z', end: '2026-11-24T07:15:30Z' },
      ],
    },
    { developer: 'carol', result: 'skipped', segments: [] },
  ],
};
