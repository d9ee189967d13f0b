/**
 * What the commands on a deployed stage share: the --stage, --config and --region flags, opening the stage, and
 * one line on stderr for any failure (exit 1). A mistake in the command line is a usage error (exit 2).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { describeFailure, openStage, type Stage } from '../aws';
import { UsageError, type CommandIo } from '../io';
import { loadValidConfig } from './validate';

export const STAGE_OPTIONS = {
  stage: { type: 'string' },
  config: { type: 'string' },
  region: { type: 'string' },
} as const;

const STAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,39}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses the stage flags plus the command's own; `positionals` names the arguments the command expects.
 * `flags` is what runOnStage takes.
 */
export function parseStageArgs<Own extends Options>(argv: string[], own: Own, positionals: string[] = []) {
  const parsed = parseArgs({ args: argv, options: { ...STAGE_OPTIONS, ...own }, strict: true, allowPositionals: true });
  const { stage, region, config } = parsed.values as { stage?: string; region?: string; config?: string };
  if (stage === undefined) throw new UsageError('--stage <stage> is required (the stage the stack was deployed with, e.g. dev)');
  if (!STAGE_NAME.test(stage)) throw new UsageError(`--stage "${stage}" is not a stage name (letters, digits and hyphens)`);
  if (region !== undefined && !REGION.test(region)) throw new UsageError(`--region "${region}" is not an AWS region such as eu-west-1`);
  if (parsed.positionals.length < positionals.length) throw new UsageError(`expects ${positionals.join(' ')}`);
  if (parsed.positionals.length > positionals.length) {
    throw new UsageError(
      `unexpected argument${parsed.positionals.length - positionals.length > 1 ? 's' : ''} ${parsed.positionals.slice(positionals.length).join(' ')}`,
    );
  }
  return { values: parsed.values, positionals: parsed.positionals, flags: { stage, region, config } };
}

/**
 * Loads the config, opens the stage and runs `body` on it. Failures become one line naming the command; a
 * usage error raised by `body` still reaches the dispatcher, which prints the usage.
 */
export async function runOnStage(
  command: string,
  flags: { stage: string; config?: string; region?: string },
  io: CommandIo,
  body: (stage: Stage) => Promise<number>,
): Promise<number> {
  const loaded = await loadValidConfig(flags.config, io);
  if (!loaded) return 1;
  const stage = openStage(flags.stage, flags.region, loaded.config);
  try {
    return await body(stage);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    io.stderr(`turbo ${command}: ${describeFailure(error, stage)}\n`);
    return 1;
  }
}
