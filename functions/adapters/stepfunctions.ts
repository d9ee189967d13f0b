/**
 * Workflows on AWS Step Functions: StartExecution of the image-sync state machine under a name derived from what
 * was pushed. Step Functions keeps an execution's name for 90 days: a second start with that name and the same
 * input returns the running execution, and one with another input fails with ExecutionAlreadyExists. Both mean the
 * work was already started, so neither starts anything.
 */
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Workflows } from '../core/ports';
import { awsErrorName, translateAwsError } from './retry';

export function createSfnClient(region?: string): SFNClient {
  return new SFNClient({ region });
}

/** `arn:aws:states:<region>:<account>:stateMachine:<name>` -> the ARN of its execution `executionName`. */
export function executionArnOf(stateMachineArn: string, executionName: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
}

export class StepFunctionsWorkflows implements Workflows {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(name: string, input: Record<string, unknown>): Promise<{ executionArn: string; alreadyStarted: boolean }> {
    try {
      const started = await this.client.send(
        new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify(input) }),
      );
      return { executionArn: started.executionArn ?? executionArnOf(this.stateMachineArn, name), alreadyStarted: false };
    } catch (error) {
      if (awsErrorName(error) === 'ExecutionAlreadyExists') {
        return { executionArn: executionArnOf(this.stateMachineArn, name), alreadyStarted: true };
      }
      throw translateAwsError(error, `Step Functions StartExecution ${name}`);
    }
  }
}
