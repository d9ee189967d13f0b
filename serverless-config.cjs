/**
 * Package-time view of turbo.config.yml for serverless.yml: validated with the same schema the handlers use, so a
 * bad roster fails `serverless package` and `serverless deploy` with every problem named. The file is TURBO_CONFIG
 * (default turbo.config.yml). It also gives each function's IAM statements that depend on the config: which
 * secrets it may read (by name, never by value) and what its runner needs.
 */
require('tsx/cjs/api').register();
const { existsSync, readFileSync } = require('node:fs');
const { parseConfig, describeProblem } = require('./functions/core/config.ts');
const { codebuildProjectsOf } = require('./functions/core/jobs.ts');

/** An SSM parameter name or `secretsmanager:<name>` as the ARN an IAM statement names. */
function secretArn(name) {
  return name.startsWith('secretsmanager:')
    ? { 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${name.slice('secretsmanager:'.length)}-*` }
    : { 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name}` };
}

/** Read access to exactly these secrets; each action applies only to its own service's ARNs. */
function readSecrets(names) {
  return {
    Effect: 'Allow',
    Action: [...(names.some((n) => !n.startsWith('secretsmanager:')) ? ['ssm:GetParameter'] : []), ...(names.some((n) => n.startsWith('secretsmanager:')) ? ['secretsmanager:GetSecretValue'] : [])],
    Resource: names.map(secretArn),
  };
}

function codebuildProjectArns(projects) {
  return [projects.terraformProject, projects.deployProject].map((project) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:codebuild:\${AWS::Region}:\${AWS::AccountId}:project/${project}`,
  }));
}

module.exports = async ({ resolveVariable }) => {
  const stage = await resolveVariable('sls:stage');
  const file = process.env.TURBO_CONFIG || 'turbo.config.yml';
  if (!existsSync(file)) {
    throw new Error(`Turbo config ${file} not found: copy turbo.config.example.yml to turbo.config.yml, or set TURBO_CONFIG`);
  }
  const result = parseConfig(readFileSync(file, 'utf8'));
  if (!result.ok) {
    throw new Error(`Turbo config ${file} is invalid:\n  ${result.problems.map(describeProblem).join('\n  ')}`);
  }
  const { config } = result;
  const jenkins = config.runner.type === 'jenkins' ? config.runner.jenkins : undefined;
  const { registryUserParameter, registryTokenParameter, webhookTokenParameter } = config.imageSync;
  const projects = codebuildProjectsOf(config.runner.codebuild, stage);
  return {
    file,
    region: config.region,
    terraformProject: projects.terraformProject,
    deployProject: projects.deployProject,
    iam: {
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
