/**
 * The in-memory Notifier: Slack as the Slack adapter (adapters/slack.ts) reports it. Every message lands in the
 * outbox; Slack's per-channel rate is waited out, and faults answer as the adapter does once its retries are spent.
 */
import type { Message, MessageKind } from '../../core/types';
import type { Notifier } from '../../core/ports';
import { AuthenticationError, TransientError } from '../../core/errors';
import type { FaultPlan } from './faults';
import type { ChannelRate } from './limits';

export interface SentMessage {
  at: string;
  to: { user?: string; channel?: string };
  developer?: string;
  kind: MessageKind;
  text: string;
  blocks: unknown[];
}

export class MemoryChat implements Notifier {
  readonly outbox: SentMessage[] = [];
  /** Slack's per-channel rate; unset, messages are never held. */
  slackRate?: ChannelRate;
  /** How many chat.postMessage calls Slack answered with 429. */
  slackRateLimited = 0;
  private readonly slackUsers = new Map<string, string>();

  constructor(
    private readonly faults: FaultPlan,
    private readonly onMessage: (message: SentMessage) => void = () => {},
  ) {}

  /** Lets the chat tell which developer a Slack user ID belongs to (for faults and the outbox). */
  knowSlackUser(slackUserId: string, developer: string): void {
    this.slackUsers.set(slackUserId, developer);
  }

  async sendToUser(slackUserId: string, message: Message): Promise<string> {
    const developer = this.slackUsers.get(slackUserId);
    if (developer && message.kind === 'ready' && this.faults.take(developer, 'slack')) {
      throw new AuthenticationError('Slack chat.postMessage failed: invalid_blocks');
    }
    if (developer && this.faults.has(developer, 'slack-429-500-invalid-auth')) throw this.refusal(developer);
    await this.waitForSlack(slackUserId);
    return this.deliver({ user: slackUserId }, message, developer);
  }

  async sendToChannel(channel: string, message: Message): Promise<string> {
    await this.waitForSlack(channel);
    return this.deliver({ channel }, message);
  }

  /** Slack's 429 and Retry-After, waited out as the Slack adapter does (adapters/slack.ts); counted for the soak. */
  private async waitForSlack(channel: string): Promise<void> {
    const rate = this.slackRate;
    if (!rate) return;
    for (let retryAfter = rate.retryAfter(channel, Date.now()); retryAfter > 0; retryAfter = rate.retryAfter(channel, Date.now())) {
      this.slackRateLimited += 1;
      await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
    }
  }

  /** Each answer as the Slack adapter reports it once its own retries are spent (see adapters/slack.ts). */
  private refusal(developer: string): Error {
    const answered = this.faults.nextAnswer(developer, 'slack-429-500-invalid-auth');
    if (answered === 0) return new TransientError('Slack conversations.open is rate limited: retry after 30 s');
    if (answered === 1) return new TransientError('Slack conversations.open failed after retries: HTTP 500');
    return new AuthenticationError('Slack conversations.open refused the bot token: invalid_auth');
  }

  private deliver(to: SentMessage['to'], message: Message, developer?: string): string {
    const sent: SentMessage = {
      at: new Date().toISOString(),
      to,
      developer,
      kind: message.kind,
      text: message.text,
      blocks: message.blocks,
    };
    this.outbox.push(sent);
    this.onMessage(sent);
    // Slack's ts: the second, then a sequence that makes it unique (the message's ID in its channel).
    return `${Math.floor(Date.now() / 1000)}.${String(this.outbox.length).padStart(6, '0')}`;
  }
}
