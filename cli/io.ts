/** What every command shares with the dispatcher (cli/main.ts): where it writes, and how it reports a usage mistake. */

/** Where a command writes, and the folder it resolves relative paths against. Tests pass their own. */
export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
}

export const processIo: CommandIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  cwd: process.cwd(),
};

/** A mistake in the command line itself: reported with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A whole-number flag from 1 to `max`, or `fallback` when it is not given; anything else is a UsageError. */
export function wholeNumberFlag(flag: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > max)
    throw new UsageError(`--${flag} must be a whole number from 1 to ${max}, got ${JSON.stringify(value)}`);
  return number;
}
