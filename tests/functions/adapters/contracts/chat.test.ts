/**
 * The Notifier contract, run against the in-memory chat (adapters/memory/chat.ts) and the Slack adapter
 * (adapters/slack.ts) on a local Slack Web API (tests/support/slack-server.ts): what a recipient gets, and the answer.
 */
import type { Notifier } from '../../../../functions/core/ports';
import { readyMessage, replyMessage } from '../../../../functions/core/messages';
import { SlackNotifier } from '../../../../functions/adapters/slack';
import { MemoryChat } from '../../../../functions/adapters/memory/chat';
import { FaultPlan } from '../../../../functions/adapters/memory/faults';
import { startSlackServer, type SlackServer } from '../../../support/slack-server';

const token = 'xoxb-000000000000-1111111111111-abcdefghijklmnopqrstuvwx';

/** A notifier, and what its recipients got: where each message went, its text and its blocks. */
interface ChatUnderTest {
  notifier: Notifier;
  delivered(): { to: string; text: string; blocks: unknown[] }[];
}

let slack: SlackServer | undefined;
afterEach(async () => {
  await slack?.close();
  slack = undefined;
});

async function memoryChat(): Promise<ChatUnderTest> {
  const chat = new MemoryChat(new FaultPlan());
  return {
    notifier: chat,
    delivered: () => chat.outbox.map((sent) => ({ to: sent.to.user ?? sent.to.channel ?? '', text: sent.text, blocks: sent.blocks })),
  };
}

async function slackChat(): Promise<ChatUnderTest> {
  const server = await startSlackServer({ token });
  slack = server;
  return {
    notifier: new SlackNotifier(token, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 } }),
    // A DM goes to the channel conversations.open answered for the user: D + the user ID without its U.
    delivered: () =>
      server.calls
        .filter((call) => call.method === 'chat.postMessage')
        .map((call) => ({
          to: String(call.args.channel).replace(/^D/, 'U'),
          text: String(call.args.text),
          blocks: call.args.blocks as unknown[],
        })),
  };
}

const CHATS: [string, () => Promise<ChatUnderTest>][] = [
  ['the in-memory chat', memoryChat],
  ['Slack (a local Web API)', slackChat],
];

const ready = readyMessage({
  developer: 'alice',
  clusterName: 'turbo-alice',
  region: 'eu-west-1',
  endpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com',
  appUrl: 'http://turbo-alice.example.test/',
  expiresAt: '2026-11-24T18:00:00.000Z',
  timezone: 'Europe/Berlin',
  keepOffer: '22:00',
});

describe.each(CHATS)('Notifier contract: %s', (_name, newChat) => {
  it("delivers a DM's text and blocks as built, and answers with a message timestamp", async () => {
    const chat = await newChat();

    const ts = await chat.notifier.sendToUser('U0ALICE001', ready);

    expect(ts).toMatch(/^\d+\.\d{6}$/);
    expect(chat.delivered()).toEqual([{ to: 'U0ALICE001', text: ready.text, blocks: ready.blocks }]);
  });

  it('delivers to a channel, each message once, in order, with distinct timestamps', async () => {
    const chat = await newChat();
    const first = replyMessage('first');
    const second = replyMessage('second');

    const stamps = [await chat.notifier.sendToChannel('C0OPS00001', first), await chat.notifier.sendToChannel('C0OPS00001', second)];

    expect(new Set(stamps).size).toBe(2);
    expect(chat.delivered()).toEqual([
      { to: 'C0OPS00001', text: 'first', blocks: first.blocks },
      { to: 'C0OPS00001', text: 'second', blocks: second.blocks },
    ]);
  });
});
