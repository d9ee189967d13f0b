import { inspect } from 'node:util';
import type { Message } from '../../../functions/core/types';
import type { SecretStore } from '../../../functions/core/ports';
import { AuthenticationError, ConfigurationError, TransientError } from '../../../functions/core/errors';
import { SlackNotifier, createSlackNotifier, type SlackNotifierOptions } from '../../../functions/adapters/slack';
import { startSlackServer, type SlackServer } from '../../support/slack-server';

const token = 'xoxb-000000000000-1111111111111-abcdefghijklmnopqrstuvwx';
const message: Message = {
  kind: 'ready',
  text: 'Your Turbo cluster turbo-alice is ready.',
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Your Turbo cluster `turbo-alice` is ready.' } }],
};
const noRetries = { retries: 0 };

/** The whole error as a log line or a state machine Cause would show it. */
const everything = (error: unknown) => `${String(error)} ${inspect(error, { depth: 5 })} ${JSON.stringify(error)}`;

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure, got a success');
}

describe('SlackNotifier against a local Slack Web API', () => {
  let slack: SlackServer;
  const notifier = (options: SlackNotifierOptions = {}, withToken = token) =>
    new SlackNotifier(withToken, { slackApiUrl: slack.apiUrl, retryConfig: noRetries, ...options });

  beforeEach(async () => {
    slack = await startSlackServer({ token });
  });
  afterEach(async () => {
    await slack.close();
  });

  it('opens a DM and posts the message to it, with the bearer token', async () => {
    const ts = await notifier().sendToUser('U0123ABCD', message);

    expect(ts).toMatch(/^\d+\.\d{6}$/);
    expect(slack.calls.map((call) => call.method)).toEqual(['conversations.open', 'chat.postMessage']);
    expect(slack.calls[0].args).toMatchObject({ users: 'U0123ABCD' });
    expect(slack.calls[1].args).toMatchObject({ channel: 'D0123ABCD', text: message.text, blocks: message.blocks });
    for (const call of slack.calls) {
      expect(call.authorization).toBe(`Bearer ${token}`);
      expect(call.contentType).toBe('application/x-www-form-urlencoded');
      expect(call.args).not.toHaveProperty('token');
    }
  });

  it("never sends the message's kind to Slack: it is Turbo's own label, for fakes and tests", async () => {
    await notifier().sendToUser('U0123ABCD', message);
    await notifier().sendToChannel('C0OPS1234', message);

    const posts = slack.calls.filter((call) => call.method === 'chat.postMessage');
    expect(posts).toHaveLength(2);
    for (const post of posts) {
      expect(post.args).not.toHaveProperty('kind');
      expect(Object.values(post.args)).not.toContain(message.kind);
    }
  });

  it('posts to a channel directly', async () => {
    const ts = await notifier().sendToChannel('C0OPS1234', message);

    expect(ts).toMatch(/^\d+\.\d{6}$/);
    expect(slack.calls).toHaveLength(1);
    expect(slack.calls[0]).toMatchObject({ method: 'chat.postMessage', args: { channel: 'C0OPS1234', text: message.text } });
  });

  it.each(['invalid_auth', 'not_authed', 'account_inactive'])('turns %s into AuthenticationError without retrying', async (code) => {
    slack.fail('conversations.open', { kind: 'error', error: code });

    const error = await failureOf(notifier({ retryConfig: { retries: 3, minTimeout: 1 } }).sendToUser('U0123ABCD', message));

    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toBe(`Slack conversations.open refused the bot token: ${code}`);
    expect(slack.calls).toHaveLength(1);
    expect(everything(error)).not.toContain(token);
  });

  it('gets invalid_auth from the server for a wrong token, and never shows either token', async () => {
    const wrongToken = 'xoxb-999999999999-2222222222222-wrongwrongwrongwrongwron';

    const error = await failureOf(notifier({}, wrongToken).sendToChannel('C0OPS1234', message));

    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain('invalid_auth');
    expect(everything(error)).not.toContain(wrongToken);
    expect(everything(error)).not.toContain(token);
  });

  it('names the Slack error code of any other failure', async () => {
    const error = await failureOf(notifier().sendToUser('bogus', message));

    expect(error).not.toBeInstanceOf(TransientError);
    expect(error).not.toBeInstanceOf(AuthenticationError);
    expect(error.message).toBe('Slack conversations.open failed: user_not_found');
  });

  it('reports a missing channel by its Slack error code', async () => {
    await expect(notifier().sendToChannel('#ops', message)).rejects.toThrow('Slack chat.postMessage failed: channel_not_found');
  });

  it('retries a 5xx and succeeds when Slack recovers', async () => {
    slack.fail('chat.postMessage', { kind: 'http', status: 503 }, 2);

    const ts = await notifier({ retryConfig: { retries: 2, minTimeout: 1, maxTimeout: 5 } }).sendToChannel('C0OPS1234', message);

    expect(ts).toMatch(/^\d+\.\d{6}$/);
    expect(slack.calls).toHaveLength(3);
  });

  it('gives TransientError when 5xx outlasts the bounded retries', async () => {
    slack.fail('chat.postMessage', { kind: 'http', status: 500 }, 10);

    const error = await failureOf(
      notifier({ retryConfig: { retries: 2, minTimeout: 1, maxTimeout: 5 } }).sendToChannel('C0OPS1234', message),
    );

    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe('Slack chat.postMessage failed after retries: HTTP 500');
    expect(slack.calls).toHaveLength(3);
    expect(everything(error)).not.toContain(token);
  });

  it('gives TransientError when requests time out', async () => {
    slack.fail('chat.postMessage', { kind: 'slow', delayMs: 1000 }, 2);

    const error = await failureOf(
      notifier({ timeoutMs: 100, retryConfig: { retries: 1, minTimeout: 1, maxTimeout: 5 } }).sendToChannel('C0OPS1234', message),
    );

    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toMatch(/^Slack chat.postMessage failed after retries: .*timeout/i);
    expect(slack.calls).toHaveLength(2);
    expect(everything(error)).not.toContain(token);
  });

  it('honours Retry-After on a 429: the retry comes after the wait, so Slack accepts it', async () => {
    // The server rate-limits again any request that comes before Retry-After has passed; with one retry
    // allowed, the send only succeeds if the client waited.
    slack.fail('chat.postMessage', { kind: 'rate-limited', retryAfterSeconds: 1 });

    const ts = await notifier({ retryConfig: { retries: 1, minTimeout: 1, maxTimeout: 5 } }).sendToChannel('C0OPS1234', message);

    expect(ts).toMatch(/^\d+\.\d{6}$/);
    expect(slack.calls).toHaveLength(2);
  });

  it('refuses an empty token before calling Slack', () => {
    expect(() => new SlackNotifier('  ', { slackApiUrl: slack.apiUrl })).toThrow(ConfigurationError);
    expect(slack.calls).toHaveLength(0);
  });

  it('builds a notifier with the token read from the secret store', async () => {
    const asked: string[] = [];
    const secrets: SecretStore = {
      get: async (name) => {
        asked.push(name);
        return token;
      },
    };

    const built = await createSlackNotifier(secrets, '/turbo/slack/bot-token', { slackApiUrl: slack.apiUrl, retryConfig: noRetries });
    await built.sendToChannel('C0OPS1234', message);

    expect(asked).toEqual(['/turbo/slack/bot-token']);
    expect(slack.calls[0].authorization).toBe(`Bearer ${token}`);
  });
});
