/**
 * AWS's (and Slack's and Docker Hub's) documented limits, as pure functions and small stateful meters, for the
 * in-memory cloud and the local Step Functions. Each says where its figure comes from; each fails the way the
 * service fails, so that a rehearsal or a soak hits the limit where production would.
 */

/** An error shaped as the AWS SDK v3 raises a service error, so that the adapters' translateAwsError classifies it. */
export function awsServiceError(name: string, message: string, httpStatusCode = 400): Error {
  const error = new Error(message) as Error & { $metadata: { httpStatusCode: number }; $fault: string };
  error.name = name;
  error.$metadata = { httpStatusCode };
  error.$fault = httpStatusCode >= 500 ? 'server' : 'client';
  return error;
}

// --- DynamoDB -------------------------------------------------------------------------------------------------

/**
 * 400 KB, names plus values: "The maximum item size in DynamoDB is 400 KB, which includes both attribute name
 * binary length (UTF-8 length) and attribute value lengths" (DynamoDB Developer Guide, Service quotas).
 */
export const DYNAMODB_ITEM_LIMIT_BYTES = 400 * 1024;
/** "A single Scan request can retrieve a maximum of 1 MB of data" (Developer Guide, Scan: Limiting). */
export const DYNAMODB_SCAN_PAGE_BYTES = 1024 * 1024;

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/** A number's size: 1 byte per two significant digits, plus 1 (leading and trailing zeroes trimmed). */
function numberSize(value: number): number {
  const digits = Math.abs(value).toExponential().split('e')[0]!.replace('.', '').replace(/0+$/, '') || '0';
  return Math.ceil(digits.length / 2) + 1;
}

/**
 * The size of one attribute value by "DynamoDB item sizes and formats" (Developer Guide,
 * CapacityUnitCalculations): strings are their UTF-8 bytes; numbers as above; booleans and null 1 byte; a List or
 * Map 3 bytes of overhead plus its elements, each element 1 byte more (a Map element also its name's bytes).
 * `undefined` is not stored (the DocumentClient's removeUndefinedValues).
 */
export function dynamoValueSize(value: unknown): number {
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number') return numberSize(value);
  if (value instanceof Uint8Array) return value.byteLength;
  if (typeof value === 'object') {
    // A frozen value cannot change: its size is worked out once (the in-memory store freezes what it stores).
    const known = Object.isFrozen(value) ? frozenSizes.get(value) : undefined;
    if (known !== undefined) return known;
    let size = 3;
    if (Array.isArray(value)) for (const element of value) size += 1 + dynamoValueSize(element);
    else
      for (const name in value) {
        const element = (value as Record<string, unknown>)[name];
        if (element !== undefined) size += 1 + utf8(name) + dynamoValueSize(element);
      }
    if (Object.isFrozen(value)) frozenSizes.set(value, size);
    return size;
  }
  throw new Error(`a DynamoDB item cannot hold a ${typeof value}`);
}

const frozenSizes = new WeakMap<object, number>();

/** An item's size: the sum over its top-level attributes of name bytes plus value size. */
export function dynamoItemSize(item: Record<string, unknown>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) if (value !== undefined) size += utf8(name) + dynamoValueSize(value);
  return size;
}

/** PutItem/UpdateItem refuse a result over the limit, with DynamoDB's own error. */
export function assertItemFits(item: Record<string, unknown>): number {
  const size = dynamoItemSize(item);
  if (size > DYNAMODB_ITEM_LIMIT_BYTES) throw awsServiceError('ValidationException', 'Item size has exceeded the maximum allowed size');
  return size;
}

/**
 * Scan's pages: each holds items until the next would take it past 1 MB (at least one item), and every page but
 * the last carries a LastEvaluatedKey (the key of its last item).
 */
export function scanPages<T extends Record<string, unknown>>(items: T[], key: keyof T, pageBytes = DYNAMODB_SCAN_PAGE_BYTES) {
  const pages: { items: T[]; lastEvaluatedKey?: unknown }[] = [];
  let page: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = dynamoItemSize(item);
    if (page.length > 0 && bytes + size > pageBytes) {
      pages.push({ items: page, lastEvaluatedKey: page.at(-1)![key] });
      page = [];
      bytes = 0;
    }
    page.push(item);
    bytes += size;
  }
  pages.push({ items: page });
  return pages;
}

// --- Step Functions -------------------------------------------------------------------------------------------

/** "Maximum input or output size for a task, activity, or state: 256 KiB of data as a UTF-8 encoded string" (Step Functions quotas). */
export const SFN_PAYLOAD_LIMIT_BYTES = 256 * 1024;
/** "Execution history: 25,000 events in a single state machine execution history" (Step Functions quotas). */
export const SFN_HISTORY_LIMIT_EVENTS = 25_000;
/** Names of state machines, executions and activities: 1 to 80 characters (Step Functions quotas, General). */
export const SFN_NAME_MAX = 80;
/** Whitespace, wildcards, brackets, the listed specials and control characters are refused in names (same page). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the service refuses control characters in names, so the rule names them
const SFN_NAME_FORBIDDEN = /[\s?*<>{}[\]"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

export function payloadSize(value: unknown): number {
  return value === undefined ? 0 : utf8(JSON.stringify(value));
}

/** States.DataLimitExceeded: what the service fails an execution with; Catch (States.ALL included) cannot catch it. */
export class DataLimitExceeded extends Error {
  override name = 'States.DataLimitExceeded';
}

export function assertPayloadFits(state: string, direction: 'input' | 'output', value: unknown): number {
  const size = payloadSize(value);
  if (size > SFN_PAYLOAD_LIMIT_BYTES) {
    throw new DataLimitExceeded(
      `The state/task '${state}' returned a result with a size exceeding the maximum number of bytes service limit (${direction} ${size} bytes > ${SFN_PAYLOAD_LIMIT_BYTES})`,
    );
  }
  return size;
}

/** The history an execution is failed with once it passes the limit. */
export class HistoryLimitExceeded extends Error {
  override name = 'States.Runtime';
}

/**
 * How many history events the service writes for one event of aws-local-stepfunctions' stream, by the event
 * types of GetExecutionHistory (HistoryEventType): a Task's entry is TaskStateEntered, TaskScheduled and
 * TaskStarted; its exit TaskSucceeded and TaskStateExited; a retry TaskFailed, TaskScheduled and TaskStarted;
 * a Map adds MapStateStarted/Succeeded and one event per iteration start and end.
 */
export function historyEventsOf(event: { type: string; state?: { type: string } }): number {
  const task = event.state?.type === 'Task';
  const map = event.state?.type === 'Map';
  switch (event.type) {
    case 'ExecutionStarted':
    case 'ExecutionSucceeded':
    case 'ExecutionFailed':
    case 'ExecutionAborted':
    case 'ExecutionTimeout':
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
      return 1;
    case 'StateEntered':
      return task || map ? 3 : 1;
    case 'StateExited':
      return task || map ? 2 : 1;
    case 'StateFailed':
      return task ? 1 : 0;
    case 'StateRetried':
      return task ? 3 : 0;
    default:
      return 0;
  }
}

/** StartExecution's name check: InvalidName, as the service answers. */
export function assertExecutionName(name: string): void {
  if (name.length < 1 || name.length > SFN_NAME_MAX || SFN_NAME_FORBIDDEN.test(name)) {
    throw awsServiceError(
      'InvalidName',
      `Invalid Name: '${name}' (1 to ${SFN_NAME_MAX} characters, none of whitespace ? * < > { } [ ] " # % \\ ^ | ~ \` $ & , ; : / or control characters)`,
    );
  }
}

/** A token bucket as AWS throttles its APIs: `capacity` tokens, refilled at `refillPerSecond`, one per call. */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    readonly capacity: number,
    readonly refillPerSecond: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.at = now;
  }

  take(now: number): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.at) / 1000) * this.refillPerSecond);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * StartExecution for standard workflows (Step Functions quotas, "Quotas related to API action throttling"):
 * bucket 1,300 and refill 300 per second in us-east-1, us-west-2 and eu-west-1; 800 and 150 elsewhere.
 */
export function startExecutionBucket(region: string, now: number): TokenBucket {
  return ['us-east-1', 'us-west-2', 'eu-west-1'].includes(region) ? new TokenBucket(1300, 300, now) : new TokenBucket(800, 150, now);
}

export function throttled(api: string): Error {
  return awsServiceError('ThrottlingException', `Rate exceeded (${api})`);
}

// --- CodeBuild and Jenkins ------------------------------------------------------------------------------------

/**
 * "Concurrently running builds" per compute type: 20 for Linux small/medium in a new account (AWS CodeBuild
 * endpoints and quotas); builds beyond it queue ("Builds in AWS CodeBuild": the queue holds five times the
 * limit; a queued build that does not start within its queue timeout, 8 hours by default, is dropped).
 */
export const CODEBUILD_DEFAULT_CONCURRENT_BUILDS = 20;

/** Slots for running jobs, and a queue in arrival order for the rest (CodeBuild's builds, Jenkins's executors). */
export class JobSlots {
  private readonly running = new Set<string>();
  private readonly queue: string[] = [];
  peakQueued = 0;

  constructor(
    readonly slots: number,
    readonly maxQueued = slots * 5,
  ) {}

  /** 'running' when a slot is free, 'queued' otherwise; a full queue refuses, as StartBuild does (AccountLimitExceededException). */
  admit(id: string): 'running' | 'queued' {
    if (this.running.size < this.slots) {
      this.running.add(id);
      return 'running';
    }
    if (this.queue.length >= this.maxQueued)
      throw awsServiceError('AccountLimitExceededException', `Cannot have more than ${this.maxQueued} builds in queue for the account`);
    this.queue.push(id);
    this.peakQueued = Math.max(this.peakQueued, this.queue.length);
    return 'queued';
  }

  /** A job ended: its slot goes to the first queued job, whose id is returned. */
  release(id: string): string | undefined {
    if (!this.running.delete(id)) {
      const index = this.queue.indexOf(id);
      if (index >= 0) this.queue.splice(index, 1);
      return undefined;
    }
    const next = this.queue.shift();
    if (next !== undefined) this.running.add(next);
    return next;
  }

  get inUse(): number {
    return this.running.size;
  }
}

// --- Slack ----------------------------------------------------------------------------------------------------

/**
 * chat.postMessage: "Special" tier, about 1 message per second per channel, short bursts tolerated (Slack API,
 * Rate limits); beyond it Slack answers HTTP 429 with Retry-After in seconds.
 */
export class ChannelRate {
  private readonly next = new Map<string, number>();

  constructor(readonly intervalMs = 1000) {}

  /** 0 when the message may go now (and it is counted), else the Retry-After in whole seconds. */
  retryAfter(channel: string, now: number): number {
    const free = this.next.get(channel) ?? 0;
    if (now >= free) {
      this.next.set(channel, now + this.intervalMs);
      return 0;
    }
    return Math.max(1, Math.ceil((free - now) / 1000));
  }
}

// --- Docker Hub -----------------------------------------------------------------------------------------------

/**
 * Docker Hub's pull limit (Docker docs, "Docker Hub pull usage and limits"): 100 pulls per hour for an
 * authenticated Personal user, 10 per hour per IPv4 address or IPv6 /64 unauthenticated. A pull is a GET of a
 * manifest; "a HEAD request doesn't count".
 */
export const DOCKER_HUB_PULLS_PER_HOUR = { authenticated: 100, anonymous: 10 } as const;
/**
 * Every other Hub request (the Hub API's tag pages included) counts against the overall limit: per IP, "in the
 * order of thousands of requests per minute" (Docker docs, "Docker Hub usage and limits", Other limits; answered
 * with a plain 429). The docs give no exact figure: the low end of "thousands" is modelled.
 */
export const DOCKER_HUB_API_REQUESTS_PER_MINUTE = 1000;

export class HourlyWindow {
  private readonly times: number[] = [];
  /** The most requests the window ever held: what a team would have needed. */
  peak = 0;
  refused = 0;

  constructor(
    readonly limit: number,
    readonly windowMs = 3_600_000,
  ) {}

  /** Counts one request; false when it is over the limit (the service's 429 TOOMANYREQUESTS). */
  take(now: number): boolean {
    while (this.times.length > 0 && this.times[0]! <= now - this.windowMs) this.times.shift();
    if (this.times.length >= this.limit) {
      this.refused += 1;
      return false;
    }
    this.times.push(now);
    this.peak = Math.max(this.peak, this.times.length);
    return true;
  }
}
