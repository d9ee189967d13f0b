import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { configSchema, type TurboConfig } from '../../../functions/core/config';
import { WARNING_ACTIONS } from '../../../functions/core/messages';
import {
  authorize,
  parseCommand,
  parseInteraction,
  requestIdOf,
  resolveRequest,
  slackSignature,
  verifySlackRequest,
} from '../../../functions/core/slackRequest';

const example = parse(readFileSync(join(__dirname, '../../../turbo.config.example.yml'), 'utf8'));
const config: TurboConfig = configSchema.parse(example);
const dev = (name: string) => config.developers.find((d) => d.name === name)!;

// Slack's own worked example (https://api.slack.com/authentication/verifying-requests-from-slack).
const DOC_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const DOC_TIMESTAMP = '1531420618';
const DOC_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const DOC_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const docNow = new Date(Number(DOC_TIMESTAMP) * 1000 + 60_000);

describe('verifySlackRequest', () => {
  it('accepts Slack’s documented example request', () => {
    expect(slackSignature(DOC_SECRET, DOC_TIMESTAMP, DOC_BODY)).toBe(DOC_SIGNATURE);
    expect(verifySlackRequest({ timestamp: DOC_TIMESTAMP, signature: DOC_SIGNATURE, rawBody: DOC_BODY }, DOC_SECRET, docNow)).toEqual({
      ok: true,
    });
  });

  it('refuses a body changed by one character, another secret, or a signature of another scheme', () => {
    const base = { timestamp: DOC_TIMESTAMP, signature: DOC_SIGNATURE, rawBody: DOC_BODY };
    expect(verifySlackRequest({ ...base, rawBody: DOC_BODY.replace('text=', 'text=up') }, DOC_SECRET, docNow)).toEqual({
      ok: false,
      reason: 'X-Slack-Signature does not match the request',
    });
    expect(verifySlackRequest(base, 'another-secret', docNow).ok).toBe(false);
    expect(verifySlackRequest({ ...base, signature: DOC_SIGNATURE.replace('v0=', 'v1=') }, DOC_SECRET, docNow)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('not a v0 signature'),
    });
    expect(verifySlackRequest({ ...base, signature: undefined }, DOC_SECRET, docNow).ok).toBe(false);
  });

  it('refuses a timestamp more than 5 minutes away, either side, and accepts one at exactly 5 minutes', () => {
    const signedAt = (seconds: number) => {
      const timestamp = String(seconds);
      return { timestamp, signature: slackSignature('s3cret', timestamp, 'a=b'), rawBody: 'a=b' };
    };
    const now = new Date('2026-11-24T17:00:00Z');
    const nowSeconds = now.getTime() / 1000;
    expect(verifySlackRequest(signedAt(nowSeconds - 300), 's3cret', now)).toEqual({ ok: true });
    expect(verifySlackRequest(signedAt(nowSeconds - 301), 's3cret', now)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('more than 5 minutes'),
    });
    expect(verifySlackRequest(signedAt(nowSeconds + 301), 's3cret', now).ok).toBe(false);
    expect(verifySlackRequest({ ...signedAt(nowSeconds), timestamp: '17:00' }, 's3cret', now)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('not Unix seconds'),
    });
  });

  it('never puts the secret or the expected signature into its reason', () => {
    const result = verifySlackRequest(
      { timestamp: DOC_TIMESTAMP, signature: `v0=${'0'.repeat(64)}`, rawBody: DOC_BODY },
      DOC_SECRET,
      docNow,
    );
    expect(JSON.stringify(result)).not.toContain(DOC_SECRET);
    expect(JSON.stringify(result)).not.toContain(DOC_SIGNATURE.slice(3));
  });

  it('refuses everything when no secret is configured', () => {
    expect(
      verifySlackRequest(
        { timestamp: DOC_TIMESTAMP, signature: slackSignature('', DOC_TIMESTAMP, DOC_BODY), rawBody: DOC_BODY },
        '',
        docNow,
      ).ok,
    ).toBe(false);
  });
});

describe('requestIdOf', () => {
  it('is the same for every delivery of one request body, and differs between requests', () => {
    const body = (trigger: string) =>
      new URLSearchParams({ command: '/turbo', text: 'down', user_id: 'U0ALICE001', trigger_id: trigger }).toString();
    expect(requestIdOf(body('1337.42.a'))).toMatch(/^[0-9a-f]{32}$/);
    expect(requestIdOf(body('1337.42.a'))).toBe(requestIdOf(body('1337.42.a')));
    expect(requestIdOf(body('1337.42.b'))).not.toBe(requestIdOf(body('1337.42.a')));
  });
});

describe('parseCommand: the /turbo grammar', () => {
  it.each([
    ['status', { verb: 'status' }],
    ['', { verb: 'help' }],
    ['  UP  ', { verb: 'up' }],
    ['down bob', { verb: 'down', target: { name: 'bob' } }],
    ['keep until 22:00', { verb: 'keep', until: '22:00' }],
    ['keep until 21:30 @carol', { verb: 'keep', until: '21:30', target: { name: 'carol' } }],
    ['skip tomorrow', { verb: 'skip', when: 'tomorrow' }],
    ['skip 2026-12-02 <@U0BOB00001|bob>', { verb: 'skip', when: { date: '2026-12-02' }, target: { slackUserId: 'U0BOB00001' } }],
    ['status <@U0DAVE0001>', { verb: 'status', target: { slackUserId: 'U0DAVE0001' } }],
  ])('%j', (text, expected) => {
    expect(parseCommand(text)).toEqual({ target: undefined, ...expected });
  });

  it.each([
    ['keep 22:00', '"keep" needs "until HH:MM" (24-hour), got "22:00"'],
    ['keep until 10pm', '"keep" needs "until HH:MM" (24-hour), got "until 10pm"'],
    ['skip friday', '"skip" needs "tomorrow" or a date YYYY-MM-DD, got "friday"'],
    ['skip 2026-02-30', '"skip" needs "tomorrow" or a date YYYY-MM-DD, got "2026-02-30"'],
    ['destroy', 'unknown command "destroy"'],
    ['up alice bob', 'unexpected "bob" after "up alice"'],
    ['up Alice!', '"Alice!" is not a developer'],
  ])('%j is refused: %s, with the usage', (text, message) => {
    expect(() => parseCommand(text)).toThrow(message);
    expect(() => parseCommand(text)).toThrow('Usage: /turbo status | keep until HH:MM');
  });
});

describe('parseInteraction: the two body formats', () => {
  it('reads a slash command form body', () => {
    const body = new URLSearchParams({
      command: '/turbo',
      text: 'keep until 22:00',
      user_id: 'U0ALICE001',
      response_url: 'https://hooks.example/x',
    }).toString();
    expect(parseInteraction(body)).toEqual({
      kind: 'command',
      userId: 'U0ALICE001',
      command: { verb: 'keep', until: '22:00', target: undefined },
    });
  });

  it('reads the warning’s buttons from a block_actions payload', () => {
    const payload = (actionId: string, value: object) =>
      new URLSearchParams({
        payload: JSON.stringify({
          type: 'block_actions',
          user: { id: 'U0OPSLEAD1' },
          actions: [{ action_id: actionId, value: JSON.stringify(value), type: 'button' }],
        }),
      }).toString();
    expect(parseInteraction(payload(WARNING_ACTIONS.keep, { developer: 'alice', until: '22:00' }))).toEqual({
      kind: 'action',
      userId: 'U0OPSLEAD1',
      command: { verb: 'keep', until: '22:00', target: { name: 'alice' } },
    });
    expect(parseInteraction(payload(WARNING_ACTIONS.destroy, { developer: 'alice' })).command).toEqual({
      verb: 'down',
      target: { name: 'alice' },
    });
    expect(() => parseInteraction(payload('someone_elses_button', { developer: 'alice' }))).toThrow(
      "action someone_elses_button is not one of Turbo's buttons",
    );
    expect(() => parseInteraction(payload(WARNING_ACTIONS.keep, { developer: 'alice', until: 'late' }))).toThrow('is not one of Turbo');
  });

  it('names what is missing or malformed', () => {
    expect(() => parseInteraction('text=up')).toThrow('the slash command has no user_id');
    expect(() => parseInteraction('payload=%7Bnot')).toThrow('the payload field is not JSON');
    expect(() => parseInteraction(`payload=${encodeURIComponent('{"type":"view_submission"}')}`)).toThrow(
      'payload type "view_submission" is not handled',
    );
    expect(() => parseInteraction(`payload=${encodeURIComponent('{"type":"block_actions","user":{"id":"U1"},"actions":[]}')}`)).toThrow(
      'has no action',
    );
  });
});

describe('authorize: self, ops, or a polite no', () => {
  it('a developer acts on their own environment, by default or by name', () => {
    expect(authorize(config, 'U0ALICE001', undefined)).toEqual({ ok: true, developer: dev('alice') });
    expect(authorize(config, 'U0ALICE001', { name: 'alice' })).toEqual({ ok: true, developer: dev('alice') });
  });

  it('ops act on anyone’s, by name or mention', () => {
    expect(authorize(config, 'U0OPSLEAD1', { name: 'bob' })).toEqual({ ok: true, developer: dev('bob') });
    expect(authorize(config, 'U0OPSLEAD1', { slackUserId: 'U0CAROL001' })).toEqual({ ok: true, developer: dev('carol') });
  });

  it('anyone else is told no, politely, with who can help', () => {
    expect(authorize(config, 'U0ALICE001', { name: 'bob' })).toEqual({
      ok: false,
      message: "Sorry, you can only act on your own environment, not bob's. Ops (<@U0OPSLEAD1>) can help.",
    });
    expect(authorize(config, 'U0STRANGER', undefined)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^Sorry, you have no Turbo environment/),
    });
    expect(authorize(config, 'U0OPSLEAD1', { name: 'zed' })).toMatchObject({
      ok: false,
      message: expect.stringContaining('"zed" is not in Turbo\'s roster'),
    });
  });
});

describe('resolveRequest: words become the developer’s own dates and instants', () => {
  const tuesdayEvening = new Date('2026-11-24T17:35:00Z'); // 18:35 in Berlin, 12:35 in New York

  it('keep until 22:00 is 22:00 in the developer’s zone today', () => {
    expect(resolveRequest(config, dev('alice'), { verb: 'keep', until: '22:00' }, tuesdayEvening)).toEqual({
      ok: true,
      request: { verb: 'keep', until: '2026-11-24T21:00:00.000Z', capped: false },
    });
    expect(resolveRequest(config, dev('carol'), { verb: 'keep', until: '22:00' }, tuesdayEvening)).toMatchObject({
      request: { until: '2026-11-25T03:00:00.000Z' },
    });
  });

  it('caps a keep-alive at maxKeepUntil and says so', () => {
    const late = configSchema.parse({ ...example, maxKeepUntil: '21:00' });
    expect(resolveRequest(late, dev('alice'), { verb: 'keep', until: '23:30' }, tuesdayEvening)).toEqual({
      ok: true,
      request: { verb: 'keep', until: '2026-11-24T20:00:00.000Z', capped: true },
    });
  });

  it('refuses a keep-alive that has already passed', () => {
    expect(resolveRequest(config, dev('alice'), { verb: 'keep', until: '18:00' }, tuesdayEvening)).toEqual({
      ok: false,
      message: 'It is already past 18:00 in Europe/Berlin: nothing to keep until today.',
    });
  });

  it('skip tomorrow is the developer’s tomorrow: Wednesday in Berlin, already Thursday in Kolkata late on Wednesday UTC', () => {
    expect(resolveRequest(config, dev('alice'), { verb: 'skip', when: 'tomorrow' }, tuesdayEvening)).toEqual({
      ok: true,
      request: { verb: 'skip', date: '2026-11-25' },
    });
    expect(resolveRequest(config, dev('dave'), { verb: 'skip', when: 'tomorrow' }, new Date('2026-11-25T20:00:00Z'))).toMatchObject({
      request: { date: '2026-11-27' },
    });
  });

  it('refuses to skip a past date, but today is fine', () => {
    expect(resolveRequest(config, dev('alice'), { verb: 'skip', when: { date: '2026-11-23' } }, tuesdayEvening)).toMatchObject({
      ok: false,
      message: expect.stringContaining('in the past'),
    });
    expect(resolveRequest(config, dev('alice'), { verb: 'skip', when: { date: '2026-11-24' } }, tuesdayEvening)).toMatchObject({
      ok: true,
    });
  });

  it('help answers with the usage', () => {
    expect(resolveRequest(config, dev('alice'), { verb: 'help' }, tuesdayEvening)).toMatchObject({
      ok: false,
      message: expect.stringContaining('Usage: /turbo'),
    });
  });
});
