/**
 * The in-memory JobRunner: CodeBuild as the runner adapters use it. Each job runs on the (virtual) clock for a
 * realistic duration and does to the simulated EKS and app what its script would; faults make it fail or hang.
 */
import type { JobHandle, JobKind, JobRequest, JobStatus } from '../../core/types';
import type { JobRunner } from '../../core/ports';
import { TransientError } from '../../core/errors';
import { clusterNameOf } from '../../core/config';
import { APP_WORKLOADS } from '../../core/images';
import { placeholderImageProblem } from '../../core/jobs';
import type { MemoryClusters } from './clusters';
import type { FaultPlan } from './faults';
import { deployedImage, type MemoryKube, type MemoryRegistry } from './images';
import type { JobSlots } from './limits';
import { scalingOf } from './nodegroups';
import { type AwsCallListener, type Durations, jitteredMs } from './simulation';

/** A CodeBuild build's (or a Jenkins agent's) start before its script runs. */
const RUNNER_START_MS = 30_000;
/** The node-group script's last look (DescribeNodegroup, DescribeInstances) after the group settles. */
const SCRIPT_CHECK_MS = 10_000;
/**
 * A hibernate's replacement of an empty node group of other nodes (scripts/terraform.sh): terraform init and plan,
 * an empty group created (no instance to wait for) and the old one deleted, about four minutes.
 */
const EMPTY_NODEGROUP_REPLACE_MS = 4 * 60_000;

export interface MemoryJob {
  handle: JobHandle;
  finishAt: number;
  outcome: 'succeeded' | 'failed' | 'hang';
  reason?: string;
  outputs: Record<string, string>;
  /** When a status check first saw the job finished: the workflow's detection delay. */
  observedAt?: number;
  /** Waiting for a runner slot (runner.maxConcurrentJobs): started for real when one frees. */
  queued?: JobRequest;
  /** When it left the queue and began to run (epoch ms). */
  launchedAt?: number;
}

/** The simulated services a job acts on. */
export interface JobWorld {
  region: string;
  durations: Durations;
  faults: FaultPlan;
  clusters: MemoryClusters;
  kube: MemoryKube;
  registry: MemoryRegistry;
  onAwsCall: AwsCallListener;
}

export class MemoryRunner implements JobRunner {
  readonly jobs = new Map<string, MemoryJob>();
  /** The runner's concurrency quota; unset, jobs never queue. */
  jobSlots?: JobSlots;
  /** How long CodeBuild lets a build run before it stops it (the buildspec's timeout). */
  jobTimeoutMs = 60 * 60_000;
  private jobCounter = 0;
  /**
   * The clusters whose node group the last apply (or a hibernate's replacement) made Spot (NODE_CAPACITY_TYPE): a wake
   * grows it from Spot pools.
   */
  private readonly spotNodegroups = new Set<string>();

  constructor(private readonly world: JobWorld) {}

  async start(job: JobRequest): Promise<JobHandle> {
    this.world.onAwsCall('codebuild:StartBuild', job.kind);
    this.refuseWhenDown(job.developer);
    const now = Date.now();
    const id = `mem-${job.kind}-${job.developer}-${++this.jobCounter}`;
    const handle: JobHandle = {
      runner: 'memory',
      kind: job.kind,
      developer: job.developer,
      runId: job.runId,
      id,
      startedAt: new Date(now).toISOString(),
    };
    if (this.jobSlots?.admit(id) === 'queued') {
      this.jobs.set(id, { handle, finishAt: Number.POSITIVE_INFINITY, outcome: 'succeeded', outputs: {}, queued: job });
    } else {
      this.launch(id, job, handle);
    }
    return handle;
  }

  async status(handle: JobHandle): Promise<JobStatus> {
    this.world.onAwsCall('codebuild:BatchGetBuilds', handle.kind);
    this.refuseWhenDown(handle.developer);
    const job = this.jobs.get(handle.id);
    if (!job) return { state: 'failed', reason: `job ${handle.id} not found` };
    const logUrl = `memory://jobs/${handle.id}/log`;
    if (job.queued) return { state: 'running', detail: 'QUEUED', logUrl, queued: true };
    const runningSince = job.launchedAt === undefined ? {} : { runningSince: new Date(job.launchedAt).toISOString() };
    if (job.outcome === 'hang' || Date.now() < job.finishAt) return { state: 'running', detail: 'BUILD', logUrl, ...runningSince };
    job.observedAt ??= Date.now();
    if (job.outcome === 'failed') return { state: 'failed', reason: job.reason ?? 'no reason recorded', logUrl };
    return { state: 'succeeded', outputs: job.outputs, logUrl, ...runningSince };
  }

  /** The capacity of the cluster's node group, as its last apply or hibernate left it. */
  nodeCapacityOf(clusterName: string): 'spot' | 'on-demand' {
    return this.spotNodegroups.has(clusterName) ? 'spot' : 'on-demand';
  }

  /** The node group a job's Terraform leaves: Spot when it asked for NODE_CAPACITY_TYPE SPOT. */
  private createNodegroup(clusterName: string, capacityType: string | undefined): void {
    if (capacityType === 'SPOT') this.spotNodegroups.add(clusterName);
    else this.spotNodegroups.delete(clusterName);
  }

  jobsStarted(developer?: string, kind?: JobKind): number {
    return [...this.jobs.values()].filter(
      (job) => (!developer || job.handle.developer === developer) && (!kind || job.handle.kind === kind),
    ).length;
  }

  /** Virtual milliseconds between each finished job's end and the first check that saw it. */
  detectionDelays(): { developer: string; kind: JobKind; delayMs: number }[] {
    return [...this.jobs.values()].flatMap((job) =>
      job.observedAt === undefined || job.outcome === 'hang'
        ? []
        : [{ developer: job.handle.developer, kind: job.handle.kind, delayMs: job.observedAt - job.finishAt }],
    );
  }

  /**
   * A real runner (a team's Jenkins, say) with the simulated EKS following its jobs: an apply creates the
   * developer's cluster on the virtual clock, a destroy deletes it. Everything else stays in memory.
   */
  observing(inner: JobRunner): JobRunner {
    return {
      start: async (job) => {
        const handle = await inner.start(job);
        const clusterName = job.params.CLUSTER_NAME ?? clusterNameOf(job.developer);
        const now = Date.now();
        if (job.kind === 'apply') this.world.clusters.provision(clusterName, job.developer, now, false, scalingOf(job.params));
        // The real job's UpdateNodegroupConfig, as the simulated node group sees it.
        if (job.kind === 'hibernate' || job.kind === 'wake') this.world.clusters.nodegroups.scale(clusterName, scalingOf(job.params), now);
        if (job.kind === 'destroy') {
          this.world.clusters.delete(
            clusterName,
            now,
            now + this.duration(this.world.durations.destroySeconds, `${job.developer}:destroy`),
          );
        }
        return handle;
      },
      status: (handle) => inner.status(handle),
    };
  }

  private refuseWhenDown(developer: string): void {
    if (this.world.faults.has(developer, 'runner-down')) throw new TransientError('runner unreachable: connect ECONNREFUSED');
  }

  private duration(seconds: number, key: string): number {
    return jitteredMs(this.world.durations, seconds, key);
  }

  /** A job whose slot is free starts now; CodeBuild frees the slot when the build ends or its timeout stops it. */
  private launch(id: string, job: JobRequest, handle: JobHandle): void {
    const started = { ...this.run(job, handle, Date.now()), launchedAt: Date.now() };
    this.jobs.set(id, started);
    const slots = this.jobSlots;
    if (!slots) return;
    const endsAt = started.outcome === 'hang' ? Date.now() + this.jobTimeoutMs : started.finishAt;
    setTimeout(
      () => {
        const next = slots.release(id);
        const queued = next === undefined ? undefined : this.jobs.get(next);
        if (next !== undefined && queued?.queued) this.launch(next, queued.queued, queued.handle);
      },
      Math.max(0, endsAt - Date.now()),
    );
  }

  /** A job as it runs from `now`: its outcome, its end, and what it does to the simulated EKS and app. */
  private run(job: JobRequest, handle: JobHandle, now: number): MemoryJob {
    const clusterName = job.params.CLUSTER_NAME ?? clusterNameOf(job.developer);
    if (job.kind === 'hibernate' || job.kind === 'wake') return this.scaleNodegroup(job, handle, clusterName, now);
    const { durations, faults, clusters, kube, registry } = this.world;
    const seconds = { apply: durations.applySeconds, deploy: durations.deploySeconds, destroy: durations.destroySeconds }[job.kind];
    const memoryJob: MemoryJob = {
      handle,
      finishAt: now + this.duration(seconds, `${job.developer}:${job.kind}`),
      outcome: 'succeeded',
      outputs: {},
    };
    if (job.kind === 'apply') {
      if (faults.take(job.developer, 'apply')) {
        Object.assign(memoryJob, {
          outcome: 'failed',
          finishAt: now + 180_000,
          reason: `FAILED in phase BUILD: terraform apply exited 1 (Error: creating EKS Node Group: AccessDenied)`,
        });
      } else if (job.params.NODE_CAPACITY_TYPE === 'SPOT' && faults.strikes(job.developer, 'spot-capacity')) {
        // terraform gives up on the node group at its create timeout (spot_wait_minutes); the control plane stays.
        Object.assign(memoryJob, {
          outcome: 'failed',
          finishAt:
            now +
            this.duration(durations.clusterReadySeconds, `${job.developer}:cluster`) +
            Number(job.params.NODE_SPOT_WAIT_MINUTES ?? 10) * 60_000,
          reason:
            'FAILED in phase BUILD: terraform apply exited 1 (Error: waiting for EKS Node Group (turbo-' +
            `${job.developer}:default) create: unexpected state 'CREATE_FAILED'. AsgInstanceLaunchFailures: Could not launch Spot Instances. ` +
            'UnfulfillableCapacity - Unable to fulfill capacity due to your request configuration)',
        });
      } else if (faults.take(job.developer, 'apply-hang')) {
        memoryJob.outcome = 'hang';
      } else {
        clusters.provision(clusterName, job.developer, now, faults.take(job.developer, 'cluster'), scalingOf(job.params));
        this.createNodegroup(clusterName, job.params.NODE_CAPACITY_TYPE);
      }
    } else if (job.kind === 'deploy') {
      const unpinned = placeholderImageProblem(job.params);
      if (unpinned) {
        Object.assign(memoryJob, { outcome: 'failed', finishAt: now + 5_000, reason: `FAILED in phase BUILD: ${unpinned}` });
      } else if (faults.take(job.developer, 'deploy')) {
        Object.assign(memoryJob, {
          outcome: 'failed',
          reason: 'FAILED in phase BUILD: kubectl rollout status deployment/frontend timed out',
        });
      } else if (
        !kube.has(clusterName) &&
        !(['FRONTEND_IMAGE', 'MONGO_IMAGE'] as const).every((variable) => registry.pull(deployedImage(job.params, variable)))
      ) {
        // A new cluster's nodes pull both images: through the pull-through cache, or anonymously through the shared NAT's one IP.
        Object.assign(memoryJob, {
          outcome: 'failed',
          reason: 'FAILED in phase BUILD: kubectl rollout status timed out: ImagePullBackOff (Docker Hub 429 toomanyrequests)',
        });
      } else {
        memoryJob.outputs = { APP_URL: `http://${clusterName}-frontend.elb.${this.world.region}.amazonaws.com` };
        // scripts/deploy.sh on a taken warm pool cluster: the taker's access entry first.
        if (job.params.DEVELOPER_PRINCIPAL_ARN) clusters.grantAccess(clusterName, job.params.DEVELOPER_PRINCIPAL_ARN);
        this.deployApp(clusterName, job.developer, job.params);
      }
    } else if (faults.take(job.developer, 'destroy')) {
      Object.assign(memoryJob, {
        outcome: 'failed',
        reason: 'FAILED in phase BUILD: terraform destroy exited 1 (DependencyViolation: subnet has dependencies)',
      });
    } else {
      clusters.delete(clusterName, now, memoryJob.finishAt);
      kube.remove(clusterName);
    }
    return memoryJob;
  }

  /**
   * scripts/terraform.sh hibernate|wake: the runner starts (RUNNER_START_MS), the script calls UpdateNodegroupConfig,
   * waits until the node group settles (wake: nodes Ready; hibernate: no instance left) and checks it.
   */
  private scaleNodegroup(job: JobRequest, handle: JobHandle, clusterName: string, now: number): MemoryJob {
    const { faults, clusters } = this.world;
    const memoryJob: MemoryJob = { handle, finishAt: now + RUNNER_START_MS, outcome: 'succeeded', outputs: {} };
    const scaleAt = now + RUNNER_START_MS;
    if (job.kind === 'hibernate' && faults.take(job.developer, 'hibernate-silent')) return memoryJob;
    const stuck = job.kind === 'hibernate' && faults.take(job.developer, 'hibernate') ? 1 : 0;
    // A Spot node group cannot grow while no Spot can be had: the wake's nodes never come (the script names why).
    const spotShort = job.kind === 'wake' && this.spotNodegroups.has(clusterName) && faults.strikes(job.developer, 'spot-capacity');
    const launchFails = spotShort || (job.kind === 'wake' && faults.take(job.developer, 'wake'));
    const scaling = scalingOf(job.params);
    let settlesAt: number;
    try {
      settlesAt = clusters.nodegroups.scale(clusterName, scaling, scaleAt, { stuck, launchFails });
    } catch (error) {
      return {
        ...memoryJob,
        outcome: 'failed',
        reason: `FAILED in phase BUILD: aws eks update-nodegroup-config: ${(error as Error).message}`,
      };
    }
    memoryJob.finishAt = settlesAt + SCRIPT_CHECK_MS;
    // The script's own proof, on the node group as it is once settled: no instance left, or enough nodes Ready.
    const settled = clusters.nodegroups.view(clusterName, settlesAt);
    if (job.kind === 'hibernate' && settled.instances > 0) {
      memoryJob.outcome = 'failed';
      memoryJob.reason = `FAILED in phase BUILD: node group of ${clusterName} scaled to 0 but instance i-0stuck${job.developer} is still running`;
    }
    // Once empty, a group that is not the configured nodes (a Spot fallback's On-Demand one) is replaced by them.
    const configured = job.kind === 'hibernate' && memoryJob.outcome === 'succeeded' ? job.params.NODE_CAPACITY_TYPE : undefined;
    if (configured !== undefined && (configured === 'SPOT') !== this.spotNodegroups.has(clusterName)) {
      memoryJob.finishAt += EMPTY_NODEGROUP_REPLACE_MS;
      this.createNodegroup(clusterName, configured);
    }
    if (job.kind === 'wake' && settled.readyNodes < scaling.desired) {
      const timeout = Number(job.params.NODE_SCALE_TIMEOUT ?? 600);
      Object.assign(memoryJob, {
        outcome: 'failed',
        finishAt: scaleAt + timeout * 1000,
        reason:
          `FAILED in phase BUILD: timed out after ${timeout}s waiting for ${scaling.desired} Ready nodes in ${clusterName} ` +
          (spotShort
            ? '(AsgInstanceLaunchFailures: Could not launch Spot Instances. UnfulfillableCapacity - Unable to fulfill capacity due to your request configuration.)'
            : '(AsgInstanceLaunchFailures: InsufficientInstanceCapacity)'),
      });
    }
    return memoryJob;
  }

  /** The app's workloads as the deploy job leaves them: the job's pinned images (placeholderImageProblem checked them). */
  private deployApp(clusterName: string, developer: string, params: Record<string, string>): void {
    this.world.kube.deploy(clusterName, [
      { ref: APP_WORKLOADS.frontend, image: deployedImage(params, 'FRONTEND_IMAGE'), replicas: 2 },
      { ref: APP_WORKLOADS.mongo, image: deployedImage(params, 'MONGO_IMAGE'), replicas: 1 },
    ]);
    if (this.world.faults.take(developer, 'rollout-timeout')) this.world.kube.failNextRollout(clusterName);
  }
}
