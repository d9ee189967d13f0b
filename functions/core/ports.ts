/**
 * The ports: the only view the workflow code has of the outside world. Each real adapter in functions/adapters
 * implements one of them; the fakes in functions/adapters/memory implement them for rehearsals and workflow tests.
 */
import type {
  AmendPatch,
  ClaimRequest,
  ClaimResult,
  ClusterInfo,
  EnvironmentRecord,
  EnvironmentRunRequest,
  JobHandle,
  JobRequest,
  JobStatus,
  Message,
  RolloutLease,
  SelfServiceTask,
  WorkloadRef,
  WorkloadState,
} from './types';

export interface JobRunner {
  start(job: JobRequest): Promise<JobHandle>;
  /** May return an updated handle (e.g. Jenkins learns the build number) that the caller must keep. */
  status(handle: JobHandle): Promise<JobStatus>;
}

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
  /**
   * Releases keys reserved by markNotified: one whose send failed, so that a retry can send it, or those past the
   * redrive window (core/notified). One write, however many keys; none without a record.
   */
  unmarkNotified(developer: string, ...keys: string[]): Promise<void>;
  /**
   * A self-service change that no run owns (keep-alive, skip days), written whatever the record's owner and
   * status, together with its audit entry (the last MAX_AUDIT_ENTRIES are kept). Creates an `absent` record when
   * there is none. Idempotent: an amend whose audit entry (at, by, action) is already recorded, or whose fields
   * already have its values, writes nothing and returns the record as it is (core/audit decideAmend).
   */
  amend(developer: string, patch: AmendPatch): Promise<EnvironmentRecord>;
  /**
   * Conditional write of the ops record's rollout lease: taken unless another run holds the same release and its
   * lease has not lapsed at `now` (core/storeRules rolloutLeaseRefused). The holder taking it again renews it.
   */
  takeRolloutLease(lease: RolloutLease, now: string): Promise<{ taken: true } | { taken: false; holder: RolloutLease }>;
  /** Gives the lease up if `execution` still holds it; another run's lease is left alone. */
  releaseRolloutLease(execution: string): Promise<void>;
}

export interface Clusters {
  describe(name: string): Promise<ClusterInfo>;
  /** The clusters carrying Turbo's tags (`turbo:owner`). */
  listTurboClusters(): Promise<ClusterInfo[]>;
  /** The names of every cluster in the account and region, tagged or not (for look-alike orphans). */
  listClusterNames(): Promise<string[]>;
}

/** Starts environment executions outside reconcile (Slack, CLI). */
export interface EnvironmentRuns {
  /** `alreadyStarted` when an execution with this run ID exists: starting twice is not an error. */
  start(run: EnvironmentRunRequest): Promise<{ executionArn: string; alreadyStarted: boolean }>;
}

/** Work done after Slack's 3-second acknowledgement: an asynchronous invocation in AWS. */
export interface AsyncWork {
  enqueue(task: SelfServiceTask): Promise<void>;
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

/** The image registry (Docker Hub): its tags, and the digest a tag points at. */
export interface Registry {
  /** Every tag of `namespace/name`, all pages. */
  listTags(repository: string): Promise<string[]>;
  /** The digest `tag` points at now. */
  digest(repository: string, tag: string): Promise<string>;
}

/** The Kubernetes API of one cluster. */
export interface Kube {
  /** Undefined when the workload does not exist. */
  getWorkload(ref: WorkloadRef): Promise<WorkloadState | undefined>;
  /** Sets the container's image (only that container's image field); returns the workload as the API answered. */
  setImage(ref: WorkloadRef, image: string): Promise<WorkloadState>;
}

/** Starts executions of one state machine (image-sync for the webhook, environment for Slack and the CLI). */
export interface Workflows {
  /** Starts an execution named `name`. A second start with the same name starts nothing: `alreadyStarted` is then true. */
  start(name: string, input: Record<string, unknown>): Promise<{ executionArn: string; alreadyStarted: boolean }>;
}

/**
 * Where reconcile's plan goes when it is too large for a state's payload (256 KB): one JSON array per reconcile
 * execution, read back by its Distributed Map's ItemReader. Writing the same key twice (a replay) writes the same plan.
 */
export interface PlanStore {
  /** Writes `items` as a JSON array under `key`; returns the bucket and key the ItemReader reads. */
  put(key: string, items: unknown[]): Promise<{ bucket: string; key: string }>;
}
