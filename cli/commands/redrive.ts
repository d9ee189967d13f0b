/**
 * `turbo redrive --stage <stage> <execution ARN or name>`: RedriveExecution resumes a failed, timed-out or aborted
 * run from the step that failed, with the same input and ARN (every step is idempotent, so nothing is done twice).
 * A name is one of the environment machine's executions (a run ID such as alice-up-20261124).
 */
import { RedriveExecutionCommand } from '@aws-sdk/client-sfn';
import { executionArnOf } from '../../functions/adapters/stepfunctions';
import { awsErrorName } from '../../functions/adapters/retry';
import { StageFailure } from '../aws';
import { UsageError, type CommandIo } from '../io';
import { parseStageArgs, runOnStage } from './stage';

const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[A-Za-z0-9_-]{1,80}:[A-Za-z0-9_-]{1,80}$/;
const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;

export async function run(argv: string[], io: CommandIo): Promise<number> {
  const { positionals, flags } = parseStageArgs(argv, {}, ['<execution ARN or name>']);
  const target = positionals[0]!;
  const isArn = target.startsWith('arn:');
  if (isArn ? !EXECUTION_ARN.test(target) : !EXECUTION_NAME.test(target)) {
    throw new UsageError(
      `"${target}" is neither an execution ARN (arn:aws:states:<region>:<account>:execution:<machine>:<name>) nor an execution name`,
    );
  }
  return runOnStage('redrive', flags, io, async (stage) => {
    const machines = await stage.machines();
    const executionArn = isArn ? target : executionArnOf(machines.environment, target);
    // An ARN from another stage or app is refused: --stage says which runs this command may touch.
    if (!Object.values(machines).some((machine) => executionArn.startsWith(executionArnOf(machine, '')))) {
      throw new StageFailure(
        `${target} is not an execution of ${stage.describe()} (${stage.names.environmentMachine} or ${stage.names.reconcileMachine})`,
      );
    }
    try {
      const { redriveDate } = await stage.sfn.send(new RedriveExecutionCommand({ executionArn }));
      io.stdout(`Redriven ${executionArn} at ${redriveDate?.toISOString() ?? 'now'}: it resumes from the step that failed.\n`);
      return 0;
    } catch (error) {
      const name = awsErrorName(error);
      if (name === 'ExecutionNotRedrivable') throw new StageFailure(`${target} cannot be redriven: ${(error as Error).message}`);
      if (name === 'ExecutionDoesNotExist') throw new StageFailure(`there is no execution ${target} in ${stage.describe()}`);
      throw error;
    }
  });
}
