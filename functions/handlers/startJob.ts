/**
 * StartApplyJob / StartDeployJob / StartDestroyJob: asks the runner for a job, once per run and kind.
 * A replay finds the job it started in the record and returns the same handle.
 */
import * as z from 'zod';
import { nextWaitSeconds } from '../core/polling';
import type { Clusters } from '../core/ports';
import { OwnershipLostError } from '../core/errors';
import { EFFECT_CHECKED_JOBS, expectedJobSeconds, isReusable, jobEffectHolds, jobParams, jobRunIdFor } from '../core/jobs';
import { developerNameSchema, jobKindSchema, runIdSchema, type JobKind } from '../core/types';
import { CAPACITY_TYPES, memberOf, nodesOf } from '../core/config';
import { isHibernated } from '../core/hibernate';
import { store, runner, clusters } from './lib/root';
import { appImageField } from './lib/imageSync';
import { resolvedImageSchema } from '../core/types';
import { lambda, logger } from './lib/stack';
import { imageRefsOf } from '../core/images';

const input = z.object({
  developer: developerNameSchema,
  runId: runIdSchema,
  kind: jobKindSchema,
  expiresAt: z.string().nullish(),
  /** The up's resolved images (ResolveMissingImages) for those its record does not hold. */
  images: z.partialRecord(appImageField, resolvedImageSchema).optional(),
  /** An apply's capacity when it is not the developer's configured one: on-demand after Spot could not be had. */
  capacity: z.enum(CAPACITY_TYPES).optional(),
  /** StartDeployJob: when the apply job was seen finished, kept in the record for the up's duration sample. */
  applyFinishedAt: z.iso.datetime({ offset: true }).optional(),
  /** StartDeployJob: how long the apply waited in the runner's queue (CheckJob's answer), not learned as its duration. */
  applyQueuedSeconds: z.number().nonnegative().optional(),
});

/** An apply whose cluster ended FAILED, or a hibernate that left the nodes up, did not do its job: a redrive runs it again. */
async function effectHolds(kind: JobKind, clusterName: string, clusters: Clusters): Promise<boolean> {
  if (!EFFECT_CHECKED_JOBS.has(kind)) return true;
  return jobEffectHolds(kind, await clusters.describe(clusterName));
}

export const handler = lambda('StartJob', input, { store, runner, clusters }, async (event, { config, store, runner, clusters }) => {
  const record = await store.get(event.developer);
  if (!record || record.runId !== event.runId) {
    throw new OwnershipLostError(`${event.developer} is no longer owned by ${event.runId} (owner: ${record?.runId ?? 'none'})`);
  }
  let handle = record.jobs?.[event.kind];
  const developer = memberOf(config, event.developer);
  const capacity = event.kind === 'apply' ? (event.capacity ?? nodesOf(config, developer).capacity) : null;
  // An apply of another capacity (the On-Demand fallback) is a new job, never the Spot one it replaces.
  const sameCapacity = event.capacity === undefined || record.nodeCapacity === event.capacity;
  // A replay or redrive reuses the job this run started, unless that job is no good: then it gets a fresh one.
  const previous = handle && (await runner.status(handle));
  if (
    handle &&
    previous &&
    sameCapacity &&
    isReusable(previous, handle, event.kind, config.jobs.timeoutMinutes, await effectHolds(event.kind, record.clusterName, clusters))
  ) {
    logger.info('job already started by this run; reusing it', { jobId: handle.id });
  } else {
    const attempt = (record.jobAttempts?.[event.kind] ?? 0) + 1;
    // What image-sync recorded wins; the up resolved the rest. A wake resolved what image-sync did not roll while hibernated.
    const deployed = imageRefsOf(isHibernated(record) ? { ...record.images, ...event.images } : { ...event.images, ...record.images });
    const images = Object.fromEntries(
      Object.entries(deployed).map(([name, ref]) => [name, `${ref.repository}:${ref.tag}${ref.digest ? `@${ref.digest}` : ''}`]),
    );
    handle = await runner.start({
      kind: event.kind,
      developer: event.developer,
      // The job's own idempotency key: a second attempt after a failure must not be taken for the first.
      runId: jobRunIdFor(event.runId, attempt),
      params: jobParams(config, event.kind, {
        developer: event.developer,
        iamPrincipalArn: developer?.iamPrincipalArn,
        // A pool member has no principal of its own: its apply grants nobody, and a take's deploy grants the taker.
        accessFor: event.kind === 'deploy' && record.takenBy ? memberOf(config, record.takenBy)?.iamPrincipalArn : undefined,
        expiresAt: event.expiresAt ?? record.expiresAt ?? undefined,
        images,
        capacity: capacity ?? undefined,
      }),
    });
    await store.update(event.developer, event.runId, {
      jobs: { ...record.jobs, [event.kind]: handle },
      jobAttempts: { ...record.jobAttempts, [event.kind]: attempt },
      ...(capacity ? { nodeCapacity: capacity } : {}),
      ...(event.applyFinishedAt ? { applyFinishedAt: event.applyFinishedAt } : {}),
      ...(event.applyQueuedSeconds === undefined ? {} : { applyQueuedSeconds: event.applyQueuedSeconds }),
      // The record is marked ready only once this deploy succeeded: then the cluster runs these images.
      ...(event.kind === 'deploy' ? { confirmedImages: deployed } : {}),
    });
    logger.info('job started', { kind: event.kind, jobId: handle.id, attempt });
  }
  const elapsed = (Date.now() - Date.parse(handle.startedAt)) / 1000;
  const waitSeconds = nextWaitSeconds(elapsed, expectedJobSeconds(config, event.kind));
  // A wake grows the developer's node group: on a Spot shortage CheckJob falls back to an On-Demand apply, as for an up.
  const nodeCapacity = event.kind === 'wake' ? nodesOf(config, developer).capacity : capacity && (record.nodeCapacity ?? capacity);
  return { handle, state: 'running', attempt: 0, waitSeconds, capacity: nodeCapacity };
});
