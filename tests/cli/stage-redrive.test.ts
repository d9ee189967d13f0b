import { ExecutionDoesNotExist, ExecutionNotRedrivable, RedriveExecutionCommand } from '@aws-sdk/client-sfn';
import { deployDevStage, executionArn, sfn, turbo } from './stage-fixtures';

beforeEach(() => {
  deployDevStage();
  sfn.on(RedriveExecutionCommand).resolves({ redriveDate: new Date('2026-11-24T09:12:00.000Z') });
});

describe('turbo redrive', () => {
  it('resolves a name to the environment machine’s execution and redrives it', async () => {
    const result = await turbo(['redrive', 'bob-up-20261124', '--stage', 'dev']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `Redriven ${executionArn('bob-up-20261124')} at 2026-11-24T09:12:00.000Z: it resumes from the step that failed.\n`,
    );
    expect(sfn).toHaveReceivedCommandTimes(RedriveExecutionCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(RedriveExecutionCommand, { executionArn: executionArn('bob-up-20261124') });
  });

  it('takes an ARN of either of the stage’s machines as it is', async () => {
    const reconcileRun = executionArn('c0ffee00-1111-2222-3333-444455556666', 'turbo-dev-reconcile');
    const result = await turbo(['redrive', reconcileRun, '--stage', 'dev']);
    expect(result.code).toBe(0);
    expect(sfn).toHaveReceivedCommandWith(RedriveExecutionCommand, { executionArn: reconcileRun });
  });

  it('refuses an ARN of another stage: --stage says which runs may be touched', async () => {
    const staging = executionArn('bob-up-20261124', 'turbo-staging-environment');
    const result = await turbo(['redrive', staging, '--stage', 'dev']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `turbo redrive: ${staging} is not an execution of stage "dev" in eu-west-1 (turbo-dev-environment or turbo-dev-reconcile)\n`,
    );
    expect(sfn).not.toHaveReceivedCommand(RedriveExecutionCommand);
  });

  it('says clearly when the execution cannot be redriven', async () => {
    sfn
      .on(RedriveExecutionCommand)
      .rejects(
        new ExecutionNotRedrivable({ message: 'Execution is SUCCEEDED and cannot be redriven.', $metadata: { httpStatusCode: 400 } }),
      );
    const result = await turbo(['redrive', 'alice-up-20261124', '--stage', 'dev']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('turbo redrive: alice-up-20261124 cannot be redriven: Execution is SUCCEEDED and cannot be redriven.\n');
  });

  it('says so when there is no such execution', async () => {
    sfn
      .on(RedriveExecutionCommand)
      .rejects(new ExecutionDoesNotExist({ message: 'Execution does not exist', $metadata: { httpStatusCode: 400 } }));
    const result = await turbo(['redrive', 'zed-up-20261124', '--stage', 'dev']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('turbo redrive: there is no execution zed-up-20261124 in stage "dev" in eu-west-1\n');
  });

  it.each([
    [['not a name!'], '"not a name!" is neither an execution ARN'],
    [['arn:aws:states:eu-west-1:123:execution:x:y'], '"arn:aws:states:eu-west-1:123:execution:x:y" is neither an execution ARN'],
    [[], 'expects <execution ARN or name>'],
    [['a', 'b'], 'unexpected argument b'],
  ])('%j: usage, exit 2', async (args, message) => {
    const result = await turbo(['redrive', ...args, '--stage', 'dev']);
    expect(result.code).toBe(2);
    expect(result.stderr.startsWith(`turbo redrive: ${message}`)).toBe(true);
    expect(result.stderr).toContain('\nUsage: turbo redrive <execution ARN or name> --stage <stage>');
    expect(sfn.calls()).toHaveLength(0);
  });
});
