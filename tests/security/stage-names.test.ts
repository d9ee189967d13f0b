/**
 * A second stage in the same region, and the same stage in a second region, deploy beside the first: no physical
 * name that AWS requires to be unique is shared. IAM role names and S3 bucket names are unique per account (and
 * S3's worldwide), so they must differ across regions too; the rest are unique per region.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEMPLATE_FILE } from '../../cli/rehearsal/packaged';
import { packagedStack, root, EXAMPLE } from '../support/packaged';
import { resolveValue, FAKE_ENV, type Template } from '../support/iam';

const SOURCES = [
  'serverless.yml',
  'serverless-config.cjs',
  'package.json',
  'tsconfig.json',
  'statemachines',
  'resources',
  'plugins',
  'functions',
  'buildspecs',
];
/** The properties that carry a name AWS makes unique, by resource type. */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::IAM::Role': 'RoleName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::CodeBuild::Project': 'Name',
  'AWS::Events::Rule': 'Name',
  'AWS::SSM::Parameter': 'Name',
};
const GLOBAL_TYPES = new Set(['AWS::IAM::Role', 'AWS::S3::Bucket']);

/** Packages the service in a scratch copy, with the example config moved to `region`, under `stage`. */
function packageVariant(stage: string, region: string): Promise<Template> {
  const dir = mkdtempSync(join(tmpdir(), 'turbo-stage-'));
  for (const source of SOURCES) cpSync(join(root, source), join(dir, source), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, EXAMPLE), readFileSync(join(root, EXAMPLE), 'utf8').replace(/^region: .*$/m, `region: ${region}`));
  return new Promise((resolve, reject) => {
    const child = spawn(join(root, 'node_modules/.bin/serverless'), ['package', '--stage', stage], {
      cwd: dir,
      env: { ...process.env, TURBO_CONFIG: EXAMPLE, SLS_TELEMETRY_DISABLED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // serverless prints its errors on both streams.
    let stderr = '';
    child.stdout.on('data', (chunk) => (stderr += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => {
      try {
        if (code !== 0) return reject(new Error(`serverless package --stage ${stage} (${region}) failed: ${stderr}`));
        resolve(JSON.parse(readFileSync(join(dir, TEMPLATE_FILE), 'utf8')) as Template);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

function physicalNames(template: Template, region: string): { type: string; id: string; name: string }[] {
  return Object.entries(template.Resources).flatMap(([id, resource]) => {
    const property = NAME_PROPERTY[resource.Type];
    const value = property ? resource.Properties?.[property] : undefined;
    return value === undefined ? [] : [{ type: resource.Type, id, name: String(resolveValue(template, value, { ...FAKE_ENV, region })) }];
  });
}

describe('names across stages and regions', () => {
  let base: ReturnType<typeof physicalNames>;
  let otherStage: ReturnType<typeof physicalNames>;
  let otherRegion: ReturnType<typeof physicalNames>;

  beforeAll(async () => {
    base = physicalNames(packagedStack().template as unknown as Template, 'eu-west-1');
    const [stage, region] = await Promise.all([packageVariant('staging', 'eu-west-1'), packageVariant('rehearsal', 'us-east-1')]);
    otherStage = physicalNames(stage, 'eu-west-1');
    otherRegion = physicalNames(region, 'us-east-1');
  }, 600_000);

  it('finds the named resources: roles, the bucket, functions, log groups, the table, machines, projects', () => {
    const types = new Set(base.map(({ type }) => type));
    for (const type of [
      'AWS::IAM::Role',
      'AWS::S3::Bucket',
      'AWS::CodeBuild::Project',
      'AWS::DynamoDB::Table',
      'AWS::StepFunctions::StateMachine',
    ])
      expect(types).toContain(type);
  });

  it('shares no name with a second stage in the same region', () => {
    const names = new Set(base.map(({ name }) => name));
    expect(otherStage.filter(({ name }) => names.has(name)).map(({ id, name }) => `${id}: ${name}`)).toEqual([]);
  });

  it('shares no account-wide name (IAM roles, S3 buckets) with the same stage in a second region', () => {
    const names = new Set(base.filter(({ type }) => GLOBAL_TYPES.has(type)).map(({ name }) => name));
    const shared = otherRegion.filter(({ type, name }) => GLOBAL_TYPES.has(type) && names.has(name));
    expect(otherRegion.filter(({ type }) => GLOBAL_TYPES.has(type)).length).toBeGreaterThan(15);
    expect(shared.map(({ id, name }) => `${id}: ${name}`)).toEqual([]);
  });
});
