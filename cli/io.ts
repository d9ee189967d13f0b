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
