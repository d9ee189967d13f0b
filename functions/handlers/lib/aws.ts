/**
 * The real ports, built once per Lambda container from the bundled config and the environment.
 * Secrets are read from SSM or Secrets Manager here and remembered for redaction; they go nowhere else.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigText } from '../../core/config';
import { codebuildProjectsOf } from '../../core/jobs';
import { CodeBuildJobRunner, createCodeBuildClient } from '../../adapters/codebuild';
import { createDocumentClient, DynamoEnvironmentStore } from '../../adapters/dynamodb';
import { createEksClient, EksClusters } from '../../adapters/eks';
import { JenkinsJobRunner } from '../../adapters/jenkins';
import { AwsSecretStore, createSecretClients } from '../../adapters/secrets';
import { createSlackNotifier } from '../../adapters/slack';
import { createContainerRegistry } from '../../adapters/registry';
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

/**
 * A port built on first use. Building some ports reads a secret (the Slack token, Jenkins' credentials), and a
 * function that never uses the port must neither need the permission to read it nor pay for the read.
 */
function onFirstUse<Port extends object>(build: () => Promise<Port>): Port {
  let port: Promise<Port> | undefined;
  return new Proxy({} as Port, {
    get: (_target, method) => async (...args: unknown[]) => {
      port ??= build().catch((error: unknown) => {
        port = undefined;
        throw error;
      });
      const built = (await port) as Record<PropertyKey, (...a: unknown[]) => unknown>;
      return built[method]!(...args);
    },
  });
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

  const jenkins = config.runner.type === 'jenkins' ? config.runner.jenkins : undefined;
  const runner: JobRunner = jenkins
    ? onFirstUse(async () => {
        const [user, token] = await Promise.all([secrets.get(jenkins.userParameter), secrets.get(jenkins.tokenParameter)]);
        return new JenkinsJobRunner({ baseUrl: jenkins.url, terraformJob: jenkins.terraformJob, deployJob: jenkins.deployJob, user, token });
      })
    : new CodeBuildJobRunner(createCodeBuildClient(region), codebuildProjectsOf(config.runner.codebuild, requiredEnv('TURBO_STAGE')));

  const eks = createEksClient(region);
  return {
    config,
    region,
    runner,
    secrets,
    store: new DynamoEnvironmentStore(createDocumentClient(region), requiredEnv('TURBO_TABLE')),
    clusters: new EksClusters(eks),
    notifier: onFirstUse(() => createSlackNotifier(secrets, config.slack.tokenParameter)),
    registry: onFirstUse(() => createContainerRegistry(secrets, config.imageSync)),
    kubeFor: eksKubeConnector(region, eks.config.credentials),
    // Only the image webhook starts image-sync; elsewhere the ARN is unset and the port is never used.
    workflows: new StepFunctionsWorkflows(createSfnClient(region), process.env.IMAGE_SYNC_STATE_MACHINE_ARN ?? ''),
  };
}
