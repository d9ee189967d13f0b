/**
 * Requests from Slack to the interactivity endpoint: the signature check, the two body formats (slash command,
 * block_actions), the `/turbo` grammar, and who may do what. Pure: the caller passes the secret, the clock and
 * the config; nothing here reads or writes anything.
 * https://api.slack.com/authentication/verifying-requests-from-slack
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { DateTime } from 'luxon';
import type { SelfServiceRequest } from './types';
import { atLocalTime, CLOCK_TIME, localDate, localNow } from './clock';
import { memberBySlackUser, memberOf, scheduleOf, type DeveloperConfig, type TurboConfig } from './config';
import { WARNING_ACTIONS } from './messages';
import { InvalidInputError } from './errors';

/** Slack's advice: refuse requests older than five minutes, so that a captured request cannot be replayed later. */
export const MAX_REQUEST_AGE_SECONDS = 5 * 60;

export interface SignedRequest {
  /** The `X-Slack-Request-Timestamp` header (Unix seconds). */
  timestamp: string | undefined;
  /** The `X-Slack-Signature` header, `v0=<hex>`. */
  signature: string | undefined;
  /** The body exactly as received: the signature is over these bytes, not over a re-encoding. */
  rawBody: string;
}

export type Verification = { ok: true } | { ok: false; reason: string };

export function slackSignature(signingSecret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** The reason names what failed, never the secret or the expected signature. */
export function verifySlackRequest(request: SignedRequest, signingSecret: string, now: Date): Verification {
  if (!signingSecret) return { ok: false, reason: 'no signing secret is configured' };
  const { timestamp, signature, rawBody } = request;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'X-Slack-Request-Timestamp is missing or not Unix seconds' };
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > MAX_REQUEST_AGE_SECONDS) {
    return { ok: false, reason: `X-Slack-Request-Timestamp ${timestamp} is more than ${MAX_REQUEST_AGE_SECONDS / 60} minutes from now` };
  }
  if (!signature || !/^v0=[0-9a-f]{64}$/.test(signature))
    return { ok: false, reason: 'X-Slack-Signature is missing or not a v0 signature' };
  const expected = Buffer.from(slackSignature(signingSecret, timestamp, rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // Both are `v0=` + 64 hex digits here, so the lengths match and the comparison takes the same time whatever differs.
  if (!timingSafeEqual(expected, given)) return { ok: false, reason: 'X-Slack-Signature does not match the request' };
  return { ok: true };
}

/**
 * One Slack request, however often Slack delivers it: Slack redelivers a request that got no answer within 3 seconds
 * (with X-Slack-Retry-Num), with the same body, and each request's body is unique (its trigger_id). The timestamp is
 * left out, since a redelivery may be signed anew.
 */
export function requestIdOf(rawBody: string): string {
  return createHash('sha256').update(rawBody, 'utf8').digest('hex').slice(0, 32);
}

/** Who a command names: a Slack mention (`<@U…>` or `<@U…|name>`) or a roster name (`@alice`, `alice`). */
export type Target = { slackUserId: string } | { name: string };

export type TurboCommand =
  | { verb: 'help' }
  | { verb: 'status'; target?: Target }
  | { verb: 'keep'; until: string; target?: Target }
  | { verb: 'skip'; when: 'tomorrow' | { date: string }; target?: Target }
  | { verb: 'up' | 'down'; target?: Target };

export const COMMAND_USAGE = '/turbo status | keep until HH:MM | skip tomorrow | skip YYYY-MM-DD | up | down  [@user]';

function parseTarget(word: string | undefined): Target | undefined {
  if (word === undefined) return undefined;
  const mention = /^<@([UW][A-Z0-9]+)(\|[^>]*)?>$/.exec(word);
  if (mention) return { slackUserId: mention[1]! };
  const name = word.replace(/^@/, '');
  if (!/^[a-z0-9][-a-z0-9]*$/.test(name))
    throw new InvalidInputError(`"${word}" is not a developer: give a roster name or an @mention. Usage: ${COMMAND_USAGE}`);
  return { name };
}

/** The text after `/turbo`. Errors say what was wrong with which word, and show the usage. */
export function parseCommand(text: string): TurboCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const [verb, ...rest] = words.map((word, index) => (index === 0 ? word.toLowerCase() : word));
  const fail = (why: string): never => {
    throw new InvalidInputError(`${why}. Usage: ${COMMAND_USAGE}`);
  };
  const onlyTarget = (args: string[]) => {
    if (args.length > 1) fail(`unexpected "${args.slice(1).join(' ')}" after "${verb} ${args[0]}"`);
    return parseTarget(args[0]);
  };
  switch (verb) {
    case undefined:
    case 'help':
      return { verb: 'help' };
    case 'status':
    case 'up':
    case 'down':
      return { verb, target: onlyTarget(rest) };
    case 'keep': {
      if (rest[0]?.toLowerCase() !== 'until' || !CLOCK_TIME.test(rest[1] ?? '')) {
        return fail(`"keep" needs "until HH:MM" (24-hour), got "${rest.slice(0, 2).join(' ')}"`);
      }
      return { verb: 'keep', until: rest[1]!, target: onlyTarget(rest.slice(2)) };
    }
    case 'skip': {
      const when = rest[0]?.toLowerCase();
      if (when === 'tomorrow') return { verb: 'skip', when: 'tomorrow', target: onlyTarget(rest.slice(1)) };
      if (when && /^\d{4}-\d{2}-\d{2}$/.test(when) && DateTime.fromISO(when).isValid) {
        return { verb: 'skip', when: { date: when }, target: onlyTarget(rest.slice(1)) };
      }
      return fail(`"skip" needs "tomorrow" or a date YYYY-MM-DD, got "${rest[0] ?? ''}"`);
    }
    default:
      return fail(`unknown command "${verb}"`);
  }
}

/** What the endpoint received, after the form body (and a block_actions payload) are decoded. */
export interface SlackInteraction {
  kind: 'command' | 'action';
  userId: string;
  command: TurboCommand;
}

function required(form: URLSearchParams | Record<string, unknown>, field: string, where: string): string {
  const value = form instanceof URLSearchParams ? form.get(field) : form[field];
  if (typeof value !== 'string' || value === '') throw new InvalidInputError(`${where} has no ${field}`);
  return value;
}

/** The warning's buttons carry `{"developer","until"}` as their value (see messages.warningMessage). */
function actionCommand(action: Record<string, unknown>): TurboCommand {
  const actionId = required(action, 'action_id', 'the action');
  let value: { developer?: unknown; until?: unknown };
  try {
    value = JSON.parse(required(action, 'value', `action ${actionId}`));
  } catch {
    throw new InvalidInputError(`action ${actionId} has a value that is not JSON`);
  }
  if (typeof value.developer !== 'string') throw new InvalidInputError(`action ${actionId} names no developer`);
  const target = { name: value.developer };
  if (actionId === WARNING_ACTIONS.destroy) return { verb: 'down', target };
  if (actionId === WARNING_ACTIONS.keep && typeof value.until === 'string' && CLOCK_TIME.test(value.until)) {
    return { verb: 'keep', until: value.until, target };
  }
  throw new InvalidInputError(`action ${actionId} is not one of Turbo's buttons`);
}

/** Slack sends both as application/x-www-form-urlencoded; block actions as a JSON `payload` field. */
export function parseInteraction(rawBody: string): SlackInteraction {
  const form = new URLSearchParams(rawBody);
  const payload = form.get('payload');
  if (payload === null) {
    return { kind: 'command', userId: required(form, 'user_id', 'the slash command'), command: parseCommand(form.get('text') ?? '') };
  }
  let parsed: { type?: unknown; user?: { id?: unknown }; actions?: unknown };
  try {
    parsed = JSON.parse(payload);
  } catch {
    throw new InvalidInputError('the payload field is not JSON');
  }
  if (parsed.type !== 'block_actions')
    throw new InvalidInputError(`payload type ${JSON.stringify(parsed.type)} is not handled (only block_actions)`);
  const userId = typeof parsed.user?.id === 'string' ? parsed.user.id : '';
  if (!userId) throw new InvalidInputError('the block_actions payload has no user.id');
  const [action] = Array.isArray(parsed.actions) ? parsed.actions : [];
  if (!action || typeof action !== 'object') throw new InvalidInputError('the block_actions payload has no action');
  return { kind: 'action', userId, command: actionCommand(action as Record<string, unknown>) };
}

export type Permission = { ok: true; developer: DeveloperConfig } | { ok: false; message: string };

/** A developer acts on their own environment; the config's `ops` act on anyone's; anyone else is told no, politely. */
export function authorize(config: TurboConfig, requester: string, target: Target | undefined): Permission {
  const self = memberBySlackUser(config, requester);
  const isOps = config.ops.includes(requester);
  if (target === undefined) {
    if (self) return { ok: true, developer: self };
    return {
      ok: false,
      message: `Sorry, you have no Turbo environment of your own. Name a developer${isOps ? '' : ' (ops only)'}, e.g. \`/turbo status alice\`.`,
    };
  }
  const named = 'name' in target ? memberOf(config, target.name) : memberBySlackUser(config, target.slackUserId);
  if (!named) {
    const who = 'name' in target ? `"${target.name}"` : `<@${target.slackUserId}>`;
    return {
      ok: false,
      message: `Sorry, ${who} is not in Turbo's roster. Known developers: ${config.developers.map((dev) => dev.name).join(', ')}.`,
    };
  }
  if (named.slackUserId === requester || isOps) return { ok: true, developer: named };
  const opsList = config.ops.map((id) => `<@${id}>`).join(', ');
  return {
    ok: false,
    message: `Sorry, you can only act on your own environment, not ${named.name}'s.${opsList ? ` Ops (${opsList}) can help.` : ''}`,
  };
}

export type Resolution = { ok: true; request: SelfServiceRequest } | { ok: false; message: string };

/** Turns relative words ("tomorrow", "22:00") into the developer's own dates and instants, at the time of asking. */
export function resolveRequest(config: TurboConfig, developer: DeveloperConfig, command: TurboCommand, now: Date): Resolution {
  const { timezone } = scheduleOf(config, developer);
  const today = localNow(now, timezone);
  switch (command.verb) {
    case 'help':
      return { ok: false, message: `Usage: ${COMMAND_USAGE}` };
    case 'status':
    case 'up':
    case 'down':
      return { ok: true, request: { verb: command.verb } };
    case 'keep': {
      const capped = command.until > config.maxKeepUntil;
      const until = atLocalTime(today.startOf('day'), capped ? config.maxKeepUntil : command.until);
      if (until <= today) {
        return { ok: false, message: `It is already past ${until.toFormat('HH:mm')} in ${timezone}: nothing to keep until today.` };
      }
      return { ok: true, request: { verb: 'keep', until: until.toUTC().toISO()!, capped } };
    }
    case 'skip': {
      const date = command.when === 'tomorrow' ? localDate(today.plus({ days: 1 })) : command.when.date;
      if (date < localDate(today)) return { ok: false, message: `${date} is in the past in ${timezone}: nothing to skip.` };
      return { ok: true, request: { verb: 'skip', date } };
    }
  }
}
