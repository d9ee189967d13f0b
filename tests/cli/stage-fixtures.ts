/** A deployed stage `dev` in eu-west-1, faked with aws-sdk-client-mock: its state machines and the caller's identity. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../cli/main';
import { captureIn, folderWith } from './capture';

export const ACCOUNT = '123456789012';
export const CALLER_ARN = `arn:aws:iam::${ACCOUNT}:user/ops-lead`;
export const machineArn = (machine: string, region = 'eu-west-1') => `arn:aws:states:${region}:${ACCOUNT}:stateMachine:${machine}`;
export const ENVIRONMENT_MACHINE = machineArn('turbo-dev-environment');
export const RECONCILE_MACHINE = machineArn('turbo-dev-reconcile');
export const executionArn = (name: string, machine = 'turbo-dev-environment') =>
  `arn:aws:states:eu-west-1:${ACCOUNT}:execution:${machine}:${name}`;

export const dynamo = mockClient(DynamoDBDocumentClient);
export const sfn = mockClient(SFNClient);
export const sts = mockClient(STSClient);

/** Resets every mock, then deploys `dev`: ListStateMachines answers in two pages, among another app's machines. */
export function deployDevStage(): void {
  dynamo.reset();
  sfn.reset();
  sts.reset();
  const machine = (name: string) => ({
    name,
    stateMachineArn: machineArn(name),
    type: 'STANDARD' as const,
    creationDate: new Date('2026-11-01T00:00:00Z'),
  });
  sfn
    .on(ListStateMachinesCommand)
    .resolvesOnce({ stateMachines: [machine('billing-nightly'), machine('turbo-dev-reconcile')], nextToken: 'page-2' })
    .resolvesOnce({ stateMachines: [machine('turbo-staging-environment'), machine('turbo-dev-environment')] });
  sts.on(GetCallerIdentityCommand).resolves({ Arn: CALLER_ARN, Account: ACCOUNT, UserId: 'AIDAEXAMPLEOPSLEAD' });
}

export const EXAMPLE_CONFIG = readFileSync(join(__dirname, '../../turbo.config.example.yml'), 'utf8');

/** Runs `turbo <argv>` in a folder holding the example config as turbo.config.yml. */
export async function turbo(argv: string[], files: Record<string, string> = {}) {
  const cwd = folderWith({ 'turbo.config.yml': EXAMPLE_CONFIG, ...files });
  const captured = captureIn(cwd);
  const code = await main(argv, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr(), cwd };
}

/** Only Date is faked: the SDK's and the mocks' timers keep running. */
export function freezeDate(iso: string): void {
  jest.useFakeTimers({
    now: new Date(iso),
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
}

/** The cells of a table line (columns are separated by two or more spaces). */
export const cells = (line: string | undefined) => (line ?? '').trim().split(/ {2,}/);
