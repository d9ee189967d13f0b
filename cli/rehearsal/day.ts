/**
 * A working day, rehearsed: the reconcile schedule ticks every 15 virtual minutes from before the first developer's
 * start until after the last teardown, and the packaged state machines run the real handlers against the in-memory
 * cloud (or a real runner). What it returns is what the summary, the outbox and the report are made of.
 */
import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import { scheduleOf, type TurboConfig } from '../../functions/core/config';
import { RECONCILE_TICK_MINUTES } from '../../functions/core/plan';
import { staggeredOn } from '../../functions/core/stagger';
import { poolFillFrom, poolHoursOn } from '../../functions/core/pool';
import type { EnvironmentRecord } from '../../functions/core/types';
import { bindDeps, type Deps } from '../../functions/handlers/lib/deps';
import { work as performWork } from '../../functions/handlers/lib/selfService';
import { MemoryCloud, REALISTIC_DURATIONS, type Durations, type FaultPoint, type SentMessage } from '../../functions/adapters/memory/cloud';
import { JobSlots } from '../../functions/adapters/memory/limits';
import type { JobRunner } from '../../functions/core/ports';
import { localDate, localNow, zoneNamed } from '../../functions/core/clock';
import {
  currentInvocation,
  ExecutionAlreadyExists,
  lambdaContext,
  LocalStepFunctions,
  VirtualClock,
  type HeldBackStart,
  type LocalExecution,
  type LocalSfnOptions,
  type StateVisit,
} from './local-sfn';
import type { PackagedStack } from './packaged';
import { IamEnforcer } from './enforce';
import { evaluateRehearsalAlarms, recordMetrics } from './alarms';
import type { AlarmTransition } from '../../functions/core/alarms';

export const RECONCILE_EVERY_MS = RECONCILE_TICK_MINUTES * 60_000;

export interface DayOptions {
  config: TurboConfig;
  stack: PackagedStack;
  root: string;
  /** The local date (team time zone) to rehearse. */
  date: string;
  faults?: { developer: string; point: FaultPoint }[];
  durations?: Durations;
  /** A real runner (e.g. Jenkins) instead of the in-memory one. */
  runner?: JobRunner;
  /** Let virtual time pass at real speed while a job is waited on (a real runner's jobs take real time). */
  realPace?: boolean;
  /** Environment records at the start of the day, e.g. with the ups of past days the planner learns from. */
  records?: EnvironmentRecord[];
  /** Existing clusters at the start of the day, e.g. an orphan. */
  clusters?: { name: string; owner: string }[];
  onStateEntered?: (execution: LocalExecution, visit: StateVisit) => void;
  onMessage?: (message: SentMessage) => void;
  onExecutionEnded?: (execution: LocalExecution) => void;
  /** Stop after the morning (no teardown): for image-sync rehearsals and quick tests. */
  until?: 'ready' | 'end-of-day';
  /** A new image tag pushed once everyone is ready: Docker Hub's webhook then calls Turbo. */
  push?: { image: 'frontend' | 'mongo'; tag: string };
}

/** The webhook token the rehearsal puts in its SSM; it appears nowhere else. */
const REHEARSAL_WEBHOOK_TOKEN = randomBytes(32).toString('hex');

/**
 * Docker Hub's side of a push: the new tag appears in the registry, then the webhook calls Turbo's endpoint
 * (the real handler, with the token from SSM in its path), as API Gateway would deliver it.
 */
export async function deliverPush(
  rehearsal: Rehearsal,
  config: TurboConfig,
  push: { image: 'frontend' | 'mongo'; tag: string },
  token = REHEARSAL_WEBHOOK_TOKEN,
) {
  const repository = config.images[push.image];
  rehearsal.cloud.registry.push(repository, push.tag);
  const { handler } = require('../../functions/handlers/imageWebhook') as typeof import('../../functions/handlers/imageWebhook');
  const body = JSON.stringify({ push_data: { tag: push.tag, pusher: 'ci' }, repository: { repo_name: repository } });
  return rehearsal.sfn.invokeAs('imageWebhook', () =>
    handler(
      { pathParameters: { token }, body, isBase64Encoded: false, requestContext: { http: { method: 'POST' } } },
      lambdaContext('imageWebhook', config.region),
    ),
  );
}

export interface DayResult {
  start: number;
  end: number;
  cloud: MemoryCloud;
  sfn: LocalStepFunctions;
  executions: LocalExecution[];
  /** The alarms that changed state during the day, as CloudWatch would have evaluated them. */
  alarms: AlarmTransition[];
  /** Environment runs reconcile asked for on another local day (the next day east of UTC, the day before west). */
  heldBack: HeldBackStart[];
  /** The IAM check of every AWS call: what was denied (function or machine, action, resource, execution). */
  iam: IamEnforcer;
}

/**
 * The rehearsed day's edge, in each developer's own zone: an environment run of a roster developer is started only
 * while it is `date` on their wall clock. A roster spread over many zones spans more than a day of UTC, so without
 * it the east would start its next day while the west finishes this one.
 */
export function outsideTheDay(config: TurboConfig, date: string): NonNullable<LocalSfnOptions['holdBack']> {
  const zones = new Map(config.developers.map((dev) => [dev.name, scheduleOf(config, dev).timezone]));
  return (machine, _name, input) => {
    const zone = machine === 'environment' ? zones.get(String(input.developer)) : undefined;
    if (zone === undefined) return undefined; // other machines, and orphans: nobody's day, always run
    const local = localDate(localNow(new Date(), zone));
    return local === date ? undefined : `beyond the rehearsed day: it is ${local} in ${zone}`;
  };
}

/**
 * The UTC window that covers every developer's day and the warm pool's: from the earliest staggered start (core/stagger,
 * with the records' history) or pool fill, up to after the latest teardown or the pool's end. A pool open past every
 * teardown (a team in one zone, the pool until 20:00) was still up when the rehearsal stopped, and its destroy never ran.
 */
export function dayWindow(
  config: TurboConfig,
  date: string,
  records: EnvironmentRecord[] = [],
): { start: number; end: number; readyBy: number } {
  const ups = staggeredOn(date, config, records);
  const starts = ups.map((up) => up.startAt - RECONCILE_EVERY_MS);
  const ends: number[] = [];
  const readies: number[] = [];
  for (const dev of config.developers) {
    const schedule = scheduleOf(config, dev);
    const at = (time: string) => DateTime.fromISO(`${date}T${time}`, { zone: zoneNamed(schedule.timezone) }).toMillis();
    readies.push(at(schedule.readyBy));
    ends.push(at(schedule.teardownAt));
  }
  const pool = config.pool.size > 0 ? poolHoursOn(date, config) : undefined;
  if (pool && !('closed' in pool)) {
    starts.push(poolFillFrom(pool, config));
    ends.push(pool.end.toMillis());
  }
  const align = (ms: number) => Math.floor(ms / RECONCILE_EVERY_MS) * RECONCILE_EVERY_MS;
  const destroyMs = (config.jobs.destroyMinutes + 30) * 60_000;
  return {
    start: align(Math.min(...starts, ...readies)) - RECONCILE_EVERY_MS,
    end: Math.max(...ends) + destroyMs,
    readyBy: Math.max(...readies, ...ups.map((up) => up.readyAt)) + 60 * 60_000,
  };
}

export interface Rehearsal {
  cloud: MemoryCloud;
  sfn: LocalStepFunctions;
  clock: VirtualClock;
  /** The ports bound to the handlers. */
  deps: Deps;
  /** Every AWS call held to the caller's role in the packaged template; what was denied. */
  iam: IamEnforcer;
  /** Runs virtual time forward until `until` (epoch ms) and until no execution is left running. */
  advance(until: number): Promise<void>;
  stop(): void;
}

/** The in-memory cloud bound to the handlers, a local Step Functions and a virtual clock starting at `start`. */
export function startRehearsal(options: Omit<DayOptions, 'date' | 'until'> & { onlyDate?: string }, start: number): Rehearsal {
  const { config, stack } = options;
  const clock = new VirtualClock(new Date(start));
  const cloud = new MemoryCloud(config.region, options.durations ?? REALISTIC_DURATIONS, options.onMessage, config.images);
  cloud.secretValues.set(config.imageSync.webhookTokenParameter, REHEARSAL_WEBHOOK_TOKEN);
  for (const dev of config.developers) cloud.knowSlackUser(dev.slackUserId, dev.name);
  for (const fault of options.faults ?? []) cloud.injectFault(fault.developer, fault.point);
  for (const cluster of options.clusters ?? []) cloud.addCluster(cluster.name, cluster.owner);
  for (const record of options.records ?? []) cloud.records.set(record.developer, Object.freeze({ ...record }));
  cloud.plans.bucket = stack.buckets.PlanBucket ?? cloud.plans.bucket;
  const iam = new IamEnforcer(stack, config);
  cloud.onAwsCall = (action, resource) => iam.lambdaCall(currentInvocation(), action, resource);
  // The runner's quota binds the rehearsal as it binds CodeBuild or Jenkins: jobs beyond it queue.
  cloud.jobSlots = new JobSlots(config.runner.maxConcurrentJobs);
  const startLocal = (machine: 'imageSync' | 'environment', name: string, input: Record<string, unknown>) => {
    // The Step Functions adapter's StartExecution, made with the calling function's role.
    iam.lambdaCall(currentInvocation(), 'states:StartExecution', stack.stateMachines[machine]!.arn);
    try {
      return { executionArn: sfn.startExecution(machine, name, input).arn, alreadyStarted: false };
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
      return {
        executionArn: `${stack.stateMachines[machine]!.arn.replace(':stateMachine:', ':execution:')}:${name}`,
        alreadyStarted: true,
      };
    }
  };
  const deps: Deps = {
    config,
    region: config.region,
    store: cloud.store,
    clusters: cloud.clusters,
    notifier: cloud.notifier,
    runner: options.runner ? cloud.observing(options.runner) : cloud.runner,
    secrets: cloud.secrets,
    registry: cloud.registry,
    kubeFor: cloud.kube.kubeFor,
    plans: cloud.plans,
    // The image webhook's port: image-sync executions in this local Step Functions, named as the service would.
    workflows: { start: async (name, input) => startLocal('imageSync', name, input) },
    // Self-service's port: environment executions, named by their run ID as reconcile's Map names them.
    runs: { start: async ({ runId, ...run }) => startLocal('environment', runId, { ...run, runId }) },
    // SlackWork's queue: in a rehearsal the work is done at once, as slackWork, with these same ports.
    work: {
      enqueue: async (task) => {
        iam.lambdaCall(currentInvocation(), 'lambda:InvokeFunction', sfn.packagedFunction('slackWork').arn);
        await sfn.invokeAs('slackWork', () => performWork(task, deps));
      },
    },
  };
  bindDeps(async () => deps);
  // The handlers' metrics as Lambda would publish them (EMF) are observed, not printed, in a rehearsal.
  const namespace = [...stack.functions.values()][0]?.environment.POWERTOOLS_METRICS_NAMESPACE;
  if (namespace) process.env.POWERTOOLS_METRICS_NAMESPACE = namespace;
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const recording = recordMetrics(cloud, stack);

  const transientFailures = new Map<string, number>();
  const sfn = new LocalStepFunctions({
    stack,
    root: options.root,
    onStateEntered: options.onStateEntered,
    lambdaTimeouts: options.runner === undefined,
    onInvoked: recording.onInvoked,
    onExecutionEnded: (execution) => {
      recording.onExecutionEnded(execution);
      options.onExecutionEnded?.(execution);
    },
    readObject: (bucket, key) => cloud.plans.read(bucket, key),
    authorize: (execution, action, resource, errorName) => iam.machineCall(execution, action, resource, errorName),
    holdBack: options.onlyDate === undefined ? undefined : outsideTheDay(config, options.onlyDate),
    beforeInvoke: (execution) => {
      // The Lambda service failing twice for this developer: Retry must absorb it.
      const developer = String(execution.input.developer ?? '');
      if (!cloud.hasFault(developer, 'lambda-transient')) return;
      const seen = transientFailures.get(developer) ?? 0;
      if (seen < 2) {
        transientFailures.set(developer, seen + 1);
        const error = new Error('Rate exceeded');
        error.name = 'Lambda.TooManyRequestsException';
        throw error;
      }
    },
  });
  return {
    cloud,
    sfn,
    clock,
    deps,
    iam,
    advance: (until) =>
      clock.runUntil(
        until,
        () => ({ running: sfn.running, inFlight: sfn.invocationsInFlight }),
        // With a real runner, a job waited on is a real job: let virtual time keep its pace meanwhile.
        () =>
          options.realPace === true &&
          [...sfn.executions.values()].some(
            (execution) => execution.status === 'RUNNING' && /^WaitFor\w+Job$/.test(execution.visits.at(-1)?.name ?? ''),
          ),
      ),
    stop: () => {
      recording.stop();
      clock.uninstall();
    },
  };
}

/** Starts a reconcile execution named for the current (virtual) minute, as the schedule would. */
export function tickReconcile(sfn: LocalStepFunctions): void {
  const at = DateTime.fromMillis(Date.now(), { zone: 'utc' }).toFormat("yyyyLLdd'T'HHmm");
  sfn.startExecution('reconcile', `reconcile-${at}`, {});
}

/** Something that recurs on the virtual clock, as an EventBridge schedule does: at the start, then every `everyMs`. */
export interface Schedule {
  everyMs: number;
  fire: () => void;
}

/** The longest delay a timer holds: setTimeout fires a longer one at once (Node's TIMEOUT_MAX, and fake-timers'). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `fire` at the instant `at` (epoch ms): an instant more than 24.8 days ahead is reached in stages, since a
 * single timer that long would fire at once. (A 90-day soak fired its last 65 days of faults on its first morning.)
 */
export function fireAt(at: number, fire: () => void): void {
  const delay = at - Date.now();
  if (delay > MAX_TIMER_MS) setTimeout(() => fireAt(at, fire), MAX_TIMER_MS);
  else setTimeout(fire, Math.max(0, delay));
}

/**
 * Runs a rehearsal's window: each schedule fires at the start and every `everyMs` until `until`, each event at
 * its instant; then virtual time runs on until nothing is left running. One loop serves a day and a soak.
 */
export async function runWindow(
  rehearsal: Rehearsal,
  until: number,
  schedules: Schedule[],
  events: { at: number; fire: () => void }[] = [],
): Promise<void> {
  const timers = schedules.map((schedule) => {
    schedule.fire();
    const timer = setInterval(() => (Date.now() <= until ? schedule.fire() : clearInterval(timer)), schedule.everyMs);
    return timer;
  });
  for (const event of events) fireAt(event.at, event.fire);
  try {
    await rehearsal.advance(until);
  } finally {
    for (const timer of timers) clearInterval(timer);
  }
}

export async function rehearseDay(options: DayOptions): Promise<DayResult> {
  const window = dayWindow(options.config, options.date, options.records);
  const until = options.until === 'ready' ? window.readyBy : window.end;
  const rehearsal = startRehearsal({ ...options, onlyDate: options.date }, window.start);
  const { sfn, cloud } = rehearsal;
  try {
    const push = options.push;
    const events = push ? [{ at: window.readyBy, fire: () => void deliverPush(rehearsal, options.config, push) }] : [];
    await runWindow(rehearsal, until, [{ everyMs: RECONCILE_EVERY_MS, fire: () => tickReconcile(sfn) }], events);
    const alarms = evaluateRehearsalAlarms(cloud, options.stack, window.start, rehearsal.clock.now);
    const executions = [...sfn.executions.values()];
    const heldBack = [...sfn.heldBack.values()];
    return { start: window.start, end: rehearsal.clock.now, cloud, sfn, executions, alarms, heldBack, iam: rehearsal.iam };
  } finally {
    rehearsal.stop();
  }
}
