import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AmendPatch, ClaimRequest, ImageRef } from '../../../functions/core/types';
import { OwnershipLostError } from '../../../functions/core/errors';
import { DynamoEnvironmentStore } from '../../../functions/adapters/dynamodb';
import { MAX_AUDIT_ENTRIES } from '../../../functions/core/audit';
import { dynamoItemSize, useDynaliteStore } from '../../support/dynalite';

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
    expect(record).toMatchObject({
      status: 'provisioning',
      runId: 'alice-up-20261124',
      skipDates: ['2026-11-25'],
      audit: [audit('skip 2026-11-25')],
    });
    // The owning run can still write: amend did not take ownership.
    await expect(local.store.update('alice', 'alice-up-20261124', { endpoint: 'https://x' })).resolves.toMatchObject({
      skipDates: ['2026-11-25'],
    });
  });

  it('keeps skip dates as a set: adding one twice keeps one, removing takes it out, in date order', async () => {
    await local.store.amend('alice', patch({ addSkipDate: '2026-11-27', audit: audit('skip 2026-11-27', '2026-11-24T10:00:00.000Z') }));
    await local.store.amend('alice', patch({ addSkipDate: '2026-11-25', audit: audit('skip 2026-11-25', '2026-11-24T10:01:00.000Z') }));
    const twice = await local.store.amend(
      'alice',
      patch({ addSkipDate: '2026-11-25', audit: audit('skip 2026-11-25', '2026-11-24T10:02:00.000Z') }),
    );
    expect(twice.skipDates).toEqual(['2026-11-25', '2026-11-27']);
    const removed = await local.store.amend(
      'alice',
      patch({ removeSkipDate: '2026-11-25', audit: audit('up', '2026-11-24T10:03:00.000Z') }),
    );
    expect(removed.skipDates).toEqual(['2026-11-27']);
    // The second `skip 2026-11-25` changed nothing, so it wrote nothing.
    expect(removed.audit?.map((entry) => entry.action)).toEqual(['skip 2026-11-27', 'skip 2026-11-25', 'up']);
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
    await expect(local.store.amend('alice', patch({ addSkipDate: 'tomorrow' }))).rejects.toThrow(
      'addSkipDate "tomorrow" is not a date YYYY-MM-DD',
    );
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

  describe('a bounded record (image-sync amends every developer every 10 minutes)', () => {
    const DIGEST = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
    const images = (n: number): Record<string, ImageRef> => ({
      frontend: { repository: 'acme/turbo-notes', tag: `1.${n}.0`, digest: DIGEST(n) },
    });
    /** Image-sync's amend for the run that started at minute `run` * 10, desiring release `release`. */
    const imageSync = (run: number, release: number): AmendPatch => ({
      clusterName: 'turbo-alice',
      images: images(release),
      audit: {
        at: new Date(Date.UTC(2026, 10, 1) + run * 600_000).toISOString(),
        by: 'image-sync',
        action: `desired images frontend:1.${release}.0`,
      },
    });
    const rawItem = async () => {
      const { Item } = await local.dynamo
        .documentClient()
        .send(new GetItemCommand({ TableName: local.store.tableName, Key: marshall({ developer: 'alice' }) }));
      return Item!;
    };

    it(`stays small over 3,000 runs (three weeks): the trail keeps the last ${MAX_AUDIT_ENTRIES} entries, unchanged runs write nothing`, async () => {
      // A new release every 10th run: 300 writes, 2,700 runs with nothing to change. The old store appended an entry
      // and a key on every run and passed DynamoDB's 400 KB limit before the end.
      for (let run = 0; run < 3000; run += 1) {
        await local.store.amend('alice', imageSync(run, Math.floor(run / 10)));
        // Sized by DynamoDB's rules every 250 runs: the old store was past 16 KB within the first 250.
        if (run % 250 === 249) expect(dynamoItemSize(await rawItem())).toBeLessThan(16 * 1024);
      }
      const record = await local.store.get('alice');
      expect(record?.images).toEqual(images(299));
      expect(record?.audit).toHaveLength(MAX_AUDIT_ENTRIES);
      expect(record?.audit?.at(-1)?.action).toBe('desired images frontend:1.299.0');
    }, 180_000);

    it('writes nothing at all when the images are already recorded', async () => {
      await local.store.amend('alice', imageSync(0, 1));
      const later = new DynamoEnvironmentStore(
        local.dynamo.documentClient(),
        local.store.tableName,
        () => new Date('2026-11-25T09:00:00.000Z'),
      );
      const before = await rawItem();
      const unchanged = await later.amend('alice', imageSync(1, 1));
      expect(await rawItem()).toEqual(before);
      expect(unchanged.updatedAt).toBe('2026-11-24T17:35:01.000Z');
      expect(unchanged.audit).toHaveLength(1);
      // A new release does write, with its own entry.
      expect((await later.amend('alice', imageSync(2, 2))).audit).toHaveLength(2);
    });

    it('trims a record written by the old store: its audit keys go, its trail is cut to the bound', async () => {
      const entries = Array.from({ length: 400 }, (_, run) => imageSync(run, 1).audit);
      const legacy = {
        developer: 'alice',
        status: 'ready',
        clusterName: 'turbo-alice',
        updatedAt: '2026-11-20T00:00:00.000Z',
        audit: entries,
      };
      await local.dynamo.documentClient().send(
        new PutItemCommand({
          TableName: local.store.tableName,
          Item: { ...marshall(legacy), auditKeys: { SS: entries.map((entry) => `${entry.at}|${entry.by}|${entry.action}`) } },
        }),
      );
      await local.store.amend('alice', imageSync(400, 2));
      const item = await rawItem();
      expect(item.auditKeys).toBeUndefined();
      expect(item.audit?.L).toHaveLength(MAX_AUDIT_ENTRIES);
      expect(item.status?.S).toBe('ready');
    });

    it('loses no entry when amends race: each re-reads and writes after the other', async () => {
      // Four racers: each refusal means another one wrote, so the last needs four attempts at most.
      const keeps = ['19:00', '19:30', '20:00', '20:30'].map((time, i) =>
        patch({ keepUntil: `2026-11-24T${time}:00.000Z`, audit: audit(`keep until ${time}`, `2026-11-24T17:0${i}:00.000Z`) }),
      );
      await Promise.all(keeps.map((keep) => local.store.amend('alice', keep)));
      const record = await local.store.get('alice');
      expect(record?.audit?.map((entry) => entry.action).sort()).toEqual(keeps.map((keep) => keep.audit.action).sort());
      expect(record?.keepUntil).toBe(keeps.find((keep) => keep.audit.action === record?.audit?.at(-1)?.action)?.keepUntil);
    });
  });
});
