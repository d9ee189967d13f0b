/**
 * IAM, judged as IAM judges an identity-based policy (an explicit Deny wins, then any Allow; wildcards `*` and `?`
 * in actions and resources; NotAction, NotResource and the common condition operators), against each function's and
 * each state machine's role in the packaged template, and which IAM action and resource ARN each AWS SDK v3 command
 * asks for. The rehearsal, the soak and the fault matrix hold every AWS call to this (see enforce.ts); the tests'
 * aws-sdk-client-mock recorder (tests/support/iam.ts) uses the same judgement.
 *
 *   allowedBy(template, 'startJob', 'codebuild:BatchGetBuilds', 'arn:aws:codebuild:eu-west-1:123456789012:project/p')
 */
import { ACCOUNT_ID, standInBucketName } from './packaged';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}
export interface AwsEnv {
  region: string;
  accountId: string;
  partition: string;
}
/** The account and region the tests and the rehearsal's packaged stack resolve ARNs in. */
export const FAKE_ENV: AwsEnv = { region: 'eu-west-1', accountId: ACCOUNT_ID, partition: 'aws' };

/** One statement of an IAM policy, as a template writes it. */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
/** Request context keys (aws:ResourceTag/..., iam:PolicyARN, ...) and their values, for Condition blocks. */
export type RequestContext = Record<string, string | string[]>;

// --- CloudFormation values, resolved with fake account and region -------------------------------------------------

function physicalName(template: Template, id: string, env: AwsEnv): { ref: string; arn: string } {
  const resource = template.Resources[id];
  if (!resource) throw new Error(`the template has no resource ${id}`);
  const props = resource.Properties ?? {};
  const name = (key: string) => resolveValue(template, props[key], env) as string;
  const { region, accountId: account, partition } = env;
  switch (resource.Type) {
    case 'AWS::DynamoDB::Table':
      return { ref: name('TableName'), arn: `arn:${partition}:dynamodb:${region}:${account}:table/${name('TableName')}` };
    case 'AWS::Lambda::Function':
      return { ref: name('FunctionName'), arn: `arn:${partition}:lambda:${region}:${account}:function:${name('FunctionName')}` };
    case 'AWS::StepFunctions::StateMachine': {
      const arn = `arn:${partition}:states:${region}:${account}:stateMachine:${name('StateMachineName')}`;
      return { ref: arn, arn };
    }
    case 'AWS::IAM::Role':
      return { ref: name('RoleName'), arn: `arn:${partition}:iam::${account}:role/${name('RoleName')}` };
    case 'AWS::S3::Bucket': {
      // A bucket without a BucketName gets one CloudFormation makes up: the rehearsal's stand-in (packaged.ts).
      const bucket = props.BucketName === undefined ? standInBucketName(id) : name('BucketName');
      return { ref: bucket, arn: `arn:${partition}:s3:::${bucket}` };
    }
    case 'AWS::Logs::LogGroup':
      return { ref: name('LogGroupName'), arn: `arn:${partition}:logs:${region}:${account}:log-group:${name('LogGroupName')}:*` };
    case 'AWS::CodeBuild::Project':
      return { ref: name('Name'), arn: `arn:${partition}:codebuild:${region}:${account}:project/${name('Name')}` };
    case 'AWS::SQS::Queue': // Ref is the queue URL; Fn::GetAtt Arn is what policies name
      return {
        ref: `https://sqs.${region}.amazonaws.com/${account}/${name('QueueName')}`,
        arn: `arn:${partition}:sqs:${region}:${account}:${name('QueueName')}`,
      };
    case 'AWS::SNS::Topic': {
      const arn = `arn:${partition}:sns:${region}:${account}:${name('TopicName')}`;
      return { ref: arn, arn };
    }
    default:
      throw new Error(`cannot resolve a Ref or Fn::GetAtt to ${id} (${resource.Type}): add its ARN shape to cli/rehearsal/iam.ts`);
  }
}

function pseudo(name: string, env: AwsEnv): string | undefined {
  return { 'AWS::Region': env.region, 'AWS::AccountId': env.accountId, 'AWS::Partition': env.partition, 'AWS::URLSuffix': 'amazonaws.com' }[
    name
  ];
}

/** A template value with Ref, Fn::GetAtt (Arn), Fn::Sub and Fn::Join resolved; plain values as they are. */
export function resolveValue(template: Template, value: unknown, env: AwsEnv = FAKE_ENV): Json {
  if (Array.isArray(value)) return value.map((item) => resolveValue(template, item, env));
  if (!value || typeof value !== 'object') return value as Json;
  const node = value as Record<string, unknown>;
  if ('Ref' in node) {
    const name = String(node.Ref);
    return pseudo(name, env) ?? physicalName(template, name, env).ref;
  }
  if ('Fn::GetAtt' in node) {
    const [id, attribute] = [node['Fn::GetAtt']].flat().join('.').split('.');
    if (attribute !== 'Arn') throw new Error(`Fn::GetAtt ${id}.${attribute}: only Arn is modelled`);
    return physicalName(template, id!, env).arn;
  }
  if ('Fn::Join' in node) {
    const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
    return (resolveValue(template, parts, env) as Json[]).join(separator);
  }
  if ('Fn::Sub' in node) {
    const sub = node['Fn::Sub'] as string | [string, Record<string, unknown>];
    const [text, variables] = typeof sub === 'string' ? [sub, {}] : sub;
    return text.replace(/\$\{([^}!]+)\}/g, (_match, name: string) => {
      if (name in variables) return String(resolveValue(template, variables[name], env));
      const [id, attribute] = name.split('.');
      const known = pseudo(name, env);
      if (known !== undefined) return known;
      return attribute
        ? String(resolveValue(template, { 'Fn::GetAtt': [id, attribute] }, env))
        : String(resolveValue(template, { Ref: id }, env));
    });
  }
  return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, resolveValue(template, item, env)]));
}

// --- Whose statements ---------------------------------------------------------------------------------------------

/** The role of a function (its serverless name, e.g. `startJob`, or its logical ID), or a role's own logical ID. */
export function roleOf(template: Template, principal: string): string {
  const candidates = [principal, `${principal[0]!.toUpperCase()}${principal.slice(1)}LambdaFunction`];
  const id = candidates.find((candidate) => template.Resources[candidate]);
  if (!id) throw new Error(`the template has no function or role named ${principal}`);
  const resource = template.Resources[id]!;
  if (resource.Type === 'AWS::IAM::Role') return id;
  if (resource.Type !== 'AWS::Lambda::Function') throw new Error(`${principal} is a ${resource.Type}, not a function or a role`);
  const role = resource.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined;
  const roleId = role?.['Fn::GetAtt']?.[0];
  if (!roleId) throw new Error(`function ${id} names its role as ${JSON.stringify(role)}, not as a GetAtt of a role in the template`);
  return roleId;
}

/** Every statement that applies to the role: its inline policies and the AWS::IAM::Policy resources attached to it. */
export function statementsOf(template: Template, roleId: string, env: AwsEnv = FAKE_ENV): PolicyStatement[] {
  const role = template.Resources[roleId]!;
  const inline = ((role.Properties?.Policies ?? []) as { PolicyDocument: { Statement: PolicyStatement[] } }[]).flatMap(
    (policy) => policy.PolicyDocument.Statement,
  );
  const attached = Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy')
    .filter((resource) => JSON.stringify(resource.Properties?.Roles ?? []).includes(`"${roleId}"`))
    .flatMap((resource) => (resource.Properties!.PolicyDocument as { Statement: PolicyStatement[] }).Statement);
  return [...inline, ...attached].map((statement) => resolveValue(template, statement, env) as unknown as PolicyStatement);
}

// --- IAM's evaluation ---------------------------------------------------------------------------------------------

/** Compiled wildcard patterns: the template's (and the tests') patterns, a bounded set, each compiled once. */
const compiledPatterns = new Map<string, RegExp>();

/** IAM's wildcard match: `*` any run of characters, `?` any one; actions ignore case, ARNs do not. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let compiled = compiledPatterns.get(key);
  if (!compiled) {
    const source = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    compiledPatterns.set(key, (compiled = new RegExp(`^${source}$`, ignoreCase ? 'i' : '')));
  }
  return compiled.test(value);
}

const list = (value: unknown): string[] => (value === undefined ? [] : [value].flat().map(String));

function conditionHolds(operator: string, key: string, expected: string[], context: RequestContext): boolean {
  const ifExists = operator.endsWith('IfExists');
  const [qualifier, base] = operator.includes(':') ? operator.replace(/IfExists$/, '').split(':') : ['', operator.replace(/IfExists$/, '')];
  const found = Object.entries(context).find(([name]) => name.toLowerCase() === key.toLowerCase())?.[1];
  const negated = /Not/.test(base!);
  if (found === undefined) return ifExists || negated;
  const actual = [found].flat();
  const one = (value: string): boolean => {
    switch (base) {
      case 'StringEquals':
      case 'ArnEquals':
        return expected.includes(value);
      case 'StringEqualsIgnoreCase':
        return expected.some((item) => item.toLowerCase() === value.toLowerCase());
      case 'StringLike':
      case 'ArnLike':
        return expected.some((item) => wildcardMatch(item, value));
      case 'StringNotEquals':
      case 'ArnNotEquals':
        return !expected.includes(value);
      case 'StringNotLike':
      case 'ArnNotLike':
        return !expected.some((item) => wildcardMatch(item, value));
      case 'Bool':
        return expected.includes(value.toLowerCase());
      default:
        throw new Error(`condition operator ${operator} is not modelled in cli/rehearsal/iam.ts`);
    }
  };
  if (qualifier === 'ForAllValues') return actual.every(one);
  return actual.some(one);
}

function statementApplies(statement: PolicyStatement, action: string, resource: string, context: RequestContext): boolean {
  const actionMatches =
    statement.Action !== undefined
      ? list(statement.Action).some((pattern) => wildcardMatch(pattern, action, true))
      : !list(statement.NotAction).some((pattern) => wildcardMatch(pattern, action, true));
  const resourceMatches =
    statement.Resource !== undefined
      ? list(statement.Resource).some((pattern) => wildcardMatch(pattern, resource))
      : !list(statement.NotResource).some((pattern) => wildcardMatch(pattern, resource));
  if (!actionMatches || !resourceMatches) return false;
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => conditionHolds(operator, key, list(expected), context)),
  );
}

export type Decision =
  | { allowed: true; by: PolicyStatement }
  | { allowed: false; reason: 'explicit deny' | 'no statement allows it'; by?: PolicyStatement };

/** Each principal's resolved statements, per template and account: a template is read once, however many calls are judged. */
const statementCache = new WeakMap<Template, Map<string, PolicyStatement[]>>();

function statementsFor(template: Template, principal: string, env: AwsEnv): PolicyStatement[] {
  const byPrincipal = statementCache.get(template) ?? statementCache.set(template, new Map()).get(template)!;
  const key = `${env.partition}:${env.region}:${env.accountId}:${principal}`;
  let statements = byPrincipal.get(key);
  if (!statements) byPrincipal.set(key, (statements = statementsOf(template, roleOf(template, principal), env)));
  return statements;
}

/**
 * IAM's decision on one request of a principal (a function's serverless name or logical ID, or a role's logical ID).
 * The template's statements are resolved once per principal: judge a changed template as a copy, not in place.
 */
export function decide(
  template: Template,
  principal: string,
  action: string,
  resource: string,
  context: RequestContext = {},
  env = FAKE_ENV,
): Decision {
  const statements = statementsFor(template, principal, env);
  const deny = statements.find((statement) => statement.Effect === 'Deny' && statementApplies(statement, action, resource, context));
  if (deny) return { allowed: false, reason: 'explicit deny', by: deny };
  const allow = statements.find((statement) => statement.Effect === 'Allow' && statementApplies(statement, action, resource, context));
  return allow ? { allowed: true, by: allow } : { allowed: false, reason: 'no statement allows it' };
}

export function allowedBy(...request: Parameters<typeof decide>): boolean {
  return decide(...request).allowed;
}

// --- From SDK commands to IAM requests ----------------------------------------------------------------------------

/** The IAM service prefix of each SDK v3 client Turbo uses. */
const SERVICE_OF_CLIENT: Record<string, string> = {
  CodeBuildClient: 'codebuild',
  DynamoDBClient: 'dynamodb',
  DynamoDBDocumentClient: 'dynamodb',
  EKSClient: 'eks',
  LambdaClient: 'lambda',
  S3Client: 's3',
  SecretsManagerClient: 'secretsmanager',
  SFNClient: 'states',
  SSMClient: 'ssm',
  STSClient: 'sts',
};
/** Where the IAM action is not the command's name: lib-dynamodb's commands and Lambda's Invoke. */
const ACTION_OF_COMMAND: Record<string, string> = {
  'dynamodb:Get': 'GetItem',
  'dynamodb:Put': 'PutItem',
  'dynamodb:Update': 'UpdateItem',
  'dynamodb:Delete': 'DeleteItem',
  'dynamodb:BatchGet': 'BatchGetItem',
  'dynamodb:BatchWrite': 'BatchWriteItem',
  'dynamodb:TransactGet': 'TransactGetItems',
  'dynamodb:TransactWrite': 'TransactWriteItems',
  'lambda:Invoke': 'InvokeFunction',
};

export interface AwsRequest {
  action: string;
  resources: string[];
  /** The call as sent, for messages. */
  call: string;
}

/** What an SDK command's input holds, as far as its resource ARN goes. */
export type SdkInput = Record<string, unknown>;

/** The IAM action and the resource ARNs one SDK command asks for. Unknown commands fail: add them here. */
export function iamRequestOf(clientName: string, command: { constructor: { name: string }; input: SdkInput }, env = FAKE_ENV): AwsRequest {
  const service = SERVICE_OF_CLIENT[clientName];
  if (!service) throw new Error(`no IAM service prefix for SDK client ${clientName}: add it to cli/rehearsal/iam.ts`);
  const name = command.constructor.name.replace(/Command$/, '');
  const action = `${service}:${ACTION_OF_COMMAND[`${service}:${name}`] ?? name}`;
  return { action, resources: resourcesOf(action, command.input, env), call: `${clientName}.send(${command.constructor.name})` };
}

/** The resource ARNs an IAM action is judged on, from the input of the SDK command that asks for it. */
export function resourcesOf(action: string, input: SdkInput, env = FAKE_ENV): string[] {
  const { region, accountId: account, partition } = env;
  const arn = (rest: string) => `arn:${partition}:${action.split(':')[0]}:${region}:${account}:${rest}`;
  switch (action) {
    case 'dynamodb:GetItem':
    case 'dynamodb:PutItem':
    case 'dynamodb:UpdateItem':
    case 'dynamodb:DeleteItem':
    case 'dynamodb:Scan':
    case 'dynamodb:Query':
      return [arn(`table/${input.TableName}`)];
    case 'dynamodb:BatchGetItem':
    case 'dynamodb:BatchWriteItem':
      return Object.keys((input.RequestItems ?? {}) as object).map((table) => arn(`table/${table}`));
    case 'eks:ListClusters':
      return ['*'];
    case 'eks:DescribeCluster':
      return [arn(`cluster/${input.name}`)];
    case 'eks:ListNodegroups':
      return [arn(`cluster/${input.clusterName}`)];
    case 'eks:DescribeNodegroup':
      // A node group's ARN ends in an ID EKS assigns; any value stands for it.
      return [arn(`nodegroup/${input.clusterName}/${input.nodegroupName}/0ec1a2b3-0000-4000-8000-000000000000`)];
    case 'codebuild:StartBuild':
      return [arn(`project/${input.projectName}`)];
    case 'codebuild:BatchGetBuilds':
      // A build ID is `<project>:<build UUID>`; the permission is on the project.
      return (input.ids as string[]).map((id) => arn(`project/${id.split(':')[0]}`));
    case 'states:StartExecution':
      return [String(input.stateMachineArn)];
    case 'states:DescribeExecution':
    case 'states:StopExecution':
      return [String(input.executionArn)];
    case 'ssm:GetParameter':
      return [arn(`parameter${String(input.Name).startsWith('/') ? '' : '/'}${input.Name}`)];
    case 'ssm:GetParameters':
      return (input.Names as string[]).map((n) => arn(`parameter${n.startsWith('/') ? '' : '/'}${n}`));
    case 'secretsmanager:GetSecretValue':
      // A secret's ARN ends in a six-character suffix Secrets Manager adds to the name.
      return [String(input.SecretId).startsWith('arn:') ? String(input.SecretId) : arn(`secret:${input.SecretId}-Ab12Cd`)];
    case 's3:PutObject':
    case 's3:GetObject':
      // Object ARNs carry neither region nor account.
      return [`arn:${partition}:s3:::${input.Bucket}/${input.Key}`];
    case 'lambda:InvokeFunction':
      return [String(input.FunctionName).startsWith('arn:') ? String(input.FunctionName) : arn(`function:${input.FunctionName}`)];
    default:
      throw new Error(`no resource mapping for ${action}: add it to cli/rehearsal/iam.ts`);
  }
}
