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
  lastError?: string;
  /** Jobs started by the owning run, by kind: a replayed StartJob finds its job here. */
  jobs?: Partial<Record<JobKind, JobHandle>>;
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
}

export type ClaimResult =
  | { outcome: 'claimed'; record: EnvironmentRecord }
  /** This run already owns the record: a replay or a redrive. */
  | { outcome: 'already-owned'; record: EnvironmentRecord }
  /** Another run owns it: this one must stop without touching anything. */
  | { outcome: 'lost'; record: EnvironmentRecord };

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
