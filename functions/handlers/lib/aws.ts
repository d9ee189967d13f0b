/**
 * The real ports, built once per Lambda container from the bundled config and the environment.
 * Secrets are read from SSM or Secrets Manager here and remembered for redaction; they go nowhere else.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigText } from '../../core/config';
import { CodeBuildJobRunner, createCodeBuildClient } from '../../adapters/codebuild';
import { createDocumentClient, DynamoEnvironmentStore } from '../../adapters/dynamodb';
import { createEksClient, EksClusters } from '../../adapters/eks';
import { JenkinsJobRunner } from '../../adapters/jenkins';
import { AwsSecretStore, createSecretClients } from '../../adapters/secrets';
import { createSlackNotifier } from '../../adapters/slack';
import { createDockerHubRegistry } from '../../adapters/registry';
import { eksKubeConnector } from '../../adapters/kube';
import { createSfnClient, StepFunctionsWorkflows } from '../../adapters/stepfunctions';
import type { JobRunner, SecretStore } from '../../adapters/ports';
import type { Deps } from './deps';
import { rememberSecret } from './redact';

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set (serverless.yml sets it)`);
  return value;
}

/** A SecretStore whose values are also remembered, so that no error message can carry one. */
function redactingSecrets(inner: SecretStore): SecretStore {
  return {
    async get(name) {
      const value = await inner.get(name);
      rememberSecret(value);
      return value;
    },
  };
}

export async function awsDeps(): Promise<Deps> {
  const root = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  const config = loadConfigText(readFileSync(join(root, requiredEnv('TURBO_CONFIG_FILE')), 'utf8'));
  const region = process.env.AWS_REGION ?? config.region;
  const secrets = redactingSecrets(new AwsSecretStore(createSecretClients(region)));

  let runner: JobRunner;
  if (config.runner.type === 'jenkins' && config.runner.jenkins) {
    const jenkins = config.runner.jenkins;
    const [user, token] = await Promise.all([secrets.get(jenkins.userParameter), secrets.get(jenkins.tokenParameter)]);
    runner = new JenkinsJobRunner({ baseUrl: jenkins.url, terraformJob: jenkins.terraformJob, deployJob: jenkins.deployJob, user, token });
  } else {
    runner = new CodeBuildJobRunner(createCodeBuildClient(region), config.runner.codebuild);
  }

  const eks = createEksClient(region);
  return {
    config,
    region,
    runner,
    secrets,
    store: new DynamoEnvironmentStore(createDocumentClient(region), requiredEnv('TURBO_TABLE')),
    clusters: new EksClusters(eks),
    notifier: await createSlackNotifier(secrets, config.slack.tokenParameter),
    registry: await createDockerHubRegistry(secrets, config.imageSync),
    kubeFor: eksKubeConnector(region, eks.config.credentials),
    // Only the image webhook starts image-sync; elsewhere the ARN is unset and the port is never used.
    workflows: new StepFunctionsWorkflows(createSfnClient(region), process.env.IMAGE_SYNC_STATE_MACHINE_ARN ?? ''),
  };
}
