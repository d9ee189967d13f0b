import { AuthenticationError, TransientError } from '../../../functions/core/errors';
import { backoffDelayMs, translateAwsError, withRetry, type RetryOptions } from '../../../functions/adapters/retry';
import { awsSdkError } from './aws-json-server';

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs?: number,
  ) {
    super(`HTTP ${status}`);
  }
}

function options(overrides: Partial<RetryOptions> = {}) {
  const sleeps: number[] = [];
  return {
    sleeps,
    options: {
      attempts: 4,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      isRetryable: (error: unknown) => error instanceof HttpFailure && error.status >= 500,
      sleep: async (ms: number) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      ...overrides,
    } satisfies RetryOptions,
  };
}

describe('backoffDelayMs', () => {
  it('grows exponentially up to the cap, scaled by the jitter', () => {
    const delays = [0, 1, 2, 3, 4, 5].map((retry) => backoffDelayMs(retry, 100, 1000, () => 0.5));
    expect(delays).toEqual([50, 100, 200, 400, 500, 500]);
  });

  it('never exceeds the capped exponential bound', () => {
    for (let retry = 0; retry < 10; retry += 1) {
      expect(backoffDelayMs(retry, 100, 1000, () => 0.999999)).toBeLessThan(Math.min(1000, 100 * 2 ** retry));
    }
  });
});

describe('withRetry', () => {
  it('retries retryable failures with backoff and returns the first success', async () => {
    const { sleeps, options: retry } = options();
    const attempts: number[] = [];

    const result = await withRetry(async (attempt) => {
      attempts.push(attempt);
      if (attempt < 3) throw new HttpFailure(503);
      return 'ok';
    }, retry);

    expect(result).toBe('ok');
    expect(attempts).toEqual([1, 2, 3]);
    expect(sleeps).toEqual([50, 100]);
  });

  it('throws the last failure when the attempts run out', async () => {
    const { sleeps, options: retry } = options({ attempts: 3 });
    let calls = 0;

    await expect(
      withRetry(async () => {
        calls += 1;
        throw new HttpFailure(500 + calls);
      }, retry),
    ).rejects.toThrow('HTTP 503');
    expect(calls).toBe(3);
    expect(sleeps).toHaveLength(2);
  });

  it('does not retry a failure that is not retryable', async () => {
    const { sleeps, options: retry } = options();
    let calls = 0;

    await expect(
      withRetry(async () => {
        calls += 1;
        throw new HttpFailure(401);
      }, retry),
    ).rejects.toThrow('HTTP 401');
    expect(calls).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('waits as long as the server asked when that is longer than the backoff', async () => {
    const { sleeps, options: retry } = options({
      isRetryable: (error) => error instanceof HttpFailure && error.status === 429,
      requestedDelayMs: (error) => (error as HttpFailure).retryAfterMs,
    });
    let calls = 0;

    await withRetry(async () => {
      calls += 1;
      if (calls === 1) throw new HttpFailure(429, 2000);
      if (calls === 2) throw new HttpFailure(429, 1);
      return 'ok';
    }, retry);

    expect(sleeps).toEqual([2000, 100]);
  });

  it('refuses an attempt count that is not a whole number of at least 1', async () => {
    const { options: retry } = options({ attempts: 0 });
    await expect(withRetry(async () => 'never', retry)).rejects.toThrow('retry attempts must be a whole number of at least 1, got 0');
  });
});

describe('translateAwsError', () => {
  it.each([
    ['ThrottlingException', 400],
    ['ProvisionedThroughputExceededException', 400],
    ['TooManyRequestsException', 429],
    ['InternalServerError', 500],
    ['ServiceUnavailable', 503],
    ['TimeoutError', 0],
  ])('treats %s (HTTP %s) as transient', (name, status) => {
    const original = awsSdkError(name, status);
    const translated = translateAwsError(original, 'EKS DescribeCluster turbo-alice');
    expect(translated).toBeInstanceOf(TransientError);
    expect(translated.cause).toBe(original);
    expect(translated.message).toContain(`EKS DescribeCluster turbo-alice failed after the SDK's retries (${name}`);
  });

  it('treats network failures as transient', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(translateAwsError(reset, 'DynamoDB GetItem')).toBeInstanceOf(TransientError);
  });

  it.each(['AccessDeniedException', 'UnrecognizedClientException', 'ExpiredTokenException'])(
    'treats %s as an authentication failure',
    (name) => {
      const original = awsSdkError(name, 400);
      const translated = translateAwsError(original, 'SSM GetParameter /turbo/slack');
      expect(translated).toBeInstanceOf(AuthenticationError);
      expect(translated.cause).toBe(original);
      expect(translated.message).toBe(`SSM GetParameter /turbo/slack was refused (${name}, HTTP 400: ${name} happened)`);
    },
  );

  it('keeps any other failure as a plain error that says what was attempted and keeps the cause', () => {
    const original = awsSdkError('ValidationException', 400);
    const translated = translateAwsError(original, 'DynamoDB UpdateItem');
    expect(translated).not.toBeInstanceOf(TransientError);
    expect(translated).not.toBeInstanceOf(AuthenticationError);
    expect(translated.message).toBe('DynamoDB UpdateItem failed (ValidationException, HTTP 400: ValidationException happened)');
    expect(translated.cause).toBe(original);
  });
});
