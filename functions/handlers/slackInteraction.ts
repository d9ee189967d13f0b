/**
 * SlackInteraction (httpApi POST /slack/interactions): the `/turbo` slash command and the warning's buttons.
 * It verifies Slack's signature before anything else (401, nothing changed, on failure), decides what is asked and
 * whether it is allowed (pure, fast), hands the work to SlackWork asynchronously, and answers Slack at once:
 * Slack gives up on an answer after 3 seconds, and then delivers the request again (X-Slack-Retry-Num). A redelivery
 * is handed over again, since the first delivery may have failed before it got that far; the task carries the
 * request's ID, so SlackWork changes nothing twice and replies once.
 */
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import * as z from 'zod';
import { authorize, parseInteraction, requestIdOf, resolveRequest, type SlackInteraction, verifySlackRequest } from '../core/slackRequest';
import type { TurboConfig } from '../core/config';
import type { AsyncWork } from '../core/ports';
import { secrets, work } from './lib/root';
import { lambda, logger } from './lib/stack';
import { InvalidInputError } from '../core/errors';

const httpEvent = z.object({
  headers: z.record(z.string(), z.string().optional()).default({}),
  body: z.string().default(''),
  isBase64Encoded: z.boolean().default(false),
});

export interface InteractionPorts {
  config: TurboConfig;
  signingSecret: () => Promise<string>;
  work: AsyncWork;
  now: () => Date;
}

/** Shown to the requester only (an ephemeral message): nobody else in the channel sees a refusal. */
const ephemeral = (text: string): APIGatewayProxyResultV2 => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ response_type: 'ephemeral', text }),
});

export async function interact(event: z.output<typeof httpEvent>, ports: InteractionPorts): Promise<APIGatewayProxyResultV2> {
  // HTTP API lower-cases header names; the signature is over the body as sent.
  const header = (name: string) => Object.entries(event.headers).find(([key]) => key.toLowerCase() === name)?.[1];
  const rawBody = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const now = ports.now();
  const timestamp = header('x-slack-request-timestamp');
  const verified = verifySlackRequest({ timestamp, signature: header('x-slack-signature'), rawBody }, await ports.signingSecret(), now);
  if (!verified.ok) {
    logger.warn('refused a request that is not from Slack', { reason: verified.reason });
    return { statusCode: 401, body: 'invalid Slack signature' };
  }
  let interaction: SlackInteraction;
  try {
    interaction = parseInteraction(rawBody);
  } catch (error) {
    if (error instanceof InvalidInputError) return ephemeral(error.message);
    throw error;
  }
  const permission = authorize(ports.config, interaction.userId, 'target' in interaction.command ? interaction.command.target : undefined);
  if (!permission.ok) return ephemeral(permission.message);
  const resolution = resolveRequest(ports.config, permission.developer, interaction.command, now);
  if (!resolution.ok) return ephemeral(resolution.message);
  await ports.work.enqueue({
    developer: permission.developer.name,
    request: resolution.request,
    requestedBy: `slack:${interaction.userId}`,
    replyTo: interaction.userId,
    requestId: requestIdOf(rawBody),
    // The signed timestamp: a delivery seen twice becomes the same task (see SlackWork's idempotency).
    requestedAt: new Date(Number(timestamp) * 1000).toISOString(),
  });
  const retry = header('x-slack-retry-num');
  const redelivery = retry ? { retry, retryReason: header('x-slack-retry-reason') } : {};
  const { verb } = resolution.request;
  logger.info('self-service request queued', { developer: permission.developer.name, verb, by: interaction.userId, ...redelivery });
  if (interaction.kind === 'action') return { statusCode: 200, body: '' };
  return ephemeral(`On it: ${resolution.request.verb} for ${permission.developer.name}. I'll send you a DM when it is done.`);
}

export const handler = lambda('SlackInteraction', httpEvent, { secrets, work }, (event, { config, secrets, work }) =>
  // The secret store caches the signing secret and remembers it for redaction.
  interact(event, { config, work, signingSecret: () => secrets.get(config.slack.signingSecretParameter), now: () => new Date() }),
);
