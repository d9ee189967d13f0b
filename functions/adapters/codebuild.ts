/**
 * JobRunner on AWS CodeBuild: StartBuild with environment variable overrides, then BatchGetBuilds.
 * The buildspecs run the same scripts/*.sh as the Jenkinsfiles, with the same variables.
 */
import { BatchGetBuildsCommand, CodeBuildClient, StartBuildCommand, type Build, type EnvironmentVariable } from '@aws-sdk/client-codebuild';
import type { JobHandle, JobKind, JobRequest, JobStatus } from '../core/types';
import type { JobRunner } from '../core/ports';
import { ConfigurationError } from '../core/errors';
import { jobParamProblem, RESERVED_JOB_PARAMS } from '../core/jobs';
import { awsErrorName, translateAwsError } from './retry';

export interface CodeBuildProjects {
  /** Runs scripts/terraform.sh for `apply` and `destroy` (config runner.codebuild.terraformProject). */
  terraformProject: string;
  /** Runs scripts/deploy.sh (config runner.codebuild.deployProject). */
  deployProject: string;
}

const FAILED_BUILD_STATES = new Set(['FAILED', 'FAULT', 'STOPPED', 'TIMED_OUT']);

export function createCodeBuildClient(region?: string): CodeBuildClient {
  return new CodeBuildClient({ region });
}

export class CodeBuildJobRunner implements JobRunner {
  constructor(
    private readonly client: CodeBuildClient,
    private readonly projects: CodeBuildProjects,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private projectFor(kind: JobKind): string {
    return kind === 'deploy' ? this.projects.deployProject : this.projects.terraformProject;
  }

  async start(job: JobRequest): Promise<JobHandle> {
    const projectName = this.projectFor(job.kind);
    const response = await this.client
      .send(
        new StartBuildCommand({
          projectName,
          environmentVariablesOverride: environmentFor(job),
          // CodeBuild returns the same build for a repeated token within 5 minutes; a later replay is caught
          // by the job handle that the environment record keeps (EnvironmentRecord.jobs).
          idempotencyToken: `${job.runId}-${job.kind}`,
        }),
      )
      .catch((error: unknown) => {
        if (awsErrorName(error) === 'ResourceNotFoundException') {
          throw new ConfigurationError(
            `CodeBuild project "${projectName}" (for ${job.kind} jobs) does not exist: check runner.codebuild in the config`,
          );
        }
        throw translateAwsError(error, `CodeBuild StartBuild on project ${projectName} for ${job.developer}`);
      });
    const buildId = response.build?.id;
    if (!buildId) {
      throw new Error(`CodeBuild StartBuild on project ${projectName} answered without a build ID`);
    }
    return {
      runner: 'codebuild',
      kind: job.kind,
      developer: job.developer,
      runId: job.runId,
      id: buildId,
      startedAt: (response.build?.startTime ?? this.now()).toISOString(),
    };
  }

  async status(handle: JobHandle): Promise<JobStatus> {
    const response = await this.client.send(new BatchGetBuildsCommand({ ids: [handle.id] })).catch((error: unknown) => {
      throw translateAwsError(error, `CodeBuild BatchGetBuilds for build ${handle.id}`);
    });
    const build = response.builds?.find((candidate) => candidate.id === handle.id);
    if (!build) {
      return { state: 'failed', reason: `CodeBuild build ${handle.id} was not found (deleted, or in another account or region)` };
    }
    return statusOf(build);
  }
}

function environmentFor(job: JobRequest): EnvironmentVariable[] {
  for (const name of Object.keys(job.params)) {
    const problem = jobParamProblem(name);
    if (problem === 'not-a-name') {
      throw new Error(`job.params key "${name}" is not an environment variable name (upper-case letters, digits, _)`);
    }
    if (problem === 'reserved') {
      throw new Error(`job.params key "${name}" is reserved: Turbo sets ${RESERVED_JOB_PARAMS.join(', ')} itself`);
    }
  }
  const variables: Record<string, string> = {
    ACTION: job.kind,
    DEVELOPER: job.developer,
    TURBO_RUN_ID: job.runId,
    ...job.params,
  };
  return Object.entries(variables).map(([name, value]) => ({ name, value, type: 'PLAINTEXT' }));
}

function statusOf(build: Build): JobStatus {
  const logUrl = build.logs?.deepLink;
  const left = build.phases?.find((phase) => phase.phaseType === 'QUEUED')?.endTime;
  const runningSince = left ? { runningSince: new Date(left).toISOString() } : {};
  switch (build.buildStatus) {
    case 'IN_PROGRESS': {
      // SUBMITTED, then QUEUED while the account's concurrent-build quota is full; the build timeout starts after.
      const queued = build.currentPhase === 'SUBMITTED' || build.currentPhase === 'QUEUED';
      return { state: 'running', detail: `phase ${build.currentPhase ?? 'unknown'}`, logUrl, ...(queued ? { queued } : runningSince) };
    }
    case 'SUCCEEDED':
      return {
        state: 'succeeded',
        logUrl,
        ...runningSince,
        outputs: Object.fromEntries(
          (build.exportedEnvironmentVariables ?? []).map((variable) => [variable.name ?? '', variable.value ?? '']),
        ),
      };
    default:
      if (build.buildStatus && FAILED_BUILD_STATES.has(build.buildStatus)) {
        return { state: 'failed', reason: failureReason(build), logUrl };
      }
      throw new Error(`CodeBuild build ${build.id} has an unknown buildStatus "${build.buildStatus}"`);
  }
}

/** "FAILED in phase BUILD: COMMAND_EXECUTION_ERROR: Error while executing command: ./scripts/terraform.sh. Reason: exit status 1" */
function failureReason(build: Build): string {
  const failedPhase = build.phases?.find(
    (phase) => phase.phaseStatus !== undefined && phase.phaseStatus !== 'SUCCEEDED' && phase.phaseStatus !== 'IN_PROGRESS',
  );
  const head = `CodeBuild build ${build.id} ${build.buildStatus}`;
  if (!failedPhase) return head;
  const context = (failedPhase.contexts ?? [])
    .map((item) => [item.statusCode, item.message].filter(Boolean).join(': '))
    .filter(Boolean)
    .join('; ');
  return `${head} in phase ${failedPhase.phaseType}${context ? `: ${context}` : ''}`;
}
