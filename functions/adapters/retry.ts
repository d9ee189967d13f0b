/**
 * What is safe to retry, and how.
 * - `withRetry`: bounded exponential backoff with full jitter, for HTTP adapters whose client does not retry itself.
 * - `translateAwsError`: AWS SDK clients retry throttling, 5xx and network failures on their own; what survives
 *   those retries is turned into the port errors that the state machines route on.
 */
import { AuthenticationError, TransientError } from '../core/errors';

/** A failure worth another attempt inside an adapter (429, 5xx, a reset connection, a timeout), with the wait the server asked for. */
export class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface RetryOptions {
  /** Attempts in all, the first one included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Failures that may be retried; any other failure is thrown at once. */
  isRetryable: (error: unknown) => boolean;
  /** The wait the server asked for (e.g. a Retry-After header), honoured when longer than the backoff. */
  requestedDelayMs?: (error: unknown) => number | undefined;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Full jitter (a random wait up to base * 2^retry, capped): retries of many callers spread out instead of colliding. */
export function backoffDelayMs(retry: number, baseDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** retry));
}

/** Runs `operation` until it succeeds, fails for good, or runs out of attempts; then throws the last failure. */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  if (!Number.isInteger(options.attempts) || options.attempts < 1) {
    throw new RangeError(`retry attempts must be a whole number of at least 1, got ${options.attempts}`);
  }
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= options.attempts || !options.isRetryable(error)) throw error;
      const backoff = backoffDelayMs(attempt - 1, options.baseDelayMs, options.maxDelayMs, options.random);
      await sleep(Math.max(backoff, options.requestedDelayMs?.(error) ?? 0));
    }
  }
}

interface AwsSdkError {
  name?: string;
  message?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

const AUTHENTICATION_ERRORS = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'MissingAuthenticationTokenException',
  'CredentialsProviderError',
]);

const THROTTLING_ERRORS = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);

const TIMEOUT_ERRORS = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
/** Server-side failures, by name, for errors that arrive without their HTTP metadata. */
const SERVER_ERRORS = new Set([
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalServerError',
  'InternalServerException',
  'InternalFailure',
]);
const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export function awsErrorName(error: unknown): string {
  return (error as AwsSdkError | undefined)?.name ?? 'UnknownError';
}

/** Throttling, a timeout, a network failure or a server fault: worth another try later. */
export function isTransientAwsError(error: AwsSdkError): boolean {
  const status = error.$metadata?.httpStatusCode ?? 0;
  return (
    THROTTLING_ERRORS.has(error.name ?? '') ||
    TIMEOUT_ERRORS.has(error.name ?? '') ||
    SERVER_ERRORS.has(error.name ?? '') ||
    NETWORK_ERROR_CODES.has(error.code ?? '') ||
    error.$fault === 'server' ||
    status === 429 ||
    status >= 500
  );
}

/**
 * The port error for an AWS failure that the SDK's own retries did not cure.
 * `doing` says what was attempted, e.g. `CodeBuild StartBuild on project turbo-terraform`.
 */
export function translateAwsError(error: unknown, doing: string): Error {
  const sdkError = (error ?? {}) as AwsSdkError;
  const name = awsErrorName(error);
  const status = sdkError.$metadata?.httpStatusCode;
  const detail = `${name}${status ? `, HTTP ${status}` : ''}: ${sdkError.message ?? String(error)}`;
  if (AUTHENTICATION_ERRORS.has(name)) {
    return new AuthenticationError(`${doing} was refused (${detail})`, { cause: error });
  }
  if (isTransientAwsError(sdkError)) {
    return new TransientError(`${doing} failed after the SDK's retries (${detail})`, { cause: error });
  }
  return new Error(`${doing} failed (${detail})`, { cause: error });
}
