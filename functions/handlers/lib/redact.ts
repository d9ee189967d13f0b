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
