/**
 * The packaged stack as `serverless package` wrote it: state machine definitions with their CloudFormation
 * references resolved to ARNs, and the Lambda function behind each ARN. Rehearsals and workflow tests run these
 * definitions, never the YAML sources, so what they prove holds for what `serverless deploy` ships.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const ACCOUNT_ID = '123456789012';
export const TEMPLATE_FILE = '.serverless/cloudformation-template-update-stack.json';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Definition = { StartAt: string; States: Record<string, Json> } & Record<string, Json>;

export interface PackagedFunction {
  logicalId: string;
  name: string;
  arn: string;
  /** e.g. `functions/handlers/planActions`, relative to the project root. */
  modulePath: string;
  exportName: string;
  environment: Record<string, string>;
  /** The function's packaged Timeout in seconds. */
  timeoutSeconds?: number;
}

export interface PackagedStack {
  region: string;
  template: { Resources: Record<string, { Type: string; Properties?: Record<string, Json> }> };
  stateMachines: Record<string, { name: string; arn: string; definition: Definition }>;
  functions: Map<string, PackagedFunction>;
  /** S3 buckets by logical ID: their names as the definitions' Refs resolve them (CloudFormation would generate one). */
  buckets: Record<string, string>;
}

/** Sources that change the packaged template; a rehearsal repackages when one is newer than the template. */
const PACKAGE_INPUTS = ['serverless.yml', 'serverless-config.cjs', 'statemachines', 'resources'];
/** What `npm run package` packages with, too. */
const PACKAGING_CONFIG = 'turbo.config.example.yml';

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))));
}

/**
 * Runs `serverless package` (osls, offline) when the template is missing or older than its sources. The state
 * machines do not depend on the roster, so the example config serves every rehearsal (which validates and binds
 * its own config), and one packaging serves every test.
 */
export function ensurePackaged(root: string, log: (line: string) => void = () => {}): void {
  const template = join(root, TEMPLATE_FILE);
  const built = existsSync(template) ? statSync(template).mtimeMs : 0;
  const sources = Math.max(...[...PACKAGE_INPUTS, PACKAGING_CONFIG].map((input) => newestMtime(join(root, input))));
  if (built > sources) return;
  log('packaging with serverless...');
  execFileSync(join(root, 'node_modules/.bin/serverless'), ['package', '--stage', 'rehearsal'], {
    cwd: root,
    env: { ...process.env, TURBO_CONFIG: PACKAGING_CONFIG, SLS_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function resolveSub(value: Json, variables: Record<string, string>): string {
  const sub = (value as { 'Fn::Sub': string | [string, Record<string, Json>] })['Fn::Sub'];
  const [text, names] = typeof sub === 'string' ? [sub, {}] : sub;
  return text.replace(/\$\{([^}]+)\}/g, (match, name: string) => {
    if (name in variables) return variables[name]!;
    const reference = names[name] as { 'Fn::GetAtt'?: [string, string]; Ref?: string; 'Fn::Sub'?: string } | undefined;
    // An ARN the definition spells out by name (e.g. the environment machine's, for StartExecution).
    if (reference?.['Fn::Sub'] !== undefined) return resolveSub(reference, variables);
    const target = reference?.['Fn::GetAtt']?.[0] ?? reference?.Ref;
    if (target && target in variables) return variables[target]!;
    throw new Error(`packaged definition references ${match}, which resolves to no resource (${JSON.stringify(reference)})`);
  });
}

/** The name a bucket without a BucketName has in a rehearsal (CloudFormation would generate one). */
export function standInBucketName(logicalId: string): string {
  return `rehearsal-${logicalId.toLowerCase()}`;
}

/** `region` stands in for AWS::Region, which only CloudFormation knows. */
export function loadPackagedStack(root: string, region: string): PackagedStack {
  const template = JSON.parse(readFileSync(join(root, TEMPLATE_FILE), 'utf8')) as PackagedStack['template'];
  const variables: Record<string, string> = { 'AWS::Region': region, 'AWS::AccountId': ACCOUNT_ID, 'AWS::Partition': 'aws' };
  const functions = new Map<string, PackagedFunction>();
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const props = resource.Properties!;
    const name = String(props.FunctionName);
    const arn = `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${name}`;
    const handler = String(props.Handler);
    const dot = handler.lastIndexOf('.');
    variables[logicalId] = arn;
    functions.set(arn, {
      logicalId,
      name,
      arn,
      modulePath: handler.slice(0, dot),
      exportName: handler.slice(dot + 1),
      environment: ((props.Environment as { Variables?: Record<string, string> })?.Variables ?? {}) as Record<string, string>,
      timeoutSeconds: typeof props.Timeout === 'number' ? props.Timeout : undefined,
    });
  }
  const buckets: Record<string, string> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::S3::Bucket') continue;
    const name = resource.Properties?.BucketName;
    buckets[logicalId] = typeof name === 'string' ? name : standInBucketName(logicalId);
    variables[logicalId] = buckets[logicalId];
  }
  const stateMachines: PackagedStack['stateMachines'] = {};
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const name = String(resource.Properties!.StateMachineName);
    variables[logicalId] = `arn:aws:states:${region}:${ACCOUNT_ID}:stateMachine:${name}`;
  }
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const name = String(resource.Properties!.StateMachineName);
    const definition = JSON.parse(resolveSub(resource.Properties!.DefinitionString!, variables)) as Definition;
    const key = name.split('-').pop()!;
    stateMachines[key] = { name, arn: variables[logicalId]!, definition };
  }
  return { region, template, stateMachines, functions, buckets };
}

/** Every Task state of a definition, Map and Parallel bodies included, with its Resource. */
export function taskStates(definition: { States: Record<string, Json> }): { name: string; state: Record<string, Json> }[] {
  const found: { name: string; state: Record<string, Json> }[] = [];
  for (const [name, raw] of Object.entries(definition.States)) {
    const state = raw as Record<string, Json>;
    if (state.Type === 'Task') found.push({ name, state });
    const body = (state.ItemProcessor ?? state.Iterator) as { States: Record<string, Json> } | undefined;
    if (body) found.push(...taskStates(body));
    for (const branch of (state.Branches as { States: Record<string, Json> }[] | undefined) ?? []) found.push(...taskStates(branch));
  }
  return found;
}

/** The git-free way tests and the CLI find the project root: the folder holding serverless.yml. */
export function projectRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'serverless.yml'))) {
    const parent = join(dir, '..');
    if (parent === dir) throw new Error('cannot find the project root (no serverless.yml above this folder)');
    dir = parent;
  }
  return dir;
}
