/**
 * A local stand-in for the Step Functions service: it runs the packaged definitions with aws-local-stepfunctions,
 * invokes the real handler code for each Task, starts child executions for `states:startExecution` (refusing a
 * name twice, as the service does), and records every state entered per execution. A Distributed Map runs as the
 * service runs it: each item a child execution of its own (own history, own payloads), its items read by its
 * ItemReader, batched by its ItemBatcher, its MaxConcurrency and tolerated failures honoured (see distributedMap below).
 *
 * Time is virtual: Wait states, retries and TimeoutSeconds all sleep on a fake clock that `runUntilIdle` advances
 * only when every handler has returned, so a day of waits takes a moment and each wait is exact.
 */
import FakeTimers from '@sinonjs/fake-timers';
import { StateMachine } from 'aws-local-stepfunctions';
import { AsyncLocalStorage } from 'node:async_hooks';
import Module from 'node:module';
import { join } from 'node:path';
import { ACCOUNT_ID, taskStates, type PackagedFunction, type PackagedStack } from './packaged';
import { useUnwrappedJsonPath } from './scalar-jsonpath';
import {
  assertExecutionName,
  DataLimitExceeded,
  historyEventsOf,
  HistoryLimitExceeded,
  payloadSize,
  SFN_HISTORY_LIMIT_EVENTS,
  SFN_PAYLOAD_LIMIT_BYTES,
  startExecutionBucket,
  throttled,
  type TokenBucket,
} from '../../functions/adapters/memory/limits';
import { copyJson } from '../../functions/adapters/memory/json';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
export type HandlerLoader = (modulePath: string, exportName: string) => Handler;

export interface StateVisit {
  name: string;
  type: string;
  enteredAt: number;
  exitedAt?: number;
  failed?: { error: string; cause: string };
}

export interface LocalExecution {
  arn: string;
  name: string;
  machine: string;
  input: Record<string, unknown>;
  /** When its latest attempt started. */
  startedAt: number;
  /** When it first started, for a redriven execution: its $$.Execution.StartTime. */
  firstStartedAt?: number;
  endedAt?: number;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: string;
  cause?: string;
  /** States entered, Map iterations included: what Step Functions bills as state transitions. */
  transitions: number;
  lambdaInvocations: number;
  visits: StateVisit[];
  /** History events as the service would count them (limits.ts), redrives included. */
  historyEvents: number;
  /** The largest state input or output so far, and the state it was (known only for local executions). */
  peakPayload?: { bytes: number; state: string };
  /** The top-level state it failed in and that state's input: where a redrive continues. */
  failedIn?: { state: string; input: unknown };
  /** $$.Execution.RedriveCount of the latest attempt (0, or absent, before any redrive). */
  redriveCount?: number;
}

/** The Lambda function an in-memory port call is made from: where an IAM check of that call looks up the role. */
export interface Invocation {
  functionName: string;
  /** The function's logical ID in the template; none for the operator (the console or the CLI, on their own credentials). */
  logicalId?: string;
  /** The execution that invoked it; none for a function invoked by something else (API Gateway, an async invocation). */
  execution?: LocalExecution;
}

const invocations = new AsyncLocalStorage<Invocation>();

/**
 * The invocation whose handler is running now, for ports that want to know who calls them. It holds across the
 * handler's awaits and across the virtual clock's timers (a retry's backoff): VirtualClock binds each timer to it.
 */
export function currentInvocation(): Invocation | undefined {
  return invocations.getStore();
}

/** Runs `run` as the operator: what a person does from the console or the CLI, on their own credentials. */
export function asOperator<T>(run: () => T): T {
  return invocations.run({ functionName: 'operator' }, run);
}

/** A timer callback bound to the invocation that set the timer: fake timers fire from the clock's own context. */
function keepInvocation<Callback>(callback: Callback): Callback {
  const invocation = invocations.getStore();
  if (!invocation || typeof callback !== 'function') return callback;
  return ((...args: unknown[]) => invocations.run(invocation, () => callback(...args))) as Callback;
}

export interface LocalSfnOptions {
  stack: PackagedStack;
  root: string;
  loadHandler?: HandlerLoader;
  onStateEntered?: (execution: LocalExecution, visit: StateVisit) => void;
  onExecutionEnded?: (execution: LocalExecution) => void;
  /** A hook before each Lambda invocation (fault injection); it may throw the error the Lambda service would. */
  beforeInvoke?: (execution: LocalExecution, functionName: string, input: unknown) => void;
  /**
   * The service's limits (limits.ts): 256 KB per state input or output, 25,000 history events, execution names,
   * the StartExecution token bucket and each Lambda's packaged timeout. On unless turned off.
   */
  limits?: boolean;
  /**
   * Whether each Lambda's packaged timeout is enforced (default: with the limits). It runs on the virtual clock, so
   * a handler waiting on real I/O (a real Jenkins) would see virtual time jump past it: off with a real runner.
   */
  lambdaTimeouts?: boolean;
  /** After each Lambda invocation, with the error it ended with (what the Lambda service counts as Errors or Throttles). */
  onInvoked?: (functionName: string, error?: unknown) => void;
  /**
   * The edge of what is rehearsed: a reason not to start this child execution (it belongs to another day), or
   * undefined to start it. A held-back start answers like a started one, and is kept in `heldBack`.
   */
  holdBack?: (machine: string, name: string, input: Record<string, unknown>) => string | undefined;
  /** The objects an ItemReader (`s3:getObject`) reads: the in-memory S3. */
  readObject?: (bucket: string, key: string) => string | undefined;
  /**
   * IAM for the machine's service integrations: throws (with the error the state fails with, named `errorName`)
   * when the execution's role may not make this call.
   */
  authorize?: (execution: LocalExecution, action: string, resource: string, errorName: string) => void;
}

/** A child execution the parent started but the rehearsal did not run: it lies beyond the rehearsed day. */
export interface HeldBackStart {
  machine: string;
  name: string;
  input: Record<string, unknown>;
  at: number;
  reason: string;
}

/** The Resource a Distributed Map state runs under locally: aws-local-stepfunctions would run it as an inline Map. */
const DISTRIBUTED_MAP = 'arn:aws:states:::turbo-local:distributedMap';
/** The service's default (and largest) MaxConcurrency of a Distributed Map's child executions. */
const DISTRIBUTED_MAX_CONCURRENCY = 10_000;

type Json = unknown;
type StateDefinition = Record<string, Json>;
interface Definition {
  StartAt: string;
  States: Record<string, StateDefinition>;
}

export class ExecutionAlreadyExists extends Error {
  override name = 'StepFunctions.ExecutionAlreadyExistsException';
}

export class ExecutionNotRedrivable extends Error {
  override name = 'StepFunctions.ExecutionNotRedrivable';
}

/**
 * middy ships ESM only, with an export map that only `import` may use. Node 22 can require() an ES module, but
 * its resolver refuses that map; jest compiles middy instead. Here require is pointed at the module's file.
 */
let middyRequirable = false;

export function allowRequireOfMiddy(root: string): void {
  if (middyRequirable) return;
  middyRequirable = true;
  const moduleApi = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const resolve = moduleApi._resolveFilename;
  moduleApi._resolveFilename = (request, ...rest) =>
    /^@middy\/[a-z-]+$/.test(request) ? join(root, 'node_modules', request, 'index.js') : resolve(request, ...rest);
}

/**
 * aws-local-stepfunctions calls jsonpath-plus's JSONPath() without `new` for every path it evaluates. For a scalar
 * result, JSONPath() then throws an Error (stack trace and all) to itself and catches it: at thousands of developers
 * that was the rehearsal's costliest single function. The same evaluation, constructed with `new` and not autostarted,
 * returns its result with no throw. (The library reads the export at each call, so rebinding it takes effect.)
 */
const jsonPathPlus = require(require.resolve('jsonpath-plus', { paths: [require.resolve('aws-local-stepfunctions')] })) as {
  JSONPath: JsonPathFunction;
};
type JsonPathFunction = {
  (options: Record<string, unknown>): unknown;
  new (options: Record<string, unknown>): { evaluate(args: Record<string, unknown>): unknown };
};
const LibraryJSONPath = jsonPathPlus.JSONPath;
jsonPathPlus.JSONPath = ((options: Record<string, unknown>) => {
  const args: Record<string, unknown> = { path: options.path };
  if ('json' in options) args.json = options.json;
  return new LibraryJSONPath({ ...options, autostart: false }).evaluate(args);
}) as JsonPathFunction;

/**
 * aws-local-stepfunctions sets $$.Execution.StartTime to `new Date()` as a run begins, before its first await. The
 * run is begun with a Date whose `new Date()` is `at`, for that synchronous call only: a redrive's StartTime is the
 * execution's first start, as on the service.
 */
function startedAt<T>(at: number, begin: () => T): T {
  const CurrentDate = globalThis.Date;
  if (CurrentDate.now() === at) return begin();
  class StartDate extends CurrentDate {
    constructor(...args: ConstructorParameters<DateConstructor> | []) {
      if (args.length === 0) super(at);
      else super(...(args as ConstructorParameters<DateConstructor>));
    }
  }
  globalThis.Date = StartDate as DateConstructor;
  try {
    return begin();
  } finally {
    globalThis.Date = CurrentDate;
  }
}

const requireHandler: HandlerLoader = (modulePath, exportName) => {
  const loaded = require(modulePath) as Record<string, Handler>;
  const handler = loaded[exportName];
  if (typeof handler !== 'function') throw new Error(`${modulePath} exports no function ${exportName}`);
  return handler;
};

export class LocalStepFunctions {
  readonly executions = new Map<string, LocalExecution>();
  /** One entry per held-back name: a later tick asking again for the same run is not a second run. */
  readonly heldBack = new Map<string, HeldBackStart>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly handlers = new Map<string, Handler>();
  /** Validating a definition is costly: one StateMachine per definition serves every execution. */
  private readonly machines = new Map<string, StateMachine>();
  private inFlightInvocations = 0;
  private readonly limits: boolean;
  private readonly lambdaTimeouts: boolean;
  private bucket?: TokenBucket;
  /** Each Distributed Map's item processor, run as a state machine of its own (`<machine>/<state>`). */
  private readonly childMachines = new Map<string, { name: string; arn: string; definition: Definition }>();
  /** The Distributed Map states replaced by a local Task, by machine and state name. */
  private readonly distributedMaps = new Map<string, StateDefinition>();
  private readonly settledOf = new Map<string, Promise<void>>();

  constructor(private readonly options: LocalSfnOptions) {
    if (!options.loadHandler) allowRequireOfMiddy(options.root);
    useUnwrappedJsonPath();
    this.limits = options.limits ?? true;
    this.lambdaTimeouts = options.lambdaTimeouts ?? this.limits;
  }

  private handlerFor(functionArn: string): { handler: Handler; name: string; logicalId: string; timeoutSeconds?: number } {
    const fn = this.options.stack.functions.get(functionArn);
    if (!fn) throw new Error(`no packaged function has ARN ${functionArn}`);
    let handler = this.handlers.get(functionArn);
    if (!handler) {
      handler = (this.options.loadHandler ?? requireHandler)(join(this.options.root, fn.modulePath), fn.exportName);
      this.handlers.set(functionArn, handler);
    }
    return { handler, name: fn.name, logicalId: fn.logicalId, timeoutSeconds: fn.timeoutSeconds };
  }

  private machineOf(machine: string) {
    return this.options.stack.stateMachines[machine] ?? this.childMachines.get(machine);
  }

  /**
   * The definition as aws-local-stepfunctions runs it: each Distributed Map becomes a Task (same paths, Retry,
   * Catch and transitions) whose local handler is distributedMap, and its item processor a child machine.
   */
  private localDefinition(machine: string, definition: Definition): Definition {
    const sm = this.machineOf(machine)!;
    const states: Record<string, StateDefinition> = {};
    for (const [name, state] of Object.entries(definition.States)) {
      const processor = state.ItemProcessor as (Definition & { ProcessorConfig?: { Mode?: string } }) | undefined;
      if (state.Type !== 'Map' || processor?.ProcessorConfig?.Mode !== 'DISTRIBUTED') {
        states[name] = state;
        continue;
      }
      const { ProcessorConfig: _config, ...body } = processor;
      this.childMachines.set(`${machine}/${name}`, { name: `${sm.name}/${name}`, arn: `${sm.arn}/${name}`, definition: body });
      this.distributedMaps.set(`${machine}/${name}`, state);
      const kept = ['Comment', 'InputPath', 'ResultSelector', 'ResultPath', 'OutputPath', 'Retry', 'Catch', 'Next', 'End'];
      // A Map state has no timeout of its own (the library's Task default is 60 s; a timer past 2^31 ms fires at once).
      states[name] = {
        Type: 'Task',
        Resource: DISTRIBUTED_MAP,
        TimeoutSeconds: 2_000_000,
        ...Object.fromEntries(kept.filter((key) => key in state).map((key) => [key, state[key]])),
      };
    }
    return { ...definition, States: states };
  }

  private localHandlers(machine: string, definition: Definition, execution: LocalExecution) {
    const overrides: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const { name, state } of taskStates(definition as never)) {
      const resource = String(state.Resource);
      if (resource === DISTRIBUTED_MAP) {
        overrides[name] = async (input) => this.distributedMap(`${machine}/${name}`, input, execution);
        continue;
      }
      if (resource === 'arn:aws:states:::states:startExecution') {
        overrides[name] = async (input) =>
          this.startChild(input as { StateMachineArn: string; Name: string; Input: Record<string, unknown> }, execution);
        continue;
      }
      const { handler, name: functionName, logicalId, timeoutSeconds } = this.handlerFor(resource);
      overrides[name] = async (input) => {
        // Step Functions invokes the function with the machine's role; a refusal is the Lambda service's exception.
        this.options.authorize?.(execution, 'lambda:InvokeFunction', resource, 'Lambda.AWSLambdaException');
        execution.lambdaInvocations += 1;
        this.inFlightInvocations += 1;
        try {
          this.options.beforeInvoke?.(execution, functionName, input);
          const invoked = invocations.run({ functionName, logicalId, execution }, () =>
            handler(copyJson(input), lambdaContext(functionName, this.options.stack.region)),
          );
          const output = await (this.lambdaTimeouts && timeoutSeconds ? withLambdaTimeout(invoked, timeoutSeconds) : invoked);
          this.options.onInvoked?.(functionName);
          return output;
        } catch (error) {
          this.options.onInvoked?.(functionName, error);
          throw error;
        } finally {
          this.inFlightInvocations -= 1;
        }
      };
    }
    return overrides;
  }

  private async startChild(input: { StateMachineArn: string; Name: string; Input: Record<string, unknown> }, parent: LocalExecution) {
    this.options.authorize?.(parent, 'states:StartExecution', input.StateMachineArn, 'StepFunctions.AccessDeniedException');
    const machine = Object.entries(this.options.stack.stateMachines).find(([, sm]) => sm.arn === input.StateMachineArn)?.[0];
    if (!machine) throw new Error(`StateMachineDoesNotExist: ${input.StateMachineArn}`);
    const reason = this.options.holdBack?.(machine, input.Name, input.Input);
    if (reason !== undefined) {
      if (!this.heldBack.has(input.Name)) {
        this.heldBack.set(input.Name, { machine, name: input.Name, input: input.Input, at: Date.now(), reason });
      }
      const arn = `${input.StateMachineArn.replace(':stateMachine:', ':execution:')}:${input.Name}`;
      return { ExecutionArn: arn, StartDate: new Date().toISOString() };
    }
    let execution: LocalExecution;
    try {
      execution = this.startExecution(machine, input.Name, input.Input);
    } catch (error) {
      // The service integration names the API's errors StepFunctions.<code>, which is what Retry and Catch match.
      const name = (error as Error).name;
      if (!name.startsWith('StepFunctions.'))
        (error as Error).name = `StepFunctions.${name === 'InvalidName' ? 'InvalidNameException' : name}`;
      throw error;
    }
    return { ExecutionArn: execution.arn, StartDate: new Date(execution.startedAt).toISOString() };
  }

  /**
   * One Map Run: the items (ItemReader's object, or ItemsPath), each through ItemSelector with $$.Map.Item, each a
   * child execution, at most MaxConcurrency at once. Past ToleratedFailureCount/Percentage (0 unless set) no more
   * children start and the state fails with States.ExceedToleratedFailureThreshold. The result is the children's
   * outputs in item order (a tolerated failure's place holds its Error and Cause).
   */
  private async distributedMap(key: string, input: unknown, parent: LocalExecution): Promise<unknown[]> {
    const state = this.distributedMaps.get(key)!;
    const context = this.contextOf(parent);
    const items = await this.batched(state, await this.mapItems(state, input, context, parent), input, context);
    // The Map Run starts each child as an execution of the parent machine: the parent's role needs states:StartExecution on it.
    const machineArn = this.machineOf(parent.machine)!.arn;
    if (items.length > 0) this.options.authorize?.(parent, 'states:StartExecution', machineArn, 'States.ExceedToleratedFailureThreshold');
    const selector = state.ItemBatcher === undefined ? (state.ItemSelector as Json | undefined) : undefined;
    const limit = Number(state.MaxConcurrency ?? 0) || DISTRIBUTED_MAX_CONCURRENCY;
    const toleratedCount = state.ToleratedFailureCount === undefined ? Number.POSITIVE_INFINITY : Number(state.ToleratedFailureCount);
    const toleratedPercent = Number(state.ToleratedFailurePercentage ?? (state.ToleratedFailureCount === undefined ? 0 : 100));
    // Each entry into the state is a Map Run of its own; its children are named after it.
    const mapRun = `${parent.name}-${parent.visits.filter((visit) => visit.name === key.split('/')[1]).length}`;
    const results: unknown[] = new Array(items.length);
    let next = 0;
    let failures = 0;
    const overBudget = () => failures > toleratedCount || (items.length > 0 && (failures * 100) / items.length > toleratedPercent);
    const worker = async () => {
      while (next < items.length && !overBudget()) {
        const index = next++;
        const value = items[index];
        const childInput =
          selector === undefined ? value : await evaluate(selector, input, { ...context, Map: { Item: { Index: index, Value: value } } });
        const child = this.startExecution(key, `${mapRun}-${index}`, childInput as Record<string, unknown>, 0, true);
        await this.settledOf.get(child.arn);
        if (child.status === 'FAILED') failures += 1;
        results[index] = child.status === 'FAILED' ? { Error: child.error, Cause: child.cause } : child.output;
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    if (overBudget()) {
      const error = new Error(`The specified tolerated failure threshold was exceeded: ${failures} of ${items.length} items failed`);
      error.name = 'States.ExceedToleratedFailureThreshold';
      throw error;
    }
    return results;
  }

  /**
   * ItemBatcher: each child execution gets `{ Items: [...], BatchInput }` of at most MaxItemsPerBatch items, each
   * item through ItemSelector first (as the service applies it). Without a batcher the items are as they were.
   */
  private async batched(state: StateDefinition, items: unknown[], input: unknown, context: Record<string, unknown>): Promise<unknown[]> {
    const batcher = state.ItemBatcher as { MaxItemsPerBatch?: number; BatchInput?: Json } | undefined;
    if (batcher === undefined) return items;
    const size = Number(batcher.MaxItemsPerBatch ?? 0);
    if (!Number.isInteger(size) || size < 1) {
      throw new Error(
        `ItemBatcher.MaxItemsPerBatch must be a whole number of at least 1 (only it is modelled locally), got ${batcher.MaxItemsPerBatch}`,
      );
    }
    const selector = state.ItemSelector as Json | undefined;
    const select = (value: unknown, index: number) =>
      evaluate(selector, input, { ...context, Map: { Item: { Index: index, Value: value } } });
    const selected = selector === undefined ? items : await Promise.all(items.map(select));
    const batchInput = batcher.BatchInput === undefined ? undefined : await evaluate(batcher.BatchInput, input, context);
    const batches: unknown[] = [];
    for (let start = 0; start < selected.length; start += size) {
      batches.push({ Items: selected.slice(start, start + size), ...(batchInput === undefined ? {} : { BatchInput: batchInput }) });
    }
    return batches;
  }

  private async mapItems(
    state: StateDefinition,
    input: unknown,
    context: Record<string, unknown>,
    parent: LocalExecution,
  ): Promise<unknown[]> {
    const reader = state.ItemReader as { Resource: string; Parameters: Json; ReaderConfig?: { InputType?: string } } | undefined;
    let items: unknown;
    if (reader) {
      if (reader.Resource !== 'arn:aws:states:::s3:getObject' || reader.ReaderConfig?.InputType !== 'JSON') {
        throw new Error(
          `ItemReader ${reader.Resource} (${reader.ReaderConfig?.InputType}) is not modelled locally: use s3:getObject with InputType JSON`,
        );
      }
      const { Bucket, Key } = (await evaluate(reader.Parameters, input, context)) as { Bucket: string; Key: string };
      this.options.authorize?.(parent, 's3:GetObject', `arn:aws:s3:::${Bucket}/${Key}`, 'States.ItemReaderFailed');
      const text = this.options.readObject?.(Bucket, Key);
      if (text === undefined)
        throw Object.assign(new Error(`The specified key does not exist: s3://${Bucket}/${Key}`), { name: 'States.ItemReaderFailed' });
      items = JSON.parse(text);
    } else {
      items = await evaluate(String(state.ItemsPath ?? '$'), input, context);
    }
    if (!Array.isArray(items)) throw Object.assign(new Error('The items of a Map state must be a JSON array'), { name: 'States.Runtime' });
    return items;
  }

  /**
   * The library's StateMachine for a definition, or for the same definition entered at `startAt` (a redrive).
   * Validation compiles the ASL schema (seconds): each distinct definition is validated once per process.
   */
  private stateMachineFor(machine: string, definition: Definition, startAt?: string): StateMachine {
    const key = startAt === undefined ? machine : `${machine}#${startAt}`;
    let stateMachine = this.machines.get(key);
    if (!stateMachine) {
      const text = JSON.stringify(definition);
      const validationOptions = validatedDefinitions.has(text) || startAt !== undefined ? { noValidate: true } : { checkArn: false };
      stateMachine = new StateMachine((startAt === undefined ? definition : { ...definition, StartAt: startAt }) as never, {
        validationOptions,
      });
      validatedDefinitions.add(text);
      this.machines.set(key, stateMachine);
    }
    return stateMachine;
  }

  private contextOf(execution: LocalExecution): Record<string, unknown> {
    const sm = this.machineOf(execution.machine)!;
    return {
      Execution: {
        Id: execution.arn,
        Name: execution.name,
        Input: execution.input,
        StartTime: new Date(execution.startedAt).toISOString(),
        RedriveCount: execution.redriveCount ?? 0,
      },
      StateMachine: { Id: sm.arn, Name: sm.name },
    };
  }

  /**
   * StartExecution: refuses a name that was used before, like the service. A redrive (`resume`) runs the same
   * execution again from the state it failed in, with that state's input.
   */
  startExecution(
    machine: string,
    name: string,
    input: Record<string, unknown>,
    redriveCount = 0,
    mapRunChild = false,
    resume?: { state: string; input: unknown },
  ): LocalExecution {
    const sm = this.machineOf(machine);
    if (!sm) throw new Error(`no packaged state machine ${machine}`);
    const arn = `arn:aws:states:${this.options.stack.region}:${ACCOUNT_ID}:execution:${sm.name}:${name}`;
    if (this.executions.has(arn) && redriveCount === 0) {
      throw new ExecutionAlreadyExists(`Execution Already Exists: '${arn}'`);
    }
    // A Map Run's children are started by the service, not by StartExecution calls: neither its name rules nor its bucket apply.
    if (this.limits && redriveCount === 0 && !mapRunChild) {
      assertExecutionName(name);
      this.bucket ??= startExecutionBucket(this.options.stack.region, Date.now());
      if (!this.bucket.take(Date.now())) throw throttled('StartExecution');
    }
    const previous = this.executions.get(arn);
    const execution: LocalExecution = {
      arn,
      name,
      machine,
      input,
      startedAt: Date.now(),
      firstStartedAt: previous?.firstStartedAt ?? previous?.startedAt,
      status: 'RUNNING',
      transitions: previous?.transitions ?? 0,
      lambdaInvocations: previous?.lambdaInvocations ?? 0,
      visits: previous?.visits ?? [],
      historyEvents: previous?.historyEvents ?? 0,
      peakPayload: previous?.peakPayload ?? { bytes: 0, state: '' },
      redriveCount,
    };
    this.executions.set(arn, execution);
    const definition = this.localDefinition(machine, sm.definition as Definition);
    const stateMachine = this.stateMachineFor(machine, definition, resume?.state);
    const context = this.contextOf(execution);
    // The execution is the service's work, not the work of a Lambda that started it (slackWork, the image webhook).
    // A redrive keeps the execution's first $$.Execution.StartTime, as the service does.
    const run = invocations.exit(() =>
      startedAt(execution.firstStartedAt ?? execution.startedAt, () =>
        stateMachine.run((resume ? resume.input : input) as never, {
          overrides: { taskResourceLocalHandlers: this.localHandlers(machine, definition, execution) as never },
          context: context as never,
        }),
      ),
    );
    const limitHit: { error?: Error } = {};
    const events = this.follow(execution, run.eventLogs, (error) => {
      // What the service does at a hard limit: the execution fails there, whatever Catch says.
      limitHit.error ??= error;
      run.abort();
    });
    const done = run.result.then(
      (output) => Object.assign(execution, { status: 'SUCCEEDED', output }),
      (error: Error & { cause?: unknown }) => {
        const failure = limitHit.error ?? error;
        return Object.assign(execution, {
          status: 'FAILED',
          error: failure.name,
          cause: String(limitHit.error ? failure.message : (error.cause ?? error.message)),
        });
      },
    );
    const settled = Promise.all([done, events]).then(() => {
      execution.endedAt = Date.now();
      this.options.onExecutionEnded?.(execution);
    });
    this.pending.add(settled);
    this.settledOf.set(arn, settled);
    void settled.finally(() => {
      this.pending.delete(settled);
      if (this.settledOf.get(arn) === settled) this.settledOf.delete(arn);
    });
    return execution;
  }

  /**
   * RedriveExecution: a failed (timed-out, aborted) execution continues from the top-level state it failed in,
   * with the input that state had, $$.Execution.RedriveCount one higher; the states that succeeded do not run
   * again. As the service does, it refuses an execution that passed the history limit. (Locally, a Map state is
   * run again whole, where the service reruns only its failed iterations, and $$.Execution.Input reads as the state's
   * input, which the library sets: the environment machine does not read it.)
   */
  redrive(arn: string): LocalExecution {
    const execution = this.executions.get(arn);
    if (execution?.status !== 'FAILED')
      throw new ExecutionNotRedrivable(`Execution is ${execution?.status ?? 'unknown'} and cannot be redriven: ${arn}`);
    if (execution.historyEvents > SFN_HISTORY_LIMIT_EVENTS) {
      throw new ExecutionNotRedrivable(`Execution history event limit exceeded: ${arn}`);
    }
    execution.visits.push({ name: '(redrive)', type: 'Redrive', enteredAt: Date.now() });
    return this.startExecution(
      execution.machine,
      execution.name,
      execution.input,
      (execution.redriveCount ?? 0) + 1,
      false,
      execution.failedIn,
    );
  }

  private async follow(
    execution: LocalExecution,
    events: AsyncGenerator<{
      type: string;
      timestamp: number;
      state?: { name: string; type: string; input?: unknown; output?: unknown };
      parentState?: unknown;
      Error?: string;
      Cause?: unknown;
    }>,
    fail: (error: Error) => void,
  ) {
    const open = new Map<string, StateVisit>();
    let current: { state: string; input: unknown } | undefined;
    // A state's output is the next state's input, the same object: its size is measured once.
    let measured: { payload: unknown; bytes: number } | undefined;
    for await (const event of events) {
      // The top-level state now running (nested Map and Parallel events carry their parentState): where a redrive resumes.
      if (event.state && !event.parentState) {
        if (event.type === 'StateEntered') current = { state: event.state.name, input: event.state.input };
        else if (event.type === 'StateExited') current = undefined;
      }
      if (event.type === 'ExecutionFailed' || event.type === 'ExecutionAborted' || event.type === 'ExecutionTimeout')
        execution.failedIn = current;
      if (this.limits) {
        execution.historyEvents += historyEventsOf(event);
        if (execution.historyEvents > SFN_HISTORY_LIMIT_EVENTS) {
          fail(new HistoryLimitExceeded(`The execution reached the maximum number of history events (${SFN_HISTORY_LIMIT_EVENTS})`));
        }
        const payload = event.type === 'StateEntered' ? event.state?.input : event.type === 'StateExited' ? event.state?.output : undefined;
        if (payload !== undefined) {
          const bytes = measured?.payload === payload ? measured.bytes : payloadSize(payload);
          measured = { payload, bytes };
          if (bytes > (execution.peakPayload?.bytes ?? 0)) execution.peakPayload = { bytes, state: event.state!.name };
          if (bytes > SFN_PAYLOAD_LIMIT_BYTES) {
            const direction = event.type === 'StateEntered' ? 'input' : 'output';
            fail(
              new DataLimitExceeded(
                `The state '${event.state!.name}' has an ${direction} of ${bytes} bytes, over the ${SFN_PAYLOAD_LIMIT_BYTES}-byte limit`,
              ),
            );
          }
        }
      }
      if (!event.state) continue;
      if (event.type === 'StateEntered') {
        execution.transitions += 1;
        const visit: StateVisit = { name: event.state.name, type: event.state.type, enteredAt: event.timestamp };
        execution.visits.push(visit);
        open.set(event.state.name, visit);
        this.options.onStateEntered?.(execution, visit);
      } else if (event.type === 'StateExited' || event.type === 'StateFailed') {
        const visit = open.get(event.state.name);
        if (!visit) continue;
        visit.exitedAt = event.timestamp;
        if (event.type === 'StateFailed') visit.failed = { error: String(event.Error), cause: String(event.Cause ?? '') };
        open.delete(event.state.name);
      }
    }
  }

  get running(): number {
    return this.pending.size;
  }

  /** The packaged function of a serverless function name (e.g. `slackWork`). */
  packagedFunction(name: string): PackagedFunction {
    const logicalId = `${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction`;
    const fn = [...this.options.stack.functions.values()].find((candidate) => candidate.logicalId === logicalId);
    if (!fn) throw new Error(`no packaged function ${name} (${logicalId})`);
    return fn;
  }

  /** Runs `run` as the packaged function `name` invoked by something other than a state machine (API Gateway, an async call). */
  invokeAs<T>(name: string, run: () => T): T {
    const fn = this.packagedFunction(name);
    return invocations.run({ functionName: fn.name, logicalId: fn.logicalId }, run);
  }

  get invocationsInFlight(): number {
    return this.inFlightInvocations;
  }
}

const evaluators = new Map<string, StateMachine>();
const validatedDefinitions = new Set<string>();

/**
 * A JSONPath (`$.a.b`) or a payload template (`{ "x.$": "$.y" }`) evaluated as the service does, against an input
 * and a context object: by the library itself, in a one-state Pass machine.
 */
async function evaluate(expression: Json, input: unknown, context: Record<string, unknown>): Promise<unknown> {
  const text = JSON.stringify(expression);
  let machine = evaluators.get(text);
  if (!machine) {
    const pass = typeof expression === 'string' ? { InputPath: expression } : { Parameters: expression };
    machine = new StateMachine({ StartAt: 'Evaluate', States: { Evaluate: { Type: 'Pass', ...pass, End: true } } } as never, {
      validationOptions: { noValidate: true },
    });
    evaluators.set(text, machine);
  }
  return machine.run(input as never, { context: context as never }).result;
}

/** A Lambda past its packaged Timeout: the service stops it and Step Functions sees Sandbox.Timedout. */
function withLambdaTimeout<T>(invoked: Promise<T>, seconds: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`Task timed out after ${seconds.toFixed(2)} seconds`);
      error.name = 'Sandbox.Timedout';
      reject(error);
    }, seconds * 1000);
  });
  return Promise.race([invoked, timedOut]).finally(() => clearTimeout(timer));
}

export function lambdaContext(functionName: string, region: string) {
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'rehearsal',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 30_000,
  };
}

const realSetImmediate = setImmediate;
const REAL_PACE_STEP_MS = 250;
const realSetTimeout = setTimeout;

/**
 * A virtual clock for the whole process. `advance` moves it from timer to timer, letting every promise settle
 * between two timers; while a handler is waiting on real I/O (a real Jenkins, say), it waits in real time first.
 */
export class VirtualClock {
  private readonly clock: ReturnType<typeof FakeTimers.install>;

  constructor(start: Date) {
    this.clock = FakeTimers.install({ now: start, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    // A callback runs in the invocation that set its timer (uninstall puts the real functions back).
    const fakeSetTimeout = globalThis.setTimeout;
    const fakeSetInterval = globalThis.setInterval;
    globalThis.setTimeout = Object.assign(
      (callback: unknown, ms?: number, ...args: unknown[]) => fakeSetTimeout(keepInvocation(callback) as () => void, ms, ...args),
      fakeSetTimeout,
    ) as typeof setTimeout;
    globalThis.setInterval = Object.assign(
      (callback: unknown, ms?: number, ...args: unknown[]) => fakeSetInterval(keepInvocation(callback) as () => void, ms, ...args),
      fakeSetInterval,
    ) as typeof setInterval;
  }

  get now(): number {
    return this.clock.now;
  }

  private static async settle(): Promise<void> {
    for (let i = 0; i < 4; i++) await new Promise((resolve) => realSetImmediate(resolve));
  }

  /** Runs timers in order until `until` is reached and `busy()` says nothing is left to wait for. */
  /**
   * `realPace`, when it says so, makes virtual time pass at the speed of real time: a real runner's job (a team's
   * Jenkins) takes real minutes, and skipping a Wait ahead of it would only time it out.
   */
  async runUntil(until: number, busy: () => { running: number; inFlight: number }, realPace: () => boolean = () => false): Promise<void> {
    // A timer at `until` itself, so that the clock stops there even when the next event lies beyond it.
    const stop = setTimeout(() => {}, Math.max(0, until - this.clock.now));
    for (;;) {
      await VirtualClock.settle();
      const state = busy();
      if (state.inFlight > 0) {
        // A handler is on real I/O: give it real time before virtual time moves on (bounded, in case it waits on a timer).
        const deadline = performance.now() + 50;
        while (busy().inFlight > 0 && performance.now() < deadline) await new Promise((resolve) => realSetTimeout(resolve, 2));
      }
      if (this.clock.now >= until && busy().running === 0) {
        clearTimeout(stop);
        return;
      }
      if (this.clock.countTimers() === 0) {
        if (busy().running === 0) return;
        await new Promise((resolve) => realSetTimeout(resolve, 5));
        continue;
      }
      if (realPace()) {
        await new Promise((resolve) => realSetTimeout(resolve, REAL_PACE_STEP_MS));
        this.clock.tick(REAL_PACE_STEP_MS);
      } else {
        this.clock.next();
      }
    }
  }

  uninstall(): void {
    this.clock.uninstall();
  }
}
