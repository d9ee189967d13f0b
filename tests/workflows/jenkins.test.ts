/**
 * `runner: jenkins` end to end: the packaged reconcile and environment machines run the real handlers, and every job
 * goes over real HTTP to a local server that speaks Jenkins' remote access API, with each job's parameters as its
 * Jenkinsfile declares them (Jenkins silently drops any other). The cloud around it (EKS, DynamoDB, Slack) is the
 * in-memory one, on a virtual clock.
 */
import { DateTime } from 'luxon';
import { startRehearsal, tickReconcile, type Rehearsal } from '../../cli/rehearsal/day';
import { summarise } from '../../cli/rehearsal/summary';
import { JenkinsJobRunner } from '../../functions/adapters/jenkins';
import { configSchema, type TurboConfig } from '../../functions/core/config';
import { jenkinsfileJobs, startFakeJenkins, type FakeBuild, type FakeJenkins, type FakeJenkinsOptions } from '../support/jenkins-server';
import { exampleConfig, packagedStack, root } from '../support/packaged';

const DATE = '2026-11-24'; // a Tuesday
const ZONE = 'Europe/Berlin';
const at = (time: string) => DateTime.fromISO(`${DATE}T${time}`, { zone: ZONE }).toMillis();
const TERRAFORM_JOB = 'team/turbo-terraform';
const DEPLOY_JOB = 'team/turbo-deploy';

/** The example's settings with jobs on the given Jenkins and alice alone on the roster. */
function jenkinsConfig(url: string): TurboConfig {
  const example = exampleConfig();
  return configSchema.parse({
    ...example,
    runner: {
      type: 'jenkins',
      jenkins: {
        url,
        terraformJob: TERRAFORM_JOB,
        deployJob: DEPLOY_JOB,
        userParameter: '/turbo/jenkins/user',
        tokenParameter: '/turbo/jenkins/token',
      },
    },
    developers: example.developers.filter((dev) => dev.name === 'alice'),
  });
}

interface JenkinsDay {
  jenkins: FakeJenkins;
  config: TurboConfig;
  rehearsal: Rehearsal;
  /** The form bodies of every buildWithParameters the adapter sent, in order. */
  sent: Record<string, string>[];
}

const open: JenkinsDay[] = [];
afterEach(async () => {
  for (const day of open.splice(0)) {
    day.rehearsal.stop();
    await day.jenkins.close();
  }
});

async function startJenkinsDay(options: Partial<FakeJenkinsOptions> = {}): Promise<JenkinsDay> {
  const jenkins = await startFakeJenkins({
    crumbRequired: true,
    jobs: jenkinsfileJobs(),
    // The builds end by reads, not by time: the reads that queue an item are the workflow's checks, not a wait for an
    // executor, or each build would seem to begin only as it ends, and its checks would wait a whole job's length.
    startsWhenQueued: true,
    artifactFor: (build) =>
      build.parameters.ACTION === 'deploy'
        ? `# written by scripts/deploy.sh\nAPP_URL=http://${build.parameters.DEVELOPER}.notes.test/\n`
        : undefined,
    ...options,
  });
  const sent: Record<string, string>[] = [];
  const recordingFetch: typeof fetch = (input, init) => {
    if (init?.method === 'POST' && init.body instanceof URLSearchParams) sent.push(Object.fromEntries(init.body));
    return fetch(input, init);
  };
  const config = jenkinsConfig(jenkins.url);
  const runner = new JenkinsJobRunner({
    baseUrl: jenkins.url,
    terraformJob: TERRAFORM_JOB,
    deployJob: DEPLOY_JOB,
    user: jenkins.user,
    token: jenkins.token,
    fetch: recordingFetch,
  });
  // Start well before alice's window (readyBy 09:00 less 25 minutes and one tick), as the morning's first tick would.
  const rehearsal = startRehearsal({ config, stack: packagedStack(config.region), root, runner }, at('08:00'));
  const day = { jenkins, config, rehearsal, sent };
  open.push(day);
  return day;
}

/** One reconcile tick at `time` (Berlin), then virtual time runs on for `minutes`. */
async function tickAt(day: JenkinsDay, time: string, minutes: number): Promise<void> {
  await day.rehearsal.advance(at(time));
  tickReconcile(day.rehearsal.sfn);
  await day.rehearsal.advance(at(time) + minutes * 60_000);
}

const buildsOf = (jenkins: FakeJenkins, jobPath: string) => jenkins.builds.filter((build) => build.jobPath === jobPath);
const summary = (build: FakeBuild) => [build.jobPath, build.number, build.parameters.ACTION, build.parameters.TURBO_RUN_ID, build.result];

describe('an environment on Jenkins, through the packaged state machines', () => {
  it('brings alice up with one build per job, survives a replay, then destroys her cluster', async () => {
    const day = await startJenkinsDay();
    const { jenkins, config, rehearsal } = day;
    const { cloud, sfn } = rehearsal;
    const alice = config.developers[0]!;

    await tickAt(day, '08:45', 40);
    const up = sfn.executions.get([...sfn.executions.keys()].find((arn) => arn.endsWith(':alice-up-20261124'))!)!;
    expect([up.status, up.error]).toEqual(['SUCCEEDED', undefined]);
    const record = cloud.records.get('alice')!;
    expect([record.status, record.appUrl]).toEqual(['ready', 'http://alice.notes.test/']);
    const ready = cloud.outbox.filter((message) => message.to.user === alice.slackUserId);
    expect(ready).toHaveLength(1);
    expect(ready[0]!.kind).toBe('ready');
    expect(JSON.stringify(ready[0]!.blocks)).toContain('http://alice.notes.test/');
    expect(jenkins.builds.map(summary)).toEqual([
      [TERRAFORM_JOB, 1, 'apply', 'alice-up-20261124', 'SUCCESS'],
      [DEPLOY_JOB, 1, 'deploy', 'alice-up-20261124', 'SUCCESS'],
    ]);

    // Every parameter the handlers sent reached the build: none was dropped for want of a declaration.
    expect(jenkins.builds.map((build) => build.parameters)).toEqual(day.sent);
    const [apply, deploy] = jenkins.builds;
    expect(apply!.parameters).toMatchObject({
      ACTION: 'apply',
      DEVELOPER: 'alice',
      TURBO_RUN_ID: 'alice-up-20261124',
      CLUSTER_NAME: 'turbo-alice',
      AWS_REGION: 'eu-west-1',
      KUBERNETES_VERSION: '1.35',
      NODE_INSTANCE_TYPES: 't3.medium',
      NODE_CAPACITY_TYPE: 'ON_DEMAND',
      NODE_ARCH: 'amd64',
      NODE_SPOT_WAIT_MINUTES: '10',
      NODE_MIN_SIZE: '1',
      NODE_DESIRED_SIZE: '2',
      NODE_MAX_SIZE: '3',
      DEVELOPER_PRINCIPAL_ARN: alice.iamPrincipalArn,
    });
    expect(Date.parse(apply!.parameters.EXPIRES_AT!)).toBe(at('19:00'));
    expect(deploy!.parameters).toMatchObject({
      ACTION: 'deploy',
      DEVELOPER: 'alice',
      TURBO_RUN_ID: 'alice-up-20261124',
      CLUSTER_NAME: 'turbo-alice',
    });
    // The token travels only as Basic authentication: never in a parameter, never in what the state machine keeps.
    expect(JSON.stringify(jenkins.builds)).not.toContain(jenkins.token);
    expect(JSON.stringify([...sfn.executions.values()].map((execution) => [execution.input, execution.output]))).not.toContain(
      jenkins.token,
    );
    expect(JSON.stringify(cloud.records.get('alice'))).not.toContain(jenkins.token);

    // A replay from the console, after Jenkins has forgotten the queue items: the builds are found by TURBO_RUN_ID.
    jenkins.forgetLeftItems();
    const requestsBeforeReplay = jenkins.requests.length;
    const replay = sfn.startExecution('environment', 'alice-up-20261124-replay', up.input);
    await rehearsal.advance(Date.now() + 10 * 60_000);
    expect([replay.status, replay.error]).toEqual(['SUCCEEDED', undefined]);
    expect(jenkins.builds).toHaveLength(2);
    expect(jenkins.queue).toHaveLength(2);
    const replayRequests = jenkins.requests.slice(requestsBeforeReplay);
    expect(replayRequests.filter((request) => request.method === 'POST')).toEqual([]);
    expect(replayRequests.some((request) => request.path.startsWith('/job/team/job/turbo-terraform/api/json?tree=builds'))).toBe(true);
    expect(cloud.outbox.filter((message) => message.to.user === alice.slackUserId)).toHaveLength(1);

    await tickAt(day, '19:00', 45);
    const down = [...sfn.executions.values()].find((execution) => execution.name === 'alice-down-20261124');
    expect([down?.status, down?.error]).toEqual(['SUCCEEDED', undefined]);
    expect(buildsOf(jenkins, TERRAFORM_JOB).map(summary)).toEqual([
      [TERRAFORM_JOB, 1, 'apply', 'alice-up-20261124', 'SUCCESS'],
      [TERRAFORM_JOB, 2, 'destroy', 'alice-down-20261124', 'SUCCESS'],
    ]);
    expect(buildsOf(jenkins, DEPLOY_JOB)).toHaveLength(1);
    expect(buildsOf(jenkins, TERRAFORM_JOB)[1]!.parameters).toEqual({
      ACTION: 'destroy',
      DEVELOPER: 'alice',
      TURBO_RUN_ID: 'alice-down-20261124',
      CLUSTER_NAME: 'turbo-alice',
      AWS_REGION: 'eu-west-1',
    });
    expect(jenkins.builds.map((build) => build.parameters)).toEqual(day.sent);
    expect(cloud.records.get('alice')?.status).toBe('destroyed');
    expect(cloud.clusterMap.get('turbo-alice')?.goneAt).toBeDefined();
    expect(summarise(config, [...sfn.executions.values()], DATE).map((row) => [row.developer, row.result])).toEqual([
      ['alice', 'destroyed'],
    ]);
    // Only the adapter's own crumb and session went with each POST.
    expect(
      jenkins.requests
        .filter((request) => request.method === 'POST')
        .every((request) => typeof request.headers['jenkins-crumb'] === 'string'),
    ).toBe(true);
  });

  it("reports a failed Jenkins build as alice's failure, with FAILURE and the console URL", async () => {
    const day = await startJenkinsDay({ resultFor: (build) => (build.parameters.ACTION === 'apply' ? 'FAILURE' : 'SUCCESS') });
    const { jenkins, config, rehearsal } = day;
    const { cloud, sfn } = rehearsal;

    await tickAt(day, '08:45', 40);
    const consoleUrl = `${jenkins.url}job/team/job/turbo-terraform/1/console`;
    const [row] = summarise(config, [...sfn.executions.values()], DATE);
    expect([row?.developer, row?.result]).toEqual(['alice', 'failed']);
    expect(row?.reason).toContain('FAILURE');
    expect(row?.reason).toContain(consoleUrl);
    const record = cloud.records.get('alice')!;
    expect(record.status).toBe('failed');
    expect(record.lastError).toContain('FAILURE');
    expect(record.lastError).toContain(consoleUrl);
    // No deploy after a failed apply; alice and ops are told.
    expect(jenkins.builds.map(summary)).toEqual([[TERRAFORM_JOB, 1, 'apply', 'alice-up-20261124', 'FAILURE']]);
    const toAlice = cloud.outbox.filter((message) => message.to.user === config.developers[0]!.slackUserId);
    expect(toAlice).toHaveLength(1);
    expect(toAlice[0]!.kind).not.toBe('ready');
    const toOps = cloud.outbox.filter((message) => message.to.channel === config.slack.opsChannel);
    expect(toOps).toHaveLength(1);
    expect(JSON.stringify(toOps[0])).toContain('alice');
  });
});
