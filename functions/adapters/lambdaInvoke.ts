/**
 * AsyncWork on AWS Lambda: an asynchronous Invoke (`InvocationType: 'Event'`) of the work function. Lambda queues
 * the event and answers 202 at once, which keeps the Slack endpoint inside Slack's 3 seconds; Lambda itself
 * retries a failed asynchronous invocation twice, so the work must be idempotent (it is: see slackWork).
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { SelfServiceTask } from '../core/types';
import type { AsyncWork } from '../core/ports';
import { translateAwsError } from './retry';

/** Lambda's limit for an asynchronous invocation's payload. */
const MAX_EVENT_BYTES = 256 * 1024;

export function createLambdaClient(region?: string): LambdaClient {
  return new LambdaClient({ region });
}

export class LambdaAsyncWork implements AsyncWork {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async enqueue(task: SelfServiceTask): Promise<void> {
    const payload = Buffer.from(JSON.stringify(task), 'utf8');
    if (payload.length > MAX_EVENT_BYTES)
      throw new Error(`the task for ${task.developer} is ${payload.length} bytes, over Lambda's ${MAX_EVENT_BYTES}`);
    let status: number | undefined;
    try {
      ({ StatusCode: status } = await this.client.send(
        new InvokeCommand({ FunctionName: this.functionName, InvocationType: 'Event', Payload: payload }),
      ));
    } catch (error) {
      throw translateAwsError(error, `Lambda Invoke (Event) of ${this.functionName}`);
    }
    if (status !== 202)
      throw new Error(`Lambda Invoke (Event) of ${this.functionName} answered ${status ?? 'no status'}, not 202: the work was not queued`);
  }
}
