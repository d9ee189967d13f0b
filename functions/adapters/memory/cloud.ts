/**
 * The in-memory cloud: a test double of every port, for rehearsals and workflow tests. It runs on whatever clock
 * Date.now() gives (the rehearsal installs a virtual one), with realistic durations and fault injection.
 * It is never a replacement for the real adapters, which are tested against the real services' documented behaviour.
 *
 * A thin facade: one fake per port (store, runner, clusters, chat, secrets, images, objects), one fault plan that
 * they all ask, and the fields and methods the rehearsal, the soak and the tests read.
 */
import type { JobKind } from '../../core/types';
import type { JobRunner } from '../../core/ports';
import type { MetricPoint } from '../../core/metrics';
import { type SentMessage, MemoryChat } from './chat';
import { MemoryClusters } from './clusters';
import { type FaultPoint, FaultPlan } from './faults';
import { MemoryKube, MemoryRegistry } from './images';
import type { ChannelRate, JobSlots } from './limits';
import { MemoryPlanStore } from './objects';
import { MemoryRunner } from './runner';
import { MemorySecrets } from './secrets';
import { type Durations, REALISTIC_DURATIONS } from './simulation';
import { MemoryStore } from './store';

export { FAULT_POINTS, type FaultPoint } from './faults';
export { REALISTIC_DURATIONS, type Durations } from './simulation';
export type { SentMessage } from './chat';

/** The app's images as the in-memory Docker Hub has them before any push. */
export const INITIAL_TAGS = { frontend: '1.2.0', mongo: '8.0.3' };

/** What the stage's alert topic (SNS) was sent: an alarm's change of state, as email subscribers would get it. */
export interface PublishedAlert {
  at: string;
  topic: string;
  subject: string;
  message: string;
}

export class MemoryCloud {
  readonly faults = new FaultPlan();
  /** Told of every AWS API call a port makes, with the IAM action the real adapter needs: the hook for an IAM check. */
  onAwsCall: (action: string, resource: string) => void = () => {};
  private readonly awsCall = (action: string, resource: string) => this.onAwsCall(action, resource);

  readonly store = new MemoryStore(this.awsCall);
  readonly clusters: MemoryClusters;
  readonly secrets = new MemorySecrets(this.awsCall);
  readonly notifier: MemoryChat;
  readonly registry = new MemoryRegistry();
  readonly kube = new MemoryKube((image) => this.registry.pull(image));
  readonly runner: MemoryRunner;
  /** S3's plan bucket: reconcile's plan, read back by its ItemReader. */
  readonly plans = new MemoryPlanStore(undefined, this.awsCall);
  /** CloudWatch as the rehearsal sees it: every metric value the handlers and the simulated services emitted. */
  readonly metricPoints: MetricPoint[] = [];
  /** The alert topic's deliveries: these reach people by email or pager, with Slack up or down. */
  readonly alertOutbox: PublishedAlert[] = [];

  // The fakes' own state, under the names the rehearsal, the soak and the tests have always read.
  readonly records: MemoryStore['records'];
  readonly recordBytes: MemoryStore['recordBytes'];
  readonly jobs: MemoryRunner['jobs'];
  readonly clusterMap: MemoryClusters['clusterMap'];
  /** Each cluster's managed node group (hibernate and wake). */
  readonly nodegroups: MemoryClusters['nodegroups'];
  readonly untaggedClusters: MemoryClusters['untaggedClusters'];
  readonly outbox: MemoryChat['outbox'];
  /** SSM as the rehearsal sees it: names to values, which never leave the ports. */
  readonly secretValues: MemorySecrets['values'];

  constructor(
    readonly region: string,
    readonly durations: Durations = REALISTIC_DURATIONS,
    onMessage: (message: SentMessage) => void = () => {},
    images: { frontend: string; mongo: string } = { frontend: 'acme/turbo-notes', mongo: 'acme/turbo-mongo' },
  ) {
    this.clusters = new MemoryClusters(region, durations, this.awsCall);
    this.notifier = new MemoryChat(this.faults, onMessage);
    this.runner = new MemoryRunner({
      region,
      durations,
      faults: this.faults,
      clusters: this.clusters,
      kube: this.kube,
      registry: this.registry,
      onAwsCall: this.awsCall,
    });
    this.records = this.store.records;
    this.recordBytes = this.store.recordBytes;
    this.jobs = this.runner.jobs;
    this.clusterMap = this.clusters.clusterMap;
    this.nodegroups = this.clusters.nodegroups;
    this.untaggedClusters = this.clusters.untaggedClusters;
    this.outbox = this.notifier.outbox;
    this.secretValues = this.secrets.values;
    this.registry.push(images.frontend, INITIAL_TAGS.frontend);
    this.registry.push(images.frontend, 'sha-1a2b3c4');
    this.registry.push(images.mongo, INITIAL_TAGS.mongo);
  }

  /** The runner's concurrency quota; unset, jobs never queue. */
  get jobSlots(): JobSlots | undefined {
    return this.runner.jobSlots;
  }

  set jobSlots(slots: JobSlots | undefined) {
    this.runner.jobSlots = slots;
  }

  /** How long CodeBuild lets a build run before it stops it (the buildspec's timeout). */
  get jobTimeoutMs(): number {
    return this.runner.jobTimeoutMs;
  }

  set jobTimeoutMs(ms: number) {
    this.runner.jobTimeoutMs = ms;
  }

  /** Slack's per-channel rate; unset, messages are never held. */
  get slackRate(): ChannelRate | undefined {
    return this.notifier.slackRate;
  }

  set slackRate(rate: ChannelRate | undefined) {
    this.notifier.slackRate = rate;
  }

  /** How many chat.postMessage calls Slack answered with 429. */
  get slackRateLimited(): number {
    return this.notifier.slackRateLimited;
  }

  injectFault(developer: string, point: FaultPoint): void {
    this.faults.inject(developer, point);
  }

  /** The fault is fixed (the runner is back, the token replaced): what an operator does before a redrive. */
  clearFault(developer: string, point: FaultPoint): void {
    this.faults.clear(developer, point);
  }

  hasFault(developer: string, point: FaultPoint): boolean {
    return this.faults.has(developer, point);
  }

  /** Lets the notifier tell which developer a Slack user ID belongs to (for faults and the outbox). */
  knowSlackUser(slackUserId: string, developer: string): void {
    this.notifier.knowSlackUser(slackUserId, developer);
  }

  /** An existing cluster, e.g. an orphan left by someone who left the team. */
  addCluster(name: string, owner: string, createdAt = Date.now()): void {
    this.clusters.add(name, owner, createdAt);
  }

  jobsStarted(developer?: string, kind?: JobKind): number {
    return this.runner.jobsStarted(developer, kind);
  }

  /** Virtual milliseconds between each finished job's end and the first check that saw it. */
  detectionDelays(): { developer: string; kind: JobKind; delayMs: number }[] {
    return this.runner.detectionDelays();
  }

  /** A real runner with the simulated EKS following its jobs (MemoryRunner.observing). */
  observing(inner: JobRunner): JobRunner {
    return this.runner.observing(inner);
  }
}
