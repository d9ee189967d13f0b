/**
 * The `turbo` command: a table of sub-commands and a dispatcher. Each command lives in cli/commands/ and is
 * loaded only when it runs, so that `turbo validate` never pays for what `turbo rehearse` imports.
 */

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

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], io: CommandIo): Promise<number>;
}

/**
 * A command module exports `run`; it is required only when its command runs. (`require`, not `import()`:
 * these files are CommonJS, and tsx and jest both resolve extensionless requires of .ts files.)
 */
type CommandModule = { run(argv: string[], io: CommandIo): Promise<number> };
const lazy = (load: () => CommandModule) => (argv: string[], io: CommandIo) => load().run(argv, io);

/** The flags of every command on a deployed stage (cli/commands/stage.ts). */
const STAGE = '--stage <stage> [--config <file>] [--region <region>]';
type SelfService = (typeof import('./commands/selfService'))['up'];

const commands: Command[] = [
  { name: 'validate', summary: 'Check a config file and list every problem', usage: 'turbo validate [file]   (default: turbo.config.yml, else turbo.config.example.yml)', run: lazy((): typeof import('./commands/validate') => require('./commands/validate')) },
  { name: 'rehearse', summary: 'Run a whole working day of the packaged state machines locally, on the in-memory cloud', usage: 'turbo rehearse [--config <file>] [--date YYYY-MM-DD] [--developers N] [--fail dev:point ...] [--runner memory|jenkins --jenkins-url <url> [--pace real|virtual]] [--push frontend:<tag>] [--out <dir>] [--quiet] [--verbose]', run: lazy((): typeof import('./commands/rehearse') => require('./commands/rehearse')) },
  { name: 'plan', summary: 'Show what reconcile would start at a given time (locally: no records, no clusters)', usage: 'turbo plan [--at <ISO instant>] [--config <file>] [--json]', run: lazy((): typeof import('./commands/plan') => require('./commands/plan')) },
  { name: 'cost', summary: 'Show each developer\'s cluster cost per working day or week, and the savings against always-on', usage: 'turbo cost [--week] [--config <file>]', run: lazy((): typeof import('./commands/cost') => require('./commands/cost')) },
  { name: 'status', summary: 'Show every developer\'s environment on a deployed stage', usage: `turbo status ${STAGE}`, run: lazy((): typeof import('./commands/status') => require('./commands/status')) },
  { name: 'up', summary: 'Start a developer\'s cluster now, as `/turbo up` does', usage: `turbo up <developer> ${STAGE}`, run: lazy((): SelfService => require('./commands/selfService').up) },
  { name: 'down', summary: 'Destroy a developer\'s cluster now, as `/turbo down` does', usage: `turbo down <developer> ${STAGE}`, run: lazy((): SelfService => require('./commands/selfService').down) },
  { name: 'keep', summary: 'Keep a developer\'s cluster until a local time today (capped by maxKeepUntil)', usage: `turbo keep <developer> --until HH:MM ${STAGE}`, run: lazy((): SelfService => require('./commands/selfService').keep) },
  { name: 'skip', summary: 'No cluster for a developer on a date', usage: `turbo skip <developer> --date YYYY-MM-DD ${STAGE}`, run: lazy((): SelfService => require('./commands/selfService').skip) },
  { name: 'runs', summary: 'List the environment runs of a stage, optionally as an HTML report', usage: `turbo runs [--failed] [--limit N] [--report <file.html>] ${STAGE}`, run: lazy((): typeof import('./commands/runs') => require('./commands/runs')) },
  { name: 'redrive', summary: 'Resume a failed run from the step that failed', usage: `turbo redrive <execution ARN or name> ${STAGE}`, run: lazy((): typeof import('./commands/redrive') => require('./commands/redrive')) },
  { name: 'soak', summary: 'Rehearse weeks for a generated roster inside AWS\'s documented limits, checking the invariants every simulated hour', usage: 'turbo soak [--days 30] [--developers 200] [--seed N] [--fault-rate 0.02] [--start YYYY-MM-DD] [--config <file>] [--out <dir>]', run: lazy((): typeof import('./commands/soak') => require('./commands/soak')) },
  { name: 'faults', summary: 'Rehearse the day once per fault (apply, hang, cluster, deploy, runner, Slack, claim race, Lambda, destroy), redrive, and tabulate', usage: 'turbo faults [--config <file>] [--date YYYY-MM-DD] [--target <developer>] [--only <fault> ...]', run: lazy((): typeof import('./commands/faults') => require('./commands/faults')) },
];

function usage(): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  const lines = commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return ['Usage: turbo <command> [options]', '', 'Commands:', ...lines, '', 'Run `turbo <command> --help` for its options.', ''].join('\n');
}

const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h';
/** node:util parseArgs reports bad flags with these codes (checked by code: its TypeError may come from another realm). */
const isParseArgsError = (error: unknown) => String((error as { code?: unknown } | undefined)?.code).startsWith('ERR_PARSE_ARGS');

/** Runs one command line (without `node` and the script) and returns the exit code. */
export async function main(argv: string[], io: CommandIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(usage());
    return 2;
  }
  if (isHelp(name) || name === 'help') {
    io.stdout(usage());
    return 0;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    io.stderr(`turbo: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  if (rest.some(isHelp)) {
    io.stdout(`${command.summary}\n\nUsage: ${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.stderr(`turbo ${name}: ${(error as Error).message}\nUsage: ${command.usage}\n`);
      return 2;
    }
    throw error;
  }
}
