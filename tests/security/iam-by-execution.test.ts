/**
 * IAM by execution: each handler that talks to AWS runs with the real adapters (functions/handlers/lib/root.ts) and
 * the environment its packaged function gets, against aws-sdk-client-mock; every command it sends, on every path
 * driven here (a first run, a replay, a redrive), must be allowed by that function's own role in the packaged
 * template. A call no statement allows would be an AccessDenied on AWS.
 */
jest.mock('@middy/core', () => jest.requireActual('../../node_modules/@middy/core/index.js'), { virtual: true });
jest.mock('@middy/util', () => jest.requireActual('../../node_modules/@middy/util/index.js'), { virtual: true });
// The Slack adapter as it is, pointed at the local Slack API (tests/support/slack-server.ts) instead of Slack's.
jest.mock('@slack/web-api', () => {
  const actual = jest.requireActual('@slack/web-api');
  class LocalWebClient extends actual.WebClient {
    constructor(token: string, options: Record<string, unknown> = {}) {
      super(token, { ...options, slackApiUrl: process.env.TEST_SLACK_API_URL, retryConfig: { retries: 0 } });
    }
  }
  return { ...actual, WebClient: LocalWebClient };
});

import { createHmac } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { BatchGetBuildsCommand, CodeBuildClient, StartBuildCommand } from '@aws-sdk/client-codebuild';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  ListClustersCommand,
  ListNodegroupsCommand,
} from '@aws-sdk/client-eks';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { unbindDeps } from '../../functions/handlers/lib/deps';
import type { EnvironmentRecord } from '../../functions/core/types';
import { S3Client } from '@aws-sdk/client-s3';
import { packagedStack, root } from '../support/packaged';
import { deniedCalls, FAKE_ENV, recordAwsCalls, resolveValue, type Template } from '../support/iam';
import { startSlackServer, type SlackServer } from '../support/slack-server';

const stack = packagedStack(FAKE_ENV.region);
const template = stack.template as unknown as Template;
const aws = recordAwsCalls([
  DynamoDBDocumentClient,
  EKSClient,
  CodeBuildClient,
  SFNClient,
  SSMClient,
  SecretsManagerClient,
  LambdaClient,
  S3Client,
]);
const context = {} as Context;
let slack: SlackServer;

beforeAll(async () => {
  slack = await startSlackServer({ token: 'value-of-/turbo/slack/bot-token-0123456789abcdef0123456789abcdef' });
  process.env.TEST_SLACK_API_URL = slack.apiUrl;
});
afterAll(async () => {
  aws.restore();
  await slack.close();
});

/** The handler of a packaged function, with the environment the template gives it and the real AWS adapters. */
async function packagedHandler(name: string): Promise<(event: unknown, context: Context) => Promise<unknown>> {
  const fn = [...stack.functions.values()].find(
    (candidate) => candidate.logicalId === `${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction`,
  );
  if (!fn) throw new Error(`no packaged function ${name}`);
  const variables = resolveValue(template, template.Resources[fn.logicalId]!.Properties!.Environment, FAKE_ENV) as {
    Variables: Record<string, string>;
  };
  // Quiet logs: the template's POWERTOOLS_LOG_LEVEL would print every step.
  Object.assign(process.env, variables.Variables, { LAMBDA_TASK_ROOT: root, AWS_REGION: FAKE_ENV.region, POWERTOOLS_LOG_LEVEL: 'SILENT' });
  unbindDeps();
  return (await import(`../../${fn.modulePath}`))[fn.exportName];
}

const PROJECT = String(resolveValue(template, { Ref: 'TurboTerraformProject' }));
const NOW = new Date().toISOString();
const handle = (kind: 'apply' | 'deploy', id = `${PROJECT}:0b1c2d3e-0000-4000-8000-000000000001`) => ({
  runner: 'codebuild' as const,
  kind,
  developer: 'alice',
  runId: 'alice-up-20261124',
  id,
  startedAt: NOW,
});
const record = (patch: Partial<EnvironmentRecord> = {}): EnvironmentRecord => ({
  developer: 'alice',
  status: 'provisioning',
  clusterName: 'turbo-alice',
  runId: 'alice-up-20261124',
  action: 'up',
  updatedAt: NOW,
  ...patch,
});

function scriptAws(item: EnvironmentRecord | undefined, build: { buildStatus: string } = { buildStatus: 'IN_PROGRESS' }) {
  aws.reset();
  const dynamo = aws.mock(DynamoDBDocumentClient);
  dynamo.on(GetCommand).resolves({ Item: item });
  dynamo.on(UpdateCommand).resolves({ Attributes: { ...record(), ...item } });
  dynamo.on(PutCommand).resolves({});
  dynamo.on(ScanCommand).resolves({ Items: item ? [item] : [] });
  aws
    .mock(CodeBuildClient)
    .on(StartBuildCommand)
    .resolves({ build: { id: `${PROJECT}:0b1c2d3e-0000-4000-8000-000000000002`, startTime: new Date() } });
  aws
    .mock(CodeBuildClient)
    .on(BatchGetBuildsCommand)
    .callsFake(async ({ ids }) => ({ builds: ids.map((id: string) => ({ id, ...build, currentPhase: 'BUILD' })) }));
  const eks = aws.mock(EKSClient);
  eks.on(DescribeClusterCommand).callsFake(async ({ name }) => ({
    cluster: {
      name,
      status: 'ACTIVE',
      endpoint: 'https://127.0.0.1:1',
      tags: name.startsWith('turbo-') && name !== 'turbo-lookalike' ? { 'turbo:owner': 'alice' } : {},
    },
  }));
  eks.on(ListNodegroupsCommand).resolves({ nodegroups: ['default'] });
  eks.on(DescribeNodegroupCommand).resolves({ nodegroup: { status: 'ACTIVE' } });
  eks.on(ListClustersCommand).resolves({ clusters: ['turbo-alice', 'turbo-lookalike'] });
  aws
    .mock(SSMClient)
    .on(GetParameterCommand)
    .callsFake(async ({ Name }) => ({ Parameter: { Name, Value: `value-of-${Name}-0123456789abcdef0123456789abcdef` } }));
  aws
    .mock(SFNClient)
    .on(StartExecutionCommand)
    .callsFake(async ({ stateMachineArn, name }) => ({
      executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
      startDate: new Date(),
    }));
  aws.mock(LambdaClient).on(InvokeCommand).resolves({ StatusCode: 202 });
}

/** Runs the handler and returns what its role refuses of what it sent (and which actions it sent). */
async function run(name: string, event: unknown): Promise<{ denied: string[]; actions: string[] }> {
  const handler = await packagedHandler(name);
  await handler(event, context);
  const requests = aws.requests();
  return { denied: deniedCalls(template, name, requests), actions: [...new Set(requests.map((request) => request.action))].sort() };
}

describe('every AWS call a handler makes is allowed by its own role', () => {
  it('startJob, first run: reads the record, starts the build, records the handle', async () => {
    scriptAws(record());
    const result = await run('startJob', { developer: 'alice', runId: 'alice-up-20261124', kind: 'apply' });
    expect(result.actions).toEqual(['codebuild:StartBuild', 'dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(result.denied).toEqual([]);
  });

  it('startJob, replay of an apply still running: looks at the build and at the cluster, starts nothing', async () => {
    scriptAws(record({ jobs: { apply: handle('apply') }, jobAttempts: { apply: 1 } }));
    const result = await run('startJob', { developer: 'alice', runId: 'alice-up-20261124', kind: 'apply' });
    expect(result.actions).toEqual([
      'codebuild:BatchGetBuilds',
      'dynamodb:GetItem',
      'eks:DescribeCluster',
      'eks:DescribeNodegroup',
      'eks:ListNodegroups',
    ]);
    expect(result.denied).toEqual([]);
  });

  it('startJob, redrive after a failed deploy: looks at the failed build, then starts a new one', async () => {
    scriptAws(
      record({
        jobs: {
          deploy: handle('deploy', `${String(resolveValue(template, { Ref: 'TurboDeployProject' }))}:0b1c2d3e-0000-4000-8000-000000000003`),
        },
        jobAttempts: { deploy: 1 },
      }),
      { buildStatus: 'FAILED' },
    );
    const result = await run('startJob', { developer: 'alice', runId: 'alice-up-20261124', kind: 'deploy' });
    expect(result.actions).toEqual(['codebuild:BatchGetBuilds', 'codebuild:StartBuild', 'dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(result.denied).toEqual([]);
  });

  it('checkJob: reads the build', async () => {
    scriptAws(undefined, { buildStatus: 'SUCCEEDED' });
    const result = await run('checkJob', { handle: handle('apply'), attempt: 0 });
    expect(result.actions).toEqual(['codebuild:BatchGetBuilds']);
    expect(result.denied).toEqual([]);
  });

  it('checkCluster: reads the cluster and its node groups', async () => {
    scriptAws(undefined);
    const result = await run('checkCluster', { clusterName: 'turbo-alice', expect: 'active', since: NOW });
    expect(result.actions).toEqual(['eks:DescribeCluster', 'eks:DescribeNodegroup', 'eks:ListNodegroups']);
    expect(result.denied).toEqual([]);
  });

  it('claimEnvironment: the conditional claim', async () => {
    scriptAws(undefined);
    const result = await run('claimEnvironment', {
      developer: 'alice',
      action: 'up',
      runId: 'alice-up-20261124',
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:x:alice-up-20261124',
    });
    expect(result.actions.length).toBeGreaterThan(0);
    expect(result.denied).toEqual([]);
  });

  it('recordOutcome: the ready outcome', async () => {
    scriptAws(record());
    const result = await run('recordOutcome', {
      outcome: 'ready',
      developer: 'alice',
      runId: 'alice-up-20261124',
      endpoint: 'https://x',
      outputs: { APP_URL: 'http://app.example' },
    });
    expect(result.actions).toContain('dynamodb:UpdateItem');
    expect(result.denied).toEqual([]);
  });

  it('listReadyEnvironments and recordImages: scan and amend the records', async () => {
    scriptAws(record({ status: 'ready' }));
    // A ready environment not confirmed on its desired images is listed (the ops record says no release is stopped), and the list written to the plan bucket.
    const image = { repository: 'acme/turbo-notes', tag: '1.3.0', digest: `sha256:${'a'.repeat(64)}` };
    // ...under the release's rollout lease, a conditional write of the ops record.
    const listed = await run('listReadyEnvironments', { at: NOW, execution: 'push-1', images: { frontend: image } });
    expect(listed.actions).toEqual(['dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:UpdateItem', 's3:PutObject']);
    expect(listed.denied).toEqual([]);
    scriptAws(record({ status: 'ready' }));
    const recorded = await run('recordImages', { images: { frontend: image }, at: NOW });
    expect(recorded.actions.length).toBeGreaterThan(0);
    expect(recorded.denied).toEqual([]);
  });

  it('planActions: scans the records, lists and describes the clusters, and reports a look-alike to the ops channel', async () => {
    scriptAws(record({ status: 'ready' }));
    const result = await run('planActions', { time: NOW, execution: 'reconcile-tick-1' });
    expect(result.actions).toEqual(expect.arrayContaining(['dynamodb:Scan', 'eks:DescribeCluster', 'eks:ListClusters']));
    expect(result.denied).toEqual([]);
  });

  it('planActions: a tick with an up to start writes its plan to the plan bucket', async () => {
    scriptAws(record({ status: 'destroyed' }));
    // Tuesday 2026-11-24, 07:30 UTC: alice's up window (readyBy 09:00 in Berlin) is open.
    const result = await run('planActions', { time: '2026-11-24T07:30:00.000Z', execution: 'reconcile-tick-2' });
    expect(result.actions).toEqual(expect.arrayContaining(['dynamodb:Scan', 's3:PutObject']));
    expect(result.denied).toEqual([]);
  });

  it('notify: the ready message, with the Slack token read from SSM', async () => {
    scriptAws(record({ status: 'ready', endpoint: 'https://x', appUrl: 'http://app.example', readyAt: NOW, expiresAt: NOW }));
    const result = await run('notify', {
      kind: 'ready',
      developer: 'alice',
      runId: 'alice-up-20261124',
      action: 'up',
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:x:y',
    });
    expect(result.actions).toEqual(expect.arrayContaining(['ssm:GetParameter']));
    expect(result.denied).toEqual([]);
  });

  it('notify: the failure path, which tells the developer and the ops channel', async () => {
    scriptAws(record({ status: 'failed', lastError: 'apply failed' }));
    const result = await run('notify', {
      kind: 'failed',
      developer: 'alice',
      runId: 'alice-up-20261124',
      action: 'up',
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:x:y',
    });
    expect(result.actions).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'ssm:GetParameter']));
    expect(result.denied).toEqual([]);
  });

  it('recordOutcome: the destroyed and failed outcomes', async () => {
    for (const event of [
      { outcome: 'destroyed', developer: 'alice', runId: 'alice-down-20261124' },
      { outcome: 'failed', developer: 'alice', runId: 'alice-up-20261124', error: { Error: 'Turbo.JobFailed', Cause: 'apply failed' } },
    ]) {
      scriptAws(record({ runId: event.runId, status: 'ready', clusterSince: NOW }));
      const result = await run('recordOutcome', event);
      expect(result.actions).toContain('dynamodb:UpdateItem');
      expect(result.denied).toEqual([]);
    }
  });

  it('warnBeforeTeardown, weeklyReport and reportFailure: the record or the table, the Slack token, Slack', async () => {
    const teardownAt = new Date(Date.now() + 30 * 60_000).toISOString();
    scriptAws(record({ status: 'ready', clusterSince: NOW }));
    const warned = await run('warnBeforeTeardown', {
      developer: 'alice',
      runId: 'alice-up-20261124',
      clusterName: 'turbo-alice',
      teardownAt,
      keepOffer: '21:00',
    });
    expect(warned.denied).toEqual([]);
    scriptAws(record({ status: 'ready', clusterSince: NOW }));
    const weekly = await run('weeklyReport', { time: NOW });
    expect(weekly.actions).toEqual(['dynamodb:Scan', 'ssm:GetParameter']);
    expect(weekly.denied).toEqual([]);
    scriptAws(undefined);
    const reported = await run('reportFailure', {
      error: { Error: 'States.Timeout', Cause: 'x' },
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:x:y',
    });
    // The ops record's keys (the same reconcile failure is told once a day), then the Slack token.
    expect(reported.actions).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem', 'ssm:GetParameter']);
    expect(reported.denied).toEqual([]);
  });

  it('slackWork: an up request starts an environment execution and answers by DM', async () => {
    scriptAws(record({ status: 'destroyed', runId: 'alice-down-20261123' }));
    const result = await run('slackWork', {
      developer: 'alice',
      request: { verb: 'up' },
      requestedBy: 'slack:U0ALICE001',
      replyTo: 'U0ALICE001',
      // Inside alice's day (a Tuesday, 10:00 in Berlin): outside it the up is refused, whatever time the test runs at.
      requestedAt: '2026-11-24T09:00:00.000Z',
    });
    expect(result.actions).toEqual(expect.arrayContaining(['ssm:GetParameter', 'states:StartExecution']));
    expect(result.denied).toEqual([]);
  });

  it('imageWebhook: reads its token and starts image-sync', async () => {
    scriptAws(undefined);
    const token = `value-of-/turbo/image-sync/webhook-token-0123456789abcdef0123456789abcdef`;
    const body = JSON.stringify({ push_data: { tag: '1.3.0' }, repository: { repo_name: 'acme/turbo-notes' } });
    const result = await run('imageWebhook', { pathParameters: { token }, body, isBase64Encoded: false });
    expect(result.actions).toEqual(['ssm:GetParameter', 'states:StartExecution']);
    expect(result.denied).toEqual([]);
  });

  it('slackInteraction: reads the signing secret and queues the work function', async () => {
    scriptAws(undefined);
    const secret = 'value-of-/turbo/slack/signing-secret-0123456789abcdef0123456789abcdef';
    const body = new URLSearchParams({ command: '/turbo', text: 'status', user_id: 'U0ALICE001' }).toString();
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    const result = await run('slackInteraction', {
      headers: { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature },
      body,
      isBase64Encoded: false,
    });
    expect(result.actions).toEqual(['lambda:InvokeFunction', 'ssm:GetParameter']);
    expect(result.denied).toEqual([]);
  });
});
