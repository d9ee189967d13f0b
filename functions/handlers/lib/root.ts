/**
 * The composition root: the one place where each port is bound to its real adapter. A handler names the ports it
 * uses (`lambda(step, schema, { store, runner }, run)`), and only those are built, once per Lambda container, from
 * the bundled config and the environment. Each builder is its own export, so that the bundler leaves out every
 * adapter (and AWS SDK client) a function does not use. Secrets are read from SSM or Secrets Manager here and
 * remembered for redaction; they go nowhere else.
 */
import { createCodeBuildClient, CodeBuildJobRunner } from '../../adapters/codebuild';
import { createDocumentClient, DynamoEnvironmentStore } from '../../adapters/dynamodb';
import { createEksClient, EksClusters } from '../../adapters/eks';
import { JenkinsJobRunner } from '../../adapters/jenkins';
import { eksKubeConnector } from '../../adapters/kube';
import { createLambdaClient, LambdaAsyncWork } from '../../adapters/lambdaInvoke';
import { createContainerRegistry } from '../../adapters/registry';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { AwsSecretStore } from '../../adapters/secrets';
import { createSlackNotifier } from '../../adapters/slack';
import { createSfnClient, StepFunctionsWorkflows } from '../../adapters/stepfunctions';
import { codebuildProjectsOf } from '../../core/jobs';
import { createS3Client, S3PlanStore } from '../../adapters/s3';
import { ConfigurationError } from '../../core/errors';
import type { EnvironmentRuns, JobRunner, SecretStore } from '../../core/ports';
import type { Base, Builder } from './deps';
import { rememberSecret } from './redact';

export function requiredEnv(name: string): string {
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
    get:
      (_target, method) =>
      async (...args: unknown[]) => {
        port ??= build().catch((error: unknown) => {
          port = undefined;
          throw error;
        });
        const built = (await port) as Record<PropertyKey, (...a: unknown[]) => unknown>;
        return built[method]!(...args);
      },
  });
}

/** One value per base (per container) for a builder that several others use (the secret store, the EKS client). */
function shared<Value>(build: Builder<Value>): Builder<Value> {
  const values = new WeakMap<Base, Value>();
  return (base) => {
    if (!values.has(base)) values.set(base, build(base));
    return values.get(base)!;
  };
}

/**
 * A SecretStore whose values are also remembered, so that no error message can carry one. serverless.yml defines
 * TURBO_BUNDLED_SECRET_STORES (`ssm`, `secretsmanager` or `both`: where the config's secrets are) for esbuild, and
 * the conditions are spelt out so that a bundle drops the client of a store that holds none of them.
 */
export const secrets: Builder<SecretStore> = /* @__PURE__ */ shared(({ region }) => {
  const inner = new AwsSecretStore({
    ssm: process.env.TURBO_BUNDLED_SECRET_STORES !== 'secretsmanager' ? new SSMClient({ region }) : undefined,
    secretsManager: process.env.TURBO_BUNDLED_SECRET_STORES !== 'ssm' ? new SecretsManagerClient({ region }) : undefined,
  });
  return {
    async get(name) {
      const value = await inner.get(name);
      rememberSecret(value);
      return value;
    },
  };
});

export const store = ({ region }: Base) => new DynamoEnvironmentStore(createDocumentClient(region), requiredEnv('TURBO_TABLE'));

const eksClient = /* @__PURE__ */ shared(({ region }) => createEksClient(region));
export const clusters = (base: Base) => new EksClusters(eksClient(base));
/** The Kubernetes API of one cluster, with a token signed by the function's own credentials (image-sync). */
export const kubeFor = (base: Base) => eksKubeConnector(base.region, eksClient(base).config.credentials);

/**
 * The runner is known at package time: serverless.yml defines TURBO_BUNDLED_RUNNER (the config's runner.type) for
 * esbuild, so that a CodeBuild bundle carries neither the Jenkins adapter nor the secret clients it needs. Unset when
 * the handlers run from source (tests, rehearsals), where the config alone decides.
 */
export const runner = (base: Base): JobRunner => {
  const { config, region } = base;
  const bundled = process.env.TURBO_BUNDLED_RUNNER;
  if (bundled && bundled !== config.runner.type) {
    throw new ConfigurationError(`runner.type is ${config.runner.type}, but this bundle was packaged for the ${bundled} runner`);
  }
  const jenkins = config.runner.type === 'jenkins' ? config.runner.jenkins : undefined;
  // Spelt out in the condition, so that esbuild drops the branch (and what only it uses) in a CodeBuild bundle.
  if (process.env.TURBO_BUNDLED_RUNNER !== 'codebuild' && jenkins) {
    return onFirstUse(async () => {
      const [user, token] = await Promise.all([secrets(base).get(jenkins.userParameter), secrets(base).get(jenkins.tokenParameter)]);
      return new JenkinsJobRunner({ baseUrl: jenkins.url, terraformJob: jenkins.terraformJob, deployJob: jenkins.deployJob, user, token });
    });
  }
  return new CodeBuildJobRunner(createCodeBuildClient(region), codebuildProjectsOf(config.runner.codebuild, requiredEnv('TURBO_STAGE')));
};

export const notifier = (base: Base) => onFirstUse(() => createSlackNotifier(secrets(base), base.config.slack.tokenParameter));
export const registry = (base: Base) => onFirstUse(() => createContainerRegistry(secrets(base), base.config.imageSync));

/** Starts image-sync executions (the image webhook). */
export const workflows = ({ region }: Base) =>
  new StepFunctionsWorkflows(createSfnClient(region), requiredEnv('IMAGE_SYNC_STATE_MACHINE_ARN'));

/** Reconcile's plan, for its Distributed Map to read (planActions). */
export const plans = ({ region }: Base) => new S3PlanStore(createS3Client(region), requiredEnv('TURBO_PLAN_BUCKET'));

/** The environment state machine, started by name like reconcile's Map does (Slack and the CLI). */
export function environmentRuns(stateMachineArn: string, region: string): EnvironmentRuns {
  const machine = new StepFunctionsWorkflows(createSfnClient(region), stateMachineArn);
  return { start: ({ runId, ...run }) => machine.start(runId, { ...run, runId }) };
}
export const runs = ({ region }: Base) => environmentRuns(requiredEnv('TURBO_ENVIRONMENT_STATE_MACHINE_ARN'), region);

/** Self-service work queued after Slack's 3-second acknowledgement: an asynchronous invocation of SlackWork. */
export const work = ({ region }: Base) => new LambdaAsyncWork(createLambdaClient(region), requiredEnv('TURBO_SLACK_WORK_FUNCTION'));
