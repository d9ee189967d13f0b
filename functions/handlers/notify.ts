/**
 * NotifyReady / NotifyDestroyed / NotifyHibernated / NotifyFailure: the Slack messages of a run, each sent at most once per
 * run (a failure once per step and reason, so that a redrive failing the same way again tells nobody twice).
 * The key is reserved in the record before sending and released if the send fails, so a retry or a replay
 * sends it exactly once.
 */
import * as z from 'zod';
import { clusterNameOf, memberOf, nodesOf, scheduleOf } from '../core/config';
import { keepOfferBeyond } from '../core/plan';
import { failureNoticeKey, lastStartedStep, runPathOf } from '../core/failure';
import { destroyedMessage, failureDmMessage, failureMessage, hibernatedMessage, readyMessage, saidHelloTo } from '../core/messages';
import type { Message } from '../core/types';
import { forgetExpiredKeys, sendOnce } from './lib/sendOnce';
import { developerNameSchema, runIdSchema } from '../core/types';
import type { Deps } from './lib/deps';
import { store, notifier } from './lib/root';
import { lambda, logger } from './lib/stack';

const input = z.object({
  kind: z.enum(['ready', 'destroyed', 'hibernated', 'failed']),
  developer: developerNameSchema,
  runId: runIdSchema,
  action: z.enum(['up', 'down']),
  executionArn: z.string().min(1),
});

type Delivery = 'sent' | 'already-sent' | 'not-in-roster' | 'never-ready' | `failed: ${string}`;

export async function notify(
  event: z.output<typeof input>,
  { config, store, notifier, region }: Pick<Deps, 'config' | 'store' | 'notifier' | 'region'>,
) {
  const record = await store.get(event.developer);
  await forgetExpiredKeys(store, record, new Date());
  // A taken warm pool cluster's messages go to its taker (core/pool); an untaken one tells nobody.
  const member = memberOf(config, event.developer) ?? (record?.takenBy ? memberOf(config, record.takenBy) : undefined);
  const toDeveloper = (message: Message, key = `${event.runId}:${event.kind}`) =>
    member
      ? sendOnce(store, event.developer, key, () => notifier.sendToUser(member.slackUserId, message))
      : Promise.resolve<Delivery>('not-in-roster');

  if (event.kind === 'ready') {
    const schedule = member && scheduleOf(config, member);
    const timezone = schedule?.timezone ?? config.timezone;
    const message = readyMessage({
      developer: member?.name ?? event.developer,
      clusterName: record?.clusterName ?? '',
      region,
      endpoint: record?.endpoint ?? '',
      appUrl: record?.appUrl ?? '',
      expiresAt: record?.expiresAt ?? '',
      timezone,
      image: record?.images?.frontend,
      // A pool cluster ends with the pool's day: a keep-alive of the taker's own record would not keep it.
      keepOffer: record?.expiresAt && !record.takenBy ? keepOfferBeyond(config, timezone, record.expiresAt) : null,
      spotFellBack: nodesOf(config, member).capacity === 'spot' && record?.nodeCapacity === 'on-demand',
    });
    return { developer: await toDeveloper(message) };
  }
  if (event.kind === 'destroyed' || event.kind === 'hibernated') {
    // MarkHibernated has just written the record; a destroy says goodbye only to a cluster that was up (saidHelloTo).
    if (event.kind === 'destroyed' && !saidHelloTo(record)) return { developer: 'never-ready' satisfies Delivery };
    const message = event.kind === 'destroyed' ? destroyedMessage : hibernatedMessage;
    return { developer: await toDeveloper(message({ developer: event.developer, clusterName: record?.clusterName ?? '' })) };
  }

  const startedJobs = Object.keys(record?.jobs ?? {});
  const failure = {
    developer: event.developer,
    action: event.action,
    step: lastStartedStep(event.action, startedJobs),
    path: runPathOf(event.action, startedJobs),
    reason: record?.lastError ?? 'unknown error (see the execution)',
    executionArn: event.executionArn,
    region,
  };
  const message = failureMessage(failure);
  const key = failureNoticeKey(event.runId, failure.step, failure.reason);
  // The ops channel is told first: it is the one that must hear about a failure even when the DM cannot be sent.
  const ops = await sendOnce(store, event.developer, `${key}:ops`, () => notifier.sendToChannel(config.slack.opsChannel, message));
  let developer: Delivery;
  try {
    developer = await toDeveloper(
      failureDmMessage({ ...failure, clusterName: record?.clusterName ?? clusterNameOf(event.developer) }),
      key,
    );
  } catch (error) {
    developer = `failed: ${error instanceof Error ? error.name : 'Error'}`;
    logger.warn('failure DM could not be sent; the ops channel has it', { error: developer });
  }
  return { ops, developer };
}

export const handler = lambda('Notify', input, { store, notifier }, (event, deps) => notify(event, deps));
