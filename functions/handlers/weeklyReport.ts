/**
 * WeeklyCostReport (scheduled, Monday morning): each developer's cluster hours, cost and savings against an
 * always-on cluster over the past seven days, from the lifetimes recorded in the store, to the ops channel.
 */
import * as z from 'zod';
import { recordedUse, weeklySummary } from '../core/cost';
import { weeklyCostMessage } from '../core/messages';
import { store, notifier } from './lib/root';
import { lambda } from './lib/stack';
import { emit } from './lib/metrics';
import { developerDays, METRIC } from '../core/metrics';
import { isPoolMember } from '../core/pool';

const WEEK_MS = 7 * 24 * 3_600_000;

const input = z.object({ time: z.iso.datetime({ offset: true }) }).passthrough();

export const handler = lambda('WeeklyCostReport', input, { store, notifier }, async ({ time }, { config, store, notifier }) => {
  const to = new Date(time);
  const from = new Date(to.getTime() - WEEK_MS);
  const { lifetimes, nodesOff } = recordedUse(await store.list());
  const lines = weeklySummary(config, lifetimes, from, to, nodesOff);
  await notifier.sendToChannel(
    config.slack.opsChannel,
    weeklyCostMessage({ from: from.toISOString(), to: to.toISOString(), lines, currency: 'USD' }),
  );
  const cost = lines.reduce((sum, line) => sum + line.cost, 0);
  // The warm pool's members are nobody's days (core/pool): the cost per developer-day carries them.
  const days = developerDays(
    lifetimes.filter((life) => !isPoolMember(life.developer)),
    from,
    to,
  );
  if (days > 0) emit(METRIC.costPerDeveloperDay, cost / days, 'None');
  return { developers: lines.length, cost };
});
