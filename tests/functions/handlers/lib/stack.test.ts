import { z } from 'zod';
import type { Context } from 'aws-lambda';
import { lambda, logger, normaliseError } from '../../../../functions/handlers/lib/stack';
import { bindDeps, type Deps } from '../../../../functions/handlers/lib/deps';
import { TransientError } from '../../../../functions/core/errors';
import { rememberSecret } from '../../../../functions/handlers/lib/redact';

const named = (name: string, message = 'boom', extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { name }, extra);

describe('normaliseError: the error names the state machines route on', () => {
  it('turns invalid input into Turbo.InvalidInput naming the field', () => {
    const parsed = z.object({ developer: z.string() }).safeParse({ developer: 42 });
    expect(normaliseError(parsed.error)).toMatchObject({ name: 'Turbo.InvalidInput', message: expect.stringContaining('developer:') });
  });

  it('names retryable SDK failures Turbo.TransientError, by name, by fault or by status', () => {
    expect(normaliseError(named('ThrottlingException')).name).toBe('Turbo.TransientError');
    expect(normaliseError(named('InternalServerError')).name).toBe('Turbo.TransientError');
    expect(normaliseError(named('SomethingOdd', 'x', { $fault: 'server' })).name).toBe('Turbo.TransientError');
    expect(normaliseError(named('SomethingOdd', 'x', { $metadata: { httpStatusCode: 503 } })).name).toBe('Turbo.TransientError');
  });

  it('keeps Turbo errors and other errors by their own name', () => {
    expect(normaliseError(named('Turbo.JobFailed')).name).toBe('Turbo.JobFailed');
    expect(normaliseError(named('ValidationException', 'x', { $fault: 'client', $metadata: { httpStatusCode: 400 } })).name).toBe(
      'ValidationException',
    );
  });

  it('never carries a secret fetched in this process', () => {
    rememberSecret('xoxb-secret-token-value');
    expect(normaliseError(new Error('auth failed for xoxb-secret-token-value')).message).toBe('auth failed for [redacted]');
  });
});

describe('lambda: a failed step logs the real error', () => {
  it('logs the stack and the chain of causes, redacted, and returns only the routed name and message', async () => {
    rememberSecret('ghp-cause-secret-123');
    bindDeps(async () => ({ notifier: {} }) as unknown as Deps);
    const printed: string[] = [];
    logger.setLogLevel('INFO');
    const capture = (chunk: unknown) => void printed.push(String(chunk));
    const spies = [
      jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (capture(chunk), true)),
      jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (capture(chunk), true)),
    ];
    const socket = Object.assign(new Error('connect ECONNRESET 10.0.0.1:443 token=ghp-cause-secret-123'), { name: 'SocketError' });
    const handler = lambda('Probe', z.object({}), {}, async () => {
      throw new TransientError("CodeBuild StartBuild failed after the SDK's retries", { cause: socket });
    });
    let thrown: Error | undefined;
    try {
      await handler({}, { functionName: 'probe', awsRequestId: 'r1' } as Context);
    } catch (error) {
      thrown = error as Error;
    } finally {
      for (const spy of spies) spy.mockRestore();
      logger.setLogLevel('SILENT');
    }
    expect(thrown).toMatchObject({ name: 'Turbo.TransientError', message: "CodeBuild StartBuild failed after the SDK's retries" });
    const line = JSON.parse(printed.find((text) => text.includes('Probe failed'))!);
    expect(line.error).toMatchObject({
      name: 'Turbo.TransientError',
      stack: expect.stringContaining('stack.test.ts'),
      cause: {
        name: 'SocketError',
        message: 'connect ECONNRESET 10.0.0.1:443 token=[redacted]',
        stack: expect.stringContaining('stack.test.ts'),
      },
    });
    expect(printed.join('\n')).not.toContain('ghp-cause-secret-123');
  });
});
