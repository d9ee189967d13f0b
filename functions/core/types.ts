/**
 * The domain vocabulary: the shapes the workflow code talks about, owned by core. Ports (./ports) and adapters use
 * these types; core never imports from adapters or handlers. A shape that travels through a state machine is
 * defined once here as a zod schema, and its type is inferred from it: the handlers validate their input with the
 * same schema.
 */
import * as z from 'zod';
import { DNS_LABEL, MAX_DEVELOPER_NAME } from './config';

export const developerNameSchema = z.string().max(MAX_DEVELOPER_NAME).regex(DNS_LABEL, { message: 'must be a DNS-1123 label' });
/** A Step Functions execution's name, as it keys an object in the plan bucket. */
export const executionNameSchema = z.string().regex(/^[^/\s]{1,80}$/, 'an execution name (at most 80 characters, no slash or space)');
/** `<developer>-<up|down>-<yyyymmdd>`, also the environment execution's name (at most 80 characters). */
export const runIdSchema = z
  .string()
  .max(80)
  .regex(/^[a-z0-9][-a-z0-9]*$/, { message: 'must be a run ID such as alice-up-20261124' });
/** An EKS cluster name, as EKS accepts it. */
export const clusterNameSchema = z.string().regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, { message: 'must be an EKS cluster name' });

export const jobKindSchema = z.enum(['apply', 'destroy', 'deploy', 'hibernate', 'wake']);
export type JobKind = z.infer<typeof jobKindSchema>;

/** What a runner needs to find a job again. Plain JSON: it travels through the state machine. */
export const jobHandleSchema = z.object({
  runner: z.enum(['codebuild', 'jenkins', 'memory']),
  kind: jobKindSchema,
  developer: developerNameSchema,
  runId: runIdSchema,
  /** CodeBuild build ID, Jenkins queue item URL or build URL, in-memory job ID. */
  id: z.string().min(1),
  /** Jenkins: the build number, kept as soon as it is known (queue items are forgotten). */
  buildNumber: z.number().int().optional(),
  startedAt: z.string(),
});
export type JobHandle = z.infer<typeof jobHandleSchema>;

export interface JobRequest {
  kind: JobKind;
  developer: string;
  /** The environment execution's run ID (e.g. `alice-up-20261124`): the idempotency key of the job. */
  runId: string;
  /** Job-specific values passed to the script as environment variables (e.g. CLUSTER_NAME, IMAGES). */
  params: Record<string, string>;
}

export type JobStatus =
  | {
      state: 'running';
      detail?: string;
      logUrl?: string;
      handle?: JobHandle;
      /** Waiting for a runner slot (CodeBuild's QUEUED phase, the Jenkins queue): its build timeout has not begun. */
      queued?: boolean;
      /** When it left the runner's queue and began to run (ISO): its build timeout counts from here. */
      runningSince?: string;
    }
  | {
      state: 'succeeded';
      logUrl?: string;
      outputs: Record<string, string>;
      handle?: JobHandle;
      /** When it left the runner's queue (ISO), where the runner says: the planner learns how long jobs run, not wait. */
      runningSince?: string;
    }
  | { state: 'failed'; reason: string; logUrl?: string; handle?: JobHandle };

export type EnvironmentStatus = 'absent' | 'provisioning' | 'ready' | 'destroying' | 'destroyed' | 'failed' | 'hibernated';

export interface ImageRef {
  repository: string;
  tag: string;
  digest?: string;
}

/** An image pinned to its content: what image-sync rolls out. Plain JSON: it travels through the state machine. */
export const resolvedImageSchema = z.object({
  repository: z.string().min(3),
  tag: z.string().min(1),
  /** `sha256:<64 hex>`, the manifest (or index) digest the registry reports for the tag. */
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, { message: 'must be a sha256 digest' }),
});
export type ResolvedImage = z.infer<typeof resolvedImageSchema>;

/** A release as image-sync resolves it (ResolveImages): the frontend always, MongoDB when it follows releases too. */
export const resolvedImagesSchema = z.object({ frontend: resolvedImageSchema, mongo: resolvedImageSchema.optional() });

export interface AuditEntry {
  at: string;
  by: string;
  action: string;
}

export interface EnvironmentRecord {
  developer: string;
  status: EnvironmentStatus;
  clusterName: string;
  /** The run that owns the record now (the environment execution's run ID). */
  runId?: string;
  action?: 'up' | 'down';
  executionArn?: string;
  endpoint?: string;
  appUrl?: string;
  updatedAt: string;
  startedAt?: string;
  readyAt?: string;
  destroyedAt?: string;
  /** When the node group was last scaled to zero (core/hibernate); removed once the cluster is woken or destroyed. */
  hibernatedAt?: string;
  expiresAt?: string;
  keepUntil?: string;
  skipDates?: string[];
  images?: Record<string, ImageRef>;
  /**
   * The images this cluster is known to run: set by the up's deploy and by an image-sync rollout that ended rolled
   * or current. Image-sync's safety net rolls only the ready environments where these differ from `images`.
   */
  confirmedImages?: Record<string, ImageRef>;
  /** When the cluster that is up now was started (the up run's start), for cost reports. */
  clusterSince?: string;
  /** The last clusters' lives (newest last, at most MAX_LIFETIMES): the weekly cost report adds them up. */
  lifetimes?: { startedAt: string; destroyedAt: string }[];
  /**
   * The last spans the node group was at zero, hibernated (newest last, at most MAX_NODES_OFF), each from its
   * hibernatedAt to its wake or destroy: the weekly cost report takes their nodes off the cluster's hours.
   */
  nodesOff?: { from: string; to: string }[];
  lastError?: string;
  /** A warm pool member (core/pool) taken by this developer: the take's run deploys for them and DMs them. */
  takenBy?: string;
  /** Jobs started by the owning run, by kind: a replayed StartJob finds its job here. */
  jobs?: Partial<Record<JobKind, JobHandle>>;
  /** How many jobs of each kind this run has started: a job that failed is replaced by a new attempt. */
  jobAttempts?: Partial<Record<JobKind, number>>;
  /** The capacity the run's latest apply asked for: on-demand on a spot developer means Spot fell back. */
  nodeCapacity?: 'on-demand' | 'spot';
  /** When this run's apply job was seen finished (StartDeployJob records it): the up's sample splits there. */
  applyFinishedAt?: string;
  /** How long this run's apply waited in the runner's queue, in seconds (StartDeployJob records it): not learned as its duration. */
  applyQueuedSeconds?: number;
  /** The last ups of this developer as they went (newest last, at most core/stagger's MAX_UP_SAMPLES). */
  upHistory?: UpSample[];
  /** Keys of the notifications already sent (e.g. `alice-up-20261124:ready`): a replay sends none twice. */
  notified?: string[];
  audit?: AuditEntry[];
  /** The ops record only: the image-sync run rolling a release now (EnvironmentStore.takeRolloutLease). */
  rolloutLease?: RolloutLease;
}

/**
 * An image-sync run's hold on rolling one release. A second run of the same release (the safety net ticking while a
 * push's run is still rolling) rolls nothing, so that no cluster is rolled, and nobody told, twice for one push.
 */
export interface RolloutLease {
  /** core/images releaseDigest of the release's tags (tagsOf). */
  release: string;
  /** The image-sync execution's name; a replay or a redrive of it takes the lease again. */
  execution: string;
  /** When it lapses (ISO): a run that died without giving the lease up no longer holds the release back. */
  until: string;
}

/** One scheduled up as it went, in seconds from the reconcile tick that started it: what the planner learns from. */
export interface UpSample {
  /** When it was ready (ISO): the newest samples are the ones that count. */
  at: string;
  region: string;
  /** From the tick to the apply job seen finished (the claim and the job's queue included). */
  applySeconds: number;
  /** From the apply's end until the cluster and its node group were ACTIVE and the deploy job was started. */
  waitSeconds: number;
  /** From the deploy job's start to the record marked ready. */
  deploySeconds: number;
}

export interface ClaimRequest {
  developer: string;
  clusterName: string;
  action: 'up' | 'down';
  runId: string;
  executionArn: string;
  now: string;
  /** A provisioning or destroying record last written before this instant was left by a dead run: take it over. */
  staleBefore: string;
  /**
   * When the claiming execution first started ($$.Execution.StartTime, the same on every redrive): a record that a
   * run started after it has claimed since is not this run's to act on. A redrive of yesterday's failed down would
   * otherwise destroy today's cluster, and one of a hibernation whose cluster was since destroyed alarms ops for nothing.
   */
  runStartedAt?: string;
  /**
   * A take of a ready warm pool member (core/pool) by this developer: claimed only while the member is ready and
   * nobody's. Any other up claim clears the mark (a member filled again is nobody's).
   */
  takenBy?: string;
}

export type ClaimResult =
  | { outcome: 'claimed'; record: EnvironmentRecord }
  /** This run already owns the record: a replay or a redrive. */
  | { outcome: 'already-owned'; record: EnvironmentRecord }
  /** Another run owns it: this one must stop without touching anything. */
  | { outcome: 'lost'; record: EnvironmentRecord };

/**
 * The item that holds the ops channel's notification keys (markNotified), so that a report to ops is sent once.
 * Not a DNS label, so never a developer; list() leaves it out.
 */
export const OPS_RECORD = '#ops';

export interface AmendPatch {
  /** Used only when the record does not exist yet. */
  clusterName: string;
  /** ISO instant of the new keep-alive. */
  keepUntil?: string;
  /** A local date YYYY-MM-DD to add to skipDates (a set: adding it twice keeps one). */
  addSkipDate?: string;
  /** A local date to take out of skipDates (not together with addSkipDate). */
  removeSkipDate?: string;
  /** The images this environment should run (image-sync's desired images, used by the next deploy). */
  images?: Record<string, ImageRef>;
  audit: AuditEntry;
}

export type ClusterState = 'CREATING' | 'ACTIVE' | 'DELETING' | 'FAILED' | 'UPDATING' | 'PENDING' | 'ABSENT';

export interface ClusterInfo {
  name: string;
  status: ClusterState;
  endpoint?: string;
  certificateAuthority?: string;
  /** The state of the cluster's managed node groups (ACTIVE only when all of them are). */
  nodegroupStatus?: 'ACTIVE' | 'CREATING' | 'DEGRADED' | 'CREATE_FAILED' | 'DELETING' | 'ABSENT' | 'UPDATING';
  /** The node groups' desired sizes, added up (EKS DescribeNodegroup scalingConfig): 0 once hibernated. */
  nodegroupDesired?: number;
  tags: Record<string, string>;
}

/** One environment execution, as the reconcile Map starts it (`expiresAt` is null for `down`). */
export interface EnvironmentRunRequest {
  developer: string;
  action: 'up' | 'down';
  runId: string;
  clusterName: string;
  expiresAt: string | null;
  /**
   * core/hibernate RunPath: `hibernate` or `wake` move the node group; core/pool PoolPath: `pool` fills a member
   * (no app), `take` deploys on one for its taker; null, Terraform applies or destroys.
   */
  path: 'hibernate' | 'wake' | 'pool' | 'take' | null;
}

/** A Slack-ready message: plain text for notifications and Block Kit blocks for the body. */
/**
 * What a message is about, set where core/messages builds it: fakes and tests tell messages apart by it, never by
 * their wording. It never reaches Slack (adapters/slack.ts sends text and blocks only).
 */
export type MessageKind =
  | 'ready'
  | 'failure'
  | 'failure-dm'
  | 'reconcile-failure'
  | 'image-sync-failure'
  | 'destroyed'
  | 'hibernated'
  | 'teardown-warning'
  | 'reply'
  | 'rollout'
  | 'image-sync-summary'
  | 'weekly-cost'
  | 'network-missing'
  | 'lookalikes';

export interface Message {
  kind: MessageKind;
  text: string;
  blocks: unknown[];
}

export type WorkloadKind = 'Deployment' | 'StatefulSet';

/** One container of one workload of the app. */
export interface WorkloadRef {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  container: string;
}

/** What a rollout verdict needs from a Deployment or StatefulSet (see core/images). */
export interface WorkloadState {
  ref: WorkloadRef;
  /** The container's image now, or undefined when the workload has no such container. */
  image?: string;
  generation: number;
  observedGeneration?: number;
  /** spec.replicas */
  desiredReplicas: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  /** StatefulSet only: the revision pods run and the one they are moving to. */
  currentRevision?: string;
  updateRevision?: string;
  conditions: Array<{ type: string; status: string; reason?: string; message?: string }>;
}

/** Where a cluster's API is and how to trust it (EKS DescribeCluster's endpoint and certificateAuthority.data). */
export interface KubeCluster {
  name: string;
  endpoint: string;
  /** Base64 of the PEM bundle, as EKS reports it. */
  certificateAuthority: string;
}

/** What a developer (or ops) asked for, resolved to exact instants and dates when it was asked. */
export const selfServiceRequestSchema = z.discriminatedUnion('verb', [
  z.object({ verb: z.literal('status') }),
  z.object({ verb: z.literal('keep'), until: z.iso.datetime({ offset: true }), capped: z.boolean() }),
  z.object({ verb: z.literal('skip'), date: z.iso.date() }),
  z.object({ verb: z.literal('up') }),
  z.object({ verb: z.literal('down') }),
]);
export type SelfServiceRequest = z.infer<typeof selfServiceRequestSchema>;

/** One self-service request, queued for the asynchronous worker (SlackWork). */
export const selfServiceTaskSchema = z.object({
  developer: developerNameSchema,
  request: selfServiceRequestSchema,
  /** `slack:<user ID>` or `cli:<IAM ARN>`: written to the audit entry. */
  requestedBy: z.string().min(1).max(300),
  /** The Slack user to answer by DM (absent for the CLI). */
  replyTo: z
    .string()
    .regex(/^[UW][A-Z0-9]{6,20}$/)
    .optional(),
  /** The Slack request it came from (see requestIdOf): Slack's redeliveries of one request get one reply. */
  requestId: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .optional(),
  requestedAt: z.iso.datetime({ offset: true }),
});
export type SelfServiceTask = z.infer<typeof selfServiceTaskSchema>;
