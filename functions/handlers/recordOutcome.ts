/** MarkReady / MarkDestroyed / MarkHibernated / RecordFailure: the end of a run, written to the developer's record. */
import * as z from 'zod';
import { describeFailure, type CaughtError } from '../core/failure';
import type { EnvironmentRecord } from '../core/types';
import type { EnvironmentStore } from '../core/ports';
import { OwnershipLostError } from '../core/errors';
import { developerNameSchema, runIdSchema } from '../core/types';
import { store } from './lib/root';
import { lambda, logger } from './lib/stack';
import { emit } from './lib/metrics';
import { METRIC, readiness } from '../core/metrics';
import { memberOf, scheduleOf, type TurboConfig } from '../core/config';
import { upSampleOf, withUpSample } from '../core/stagger';
import { isPoolMember } from '../core/pool';

const input = z.discriminatedUnion('outcome', [
  z.object({
    outcome: z.literal('ready'),
    developer: developerNameSchema,
    runId: runIdSchema,
    endpoint: z.string().nullish(),
    /** The deploy job's outputs: APP_URL is the one the developer needs. */
    outputs: z.object({ APP_URL: z.url({ protocol: /^https?$/ }) }).passthrough(),
    expiresAt: z.string().nullish(),
    /** How long the deploy waited in the runner's queue (CheckDeployJob's answer): not learned as its duration. */
    deployQueuedSeconds: z.number().nonnegative().optional(),
  }),
  /** A warm pool member (core/pool) applied and ACTIVE, with no app: ready to be taken. */
  z.object({
    outcome: z.literal('pooled'),
    developer: developerNameSchema,
    runId: runIdSchema,
    endpoint: z.string().nullish(),
    expiresAt: z.string().nullish(),
  }),
  z.object({ outcome: z.literal('destroyed'), developer: developerNameSchema, runId: runIdSchema }),
  z.object({ outcome: z.literal('hibernated'), developer: developerNameSchema, runId: runIdSchema }),
  z.object({
    outcome: z.literal('failed'),
    developer: developerNameSchema,
    runId: runIdSchema,
    error: z.object({ Error: z.string(), Cause: z.string().optional() }),
  }),
]);

/** At most this many past lifetimes are kept: a week of days is all the weekly report reads. */
export const MAX_LIFETIMES = 14;

/** The record's lifetimes with the cluster that just went away added, when it was known to be up. */
function endLifetime(record: EnvironmentRecord | undefined, now: string): EnvironmentRecord['lifetimes'] {
  const lifetimes = record?.lifetimes ?? [];
  if (!record?.clusterSince || lifetimes.at(-1)?.startedAt === record.clusterSince) return lifetimes;
  return [...lifetimes, { startedAt: record.clusterSince, destroyedAt: now }].slice(-MAX_LIFETIMES);
}

/** At most this many spans at zero nodes are kept: two weeks of nights, and the weekly report reads one. */
export const MAX_NODES_OFF = 14;

/** A hibernation ends (a wake, or a destroy): its span at zero nodes is kept for the cost report, once. */
function endNodesOff(record: EnvironmentRecord | undefined, now: string): EnvironmentRecord['nodesOff'] {
  const spans = record?.nodesOff ?? [];
  if (!record?.hibernatedAt || spans.at(-1)?.from === record.hibernatedAt) return record?.nodesOff;
  return [...spans, { from: record.hibernatedAt, to: now }].slice(-MAX_NODES_OFF);
}

/** A day's outcome for the dashboard: ready on time or late (and how long it took), or failed. */
function countOutcome(config: TurboConfig, developer: string, record: EnvironmentRecord): void {
  const member = memberOf(config, developer);
  if (record.status !== 'ready' || !member || !record.readyAt) return;
  const { onTime, minutesToReady } = readiness(new Date(record.readyAt), record.startedAt, scheduleOf(config, member));
  emit(onTime ? METRIC.clustersReadyOnTime : METRIC.clustersReadyLate);
  if (minutesToReady !== undefined) emit(METRIC.minutesToReady, minutesToReady, 'None');
}

/**
 * Writes a run's failure into the record while the run still owns it. A run that lost its claim must not overwrite
 * the owner's record: on the failure path that is not an error ('not-owner').
 */
export async function recordFailure(
  store: EnvironmentStore,
  developer: string,
  runId: string,
  error: CaughtError,
  now = new Date().toISOString(),
) {
  try {
    const record = await store.update(developer, runId, { status: 'failed', lastError: describeFailure(error), updatedAt: now });
    return { status: record.status, lastError: record.lastError ?? null };
  } catch (caught) {
    if (!(caught instanceof OwnershipLostError)) throw caught;
    logger.warn('failure not recorded: another run owns the record', { runId });
    return { status: 'not-owner' as const, lastError: describeFailure(error) };
  }
}

export const handler = lambda('RecordOutcome', input, { store }, async (event, { store, config }) => {
  const now = new Date().toISOString();
  let patch: Partial<EnvironmentRecord>;
  if (event.outcome === 'ready' || event.outcome === 'pooled') {
    const record = await store.get(event.developer);
    patch = {
      status: 'ready',
      readyAt: now,
      endpoint: event.endpoint ?? undefined,
      appUrl: event.outcome === 'ready' ? event.outputs.APP_URL : undefined,
      expiresAt: event.expiresAt ?? undefined,
      clusterSince: record?.clusterSince ?? record?.startedAt ?? now,
      hibernatedAt: undefined,
      nodesOff: endNodesOff(record, now),
      // The planner's history (core/stagger), bounded in the record: this up, measured from its tick. A pool
      // member's fill (no deploy) and take (no apply) are not a developer's up, and would teach it wrong durations.
      ...(isPoolMember(event.developer)
        ? {}
        : {
            upHistory: withUpSample(
              record?.upHistory,
              record && upSampleOf(record, now, config.region, event.outcome === 'ready' ? event.deployQueuedSeconds : undefined),
            ),
          }),
    };
  } else if (event.outcome === 'destroyed') {
    const record = await store.get(event.developer);
    patch = {
      status: 'destroyed',
      destroyedAt: now,
      endpoint: undefined,
      appUrl: undefined,
      clusterSince: undefined,
      hibernatedAt: undefined,
      lifetimes: endLifetime(record, now),
      nodesOff: endNodesOff(record, now),
    };
  } else if (event.outcome === 'hibernated') {
    // The control plane lives on (clusterSince stays): the cluster's lifetime ends when it is destroyed.
    // The first instant is kept until a wake succeeds (MarkReady clears it): a replay, or the evening after a
    // failed wake, does not restart the idle days.
    const record = await store.get(event.developer);
    patch = { status: 'hibernated', hibernatedAt: record?.hibernatedAt ?? now };
  } else {
    const result = await recordFailure(store, event.developer, event.runId, event.error, now);
    if (result.status === 'failed') emit(METRIC.clustersFailed);
    return result;
  }
  const record = await store.update(event.developer, event.runId, { ...patch, updatedAt: now });
  countOutcome(config, event.developer, record);
  return { status: record.status, lastError: record.lastError ?? null };
});
