/**
 * The ports: the only view the workflow code has of the outside world.
 * Each real adapter in this folder implements one of them; the in-memory cloud (functions/adapters/memory)
 * implements all of them for rehearsals and workflow tests.
 */

export type JobKind = 'apply' | 'destroy' | 'deploy';

export interface JobRequest {
  kind: JobKind;
  developer: string;
  /** The environment execution's run ID (e.g. `alice-up-20261124`): the idempotency key of the job. */
  runId: string;
  /** Job-specific values passed to the script as environment variables (e.g. CLUSTER_NAME, IMAGES). */
  params: Record<string, string>;
}

/** What a runner needs to find a job again. Plain JSON: it travels through the state machine. */
export interface JobHandle {
  runner: 'codebuild' | 'jenkins' | 'memory';
  kind: JobKind;
  developer: string;
  runId: string;
  /** CodeBuild build ID, Jenkins queue item URL or build URL, in-memory job ID. */
  id: string;
  /** Jenkins: the build number, kept as soon as it is known (queue items are forgotten). */
  buildNumber?: number;
  startedAt: string;
}

export type JobStatus =
  | { state: 'running'; detail?: string; logUrl?: string; handle?: JobHandle }
  | { state: 'succeeded'; logUrl?: string; outputs: Record<string, string>; handle?: JobHandle }
  | { state: 'failed'; reason: string; logUrl?: string; handle?: JobHandle };

export interface JobRunner {
  start(job: JobRequest): Promise<JobHandle>;
  /** May return an updated handle (e.g. Jenkins learns the build number) that the caller must keep. */
  status(handle: JobHandle): Promise<JobStatus>;
}

export type EnvironmentStatus = 'absent' | 'provisioning' | 'ready' | 'destroying' | 'destroyed' | 'failed';

export interface ImageRef {
  repository: string;
  tag: string;
  digest?: string;
}

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
  expiresAt?: string;
  keepUntil?: string;
  skipDates?: string[];
  images?: Record<string, ImageRef>;
  /** When the cluster that is up now was started (the up run's start), for cost reports. */
  clusterSince?: string;
  /** The last clusters' lives (newest last, at most MAX_LIFETIMES): the weekly cost report adds them up. */
  lifetimes?: { startedAt: string; destroyedAt: string }[];
  lastError?: string;
  /** Jobs started by the owning run, by kind: a replayed StartJob finds its job here. */
  jobs?: Partial<Record<JobKind, JobHandle>>;
  /** How many jobs of each kind this run has started: a job that failed is replaced by a new attempt. */
  jobAttempts?: Partial<Record<JobKind, number>>;
  /** Keys of the notifications already sent (e.g. `alice-up-20261124:ready`): a replay sends none twice. */
  notified?: string[];
  audit?: AuditEntry[];
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

export interface EnvironmentStore {
  get(developer: string): Promise<EnvironmentRecord | undefined>;
  list(): Promise<EnvironmentRecord[]>;
  /** Conditional write: succeeds when no other run is provisioning or destroying this developer. */
  claim(request: ClaimRequest): Promise<ClaimResult>;
  /**
   * Conditional update: applies `patch` only while `runId` still owns the record.
   * Throws OwnershipLostError otherwise.
   */
  update(developer: string, runId: string, patch: Partial<EnvironmentRecord>): Promise<EnvironmentRecord>;
  /** Records a sent notification's key. Returns false when the key was already there (send nothing). */
  markNotified(developer: string, key: string): Promise<boolean>;
  /** Releases a key reserved by markNotified when the send failed, so that a retry can send it. */
  unmarkNotified(developer: string, key: string): Promise<void>;
  /**
   * A self-service change that no run owns (keep-alive, skip days), written whatever the record's owner and
   * status, together with its audit entry (the last MAX_AUDIT_ENTRIES are kept). Creates an `absent` record when
   * there is none. Idempotent: an amend whose audit entry (at, by, action) is already recorded, or whose fields
   * already have its values, writes nothing and returns the record as it is (core/audit decideAmend).
   */
  amend(developer: string, patch: AmendPatch): Promise<EnvironmentRecord>;
}

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
  tags: Record<string, string>;
}

export interface Clusters {
  describe(name: string): Promise<ClusterInfo>;
  /** The clusters carrying Turbo's tags (`turbo:owner`). */
  listTurboClusters(): Promise<ClusterInfo[]>;
  /** The names of every cluster in the account and region, tagged or not (for look-alike orphans). */
  listClusterNames(): Promise<string[]>;
}

/** One environment execution, as the reconcile Map starts it (`expiresAt` is null for `down`). */
export interface EnvironmentRunRequest {
  developer: string;
  action: 'up' | 'down';
  runId: string;
  clusterName: string;
  expiresAt: string | null;
}

/** Starts environment executions outside reconcile (Slack, CLI). */
export interface EnvironmentRuns {
  /** `alreadyStarted` when an execution with this run ID exists: starting twice is not an error. */
  start(run: EnvironmentRunRequest): Promise<{ executionArn: string; alreadyStarted: boolean }>;
}

/** What a developer (or ops) asked for, resolved to exact instants and dates when it was asked. */
export type SelfServiceRequest =
  | { verb: 'status' }
  | { verb: 'keep'; until: string; capped: boolean }
  | { verb: 'skip'; date: string }
  | { verb: 'up' }
  | { verb: 'down' };

export interface SelfServiceTask {
  developer: string;
  request: SelfServiceRequest;
  /** `slack:<user ID>` or `cli:<IAM ARN>`: written to the audit entry. */
  requestedBy: string;
  /** The Slack user to answer by DM (absent for the CLI). */
  replyTo?: string;
  /** The Slack request it came from (see requestIdOf): Slack's redeliveries of one request get one reply. */
  requestId?: string;
  requestedAt: string;
}

/** Work done after Slack's 3-second acknowledgement: an asynchronous invocation in AWS. */
export interface AsyncWork {
  enqueue(task: SelfServiceTask): Promise<void>;
}

/** A Slack-ready message: plain text for notifications and Block Kit blocks for the body. */
export interface Message {
  text: string;
  blocks: unknown[];
}

export interface Notifier {
  /** Direct message to one Slack user. Returns the message timestamp. */
  sendToUser(slackUserId: string, message: Message): Promise<string>;
  /** Message to a channel (the ops channel). */
  sendToChannel(channel: string, message: Message): Promise<string>;
}

/** Reads secrets by name from SSM Parameter Store or Secrets Manager. Values never leave the adapter's caller. */
export interface SecretStore {
  get(name: string): Promise<string>;
}

/** Errors that the state machines route on: their `name` is the ASL error name. */
export class OwnershipLostError extends Error {
  override name = 'Turbo.OwnershipLost';
}

export class ConfigurationError extends Error {
  override name = 'Turbo.ConfigurationError';
}

export class AuthenticationError extends Error {
  override name = 'Turbo.AuthenticationError';
}

/** A transient failure of an outside system that survived the adapter's own retries. Safe to retry later. */
export class TransientError extends Error {
  override name = 'Turbo.TransientError';
}

/** An image pinned to its content: what image-sync rolls out. Plain JSON: it travels through the state machine. */
export interface ResolvedImage {
  repository: string;
  tag: string;
  /** `sha256:<64 hex>`, the manifest (or index) digest the registry reports for the tag. */
  digest: string;
}

/** The image registry (Docker Hub): its tags, and the digest a tag points at. */
export interface Registry {
  /** Every tag of `namespace/name`, all pages. */
  listTags(repository: string): Promise<string[]>;
  /** The digest `tag` points at now. */
  digest(repository: string, tag: string): Promise<string>;
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

/** The Kubernetes API of one cluster. */
export interface Kube {
  /** Undefined when the workload does not exist. */
  getWorkload(ref: WorkloadRef): Promise<WorkloadState | undefined>;
  /** Sets the container's image (only that container's image field); returns the workload as the API answered. */
  setImage(ref: WorkloadRef, image: string): Promise<WorkloadState>;
}

/** Where a cluster's API is and how to trust it (EKS DescribeCluster's endpoint and certificateAuthority.data). */
export interface KubeCluster {
  name: string;
  endpoint: string;
  /** Base64 of the PEM bundle, as EKS reports it. */
  certificateAuthority: string;
}

/** Starts executions of one state machine (image-sync for the webhook, environment for Slack and the CLI). */
export interface Workflows {
  /** Starts an execution named `name`. A second start with the same name starts nothing: `alreadyStarted` is then true. */
  start(name: string, input: Record<string, unknown>): Promise<{ executionArn: string; alreadyStarted: boolean }>;
}
