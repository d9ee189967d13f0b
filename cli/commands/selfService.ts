/**
 * `turbo up|down <developer>`, `turbo keep <developer> --until HH:MM`, `turbo skip <developer> --date YYYY-MM-DD`:
 * the same work as `/turbo` in Slack (core/slackRequest resolves the request, core/selfService decides: audit entry,
 * keep capped by maxKeepUntil in the developer's zone, manual run IDs, the reconcile Map's input), done as the
 * IAM identity that runs the CLI: the audit entry says `cli:<caller ARN>`.
 */
import type { EnvironmentRunRequest } from '../../functions/core/types';
import { CLOCK_TIME } from '../../functions/core/clock';
import { resolveRequest, type TurboCommand } from '../../functions/core/slackRequest';
import { UsageError, type CommandIo } from '../io';
import { parseDateFlag } from '../flags';
import { environmentRuns } from '../../functions/handlers/lib/root';
import { performSelfService } from '../../functions/handlers/lib/selfService';
import { parseStageArgs, runOnStage } from './stage';

type Verb = 'up' | 'down' | 'keep' | 'skip';

/** The request in the words of the Slack grammar, from the command line. */
function commandOf(verb: Verb, values: { until?: string; date?: string }): TurboCommand {
  switch (verb) {
    case 'keep':
      if (values.until === undefined || !CLOCK_TIME.test(values.until)) {
        throw new UsageError(`--until needs a 24-hour time HH:MM, got ${values.until === undefined ? 'none' : `"${values.until}"`}`);
      }
      return { verb, until: values.until };
    case 'skip':
      return { verb, when: { date: parseDateFlag('--date', values.date) } };
    default:
      return { verb };
  }
}

const OWN_OPTIONS: Record<Verb, Record<string, { type: 'string' }>> = {
  up: {},
  down: {},
  keep: { until: { type: 'string' } },
  skip: { date: { type: 'string' } },
};

async function selfService(verb: Verb, argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals, flags } = parseStageArgs(argv, OWN_OPTIONS[verb], ['<developer>']);
  const command = commandOf(verb, values as { until?: string; date?: string });
  const now = new Date();
  return runOnStage(verb, flags, io, async (stage) => {
    const developer = stage.developer(positionals[0]!);
    const resolution = resolveRequest(stage.config, developer, command, now);
    if (!resolution.ok) {
      io.stderr(`turbo ${verb}: ${resolution.message}\n`);
      return 1;
    }
    // up and down start an execution: the machine is found first, so that a wrong stage changes nothing.
    if (verb === 'up' || verb === 'down') await stage.machines();
    const runs = {
      start: async (run: EnvironmentRunRequest) => environmentRuns((await stage.machines()).environment, stage.region).start(run),
    };
    const task = {
      developer: developer.name,
      request: resolution.request,
      requestedBy: `cli:${await stage.callerArn()}`,
      requestedAt: now.toISOString(),
    };
    const result = await performSelfService(task, { config: stage.config, store: stage.store, runs });
    io.stdout(`${result.message}\n`);
    if (result.executionArn) {
      io.stdout(
        result.outcome === 'already'
          ? `Execution ${result.executionArn} already exists: nothing new was started.\n`
          : `Execution ${result.executionArn}\n`,
      );
    }
    return result.outcome === 'refused' ? 1 : 0;
  });
}

const command = (verb: Verb) => ({ run: (argv: string[], io: CommandIo) => selfService(verb, argv, io) });

export const up = command('up');
export const down = command('down');
export const keep = command('keep');
export const skip = command('skip');
