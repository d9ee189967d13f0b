import { z } from 'zod';
import { normaliseError } from '../../../../functions/handlers/lib/stack';
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
    expect(normaliseError(named('ValidationException', 'x', { $fault: 'client', $metadata: { httpStatusCode: 400 } })).name).toBe('ValidationException');
  });

  it('never carries a secret fetched in this process', () => {
    rememberSecret('xoxb-secret-token-value');
    expect(normaliseError(new Error('auth failed for xoxb-secret-token-value')).message).toBe('auth failed for [redacted]');
  });
});
