/**
 * The `turbo` command: a table of sub-commands and a dispatcher. Each command lives in cli/commands/ and is
 * loaded only when it runs, so that `turbo validate` never pays for what `turbo rehearse` imports.
 */

import { type CommandIo, processIo, UsageError } from './io';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Every flag of the command (as written in `usage`) and what it does, with its default. */
  options: Record<string, string>;
  /** More lines for `--help`, loaded only then (the fault points, which live with the in-memory cloud). */
  more?: () => string[];
  run(argv: string[], io: CommandIo): Promise<number>;
}

/**
 * A command module exports `run`; it is required only when its command runs. (`require`, not `import()`:
 * these files are CommonJS, and tsx and jest both resolve extensionless requires of .ts files.)
 */
type CommandModule = { run(argv: string[], io: CommandIo): Promise<number> };
const lazy = (load: () => CommandModule) => (argv: string[], io: CommandIo) => load().run(argv, io);

const CONFIG_DEFAULT = 'default: turbo.config.yml or turbo.config.yaml, else turbo.config.example.yml';
const CONFIG = { '--config <file>': `the roster and settings (${CONFIG_DEFAULT})` };
const DATE = { '--date YYYY-MM-DD': "the day to rehearse (default: the team's next working day)" };
/** The flags of every command on a deployed stage (cli/commands/stage.ts). */
const STAGE = '--stage <stage> [--config <file>] [--region <region>]';
const STAGE_OPTIONS = {
  '--stage <stage>': 'the stage the stack was deployed with, e.g. prod (required)',
  ...CONFIG,
  '--region <region>': "the stack's region (default: AWS_REGION, else the config's region)",
};
type SelfService = typeof import('./commands/selfService')['up'];

/** One line per fault point of `--fail`, from the in-memory cloud's own list. */
function faultPoints(): string[] {
  const { FAULT_POINTS } = require('../functions/adapters/memory/cloud') as typeof import('../functions/adapters/memory/cloud');
  return ['Fault points (--fail developer:point):', ...FAULT_POINTS.map((point) => `  ${point}`)];
}

function faultCases(): string[] {
  const { FAULT_CASES } = require('./faults') as typeof import('./faults');
  const width = Math.max(...FAULT_CASES.map((faultCase) => faultCase.inject.length));
  return ['Faults (--only <fault>):', ...FAULT_CASES.map((faultCase) => `  ${faultCase.inject.padEnd(width)}  ${faultCase.fault}`)];
}

export const commands: Command[] = [
  {
    name: 'validate',
    summary: 'Check a config file and list every problem',
    usage: 'turbo validate [file]',
    options: { '[file]': `the config to check (${CONFIG_DEFAULT})` },
    run: lazy((): typeof import('./commands/validate') => require('./commands/validate')),
  },
  {
    name: 'rehearse',
    summary: 'Run a whole working day of the packaged state machines locally, on the in-memory cloud',
    usage:
      'turbo rehearse [--config <file>] [--date YYYY-MM-DD] [--developers N] [--quota N] [--fail dev:point ...] [--runner memory|jenkins --jenkins-url <url> [--pace real|virtual]] [--push frontend:<tag>] [--out <dir>] [--quiet] [--verbose]',
    options: {
      ...CONFIG,
      ...DATE,
      '--developers N': "a made-up roster of N developers (1 to 10000) over five time zones (default: the config's roster)",
      '--quota N': "the runner's concurrent jobs: what if CodeBuild's quota were N (default: runner.maxConcurrentJobs)",
      '--fail dev:point ...': 'inject a fault for a developer; repeatable (default: none; the points are below)',
      '--runner memory|jenkins': 'where jobs run (default: memory, the in-memory cloud)',
      '--jenkins-url <url>': 'the Jenkins of --runner jenkins (JENKINS_USER and JENKINS_TOKEN in the environment)',
      '--pace real|virtual': 'how waits on jobs pass (default: real with --runner jenkins, else virtual)',
      '--push frontend:<tag>': 'push that tag (or mongo:<tag>) once everyone is ready, and roll it out (default: none)',
      '--out <dir>': 'where the outbox, summary, timeline, report and metrics go (default: .turbo/rehearsal)',
      '--quiet': 'no live progress, only the summary (default: off)',
      '--verbose': "the handlers' Powertools logs too (default: off)",
    },
    more: faultPoints,
    run: lazy((): typeof import('./commands/rehearse') => require('./commands/rehearse')),
  },
  {
    name: 'plan',
    summary: 'Show what reconcile would start at a given time (locally: no records, no clusters)',
    usage: 'turbo plan [--at <ISO instant>] [--config <file>] [--json]',
    options: {
      '--at <ISO instant>': 'the moment, with its zone, e.g. 2026-11-24T07:45:00Z (default: now)',
      ...CONFIG,
      '--json': 'the plan as JSON (default: a table)',
    },
    run: lazy((): typeof import('./commands/plan') => require('./commands/plan')),
  },
  {
    name: 'cost',
    summary: "Show each developer's cluster cost per working day or week, and the savings against always-on",
    usage: 'turbo cost [--week] [--on <YYYY-MM-DD>] [--config <file>] [--stage <stage> [--region <region>]]',
    options: {
      '--week': 'per working week (default: per working day)',
      '--on <YYYY-MM-DD>': 'the day whose prices (and, with --stage, whose plan) to use (default: today)',
      ...STAGE_OPTIONS,
      '--stage <stage>': "price the hours the planner expects that day from the stage's records (default: the schedule's hours)",
    },
    run: lazy((): typeof import('./commands/cost') => require('./commands/cost')),
  },
  {
    name: 'status',
    summary: "Show every developer's environment on a deployed stage",
    usage: `turbo status ${STAGE}`,
    options: STAGE_OPTIONS,
    run: lazy((): typeof import('./commands/status') => require('./commands/status')),
  },
  {
    name: 'up',
    summary: "Start a developer's cluster now, as `/turbo up` does",
    usage: `turbo up <developer> ${STAGE}`,
    options: { '<developer>': 'a name from the roster', ...STAGE_OPTIONS },
    run: lazy((): SelfService => require('./commands/selfService').up),
  },
  {
    name: 'down',
    summary: "Destroy a developer's cluster now, as `/turbo down` does",
    usage: `turbo down <developer> ${STAGE}`,
    options: { '<developer>': 'a name from the roster', ...STAGE_OPTIONS },
    run: lazy((): SelfService => require('./commands/selfService').down),
  },
  {
    name: 'keep',
    summary: "Keep a developer's cluster until a local time today (capped by maxKeepUntil)",
    usage: `turbo keep <developer> --until HH:MM ${STAGE}`,
    options: {
      '<developer>': 'a name from the roster',
      '--until HH:MM': "the developer's local time (required; at most maxKeepUntil)",
      ...STAGE_OPTIONS,
    },
    run: lazy((): SelfService => require('./commands/selfService').keep),
  },
  {
    name: 'skip',
    summary: 'No cluster for a developer on a date',
    usage: `turbo skip <developer> --date YYYY-MM-DD ${STAGE}`,
    options: { '<developer>': 'a name from the roster', '--date YYYY-MM-DD': 'the day without a cluster (required)', ...STAGE_OPTIONS },
    run: lazy((): SelfService => require('./commands/selfService').skip),
  },
  {
    name: 'runs',
    summary: 'List the environment runs of a stage, optionally as an HTML report',
    usage: `turbo runs [--failed] [--limit N] [--report <file.html>] ${STAGE}`,
    options: {
      '--failed': 'only the failed runs (default: all)',
      '--limit N': 'at most N runs, newest first (default: 50, at most 1000)',
      '--report <file.html>': 'also write them as an HTML timeline (default: none)',
      ...STAGE_OPTIONS,
    },
    run: lazy((): typeof import('./commands/runs') => require('./commands/runs')),
  },
  {
    name: 'redrive',
    summary: 'Resume a failed run from the step that failed',
    usage: `turbo redrive <execution ARN or name> ${STAGE}`,
    options: { '<execution ARN or name>': 'e.g. alice-up-20261124, or its ARN', ...STAGE_OPTIONS },
    run: lazy((): typeof import('./commands/redrive') => require('./commands/redrive')),
  },
  {
    name: 'soak',
    summary: "Rehearse weeks for a generated roster inside AWS's documented limits, checking the invariants every simulated hour",
    usage:
      'turbo soak [--days 30] [--developers 200] [--quota N] [--seed N] [--fault-rate 0.02] [--start YYYY-MM-DD] [--config <file>] [--out <dir>]',
    options: {
      '--days N': 'how many consecutive days (default: 30)',
      '--developers N': 'the size of the generated roster, over at least five time zones (default: 200)',
      '--quota N': "the runner's concurrent jobs, as a team of that size would raise it (default: runner.maxConcurrentJobs)",
      '--seed N': 'makes the soak repeatable (default: 1)',
      '--fault-rate F': 'the chance of a fault at each port call, 0 to 1; failed runs are redriven later (default: 0)',
      '--start YYYY-MM-DD': 'the first day (default: 2027-03-01, a Monday before the DST changes)',
      ...CONFIG,
      '--out <dir>': 'where soak.json and report.html go (default: .turbo/soak)',
    },
    run: lazy((): typeof import('./commands/soak') => require('./commands/soak')),
  },
  {
    name: 'dlq',
    summary: 'List the failed asynchronous work in the dead-letter queue, or replay it with --redrive',
    usage: `turbo dlq [--redrive] ${STAGE}`,
    options: { '--redrive': 'replay each message, deleting it only after the replay succeeded (default: list only)', ...STAGE_OPTIONS },
    run: lazy((): typeof import('./commands/dlq') => require('./commands/dlq')),
  },
  {
    name: 'faults',
    summary:
      'Rehearse the day once per fault (apply, hang, cluster, deploy, runner, Slack, claim race, Lambda, destroy), redrive, and tabulate',
    usage: 'turbo faults [--config <file>] [--date YYYY-MM-DD] [--target <developer>] [--only <fault> ...]',
    options: {
      ...CONFIG,
      ...DATE,
      '--target <developer>': 'whom the faults hit (default: the second developer of the roster, else the first)',
      '--only <fault> ...': 'run only these faults; repeatable (default: every fault below)',
    },
    more: faultCases,
    run: lazy((): typeof import('./commands/faults') => require('./commands/faults')),
  },
];

/** `turbo <command> --help`: the summary, the usage line, every flag with its default, and any more lines. */
export function commandHelp(command: Command): string {
  const width = Math.max(...Object.keys(command.options).map((flag) => flag.length));
  const options = Object.entries(command.options).map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`);
  return [
    `${command.summary}`,
    '',
    `Usage: ${command.usage}`,
    '',
    'Options:',
    ...options,
    ...(command.more ? ['', ...command.more()] : []),
    '',
  ].join('\n');
}

function version(): string {
  return (require('../package.json') as { version: string }).version;
}

function usage(): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  const lines = commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return [
    'Usage: turbo <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `turbo <command> --help` for its options; `turbo --version` for the version.',
    '',
  ].join('\n');
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
  if (name === '--version' || name === '-v') {
    io.stdout(`turbo ${version()}\n`);
    return 0;
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
    io.stdout(commandHelp(command));
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
