/**
 * `turbo dlq --stage <stage> [--redrive]`: the stage's dead-letter queue (turbo-<stage>-async-failures), where
 * Lambda puts an asynchronous invocation that failed every retry or outlived its maximum age. Without --redrive it
 * lists each message's context (function, condition, time, the request without secrets) and leaves it in the queue;
 * with --redrive it invokes the function again, synchronously, with the original request, and deletes the message
 * only once that invocation succeeded. The functions are idempotent (slackWork keys its work on the time of
 * asking), so a replay of work that half happened does nothing twice.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { createLambdaClient } from '../../functions/adapters/lambdaInvoke';
import { awsErrorName } from '../../functions/adapters/retry';
import { StageFailure, type Stage } from '../aws';
import type { CommandIo } from '../io';
import { parseStageArgs, runOnStage } from './stage';

/** At most this many messages are read in one run: a queue that holds more is read again by the next run. */
export const MAX_MESSAGES = 100;
/** How long a message read by this run stays hidden from other readers: a listing, or one replay. */
const LIST_VISIBILITY_SECONDS = 30;
const REDRIVE_VISIBILITY_SECONDS = 300;

/** The record Lambda writes to an on-failure destination (the documented invocation record, version 1.0). */
export interface FailureRecord {
  timestamp: string;
  functionName: string;
  condition: string;
  attempts?: number;
  error?: string;
  request: unknown;
}

const SECRET_KEY = /token|secret|password|signature|authorization/i;

/** The request as the listing shows it: any field whose name says it holds a secret is blanked. */
export function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key, SECRET_KEY.test(key) ? '[redacted]' : withoutSecrets(inner)]),
  );
}

/** Reads one message's invocation record; a body that is not one is an error naming the message. */
export function parseFailureRecord(message: Message): FailureRecord {
  let body: {
    timestamp?: string;
    requestContext?: { functionArn?: string; condition?: string; approximateInvokeCount?: number };
    requestPayload?: unknown;
    responsePayload?: { errorMessage?: string; errorType?: string };
  };
  try {
    body = JSON.parse(message.Body ?? '');
  } catch {
    throw new StageFailure(`message ${message.MessageId} is not a Lambda invocation record (its body is not JSON)`);
  }
  const arn = body.requestContext?.functionArn;
  if (!arn || body.requestPayload === undefined)
    throw new StageFailure(
      `message ${message.MessageId} is not a Lambda invocation record (no requestContext.functionArn or requestPayload)`,
    );
  const error = body.responsePayload?.errorType
    ? `${body.responsePayload.errorType}: ${body.responsePayload.errorMessage ?? ''}`
    : body.responsePayload?.errorMessage;
  return {
    timestamp: body.timestamp ?? '?',
    // arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
    functionName: arn.split(':')[6] ?? arn,
    condition: body.requestContext?.condition ?? '?',
    attempts: body.requestContext?.approximateInvokeCount,
    error,
    request: body.requestPayload,
  };
}

async function receiveAll(sqs: SQSClient, queueUrl: string, visibility: number): Promise<Message[]> {
  const messages: Message[] = [];
  while (messages.length < MAX_MESSAGES) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, MAX_MESSAGES - messages.length),
        VisibilityTimeout: visibility,
        WaitTimeSeconds: 0,
      }),
    );
    if (Messages.length === 0) break;
    messages.push(...Messages);
  }
  return messages;
}

async function queueUrlOf(sqs: SQSClient, stage: Stage): Promise<string> {
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: stage.names.deadLetterQueue }));
    if (!QueueUrl) throw new Error(`SQS GetQueueUrl returned no URL for ${stage.names.deadLetterQueue}`);
    return QueueUrl;
  } catch (error) {
    if (/NonExistentQueue|QueueDoesNotExist/.test(awsErrorName(error) ?? '')) {
      throw new StageFailure(`${stage.describe()} has no queue ${stage.names.deadLetterQueue} (check --stage and --region)`);
    }
    throw error;
  }
}

function describeRecord(record: FailureRecord): string {
  const attempts = record.attempts === undefined ? '' : ` after ${record.attempts} attempt(s)`;
  return `${record.timestamp}  ${record.functionName}  ${record.condition}${attempts}${record.error ? `  ${record.error}` : ''}\n    ${JSON.stringify(withoutSecrets(record.request))}\n`;
}

export async function run(argv: string[], io: CommandIo): Promise<number> {
  const { values, flags } = parseStageArgs(argv, { redrive: { type: 'boolean' } });
  return runOnStage('dlq', flags, io, async (stage) => {
    const sqs = new SQSClient({ region: stage.region });
    const queueUrl = await queueUrlOf(sqs, stage);
    const redrive = values.redrive === true;
    const messages = await receiveAll(sqs, queueUrl, redrive ? REDRIVE_VISIBILITY_SECONDS : LIST_VISIBILITY_SECONDS);
    if (messages.length === 0) {
      io.stdout(`${stage.names.deadLetterQueue} is empty.\n`);
      return 0;
    }
    if (!redrive) {
      io.stdout(`${messages.length}${messages.length === MAX_MESSAGES ? '+' : ''} message(s) in ${stage.names.deadLetterQueue}:\n`);
      for (const message of messages) io.stdout(`  ${describeRecord(parseFailureRecord(message))}`);
      // A listing changes nothing: the messages are visible again at once.
      for (let i = 0; i < messages.length; i += 10) {
        const batch = messages
          .slice(i, i + 10)
          .map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 0 }));
        await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: batch }));
      }
      io.stdout('Fix the cause, then `turbo dlq --redrive` replays them.\n');
      return 0;
    }
    const lambda = createLambdaClient(stage.region);
    let failed = 0;
    for (const message of messages) {
      const record = parseFailureRecord(message);
      // --stage says which functions this command may invoke: a record of another stage's function is left alone.
      if (!record.functionName.startsWith(`turbo-${stage.name}-`)) {
        io.stdout(`  skipped ${message.MessageId}: ${record.functionName} is not a function of ${stage.describe()}\n`);
        failed += 1;
        continue;
      }
      const answer = await lambda.send(
        new InvokeCommand({
          FunctionName: record.functionName,
          InvocationType: 'RequestResponse',
          Payload: Buffer.from(JSON.stringify(record.request)),
        }),
      );
      if (answer.FunctionError || answer.StatusCode !== 200) {
        const said = answer.Payload ? Buffer.from(answer.Payload).toString('utf8').slice(0, 300) : '';
        io.stdout(
          `  still failing ${record.functionName} (${record.timestamp}): ${answer.FunctionError ?? `status ${answer.StatusCode}`} ${said}; left in the queue\n`,
        );
        failed += 1;
        continue;
      }
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
      io.stdout(`  replayed ${record.functionName} (${record.timestamp}) and removed it from the queue\n`);
    }
    io.stdout(
      `Replayed ${messages.length - failed} of ${messages.length} message(s)${failed ? `; ${failed} left in ${stage.names.deadLetterQueue}` : ''}.\n`,
    );
    return failed > 0 ? 1 : 0;
  });
}
