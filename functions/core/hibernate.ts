/**
 * Hibernate: the evening scales a developer's node group to zero and keeps the control plane, the Terraform state
 * and the app's data; the morning scales it up again and redeploys. Pure decisions, used by core/plan (reconcile)
 * and core/selfService (Slack, CLI): which path a run takes, how long its lead is, and when a hibernated cluster
 * has been idle long enough to be destroyed instead.
 */
import type { Mode, TurboConfig } from './config';
import type { EnvironmentRecord } from './types';

/** How a run reaches its end: `hibernate` and `wake` move the node group; absent, Terraform applies or destroys. */
export const RUN_PATHS = ['hibernate', 'wake'] as const;
export type RunPath = (typeof RUN_PATHS)[number];

/** The node group's scaling while hibernated. EKS refuses maxSize 0, so max stays as configured (at least 1). */
export function hibernatedScaling(nodes: { max: number }): { min: 0; desired: 0; max: number } {
  return { min: 0, desired: 0, max: Math.max(1, nodes.max) };
}

/**
 * A cluster that is (or was, until a wake failed) hibernated: its control plane is up and its node group at zero,
 * so an up wakes it rather than applying Terraform again.
 */
export function isHibernated(record: EnvironmentRecord | undefined): boolean {
  return record?.hibernatedAt !== undefined;
}

/** Minutes from a wake's start to a ready app: the wake job (node group up, nodes Ready) and the deploy job. */
export function wakeLeadMinutes(config: Pick<TurboConfig, 'jobs'>): number {
  return Math.ceil(config.jobs.wakeMinutes + config.jobs.deployMinutes);
}

/** The lead reconcile gives an up: a wake's is minutes, a full apply's is leadMinutes. */
export function leadMinutesFor(config: Pick<TurboConfig, 'jobs' | 'leadMinutes'>, record: EnvironmentRecord | undefined): number {
  return isHibernated(record) ? wakeLeadMinutes(config) : config.leadMinutes;
}

/** The instant a hibernated cluster becomes idle too long (hibernateIdleDays after it was hibernated). */
export function hibernationExpiry(record: EnvironmentRecord, idleDays: number): Date | undefined {
  if (record.hibernatedAt === undefined) return undefined;
  return new Date(Date.parse(record.hibernatedAt) + idleDays * 86_400_000);
}

export type PathDecision = { path?: RunPath; reason?: string } | { hold: string };

/**
 * The path of a run that reconcile or self-service starts for `action`, or a hold: a hibernated cluster that the
 * schedule does not want stays hibernated until its idle days are up (or its developer's mode is destroy).
 * A down hibernates only a cluster that has served a day (ready), or one whose wake or hibernation failed: a
 * cluster whose first apply failed may be broken, and is destroyed.
 */
export function pathFor(
  action: 'up' | 'down',
  mode: Mode,
  record: EnvironmentRecord | undefined,
  now: Date,
  idleDays: number,
): PathDecision {
  if (action === 'up') return isHibernated(record) ? { path: 'wake', reason: 'waking the hibernated cluster' } : {};
  if (record?.status === 'hibernated') {
    const expiry = hibernationExpiry(record, idleDays)!;
    if (mode === 'destroy') return { reason: `hibernated since ${record.hibernatedAt}, and the mode is now destroy` };
    if (now >= expiry) return { reason: `hibernated since ${record.hibernatedAt}: idle for ${idleDays} days (hibernateIdleDays)` };
    return { hold: `hibernated since ${record.hibernatedAt}; destroyed at ${expiry.toISOString()} unless woken` };
  }
  if (mode !== 'hibernate') return {};
  const served = record?.status === 'ready' || (record?.status === 'failed' && isHibernated(record));
  return served ? { path: 'hibernate', reason: 'hibernating (mode hibernate)' } : {};
}
