/**
 * A local Slack Web API, as documented at https://docs.slack.dev/apis/web-api/ :
 * - methods are POSTed to `/api/<method>`, arguments form-encoded (`application/x-www-form-urlencoded`, where
 *   `blocks` is a JSON string) or JSON (`application/json`);
 * - the token comes in `Authorization: Bearer <token>`; a missing one answers `not_authed`, a wrong one `invalid_auth`;
 * - answers are HTTP 200 with `{"ok": true, ...}` or `{"ok": false, "error": "<code>"}`;
 * - rate limiting is HTTP 429 with a `Retry-After` header in seconds; a client that comes back before then is
 *   rate limited again, as Slack does.
 * Implemented: conversations.open (`users` -> a DM channel `D...`) and chat.postMessage (`channel`, `text`, `blocks`).
 * Every request is recorded; `fail(method, ...)` scripts what the next requests to a method get.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackCall {
  method: string;
  authorization: string | undefined;
  contentType: string | undefined;
  /** The arguments, decoded; `blocks` parsed from its JSON string. */
  args: Record<string, unknown>;
}

export type SlackFault =
  | { kind: 'rate-limited'; retryAfterSeconds: number }
  | { kind: 'http'; status: number }
  | { kind: 'error'; error: string }
  | { kind: 'slow'; delayMs: number };

export interface SlackServer {
  /** The `slackApiUrl` for a WebClient: `http://127.0.0.1:<port>/api/`. */
  apiUrl: string;
  calls: SlackCall[];
  /** The next `times` requests to `method` get `fault`, in order after faults already queued. */
  fail(method: string, fault: SlackFault, times?: number): void;
  close(): Promise<void>;
}

const KNOWN_USER = /^[UW][A-Z0-9]{6,20}$/;
const KNOWN_CHANNEL = /^[CDG][A-Z0-9]{6,20}$/;

async function readArgs(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if ((request.headers['content-type'] ?? '').startsWith('application/json')) {
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }
  const args: Record<string, unknown> = Object.fromEntries(new URLSearchParams(text));
  if (typeof args.blocks === 'string') args.blocks = JSON.parse(args.blocks);
  return args;
}

function reply(response: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
}

export async function startSlackServer({ token }: { token: string }): Promise<SlackServer> {
  const calls: SlackCall[] = [];
  const faults = new Map<string, SlackFault[]>();
  const rateLimitedUntil = new Map<string, number>();
  let messages = 0;

  const methods: Record<string, (args: Record<string, unknown>) => Record<string, unknown>> = {
    'conversations.open': (args) => {
      const users = String(args.users ?? '')
        .split(',')
        .filter(Boolean);
      if (users.length === 0) return { ok: false, error: 'users_list_not_supplied' };
      if (!users.every((user) => KNOWN_USER.test(user))) return { ok: false, error: 'user_not_found' };
      return { ok: true, channel: { id: `D${users[0].slice(1)}` } };
    },
    'chat.postMessage': (args) => {
      const channel = String(args.channel ?? '');
      if (!KNOWN_CHANNEL.test(channel)) return { ok: false, error: 'channel_not_found' };
      if (!args.text && !args.blocks) return { ok: false, error: 'no_text' };
      messages += 1;
      const ts = `1795500000.${String(messages).padStart(6, '0')}`;
      return { ok: true, channel, ts, message: { type: 'message', text: args.text, ts } };
    },
  };

  const server = createServer(async (request, response) => {
    const method = (request.url ?? '').replace(/^\/api\//, '').split('?')[0];
    const call: SlackCall = {
      method,
      authorization: request.headers.authorization,
      contentType: request.headers['content-type'],
      args: await readArgs(request),
    };
    calls.push(call);

    const until = rateLimitedUntil.get(method) ?? 0;
    if (Date.now() < until) {
      return reply(response, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(Math.ceil((until - Date.now()) / 1000)) });
    }
    const fault = faults.get(method)?.shift();
    if (fault?.kind === 'rate-limited') {
      rateLimitedUntil.set(method, Date.now() + fault.retryAfterSeconds * 1000);
      return reply(response, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(fault.retryAfterSeconds) });
    }
    if (fault?.kind === 'http') return reply(response, fault.status, { ok: false, error: 'internal_error' });
    if (fault?.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault?.kind === 'error') return reply(response, 200, { ok: false, error: fault.error });

    if (call.authorization === undefined) return reply(response, 200, { ok: false, error: 'not_authed' });
    if (call.authorization !== `Bearer ${token}`) return reply(response, 200, { ok: false, error: 'invalid_auth' });
    const handler = methods[method];
    if (!handler) return reply(response, 200, { ok: false, error: 'unknown_method' });
    return reply(response, 200, handler(call.args));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`,
    calls,
    fail: (method, fault, times = 1) => {
      const queue = faults.get(method) ?? [];
      queue.push(...Array.from({ length: times }, () => fault));
      faults.set(method, queue);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
