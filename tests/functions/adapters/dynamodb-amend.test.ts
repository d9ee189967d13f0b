import type { AmendPatch, ClaimRequest } from '../../../functions/core/types';
import { OwnershipLostError } from '../../../functions/core/errors';
import { useDynaliteStore } from '../../support/dynalite';

const audit = (action: string, at = '2026-11-24T17:35:00.000Z', by = 'slack:U0ALICE001') => ({ at, by, action });
const patch = (fields: Partial<AmendPatch>): AmendPatch => ({ clusterName: 'turbo-alice', audit: audit('keep until 22:00'), ...fields });
const claimUp: ClaimRequest = {
  developer: 'alice',
  clusterName: 'turbo-alice',
  action: 'up',
  runId: 'alice-up-20261124',
  executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:turbo-ci-environment:alice-up-20261124',
  now: '2026-11-24T07:35:00.000Z',
  staleBefore: '2026-11-24T03:35:00.000Z',
};

describe('DynamoEnvironmentStore.amend against dynalite (a real DynamoDB API)', () => {
  const local = useDynaliteStore('2026-11-24T17:35:01.000Z');

  it('creates an absent record with the change and its audit entry when the developer has none', async () => {
    const record = await local.store.amend('alice', patch({ keepUntil: '2026-11-24T21:00:00.000Z' }));
    expect(record).toEqual({
      developer: 'alice',
      status: 'absent',
      clusterName: 'turbo-alice',
      updatedAt: '2026-11-24T17:35:01.000Z',
      keepUntil: '2026-11-24T21:00:00.000Z',
      audit: [audit('keep until 22:00')],
    });
    await expect(local.store.get('alice')).resolves.toEqual(record);
  });

  it('changes a record owned by a run without taking its claim, status or jobs', async () => {
    await local.store.claim(claimUp);
    const record = await local.store.amend('alice', patch({ addSkipDate: '2026-11-25', audit: audit('skip 2026-11-25') }));
    expect(record).toMatchObject({ status: 'provisioning', runId: 'alice-up-20261124', skipDates: ['2026-11-25'], audit: [audit('skip 2026-11-25')] });
    // The owning run can still write: amend did not take ownership.
    await expect(local.store.update('alice', 'alice-up-20261124', { endpoint: 'https://x' })).resolves.toMatchObject({ skipDates: ['2026-11-25'] });
  });

  it('keeps skip dates as a set: adding one twice keeps one, removing takes it out, in date order', async () => {
    await local.store.amend('alice', patch({ addSkipDate: '2026-11-27', audit: audit('skip 2026-11-27', '2026-11-24T10:00:00.000Z') }));
    await local.store.amend('alice', patch({ addSkipDate: '2026-11-25', audit: audit('skip 2026-11-25', '2026-11-24T10:01:00.000Z') }));
    const twice = await local.store.amend('alice', patch({ addSkipDate: '2026-11-25', audit: audit('skip 2026-11-25', '2026-11-24T10:02:00.000Z') }));
    expect(twice.skipDates).toEqual(['2026-11-25', '2026-11-27']);
    const removed = await local.store.amend('alice', patch({ removeSkipDate: '2026-11-25', audit: audit('up', '2026-11-24T10:03:00.000Z') }));
    expect(removed.skipDates).toEqual(['2026-11-27']);
    expect(removed.audit?.map((entry) => entry.action)).toEqual(['skip 2026-11-27', 'skip 2026-11-25', 'skip 2026-11-25', 'up']);
  });

  it('is idempotent: the same audit entry amended twice (a retried invoke) is recorded once and changes nothing more', async () => {
    const first = await local.store.amend('alice', patch({ keepUntil: '2026-11-24T21:00:00.000Z' }));
    const again = await local.store.amend('alice', patch({ keepUntil: '2026-11-24T21:00:00.000Z' }));
    expect(again).toEqual(first);
    expect((await local.store.get('alice'))?.audit).toHaveLength(1);
    expect(await local.store.get('alice')).not.toHaveProperty('auditKeys');
  });

  it('records who asked and when, in order, for every change', async () => {
    await local.store.amend('alice', patch({ audit: audit('keep until 22:00', '2026-11-24T17:35:00.000Z', 'slack:U0ALICE001') }));
    await local.store.amend('alice', patch({ audit: audit('down', '2026-11-24T17:40:00.000Z', 'cli:arn:aws:iam::123456789012:user/ops') }));
    expect((await local.store.get('alice'))?.audit).toEqual([
      { at: '2026-11-24T17:35:00.000Z', by: 'slack:U0ALICE001', action: 'keep until 22:00' },
      { at: '2026-11-24T17:40:00.000Z', by: 'cli:arn:aws:iam::123456789012:user/ops', action: 'down' },
    ]);
  });

  it('refuses bad values, naming the field and the value, before writing anything', async () => {
    await expect(local.store.amend('alice', patch({ addSkipDate: 'tomorrow' }))).rejects.toThrow('addSkipDate "tomorrow" is not a date YYYY-MM-DD');
    await expect(local.store.amend('alice', patch({ keepUntil: '22:00' }))).rejects.toThrow('keepUntil "22:00" is not an ISO 8601 instant');
    await expect(local.store.amend('alice', patch({ addSkipDate: '2026-11-25', removeSkipDate: '2026-11-26' }))).rejects.toThrow(
      'addSkipDate and removeSkipDate cannot be given together',
    );
    await expect(local.store.get('alice')).resolves.toBeUndefined();
  });

  it('update() may not write the amend-owned fields', async () => {
    await local.store.claim(claimUp);
    await expect(local.store.update('alice', 'alice-up-20261124', { skipDates: ['2026-11-25'] })).rejects.toThrow('may not set skipDates');
    await expect(local.store.update('alice', 'alice-up-20261124-b', {})).rejects.toBeInstanceOf(OwnershipLostError);
  });
});
