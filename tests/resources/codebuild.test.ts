/**
 * resources/codebuild.yml: the CodeBuild projects and their job role, as serverless includes them.
 * Serverless variables (${self:...}, ${sls:stage}) stay unresolved here; they are checked as text.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { actionsOf, inlineStatementsOf, type CfnResource, type CfnTemplate, type PolicyStatement } from '../support/cfn';

const REPO = resolve(__dirname, '../..');
const text = readFileSync(join(REPO, 'resources', 'codebuild.yml'), 'utf8');
const template = parseYaml(text) as CfnTemplate;
const readme = readFileSync(join(REPO, 'infra-tf', 'README.md'), 'utf8');

/** A project as resources/codebuild.yml writes it: its source and version are serverless variables, still text here. */
interface ProjectInYaml {
  Name: string;
  Source: string;
  SourceVersion: string;
  ServiceRole: unknown;
  Environment: { EnvironmentVariables: unknown[] };
}
/** A project as `serverless package` resolves it. */
interface PackagedProject {
  Source: { Type: string; Auth?: unknown; BuildSpec: string };
  SourceVersion?: string;
}
interface Buildspec {
  phases: Record<string, { commands: string[] }>;
  env: { variables: Record<string, string> };
}
/** What serverless-config.cjs resolves for the CodeBuild resources. */
interface ResolvedCodebuild {
  codebuild: {
    terraform: { source: { Type: string } };
    connectionPolicy: { Resources: Record<string, CfnResource<{ Roles: unknown[]; PolicyDocument: { Statement: PolicyStatement[] } }>> };
  };
}

const allStatements = inlineStatementsOf(template.Resources.TurboJobRole!);
const statements = allStatements.filter((s) => s.Effect === 'Allow');
const conditionKeys = (s: PolicyStatement) => Object.values(s.Condition ?? {}).flatMap((c) => Object.keys(c));
const isTagScoped = (s: PolicyStatement) => conditionKeys(s).some((key) => /^aws:(Resource|Request)Tag\/turbo:managed-by$/.test(key));

describe('resources/codebuild.yml', () => {
  it('is a serverless resources mapping with a top-level Resources key', () => {
    expect(Object.keys(template)).toEqual(['Resources']);
    expect(Object.keys(template.Resources).sort()).toEqual([
      'TurboDeployLogGroup',
      'TurboDeployProject',
      'TurboJobRole',
      'TurboStateBucket',
      'TurboTerraformLogGroup',
      'TurboTerraformProject',
    ]);
  });

  it('refers only to resources it defines, and to the image-sync role serverless.yml defines (Ref and Fn::GetAtt)', () => {
    const refs = [...text.matchAll(/Ref: (\w+)/g)].map((m) => m[1]!).filter((name) => !name.startsWith('AWS'));
    const getAtts = [...text.matchAll(/Fn::GetAtt: \[(\w+), \w+\]/g)].map((m) => m[1]!);
    expect(refs.length + getAtts.length).toBeGreaterThan(0);
    const known = [...Object.keys(template.Resources), 'ImageSyncRole'];
    for (const name of [...refs, ...getAtts]) expect(known).toContain(name);
    expect(readFileSync(join(__dirname, '../../serverless.yml'), 'utf8')).toMatch(/^ {6}ImageSyncRole:$/m);
  });

  it("names the projects from the serverless custom keys and takes each one's Source from them", () => {
    const terraform = template.Resources.TurboTerraformProject!.Properties as unknown as ProjectInYaml;
    const deploy = template.Resources.TurboDeployProject!.Properties as unknown as ProjectInYaml;
    expect(terraform.Name).toBe('${self:custom.codebuild.terraformProject}');
    expect(deploy.Name).toBe('${self:custom.codebuild.deployProject}');
    for (const [project, kind] of [
      [terraform, 'terraform'],
      [deploy, 'deploy'],
    ] as const) {
      expect(project.Source).toBe(`\${self:custom.codebuild.${kind}Source}`);
      expect(existsSync(join(REPO, `buildspecs/${kind}.yml`))).toBe(true);
      expect(project.SourceVersion).toBe(`\${self:custom.codebuild.${kind}SourceVersion, null}`);
      expect(project.ServiceRole).toEqual({ 'Fn::GetAtt': ['TurboJobRole', 'Arn'] });
    }
    expect(terraform.Environment.EnvironmentVariables).toEqual([
      { Name: 'TF_STATE_BUCKET', Value: { Ref: 'TurboStateBucket' } },
      // The role image-sync's functions run as: the cluster grants it an access entry.
      { Name: 'TURBO_LAMBDA_ROLE_ARN', Value: { 'Fn::GetAtt': ['ImageSyncRole', 'Arn'] } },
    ]);
  });

  it('uses exactly the custom keys its header documents', () => {
    const used = new Set([...text.matchAll(/\$\{self:custom\.codebuild\.(\w+)(, null)?\}/g)].map((m) => m[1]));
    expect([...used].sort()).toEqual([
      'deployProject',
      'deploySource',
      'deploySourceVersion',
      'networkParameterPrefix',
      'stateBucket',
      'terraformProject',
      'terraformSource',
      'terraformSourceVersion',
    ]);
    for (const key of used) expect(readme).toContain(`custom.codebuild.${key}`);
  });

  it('grants no wildcard actions (a Deny may use them: it should cover what is added later)', () => {
    expect(allStatements.filter((s) => s.Effect !== 'Allow').map((s) => [s.Sid, s.Effect])).toEqual([['DenyChangesToJobRole', 'Deny']]);
    for (const statement of statements) {
      for (const action of actionsOf(statement)) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
    }
  });

  it('scopes every mutating EKS, EC2 and IAM permission with turbo:managed-by tags, or documents why it cannot be', () => {
    const mutating =
      /^(eks|ec2|iam):(Create|Delete|Update|Tag|Untag|Associate|Disassociate|Authorize|Revoke|Modify|Attach|Detach|Put|Pass)/;
    const unscoped = statements.filter((s) => actionsOf(s).some((a) => mutating.test(a)) && !isTagScoped(s));
    expect(unscoped.map((s) => s.Sid).sort()).toEqual([
      'Ec2NewSecurityGroupRules',
      'Ec2TagOnCreate',
      'IamEksServiceLinkedRoles',
      'IamPassTurboRolesToEks',
    ]);
    for (const statement of unscoped) {
      // Still narrowed by a condition or a resource pattern, and explained in the README.
      expect(statement.Condition !== undefined || JSON.stringify(statement.Resource).includes('security-group-rule')).toBe(true);
      expect(readme).toContain(statement.Sid);
    }
  });

  it("grants every AWS CLI call the job scripts make (Terraform's own calls are the statements above)", () => {
    const scripts = ['terraform.sh', 'deploy.sh'].map((name) => readFileSync(join(REPO, 'scripts', name), 'utf8')).join('\n');
    const pascal = (words: string) => words.replace(/(^|-)([a-z])/g, (_, _dash: string, letter: string) => letter.toUpperCase());
    // What the CLI sends for its composite commands; every other `aws <service> <command>` is the API call of that name.
    const COMPOSITE: Record<string, string> = {
      'eks update-kubeconfig': 'eks:DescribeCluster',
      'eks wait': 'eks:DescribeNodegroup',
    };
    const calls = [...new Set([...scripts.matchAll(/\baws (eks|ec2|iam|s3api|sts|ssm) ([a-z][a-z-]+)/g)].map((m) => `${m[1]} ${m[2]}`))];
    const actions = calls.map((call) => COMPOSITE[call] ?? `${call.split(' ')[0]}:${pascal(call.split(' ')[1]!)}`).sort();
    expect(actions).toEqual(
      expect.arrayContaining(['ec2:DeleteVolume', 'ec2:DescribeInstances', 'eks:CreateAccessEntry', 'eks:UpdateNodegroupConfig']),
    );
    const granted = new Set(statements.flatMap(actionsOf));
    expect(actions.filter((action) => !granted.has(action))).toEqual([]);
  });

  it('limits "Resource: *" to the calls AWS offers no resource-level permission for, each documented', () => {
    const starred = statements.filter((s) => s.Resource === '*');
    expect(starred.map((s) => s.Sid).sort()).toEqual(['EksAddonCatalogue', 'Ec2Describe'].sort());
    for (const action of starred.flatMap(actionsOf)) {
      expect(action).toMatch(/:(Describe|List)/);
      expect(readme).toContain(action);
    }
  });

  it('confines every named resource to Turbo: turbo-* clusters and roles, the clusters/ state prefix, the network parameters', () => {
    const resources = JSON.stringify(statements.map((s) => s.Resource));
    for (const arn of resources.match(/:(cluster|role|nodegroup|addon|access-entry|podidentityassociation)\/[^"]*/g) ?? []) {
      expect(arn).toMatch(/\/(turbo-\*|aws-service-role\/\*)/);
    }
    expect(resources).toContain('${self:custom.codebuild.stateBucket}/clusters/*');
    expect(resources).toContain('parameter${self:custom.codebuild.networkParameterPrefix}/*');
  });

  it('keeps the state bucket private, versioned and out of stack deletion', () => {
    const bucket = template.Resources.TurboStateBucket as CfnResource<{
      VersioningConfiguration: { Status: string };
      PublicAccessBlockConfiguration: Record<string, boolean>;
    }>;
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties.VersioningConfiguration.Status).toBe('Enabled');
    expect(Object.values(bucket.Properties.PublicAccessBlockConfiguration).every((v) => v === true)).toBe(true);
  });

  it('resolves in a serverless service that defines the custom keys (osls print, offline)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'turbo-sls-'));
    try {
      cpSync(join(REPO, 'resources'), join(dir, 'resources'), { recursive: true });
      writeFileSync(
        join(dir, 'serverless.yml'),
        [
          'service: turbo',
          'provider: { name: aws, region: eu-west-1 }',
          'custom:',
          '  codebuild: { terraformProject: turbo-terraform, deployProject: turbo-deploy, stateBucket: acme-turbo-state,',
          '    terraformSource: { Type: NO_SOURCE, BuildSpec: "version: 0.2" }, deploySource: { Type: NO_SOURCE, BuildSpec: "version: 0.2" },',
          '    networkParameterPrefix: /turbo/network }',
          'resources:',
          '  - ${file(resources/codebuild.yml)}',
        ].join('\n'),
      );
      const result = spawnSync(
        process.execPath,
        [join(REPO, 'node_modules', 'osls', 'bin', 'serverless.js'), 'print', '--stage', 'ci', '--format', 'json'],
        {
          cwd: dir,
          encoding: 'utf8',
          env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
        },
      );
      expect(result.stderr).not.toMatch(/Error/);
      const printed = JSON.parse(result.stdout);
      const resources = printed.resources.Resources;
      expect(resources.TurboJobRole.Properties.RoleName).toBe('turbo-ci-eu-west-1-jobs');
      expect(resources.TurboTerraformProject.Properties.Name).toBe('turbo-terraform');
      expect(resources.TurboTerraformLogGroup.Properties.LogGroupName).toBe('/aws/codebuild/turbo-terraform');
      expect(resources.TurboStateBucket.Properties.BucketName).toBe('acme-turbo-state');
      // CloudFormation's own ${AWS::...} references survive serverless' variable resolution.
      expect(JSON.stringify(resources)).toContain('arn:${AWS::Partition}:s3:::acme-turbo-state/clusters/*');
      expect(JSON.stringify(resources)).not.toContain('${self:');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the packaged job role and CodeBuild projects', () => {
  // Imported here so that the raw-file checks above need no packaging.
  const { packagedStack } = jest.requireActual('../support/packaged') as typeof import('../support/packaged');
  const { allowedBy, resolveValue } = jest.requireActual('../support/iam') as typeof import('../support/iam');
  const packaged = packagedStack().template as unknown as import('../support/iam').Template;
  const ownArn = String(resolveValue(packaged, { 'Fn::GetAtt': ['TurboJobRole', 'Arn'] }));
  const clusterRole = 'arn:aws:iam::123456789012:role/turbo-alice-cluster';
  const tagged = { 'aws:ResourceTag/turbo:managed-by': 'turbo', 'aws:RequestTag/turbo:managed-by': 'turbo' };
  const eksPolicy = { ...tagged, 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AmazonEKSClusterPolicy' };
  const adminPolicy = { ...tagged, 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' };

  it('lets a build write no inline policy and no trust policy on any role, its own included', () => {
    for (const action of ['iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:UpdateAssumeRolePolicy']) {
      expect([action, allowedBy(packaged, 'TurboJobRole', action, clusterRole, tagged)]).toEqual([action, false]);
      expect([action, allowedBy(packaged, 'TurboJobRole', action, ownArn, tagged)]).toEqual([action, false]);
    }
  });

  it('denies every IAM write on the job role itself, even one the other statements allow on turbo-* roles', () => {
    expect(ownArn).toMatch(/:role\/turbo-rehearsal-eu-west-1-jobs$/);
    expect(allowedBy(packaged, 'TurboJobRole', 'iam:AttachRolePolicy', clusterRole, eksPolicy)).toBe(true);
    for (const action of [
      'iam:AttachRolePolicy',
      'iam:DetachRolePolicy',
      'iam:TagRole',
      'iam:UntagRole',
      'iam:DeleteRole',
      'iam:PutRolePermissionsBoundary',
      'iam:UpdateRole',
    ]) {
      expect([action, allowedBy(packaged, 'TurboJobRole', action, ownArn, eksPolicy)]).toEqual([action, false]);
    }
    expect(allowedBy(packaged, 'TurboJobRole', 'iam:AttachRolePolicy', clusterRole, adminPolicy)).toBe(false);
    // Reading itself stays allowed: Terraform's aws_iam_session_context looks the caller's role up.
    expect(allowedBy(packaged, 'TurboJobRole', 'iam:GetRole', 'arn:aws:iam::123456789012:role/turbo-alice-node')).toBe(true);
  });

  it('passes roles only to EKS and EKS Pod Identity', () => {
    expect(allowedBy(packaged, 'TurboJobRole', 'iam:PassRole', clusterRole, { 'iam:PassedToService': 'eks.amazonaws.com' })).toBe(true);
    expect(allowedBy(packaged, 'TurboJobRole', 'iam:PassRole', clusterRole, { 'iam:PassedToService': 'ec2.amazonaws.com' })).toBe(false);
    expect(allowedBy(packaged, 'TurboJobRole', 'iam:PassRole', clusterRole, { 'iam:PassedToService': 'lambda.amazonaws.com' })).toBe(false);
  });

  it("gives every log group of the stack a retention, and sends each project's build logs to its own group", () => {
    const groups = Object.entries(packaged.Resources).filter(([, resource]) => resource.Type === 'AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThan(20);
    expect(groups.filter(([, group]) => typeof group.Properties?.RetentionInDays !== 'number').map(([id]) => id)).toEqual([]);
    for (const project of ['TurboTerraformProject', 'TurboDeployProject']) {
      const logs = (packaged.Resources[project]!.Properties!.LogsConfig as { CloudWatchLogs: { Status: string; GroupName: unknown } })
        .CloudWatchLogs;
      expect(logs.Status).toBe('ENABLED');
      const group = String(resolveValue(packaged, logs.GroupName));
      const name = String(resolveValue(packaged, packaged.Resources[project]!.Properties!.Name));
      // CodeBuild's own default group name: what the job role's BuildLogs statement names.
      expect(group).toBe(`/aws/codebuild/${name}`);
      expect(
        allowedBy(
          packaged,
          'TurboJobRole',
          'logs:PutLogEvents',
          `arn:aws:logs:eu-west-1:123456789012:log-group:${group}:log-stream:build-1`,
        ),
      ).toBe(true);
    }
  });
});

describe("the projects' source: a public repository needs no credential", () => {
  const { packagedStack } = jest.requireActual('../support/packaged') as typeof import('../support/packaged');
  const packaged = packagedStack().template;
  const projects = ['TurboTerraformProject', 'TurboDeployProject'].map(
    (id) => packaged.Resources[id]!.Properties as unknown as PackagedProject,
  );
  const inline = (project: PackagedProject) => parseYaml(project.Source.BuildSpec) as Buildspec;

  it('packages, by default, source-less projects with no credential, no connection and no source version', () => {
    for (const project of projects) {
      expect(project.Source.Type).toBe('NO_SOURCE');
      expect(project.Source.Auth).toBeUndefined();
      expect(project.SourceVersion).toBeUndefined();
    }
    const types = Object.values(packaged.Resources).map((resource) => resource.Type);
    expect(types).not.toContain('AWS::CodeBuild::SourceCredential');
    expect(JSON.stringify(packaged)).not.toMatch(/codeconnections:|codestar-connections:/);
  });

  it('runs each buildspec file as it is, after a fetch of the configured repository and branch', () => {
    for (const [project, file] of [
      [projects[0]!, 'buildspecs/terraform.yml'],
      [projects[1]!, 'buildspecs/deploy.yml'],
    ] as const) {
      const spec = inline(project);
      const original = parseYaml(readFileSync(join(REPO, file), 'utf8'));
      const [fetch, ...rest] = spec.phases.install.commands as string[];
      expect(fetch).toMatch(/^git init --quiet \. && git fetch --quiet --depth 1 "\$TURBO_SOURCE_LOCATION" "\$TURBO_SOURCE_VERSION"/);
      expect(rest).toEqual(original.phases.install.commands);
      expect({ ...spec.phases, install: undefined }).toEqual({ ...original.phases, install: undefined });
      const { TURBO_SOURCE_LOCATION, TURBO_SOURCE_VERSION, ...variables } = spec.env.variables;
      expect([TURBO_SOURCE_LOCATION, TURBO_SOURCE_VERSION]).toEqual(['https://github.com/your-org/turbo.git', 'main']);
      expect(variables).toEqual(original.env.variables);
    }
  });

  it('fetches a repository anonymously: the fetch command checks out the branch with no credential helper or token', () => {
    const work = mkdtempSync(join(tmpdir(), 'turbo-fetch-'));
    try {
      const origin = join(work, 'origin');
      const git = (cwd: string, ...args: string[]) =>
        spawnSync('git', args, {
          cwd,
          encoding: 'utf8',
          env: { PATH: process.env.PATH, HOME: work, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' },
        });
      cpSync(join(REPO, 'scripts'), join(origin, 'scripts'), { recursive: true });
      for (const args of [
        ['init', '--quiet', '-b', 'main'],
        ['add', '.'],
        ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'x'],
      ]) {
        expect(git(origin, ...args).status).toBe(0);
      }
      const build = join(work, 'build');
      cpSync(join(REPO, 'resources'), build, { recursive: true }); // a non-empty folder, as CodeBuild's may be
      const fetch = inline(projects[0]!).phases.install.commands[0] as string;
      const result = spawnSync('bash', ['-c', fetch], {
        cwd: build,
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          HOME: work,
          GIT_TERMINAL_PROMPT: '0',
          GIT_CONFIG_NOSYSTEM: '1',
          TURBO_SOURCE_LOCATION: `file://${origin}`,
          TURBO_SOURCE_VERSION: 'main',
        },
      });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(existsSync(join(build, 'scripts/terraform.sh'))).toBe(true);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('uses a CodeConnections connection for a private repository, and lets the job role use that connection only', async () => {
    const config = require('../../serverless-config.cjs') as (sls: unknown) => Promise<ResolvedCodebuild>;
    const connectionArn = 'arn:aws:codeconnections:eu-west-1:123456789012:connection/0b1c2d3e-0000-4000-8000-000000000004';
    const custom: Record<string, string> = {
      sourceLocation: 'https://github.com/acme/private.git',
      sourceVersion: 'release',
      sourceConnectionArn: connectionArn,
    };
    const previous = process.env.TURBO_CONFIG;
    process.env.TURBO_CONFIG = join(REPO, 'turbo.config.example.yml');
    try {
      const resolved = await config({
        resolveVariable: async () => 'ci',
        resolveConfigurationProperty: async (path: string[]) => custom[path[2]!],
      });
      expect(resolved.codebuild.terraform).toEqual({
        source: {
          Type: 'GITHUB',
          Location: 'https://github.com/acme/private.git',
          GitCloneDepth: 1,
          BuildSpec: 'buildspecs/terraform.yml',
          Auth: { Type: 'CODECONNECTIONS', Resource: connectionArn },
        },
        sourceVersion: 'release',
      });
      const policy = resolved.codebuild.connectionPolicy.Resources.TurboJobSourceConnectionPolicy.Properties;
      expect(policy.Roles).toEqual([{ Ref: 'TurboJobRole' }]);
      expect(policy.PolicyDocument.Statement).toEqual([
        {
          Effect: 'Allow',
          Action: ['codeconnections:GetConnectionToken', 'codeconnections:GetConnection', 'codeconnections:UseConnection'],
          Resource: connectionArn,
        },
      ]);
      const publicRepo = await config({
        resolveVariable: async () => 'ci',
        resolveConfigurationProperty: async (path: string[]) => ({ ...custom, sourceConnectionArn: '' })[path[2]!],
      });
      expect([publicRepo.codebuild.terraform.source.Type, publicRepo.codebuild.connectionPolicy]).toEqual(['NO_SOURCE', { Resources: {} }]);
    } finally {
      if (previous === undefined) delete process.env.TURBO_CONFIG;
      else process.env.TURBO_CONFIG = previous;
    }
  });
});
