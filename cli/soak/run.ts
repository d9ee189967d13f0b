/**
 * The soak: N consecutive days of the packaged state machines and the real handlers on the in-memory cloud, inside
 * the documented limits, with the 15-minute reconcile and the 10-minute image-sync schedules, a generated world of
 * events and faults, operator redrives, and the invariants checked every simulated hour.
 */
import { DateTime } from 'luxon';
import type { TurboConfig } from '../../functions/core/config';
import { memberOf, nodesOf, scheduleOf, type DeveloperNodes } from '../../functions/core/config';
import { work } from '../../functions/handlers/lib/selfService';
import { dailyCosts, type DailyCost } from '../../functions/core/cost';
import { ChannelRate, DOCKER_HUB_PULLS_PER_HOUR, HourlyWindow } from '../../functions/adapters/memory/limits';
import { dockerHubMeter } from '../../functions/adapters/memory/images';
import type { SentMessage } from '../../functions/adapters/memory/cloud';
import type { SelfServiceTask } from '../../functions/core/types';
import { deliverPush, RECONCILE_EVERY_MS, runWindow, startRehearsal, tickReconcile, type Rehearsal } from '../rehearsal/day';
import type { PackagedStack } from '../rehearsal/packaged';
import { describeDenied } from '../rehearsal/enforce';
import { currentInvocation } from '../rehearsal/local-sfn';
import {
  costs,
  dayOf,
  executionLimits,
  failuresReported,
  hibernatedCapacity,
  lateTeardowns,
  messages,
  orphans,
  readiness,
  recordSizes,
  type Broken,
  type ExecutionSeen,
  type MessageSeen,
  lateReason,
  queueWaits,
  slotHolders,
} from './invariants';
import { Prng } from './prng';
import { generateWorld, soakStart, type SoakEvent, type SoakWorld } from './roster';
import { expectedDurations, learnedBefore, staggeredOn, type PlannedDay } from '../../functions/core/stagger';

export const IMAGE_SYNC_EVERY_MS = 10 * 60_000;
/** How many times the soak's operator redrives one execution. */
const OPERATOR_REDRIVES = 2;
const HOUR_MS = 3_600_000;

export interface SoakOptions {
  config: TurboConfig;
  stack: PackagedStack;
  root: string;
  days: number;
  developers: number;
  seed: number;
  faultRate: number;
  /** The first local date (team zone). */
  start: string;
  /** Progress lines (one per day). */
  log?: (line: string) => void;
}

export interface DayRow {
  day: string;
  ups: number;
  downs: number;
  failures: number;
  redrives: number;
  messages: number;
  opsMessages: number;
  peakRecordBytes: number;
  peakPayload: { bytes: number; state: string; execution: string };
  peakHistory: { events: number; execution: string };
}

export interface SoakResult {
  options: { days: number; developers: number; seed: number; faultRate: number; start: string };
  rows: DayRow[];
  broken: Broken[];
  /** Per developer and day: minutes past readyBy when ready (negative: early), for the report's plot. */
  lateness: { developer: string; day: string; minutes: number | null }[];
  /** Where each record first passed a size, by day: the growth the record-size invariant guards against. */
  firstPassed: Record<string, { day: string; developer: string } | undefined>;
  /** Failed executions by machine, error and the start of the cause: what the failures column is made of. */
  failureKinds: Record<string, number>;
  slackRateLimited: number;
  peakQueuedJobs: number;
  /** Docker Hub: the most pulls in an hour through the shared NAT's one IP, and the pulls and API requests it refused. */
  dockerHub: {
    peakPullsPerHour: number;
    refusedPulls: number;
    /** The pull-through cache's pulls of Docker Hub (zero without a cache). */
    peakCachePullsPerHour: number;
    refusedCachePulls: number;
    peakApiRequestsPerMinute: number;
    refusedApiRequests: number;
  };
  awsCalls: Record<string, number>;
  /** The faults that struck, by point (an injected fault waits for its point's next use: some never come). */
  faultsStruck: Record<string, number>;
  /** What each mode did: environment runs that hibernated or woke, ups on Spot and on Graviton, the days the cost invariant measured. */
  modes: {
    hibernateRuns: number;
    wakeRuns: number;
    /** Warm pool members filled, and taken by an up outside a schedule. */
    poolFills: number;
    poolTakes: number;
    spotUps: number;
    arm64Ups: number;
    costDays: { destroy: number; hibernate: number };
  };
}

function ownerIsDue(config: TurboConfig, developer: string, date: string, skips: Set<string>): boolean {
  const dev = memberOf(config, developer)!;
  const schedule = scheduleOf(config, dev);
  const local = DateTime.fromISO(date, { zone: schedule.timezone });
  const weekday = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'][local.weekday - 1] as (typeof schedule.workingDays)[number];
  return schedule.workingDays.includes(weekday) && !schedule.holidays.includes(date) && !skips.has(`${developer}:${date}`);
}

/** The self-service work behind `/turbo` and `turbo up|down|keep|skip`, through the same code the SlackWork handler runs. */
function selfService(
  rehearsal: Rehearsal,
  config: TurboConfig,
  event: Extract<SoakEvent, { developer: string; via: string }>,
): Promise<unknown> {
  const dev = memberOf(config, event.developer)!;
  const now = new Date().toISOString();
  const request: SelfServiceTask['request'] =
    event.kind === 'keep'
      ? {
          verb: 'keep',
          until: DateTime.fromISO(`${dayOf(Date.now(), dev.timezone ?? config.timezone)}T${event.until}`, {
            zone: dev.timezone ?? config.timezone,
          })
            .toUTC()
            .toISO()!,
          capped: false,
        }
      : event.kind === 'skip'
        ? { verb: 'skip', date: event.date }
        : { verb: event.kind };
  const task: SelfServiceTask = {
    developer: dev.name,
    request,
    requestedBy: event.via === 'slack' ? `slack:${dev.slackUserId}` : `cli:${dev.iamPrincipalArn}`,
    ...(event.via === 'slack' ? { replyTo: dev.slackUserId } : {}),
    requestedAt: now,
  };
  return rehearsal.sfn.invokeAs('slackWork', () => work(task, rehearsal.deps));
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const world: SoakWorld = generateWorld(options.config, options);
  const { config } = world;
  const zone = config.timezone;
  const prng = new Prng(options.seed ^ 0x5eed);
  const first = soakStart(world.dates);
  const last = DateTime.fromISO(world.dates.at(-1)!, { zone: 'America/Los_Angeles' }).endOf('day').toMillis();
  const outbox: (SentMessage & { execution?: string })[] = [];
  const redrivesOf = new Map<string, number>();
  const failedAttemptsOn = new Map<string, number>();
  const rehearsal = startRehearsal(
    {
      config,
      stack: options.stack,
      root: options.root,
      // The sending execution, so that a duplicate is traced to the runs that sent it.
      onMessage: (message) => outbox.push({ ...message, execution: currentInvocation()?.execution?.name }),
      onExecutionEnded: (execution) => {
        // Every failed attempt counts on the day it failed, also when a redrive later makes the run succeed.
        if (execution.status === 'FAILED') {
          const day = dayOf(Date.now(), config.timezone);
          failedAttemptsOn.set(day, (failedAttemptsOn.get(day) ?? 0) + 1);
        }
        // A finished run's state-by-state trail is read by nothing the soak checks (its history count and peak
        // payload stay): over weeks of 10-minute image-syncs it is what would fill the memory. (Its output stays: a
        // Map Run reads its children's.)
        if (execution.status === 'SUCCEEDED') execution.visits = [];
        if (execution.machine !== 'environment' || execution.status !== 'FAILED' || options.faultRate <= 0) return;
        // A person redrives a run that failed again once more at most, then looks into it instead.
        if ((redrivesOf.get(execution.name) ?? 0) >= OPERATOR_REDRIVES) return;
        // An operator notices the failure and redrives it from the console, some time later, once the cause is fixed.
        setTimeout(() => {
          const developer = String(execution.input.developer);
          for (const point of ['runner-down', 'lambda-transient'] as const) rehearsal.cloud.clearFault(developer, point);
          // An instance a scale-down left running is terminated by hand (EC2) before the redrive, as turbo faults does.
          rehearsal.cloud.nodegroups.terminateStuck(String(execution.input.clusterName));
          redrivesOf.set(execution.name, (redrivesOf.get(execution.name) ?? 0) + 1);
          rehearsal.sfn.redrive(execution.arn);
        }, prng.int(20, 180) * 60_000);
      },
    },
    first,
  );
  const { cloud, sfn } = rehearsal;
  cloud.slackRate = new ChannelRate();
  // Nodes pull through the ECR pull-through cache when the config names one (Docker Hub then counts the cache's
  // authenticated pulls), and otherwise anonymously through the shared network's one NAT gateway.
  cloud.registry.meter = dockerHubMeter(DOCKER_HUB_PULLS_PER_HOUR.anonymous);
  const cachePrefix = config.cluster.pullThroughCache;
  if (cachePrefix) {
    cloud.registry.pullThroughCache = {
      prefix: cachePrefix,
      upstreamPulls: new HourlyWindow(DOCKER_HUB_PULLS_PER_HOUR.authenticated),
      cached: new Set(),
    };
  }
  const awsCalls: Record<string, number> = {};
  const enforce = cloud.onAwsCall;
  cloud.onAwsCall = (action, resource) => {
    awsCalls[action] = (awsCalls[action] ?? 0) + 1;
    enforce(action, resource);
  };

  const broken: Broken[] = [];
  const skips = new Set<string>();
  const excusedOn = new Map<string, Set<string>>();
  /** Slack requests per developer and day of theirs: each is answered with a reply of its own. */
  const slackRequests = new Map<string, number>();
  /** A developer's own date at an instant: their day, which is what a fault or a manual action excuses. */
  const members = new Map(config.developers.map((dev) => [dev.name, dev]));
  const zoneOf = new Map(config.developers.map((dev) => [dev.name, scheduleOf(config, dev).timezone]));
  const localDayOf = (developer: string, at: number) => dayOf(at, zoneOf.get(developer)!);
  const excuse = (developer: string, at: number) => {
    const day = localDayOf(developer, at);
    (excusedOn.get(day) ?? excusedOn.set(day, new Set()).get(day)!).add(developer);
  };
  // A fault excuses the day it strikes too, not only the day it was injected: it waits for its point's next use.
  const faultsStruck: Record<string, number> = {};
  cloud.faults.onStrike = (developer, point) => {
    faultsStruck[point] = (faultsStruck[point] ?? 0) + 1;
    excuse(developer, Date.now());
  };
  const firstPassed: SoakResult['firstPassed'] = { '64 KB': undefined, '400 KB': undefined };
  const peakBytes = new Map<string, number>();

  let loggedDay = '';
  /** What an hourly check found that it had not already found for that developer: each is told once. */
  const unseen = (found: Broken[]) =>
    found.filter((item) => !broken.some((b) => b.invariant === item.invariant && b.developer === item.developer));
  const hourly = () => {
    const now = Date.now();
    const day = dayOf(now, zone);
    if (day !== loggedDay) {
      loggedDay = day;
      const rss = Math.round(process.memoryUsage().rss / 2 ** 20);
      options.log?.(`${day}: ${sfn.executions.size} executions so far, ${broken.length} broken, ${rss} MB resident`);
    }
    for (const [developer, bytes] of cloud.recordBytes) {
      peakBytes.set(day, Math.max(peakBytes.get(day) ?? 0, bytes));
      if (bytes > 64 * 1024) firstPassed['64 KB'] ??= { day, developer };
    }
    broken.push(...unseen(recordSizes(day, cloud.recordBytes)));
    const alive = [...cloud.clusterMap.values()].filter((cluster) => cluster.goneAt === undefined || cluster.goneAt > now);
    broken.push(...orphans(day, alive, (owner) => cloud.records.has(owner)));
    const hibernated = (cluster: { name: string; owner: string }) =>
      cloud.records.get(cluster.owner)?.status === 'hibernated' && cloud.nodegroups.view(cluster.name, now).instances === 0;
    broken.push(
      ...unseen(
        hibernatedCapacity(
          day,
          alive.flatMap((cluster) => {
            const dev = memberOf(config, cluster.owner);
            if (!dev || !hibernated(cluster)) return [];
            return [{ ...cluster, capacity: cloud.runner.nodeCapacityOf(cluster.name), configured: nodesOf(config, dev).capacity }];
          }),
        ),
      ),
    );
    broken.push(
      ...lateTeardowns(
        day,
        now,
        alive.map((cluster) => ({ ...cluster, hibernatedWithNoNodes: hibernated(cluster) })),
        (owner) => {
          const dev = memberOf(config, owner);
          if (!dev) return undefined;
          const schedule = scheduleOf(config, dev);
          const today = dayOf(now, schedule.timezone);
          const scheduled = DateTime.fromISO(`${today}T${schedule.teardownAt}`, { zone: schedule.timezone }).toMillis();
          // A keep-alive moves the teardown: a kept cluster is late only 30 minutes past its keep.
          const keepUntil = cloud.records.get(owner)?.keepUntil;
          return Math.max(scheduled, keepUntil === undefined ? 0 : Date.parse(keepUntil));
        },
        (owner) => {
          const record = cloud.records.get(owner);
          const excused = memberOf(config, owner) !== undefined && (excusedOn.get(localDayOf(owner, now))?.has(owner) ?? false);
          return excused || record?.status === 'failed' || record?.status === 'destroying';
        },
      ),
    );
  };

  // What the planner predicts for each date as the date begins anywhere (core/stagger learnedBefore), when its
  // durations are fixed: a developer it predicts late for the quota is excused by the quota, and only then.
  // Its days (start to down's end) are what `turbo cost --stage` prices that date's hours by, once it plans from history:
  // a date planned before any up was learned is planned with the config's durations, and the planner learns during
  // that date (its first zones' ups), so its later zones' starts, and the next date's, move with what it learned.
  const predictedMisses = new Map<string, string>();
  const plannedDays = new Map<string, Map<string, PlannedDay>>();
  const plannedFromHistory = new Set<string>();
  const predictions = world.dates.map((date) => ({
    at: learnedBefore(date, config),
    fire: () => {
      const records = [...cloud.records.values()];
      const ups = staggeredOn(date, config, records);
      for (const up of ups) if (up.miss) predictedMisses.set(`${up.developer}\u0000${date}`, up.miss);
      plannedDays.set(date, new Map(ups.map((up) => [up.developer, up])));
      if (expectedDurations(config, records, learnedBefore(date, config)).source === 'history') plannedFromHistory.add(date);
    },
  }));
  const events = world.events.map((event) => ({
    at: event.at,
    fire: () => {
      const day = dayOf(event.at, zone);
      if (event.kind === 'push') return void deliverPush(rehearsal, config, event);
      if (event.kind === 'fault') {
        excuse(event.developer, event.at);
        return cloud.injectFault(event.developer, event.point);
      }
      if (event.kind === 'clear') return cloud.faults.clear(event.developer, event.point);
      if (event.kind === 'skip') skips.add(`${event.developer}:${event.date}`);
      if (event.kind === 'up' || event.kind === 'down' || event.kind === 'keep') excuse(event.developer, event.at);
      if (event.via === 'slack') {
        const key = `${event.developer}\u0000${localDayOf(event.developer, event.at)}`;
        slackRequests.set(key, (slackRequests.get(key) ?? 0) + 1);
      }
      void selfService(rehearsal, config, event).catch((error: Error) =>
        broken.push({
          invariant: 'self-service',
          day,
          developer: event.developer,
          detail: `${event.kind} via ${event.via} failed: ${error.message}`,
        }),
      );
    },
  }));
  let syncTick = 0;
  try {
    await runWindow(
      rehearsal,
      last,
      [
        { everyMs: RECONCILE_EVERY_MS, fire: () => tickReconcile(sfn) },
        {
          everyMs: IMAGE_SYNC_EVERY_MS,
          // EventBridge names a scheduled execution with a fresh ID each time.
          fire: () => void sfn.startExecution('imageSync', `schedule-${(syncTick += 1)}-${DateTime.utc().toFormat("yyyyLLdd'T'HHmm")}`, {}),
        },
        { everyMs: HOUR_MS, fire: hourly },
      ],
      [...events, ...predictions],
    );
  } finally {
    rehearsal.stop();
  }

  options.log?.(`accounting for ${sfn.executions.size} executions and ${outbox.length} messages`);
  // What each execution was, by team day.
  const seen: ExecutionSeen[] = [...sfn.executions.values()].map((execution) => ({
    name: execution.name,
    machine: execution.machine,
    developer: typeof execution.input.developer === 'string' ? execution.input.developer : undefined,
    day: dayOf(execution.startedAt, zone),
    status: execution.status,
    error: execution.error,
    cause: execution.cause,
    historyEvents: execution.historyEvents,
    peakPayload: execution.peakPayload ?? { bytes: 0, state: '' },
    redrives: redrivesOf.get(execution.name) ?? 0,
  }));
  broken.push(...executionLimits(seen));
  // A denied call whose error a handler absorbed (a retry, a fallback) fails no execution: each is reported itself.
  broken.push(
    ...rehearsal.iam.denied.map((denied) => ({
      invariant: 'access-denied',
      day: dayOf(denied.at, zone),
      developer: denied.developer,
      execution: denied.execution,
      detail: describeDenied(denied),
    })),
  );
  // A call no function or operator made cannot be held to a role: a lost invocation context, as serious as a denial.
  const { unattributed } = rehearsal.iam;
  if (unattributed.length > 0) {
    const calls = unattributed.slice(0, 5).map((call) => `${call.action} on ${call.resource}`);
    broken.push({
      invariant: 'access-denied',
      day: world.dates.at(-1)!,
      detail: `${unattributed.length} unattributed AWS call(s): ${calls.join(', ')}`,
    });
  }
  // A write refused at DynamoDB's item limit fails the run that made it: the first such run is the day a record passed 400 KB.
  const refused = seen
    .filter((execution) => /Item size has exceeded/.test(String(execution.cause)))
    .sort((a, b) => a.day.localeCompare(b.day))[0];
  if (refused) firstPassed['400 KB'] = { day: refused.day, developer: refused.developer ?? refused.name };
  const ops = config.slack.opsChannel;
  const sent: MessageSeen[] = outbox.map((message) => ({
    day: dayOf(Date.parse(message.at), zone),
    // A DM belongs to its developer's own day ("destroyed for the day" on two evenings is two events); the channel's to the team's.
    recipientDay:
      message.to.user !== undefined && message.developer !== undefined && zoneOf.has(message.developer)
        ? localDayOf(message.developer, Date.parse(message.at))
        : dayOf(Date.parse(message.at), zone),
    to: message.to.channel ?? message.to.user ?? '',
    ops: message.to.channel === ops,
    developer: message.developer,
    text: message.text,
    body: `${message.text} ${JSON.stringify(message.blocks)}`,
    execution: message.execution,
    reply: message.kind === 'reply',
  }));
  const failedEnvironments = seen.filter((execution) => execution.machine === 'environment' && execution.status === 'FAILED');
  broken.push(...failuresReported(failedEnvironments, sent));

  const lateness: SoakResult['lateness'] = [];
  const byDay = <T extends { day: string }>(items: T[]) => Map.groupBy(items, (item) => item.day);
  const executionsOn = byDay(seen);
  const messagesOn = byDay(sent);
  // Each developer's first ready DM on each of their own days, found once rather than by scanning every message.
  const firstReady = new Map<string, number>();
  for (const message of outbox) {
    if (message.kind !== 'ready' || message.developer === undefined || !zoneOf.has(message.developer)) continue;
    const key = `${message.developer}\u0000${localDayOf(message.developer, Date.parse(message.at))}`;
    if (!firstReady.has(key)) firstReady.set(key, Date.parse(message.at));
  }
  const seenByName = new Map(seen.map((execution) => [execution.name, execution]));
  // What each run's jobs waited for a runner slot: under a tight quota, a manual run or a retry the plan did not hold
  // takes a slot an up was planned into.
  const runnerJobs = [...cloud.runner.jobs.values()].map((job) => ({
    runId: job.handle.runId,
    requestedAt: Date.parse(job.handle.startedAt),
    launchedAt: job.launchedAt,
    endsAt: job.finishAt,
  }));
  const waits = queueWaits(runnerJobs);
  const rows: DayRow[] = world.dates.map((day) => {
    const today = executionsOn.get(day) ?? [];
    // A day without failures has no failed attempt at all: a run that failed and was redriven to success still failed that day.
    const failures = failedAttemptsOn.get(day) ?? 0;
    const todaysMessages = messagesOn.get(day) ?? [];
    broken.push(
      ...messages(day, todaysMessages, failures, (developer, recipientDay) => slackRequests.get(`${developer}\u0000${recipientDay}`) ?? 0),
    );
    const due = config.developers
      .filter((dev) => ownerIsDue(config, dev.name, day, skips))
      .map((dev) => {
        const schedule = scheduleOf(config, dev);
        const readyBy = DateTime.fromISO(`${day}T${schedule.readyBy}`, { zone: schedule.timezone }).toMillis();
        const readyAt = firstReady.get(`${dev.name}\u0000${day}`);
        lateness.push({ developer: dev.name, day, minutes: readyAt === undefined ? null : Math.round((readyAt - readyBy) / 60_000) });
        // The developer's own day's scheduled up, by its run ID (core/plan runIdFor): an eastern zone's Monday up
        // starts on the team's Sunday.
        const up = seenByName.get(`${dev.name}-up-${day.replaceAll('-', '')}`);
        // Named only for a late up: finding what held the slots scans every job.
        const wait = up && (readyAt === undefined || readyAt > readyBy) ? waits.get(up.name) : undefined;
        const reason = lateReason({
          excused: excusedOn.get(day)?.has(dev.name) ?? false,
          up,
          predictedMiss: predictedMisses.get(`${dev.name}\u0000${day}`),
          lateMs: readyAt === undefined ? undefined : readyAt - readyBy,
          queued: up && wait && { waitedMs: wait.waitedMs, behind: slotHolders(runnerJobs, up.name, wait.firstAskedAt) },
        });
        return { developer: dev.name, readyBy, readyAt, reason, execution: up?.name };
      });
    broken.push(...readiness(day, due));
    const peakPayload = today.reduce((peak, e) => (e.peakPayload.bytes > peak.bytes ? { ...e.peakPayload, execution: e.name } : peak), {
      bytes: 0,
      state: '',
      execution: '',
    });
    const peakHistory = today.reduce((peak, e) => (e.historyEvents > peak.events ? { events: e.historyEvents, execution: e.name } : peak), {
      events: 0,
      execution: '',
    });
    return {
      day,
      ups: today.filter((execution) => execution.machine === 'environment' && execution.name.includes('-up-')).length,
      downs: today.filter((execution) => execution.machine === 'environment' && execution.name.includes('-down-')).length,
      failures,
      redrives: today.reduce((sum, execution) => sum + execution.redrives, 0),
      messages: todaysMessages.length,
      opsMessages: todaysMessages.filter((message) => message.ops).length,
      peakRecordBytes: peakBytes.get(day) ?? 0,
      peakPayload,
      peakHistory,
    };
  });

  // Cost: each developer's hours of a plain day (no event, no fault) against `turbo cost --stage`'s for that date, which
  // prices the planner's day (the date's prediction above): its start to its down's end. In destroy mode, the recorded cluster
  // lifetimes; in hibernate mode the nodes', a wake's start to its hibernation's end: what hibernate's price varies by
  // (its control plane and NLB are paid all day). A hibernate-mode lifetime spans nights by design.
  const linesOn = new Map<string, Map<string, DailyCost>>();
  const expectedOn = (date: string, developer: string) => {
    const lines =
      linesOn.get(date) ??
      linesOn.set(date, new Map(dailyCosts(config, date, plannedDays.get(date)).map((line) => [line.developer, line]))).get(date)!;
    const line = lines.get(developer)!;
    return line.mode === 'hibernate' ? line.nodeHours : line.clusterHours;
  };
  const plainDay = (developer: string, at: number) => !excusedOn.get(localDayOf(developer, at))?.has(developer);
  const environmentRuns = [...sfn.executions.values()].filter((execution) => execution.machine === 'environment');
  const runNamed = new Map(environmentRuns.map((run) => [run.name, run]));
  const hibernationsOf = Map.groupBy(
    environmentRuns.filter((run) => run.input.path === 'hibernate'),
    (run) => String(run.input.developer),
  );
  /** A plain day's hours (of a date planned from history), from `startedAt` to `endedAt`, with the date they are the developer's hours of. */
  const dayFrom = (developer: string, startedAt: number, endedAt: number) => {
    const date = localDayOf(developer, startedAt);
    return plainDay(developer, startedAt) && plannedFromHistory.has(date) ? [{ date, hours: (endedAt - startedAt) / HOUR_MS }] : [];
  };
  const nodeDays = (developer: string) =>
    (hibernationsOf.get(developer) ?? []).flatMap((down) => {
      const up = runNamed.get(down.name.replace('-down-', '-up-'));
      const clean = (run: typeof down | undefined) => run?.status === 'SUCCEEDED' && !run.redriveCount && run.input.developer === developer;
      if (up?.input.path !== 'wake' || !clean(down) || !clean(up)) return [];
      return dayFrom(developer, up.startedAt, down.endedAt!);
    });
  const costDays = { destroy: 0, hibernate: 0 };
  const upsOn = (nodes: (choice: DeveloperNodes) => boolean) =>
    environmentRuns.filter((run) => run.input.action === 'up' && nodes(nodesOf(config, members.get(String(run.input.developer))))).length;
  const measured = config.developers.flatMap((dev) => {
    const { mode } = scheduleOf(config, dev);
    const days =
      mode === 'hibernate'
        ? nodeDays(dev.name)
        : (cloud.records.get(dev.name)?.lifetimes ?? [])
            .filter((life) => life.destroyedAt)
            .flatMap((life) => dayFrom(dev.name, Date.parse(life.startedAt), Date.parse(life.destroyedAt!)));
    if (days.length === 0) return [];
    costDays[mode] += days.length;
    const mean = (hours: number[]) => hours.reduce((sum, day) => sum + day, 0) / hours.length;
    return [
      {
        developer: dev.name,
        hours: mean(days.map((day) => day.hours)),
        expectedHours: mean(days.map((day) => expectedOn(day.date, dev.name))),
      },
    ];
  });
  broken.push(...costs(world.dates.at(-1)!, measured));
  const { pulls, api } = cloud.registry.meter;
  const upstream = cloud.registry.pullThroughCache?.upstreamPulls;
  if (pulls.refused > 0 || api.refused > 0 || (upstream?.refused ?? 0) > 0) {
    broken.push({
      invariant: 'docker-hub-limit',
      day: world.dates.at(-1)!,
      detail:
        `Docker Hub refused ${pulls.refused} anonymous pull(s) (peak ${pulls.peak} an hour, limit ${pulls.limit} per IP), ` +
        `${upstream?.refused ?? 0} pull-through cache pull(s) (peak ${upstream?.peak ?? 0} an hour, limit ${upstream?.limit ?? 0}) ` +
        `and ${api.refused} API request(s)`,
    });
  }

  return {
    options: { days: options.days, developers: options.developers, seed: options.seed, faultRate: options.faultRate, start: options.start },
    rows,
    broken,
    lateness,
    firstPassed,
    failureKinds: seen
      .filter((execution) => execution.status === 'FAILED')
      .reduce<Record<string, number>>((kinds, execution) => {
        const kind = `${execution.machine} ${execution.error}: ${String(execution.cause).slice(0, 120)}`;
        kinds[kind] = (kinds[kind] ?? 0) + 1;
        return kinds;
      }, {}),
    slackRateLimited: cloud.slackRateLimited,
    peakQueuedJobs: cloud.jobSlots?.peakQueued ?? 0,
    dockerHub: {
      peakPullsPerHour: pulls.peak,
      refusedPulls: pulls.refused,
      peakCachePullsPerHour: upstream?.peak ?? 0,
      refusedCachePulls: upstream?.refused ?? 0,
      peakApiRequestsPerMinute: api.peak,
      refusedApiRequests: api.refused,
    },
    awsCalls,
    faultsStruck,
    modes: {
      hibernateRuns: environmentRuns.filter((run) => run.input.path === 'hibernate').length,
      wakeRuns: environmentRuns.filter((run) => run.input.path === 'wake').length,
      poolFills: environmentRuns.filter((run) => run.input.path === 'pool').length,
      poolTakes: environmentRuns.filter((run) => run.input.path === 'take').length,
      spotUps: upsOn((nodes) => nodes.capacity === 'spot'),
      arm64Ups: upsOn((nodes) => nodes.arch === 'arm64'),
      costDays,
    },
  };
}
