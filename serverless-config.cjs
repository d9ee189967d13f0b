/**
 * Package-time view of turbo.config.yml for serverless.yml: validated with the same schema the handlers use, so a
 * bad roster fails `serverless package` and `serverless deploy` with every problem named. The file is TURBO_CONFIG
 * (default turbo.config.yml, else turbo.config.yaml). It also gives each function's IAM statements that depend on the config: which
 * secrets it may read (by name, never by value) and what its runner needs.
 */
require('tsx/cjs/api').register();
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { CONFIG_FILES, describeProblem, findConfigFile, parseConfig } = require('./functions/core/config.ts');
const { operationsResources, serverlessShapeOf, DEAD_LETTER_QUEUE } = require('./resources/operations.ts');
const { RECONCILE_TICK_MINUTES } = require('./functions/core/plan.ts');

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

function codebuildProjects(config) {
  return [config.runner.codebuild.terraformProject, config.runner.codebuild.deployProject].map((project) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:codebuild:\${AWS::Region}:\${AWS::AccountId}:project/${project}`,
  }));
}

module.exports = async ({ resolveVariable }) => {
  const file = process.env.TURBO_CONFIG || findConfigFile(existsSync) || CONFIG_FILES[0];
  if (!existsSync(file)) {
    throw new Error(`Turbo config ${file} not found: copy turbo.config.example.yml to ${CONFIG_FILES[0]}, or set TURBO_CONFIG`);
  }
  const result = parseConfig(readFileSync(file, 'utf8'));
  if (!result.ok) {
    throw new Error(`Turbo config ${file} is invalid:\n  ${result.problems.map(describeProblem).join('\n  ')}`);
  }
  const { config } = result;
  const jenkins = config.runner.type === 'jenkins' ? config.runner.jenkins : undefined;
  const { registryUserParameter, registryTokenParameter, webhookTokenParameter } = config.imageSync;
  const [service, stage] = await Promise.all([resolveVariable('self:service'), resolveVariable('sls:stage')]);
  const shape = serverlessShapeOf(readFileSync(join(__dirname, 'serverless.yml'), 'utf8'));
  return {
    file,
    region: config.region,
    // resources/operations.ts: alarms, alert subscriptions, async destinations and the dashboard.
    operations: operationsResources({ service, stage, alerts: config.alerts, shape }),
    // core/plan's up window counts one tick of this schedule.
    reconcileRate: `rate(${RECONCILE_TICK_MINUTES} minutes)`,
    terraformProject: config.runner.codebuild.terraformProject,
    deployProject: config.runner.codebuild.deployProject,
    iam: {
      // An async function's on-failure destination is written with the function's own role.
      sendToDeadLetters: { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: { 'Fn::GetAtt': [DEAD_LETTER_QUEUE, 'Arn'] } },
      readSlackToken: readSecrets([config.slack.tokenParameter]),
      readSigningSecret: readSecrets([config.slack.signingSecretParameter]),
      readWebhookToken: readSecrets([webhookTokenParameter]),
      // Registry credentials are optional: without them resolveImages needs no AWS permission at all.
      resolveImages: registryUserParameter && registryTokenParameter ? [readSecrets([registryUserParameter, registryTokenParameter])] : [],
      // What starting and following a job takes depends on the runner: CodeBuild's API, or Jenkins' credentials.
      startJob: jenkins
        ? readSecrets([jenkins.userParameter, jenkins.tokenParameter])
        : { Effect: 'Allow', Action: ['codebuild:StartBuild'], Resource: codebuildProjects(config) },
      checkJob: jenkins
        ? readSecrets([jenkins.userParameter, jenkins.tokenParameter])
        : { Effect: 'Allow', Action: ['codebuild:BatchGetBuilds'], Resource: codebuildProjects(config) },
    },
  };
};
