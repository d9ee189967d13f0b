import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { TransientError } from '../../../functions/core/errors';
import { executionArnOf, StepFunctionsWorkflows } from '../../../functions/adapters/stepfunctions';

const stateMachineArn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:turbo-image-sync';
const sdkError = (name: string, status: number) =>
  Object.assign(new Error(`${name} happened`), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });

describe('StepFunctionsWorkflows', () => {
  const sfn = mockClient(SFNClient);
  beforeEach(() => sfn.reset());
  const workflows = () => new StepFunctionsWorkflows(new SFNClient({ region: 'eu-west-1' }), stateMachineArn);

  it('starts the image-sync state machine under the given name with the input as JSON', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${executionArnOf(stateMachineArn, 'push-a')}`, startDate: new Date() });
    const started = await workflows().start('push-a', { trigger: 'push', push: { repository: 'acme/turbo-notes', tag: '1.3.0' } });

    expect(started).toEqual({
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:turbo-image-sync:push-a',
      alreadyStarted: false,
    });
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn,
      name: 'push-a',
      input: JSON.stringify({ trigger: 'push', push: { repository: 'acme/turbo-notes', tag: '1.3.0' } }),
    });
  });

  it('counts ExecutionAlreadyExists as already started', async () => {
    sfn.on(StartExecutionCommand).rejects(sdkError('ExecutionAlreadyExists', 400));
    await expect(workflows().start('push-a', {})).resolves.toEqual({
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:turbo-image-sync:push-a',
      alreadyStarted: true,
    });
  });

  it('turns throttling that outlasted the SDK retries into a TransientError, and other failures into named errors', async () => {
    sfn.on(StartExecutionCommand).rejects(sdkError('ThrottlingException', 400));
    await expect(workflows().start('push-a', {})).rejects.toThrow(TransientError);
    sfn.on(StartExecutionCommand).rejects(sdkError('StateMachineDoesNotExist', 400));
    await expect(workflows().start('push-a', {})).rejects.toThrow(
      /Step Functions StartExecution push-a failed \(StateMachineDoesNotExist, HTTP 400/,
    );
  });
});
