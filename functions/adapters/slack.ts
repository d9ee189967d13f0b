/**
 * Notifier on the Slack Web API (@slack/web-api). The WebClient retries 5xx and network failures with backoff and
 * waits out a 429's Retry-After; what survives that becomes a port error. The bot token never appears in an error.
 */
import { ErrorCode, LogLevel, WebClient, type Block, type RetryOptions } from '@slack/web-api';
import type { Message } from '../core/types';
import type { Notifier, SecretStore } from '../core/ports';
import { AuthenticationError, ConfigurationError, TransientError } from '../core/errors';

export interface SlackNotifierOptions {
  /** The Web API base URL; Slack's own by default. Rehearsals and tests point it at a local server. */
  slackApiUrl?: string;
  /** p-retry options for 5xx, network failures and rate limits. */
  retryConfig?: RetryOptions;
  /** Per request. */
  timeoutMs?: number;
}

/** Bounded to fit a Lambda step: at most ~20 s of backoff, plus whatever a Retry-After asks for. */
const MAX_ERROR_MESSAGE = 500;

export const DEFAULT_SLACK_RETRY: RetryOptions = { retries: 3, factor: 2, minTimeout: 1000, maxTimeout: 10_000, randomize: true };
const DEFAULT_TIMEOUT_MS = 10_000;

/** Answers that mean the token itself is bad: retrying cannot help, a human must replace it. */
const AUTHENTICATION_ERRORS = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired']);

interface SlackFailure {
  code?: string;
  message?: string;
  data?: { error?: string };
  statusCode?: number;
  retryAfter?: number;
}

export class SlackNotifier implements Notifier {
  private readonly client: WebClient;

  constructor(
    private readonly token: string,
    options: SlackNotifierOptions = {},
  ) {
    if (!token.trim()) throw new ConfigurationError('the Slack bot token is empty: check slack.tokenParameter');
    this.client = new WebClient(token, {
      slackApiUrl: options.slackApiUrl,
      retryConfig: options.retryConfig ?? DEFAULT_SLACK_RETRY,
      // Wait out a 429 and retry, within the bounded retryConfig, rather than fail the step at once.
      rejectRateLimitedCalls: false,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      logLevel: LogLevel.ERROR,
    });
  }

  async sendToUser(slackUserId: string, message: Message): Promise<string> {
    const opened = await this.call('conversations.open', () => this.client.conversations.open({ users: slackUserId }));
    const channel = opened.channel?.id;
    if (!channel) throw new Error(`Slack conversations.open for ${slackUserId} answered without a channel`);
    return this.sendToChannel(channel, message);
  }

  async sendToChannel(channel: string, message: Message): Promise<string> {
    const posted = await this.call('chat.postMessage', () =>
      this.client.chat.postMessage({ channel, text: message.text, blocks: message.blocks as Block[] }),
    );
    if (!posted.ts) throw new Error(`Slack chat.postMessage to ${channel} answered without a message timestamp`);
    return posted.ts;
  }

  private async call<T>(method: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      const translated = this.translate(error as SlackFailure, method);
      const message = this.redact(translated.message);
      // A non-JSON answer ends up whole in the library's message: a huge body must not become a huge log line.
      translated.message =
        message.length > MAX_ERROR_MESSAGE ? `${message.slice(0, MAX_ERROR_MESSAGE)}… (${message.length} characters)` : message;
      throw translated;
    }
  }

  private translate(failure: SlackFailure, method: string): Error {
    const slackError = failure.data?.error;
    switch (failure.code) {
      case ErrorCode.PlatformError:
        return AUTHENTICATION_ERRORS.has(slackError ?? '')
          ? new AuthenticationError(`Slack ${method} refused the bot token: ${slackError}`)
          : new Error(`Slack ${method} failed: ${slackError}`);
      case ErrorCode.HTTPError:
        return new TransientError(`Slack ${method} failed after retries: HTTP ${failure.statusCode}`);
      case ErrorCode.RateLimitedError:
        return new TransientError(`Slack ${method} is rate limited: retry after ${failure.retryAfter} s`);
      default:
        // Timeouts, network failures, and a rate limit that outlasted the retries.
        return new TransientError(`Slack ${method} failed after retries: ${failure.message ?? String(failure)}`);
    }
  }

  private redact(text: string): string {
    return text.split(this.token).join('[token]');
  }
}

/** The notifier with the bot token read from its parameter (config slack.tokenParameter). */
export async function createSlackNotifier(
  secrets: SecretStore,
  tokenParameter: string,
  options?: SlackNotifierOptions,
): Promise<SlackNotifier> {
  return new SlackNotifier(await secrets.get(tokenParameter), options);
}
