import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { LambdaAsyncWork } from '../../../functions/adapters/lambdaInvoke';
import type { SelfServiceTask } from '../../../functions/core/types';
import { AuthenticationError, TransientError } from '../../../functions/core/errors';
import { awsSdkError } from './aws-json-server';

const task: SelfServiceTask = {
  developer: 'alice',
  request: { verb: 'keep', until: '2026-11-24T21:00:00.000Z', capped: false },
  requestedBy: 'slack:U0ALICE001',
  replyTo: 'U0ALICE001',
  requestedAt: '2026-11-24T17:35:00.000Z',
};

describe('LambdaAsyncWork', () => {
  const client = new LambdaClient({ region: 'eu-west-1' });
  const lambda = mockClient(client);
  const work = new LambdaAsyncWork(client, 'turbo-ci-slackWork');

  beforeEach(() => lambda.reset());

  it('invokes the work function asynchronously (Event) with the task as JSON, and accepts the 202', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    await work.enqueue(task);
    const input = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ FunctionName: 'turbo-ci-slackWork', InvocationType: 'Event' });
    expect(JSON.parse(Buffer.from(input.Payload as Uint8Array).toString('utf8'))).toEqual(task);
  });

  it('fails loudly when Lambda did not queue the event', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200 });
    await expect(work.enqueue(task)).rejects.toThrow('answered 200, not 202: the work was not queued');
  });

  it('turns throttling into TransientError and access denied into AuthenticationError, naming the function', async () => {
    lambda.on(InvokeCommand).rejects(awsSdkError('TooManyRequestsException', 429, 'Rate exceeded'));
    await expect(work.enqueue(task)).rejects.toBeInstanceOf(TransientError);
    lambda.reset();
    lambda.on(InvokeCommand).rejects(awsSdkError('AccessDeniedException', 403, 'not authorized to perform lambda:InvokeFunction'));
    const denied = work.enqueue(task);
    await expect(denied).rejects.toBeInstanceOf(AuthenticationError);
    await expect(denied).rejects.toThrow(/turbo-ci-slackWork/);
  });
});
