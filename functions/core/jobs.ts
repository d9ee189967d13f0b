/**
 * What each job is told: the environment variables that scripts/*.sh read, the same on CodeBuild and Jenkins.
 */
import type { ClusterInfo, JobHandle, JobKind, JobStatus } from './types';
import { type CapacityType, clusterNameOf, memberOf, nodesOf, type TurboConfig } from './config';
import { hibernatedScaling } from './hibernate';

export interface JobContext {
  developer: string;
  /** The developer's IAM principal; absent for an orphan cluster being destroyed. */
  iamPrincipalArn?: string;
  expiresAt?: string;
  /** Full image references (`repo:tag@digest`) recorded by image-sync, when known. */
  images?: { frontend?: string; mongo?: string };
  /** The capacity this apply asks for, when it is not the developer's configured one (the Spot fallback's). */
  capacity?: CapacityType;
  /** A deploy on a taken warm pool cluster (core/pool): its taker's IAM principal, whose EKS access entry it adds. */
  accessFor?: string;
}

/** EKS's names for a node group's capacity type. */
export const EKS_CAPACITY_TYPE: Record<CapacityType, string> = { 'on-demand': 'ON_DEMAND', spot: 'SPOT' };

/** Variables every job gets from the runner itself; a job's params may not set them. */
export const RESERVED_JOB_PARAMS: readonly string[] = ['ACTION', 'DEVELOPER', 'TURBO_RUN_ID'];
/** A job parameter becomes a shell environment variable: UPPER_SNAKE_CASE. Also the rule for a job's output keys. */
export const JOB_PARAM_NAME = /^[A-Z][A-Z0-9_]*$/;

/** Why `name` cannot be a job parameter, or undefined when it can. */
export function jobParamProblem(name: string): 'not-a-name' | 'reserved' | undefined {
  if (!JOB_PARAM_NAME.test(name)) return 'not-a-name';
  return RESERVED_JOB_PARAMS.includes(name) ? 'reserved' : undefined;
}

export function jobParams(config: TurboConfig, kind: JobKind, context: JobContext): Record<string, string> {
  const params: Record<string, string> = {
    CLUSTER_NAME: clusterNameOf(context.developer),
    AWS_REGION: config.region,
  };
  // Wake restores the configured sizes; hibernate scales to zero (hibernatedScaling) and keeps max, which EKS needs.
  const nodes = kind === 'hibernate' ? hibernatedScaling(config.cluster.nodes) : config.cluster.nodes;
  if (kind === 'apply' || kind === 'hibernate' || kind === 'wake') {
    Object.assign(params, {
      NODE_MIN_SIZE: String(nodes.min),
      NODE_DESIRED_SIZE: String(nodes.desired),
      NODE_MAX_SIZE: String(nodes.max),
    });
  }
  // A hibernate is told the configured nodes too: a node group that is not them (Spot fell back to On-Demand one
  // morning, or the roster changed its nodes) is replaced while it is empty, so the next wake grows the right nodes.
  if (kind === 'apply' || kind === 'hibernate') {
    const choice = nodesOf(config, memberOf(config, context.developer));
    const capacity = context.capacity ?? choice.capacity;
    Object.assign(params, {
      // A hibernate keeps the control plane's version (scripts/terraform.sh reads it): it changes the nodes only.
      ...(kind === 'apply' ? { KUBERNETES_VERSION: config.cluster.kubernetesVersion } : {}),
      // On-Demand takes the first type only, the one cost.ts prices; Spot draws on every pool of the same size.
      NODE_INSTANCE_TYPES: (capacity === 'spot' ? choice.instanceTypes : choice.instanceTypes.slice(0, 1)).join(','),
      NODE_CAPACITY_TYPE: EKS_CAPACITY_TYPE[capacity],
      NODE_ARCH: choice.arch,
      NODE_SPOT_WAIT_MINUTES: String(config.cluster.nodes.spotWaitMinutes),
    });
    if (context.iamPrincipalArn) params.DEVELOPER_PRINCIPAL_ARN = context.iamPrincipalArn;
    if (context.expiresAt) params.EXPIRES_AT = context.expiresAt;
  }
  if (kind === 'deploy') {
    if (context.images?.frontend) params.FRONTEND_IMAGE = context.images.frontend;
    if (context.images?.mongo) params.MONGO_IMAGE = context.images.mongo;
    if (config.cluster.pullThroughCache) params.PULL_THROUGH_CACHE = config.cluster.pullThroughCache;
    if (context.accessFor) params.DEVELOPER_PRINCIPAL_ARN = context.accessFor;
  }
  return params;
}

/**
 * EKS and Auto Scaling's words for "no Spot capacity" in a node group's health issues, as terraform reports them,
 * and terraform's own timeout on a node group that never became ACTIVE (the Spot deadline, spot_wait_minutes).
 */
const SPOT_SHORTAGE =
  /UnfulfillableCapacity|InsufficientInstanceCapacity|MaxSpotInstanceCountExceeded|Could not launch Spot Instances|waiting for EKS Node Group .* (to create|to become available)|timeout while waiting for state to become 'ACTIVE'/i;

/**
 * Whether a failed apply should be run again On-Demand: only an apply that asked for Spot, and only when it failed
 * for want of Spot capacity or ran out of its Spot deadline. Any other failure takes the failure path.
 */
export function shouldFallBackToOnDemand(capacity: CapacityType | null | undefined, reason: string): boolean {
  return capacity === 'spot' && SPOT_SHORTAGE.test(reason);
}

/**
 * The CodeBuild projects of one stage. Project names are unique per account and region, so the stack names them
 * `<configured name>-<stage>`: a second stage in the same region gets its own.
 */
export function codebuildProjectsOf(runner: { terraformProject: string; deployProject: string }, stage: string) {
  if (!/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(stage)) {
    throw new Error(`stage "${stage}" is not a valid stage name (letters, digits and inner hyphens): it names the CodeBuild projects`);
  }
  return { terraformProject: `${runner.terraformProject}-${stage}`, deployProject: `${runner.deployProject}-${stage}` };
}

/** The deploy job's image variables, and the kustomize base's placeholder each one replaces. */
const DEPLOY_IMAGES = [
  ['FRONTEND_IMAGE', 'turbo-frontend'],
  ['MONGO_IMAGE', 'turbo-mongo'],
] as const;

/**
 * Why a deploy job's parameters would deploy the kustomize base's placeholder image (which no registry has:
 * ImagePullBackOff until the rollout times out), or undefined. scripts/deploy.sh refuses the same way.
 */
export function placeholderImageProblem(params: Record<string, string>): string | undefined {
  const missing = DEPLOY_IMAGES.find(([variable]) => !params[variable]);
  return missing ? `${missing[0]} is not set: the base's placeholder image ${missing[1]} cannot be pulled` : undefined;
}

export function expectedJobSeconds(config: TurboConfig, kind: JobKind): number {
  const { jobs } = config;
  const minutes = {
    apply: jobs.applyMinutes,
    deploy: jobs.deployMinutes,
    destroy: jobs.destroyMinutes,
    hibernate: jobs.hibernateMinutes,
    wake: jobs.wakeMinutes,
  }[kind];
  return Math.round(minutes * 60);
}

/** A cluster that its apply left broken: the control plane FAILED, or its node group failed or degraded. */
export function clusterHasFailed(cluster: ClusterInfo): boolean {
  return cluster.status === 'FAILED' || cluster.nodegroupStatus === 'CREATE_FAILED' || cluster.nodegroupStatus === 'DEGRADED';
}

/** Jobs whose success must still show in EKS afterwards before a replay or redrive may reuse them (jobEffectHolds). */
export const EFFECT_CHECKED_JOBS: ReadonlySet<JobKind> = new Set(['apply', 'hibernate']);

/**
 * Whether a succeeded job did its job, as EKS shows it now: an apply whose cluster ended unhealthy did not, nor a
 * hibernate whose node group is not at desired 0 (a scale-down that reported success and left the nodes running).
 */
export function jobEffectHolds(kind: JobKind, cluster: ClusterInfo): boolean {
  if (kind === 'apply') return !clusterHasFailed(cluster);
  if (kind === 'hibernate') return cluster.nodegroupDesired === 0;
  return true;
}

/**
 * Whether a replayed or redriven run may reuse the job it started before: not when that job failed, not when it
 * has run past the job timeout (a hung job that checks would only time out again), and not an apply or a
 * hibernate whose effect does not hold (jobEffectHolds).
 */
export function isReusable(
  previous: JobStatus,
  handle: JobHandle,
  kind: JobKind,
  timeoutMinutes: number,
  effectHolds: boolean,
  now = new Date(),
): boolean {
  if (previous.state === 'failed') return false;
  if (previous.state === 'running') return now.getTime() - Date.parse(handle.startedAt) <= timeoutMinutes * 60_000;
  return !EFFECT_CHECKED_JOBS.has(kind) || effectHolds;
}

/** A job's idempotency key at the runner: its run's ID, with `-retry<n>` from a second attempt on (a replaced job is not the first). */
export function jobRunIdFor(runId: string, attempt: number): string {
  return attempt === 1 ? runId : `${runId}-retry${attempt}`;
}

/** The run a job belongs to, from its key (jobRunIdFor): a retried job is its run's. */
export function runIdOfJob(jobRunId: string): string {
  return jobRunId.replace(/-retry\d+$/, '');
}

/** How long a job waited in the runner's queue, in seconds: from its start to when it began to run, 0 when the runner does not say. */
export function queuedSecondsOf(startedAt: string, runningSince: string | undefined): number {
  if (runningSince === undefined) return 0;
  return Math.max(0, Math.round((Date.parse(runningSince) - Date.parse(startedAt)) / 1000));
}

/**
 * How long a job has run, for its timeout (jobs.timeoutMinutes), in seconds at `now`: from when it left the runner's
 * queue, and nothing while it waits there. CodeBuild starts a build's timeout when the build leaves the queue (a
 * queued build has its own queue timeout, 8 hours by default), so a queue that backs up under the quota must not
 * fail the jobs waiting in it. A runner that does not say falls back to the job's start.
 */
export function runningSeconds(status: { queued?: boolean; runningSince?: string }, startedAt: string, now: Date): number {
  if (status.queued) return 0;
  return Math.max(0, (now.getTime() - Date.parse(status.runningSince ?? startedAt)) / 1000);
}
