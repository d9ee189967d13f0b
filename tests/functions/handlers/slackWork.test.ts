// @middy/core and @middy/util export only an `import` condition, which jest's CommonJS resolver does not match:
// load their files by path (jest.config lets swc compile them).
jest.mock('@middy/core', () => jest.requireActual('../../../node_modules/@middy/core/index.js'), { virtual: true });
jest.mock('@middy/util', () => jest.requireActual('../../../node_modules/@middy/util/index.js'), { virtual: true });

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DynamoEnvironmentStore, ENVIRONMENT_TABLE_SCHEMA } from '../../../functions/adapters/dynamodb';
import type { EnvironmentRunRequest, Message, SelfServiceTask } from '../../../functions/core/types';
import { configSchema } from '../../../functions/core/config';
import { slackSignature } from '../../../functions/core/slackRequest';
import { interact } from '../../../functions/handlers/slackInteraction';
import { work, type WorkPorts } from '../../../functions/handlers/lib/selfService';
import { selfServiceTaskSchema } from '../../../functions/core/types';
import { startDynalite, type LocalDynamo } from '../../support/dynalite';

const config = configSchema.parse(parse(readFileSync(join(__dirname, '../../../turbo.config.example.yml'), 'utf8')));
const ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:turbo-ci-environment';
const task = (request: SelfServiceTask['request'], requestedAt = '2026-11-24T17:35:00.000Z', developer = 'alice'): SelfServiceTask => ({
  developer,
  request,
  requestedBy: 'slack:U0ALICE001',
  replyTo: 'U0ALICE001',
  requestedAt,
});

describe('SlackWork against a real DynamoDB API (dynalite)', () => {
  let dynamo: LocalDynamo;
  let ports: WorkPorts;
  let started: EnvironmentRunRequest[];
  let dms: { to: string; message: Message }[];
  let table = 0;

  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(async () => dynamo.stop());
  beforeEach(async () => {
    const tableName = `turbo-work-${(table += 1)}`;
    await dynamo.createTable({ TableName: tableName, ...ENVIRONMENT_TABLE_SCHEMA });
    started = [];
    dms = [];
    const names = new Set<string>();
    ports = {
      config,
      store: new DynamoEnvironmentStore(dynamo.documentClient(), tableName),
      // Like Step Functions: a second start under a used name starts nothing.
      runs: {
        start: async (run) => {
          const alreadyStarted = names.has(run.runId);
          names.add(run.runId);
          if (!alreadyStarted) started.push(run);
          return { executionArn: `${ARN.replace(':stateMachine:', ':execution:')}:${run.runId}`, alreadyStarted };
        },
      },
      notifier: {
        sendToUser: async (to, message) => (dms.push({ to, message }), '1.0'),
        sendToChannel: async () => '1.0',
      },
    };
  });

  const readyRecord = async () => {
    await ports.store.claim({
      developer: 'alice',
      clusterName: 'turbo-alice',
      action: 'up',
      runId: 'alice-up-20261124',
      executionArn: 'x',
      now: '2026-11-24T07:35:00.000Z',
      staleBefore: '2026-11-24T03:35:00.000Z',
    });
    await ports.store.update('alice', 'alice-up-20261124', {
      status: 'ready',
      readyAt: '2026-11-24T07:55:00.000Z',
      expiresAt: '2026-11-24T18:00:00.000Z',
    });
  };

  it('keep: writes the keep-alive with who asked and when, and answers by DM in the developer’s zone', async () => {
    await readyRecord();
    const result = await work(task({ verb: 'keep', until: '2026-11-24T21:00:00.000Z', capped: false }), ports);
    expect(result.outcome).toBe('done');
    const record = await ports.store.get('alice');
    expect(record).toMatchObject({ keepUntil: '2026-11-24T21:00:00.000Z', status: 'ready', runId: 'alice-up-20261124' });
    expect(record?.audit).toEqual([
      { at: '2026-11-24T17:35:00.000Z', by: 'slack:U0ALICE001', action: 'keep until 2026-11-24T21:00:00.000Z' },
    ]);
    expect(dms).toEqual([
      { to: 'U0ALICE001', message: expect.objectContaining({ text: "Kept alice's cluster until 22:00 Europe/Berlin (Tue 24 Nov)." }) },
    ]);
  });

  it('a retried invocation of the same task changes nothing twice and starts nothing twice', async () => {
    await readyRecord();
    await work(task({ verb: 'down' }), ports);
    await work(task({ verb: 'down' }), ports);
    expect(started).toHaveLength(1);
    expect((await ports.store.get('alice'))?.audit).toHaveLength(1);
  });

  it('Destroy now during working hours: a manual down run, and today becomes a skip day so reconcile does not bring it back', async () => {
    await readyRecord();
    const result = await work(task({ verb: 'down' }), ports);
    expect(started).toEqual([
      {
        developer: 'alice',
        action: 'down',
        runId: 'alice-down-20261124-manual-1835',
        clusterName: 'turbo-alice',
        expiresAt: null,
        path: null,
      },
    ]);
    expect(result.executionArn).toBe(
      'arn:aws:states:eu-west-1:123456789012:execution:turbo-ci-environment:alice-down-20261124-manual-1835',
    );
    expect((await ports.store.get('alice'))?.skipDates).toEqual(['2026-11-24']);
  });

  it('down with nothing running starts nothing', async () => {
    const result = await work(task({ verb: 'down' }), ports);
    expect(result).toMatchObject({ outcome: 'already', message: 'alice has no cluster to destroy.' });
    expect(started).toEqual([]);
  });

  it('up inside the day starts a manual run with today’s expiry, and un-skips today', async () => {
    await ports.store.amend('alice', {
      clusterName: 'turbo-alice',
      addSkipDate: '2026-11-24',
      audit: { at: '2026-11-24T06:00:00.000Z', by: 'slack:U0ALICE001', action: 'skip 2026-11-24' },
    });
    const result = await work(task({ verb: 'up' }, '2026-11-24T12:00:00.000Z'), ports);
    expect(result.outcome).toBe('done');
    expect(started).toEqual([
      {
        developer: 'alice',
        action: 'up',
        runId: 'alice-up-20261124-manual-1300',
        clusterName: 'turbo-alice',
        expiresAt: '2026-11-24T18:00:00.000Z',
        path: null,
      },
    ]);
    expect((await ports.store.get('alice'))?.skipDates ?? []).toEqual([]);
  });

  it('up after the day ended is refused with the way forward, and starts nothing', async () => {
    const result = await work(task({ verb: 'up' }, '2026-11-24T19:30:00.000Z'), ports);
    expect(result.outcome).toBe('refused');
    expect(result.message).toContain('after teardown at 19:00 Europe/Berlin');
    expect(result.message).toContain('/turbo keep until HH:MM');
    expect(started).toEqual([]);
  });

  it('skip and status: the date is recorded and status reports it', async () => {
    await readyRecord();
    await work(task({ verb: 'skip', date: '2026-11-25' }), ports);
    const status = await work(task({ verb: 'status' }, '2026-11-24T17:36:00.000Z'), ports);
    expect(status.message).toBe(
      'alice: *ready* since 08:55 Europe/Berlin (Tue 24 Nov); destroyed at 19:00 Europe/Berlin (Tue 24 Nov); skipping 2026-11-25',
    );
  });

  it('replies once to a Slack request delivered twice (the second with X-Slack-Retry-Num: 1), however often it runs', async () => {
    await readyRecord();
    const SECRET = 'test-signing-secret-0123456789';
    const fields = { command: '/turbo', text: 'keep until 22:00', user_id: 'U0ALICE001', trigger_id: '1337.42.abcd' };
    const body = new URLSearchParams(fields).toString();
    const delivery = (at: Date, retry?: string) => {
      const timestamp = String(Math.floor(at.getTime() / 1000));
      const retryHeaders = retry ? { 'x-slack-retry-num': retry, 'x-slack-retry-reason': 'http_timeout' } : {};
      const signature = slackSignature(SECRET, timestamp, body);
      const headers = { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature, ...retryHeaders };
      return { headers, body, isBase64Encoded: false };
    };
    const first = new Date('2026-11-24T17:35:00Z');
    const queued: SelfServiceTask[] = [];
    const enqueue = async (queuedTask: SelfServiceTask) => void queued.push(queuedTask);
    const interaction = (now: Date) => ({ config, signingSecret: async () => SECRET, work: { enqueue }, now: () => now });
    await interact(delivery(first), interaction(first));
    // Slack gave up after 3 s and delivers the same request again, signed anew.
    const later = new Date(first.getTime() + 4_000);
    await interact(delivery(later, '1'), interaction(later));

    expect(queued).toHaveLength(2);
    expect(queued[1]!.requestId).toBe(queued[0]!.requestId);
    // Each task goes through SlackWork's own schema, as the async invocation's event does; one runs twice (a Lambda retry).
    for (const queuedTask of [...queued, queued[0]!]) await work(selfServiceTaskSchema.parse(queuedTask), ports);
    expect(dms).toHaveLength(1);
    expect(dms[0]!.message.text).toBe("Kept alice's cluster until 22:00 Europe/Berlin (Tue 24 Nov).");
    expect((await ports.store.get('alice'))?.keepUntil).toBe('2026-11-24T21:00:00.000Z');
  });

  it('replies to every distinct Slack request, and releases the reservation when the DM fails so a retry can send it', async () => {
    await readyRecord();
    const ask = (requestId: string) => ({ ...task({ verb: 'status' }), requestId });
    await work(ask('a'.repeat(32)), ports);
    await work(ask('b'.repeat(32)), ports);
    expect(dms).toHaveLength(2);

    const send = ports.notifier.sendToUser;
    ports.notifier.sendToUser = async () => Promise.reject(new Error('slack is down'));
    await expect(work(ask('c'.repeat(32)), ports)).rejects.toThrow('slack is down');
    ports.notifier.sendToUser = send;
    await work(ask('c'.repeat(32)), ports);
    expect(dms).toHaveLength(3);
  });

  it('refuses a developer who is not in the roster', async () => {
    await expect(work(task({ verb: 'status' }, undefined, 'zed'), ports)).rejects.toThrow('developer "zed" is not in the roster');
  });
});
