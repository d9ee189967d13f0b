/**
 * Checks on what `serverless package` produced (and on resources/codebuild.yml, the CodeBuild jobs' role):
 * no wildcard IAM action, no Resource "*" outside security/iam-allowlist.yml, secrets only as references, every
 * public endpoint's handler verifies its caller, every state machine logs, and the table has point-in-time recovery.
 */
jest.mock('@middy/core', () => jest.requireActual('../../node_modules/@middy/core/index.js'), { virtual: true });
jest.mock('@middy/util', () => jest.requireActual('../../node_modules/@middy/util/index.js'), { virtual: true });

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Context } from 'aws-lambda';
import { handler as imageWebhook } from '../../functions/handlers/imageWebhook';
import { interact } from '../../functions/handlers/slackInteraction';
import { bindDeps, type Deps } from '../../functions/handlers/lib/deps';
import { exampleConfig, packagedStack, root } from '../support/packaged';
import { NETWORK_VPC_PARAMETER } from '../../functions/core/plan';

type Resource = { Type: string; Properties?: Record<string, unknown> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Sid?: string };
interface AllowEntry {
  role: string;
  actions: string[];
  reason: string;
}

const stack = packagedStack();
const template = stack.template as {
  Resources: Record<string, Resource>;
  Parameters?: Record<string, { NoEcho?: boolean | string; Default?: unknown }>;
};
const codebuild = parse(readFileSync(join(root, 'resources/codebuild.yml'), 'utf8')) as { Resources: Record<string, Resource> };
const allowlist = (parse(readFileSync(join(root, 'security/iam-allowlist.yml'), 'utf8')) as { statements: AllowEntry[] }).statements;

/** Every Allow statement of every role and policy, with the role (logical ID) it belongs to. */
function statementsOf(resources: Record<string, Resource>): { role: string; statement: Statement }[] {
  return Object.entries(resources).flatMap(([id, resource]) => {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Role') {
      const policies = (properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[];
      return policies.flatMap((policy) => policy.PolicyDocument.Statement.map((statement) => ({ role: id, statement })));
    }
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      const document = properties.PolicyDocument as { Statement: Statement[] };
      const roles = ((properties.Roles ?? []) as { Ref?: string }[]).map((role) => role.Ref ?? id);
      return document.Statement.flatMap((statement) => (roles.length ? roles : [id]).map((role) => ({ role, statement })));
    }
    return [];
  });
}

const statements = [...statementsOf(template.Resources), ...statementsOf(codebuild.Resources)].filter(
  ({ statement }) => statement.Effect === 'Allow',
);
const actionsOf = (statement: Statement) => [statement.Action].flat();
const grantsEverything = (statement: Statement) => [statement.Resource].flat().includes('*');

describe('IAM in the packaged stack and the CodeBuild role', () => {
  it('finds the roles it checks (each function, both state machines, the CodeBuild jobs)', () => {
    const roles = new Set(statements.map(({ role }) => role));
    expect(roles.size).toBeGreaterThan(10);
    expect([...roles]).toEqual(
      expect.arrayContaining([
        'ReconcileStateMachineRole',
        'EnvironmentStateMachineRole',
        'PlanActionsIamRoleLambdaExecution',
        'TurboJobRole',
      ]),
    );
  });

  it('grants no wildcard action: neither "*" nor "service:*"', () => {
    const wildcards = statements.flatMap(({ role, statement }) =>
      actionsOf(statement)
        .filter((action) => action === '*' || /^[a-z0-9-]+:\*$/i.test(action))
        .map((action) => `${role}: ${action}`),
    );
    expect(wildcards).toEqual([]);
  });

  it('names Resource "*" only for actions listed, with their reason, in security/iam-allowlist.yml', () => {
    const unlisted = statements
      .filter(({ statement }) => grantsEverything(statement))
      .flatMap(({ role, statement }) =>
        actionsOf(statement)
          .filter((action) => !allowlist.some((entry) => entry.role === role && entry.actions.includes(action)))
          .map((action) => `${role}: ${action} on "*"`),
      );
    expect(unlisted).toEqual([]);
  });

  it('lists nothing in the allow-list that no statement uses, and gives every entry a reason', () => {
    const broad = statements.filter(({ statement }) => grantsEverything(statement));
    for (const entry of allowlist) {
      expect([entry.role, entry.reason.trim().length > 40]).toEqual([entry.role, true]);
      for (const action of entry.actions) {
        const used = broad.some(({ role, statement }) => role === entry.role && actionsOf(statement).includes(action));
        expect([entry.role, action, used]).toEqual([entry.role, action, true]);
      }
    }
  });
});

describe('secrets in the packaged template', () => {
  const text = JSON.stringify(template);
  const TOKEN_SHAPES = [
    /xox[abprs]-[A-Za-z0-9-]{10,}/,
    /xapp-[A-Za-z0-9-]{10,}/,
    /\b(AKIA|ASIA)[A-Z0-9]{16}\b/,
    /\bghp_[A-Za-z0-9]{20,}/,
    /\bdckr_pat_[A-Za-z0-9_-]{10,}/,
    /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
    /Bearer [A-Za-z0-9._~+/=-]{16,}/,
  ];

  it('carries no token-looking string', () => {
    expect(TOKEN_SHAPES.filter((shape) => shape.test(text)).map(String)).toEqual([]);
  });

  it('creates no SSM parameter or secret with its value in the template', () => {
    const withValues = Object.entries(template.Resources).filter(
      ([, resource]) =>
        (resource.Type === 'AWS::SSM::Parameter' &&
          (resource.Properties?.Type === 'SecureString' || resource.Properties?.Value !== undefined)) ||
        (resource.Type === 'AWS::SecretsManager::Secret' && resource.Properties?.SecretString !== undefined),
    );
    expect(withValues.map(([id]) => id)).toEqual([]);
  });

  it('passes functions the names of secrets (SSM paths), never values', () => {
    const environments = Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
      .flatMap(([id, resource]) =>
        Object.entries((resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}).map(
          ([name, value]) => [id, name, value] as const,
        ),
      );
    expect(environments.length).toBeGreaterThan(0);
    const secretLooking = environments.filter(
      ([, name, value]) => /token|secret|password|key/i.test(name) && !(typeof value === 'string' && /^(\/|secretsmanager:)/.test(value)),
    );
    expect(secretLooking).toEqual([]);
  });

  it('marks every secret-looking stack parameter NoEcho, with no default', () => {
    const parameters = Object.entries(template.Parameters ?? {}).filter(([name]) => /token|secret|password/i.test(name));
    expect(
      parameters.filter(([, parameter]) => String(parameter.NoEcho) !== 'true' || parameter.Default !== undefined).map(([name]) => name),
    ).toEqual([]);
  });

  it('reads secrets only from the SSM parameters the config names', () => {
    const config = exampleConfig();
    const reads = statements.filter(({ statement }) =>
      actionsOf(statement).some((action) => action === 'ssm:GetParameter' || action === 'secretsmanager:GetSecretValue'),
    );
    const lambdaReads = reads.filter(({ role }) => role.endsWith('IamRoleLambdaExecution'));
    expect(lambdaReads.length).toBeGreaterThan(0);
    // Every `...Parameter` value of the config (Slack, Jenkins, image-sync, registry credentials).
    const named: string[] = [];
    const collect = (node: unknown): void => {
      if (node && typeof node === 'object')
        for (const [key, value] of Object.entries(node))
          typeof value === 'string' && key.endsWith('Parameter') ? named.push(value) : collect(value);
    };
    collect(config);
    expect(named).toContain(config.slack.tokenParameter);
    for (const { role, statement } of lambdaReads) {
      // PlanActions also reads the shared network's VPC parameter (not a secret): it holds the ups until it exists.
      const allowed = role === 'PlanActionsIamRoleLambdaExecution' ? [...named, NETWORK_VPC_PARAMETER] : named;
      for (const resource of [statement.Resource].flat()) {
        const arn = JSON.stringify(resource);
        expect([role, allowed.some((name) => arn.endsWith(`:parameter${name}"}`))]).toEqual([role, true]);
      }
    }
  });
});

/** The handlers that answer public HTTP requests, and a behavioural check that an unverified caller is refused. */
const VERIFYING_HANDLERS: Record<string, () => Promise<void>> = {
  'functions/handlers/imageWebhook.handler': async () => {
    const started: string[] = [];
    const token = 'b7e2c4d6f8a0b1c3d5e7f9a1b3c5d7e9f1a3b5c7d9e1f3a5';
    bindDeps(
      async () =>
        ({
          config: exampleConfig(),
          region: 'eu-west-1',
          secrets: { get: async () => token },
          workflows: { start: async (name: string) => (started.push(name), { executionArn: name, alreadyStarted: false }) },
        }) as unknown as Deps,
    );
    const body = JSON.stringify({ push_data: { tag: '1.3.0' }, repository: { repo_name: 'acme/turbo-notes' } });
    for (const pathParameters of [undefined, { token: 'not-the-token' }, { token: token.slice(0, -1) }]) {
      const answer = (await imageWebhook({ pathParameters, body, isBase64Encoded: false }, {} as Context)) as { statusCode: number };
      expect(answer.statusCode).toBe(404);
    }
    expect(started).toEqual([]);
  },
  'functions/handlers/slackInteraction.handler': async () => {
    const queued: unknown[] = [];
    const ports = {
      config: exampleConfig(),
      signingSecret: async () => 'signing-secret-0123456789',
      work: { enqueue: async (task: unknown) => void queued.push(task) },
      now: () => new Date(),
    };
    const body = new URLSearchParams({ command: '/turbo', text: 'down', user_id: 'U0ALICE001' }).toString();
    const timestamp = String(Math.floor(Date.now() / 1000));
    for (const headers of [{}, { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': `v0=${'0'.repeat(64)}` }]) {
      expect(await interact({ headers, body, isBase64Encoded: false }, ports)).toMatchObject({ statusCode: 401 });
    }
    expect(queued).toEqual([]);
  },
};

/** Each HTTP API route (or function URL) of the template, with the handler of the function it invokes. */
function publicEndpoints(): { endpoint: string; handler: string }[] {
  const resources = template.Resources;
  const functionHandler = (node: unknown): string | undefined => {
    const text = JSON.stringify(node);
    const id = Object.keys(resources).find(
      (candidate) => resources[candidate]!.Type === 'AWS::Lambda::Function' && text.includes(`"${candidate}"`),
    );
    return id ? String(resources[id]!.Properties?.Handler) : undefined;
  };
  const routes = Object.entries(resources)
    .filter(([, resource]) => resource.Type === 'AWS::ApiGatewayV2::Route' || resource.Type === 'AWS::ApiGateway::Method')
    .map(([id, resource]) => {
      const target = JSON.stringify(resource.Properties?.Target ?? resource.Properties?.Integration ?? '');
      const integration = Object.keys(resources).find(
        (candidate) => resources[candidate]!.Type === 'AWS::ApiGatewayV2::Integration' && target.includes(`"${candidate}"`),
      );
      return {
        endpoint: String(resource.Properties?.RouteKey ?? id),
        handler: functionHandler(integration ? resources[integration] : resource.Properties) ?? `(no function found for ${id})`,
      };
    });
  const urls = Object.entries(resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Url')
    .map(([id, resource]) => ({
      endpoint: `function URL ${id} (AuthType ${String(resource.Properties?.AuthType)})`,
      handler: functionHandler(resource.Properties?.TargetFunctionArn) ?? id,
    }));
  return [...routes, ...urls];
}

describe('public endpoints', () => {
  it('routes every public endpoint to a handler that verifies its caller first', () => {
    const endpoints = publicEndpoints();
    if (endpoints.length === 0) {
      console.warn('NOTICE: the packaged stack has no HTTP API route or function URL yet; the verifying handlers are still checked below.');
    }
    expect(endpoints.filter(({ handler }) => !(handler in VERIFYING_HANDLERS))).toEqual([]);
  });

  it.each(Object.keys(VERIFYING_HANDLERS))('%s refuses an unverified caller and starts nothing', async (handler) => {
    await VERIFYING_HANDLERS[handler]!();
  });
});

describe('state machines and data', () => {
  const machines = Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::StepFunctions::StateMachine');

  it('logs every state machine to a log group, with execution data left out', () => {
    expect(machines.length).toBeGreaterThanOrEqual(2);
    for (const [id, machine] of machines) {
      const logging = machine.Properties?.LoggingConfiguration as
        | { Level?: string; IncludeExecutionData?: boolean; Destinations?: unknown[] }
        | undefined;
      expect([id, logging?.Level !== undefined && logging.Level !== 'OFF', (logging?.Destinations ?? []).length > 0]).toEqual([
        id,
        true,
        true,
      ]);
      // Execution data would copy every state's input into CloudWatch; nothing secret is there, but nothing needs it.
      expect([id, logging?.IncludeExecutionData]).toEqual([id, false]);
    }
  });

  it('enables point-in-time recovery (and encryption) on every DynamoDB table', () => {
    const tables = Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::DynamoDB::Table');
    expect(tables.length).toBeGreaterThan(0);
    for (const [id, table] of tables) {
      const pitr = table.Properties?.PointInTimeRecoverySpecification as { PointInTimeRecoveryEnabled?: boolean } | undefined;
      expect([id, pitr?.PointInTimeRecoveryEnabled, (table.Properties?.SSESpecification as { SSEEnabled?: boolean })?.SSEEnabled]).toEqual([
        id,
        true,
        true,
      ]);
    }
  });
});
