/**
 * The in-memory cloud: a test double of every port, for rehearsals and workflow tests. It runs on whatever clock
 * Date.now() gives (the rehearsal installs a virtual one), with realistic durations and fault injection.
 * It is never a replacement for the real adapters, which are tested against the real services' documented behaviour.
 */
import type {
  ClaimRequest,
  ClaimResult,
  ClusterInfo,
  EnvironmentRecord,
  JobHandle,
  JobKind,
  JobRequest,
  JobStatus,
  Message,
} from '../../core/types';
import type { Clusters, EnvironmentStore, JobRunner, Notifier, SecretStore } from '../../core/ports';
import { AuthenticationError, ConfigurationError, OwnershipLostError, TransientError } from '../../core/errors';
import { clusterNameOf, OWNER_TAG } from '../../core/config';
import { OPS_RECORD } from '../../core/types';
import { APP_WORKLOADS } from '../../core/images';
import { NETWORK_VPC_PARAMETER } from '../../core/plan';
import { placeholderImageProblem } from '../../core/jobs';
import { decideAmend } from '../../core/audit';
import { MemoryKube, MemoryRegistry } from './images';
import { MemoryPlanStore } from './objects';
import { translateAwsError } from '../retry';
import { assertItemFits, type ChannelRate, type JobSlots } from './limits';
import type { MetricPoint } from '../../core/metrics';

/** The app's images as the in-memory Docker Hub has them before any push. */
export const INITIAL_TAGS = { frontend: '1.2.0', mongo: '8.0.3' };

/** Where a fault can be injected for one developer. */
export const FAULT_POINTS = [
  'apply',
  'apply-hang',
  'cluster',
  'deploy',
  'destroy',
  'slack',
  'runner-down',
  'lambda-transient',
  /** The developer's DMs: Slack answers 429, then 500, then invalid_auth until the fault is cleared (a revoked token). */
  'slack-429-500-invalid-auth',
  /** The next image rollout on the developer's cluster never becomes available (ProgressDeadlineExceeded). */
  'rollout-timeout',
] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];

export interface Durations {
  applySeconds: number;
  /** From the start of apply until the control plane is ACTIVE; the node group follows a minute later. */
  clusterReadySeconds: number;
  deploySeconds: number;
  destroySeconds: number;
  /** Each duration varies by up to this fraction, deterministically per developer. */
  jitter: number;
}

export const REALISTIC_DURATIONS: Durations = {
  applySeconds: 12 * 60,
  clusterReadySeconds: 10 * 60,
  deploySeconds: 60,
  destroySeconds: 10 * 60,
  jitter: 0.02,
};

interface MemoryJob {
  handle: JobHandle;
  finishAt: number;
  outcome: 'succeeded' | 'failed' | 'hang';
  reason?: string;
  outputs: Record<string, string>;
  /** When a status check first saw the job finished: the workflow's detection delay. */
  observedAt?: number;
  /** Waiting for a runner slot (runner.maxConcurrentJobs): started for real when one frees. */
  queued?: JobRequest;
}

interface MemoryCluster {
  name: string;
  owner: string;
  createdAt: number;
  activeAt: number;
  failsAt?: number;
  deletingFrom?: number;
  goneAt?: number;
  endpoint: string;
}

export interface SentMessage {
  at: string;
  to: { user?: string; channel?: string };
  developer?: string;
  text: string;
  blocks: unknown[];
}

/** What the stage's alert topic (SNS) was sent: an alarm's change of state, as email subscribers would get it. */
export interface PublishedAlert {
  at: string;
  topic: string;
  subject: string;
  message: string;
}

/** A deterministic fraction in [-1, 1] from a string, so that rehearsals are repeatable. */
function spread(key: string): number {
  let hash = 2166136261;
  for (const char of key) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
  return ((hash >>> 0) / 0xffffffff) * 2 - 1;
}

/** A copy of plain JSON data (a caller's patch): a walk is several times cheaper than structuredClone's serialisation. */
function clone<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(clone) as T;
  const copy: Record<string, unknown> = {};
  for (const key in value) copy[key] = clone((value as Record<string, unknown>)[key]);
  return copy as T;
}

/**
 * A stored record is frozen, deeply, and handed out as it is: nothing can change it but a write, so a read copies
 * nothing (a soak reads every record on every tick), and what an earlier write froze is shared, not walked again.
 */
function frozen<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  for (const element of Object.values(value)) frozen(element);
  return Object.freeze(value);
}

export class MemoryCloud {
  readonly records = new Map<string, EnvironmentRecord>();
  readonly jobs = new Map<string, MemoryJob>();
  readonly clusterMap = new Map<string, MemoryCluster>();
  /** Clusters in the account that Turbo did not tag (made by hand): listed, never described or touched. */
  readonly untaggedClusters: string[] = [];
  readonly outbox: SentMessage[] = [];
  readonly registry = new MemoryRegistry();
  /** SSM as the rehearsal sees it: names to values, which never leave the ports. */
  /** The shared network is applied in a rehearsal (reconcile holds every up until it is: core/plan holdUpsWithoutNetwork). */
  readonly secretValues = new Map<string, string>([[NETWORK_VPC_PARAMETER, 'vpc-0rehearsal']]);
  readonly kube = new MemoryKube(() => this.registry.pull());
  /** S3's plan bucket: reconcile's plan, read back by its ItemReader. */
  readonly plans = new MemoryPlanStore(undefined, (action, resource) => this.onAwsCall(action, resource));
  /** CloudWatch as the rehearsal sees it: every metric value the handlers and the simulated services emitted. */
  readonly metricPoints: MetricPoint[] = [];
  /** The alert topic's deliveries: these reach people by email or pager, with Slack up or down. */
  readonly alertOutbox: PublishedAlert[] = [];
  private readonly faults = new Map<string, Set<FaultPoint>>();
  private readonly slackUsers = new Map<string, string>();
  /** DMs tried per developer under 'slack-429-500-invalid-auth': where in the sequence the next answer is. */
  private readonly slackAnswers = new Map<string, number>();
  private jobCounter = 0;
  /** Each record's DynamoDB item size at its last write (limits.ts): the soak's record-size invariant reads it. */
  readonly recordBytes = new Map<string, number>();
  /** The runner's concurrency quota; unset, jobs never queue. */
  jobSlots?: JobSlots;
  /** Slack's per-channel rate; unset, messages are never held. */
  slackRate?: ChannelRate;
  /** Told of every AWS API call a port makes, with the IAM action the real adapter needs: the hook for an IAM check. */
  onAwsCall: (action: string, resource: string) => void = () => {};

  constructor(
    readonly region: string,
    readonly durations: Durations = REALISTIC_DURATIONS,
    private readonly onMessage: (message: SentMessage) => void = () => {},
    images: { frontend: string; mongo: string } = { frontend: 'acme/turbo-notes', mongo: 'acme/turbo-mongo' },
  ) {
    this.registry.push(images.frontend, INITIAL_TAGS.frontend);
    this.registry.push(images.frontend, 'sha-1a2b3c4');
    this.registry.push(images.mongo, INITIAL_TAGS.mongo);
  }

  /** The app's workloads as the deploy job leaves them: the job's pinned images. */
  private deployApp(clusterName: string, developer: string, params: Record<string, string>): void {
    this.kube.deploy(clusterName, [
      { ref: APP_WORKLOADS.frontend, image: params.FRONTEND_IMAGE!, replicas: 2 },
      { ref: APP_WORKLOADS.mongo, image: params.MONGO_IMAGE!, replicas: 1 },
    ]);
    if (this.takeFault(developer, 'rollout-timeout')) this.kube.failNextRollout(clusterName);
  }

  injectFault(developer: string, point: FaultPoint): void {
    const points = this.faults.get(developer) ?? new Set<FaultPoint>();
    points.add(point);
    this.faults.set(developer, points);
  }

  /** The fault is fixed (the runner is back, the token replaced): what an operator does before a redrive. */
  clearFault(developer: string, point: FaultPoint): void {
    this.faults.get(developer)?.delete(point);
  }

  hasFault(developer: string, point: FaultPoint): boolean {
    return this.faults.get(developer)?.has(point) ?? false;
  }

  /** Consumes a one-shot fault: true the first time it is asked. */
  private takeFault(developer: string, point: FaultPoint): boolean {
    const had = this.hasFault(developer, point);
    if (had) this.faults.get(developer)!.delete(point);
    return had;
  }

  /** Lets the notifier tell which developer a Slack user ID belongs to (for faults and the outbox). */
  knowSlackUser(slackUserId: string, developer: string): void {
    this.slackUsers.set(slackUserId, developer);
  }

  /** An existing cluster, e.g. an orphan left by someone who left the team. */
  addCluster(name: string, owner: string, createdAt = Date.now()): void {
    this.clusterMap.set(name, { name, owner, createdAt, activeAt: createdAt, endpoint: this.endpointOf(name) });
  }

  private endpointOf(clusterName: string): string {
    const id = Math.abs(Math.round(spread(clusterName) * 1e12))
      .toString(16)
      .toUpperCase()
      .padStart(10, '0');
    return `https://${id}.gr7.${this.region}.eks.amazonaws.com`;
  }

  private duration(seconds: number, key: string): number {
    return Math.round(seconds * (1 + this.durations.jitter * spread(key)) * 1000);
  }

  jobsStarted(developer?: string, kind?: JobKind): number {
    return [...this.jobs.values()].filter(
      (job) => (!developer || job.handle.developer === developer) && (!kind || job.handle.kind === kind),
    ).length;
  }

  /** Virtual milliseconds between each finished job's end and the first check that saw it. */
  detectionDelays(): { developer: string; kind: JobKind; delayMs: number }[] {
    return [...this.jobs.values()]
      .filter((job) => job.observedAt !== undefined && job.outcome !== 'hang')
      .map((job) => ({ developer: job.handle.developer, kind: job.handle.kind, delayMs: job.observedAt! - job.finishAt }));
  }

  readonly store: EnvironmentStore = {
    get: async (developer) => {
      this.onAwsCall('dynamodb:GetItem', developer);
      const record = this.records.get(developer);
      return record;
    },
    list: async () => {
      this.onAwsCall('dynamodb:Scan', '*');
      return [...this.records.values()].filter((record) => record.developer !== OPS_RECORD);
    },
    claim: async (request: ClaimRequest): Promise<ClaimResult> => {
      const current = this.records.get(request.developer);
      const stale =
        current && (current.status === 'provisioning' || current.status === 'destroying') && current.updatedAt < request.staleBefore;
      const busy =
        current &&
        !stale &&
        (current.status === 'provisioning' || current.status === 'destroying' || (request.action === 'up' && current.status === 'ready'));
      if (current && (busy || current.runId === request.runId)) {
        return { outcome: current.runId === request.runId ? 'already-owned' : 'lost', record: current };
      }
      const record: EnvironmentRecord = {
        ...current,
        developer: request.developer,
        clusterName: request.clusterName,
        status: request.action === 'up' ? 'provisioning' : 'destroying',
        runId: request.runId,
        action: request.action,
        executionArn: request.executionArn,
        startedAt: request.now,
        updatedAt: request.now,
      };
      delete record.lastError;
      delete record.jobs;
      delete record.jobAttempts;
      delete record.applyFinishedAt;
      this.writeRecord('claim', record);
      return { outcome: 'claimed', record };
    },
    update: async (developer, runId, patch) => {
      const current = this.records.get(developer);
      if (!current || current.runId !== runId) {
        throw new OwnershipLostError(`${developer} is owned by ${current?.runId ?? 'nobody'}, not by ${runId}: the update was not applied`);
      }
      const next = { ...current, ...clone(patch), updatedAt: patch.updatedAt ?? new Date().toISOString() } as EnvironmentRecord;
      for (const [field, value] of Object.entries(patch))
        if (value === undefined) delete (next as unknown as Record<string, unknown>)[field];
      this.writeRecord('update', next);
      return next;
    },
    markNotified: async (developer, key) => {
      if (developer === OPS_RECORD && !this.records.has(developer)) this.records.set(developer, { developer } as EnvironmentRecord);
      const current = this.records.get(developer);
      if (!current) throw new Error(`there is no environment record for ${developer}: cannot record notification ${key}`);
      if (current.notified?.includes(key)) return false;
      this.writeRecord('markNotified', { ...current, notified: [...(current.notified ?? []), key].sort() });
      return true;
    },
    unmarkNotified: async (developer, key) => {
      const current = this.records.get(developer);
      if (current?.notified)
        this.records.set(developer, frozen({ ...current, notified: current.notified.filter((existing) => existing !== key) }));
    },
    amend: async (developer, patch) => {
      const now = new Date().toISOString();
      const current = this.records.get(developer) ?? { developer, clusterName: patch.clusterName, status: 'absent', updatedAt: now };
      const decision = decideAmend(this.records.get(developer), patch);
      if (!decision.write) return current;
      const skipDates = new Set(current.skipDates ?? []);
      if (patch.addSkipDate) skipDates.add(patch.addSkipDate);
      if (patch.removeSkipDate) skipDates.delete(patch.removeSkipDate);
      const next: EnvironmentRecord = {
        ...current,
        ...(patch.keepUntil ? { keepUntil: patch.keepUntil } : {}),
        ...(patch.images ? { images: clone(patch.images) } : {}),
        skipDates: [...skipDates].sort(),
        audit: decision.audit,
        updatedAt: now,
      };
      this.writeRecord('amend', next);
      return next;
    },
  };

  /** Every write of a record goes through DynamoDB's item size limit, failing as the store adapter reports it. */
  private writeRecord(doing: string, record: EnvironmentRecord): void {
    this.onAwsCall('dynamodb:UpdateItem', record.developer);
    try {
      this.recordBytes.set(record.developer, assertItemFits(record as unknown as Record<string, unknown>));
    } catch (error) {
      throw translateAwsError(error, `DynamoDB UpdateItem (${doing} ${record.developer})`);
    }
    this.records.set(record.developer, frozen(record));
  }

  /** A job whose slot is free starts now; CodeBuild frees the slot when the build ends or its timeout stops it. */
  private launch(id: string, job: JobRequest, handle: JobHandle): void {
    this.jobs.set(id, this.startJob(job, handle, Date.now()));
    const slots = this.jobSlots;
    if (!slots) return;
    const memoryJob = this.jobs.get(id)!;
    const endsAt = memoryJob.outcome === 'hang' ? Date.now() + this.jobTimeoutMs : memoryJob.finishAt;
    setTimeout(
      () => {
        const next = slots.release(id);
        const queued = next === undefined ? undefined : this.jobs.get(next);
        if (next !== undefined && queued?.queued) this.launch(next, queued.queued, queued.handle);
      },
      Math.max(0, endsAt - Date.now()),
    );
  }

  /** How long CodeBuild lets a build run before it stops it (the buildspec's timeout). */
  jobTimeoutMs = 60 * 60_000;

  readonly runner: JobRunner = {
    start: async (job: JobRequest): Promise<JobHandle> => {
      this.onAwsCall('codebuild:StartBuild', job.kind);
      if (this.hasFault(job.developer, 'runner-down')) throw new TransientError('runner unreachable: connect ECONNREFUSED');
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
    },
    status: async (handle: JobHandle): Promise<JobStatus> => {
      this.onAwsCall('codebuild:BatchGetBuilds', handle.kind);
      if (this.hasFault(handle.developer, 'runner-down')) throw new TransientError('runner unreachable: connect ECONNREFUSED');
      const job = this.jobs.get(handle.id);
      if (!job) return { state: 'failed', reason: `job ${handle.id} not found` };
      const logUrl = `memory://jobs/${handle.id}/log`;
      if (job.queued) return { state: 'running', detail: 'QUEUED', logUrl };
      if (job.outcome === 'hang' || Date.now() < job.finishAt) return { state: 'running', detail: 'BUILD', logUrl };
      job.observedAt ??= Date.now();
      if (job.outcome === 'failed') return { state: 'failed', reason: job.reason!, logUrl };
      return { state: 'succeeded', outputs: job.outputs, logUrl };
    },
  };

  /** A job as it runs from `now`: its outcome, its end, and what it does to the simulated EKS and app. */
  private startJob(job: JobRequest, handle: JobHandle, now: number): MemoryJob {
    const seconds = { apply: this.durations.applySeconds, deploy: this.durations.deploySeconds, destroy: this.durations.destroySeconds }[
      job.kind
    ];
    const memoryJob: MemoryJob = {
      handle,
      finishAt: now + this.duration(seconds, `${job.developer}:${job.kind}`),
      outcome: 'succeeded',
      outputs: {},
    };
    const clusterName = job.params.CLUSTER_NAME ?? clusterNameOf(job.developer);
    if (job.kind === 'apply') {
      if (this.takeFault(job.developer, 'apply')) {
        Object.assign(memoryJob, {
          outcome: 'failed',
          finishAt: now + 180_000,
          reason: `FAILED in phase BUILD: terraform apply exited 1 (Error: creating EKS Node Group: AccessDenied)`,
        });
      } else if (this.takeFault(job.developer, 'apply-hang')) {
        memoryJob.outcome = 'hang';
      } else {
        this.provisionCluster(clusterName, job.developer, now, this.takeFault(job.developer, 'cluster'));
      }
    } else if (job.kind === 'deploy') {
      const unpinned = placeholderImageProblem(job.params);
      if (unpinned) {
        Object.assign(memoryJob, { outcome: 'failed', finishAt: now + 5_000, reason: `FAILED in phase BUILD: ${unpinned}` });
      } else if (this.takeFault(job.developer, 'deploy')) {
        Object.assign(memoryJob, {
          outcome: 'failed',
          reason: 'FAILED in phase BUILD: kubectl rollout status deployment/frontend timed out',
        });
      } else if (!this.kube.has(clusterName) && ![job.params.FRONTEND_IMAGE, job.params.MONGO_IMAGE].every(() => this.registry.pull())) {
        // A new cluster's nodes pull both images through the shared NAT's one IP: Docker Hub's pull limit applies to it.
        Object.assign(memoryJob, {
          outcome: 'failed',
          reason: 'FAILED in phase BUILD: kubectl rollout status timed out: ImagePullBackOff (Docker Hub 429 toomanyrequests)',
        });
      } else {
        memoryJob.outputs = { APP_URL: `http://${clusterName}-frontend.elb.${this.region}.amazonaws.com` };
        this.deployApp(clusterName, job.developer, job.params);
      }
    } else if (this.takeFault(job.developer, 'destroy')) {
      Object.assign(memoryJob, {
        outcome: 'failed',
        reason: 'FAILED in phase BUILD: terraform destroy exited 1 (DependencyViolation: subnet has dependencies)',
      });
    } else {
      const cluster = this.clusterMap.get(clusterName);
      if (cluster) Object.assign(cluster, { deletingFrom: now, goneAt: memoryJob.finishAt });
      this.kube.remove(clusterName);
    }
    return memoryJob;
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
        if (job.kind === 'apply') this.provisionCluster(clusterName, job.developer, now, false);
        if (job.kind === 'destroy') {
          const cluster = this.clusterMap.get(clusterName);
          if (cluster)
            Object.assign(cluster, {
              deletingFrom: now,
              goneAt: now + this.duration(this.durations.destroySeconds, `${job.developer}:destroy`),
            });
        }
        return handle;
      },
      status: (handle) => inner.status(handle),
    };
  }

  private provisionCluster(name: string, owner: string, now: number, fails: boolean): void {
    const existing = this.clusterMap.get(name);
    if (existing && existing.goneAt === undefined) {
      // apply converges on a live cluster; a failed node group is replaced, which takes a few minutes
      if (existing.failsAt !== undefined) Object.assign(existing, { failsAt: undefined, activeAt: now + 5 * 60_000 });
      return;
    }
    const activeAt = now + this.duration(this.durations.clusterReadySeconds, `${owner}:cluster`);
    this.clusterMap.set(name, {
      name,
      owner,
      createdAt: now,
      activeAt,
      failsAt: fails ? activeAt - 120_000 : undefined,
      endpoint: this.endpointOf(name),
    });
  }

  private clusterInfo(cluster: MemoryCluster, now: number): ClusterInfo {
    const tags = { [OWNER_TAG]: cluster.owner, 'turbo:managed-by': 'turbo' };
    const base = {
      name: cluster.name,
      endpoint: cluster.endpoint,
      certificateAuthority: Buffer.from(`fake CA of ${cluster.name}`).toString('base64'),
      tags,
    };
    if (cluster.goneAt !== undefined && now >= cluster.goneAt) return { ...base, status: 'ABSENT', nodegroupStatus: 'ABSENT' };
    if (cluster.deletingFrom !== undefined && now >= cluster.deletingFrom)
      return { ...base, status: 'DELETING', nodegroupStatus: 'DELETING' };
    if (cluster.failsAt !== undefined && now >= cluster.failsAt) return { ...base, status: 'ACTIVE', nodegroupStatus: 'CREATE_FAILED' };
    if (now < cluster.activeAt) return { ...base, status: 'CREATING', nodegroupStatus: 'CREATING' };
    return { ...base, status: 'ACTIVE', nodegroupStatus: now < cluster.activeAt + 60_000 ? 'CREATING' : 'ACTIVE' };
  }

  readonly clusters: Clusters = {
    describe: async (name) => {
      this.onAwsCall('eks:DescribeCluster', name);
      this.onAwsCall('eks:ListNodegroups', name);
      this.onAwsCall('eks:DescribeNodegroup', name);
      const cluster = this.clusterMap.get(name);
      if (!cluster) return { name, status: 'ABSENT', tags: {} };
      return this.clusterInfo(cluster, Date.now());
    },
    listTurboClusters: async () => {
      this.onAwsCall('eks:ListClusters', '*');
      return [...this.clusterMap.values()]
        .map((cluster) => this.clusterInfo(cluster, Date.now()))
        .filter((info) => info.status !== 'ABSENT');
    },
    listClusterNames: async () => [...(await this.clusters.listTurboClusters()).map((info) => info.name), ...this.untaggedClusters],
  };

  readonly secrets: SecretStore = {
    get: async (name) => {
      this.onAwsCall(name.startsWith('secretsmanager:') ? 'secretsmanager:GetSecretValue' : 'ssm:GetParameter', name);
      const value = this.secretValues.get(name);
      if (value === undefined) throw new ConfigurationError(`SSM parameter ${name} not found`);
      return value;
    },
  };

  readonly notifier: Notifier = {
    sendToUser: async (slackUserId: string, message: Message) => {
      const developer = this.slackUsers.get(slackUserId);
      if (developer && message.text.includes('is ready') && this.takeFault(developer, 'slack')) {
        throw new AuthenticationError('Slack chat.postMessage failed: invalid_blocks');
      }
      if (developer && this.hasFault(developer, 'slack-429-500-invalid-auth')) throw this.nextSlackRefusal(developer);
      await this.waitForSlack(slackUserId);
      return this.deliver({ user: slackUserId }, message, developer);
    },
    sendToChannel: async (channel: string, message: Message) => {
      await this.waitForSlack(channel);
      return this.deliver({ channel }, message);
    },
  };

  /** Slack's 429 and Retry-After, waited out as the Slack adapter does (adapters/slack.ts); counted for the soak. */
  private async waitForSlack(channel: string): Promise<void> {
    for (
      let retryAfter = this.slackRate?.retryAfter(channel, Date.now()) ?? 0;
      retryAfter > 0;
      retryAfter = this.slackRate!.retryAfter(channel, Date.now())
    ) {
      this.slackRateLimited += 1;
      await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
    }
  }

  /** How many chat.postMessage calls Slack answered with 429. */
  slackRateLimited = 0;

  /** Each answer as the Slack adapter reports it once its own retries are spent (see adapters/slack.ts). */
  private nextSlackRefusal(developer: string): Error {
    const answered = this.slackAnswers.get(developer) ?? 0;
    this.slackAnswers.set(developer, answered + 1);
    if (answered === 0) return new TransientError('Slack conversations.open is rate limited: retry after 30 s');
    if (answered === 1) return new TransientError('Slack conversations.open failed after retries: HTTP 500');
    return new AuthenticationError('Slack conversations.open refused the bot token: invalid_auth');
  }

  private deliver(to: SentMessage['to'], message: Message, developer?: string): string {
    const sent: SentMessage = { at: new Date().toISOString(), to, developer, text: message.text, blocks: message.blocks };
    this.outbox.push(sent);
    this.onMessage(sent);
    return `${Date.now() / 1000}`;
  }
}
