// @middy/core and @middy/util export only an `import` condition, which jest's CommonJS resolver does not match:
// load their files by path (jest.config lets swc compile them).
jest.mock('@middy/core', () => jest.requireActual('../../../node_modules/@middy/core/index.js'), { virtual: true });
jest.mock('@middy/util', () => jest.requireActual('../../../node_modules/@middy/util/index.js'), { virtual: true });

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { SelfServiceTask } from '../../../functions/core/types';
import { configSchema } from '../../../functions/core/config';
import { WARNING_ACTIONS } from '../../../functions/core/messages';
import { slackSignature } from '../../../functions/core/slackRequest';
import { interact, type InteractionPorts } from '../../../functions/handlers/slackInteraction';

const config = configSchema.parse(parse(readFileSync(join(__dirname, '../../../turbo.config.example.yml'), 'utf8')));
const SECRET = 'test-signing-secret-0123456789';
const now = new Date('2026-11-24T17:35:00Z'); // 18:35 in Berlin
const nowSeconds = String(now.getTime() / 1000);

function ports(): InteractionPorts & { queued: SelfServiceTask[] } {
  const queued: SelfServiceTask[] = [];
  return { config, signingSecret: async () => SECRET, work: { enqueue: async (task) => void queued.push(task) }, now: () => now, queued };
}

function signed(body: string, overrides: { secret?: string; timestamp?: string; base64?: boolean } = {}) {
  const timestamp = overrides.timestamp ?? nowSeconds;
  return {
    headers: {
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': slackSignature(overrides.secret ?? SECRET, timestamp, body),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: overrides.base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: overrides.base64 ?? false,
  };
}

const command = (text: string, userId = 'U0ALICE001') =>
  new URLSearchParams({ command: '/turbo', text, user_id: userId, response_url: 'https://hooks.example/r' }).toString();
const ephemeralText = (response: unknown) => JSON.parse((response as { body: string }).body).text as string;

describe('SlackInteraction', () => {
  it('refuses a request signed with another secret: 401, and nothing is queued', async () => {
    const p = ports();
    const response = await interact(signed(command('down'), { secret: 'not-the-secret-000000' }), p);
    expect(response).toEqual({ statusCode: 401, body: 'invalid Slack signature' });
    expect(p.queued).toEqual([]);
  });

  it('refuses a replayed request older than 5 minutes, and one without headers', async () => {
    const p = ports();
    expect(await interact(signed(command('down'), { timestamp: String(Number(nowSeconds) - 301) }), p)).toMatchObject({ statusCode: 401 });
    expect(await interact({ headers: {}, body: command('down'), isBase64Encoded: false }, p)).toMatchObject({ statusCode: 401 });
    expect(p.queued).toEqual([]);
  });

  it('queues a verified keep-alive, resolved to the developer’s zone, and acknowledges at once', async () => {
    const p = ports();
    const response = await interact(signed(command('keep until 22:00'), { base64: true }), p);
    expect(response).toMatchObject({ statusCode: 200 });
    expect(JSON.parse((response as { body: string }).body)).toEqual({
      response_type: 'ephemeral',
      text: "On it: keep for alice. I'll send you a DM when it is done.",
    });
    expect(p.queued).toEqual([
      {
        developer: 'alice',
        request: { verb: 'keep', until: '2026-11-24T21:00:00.000Z', capped: false },
        requestedBy: 'slack:U0ALICE001',
        replyTo: 'U0ALICE001',
        requestId: expect.stringMatching(/^[0-9a-f]{32}$/),
        requestedAt: '2026-11-24T17:35:00.000Z',
      },
    ]);
  });

  it('tells a non-ops user no, politely, about someone else’s environment, and queues nothing', async () => {
    const p = ports();
    const response = await interact(signed(command('down bob')), p);
    expect(ephemeralText(response)).toBe("Sorry, you can only act on your own environment, not bob's. Ops (<@U0OPSLEAD1>) can help.");
    expect(p.queued).toEqual([]);
  });

  it('lets ops act on anyone, including by the warning’s Destroy now button (empty 200)', async () => {
    const p = ports();
    const payload = JSON.stringify({
      type: 'block_actions',
      user: { id: 'U0OPSLEAD1' },
      actions: [{ action_id: WARNING_ACTIONS.destroy, value: JSON.stringify({ developer: 'bob' }) }],
    });
    const response = await interact(signed(new URLSearchParams({ payload }).toString()), p);
    expect(response).toEqual({ statusCode: 200, body: '' });
    expect(p.queued).toEqual([expect.objectContaining({ developer: 'bob', request: { verb: 'down' }, requestedBy: 'slack:U0OPSLEAD1' })]);
  });

  it('answers a malformed command with what was wrong and the usage, queuing nothing', async () => {
    const p = ports();
    expect(ephemeralText(await interact(signed(command('keep 22:00')), p))).toMatch(/^"keep" needs "until HH:MM".*Usage: \/turbo/);
    expect(ephemeralText(await interact(signed(command('keep until 17:00')), p))).toBe(
      'It is already past 17:00 in Europe/Berlin: nothing to keep until today.',
    );
    expect(p.queued).toEqual([]);
  });

  it('fails (so Slack shows an error) when the work cannot be queued, rather than pretending', async () => {
    const p = ports();
    p.work = { enqueue: async () => Promise.reject(new Error('Lambda Invoke (Event) of turbo-ci-slackWork answered 500')) };
    await expect(interact(signed(command('up')), p)).rejects.toThrow('answered 500');
  });
});
