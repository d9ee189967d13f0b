/**
 * TellDeveloper / RecordRolloutFailure / TallyBatch / SummarizeForOps: image-sync's outcomes and Slack messages. A
 * developer hears once per image-sync run that their environment rolled (old and new version and digest), and the
 * record is confirmed on the images; a failed environment's outcome carries a short reason, not the whole Cause, and
 * counts against the run's failure budget. Each batch of rollouts returns one tally, and the ops channel gets one
 * summary when something rolled, stopped or failed, the same failures only once (core/opsReport); a run that
 * changed nothing posts nothing and says why.
 */
import * as z from 'zod';
import { describeFailure, SHORT_REASON } from '../core/failure';
import { imageRefsOf, runsImages, stoppedReleaseKey, stoppedReleasesToForget, tagsOf } from '../core/images';
import { imageSyncSummaryMessage, rolloutMessage } from '../core/messages';
import { developerNameSchema, resolvedImageSchema, runIdSchema } from '../core/types';
import { memberOf } from '../core/config';
import { appImageField, countAgainstBudget, environmentFields, releaseBudget } from './lib/imageSync';
import { decideSummary, mergeTallies, tallyOutcomes } from '../core/opsReport';
import { OPS_RECORD, type ImageRef } from '../core/types';
import { forgetExpiredKeys, releaseFailureReports, sendOnce } from './lib/sendOnce';
import { emit } from './lib/metrics';
import { METRIC } from '../core/metrics';
import { store, notifier } from './lib/root';
import type { EnvironmentStore } from '../core/ports';
import { OwnershipLostError } from '../core/errors';
import { rolloutKey } from '../core/notified';
import { lambda } from './lib/stack';

const change = z.object({
  image: z.string(),
  from: z.string().nullable(),
  fromTag: z.string().nullable(),
  to: z.string(),
  toTag: z.string(),
});

const outcome = z.object({
  developer: developerNameSchema,
  outcome: z.enum(['rolled', 'current', 'skipped', 'failed', 'stopped']),
  reason: z.string().nullish(),
});

const count = z.number().int().min(0);
const tally = z.object({
  rolled: count,
  current: count,
  skipped: count,
  failed: count,
  stopped: count,
  failures: z.array(z.object({ developer: z.string(), reason: z.string().nullable() })),
});

/** The image-sync run's name: the key of its failure budget. */
const executionName = z.string().min(1);

const input = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('environment'),
    ...environmentFields,
    /** The run that owned the record when the environment was listed: the confirmation is written only while it does. */
    runId: runIdSchema.nullable(),
    images: z.partialRecord(appImageField, resolvedImageSchema),
    state: z.enum(['rolling', 'current', 'skipped']),
    reason: z.string().nullish(),
    changes: z.array(change),
    executionName,
    /** The run's start: the day in the key of the developer's DM (core/notified), the same on a redrive. */
    startedAt: z.iso.datetime({ offset: true }),
  }),
  z.object({
    kind: z.literal('failure'),
    developer: developerNameSchema,
    error: z.object({ Error: z.string(), Cause: z.string().optional() }),
    executionName,
  }),
  z.object({ kind: z.literal('tally'), outcomes: z.array(outcome) }),
  z.object({
    kind: z.literal('summary'),
    images: z.record(z.string(), z.object({ tag: z.string() })),
    tallies: z.array(tally),
    /** How many environments were ready when the run listed them. */
    ready: count.optional(),
    /** The run that held the release's rollout lease when this one listed (ListReadyEnvironments). */
    rolledBy: z.string().nullish(),
    executionArn: z.string().min(1),
    executionName,
    /** When the run started (a push's webhook): how long the push took to reach every cluster. */
    startedAt: z.iso.datetime({ offset: true }).optional(),
  }),
]);

/**
 * Records that the cluster runs `images` (rolled or already current), so that the safety net leaves it alone until
 * the desired images change. A cluster that another run took over since it was listed is not this cluster: nothing is written.
 */
async function confirmImages(store: EnvironmentStore, developer: string, runId: string, images: Record<string, ImageRef>) {
  const record = await store.get(developer);
  const rolled = imageRefsOf(images);
  if (!record || runsImages(record.confirmedImages, rolled)) return;
  try {
    await store.update(developer, runId, { confirmedImages: { ...record.confirmedImages, ...rolled } });
  } catch (error) {
    if (!(error instanceof OwnershipLostError)) throw error;
  }
}

async function rememberStoppedRelease(store: EnvironmentStore, tags: Record<string, string>) {
  const key = stoppedReleaseKey(tags, new Date());
  await store.markNotified(OPS_RECORD, key);
  const notified = (await store.get(OPS_RECORD))?.notified ?? [];
  await store.unmarkNotified(OPS_RECORD, ...stoppedReleasesToForget(notified, key));
}

export const handler = lambda('ReportImageSync', input, { store, notifier }, async (event, { config, store, notifier, region }) => {
  const { canary } = config.imageSync;
  if (event.kind === 'failure') {
    const budget = await countAgainstBudget(store, event.executionName, canary, 'failed');
    return { developer: event.developer, outcome: 'failed', reason: describeFailure(event.error, SHORT_REASON), budget };
  }
  if (event.kind === 'tally') return tallyOutcomes(event.outcomes);
  if (event.kind === 'summary') {
    const images = Object.entries(event.images).map(([name, image]) => `${name} ${image.tag}`);
    const budget = await releaseBudget(store, event.executionName, canary);
    // Every rollout of the run has ended: another run may roll this release now.
    await store.releaseRolloutLease(event.executionName);
    const total = mergeTallies(event.tallies);
    const broken = budget === 'broken';
    // A stopped release is not rolled again by the safety net (ListReadyEnvironments) until a push changes it.
    if (broken) await rememberStoppedRelease(store, tagsOf(event.images));
    const rolledByAnother = event.rolledBy && event.rolledBy !== event.executionName ? event.rolledBy : undefined;
    const decision = decideSummary(images, total, event.ready, rolledByAnother);
    await releaseFailureReports(store, decision.post !== 'never' && decision.failureKey !== undefined);
    if (decision.post === 'never') return { reported: false, why: decision.why, broken };
    if (total.rolled > 0) {
      emit(METRIC.rolloutsPerPush, total.rolled);
      if (event.startedAt) emit(METRIC.rolloutMinutes, (Date.now() - Date.parse(event.startedAt)) / 60_000, 'None');
    }
    const message = imageSyncSummaryMessage({ images, tally: total, broken, executionArn: event.executionArn, region });
    const send = () => notifier.sendToChannel(config.slack.opsChannel, message);
    if (decision.post === 'once') {
      const sent = await sendOnce(store, OPS_RECORD, decision.failureKey, send);
      return { reported: sent === 'sent', why: sent === 'sent' ? 'failures' : 'the same failures were reported already', broken };
    }
    // Once per run: a SummarizeForOps that runs again (a retry after the post, a redrive) posts nothing twice. The
    // key carries the run's day, so the ops record drops it after the redrive window.
    const now = new Date();
    await forgetExpiredKeys(store, await store.get(OPS_RECORD), now);
    const sent = await sendOnce(store, OPS_RECORD, rolloutKey(event.startedAt ?? now.toISOString(), event.executionName), send);
    // Remembered, so that the same failures alone (on the next runs) are not posted again.
    if (decision.failureKey) await store.markNotified(OPS_RECORD, decision.failureKey);
    const why = decision.failureKey ? 'rolled, with failures' : 'rolled';
    return { reported: sent === 'sent', why: sent === 'sent' ? why : 'the run’s summary was posted already', broken };
  }
  const outcome = event.state === 'rolling' ? 'rolled' : event.state;
  if (outcome !== 'skipped') {
    if (event.runId) await confirmImages(store, event.developer, event.runId, event.images);
    await countAgainstBudget(store, event.executionName, canary, 'ok');
  }
  const member = memberOf(config, event.developer);
  if (outcome !== 'rolled' || !member) return { developer: event.developer, outcome, reason: event.reason ?? null };
  const message = rolloutMessage({ developer: event.developer, clusterName: event.clusterName, changes: event.changes });
  await sendOnce(store, event.developer, rolloutKey(event.startedAt, event.executionName), () =>
    notifier.sendToUser(member.slackUserId, message),
  );
  return { developer: event.developer, outcome, reason: null };
});
