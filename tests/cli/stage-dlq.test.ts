/**
 * The dead-letter path end to end: `/turbo up` handed to slackWork asynchronously (the real LambdaAsyncWork), a
 * slackWork that fails every attempt because Slack is down, Lambda's invocation record in the queue (the documented
 * on-failure record), `turbo dlq` showing it, and `turbo dlq --redrive` replaying it once Slack is back: the cluster
 * starts once, the audit has one entry, the requester gets one DM, and the queue is empty.
 * Lambda's asynchronous retries and destination are played by the mocks, as the Lambda documentation describes them.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { bindDeps, type Deps } from '../../functions/handlers/lib/deps';
import { handler as slackWork } from '../../functions/handlers/slackWork';
import { LambdaAsyncWork } from '../../functions/adapters/lambdaInvoke';
import { MemoryCloud } from '../../functions/adapters/memory/cloud';
import { loadConfigText } from '../../functions/core/configFile';
import { MAXIMUM_RETRY_ATTEMPTS } from '../../resources/operations';
import { lambdaContext } from '../../cli/rehearsal/local-sfn';
import { deployDevStage, EXAMPLE_CONFIG, ENVIRONMENT_MACHINE, sfn, turbo } from './stage-fixtures';

const sqs = mockClient(SQSClient);
const lambda = mockClient(LambdaClient);
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/turbo-dev-async-failures';
const FUNCTION = 'turbo-dev-slackWork';
const config = loadConfigText(EXAMPLE_CONFIG);
const alice = config.developers.find((dev) => dev.name === 'alice')!;

/** SQS as far as the command uses it: messages, each hidden until its visibility timeout has passed. */
let queue: { message: Message; hiddenUntil: number }[];
let received = 0;
let cloud: MemoryCloud;

function fakeQueue(): void {
  queue = [];
  sqs.reset();
  sqs.on(GetQueueUrlCommand, { QueueName: 'turbo-dev-async-failures' }).resolves({ QueueUrl: QUEUE_URL });
  sqs.on(ReceiveMessageCommand).callsFake((input: { MaxNumberOfMessages: number; VisibilityTimeout: number }) => {
    const visible = queue.filter((entry) => entry.hiddenUntil <= Date.now()).slice(0, input.MaxNumberOfMessages);
    for (const entry of visible) {
      entry.hiddenUntil = Date.now() + input.VisibilityTimeout * 1000;
      entry.message = { ...entry.message, ReceiptHandle: `receipt-${++received}` };
    }
    return { Messages: visible.map((entry) => entry.message) };
  });
  sqs.on(DeleteMessageCommand).callsFake((input: { ReceiptHandle: string }) => {
    queue = queue.filter((entry) => entry.message.ReceiptHandle !== input.ReceiptHandle);
    return {};
  });
  sqs.on(ChangeMessageVisibilityBatchCommand).callsFake((input: { Entries: { ReceiptHandle: string; VisibilityTimeout: number }[] }) => {
    for (const change of input.Entries) {
      const entry = queue.find((candidate) => candidate.message.ReceiptHandle === change.ReceiptHandle);
      if (entry) entry.hiddenUntil = Date.now() + change.VisibilityTimeout * 1000;
    }
    return { Successful: input.Entries.map((_, index) => ({ Id: String(index) })) };
  });
}

/** The Lambda service: an Event invocation is tried 1 + MaximumRetryAttempts times, then recorded in the queue. */
function fakeLambda(): void {
  lambda.reset();
  const invoke = async (payload: Uint8Array) => {
    try {
      return { output: await slackWork(JSON.parse(Buffer.from(payload).toString('utf8')), lambdaContext(FUNCTION, 'eu-west-1') as never) };
    } catch (error) {
      return { error: error as Error };
    }
  };
  lambda.on(InvokeCommand).callsFake(async (input: { FunctionName: string; InvocationType: string; Payload: Uint8Array }) => {
    if (input.InvocationType === 'Event') {
      let last: Error | undefined;
      for (let attempt = 1; attempt <= 1 + MAXIMUM_RETRY_ATTEMPTS; attempt++) {
        const result = await invoke(input.Payload);
        if (!result.error) return { StatusCode: 202 };
        last = result.error;
      }
      const record = {
        version: '1.0',
        timestamp: '2026-11-24T10:03:00.000Z',
        requestContext: {
          requestId: 'e4b46cbf-b738-xmpl-8880-a18cdf61200e',
          functionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${input.FunctionName}:$LATEST`,
          condition: 'RetriesExhausted',
          approximateInvokeCount: 3,
        },
        requestPayload: JSON.parse(Buffer.from(input.Payload).toString('utf8')),
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: { errorType: last!.name, errorMessage: last!.message },
      };
      queue.push({ message: { MessageId: `msg-${queue.length + 1}`, Body: JSON.stringify(record) }, hiddenUntil: 0 });
      return { StatusCode: 202 };
    }
    const result = await invoke(input.Payload);
    if (result.error)
      return {
        StatusCode: 200,
        FunctionError: 'Unhandled',
        Payload: Buffer.from(JSON.stringify({ errorType: result.error.name, errorMessage: result.error.message })),
      };
    return { StatusCode: 200, Payload: Buffer.from(JSON.stringify(result.output)) };
  });
}

beforeEach(() => {
  deployDevStage();
  fakeQueue();
  fakeLambda();
  process.env.TURBO_ENVIRONMENT_STATE_MACHINE_ARN = ENVIRONMENT_MACHINE;
  cloud = new MemoryCloud('eu-west-1');
  cloud.knowSlackUser(alice.slackUserId, 'alice');
  const deps = { config, region: 'eu-west-1', store: cloud.store, notifier: cloud.notifier } as Partial<Deps> as Deps;
  bindDeps(async () => deps);
  // The environment run's name is the run ID: Step Functions refuses it a second time.
  sfn
    .on(StartExecutionCommand)
    .resolvesOnce({ executionArn: `${ENVIRONMENT_MACHINE}:alice-up`, startDate: new Date() })
    .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
});

afterAll(() => delete process.env.TURBO_ENVIRONMENT_STATE_MACHINE_ARN);

const upRequest = {
  developer: 'alice',
  request: { verb: 'up' as const },
  requestedBy: `slack:${alice.slackUserId}`,
  replyTo: alice.slackUserId,
  requestedAt: '2026-11-24T10:02:00.000Z', // 11:02 in Berlin, a working Tuesday
};

describe('turbo dlq', () => {
  it('a slackWork that fails every attempt lands in the queue; --redrive replays it once Slack is back, with no duplicate', async () => {
    cloud.injectFault('alice', 'slack-429-500-invalid-auth');
    await new LambdaAsyncWork(new LambdaClient({ region: 'eu-west-1' }), FUNCTION).enqueue(upRequest);
    expect(queue).toHaveLength(1);
    expect(cloud.outbox).toEqual([]);

    const listed = await turbo(['dlq', '--stage', 'dev']);
    expect([listed.code, listed.stderr]).toEqual([0, '']);
    expect(listed.stdout.split('\n').slice(0, 3)).toEqual([
      '1 message(s) in turbo-dev-async-failures:',
      '  2026-11-24T10:03:00.000Z  turbo-dev-slackWork  RetriesExhausted after 3 attempt(s)  Turbo.AuthenticationError: Slack conversations.open refused the bot token: invalid_auth',
      `    ${JSON.stringify(upRequest)}`,
    ]);
    // Listing leaves the message where it is, visible.
    expect(queue.map((entry) => entry.hiddenUntil <= Date.now())).toEqual([true]);

    cloud.clearFault('alice', 'slack-429-500-invalid-auth');
    const replayed = await turbo(['dlq', '--redrive', '--stage', 'dev']);
    expect([replayed.code, replayed.stderr]).toEqual([0, '']);
    expect(replayed.stdout).toBe(
      '  replayed turbo-dev-slackWork (2026-11-24T10:03:00.000Z) and removed it from the queue\nReplayed 1 of 1 message(s).\n',
    );
    expect(queue).toEqual([]);
    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, { FunctionName: FUNCTION, InvocationType: 'RequestResponse' });

    // Every attempt and the replay asked for the same run: it was started once, audited once, answered once.
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1 + MAXIMUM_RETRY_ATTEMPTS + 1);
    expect(new Set(sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name)).size).toBe(1);
    expect(cloud.records.get('alice')!.audit).toEqual([{ at: upRequest.requestedAt, by: upRequest.requestedBy, action: 'up' }]);
    expect(cloud.outbox.map((message) => [message.to.user, message.text])).toEqual([
      [alice.slackUserId, expect.stringContaining("Starting alice's cluster")],
    ]);

    const again = await turbo(['dlq', '--redrive', '--stage', 'dev']);
    expect([again.code, again.stdout]).toEqual([0, 'turbo-dev-async-failures is empty.\n']);
  });

  it('a replay that fails again leaves the message in the queue and exits 1', async () => {
    cloud.injectFault('alice', 'slack-429-500-invalid-auth');
    await new LambdaAsyncWork(new LambdaClient({ region: 'eu-west-1' }), FUNCTION).enqueue(upRequest);
    const replayed = await turbo(['dlq', '--redrive', '--stage', 'dev']);
    expect(replayed.code).toBe(1);
    expect(replayed.stdout).toMatch(
      /^ {2}still failing turbo-dev-slackWork \(2026-11-24T10:03:00.000Z\): Unhandled .*invalid_auth.*; left in the queue\nReplayed 0 of 1 message\(s\); 1 left in turbo-dev-async-failures\.\n$/,
    );
    expect(queue).toHaveLength(1);
    expect(sqs).not.toHaveReceivedCommand(DeleteMessageCommand);
  });

  it('refuses to replay another stage’s function, and blanks secret-looking fields in a listing', async () => {
    const record = {
      timestamp: '2026-11-24T10:03:00.000Z',
      requestContext: { functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:turbo-prod-slackWork', condition: 'EventAgeExceeded' },
      requestPayload: { developer: 'alice', token: 'xoxb-not-for-your-eyes' },
    };
    queue.push({ message: { MessageId: 'msg-9', Body: JSON.stringify(record) }, hiddenUntil: 0 });
    const listed = await turbo(['dlq', '--stage', 'dev']);
    expect(listed.stdout).toContain('turbo-prod-slackWork  EventAgeExceeded\n    {"developer":"alice","token":"[redacted]"}\n');
    expect(listed.stdout).not.toContain('xoxb-');
    const replayed = await turbo(['dlq', '--redrive', '--stage', 'dev']);
    expect(replayed.code).toBe(1);
    expect(replayed.stdout).toContain('skipped msg-9: turbo-prod-slackWork is not a function of stage "dev" in eu-west-1');
    expect(lambda).not.toHaveReceivedCommand(InvokeCommand);
    expect(queue).toHaveLength(1);
  });

  it('says so when the stage has no queue', async () => {
    sqs.on(GetQueueUrlCommand).rejects(new QueueDoesNotExist({ message: 'The specified queue does not exist.', $metadata: {} }));
    const result = await turbo(['dlq', '--stage', 'dev']);
    expect([result.code, result.stderr]).toEqual([
      1,
      'turbo dlq: stage "dev" in eu-west-1 has no queue turbo-dev-async-failures (check --stage and --region)\n',
    ]);
  });
});
