/**
 * PlanActions: reconcile's decision. Reads the roster, the records and the tagged clusters; core/plan decides. The
 * plan's items go to the plan store (S3), not into the state: at 5,000 developers they outgrow a state's 256 KB.
 */
import * as z from 'zod';
import { planItems } from '../core/fanout';
import { holdUpsWithoutNetwork, NETWORK_VPC_PARAMETER, plan, untaggedLookalikes } from '../core/plan';
import { lookalikesMessage, networkMissingMessage } from '../core/messages';
import type { SecretStore } from '../core/ports';
import { ConfigurationError } from '../core/errors';
import { store, clusters, notifier, secrets, plans } from './lib/root';
import { lambda, logger } from './lib/stack';
import { executionNameSchema } from '../core/types';

const input = z.object({
  /** The execution's start time: a replayed reconcile plans for the moment it was scheduled, not for now. */
  time: z.iso.datetime({ offset: true }),
  /** The execution's name keys its plan object: a replay of the same tick writes the same plan to the same key. */
  execution: executionNameSchema,
});

/** Clusters named like Turbo's but without its tag are reported once a day, at this UTC hour's first tick. */
const LOOKALIKE_REPORT_HOUR = 6;
const isDailyReportTick = (at: Date) => at.getUTCHours() === LOOKALIKE_REPORT_HOUR && at.getUTCMinutes() < 15;

/** Whether infra-tf/network has published its parameters (read through the SSM port; the value is not secret). */
async function networkApplied(secrets: SecretStore): Promise<boolean> {
  try {
    await secrets.get(NETWORK_VPC_PARAMETER);
    return true;
  } catch (error) {
    if (error instanceof ConfigurationError) return false;
    throw error;
  }
}

export const handler = lambda(
  'PlanActions',
  input,
  { store, clusters, notifier, secrets, plans },
  async ({ time, execution }, { config, store, clusters, notifier, secrets, plans }) => {
    const now = new Date(time);
    const [records, tagged, networkReady] = await Promise.all([store.list(), clusters.listTurboClusters(), networkApplied(secrets)]);
    const result = holdUpsWithoutNetwork(plan(now, config, records, tagged), networkReady);
    if (result.held > 0) {
      logger.warn('ups held: the shared network is not applied yet', { held: result.held, parameter: NETWORK_VPC_PARAMETER });
      // Once a day (with the look-alike report), not every 15 minutes: the holding is expected between
      // `serverless deploy` and the network's apply. Every reconcile execution's output shows `held` meanwhile.
      if (isDailyReportTick(now)) {
        await notifier.sendToChannel(
          config.slack.opsChannel,
          networkMissingMessage({ parameter: NETWORK_VPC_PARAMETER, held: result.held }),
        );
      }
    }
    if (isDailyReportTick(now)) {
      // Turbo never deletes what it did not tag: a look-alike is only reported, for a person to check.
      const lookalikes = untaggedLookalikes(await clusters.listClusterNames(), tagged);
      if (lookalikes.length > 0) await notifier.sendToChannel(config.slack.opsChannel, lookalikesMessage(lookalikes));
    }
    const items = planItems(result);
    const count = (action: string) => items.filter((item) => item.action === action).length;
    logger.info('planned', { up: count('up'), down: count('down'), warn: count('warn'), idle: result.idle.length });
    // No work, no object: most ticks of the day change nothing.
    const stored = items.length > 0 ? await plans.put(`reconcile/${execution}.json`, items) : null;
    return {
      at: result.at,
      items: items.length,
      key: stored?.key ?? null,
      up: count('up'),
      down: count('down'),
      warn: count('warn'),
      idle: result.idle.length,
      held: result.held,
    };
  },
);
