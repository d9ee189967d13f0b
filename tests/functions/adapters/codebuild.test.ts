import {
  BatchGetBuildsCommand,
  CodeBuildClient,
  ResourceNotFoundException,
  StartBuildCommand,
  type Build,
} from '@aws-sdk/client-codebuild';
import { mockClient } from 'aws-sdk-client-mock';
import { CodeBuildJobRunner } from '../../../functions/adapters/codebuild';
import type { JobHandle, JobRequest } from '../../../functions/core/types';
import { AuthenticationError, ConfigurationError, TransientError } from '../../../functions/core/errors';
import { awsError, localClientConfig, startAwsJsonServer } from './aws-json-server';

const projects = { terraformProject: 'turbo-terraform', deployProject: 'turbo-deploy' };
const buildId = 'turbo-terraform:0f1e2d3c-aaaa-bbbb-cccc-123456789012';
const applyJob: JobRequest = {
  kind: 'apply',
  developer: 'alice',
  runId: 'alice-up-20261124',
  params: { CLUSTER_NAME: 'turbo-alice', KUBERNETES_VERSION: '1.33' },
};
const handle: JobHandle = {
  runner: 'codebuild',
  kind: 'apply',
  developer: 'alice',
  runId: 'alice-up-20261124',
  id: buildId,
  startedAt: '2026-11-24T05:30:00.000Z',
};
const deepLink = 'https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logEvent:group=/aws/codebuild/turbo-terraform';

describe('CodeBuildJobRunner with a mocked client', () => {
  const client = new CodeBuildClient({ region: 'eu-west-1' });
  const codebuild = mockClient(client);
  const runner = new CodeBuildJobRunner(client, projects);

  beforeEach(() => codebuild.reset());

  it('starts apply on the Terraform project with the job variables and an idempotency token', async () => {
    codebuild.on(StartBuildCommand).resolves({ build: { id: buildId, startTime: new Date('2026-11-24T05:30:01Z') } });

    const started = await runner.start(applyJob);

    expect(started).toEqual({ ...handle, startedAt: '2026-11-24T05:30:01.000Z' });
    expect(codebuild).toHaveReceivedCommandWith(StartBuildCommand, {
      projectName: 'turbo-terraform',
      idempotencyToken: 'alice-up-20261124-apply',
      environmentVariablesOverride: [
        { name: 'ACTION', value: 'apply', type: 'PLAINTEXT' },
        { name: 'DEVELOPER', value: 'alice', type: 'PLAINTEXT' },
        { name: 'TURBO_RUN_ID', value: 'alice-up-20261124', type: 'PLAINTEXT' },
        { name: 'CLUSTER_NAME', value: 'turbo-alice', type: 'PLAINTEXT' },
        { name: 'KUBERNETES_VERSION', value: '1.33', type: 'PLAINTEXT' },
      ],
    });
  });

  it.each([
    ['destroy', 'turbo-terraform'],
    ['deploy', 'turbo-deploy'],
  ] as const)('starts %s jobs on %s', async (kind, projectName) => {
    codebuild.on(StartBuildCommand).resolves({ build: { id: `${projectName}:1` } });

    const started = await runner.start({ ...applyJob, kind, runId: 'alice-down-20261124' });

    expect(started.kind).toBe(kind);
    expect(codebuild).toHaveReceivedCommandWith(StartBuildCommand, {
      projectName,
      idempotencyToken: `alice-down-20261124-${kind}`,
    });
    const variables = codebuild.commandCalls(StartBuildCommand)[0].args[0].input.environmentVariablesOverride;
    expect(variables).toContainEqual({ name: 'ACTION', value: kind, type: 'PLAINTEXT' });
  });

  it('gives the same request for a replayed start, so CodeBuild returns the same build', async () => {
    codebuild.on(StartBuildCommand).resolves({ build: { id: buildId } });

    await runner.start(applyJob);
    await runner.start(applyJob);

    const [first, second] = codebuild.commandCalls(StartBuildCommand).map((call) => call.args[0].input);
    expect(second).toEqual(first);
  });

  it('refuses params that are not variable names or that override the reserved variables', async () => {
    await expect(runner.start({ ...applyJob, params: { 'cluster-name': 'x' } })).rejects.toThrow(
      'job.params key "cluster-name" is not an environment variable name',
    );
    await expect(runner.start({ ...applyJob, params: { DEVELOPER: 'mallory' } })).rejects.toThrow('job.params key "DEVELOPER" is reserved');
    expect(codebuild).not.toHaveReceivedCommand(StartBuildCommand);
  });

  it('names the project when it does not exist', async () => {
    codebuild
      .on(StartBuildCommand)
      .rejects(new ResourceNotFoundException({ message: 'Project cannot be found: arn:...', $metadata: { httpStatusCode: 400 } }));

    const failure = runner.start(applyJob);

    await expect(failure).rejects.toBeInstanceOf(ConfigurationError);
    await expect(failure).rejects.toThrow('CodeBuild project "turbo-terraform" (for apply jobs) does not exist');
  });

  it('fails clearly when StartBuild answers without a build', async () => {
    codebuild.on(StartBuildCommand).resolves({});
    await expect(runner.start(applyJob)).rejects.toThrow('answered without a build ID');
  });

  const statusFor = async (build: Build) => {
    codebuild.on(BatchGetBuildsCommand, { ids: [buildId] }).resolves({ builds: [{ id: buildId, ...build }] });
    return runner.status(handle);
  };

  it('reports a build in progress with its current phase and log link', async () => {
    await expect(statusFor({ buildStatus: 'IN_PROGRESS', currentPhase: 'BUILD', logs: { deepLink } })).resolves.toEqual({
      state: 'running',
      detail: 'phase BUILD',
      logUrl: deepLink,
    });
  });

  it('reports a build waiting in the queue as queued, and a running one with when it left the queue', async () => {
    await expect(statusFor({ buildStatus: 'IN_PROGRESS', currentPhase: 'QUEUED', logs: { deepLink } })).resolves.toEqual({
      state: 'running',
      detail: 'phase QUEUED',
      logUrl: deepLink,
      queued: true,
    });
    const phases = [
      { phaseType: 'SUBMITTED' as const, startTime: new Date('2026-11-24T06:00:00Z'), endTime: new Date('2026-11-24T06:00:01Z') },
      { phaseType: 'QUEUED' as const, startTime: new Date('2026-11-24T06:00:01Z'), endTime: new Date('2026-11-24T07:40:00Z') },
      { phaseType: 'PROVISIONING' as const, startTime: new Date('2026-11-24T07:40:00Z') },
    ];
    await expect(statusFor({ buildStatus: 'IN_PROGRESS', currentPhase: 'PROVISIONING', phases })).resolves.toMatchObject({
      state: 'running',
      runningSince: '2026-11-24T07:40:00.000Z',
    });
    // Finished, it still says when it left the queue: the planner learns the build's duration without the wait.
    await expect(statusFor({ buildStatus: 'SUCCEEDED', phases })).resolves.toMatchObject({
      state: 'succeeded',
      runningSince: '2026-11-24T07:40:00.000Z',
    });
  });

  it('reports success with the exported variables as outputs', async () => {
    const status = await statusFor({
      buildStatus: 'SUCCEEDED',
      logs: { deepLink },
      exportedEnvironmentVariables: [
        { name: 'CLUSTER_ENDPOINT', value: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com' },
        { name: 'APP_URL', value: 'http://a1.elb.amazonaws.com' },
      ],
    });

    expect(status).toEqual({
      state: 'succeeded',
      logUrl: deepLink,
      outputs: { CLUSTER_ENDPOINT: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com', APP_URL: 'http://a1.elb.amazonaws.com' },
    });
  });

  it.each(['FAILED', 'FAULT', 'STOPPED', 'TIMED_OUT'] as const)(
    'reports %s with the failing phase and its message',
    async (buildStatus) => {
      const status = await statusFor({
        buildStatus,
        logs: { deepLink },
        phases: [
          { phaseType: 'SUBMITTED', phaseStatus: 'SUCCEEDED' },
          { phaseType: 'INSTALL', phaseStatus: 'SUCCEEDED' },
          {
            phaseType: 'BUILD',
            phaseStatus: buildStatus,
            contexts: [
              {
                statusCode: 'COMMAND_EXECUTION_ERROR',
                message: 'Error while executing command: ./scripts/terraform.sh. Reason: exit status 1',
              },
            ],
          },
          { phaseType: 'FINALIZING' },
          { phaseType: 'COMPLETED' },
        ],
      });

      expect(status).toEqual({
        state: 'failed',
        logUrl: deepLink,
        reason: `CodeBuild build ${buildId} ${buildStatus} in phase BUILD: COMMAND_EXECUTION_ERROR: Error while executing command: ./scripts/terraform.sh. Reason: exit status 1`,
      });
    },
  );

  it('still names the status when no phase explains the failure', async () => {
    await expect(statusFor({ buildStatus: 'STOPPED' })).resolves.toEqual({
      state: 'failed',
      reason: `CodeBuild build ${buildId} STOPPED`,
    });
  });

  it('reports a build that CodeBuild does not know as failed', async () => {
    codebuild.on(BatchGetBuildsCommand).resolves({ builds: [], buildsNotFound: [buildId] });

    const status = await runner.status(handle);

    expect(status).toEqual({ state: 'failed', reason: expect.stringContaining(`CodeBuild build ${buildId} was not found`) });
  });

  it('refuses a build status it does not know instead of guessing', async () => {
    await expect(statusFor({ buildStatus: 'PAUSED' as Build['buildStatus'] })).rejects.toThrow('unknown buildStatus "PAUSED"');
  });
});

describe('CodeBuildJobRunner against a local CodeBuild endpoint (the SDK retries for real)', () => {
  it('surfaces throttling as TransientError after the SDK retried it', async () => {
    const server = await startAwsJsonServer(() => awsError(400, 'ThrottlingException', 'Rate exceeded'));
    try {
      const runner = new CodeBuildJobRunner(new CodeBuildClient(localClientConfig(server.endpoint)), projects);

      const failure = runner.start(applyJob);

      await expect(failure).rejects.toBeInstanceOf(TransientError);
      await expect(failure).rejects.toThrow(
        /CodeBuild StartBuild on project turbo-terraform for alice failed after the SDK's retries \(ThrottlingException, HTTP 400: Rate exceeded\)/,
      );
      expect(server.calls.length).toBe(3);
      expect(server.calls.every((call) => call.target === 'CodeBuild_20161006.StartBuild')).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('recovers when a 5xx is followed by success', async () => {
    let calls = 0;
    const server = await startAwsJsonServer(() =>
      (calls += 1) === 1
        ? awsError(503, 'ServiceUnavailableException', 'try again')
        : { status: 200, body: { builds: [{ id: buildId, buildStatus: 'IN_PROGRESS', currentPhase: 'PROVISIONING' }] } },
    );
    try {
      const runner = new CodeBuildJobRunner(new CodeBuildClient(localClientConfig(server.endpoint)), projects);

      await expect(runner.status(handle)).resolves.toMatchObject({ state: 'running', detail: 'phase PROVISIONING' });
      expect(server.calls).toHaveLength(2);
      expect(server.calls[1].body).toEqual({ ids: [buildId] });
    } finally {
      await server.close();
    }
  });

  it('turns AccessDenied into AuthenticationError without retrying', async () => {
    const server = await startAwsJsonServer(() =>
      awsError(
        400,
        'AccessDeniedException',
        'User: arn:aws:sts::123456789012:assumed-role/turbo is not authorized to perform: codebuild:StartBuild',
      ),
    );
    try {
      const runner = new CodeBuildJobRunner(new CodeBuildClient(localClientConfig(server.endpoint)), projects);

      const failure = runner.start(applyJob);

      await expect(failure).rejects.toBeInstanceOf(AuthenticationError);
      await expect(failure).rejects.toThrow('not authorized to perform: codebuild:StartBuild');
      expect(server.calls).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});
