/**
 * image-sync's decisions, with no I/O: which tag is the newest version, how an image is referenced, which of a
 * cluster's workloads need a rollout, and whether a rollout is done, still going, or failed.
 */
import type { EnvironmentRecord, ImageRef, ResolvedImage, RolloutLease, WorkloadRef, WorkloadState } from './types';
import { createHash } from 'node:crypto';
import { isPoolMember } from './pool';

/** semver.org's regular expression for SemVer 2.0.0, less build metadata (`+` is not valid in an image tag). */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

export interface Semver {
  major: number;
  minor: number;
  patch: number;
  prerelease: Array<string | number>;
}

/** The version a tag names, or undefined for anything that is not plain SemVer (`latest`, `sha-1a2b3c4`, `v1.2.3`). */
export function parseSemver(tag: string): Semver | undefined {
  const match = SEMVER.exec(tag);
  if (!match) return undefined;
  const prerelease = match[4] === undefined ? [] : match[4].split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), prerelease };
}

/** SemVer 2.0.0 precedence: negative when a < b. A pre-release sorts before its release. */
export function compareSemver(a: Semver, b: Semver): number {
  const core = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (core !== 0) return core;
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return b.prerelease.length - a.prerelease.length;
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i += 1) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    // Numeric identifiers sort before alphanumeric ones.
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * The newest version among `tags`. `sha-*` tags, `latest` and other non-SemVer tags never count; pre-releases
 * count only when asked for.
 */
export function newestSemverTag(tags: readonly string[], { includePrerelease }: { includePrerelease: boolean }): string | undefined {
  let newest: { tag: string; version: Semver } | undefined;
  for (const tag of tags) {
    const version = parseSemver(tag);
    if (!version || (version.prerelease.length > 0 && !includePrerelease)) continue;
    if (!newest || compareSemver(version, newest.version) > 0) newest = { tag, version };
  }
  return newest?.tag;
}

/** `acme/turbo-notes:1.3.0@sha256:...`: the tag for people, the digest for the kubelet. */
export function imageReference(image: ResolvedImage): string {
  if (!DIGEST.test(image.digest)) {
    throw new Error(`image digest must be sha256:<64 hex> (got ${JSON.stringify(image.digest)} for ${image.repository}:${image.tag})`);
  }
  return `${image.repository}:${image.tag}@${image.digest}`;
}

/**
 * What the nodes pull: the reference through the ECR pull-through cache when there is one (the same repository
 * under the cache's prefix, the same tag and digest), else the Docker Hub reference itself.
 */
export function pullReference(image: ResolvedImage, pullThroughCache: string | undefined): string {
  return pullThroughCache === undefined ? imageReference(image) : `${pullThroughCache}/${imageReference(image)}`;
}

/** The tag and digest of an image reference, for telling people what a cluster ran before (either may be absent). */
export function describeImage(image: string | undefined): { tag?: string; digest?: string } {
  if (!image) return {};
  const [name, digest] = image.split('@', 2) as [string, string | undefined];
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  return { ...(colon >= 0 ? { tag: name.slice(colon + 1) } : {}), ...(digest ? { digest } : {}) };
}

/** The app's workloads that image-sync may roll, by the config's image name. */
export type AppImage = 'frontend' | 'mongo';
export const APP_NAMESPACE = 'turbo-app';
export const APP_WORKLOADS: Record<AppImage, WorkloadRef> = {
  frontend: { kind: 'Deployment', namespace: APP_NAMESPACE, name: 'frontend', container: 'frontend' },
  mongo: { kind: 'StatefulSet', namespace: APP_NAMESPACE, name: 'mongo', container: 'mongo' },
};

/** The images image-sync rolls: the frontend always, MongoDB only when the config says `follow`. */
export function imagesToSync(mongoPolicy: 'follow' | 'manual'): AppImage[] {
  return mongoPolicy === 'follow' ? ['frontend', 'mongo'] : ['frontend'];
}

export type RolloutDecision =
  | { image: AppImage; action: 'patch'; from?: string; to: string }
  | { image: AppImage; action: 'current'; to: string }
  | { image: AppImage; action: 'missing'; to: string; reason: string };

/**
 * What to do with one workload: patch it when its container runs anything but the exact desired reference.
 * An exact comparison keeps a second run from patching again, and moves a cluster off a tag that was re-pushed.
 */
export function decideRollout(
  image: AppImage,
  desired: ResolvedImage,
  workload: WorkloadState | undefined,
  pullThroughCache?: string,
): RolloutDecision {
  const to = pullReference(desired, pullThroughCache);
  const ref = APP_WORKLOADS[image];
  if (!workload) return { image, action: 'missing', to, reason: `${ref.kind} ${ref.namespace}/${ref.name} does not exist` };
  if (workload.image === undefined) {
    return { image, action: 'missing', to, reason: `${ref.kind} ${ref.namespace}/${ref.name} has no container ${ref.container}` };
  }
  if (workload.image === to) return { image, action: 'current', to };
  return { image, action: 'patch', from: workload.image, to };
}

export type RolloutVerdict = { state: 'done'; detail: string } | { state: 'waiting'; detail: string } | { state: 'failed'; detail: string };

/**
 * Where a rollout stands, as `kubectl rollout status` judges it:
 * - the controller must have seen the latest spec (observedGeneration >= generation);
 * - a Deployment whose Progressing condition says ProgressDeadlineExceeded has failed (Kubernetes gave up; so do we);
 * - every replica updated, no old replica left, every updated one available (Deployment) or ready on the update
 *   revision (StatefulSet);
 * - past `deadlineSeconds` since the patch, a rollout that is not done has failed (StatefulSets have no deadline of their own).
 */
export function rolloutVerdict(workload: WorkloadState, elapsedSeconds: number, deadlineSeconds: number): RolloutVerdict {
  const { kind, namespace, name } = workload.ref;
  const what = `${kind} ${namespace}/${name}`;
  const progressing = workload.conditions.find((condition) => condition.type === 'Progressing');
  if (kind === 'Deployment' && progressing?.reason === 'ProgressDeadlineExceeded') {
    return { state: 'failed', detail: `${what} exceeded its progress deadline${progressing.message ? `: ${progressing.message}` : ''}` };
  }
  const waiting = waitingReason(workload);
  if (!waiting)
    return {
      state: 'done',
      detail: `${what} rolled out: ${workload.desiredReplicas} of ${workload.desiredReplicas} replicas updated and available`,
    };
  if (elapsedSeconds > deadlineSeconds) {
    return {
      state: 'failed',
      detail: `${what} not rolled out ${Math.round(elapsedSeconds)} s after the patch (deadline ${deadlineSeconds} s): ${waiting}`,
    };
  }
  return { state: 'waiting', detail: `${what}: ${waiting}` };
}

function waitingReason(workload: WorkloadState): string | undefined {
  const desired = workload.desiredReplicas;
  const updated = workload.updatedReplicas ?? 0;
  if ((workload.observedGeneration ?? 0) < workload.generation) return 'waiting for the controller to see the new spec';
  if (updated < desired) return `${updated} of ${desired} replicas updated`;
  if (workload.ref.kind === 'Deployment') {
    const total = workload.replicas ?? 0;
    if (total > updated) return `${total - updated} old replicas pending termination`;
    const available = workload.availableReplicas ?? 0;
    if (available < updated) return `${available} of ${updated} updated replicas available`;
    return undefined;
  }
  const ready = workload.readyReplicas ?? 0;
  if (ready < desired) return `${ready} of ${desired} replicas ready`;
  if (workload.updateRevision && workload.currentRevision !== workload.updateRevision) {
    return `pods moving from revision ${workload.currentRevision ?? '(none)'} to ${workload.updateRevision}`;
  }
  return undefined;
}

/** The wait between rollout checks: short, yet long enough that the deadline is reached within `maxChecks`. */
export function rolloutPollSeconds(deadlineSeconds: number, shortPollSeconds: number, maxChecks: number): number {
  return Math.max(shortPollSeconds, Math.ceil(deadlineSeconds / maxChecks));
}

/**
 * One run's failure budget, as keys on the ops record (conditional writes: concurrent rollouts count exactly). Every
 * rollout starts at once; the release is proven once `canary.clusters` environments run it, and stopped when more
 * than `canary.toleratedFailures` fail before that. At most clusters + toleratedFailures + 2 keys per run.
 */
export function budgetKeys(execution: string, canary: { clusters: number; toleratedFailures: number }) {
  const prefix = `image-sync-budget:${execution}:`;
  return {
    prefix,
    successes: Array.from({ length: canary.clusters }, (_, slot) => `${prefix}ok-${slot}`),
    failures: Array.from({ length: canary.toleratedFailures + 1 }, (_, slot) => `${prefix}failed-${slot}`),
    broken: `${prefix}broken`,
  };
}

export type BudgetState = 'open' | 'proven' | 'broken';

/** Where the run's budget stands, from the ops record's keys: a broken budget stays broken, a proven one never breaks. */
export function budgetState(notified: readonly string[], keys: ReturnType<typeof budgetKeys>): BudgetState {
  if (notified.includes(keys.broken)) return 'broken';
  const lastSuccess = keys.successes.at(-1);
  return lastSuccess === undefined || notified.includes(lastSuccess) ? 'proven' : 'open';
}

/** Whether `running` holds every image of `desired`, each with the same repository, tag and digest. */
export function runsImages(running: Record<string, ImageRef> | undefined, desired: Record<string, ImageRef>): boolean {
  return Object.entries(desired).every(([name, image]) => {
    const ran = running?.[name];
    return ran?.repository === image.repository && ran.tag === image.tag && ran.digest === image.digest;
  });
}

/**
 * The image-sync safety net's period (serverless.yml imageSync schedule), and how often it sweeps every environment:
 * four times a day (00:00, 06:00, 12:00, 18:00 UTC). A missed webhook needs no sweep (the confirmed images differ);
 * a sweep only undoes a change made by hand, and at 1,000 clusters each one is 2,000 Lambda invocations.
 */
export const SAFETY_NET_MINUTES = 10;
export const FULL_SWEEP_MINUTES = 6 * 60;

/**
 * Whether a run started at `startedAt` rolls every ready environment (the first safety-net run of every sixth hour,
 * by the execution's start time, so a replay decides the same), so that drift made by hand is still corrected.
 * Every other run rolls only the environments not confirmed on the desired images.
 */
export function isFullSweep(startedAt: Date): boolean {
  return (startedAt.getTime() / 60_000) % FULL_SWEEP_MINUTES < SAFETY_NET_MINUTES;
}

/** The ops record's keys of the releases stopped by their failure budget (core/types OPS_RECORD). */
export const STOPPED_RELEASE_PREFIX = 'image-sync-stopped:';
/** How many stopped releases the ops record remembers: the newest ones; an older bad release is long superseded. */
export const MAX_STOPPED_RELEASES = 10;

/**
 * A release's identity, by its images' names and tags (`{ frontend: '1.4.0', mongo: '7.0.14' }`): the pipeline tags
 * every build anew (a version and the commit), so a fixed release is a new one.
 */
export function releaseDigest(tags: Record<string, string>): string {
  const release = Object.entries(tags)
    .map(([name, tag]) => `${name}=${tag}`)
    .sort()
    .join('\n');
  return createHash('sha256').update(release).digest('hex').slice(0, 16);
}

/** The tags of a release's images, by image name: what releaseDigest digests. */
export function tagsOf(images: Readonly<Record<string, { tag: string }>>): Record<string, string> {
  return Object.fromEntries(Object.entries(images).map(([name, image]) => [name, image.tag]));
}

/**
 * Past the rollout deadline, what one run still needs before it gives its lease up: the Map's start, a rollout's
 * retries, the developers' DMs, the tallies and the summary. A run that died is waited for this long at most.
 */
export const ROLLOUT_LEASE_MARGIN_SECONDS = 600;

/** The lease an image-sync run takes on its release before it rolls (EnvironmentStore.takeRolloutLease). */
export function rolloutLease(
  images: Readonly<Record<string, { tag: string }>>,
  execution: string,
  now: Date,
  rolloutDeadlineSeconds: number,
): RolloutLease {
  const until = new Date(now.getTime() + (rolloutDeadlineSeconds + ROLLOUT_LEASE_MARGIN_SECONDS) * 1000);
  return { release: releaseDigest(tagsOf(images)), execution, until: until.toISOString() };
}

/** The ops record's key of a release stopped at `at`: the time orders them (the record's keys are a set). */
export function stoppedReleaseKey(tags: Record<string, string>, at: Date): string {
  return `${STOPPED_RELEASE_PREFIX}${releaseDigest(tags)}@${at.toISOString()}`;
}

const parseStopped = (key: string) => {
  const [digest = '', at = ''] = key.slice(STOPPED_RELEASE_PREFIX.length).split('@');
  return { key, digest, at };
};

/** The releases (their digests) that the ops record's keys say were stopped. */
export function stoppedReleases(notified: readonly string[]): Set<string> {
  return new Set(notified.filter((key) => key.startsWith(STOPPED_RELEASE_PREFIX)).map((key) => parseStopped(key).digest));
}

/**
 * The stopped-release keys to drop once `key` is remembered: the same release's older keys (a replay, a later stop),
 * and the oldest beyond MAX_STOPPED_RELEASES.
 */
export function stoppedReleasesToForget(notified: readonly string[], key: string): string[] {
  const added = parseStopped(key);
  const others = notified.filter((known) => known.startsWith(STOPPED_RELEASE_PREFIX) && known !== key).map(parseStopped);
  const sameRelease = others.filter((other) => other.digest === added.digest);
  const rest = others.filter((other) => other.digest !== added.digest).sort((a, b) => (a.at < b.at ? 1 : -1));
  return [...sameRelease, ...rest.slice(MAX_STOPPED_RELEASES - 1)].map((other) => other.key);
}

/**
 * The ready environments a run rolls (a pool member once taken): all on a full sweep, else those not confirmed on
 * their desired images; never one whose desired release was stopped (`stopped`, by releaseDigest) until a push changes it:
 * the safety net would roll the same bad release every ten minutes and stop it again.
 */
export function environmentsToRoll(
  records: readonly EnvironmentRecord[],
  fullSweep: boolean,
  stopped: ReadonlySet<string> = new Set(),
): EnvironmentRecord[] {
  const isStopped = (record: EnvironmentRecord) =>
    stopped.size > 0 && record.images !== undefined && stopped.has(releaseDigest(tagsOf(record.images)));
  return records.filter(
    (record) =>
      record.status === 'ready' &&
      // A warm pool member runs no app until a developer takes it (core/pool): there is nothing to roll.
      (!isPoolMember(record.developer) || record.takenBy !== undefined) &&
      (fullSweep || !record.images || !runsImages(record.confirmedImages, record.images)) &&
      !isStopped(record),
  );
}

/** The images as a record keeps them: repository, tag and digest (a resolved image's reference is left out). */
export function imageRefsOf(images: Record<string, ImageRef>): Record<string, ImageRef> {
  return Object.fromEntries(
    Object.entries(images).map(([name, image]) => [
      name,
      { repository: image.repository, tag: image.tag, ...(image.digest ? { digest: image.digest } : {}) },
    ]),
  );
}
