/**
 * The reconcile decision: (now, roster, records, clusters) → who needs `up`, who needs `down`, who nothing.
 * Pure: no I/O and no clock of its own, so the same inputs always give the same plan and the same run IDs.
 * Run IDs name the environment executions, and Step Functions refuses a second execution with a name it has
 * seen: a duplicate or overlapping reconcile tick therefore cannot start the same work twice.
 */
import type { DateTime } from 'luxon';
import type { ClusterInfo, EnvironmentRecord } from './types';
import { leadMinutesFor, pathFor, type RunPath } from './hibernate';
import { atLocalTime, describeLocal, instantIn, localDayStamp, localNow, startOfLocalDay } from './clock';
import { staggeredDays, type DayPlan } from './stagger';
import { isPoolMember, membersHeld, poolDesires, type PoolPath } from './pool';
import {
  DNS_LABEL,
  OWNER_TAG,
  RECONCILE_TICK_MINUTES,
  clusterNameOf,
  memberOf,
  scheduleOf,
  type DeveloperSchedule,
  type TurboConfig,
} from './config';

export type Action = 'up' | 'down';

export interface PlannedAction {
  /** The roster name, or the orphan cluster's `turbo:owner` tag value. */
  developer: string;
  action: Action;
  /** `${developer}-${action}-${yyyyMMdd}` on the developer's local date (orphans: the UTC date). */
  runId: string;
  /** clusterNameOf(developer) for roster developers; the actual cluster name for orphans. */
  clusterName: string;
  reason: string;
  orphan?: boolean;
  /** For `up`: the ISO UTC instant of today's teardown, or of the keep-alive when it is later. */
  expiresAt?: string;
  /** Hibernate or wake the node group instead of Terraform's destroy or apply (core/hibernate); fill a pool member. */
  path?: RunPath | PoolPath;
}

export interface Idle {
  developer: string;
  reason: string;
}

/**
 * The pre-teardown DM: `${developer}-warn-${yyyyMMdd}` is sent once per local day (the notification key and
 * the execution name), however many ticks fall inside the warning window.
 */
export interface PlannedWarning {
  developer: string;
  action: 'warn';
  runId: string;
  clusterName: string;
  /** ISO UTC instant of the teardown the warning is about (teardownAt, or the keep-alive when later). */
  teardownAt: string;
  /** The local time the "keep" button offers (22:00 within maxKeepUntil), or null when it cannot extend. */
  keepOffer: string | null;
}

export interface Plan {
  at: string;
  actions: PlannedAction[];
  /** Developers to warn now: not environment executions (the cluster is neither created nor destroyed). */
  warnings: PlannedWarning[];
  idle: Idle[];
}

/** The shared network's VPC parameter (infra-tf/network publishes it): every cluster's apply reads it. */
export const NETWORK_VPC_PARAMETER = '/turbo/network/vpc-id';

/**
 * Until the shared network is applied, no up can succeed (the apply reads the network's SSM parameters): the ups
 * wait, as idle with the reason, instead of failing every developer. Downs go ahead (they destroy what exists).
 */
export function holdUpsWithoutNetwork(result: Plan, networkReady: boolean): Plan & { held: number } {
  if (networkReady) return { ...result, held: 0 };
  const ups = result.actions.filter((action) => action.action === 'up');
  const why = `the shared network is not applied yet (no SSM parameter ${NETWORK_VPC_PARAMETER}): apply infra-tf/network, see the README's Deploying`;
  return {
    ...result,
    actions: result.actions.filter((action) => action.action !== 'up'),
    idle: [...result.idle, ...ups.map((action) => ({ developer: action.developer, reason: `${action.reason}; held: ${why}` }))],
    held: ups.length,
  };
}

/** A cluster named like Turbo's (`turbo-<label>`) that carries no `turbo:owner` tag: reported, never destroyed. */
export interface Lookalike {
  name: string;
  reason: string;
}

/** An up is not started when the cluster would be ready less than this long before teardown. */
export const MIN_USEFUL_MINUTES = 60;
/**
 * Reconcile runs every RECONCILE_TICK_MINUTES (serverless.yml's schedule is built from it). An up starts at the first
 * tick after its window opens, up to one tick late, so the window opens one tick earlier than the lead alone.
 */
export { RECONCILE_TICK_MINUTES };
/** A DNS-1123 label is at most 63 characters; the run ID built from it then fits an execution name (80). */
const MAX_DNS_LABEL = 63;
/** Step Functions' limit on an execution name (letters, digits, `-` and `_` are all a run ID uses). */
export const MAX_EXECUTION_NAME = 80;
const TAKEOVER_RUN_ID = /^(.+)-t(\d+)$/;

/**
 * The run ID of a run that takes over a stale claim. The dead run's name cannot be used again (Step Functions
 * answers ExecutionAlreadyExists), so the takeover is `<run ID>-t<n>`, n one more than the dead run's own: the
 * same stale record always gives the same name, so a duplicate tick still starts it once. Undefined when the
 * stale claim is another run's (the planned run ID is free) or when the name would pass 80 characters.
 */
export function takeoverRunIdFor(runId: string, staleRunId: string | undefined): string | undefined {
  const takeover = TAKEOVER_RUN_ID.exec(staleRunId ?? '');
  const attempt = staleRunId === runId ? 1 : takeover?.[1] === runId ? Number(takeover[2]) + 1 : 0;
  if (attempt === 0) return runId;
  const name = `${runId}-t${attempt}`;
  return name.length <= MAX_EXECUTION_NAME ? name : undefined;
}

/** The environment execution's name for this developer, action and local day. */
export function runIdFor(developer: string, action: Action, now: Date, timezone: string): string {
  return `${developer}-${action}-${localDayStamp(now, timezone)}`;
}

/**
 * A down before the day's start tears down what the night left (a failed run's cluster, drift): its own name keeps
 * the day's own down, at teardown, free. With one name for both, the evening's down was refused as a duplicate and
 * the day's cluster ran until the next local midnight.
 */
export function beforeStartRunIdFor(developer: string, now: Date, timezone: string): string {
  return `${runIdFor(developer, 'down', now, timezone)}-before-start`;
}

/** A run started by hand (Slack, CLI): the minute in its name keeps it apart from the day's scheduled run. */
export function manualRunIdFor(developer: string, action: Action, now: Date, timezone: string): string {
  return `${developer}-${action}-${localNow(now, timezone).toFormat('yyyyMMdd')}-manual-${localNow(now, timezone).toFormat('HHmm')}`;
}

/** When today's cluster goes away: the local teardownAt, or the record's keep-alive when that is later. */
export function teardownInstant(now: Date, schedule: DeveloperSchedule, record?: EnvironmentRecord): string {
  return endOfDayWindow(now, schedule, record).toUTC().toISO()!;
}

function endOfDayWindow(now: Date, schedule: DeveloperSchedule, record?: EnvironmentRecord): DateTime {
  const teardown = atLocalTime(startOfLocalDay(localNow(now, schedule.timezone)), schedule.teardownAt);
  const keepUntil = record?.keepUntil ? localNow(new Date(record.keepUntil), schedule.timezone) : undefined;
  return keepUntil?.isValid && keepUntil > teardown ? keepUntil : teardown;
}

interface Desire {
  action: Action;
  reason: string;
  expiresAt?: string;
  /** A down wanted before the day's start: it is named apart from the day's own down (beforeStartRunIdFor). */
  beforeStart?: true;
}

/**
 * What the developer's schedule wants right now, whatever is running. `day` is today's staggered up (core/stagger):
 * it is due at its tick; a schedule whose ticks are off the quarter hours runs at most one tick earlier, so the
 * window opens just after the tick before it.
 */
function desireOf(now: Date, schedule: DeveloperSchedule, leadMinutes: number, day: DayPlan, record?: EnvironmentRecord): Desire {
  if ('dayOff' in day) return { action: 'down', reason: day.dayOff };
  const local = localNow(now, schedule.timezone);
  const midnight = startOfLocalDay(local);
  const readyBy = instantIn(day.readyBy, schedule.timezone);
  const start = instantIn(day.startAt, schedule.timezone);
  const late = day.miss ? `; expected ready at ${describeLocal(instantIn(day.readyAt, schedule.timezone))}, late: ${day.miss}` : '';
  const teardown = atLocalTime(midnight, schedule.teardownAt);
  const end = endOfDayWindow(now, schedule, record);
  // Today's up already ran: the stagger may have moved today's start since (the runner's load changes during the day,
  // under a tight quota most), and a cluster that is up, or coming up, is not torn down for a start it is past.
  const upToday =
    (record?.status === 'ready' || record?.status === 'provisioning') &&
    record.action === 'up' &&
    record.startedAt !== undefined &&
    Date.parse(record.startedAt) >= midnight.toMillis();
  if (!upToday && now.getTime() <= day.startAt - RECONCILE_TICK_MINUTES * 60_000) {
    return {
      action: 'down',
      reason: `before the start at ${describeLocal(start)} (ready by ${describeLocal(readyBy)}${late})`,
      beforeStart: true,
    };
  }
  if (local >= end) {
    const ended = end > teardown ? `after the keep-alive until ${describeLocal(end)}` : `after teardown at ${describeLocal(end)}`;
    return { action: 'down', reason: ended };
  }
  const running = record?.status === 'ready' || record?.status === 'provisioning';
  if (!running && local.toMillis() > end.toMillis() - (leadMinutes + MIN_USEFUL_MINUTES) * 60_000) {
    // Too late for a cluster to be of use today: it would cost an hour of EKS for minutes of work.
    return {
      action: 'down',
      reason: `too late to start: it would be ready less than ${MIN_USEFUL_MINUTES} min before ${describeLocal(end)}`,
    };
  }
  const reason =
    local < teardown
      ? `working day; ready by ${describeLocal(readyBy)} needs a start at ${describeLocal(start)}${late}`
      : `kept until ${describeLocal(end)}`;
  return { action: 'up', reason, expiresAt: new Date(end.toMillis()).toISOString() };
}

/**
 * What the developer's schedule (with the record's keep-alive and skip dates) wants at `now`. The stagger sees this
 * one record only: its start can differ from reconcile's by what the other records' skip dates and history change.
 */
export function scheduledDesire(
  now: Date,
  config: TurboConfig,
  developer: string,
  record?: EnvironmentRecord,
): { action: Action; reason: string; expiresAt?: string } {
  const dev = memberOf(config, developer);
  if (!dev) throw new Error(`developer "${developer}" is not in the roster`);
  const records = record ? [record] : [];
  return desireOf(
    now,
    scheduleOf(config, dev),
    leadMinutesFor(config, record),
    staggeredDays(now, config, records).get(developer)!,
    record,
  );
}

/** The keep-alive the warning offers: 22:00, but never beyond maxKeepUntil, and only when it extends the day. */
const WARNING_KEEP_OFFER = '22:00';

function warningFor(
  now: Date,
  config: TurboConfig,
  schedule: DeveloperSchedule,
  day: DayPlan,
  record: EnvironmentRecord | undefined,
): PlannedWarning | undefined {
  if (record?.status !== 'ready') return undefined;
  // The window first: it is the cheap question, and outside it (most ticks, most developers) the answer is no.
  const end = endOfDayWindow(now, schedule, record);
  if (now.getTime() < end.toMillis() - config.warnMinutesBeforeTeardown * 60_000) return undefined;
  const desire = desireOf(now, schedule, leadMinutesFor(config, record), day, record);
  if (desire.action !== 'up') return undefined;
  const teardownAt = new Date(end.toMillis()).toISOString();
  return {
    developer: schedule.name,
    action: 'warn',
    runId: `${schedule.name}-warn-${localDayStamp(now, schedule.timezone)}`,
    clusterName: clusterNameOf(schedule.name),
    teardownAt,
    keepOffer: keepOfferBeyond(config, schedule.timezone, teardownAt),
  };
}

/** The keep-alive the ready DM and the warning offer beyond `end` (an ISO instant): null when it would not extend the day. */
export function keepOfferBeyond(config: TurboConfig, timezone: string, end: string): string | null {
  const offer = WARNING_KEEP_OFFER < config.maxKeepUntil ? WARNING_KEEP_OFFER : config.maxKeepUntil;
  const until = localNow(new Date(end), timezone);
  return atLocalTime(until.startOf('day'), offer) > until ? offer : null;
}

const LOOKALIKE_NAME = /^turbo-[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Clusters named like Turbo's that lack its tag. Turbo never deletes what it did not tag: they are only reported
 * (someone created one by hand, or a tag was removed).
 */
export function untaggedLookalikes(clusterNames: string[], tagged: ClusterInfo[]): Lookalike[] {
  const taggedNames = new Set(tagged.filter((cluster) => ownerOf(cluster) !== '').map((cluster) => cluster.name));
  return [...new Set(clusterNames)]
    .filter((name) => LOOKALIKE_NAME.test(name) && !taggedNames.has(name))
    .sort()
    .map((name) => ({
      name,
      reason: `cluster ${name} is named like a Turbo cluster but has no ${OWNER_TAG} tag: not touched, check it by hand`,
    }));
}

interface Subject {
  developer: string;
  clusterName: string;
  runId: string;
  orphan: boolean;
}

const RUNNING_RECORD = new Set(['ready', 'failed', 'hibernated']);

/**
 * An environment execution lives at most this long (the state machine's TimeoutSeconds): a record that a run
 * has held longer, still provisioning or destroying, was left by a run that died outside its failure path (aborted,
 * timed out). Its claim may be taken over, so that nobody's cluster is stuck, up and costing, for good.
 */
export const RUN_LIFETIME_HOURS = 4;

export function isStaleClaim(record: EnvironmentRecord | undefined, now: Date): boolean {
  if (record?.status !== 'provisioning' && record?.status !== 'destroying') return false;
  return now.getTime() - Date.parse(record.updatedAt) > RUN_LIFETIME_HOURS * 3_600_000;
}

/**
 * Turns a desire into an action, or into nothing when the state already matches or another run owns it.
 * A record being provisioned or destroyed is left alone: the environment execution's claim would lose to the
 * owning run, and its name, once used, could not be used again that day. The next tick acts instead.
 */
function resolve(
  now: Date,
  subject: Subject,
  desire: Desire,
  record: EnvironmentRecord | undefined,
  clusters: ClusterInfo[],
): PlannedAction | Idle {
  const idle = (why: string): Idle => ({ developer: subject.developer, reason: `${desire.reason}; ${why}` });
  const stale = isStaleClaim(record, now);
  if (record?.status === 'provisioning' && !stale) return idle(`run ${record.runId} is provisioning, wait for it`);
  if (record?.status === 'destroying' && !stale) return idle(`run ${record.runId} is destroying the cluster, wait for it`);
  if (record?.status === 'failed' && record.runId === subject.runId) {
    return idle(`run ${subject.runId} failed (${record.lastError ?? 'no error recorded'}): redrive it, its name cannot run twice`);
  }
  const deleting = clusters.find((cluster) => cluster.status === 'DELETING');
  if (deleting) return idle(`cluster ${deleting.name} is being deleted, wait for it`);
  const runId = stale ? takeoverRunIdFor(subject.runId, record?.runId) : subject.runId;
  if (!runId)
    return idle(
      `run ${record?.runId} left a stale claim, and a takeover's name would pass ${MAX_EXECUTION_NAME} characters: check it by hand`,
    );
  const action = { developer: subject.developer, action: desire.action, runId, clusterName: subject.clusterName };
  const flags = subject.orphan ? { orphan: true } : {};
  if (desire.action === 'up') {
    if (record?.status === 'ready') return idle(`already up (run ${record.runId})`);
    const reason = stale ? `${desire.reason}; taking over the stale ${record?.status} claim of run ${record?.runId}` : desire.reason;
    return { ...action, reason, expiresAt: desire.expiresAt, ...flags };
  }
  const live = clusters.filter((cluster) => cluster.status !== 'ABSENT');
  if (record && (RUNNING_RECORD.has(record.status) || stale)) {
    const state = stale ? `a stale ${record.status} claim, taken over` : record.status;
    return { ...action, reason: `${desire.reason}; the record is ${state} (run ${record.runId})`, ...flags };
  }
  if (live.length > 0) {
    const names = live.map((cluster) => cluster.name).join(', ');
    return { ...action, reason: `${desire.reason}; cluster ${names} is running without a live record (drift)`, ...flags };
  }
  return idle('nothing is running');
}

function ownerOf(cluster: ClusterInfo): string {
  return cluster.tags[OWNER_TAG] ?? '';
}

function byName<T extends { developer: string }>(a: T, b: T): number {
  return a.developer < b.developer ? -1 : a.developer > b.developer ? 1 : 0;
}

/** Clusters and live records of developers who are not in the roster: nobody's schedule wants them. */
function orphanDecisions(
  now: Date,
  rosterNames: Set<string>,
  records: Map<string, EnvironmentRecord>,
  clusters: ClusterInfo[],
  clustersOf: (owner: string) => ClusterInfo[],
): (PlannedAction | Idle)[] {
  const owners = new Set<string>();
  // Pool members are nobody's on the roster, and the pool's own decisions (poolDecisions) own them.
  for (const cluster of clusters) if (!rosterNames.has(ownerOf(cluster)) && !isPoolMember(ownerOf(cluster))) owners.add(ownerOf(cluster));
  for (const record of records.values()) {
    if (
      !rosterNames.has(record.developer) &&
      !isPoolMember(record.developer) &&
      record.status !== 'absent' &&
      record.status !== 'destroyed'
    )
      owners.add(record.developer);
  }
  return [...owners].map((owner) => {
    const owned = [...clustersOf(owner)].sort((a, b) => (a.name < b.name ? -1 : 1));
    if (!DNS_LABEL.test(owner) || owner.length > MAX_DNS_LABEL) {
      const names = owned.map((cluster) => cluster.name).join(', ');
      return {
        developer: owner,
        reason: `cluster ${names} has ${OWNER_TAG} ${JSON.stringify(owner)}, which is not a DNS-1123 label: not acted on, check it by hand`,
      };
    }
    const record = records.get(owner);
    const clusterName =
      (owned.find((cluster) => cluster.name === clusterNameOf(owner)) ?? owned[0])?.name ?? record?.clusterName ?? clusterNameOf(owner);
    const subject = { developer: owner, clusterName, runId: runIdFor(owner, 'down', now, 'UTC'), orphan: true };
    return resolve(now, subject, { action: 'down', reason: `orphan: ${owner} is not in the roster` }, record, owned);
  });
}

/** The warm pool's members (core/pool): filled inside the pool's hours, destroyed outside them, like a developer's. */
function poolDecisions(
  now: Date,
  config: TurboConfig,
  records: Map<string, EnvironmentRecord>,
  clusters: ClusterInfo[],
  clustersOf: (owner: string) => ClusterInfo[],
) {
  return poolDesires(now, config, records, clusters, MIN_USEFUL_MINUTES).map((desire): PlannedAction | Idle => {
    if (desire.want === 'keep') return { developer: desire.member, reason: desire.reason };
    const subject = {
      developer: desire.member,
      clusterName: clusterNameOf(desire.member),
      runId: runIdFor(desire.member, desire.want, now, config.timezone),
      orphan: false,
    };
    const want =
      desire.want === 'up'
        ? { action: 'up' as const, reason: desire.reason, expiresAt: desire.expiresAt }
        : { action: 'down' as const, reason: desire.reason };
    const decision = resolve(now, subject, want, records.get(desire.member), clustersOf(desire.member));
    return 'action' in decision && decision.action === 'up' ? { ...decision, path: 'pool' } : decision;
  });
}

export function plan(now: Date, config: TurboConfig, records: EnvironmentRecord[], clusters: ClusterInfo[]): Plan {
  const recordsByDeveloper = new Map(records.map((record) => [record.developer, record]));
  // Grouped once: looking a roster of thousands up in thousands of clusters, developer by developer, was most of a tick.
  const byOwner = Map.groupBy(clusters, ownerOf);
  const clustersOf = (owner: string) => byOwner.get(owner) ?? [];
  const days = staggeredDays(now, config, records);
  const heldMembers = membersHeld(records);
  const warnings = config.developers.flatMap(
    (dev) => warningFor(now, config, scheduleOf(config, dev), days.get(dev.name)!, recordsByDeveloper.get(dev.name)) ?? [],
  );
  const decisions = config.developers.map((dev) => {
    const schedule = scheduleOf(config, dev);
    const record = recordsByDeveloper.get(dev.name);
    const desire = desireOf(now, schedule, leadMinutesFor(config, record), days.get(dev.name)!, record);
    const held = desire.action === 'up' ? heldMembers.get(dev.name) : undefined;
    if (held) return { developer: dev.name, reason: `${desire.reason}; working on pool cluster ${held.clusterName} (${held.status})` };
    const way = pathFor(desire.action, schedule.mode, record, now, config.hibernateIdleDays);
    if ('hold' in way) return { developer: dev.name, reason: `${desire.reason}; ${way.hold}` };
    const subject = {
      developer: dev.name,
      clusterName: clusterNameOf(dev.name),
      runId: desire.beforeStart
        ? beforeStartRunIdFor(dev.name, now, schedule.timezone)
        : runIdFor(dev.name, desire.action, now, schedule.timezone),
      orphan: false,
    };
    const decision = resolve(
      now,
      subject,
      way.reason ? { ...desire, reason: `${desire.reason}; ${way.reason}` } : desire,
      record,
      clustersOf(dev.name),
    );
    return way.path && 'action' in decision ? { ...decision, path: way.path } : decision;
  });
  const rosterNames = new Set(config.developers.map((dev) => dev.name));
  const all = [
    ...decisions,
    ...poolDecisions(now, config, recordsByDeveloper, clusters, clustersOf),
    ...orphanDecisions(now, rosterNames, recordsByDeveloper, clusters, clustersOf),
  ];
  return {
    at: now.toISOString(),
    actions: all.filter((decision): decision is PlannedAction => 'action' in decision).sort(byName),
    warnings,
    idle: all.filter((decision): decision is Idle => !('action' in decision)).sort(byName),
  };
}
