/**
 * Secret values fetched in this process are remembered here, so that no error message or log line carries one,
 * whatever a library put into it.
 */
const secrets = new Set<string>();

export function rememberSecret(value: string): void {
  if (value.length >= 6) secrets.add(value);
}

export function redactKnownSecrets(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
}

/** How deep a chain of causes is logged: deep enough for adapter → SDK → socket, bounded against cycles. */
const MAX_CAUSES = 5;

export interface LoggedError {
  name: string;
  message: string;
  stack?: string;
  cause?: LoggedError;
}

/** An error as it may be logged: name, message, stack and its chain of causes, each with every known secret redacted. */
export function redactedError(error: unknown, depth = 0): LoggedError {
  const source = error instanceof Error ? error : new Error(String(error));
  const logged: LoggedError = { name: source.name, message: redactKnownSecrets(source.message) };
  if (source.stack) logged.stack = redactKnownSecrets(source.stack);
  if (source.cause !== undefined && depth < MAX_CAUSES) logged.cause = redactedError(source.cause, depth + 1);
  return logged;
}
