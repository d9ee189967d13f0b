/**
 * TellDeveloper / SummarizeForOps: image-sync's Slack messages. A developer hears once per image-sync run that
 * their environment rolled (old and new version and digest). The ops channel gets a summary when something rolled
 * or failed, and the same failures only once (core/opsReport); a run that changed nothing posts nothing and says why.
 */
import { z } from 'zod';
import { imageSyncSummaryMessage, rolloutMessage } from '../core/messages';
import { developerField } from './lib/fields';
import { environmentFields } from './lib/imageSync';
import { decideSummary } from '../core/opsReport';
import { OPS_RECORD } from '../adapters/ports';
import { releaseFailureReports, sendOnce } from './lib/sendOnce';
import { lambda } from './lib/stack';

const change = z.object({ image: z.string(), from: z.string().nullable(), fromTag: z.string().nullable(), to: z.string(), toTag: z.string() });

const input = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('environment'),
    ...environmentFields,
    state: z.enum(['rolling', 'current', 'skipped']),
    reason: z.string().nullish(),
    changes: z.array(change),
    executionName: z.string().min(1),
  }),
  z.object({
    kind: z.literal('summary'),
    images: z.record(z.string(), z.object({ tag: z.string() })),
    outcomes: z.array(z.object({ developer: developerField, outcome: z.enum(['rolled', 'current', 'skipped', 'failed']), reason: z.string().nullish() })),
    executionArn: z.string().min(1),
  }),
]);

export const handler = lambda('ReportImageSync', input, async (event, { config, store, notifier, region }) => {
  if (event.kind === 'summary') {
    const images = Object.entries(event.images).map(([name, image]) => `${name} ${image.tag}`);
    const decision = decideSummary(images, event.outcomes);
    await releaseFailureReports(store, decision.post !== 'never' && decision.failureKey !== undefined);
    if (decision.post === 'never') return { reported: false, why: decision.why };
    const send = () => notifier.sendToChannel(config.slack.opsChannel, imageSyncSummaryMessage({ images, outcomes: event.outcomes, executionArn: event.executionArn, region }));
    if (decision.post === 'once') {
      const sent = await sendOnce(store, OPS_RECORD, decision.failureKey, send);
      return { reported: sent === 'sent', why: sent === 'sent' ? 'failures' : 'the same failures were reported already' };
    }
    await send();
    // Remembered, so that the same failures alone (on the next runs) are not posted again.
    if (decision.failureKey) await store.markNotified(OPS_RECORD, decision.failureKey);
    return { reported: true, why: decision.failureKey ? 'rolled, with failures' : 'rolled' };
  }
  const outcome = event.state === 'rolling' ? 'rolled' : event.state;
  const member = config.developers.find((dev) => dev.name === event.developer);
  if (outcome !== 'rolled' || !member) return { developer: event.developer, outcome, reason: event.reason ?? null };
  const message = rolloutMessage({ developer: event.developer, clusterName: event.clusterName, changes: event.changes });
  await sendOnce(store, event.developer, `${event.executionName}:rolled`, () => notifier.sendToUser(member.slackUserId, message));
  return { developer: event.developer, outcome, reason: null };
});
