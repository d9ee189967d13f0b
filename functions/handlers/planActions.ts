/** PlanActions: reconcile's decision. Reads the roster, the records and the tagged clusters; core/plan decides. */
import { z } from 'zod';
import { plan, untaggedLookalikes } from '../core/plan';
import { lookalikesMessage } from '../core/messages';
import { lambda, logger } from './lib/stack';

const input = z.object({
  /** The execution's start time: a replayed reconcile plans for the moment it was scheduled, not for now. */
  time: z.iso.datetime({ offset: true }),
});

/** Clusters named like Turbo's but without its tag are reported once a day, at this UTC hour's first tick. */
const LOOKALIKE_REPORT_HOUR = 6;
const isDailyReportTick = (at: Date) => at.getUTCHours() === LOOKALIKE_REPORT_HOUR && at.getUTCMinutes() < 15;

export const handler = lambda('PlanActions', input, async ({ time }, { config, store, clusters, notifier }) => {
  const now = new Date(time);
  const [records, tagged] = await Promise.all([store.list(), clusters.listTurboClusters()]);
  const result = plan(now, config, records, tagged);
  if (isDailyReportTick(now)) {
    // Turbo never deletes what it did not tag: a look-alike is only reported, for a person to check.
    const lookalikes = untaggedLookalikes(await clusters.listClusterNames(), tagged);
    if (lookalikes.length > 0) await notifier.sendToChannel(config.slack.opsChannel, lookalikesMessage(lookalikes));
  }
  logger.info('planned', { actions: result.actions.length, idle: result.idle.length });
  return {
    at: result.at,
    actions: result.actions.map(({ developer, action, runId, clusterName, expiresAt }) => ({
      developer,
      action,
      runId,
      clusterName,
      expiresAt: expiresAt ?? null,
    })),
    warnings: result.warnings.map(({ developer, runId, clusterName, teardownAt, keepOffer }) => ({ developer, runId, clusterName, teardownAt, keepOffer })),
    idle: result.idle.length,
  };
});
