import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { configSchema } from '../../../functions/core/config';
import { decideSelfService } from '../../../functions/core/selfService';
import type { EnvironmentRecord, SelfServiceTask } from '../../../functions/core/types';

const example = parse(readFileSync(join(__dirname, '../../../turbo.config.example.yml'), 'utf8'));
const config = configSchema.parse({ ...example, pool: { size: 1, hours: { start: '08:00', end: '20:00' } } });

/** dave (Kolkata, 09:00 to 19:00 IST) asks at 15:00 UTC, 20:30 IST: outside his schedule, inside the pool's hours. */
const task = (verb: 'up' | 'down' | 'status', requestedAt = '2026-11-24T15:00:00.000Z'): SelfServiceTask => ({
  developer: 'dave',
  request: { verb },
  requestedBy: 'slack:U0DAVE0001',
  requestedAt,
});
const member = (n: number, fields: Partial<EnvironmentRecord> = {}): EnvironmentRecord => ({
  developer: `pool-${n}`,
  clusterName: `turbo-pool-${n}`,
  status: 'ready',
  expiresAt: '2026-11-24T19:00:00.000Z',
  updatedAt: '2026-11-24T06:40:00.000Z',
  ...fields,
});

describe('an up outside the schedule, with a warm pool', () => {
  it('offers the ready members to take, in order, each with its run, answer and audit entry; the refusal stands behind them', () => {
    const decision = decideSelfService(task('up'), undefined, config, [member(2), member(1), member(3, { takenBy: 'bob' })]);

    expect(decision.outcome).toBe('refused');
    expect(decision.message).toMatch(/^Not now: after teardown/);
    expect(decision.take?.map((candidate) => candidate.start)).toEqual([
      {
        developer: 'pool-1',
        action: 'up',
        runId: 'pool-1-take-dave-20261124-2030',
        clusterName: 'turbo-pool-1',
        // dave's midnight in Kolkata, before the pool's end (19:00 UTC): a taken cluster ends with its developer's day.
        expiresAt: '2026-11-24T18:30:00.000Z',
        path: 'take',
      },
      expect.objectContaining({ developer: 'pool-2', runId: 'pool-2-take-dave-20261124-2030' }),
    ]);
    expect(decision.take?.[0]?.amend).toEqual({
      clusterName: 'turbo-dave',
      audit: { at: '2026-11-24T15:00:00.000Z', by: 'slack:U0DAVE0001', action: 'up: took pool cluster turbo-pool-1' },
    });
    expect(decision.take?.[0]?.message).toContain('Taking warm pool cluster turbo-pool-1 for dave until 00:00 Asia/Kolkata (Wed 25 Nov)');
  });

  it('offers nothing without a free member (the plain refusal), and never takes inside the schedule', () => {
    expect(decideSelfService(task('up'), undefined, config, [member(1, { status: 'provisioning' })]).take).toBeUndefined();
    expect(decideSelfService(task('up'), undefined, config, [member(1, { expiresAt: '2026-11-24T15:30:00.000Z' })]).take).toBeUndefined();
    // 10:00 IST: dave's own day; his own cluster comes up the normal way.
    const inDay = decideSelfService(task('up', '2026-11-24T04:30:00.000Z'), undefined, config, [member(1)]);
    expect([inDay.outcome, inDay.start?.path, inDay.take]).toEqual(['done', null, undefined]);
  });

  it('finds the member a retried request took (the same run), and answers any other request that one is held', () => {
    const held = member(1, { status: 'provisioning', takenBy: 'dave', runId: 'pool-1-take-dave-20261124-2030' });
    const retried = decideSelfService(task('up'), undefined, config, [held, member(2)]);
    expect(retried.take?.map((candidate) => candidate.member)).toEqual(['pool-1']);

    const later = decideSelfService(task('up', '2026-11-24T15:20:00.000Z'), undefined, config, [held, member(2)]);
    expect([later.outcome, later.message, later.take]).toEqual([
      'already',
      'dave is already on warm pool cluster turbo-pool-1 (provisioning).',
      undefined,
    ]);
  });

  it('destroys the member held by a developer without a cluster of their own on down, and shows it on status', () => {
    const held = member(1, { takenBy: 'dave', runId: 'pool-1-take-dave-20261124-2030', readyAt: '2026-11-24T15:01:20.000Z' });
    const down = decideSelfService(task('down', '2026-11-24T16:00:00.000Z'), undefined, config, [held]);
    expect(down.start).toEqual({
      developer: 'pool-1',
      action: 'down',
      runId: 'pool-1-down-20261124-manual-2130',
      clusterName: 'turbo-pool-1',
      expiresAt: null,
      path: null,
    });
    const status = decideSelfService(task('status', '2026-11-24T16:00:00.000Z'), undefined, config, [held]);
    expect(status.message).toBe(
      'dave: no cluster (nothing has run yet); on warm pool cluster turbo-pool-1: ' +
        '*ready* since 20:31 Asia/Kolkata (Tue 24 Nov); destroyed at 00:30 Asia/Kolkata (Wed 25 Nov)',
    );
  });
});
