/**
 * Package-time view of turbo.config.yml for serverless.yml: validated with the same schema the handlers use, so a
 * bad roster fails `serverless package` and `serverless deploy` with every problem named.
 * The file is TURBO_CONFIG (default turbo.config.yml).
 */
require('tsx/cjs/api').register();
const { existsSync, readFileSync } = require('node:fs');
const { parseConfig, describeProblem } = require('./functions/core/config.ts');

module.exports = async () => {
  const file = process.env.TURBO_CONFIG || 'turbo.config.yml';
  if (!existsSync(file)) {
    throw new Error(`Turbo config ${file} not found: copy turbo.config.example.yml to turbo.config.yml, or set TURBO_CONFIG`);
  }
  const result = parseConfig(readFileSync(file, 'utf8'));
  if (!result.ok) {
    throw new Error(`Turbo config ${file} is invalid:\n  ${result.problems.map(describeProblem).join('\n  ')}`);
  }
  const { config } = result;
  const secrets = [config.slack.tokenParameter];
  if (config.runner.type === 'jenkins') secrets.push(config.runner.jenkins.userParameter, config.runner.jenkins.tokenParameter);
  const ssmParameters = secrets.filter((name) => name.startsWith('/'));
  const secretsManagerSecrets = secrets.filter((name) => name.startsWith('secretsmanager:')).map((name) => name.slice('secretsmanager:'.length));
  return {
    file,
    region: config.region,
    runner: config.runner.type,
    terraformProject: config.runner.codebuild.terraformProject,
    deployProject: config.runner.codebuild.deployProject,
    // One IAM statement for the secrets the functions may read, named one by one: each action applies only to
    // its own service's ARNs, so a single statement stays exact.
    readSecrets: {
      Effect: 'Allow',
      Action: [...(ssmParameters.length ? ['ssm:GetParameter'] : []), ...(secretsManagerSecrets.length ? ['secretsmanager:GetSecretValue'] : [])],
      Resource: [
        ...ssmParameters.map((name) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name}` })),
        ...secretsManagerSecrets.map((name) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${name}-*` })),
      ],
    },
  };
};
