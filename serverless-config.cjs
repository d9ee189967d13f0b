/**
 * Package-time view of turbo.config.yml for serverless.yml: validated with the same schema the handlers use, so a
 * bad roster fails `serverless package` and `serverless deploy` with every problem named. The file is TURBO_CONFIG
 * (default turbo.config.yml, else turbo.config.yaml). It also gives each function's IAM statements that depend on the config: which
 * secrets it may read (by name, never by value) and what its runner needs.
 */
require('tsx/cjs/api').register();
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { parse: parseYaml, stringify: stringifyYaml } = require('yaml');
const { CONFIG_FILES, describeProblem, findConfigFile } = require('./functions/core/config.ts');
const { parseConfig } = require('./functions/core/configFile.ts');
const { codebuildProjectsOf } = require('./functions/core/jobs.ts');
const { operationsResources, serverlessShapeOf, DEAD_LETTER_QUEUE } = require('./resources/operations.ts');
const { RECONCILE_TICK_MINUTES } = require('./functions/core/plan.ts');

/** An SSM parameter name or `secretsmanager:<name>` as the ARN an IAM statement names. */
function secretArn(name) {
  return name.startsWith('secretsmanager:')
    ? {
        'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${name.slice('secretsmanager:'.length)}-*`,
      }
    : { 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name}` };
}

/** Where the config's secrets are: `ssm`, `secretsmanager` or `both` (functions/handlers/lib/root.ts). */
function secretStoresOf(config) {
  const { registryUserParameter, registryTokenParameter, webhookTokenParameter } = config.imageSync;
  const jenkins = config.runner.type === 'jenkins' ? [config.runner.jenkins.userParameter, config.runner.jenkins.tokenParameter] : [];
  const names = [
    config.slack.tokenParameter,
    config.slack.signingSecretParameter,
    webhookTokenParameter,
    registryUserParameter,
    registryTokenParameter,
    ...jenkins,
  ].filter(Boolean);
  const inSecretsManager = names.filter((name) => name.startsWith('secretsmanager:')).length;
  return inSecretsManager === 0 ? 'ssm' : inSecretsManager === names.length ? 'secretsmanager' : 'both';
}

/** Read access to exactly these secrets; each action applies only to its own service's ARNs. */
function readSecrets(names) {
  return {
    Effect: 'Allow',
    Action: [
      ...(names.some((n) => !n.startsWith('secretsmanager:')) ? ['ssm:GetParameter'] : []),
      ...(names.some((n) => n.startsWith('secretsmanager:')) ? ['secretsmanager:GetSecretValue'] : []),
    ],
    Resource: names.map(secretArn),
  };
}

function codebuildProjectArns(projects) {
  return [projects.terraformProject, projects.deployProject].map((project) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:codebuild:\${AWS::Region}:\${AWS::AccountId}:project/${project}`,
  }));
}

/** The first commands of a source-less build: an anonymous, shallow fetch of the public repository's branch. */
const FETCH_PUBLIC_SOURCE =
  'git init --quiet . && git fetch --quiet --depth 1 "$TURBO_SOURCE_LOCATION" "$TURBO_SOURCE_VERSION" && git checkout --quiet FETCH_HEAD';

/**
 * A CodeBuild project's Source and SourceVersion. `Type: GITHUB` needs a credential in the account, so with a
 * CodeConnections connection (`--param="sourceConnectionArn=..."`, any repository) the projects use it. Without one
 * (a public repository) they take no source and fetch the repository over HTTPS with no credential, then run the
 * same buildspec file, embedded here at package time (a buildspec change needs a redeploy).
 */
function codebuildSource(buildspecFile, { location, version, connectionArn }) {
  if (connectionArn) {
    return {
      source: {
        Type: 'GITHUB',
        Location: location,
        GitCloneDepth: 1,
        BuildSpec: buildspecFile,
        Auth: { Type: 'CODECONNECTIONS', Resource: connectionArn },
      },
      sourceVersion: version,
    };
  }
  const spec = parseYaml(readFileSync(join(__dirname, buildspecFile), 'utf8'));
  spec.env = { ...spec.env, variables: { TURBO_SOURCE_LOCATION: location, TURBO_SOURCE_VERSION: version, ...spec.env?.variables } };
  spec.phases.install = { ...spec.phases.install, commands: [FETCH_PUBLIC_SOURCE, ...(spec.phases.install?.commands ?? [])] };
  return { source: { Type: 'NO_SOURCE', BuildSpec: stringifyYaml(spec, { lineWidth: 0 }) }, sourceVersion: null };
}

/** What the job role needs to use the connection, as a policy of its own; nothing without one. */
function connectionPolicy(connectionArn) {
  if (!connectionArn) return { Resources: {} };
  return {
    Resources: {
      TurboJobSourceConnectionPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'turbo-jobs-source-connection',
          Roles: [{ Ref: 'TurboJobRole' }],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: ['codeconnections:GetConnectionToken', 'codeconnections:GetConnection', 'codeconnections:UseConnection'],
                Resource: connectionArn,
              },
            ],
          },
        },
      },
    },
  };
}

/**
 * What the functions read (TURBO_CONFIG_FILE): the config validated here, as JSON, so that no bundle needs a YAML
 * parser. The handlers validate it again with the same schema (functions/handlers/lib/deps.ts).
 */
const RUNTIME_CONFIG_FILE = '.turbo/package/turbo.config.json';

module.exports = async ({ resolveVariable, resolveConfigurationProperty }) => {
  const repository = {
    location: await resolveConfigurationProperty(['custom', 'codebuild', 'sourceLocation']),
    version: await resolveConfigurationProperty(['custom', 'codebuild', 'sourceVersion']),
    connectionArn: await resolveConfigurationProperty(['custom', 'codebuild', 'sourceConnectionArn']),
  };
  const stage = await resolveVariable('sls:stage');
  const file = process.env.TURBO_CONFIG || findConfigFile(existsSync) || CONFIG_FILES[0];
  if (!existsSync(file)) {
    throw new Error(`Turbo config ${file} not found: copy turbo.config.example.yml to ${CONFIG_FILES[0]}, or set TURBO_CONFIG`);
  }
  const result = parseConfig(readFileSync(file, 'utf8'));
  if (!result.ok) {
    throw new Error(`Turbo config ${file} is invalid:\n  ${result.problems.map(describeProblem).join('\n  ')}`);
  }
  const { config } = result;
  mkdirSync(dirname(RUNTIME_CONFIG_FILE), { recursive: true });
  writeFileSync(RUNTIME_CONFIG_FILE, JSON.stringify(parseYaml(readFileSync(file, 'utf8'))));
  const jenkins = config.runner.type === 'jenkins' ? config.runner.jenkins : undefined;
  const { registryUserParameter, registryTokenParameter, webhookTokenParameter } = config.imageSync;
  const projects = codebuildProjectsOf(config.runner.codebuild, stage);
  const service = await resolveVariable('self:service');
  const shape = serverlessShapeOf(readFileSync(join(__dirname, 'serverless.yml'), 'utf8'));
  return {
    file,
    runtimeFile: RUNTIME_CONFIG_FILE,
    // esbuild's define: a JavaScript expression, so the runner's name in quotes (functions/handlers/lib/root.ts).
    bundledRunner: JSON.stringify(config.runner.type),
    bundledSecretStores: JSON.stringify(secretStoresOf(config)),
    region: config.region,
    // resources/operations.ts: alarms, alert subscriptions, async destinations and the dashboard.
    operations: operationsResources({ service, stage, alerts: config.alerts, shape }),
    // core/plan's up window counts one tick of this schedule.
    reconcileRate: `rate(${RECONCILE_TICK_MINUTES} minutes)`,
    terraformProject: projects.terraformProject,
    deployProject: projects.deployProject,
    codebuild: {
      terraform: codebuildSource('buildspecs/terraform.yml', repository),
      deploy: codebuildSource('buildspecs/deploy.yml', repository),
      connectionPolicy: connectionPolicy(repository.connectionArn),
    },
    iam: {
      // An async function's on-failure destination is written with the function's own role.
      sendToDeadLetters: { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: { 'Fn::GetAtt': [DEAD_LETTER_QUEUE, 'Arn'] } },
      readSlackToken: readSecrets([config.slack.tokenParameter]),
      readSigningSecret: readSecrets([config.slack.signingSecretParameter]),
      readWebhookToken: readSecrets([webhookTokenParameter]),
      // Registry credentials are optional: without them resolveImages needs no AWS permission at all.
      resolveImages: registryUserParameter && registryTokenParameter ? [readSecrets([registryUserParameter, registryTokenParameter])] : [],
      // What starting and following a job takes depends on the runner: CodeBuild's API, or Jenkins' credentials.
      // StartJob also looks at the job it started before (a replay or redrive), so it may read builds too.
      startJob: jenkins
        ? readSecrets([jenkins.userParameter, jenkins.tokenParameter])
        : { Effect: 'Allow', Action: ['codebuild:StartBuild', 'codebuild:BatchGetBuilds'], Resource: codebuildProjectArns(projects) },
      checkJob: jenkins
        ? readSecrets([jenkins.userParameter, jenkins.tokenParameter])
        : { Effect: 'Allow', Action: ['codebuild:BatchGetBuilds'], Resource: codebuildProjectArns(projects) },
      // A turbo-* cluster and its node groups, as Clusters.describe reads them (CheckCluster; StartJob on a redrive).
      readTurboClusters: {
        Effect: 'Allow',
        Action: ['eks:DescribeCluster', 'eks:ListNodegroups', 'eks:DescribeNodegroup'],
        Resource: [
          { 'Fn::Sub': 'arn:${AWS::Partition}:eks:${AWS::Region}:${AWS::AccountId}:cluster/turbo-*' },
          { 'Fn::Sub': 'arn:${AWS::Partition}:eks:${AWS::Region}:${AWS::AccountId}:nodegroup/turbo-*/*/*' },
        ],
      },
    },
  };
};
