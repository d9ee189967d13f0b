// @middy/core and @middy/util export only an `import` condition, which jest's CommonJS resolver does not match:
// load their files by path (jest.config lets swc compile them).
jest.mock('@middy/core', () => jest.requireActual('../../../node_modules/@middy/core/index.js'), { virtual: true });
jest.mock('@middy/util', () => jest.requireActual('../../../node_modules/@middy/util/index.js'), { virtual: true });

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import type { Workflows } from '../../../functions/core/ports';
import { loadConfigText } from '../../../functions/core/configFile';
import { handler } from '../../../functions/handlers/imageWebhook';
import { bindTestDeps } from '../../support/deps';

const config = loadConfigText(readFileSync(join(__dirname, '../../../turbo.config.example.yml'), 'utf8'));
const TOKEN = 'f3a1c9e0b7d24e6f8a5b3c1d9e7f0a2b4c6d8e0f1a3b5c7d';
const context = { functionName: 'imageWebhook', awsRequestId: 'req-1' } as Context;

/** A Step Functions double that keeps names as the service does: a second start of a name starts nothing. */
function fakeWorkflows() {
  const executions = new Map<string, Record<string, unknown>>();
  const workflows: Workflows = {
    async start(name, input) {
      const alreadyStarted = executions.has(name);
      if (!alreadyStarted) executions.set(name, input);
      return { executionArn: `arn:aws:states:eu-west-1:123456789012:execution:turbo-image-sync:${name}`, alreadyStarted };
    },
  };
  return { workflows, executions };
}

const event = (token: string | undefined, body: string | undefined) => ({
  version: '2.0',
  routeKey: 'POST /hooks/images/{token}',
  rawPath: `/hooks/images/${token ?? ''}`,
  pathParameters: token === undefined ? undefined : { token },
  body,
  isBase64Encoded: false,
});

describe('ImageWebhook', () => {
  let executions: Map<string, Record<string, unknown>>;
  const secretReads: string[] = [];

  beforeEach(() => {
    const fake = fakeWorkflows();
    executions = fake.executions;
    secretReads.length = 0;
    bindTestDeps(config, { workflows: fake.workflows, secrets: { get: async (name) => (secretReads.push(name), TOKEN) } });
  });

  const call = (token: string | undefined, body: string | undefined) =>
    handler(event(token, body), context) as Promise<{ statusCode: number; body: string }>;

  const dockerHubPush = (pushedAt: number) =>
    JSON.stringify({ push_data: { tag: '1.3.0', pusher: 'ci', pushed_at: pushedAt }, repository: { repo_name: 'acme/turbo-notes' } });

  it('starts one image-sync execution for a push, however often it is delivered', async () => {
    const body = dockerHubPush(1764064800);
    const first = await call(TOKEN, body);
    const second = await call(TOKEN, body);

    expect(first.statusCode).toBe(202);
    expect(JSON.parse(first.body)).toEqual({ outcome: 'started', execution: expect.stringMatching(/^push-acme-turbo-notes-1-3-0-/) });
    expect(JSON.parse(second.body)).toEqual({ outcome: 'already-started', execution: JSON.parse(first.body).execution });
    expect([...executions.values()]).toEqual([{ trigger: 'push', push: { repository: 'acme/turbo-notes', tag: '1.3.0' } }]);
    expect(secretReads).toEqual(Array(2).fill('/turbo/image-sync/webhook-token'));
  });

  it('starts a new execution when the same tag is pushed again, and none for a redelivery of either push', async () => {
    const first = JSON.parse((await call(TOKEN, dockerHubPush(1764064800))).body);
    const repushed = JSON.parse((await call(TOKEN, dockerHubPush(1764068400))).body);
    const redelivered = JSON.parse((await call(TOKEN, dockerHubPush(1764068400))).body);
    const digest = (n: number) =>
      JSON.stringify({ repository: 'acme/turbo-notes', tag: '1.3.0', digest: `sha256:${String(n).repeat(64)}` });
    const fromPipeline = JSON.parse((await call(TOKEN, digest(1))).body);
    const movedByPipeline = JSON.parse((await call(TOKEN, digest(2))).body);

    expect(repushed.outcome).toBe('started');
    expect(repushed.execution).not.toBe(first.execution);
    expect(redelivered).toEqual({ outcome: 'already-started', execution: repushed.execution });
    expect([fromPipeline.outcome, movedByPipeline.outcome]).toEqual(['started', 'started']);
    expect(new Set([first.execution, repushed.execution, fromPipeline.execution, movedByPipeline.execution]).size).toBe(4);
    expect(executions.size).toBe(4);
  });

  it.each([
    ['a wrong token', 'x'.repeat(48)],
    ['a token one character short', TOKEN.slice(1)],
    ['no token', undefined],
  ])('answers 404 to %s and starts nothing', async (_case, token) => {
    const answer = await call(token, '{"repository":"acme/turbo-notes","tag":"1.3.0"}');
    expect(answer).toMatchObject({ statusCode: 404, body: '{"message":"Not Found"}' });
    expect(executions.size).toBe(0);
  });

  it("starts image-sync for a real Docker Hub payload, with the repository's 25,000-character README and its Dockerfile", async () => {
    const payload = JSON.parse(dockerHubPush(1764064800));
    payload.repository = {
      ...payload.repository,
      full_description: `# Turbo Notes\n${'Notes, kept short. '.repeat(1400)}`.slice(0, 25_000),
      dockerfile: 'FROM node:22-alpine\nCOPY . /app\nCMD ["node", "/app/server.js"]',
    };
    const answer = await call(TOKEN, JSON.stringify(payload));
    expect(answer.statusCode).toBe(202);
    expect(JSON.parse(answer.body).outcome).toBe('started');
  });

  it('answers 413 to a body over the limit and 400 to malformed JSON, starting nothing', async () => {
    const big = await call(TOKEN, JSON.stringify({ repository: 'acme/turbo-notes', tag: '1.3.0', pad: 'x'.repeat(300 * 1024) }));
    expect(big.statusCode).toBe(413);
    expect(JSON.parse(big.body).message).toMatch(/^the body is \d+ bytes; a push notification is at most 262144 bytes/);
    const malformed = await call(TOKEN, '{"repository":');
    expect(malformed.statusCode).toBe(400);
    expect(JSON.parse(malformed.body).message).toMatch(/^the body is not valid JSON/);
    expect(executions.size).toBe(0);
  });

  it('ignores a push of an image that is not in the config', async () => {
    const answer = await call(TOKEN, '{"repository":"other/thing","tag":"1.0.0"}');
    expect(answer.statusCode).toBe(202);
    expect(JSON.parse(answer.body)).toEqual({
      outcome: 'ignored',
      message: 'other/thing is not one of the configured images (acme/turbo-notes, acme/turbo-mongo)',
    });
    expect(executions.size).toBe(0);
  });

  it('never puts the token in its answers', async () => {
    const answers = await Promise.all([
      call(TOKEN, '{"repository":"acme/turbo-notes","tag":"1.3.0"}'),
      call(TOKEN, '{}'),
      call('nope', '{}'),
    ]);
    for (const answer of answers) expect(JSON.stringify(answer)).not.toContain(TOKEN);
    expect(JSON.stringify([...executions.values()])).not.toContain(TOKEN);
  });
});
