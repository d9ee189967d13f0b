import { JenkinsJobRunner, jenkinsJobPath, jobUrlPath, parseOutputs, type JenkinsRunnerOptions } from '../../../functions/adapters/jenkins';
import type { JobHandle, JobRequest, JobStatus } from '../../../functions/core/types';
import { AuthenticationError, ConfigurationError, TransientError } from '../../../functions/core/errors';
import { startFakeJenkins, type BuildResult, type FakeJenkins, type FakeJenkinsOptions } from '../../support/jenkins-server';

const running: FakeJenkins[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((jenkins) => jenkins.close()));
});

async function setup(options: FakeJenkinsOptions = {}, runnerOptions: Partial<JenkinsRunnerOptions> = {}) {
  const jenkins = await startFakeJenkins(options);
  running.push(jenkins);
  const sleeps: number[] = [];
  const runner = new JenkinsJobRunner({
    baseUrl: jenkins.url,
    terraformJob: 'team/turbo-terraform',
    deployJob: 'team/turbo-deploy',
    user: jenkins.user,
    token: jenkins.token,
    timeoutMs: 2_000,
    retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 4, sleep: async (ms) => void sleeps.push(ms) },
    now: () => new Date('2026-11-24T05:00:00Z'),
    ...runnerOptions,
  });
  return { jenkins, runner, sleeps };
}

const apply: JobRequest = {
  kind: 'apply',
  developer: 'alice',
  runId: 'alice-up-20261124',
  params: { CLUSTER_NAME: 'turbo-alice', AWS_REGION: 'eu-west-1', NODE_DESIRED_SIZE: '2' },
};
const deploy: JobRequest = { ...apply, kind: 'deploy', params: { CLUSTER_NAME: 'turbo-alice', AWS_REGION: 'eu-west-1' } };

/** Polls until the job is no longer running, keeping the handle each status returns (as the state machine does). */
async function follow(runner: JenkinsJobRunner, first: JobHandle, maxPolls = 12): Promise<{ final: JobStatus; seen: JobStatus[] }> {
  const seen: JobStatus[] = [];
  let handle = first;
  for (let poll = 0; poll < maxPolls; poll += 1) {
    const status = await runner.status(handle);
    seen.push(status);
    if (status.state !== 'running') return { final: status, seen };
    handle = status.handle ?? handle;
  }
  throw new Error(`job still running after ${maxPolls} polls`);
}

function posts(jenkins: FakeJenkins) {
  return jenkins.requests.filter((request) => request.method === 'POST');
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure, got success');
}

describe('job paths', () => {
  it('maps apply and destroy to the Terraform job and deploy to the deploy job', () => {
    const jobs = { terraformJob: 'team/turbo-terraform', deployJob: 'team/turbo-deploy' };
    expect(jenkinsJobPath('apply', jobs)).toBe('team/turbo-terraform');
    expect(jenkinsJobPath('destroy', jobs)).toBe('team/turbo-terraform');
    expect(jenkinsJobPath('deploy', jobs)).toBe('team/turbo-deploy');
  });

  it('turns folder paths into nested /job/ segments', () => {
    expect(jobUrlPath('team/turbo-terraform')).toBe('job/team/job/turbo-terraform/');
    expect(jobUrlPath('turbo-deploy')).toBe('job/turbo-deploy/');
  });
});

describe('CSRF crumbs', () => {
  it('fetches a crumb and sends it with its session cookie where the instance requires one', async () => {
    const { jenkins, runner } = await setup({ crumbRequired: true });
    // The fake really refuses a POST without them: the adapter's success below depends on sending both.
    const bare = await fetch(`${jenkins.url}job/team/job/turbo-terraform/buildWithParameters`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${jenkins.user}:${jenkins.token}`).toString('base64')}` },
    });
    expect(bare.status).toBe(403);

    const handle = await runner.start(apply);

    expect(handle.id).toBe(`${jenkins.url}queue/item/1/`);
    const [post] = posts(jenkins).slice(-1);
    expect(post!.headers['jenkins-crumb']).toMatch(/^[0-9a-f]{32}$/);
    expect(post!.headers.cookie).toMatch(/^JSESSIONID\.5a6b7c8d=node0[0-9a-f]+$/);
    expect(jenkins.queue).toHaveLength(1);
  });

  it('proceeds without a crumb where the crumb issuer answers 404', async () => {
    const { jenkins, runner } = await setup({ crumbRequired: false });

    await runner.start(apply);

    expect(jenkins.requests.some((request) => request.path === '/crumbIssuer/api/json')).toBe(true);
    const [post] = posts(jenkins);
    expect(post!.headers['jenkins-crumb']).toBeUndefined();
    expect(post!.headers.cookie).toBeUndefined();
    expect(jenkins.queue).toHaveLength(1);
  });
});

describe('start', () => {
  it('queues a build with ACTION, DEVELOPER, TURBO_RUN_ID and the job values, and keeps the queue item from Location', async () => {
    const { jenkins, runner } = await setup();

    const handle = await runner.start(apply);

    expect(handle).toEqual({
      runner: 'jenkins',
      kind: 'apply',
      developer: 'alice',
      runId: 'alice-up-20261124',
      id: `${jenkins.url}queue/item/1/`,
      startedAt: '2026-11-24T05:00:00.000Z',
    });
    expect(posts(jenkins).map((request) => request.path)).toEqual(['/job/team/job/turbo-terraform/buildWithParameters']);
    expect(jenkins.queue[0]!.parameters).toEqual({
      CLUSTER_NAME: 'turbo-alice',
      AWS_REGION: 'eu-west-1',
      NODE_DESIRED_SIZE: '2',
      ACTION: 'apply',
      DEVELOPER: 'alice',
      TURBO_RUN_ID: 'alice-up-20261124',
    });
  });

  it('sends destroy to the Terraform job with ACTION=destroy and deploy to the deploy job', async () => {
    const { jenkins, runner } = await setup();

    await runner.start({ ...apply, kind: 'destroy', runId: 'alice-down-20261124' });
    await runner.start(deploy);

    expect(jenkins.queue.map((item) => [item.jobPath, item.parameters.ACTION])).toEqual([
      ['team/turbo-terraform', 'destroy'],
      ['team/turbo-deploy', 'deploy'],
    ]);
  });

  it('follows nested folders and a Jenkins served under a context path', async () => {
    const { jenkins, runner } = await setup(
      { contextPath: '/jenkins/', jobs: { 'org/team/turbo-terraform': {}, 'team/turbo-deploy': {} } },
      { terraformJob: 'org/team/turbo-terraform' },
    );

    const { final } = await follow(runner, await runner.start(apply));

    expect(final.state).toBe('succeeded');
    expect(posts(jenkins)[0]!.path).toBe('/jenkins/job/org/job/team/job/turbo-terraform/buildWithParameters');
  });

  it('refuses bad requests before calling Jenkins, naming the field and the value', async () => {
    const { jenkins, runner } = await setup();

    await expect(runner.start({ ...apply, developer: 'Alice;rm' })).rejects.toThrow(/developer.*"Alice;rm"/);
    await expect(runner.start({ ...apply, params: { 'lower-case': 'x' } })).rejects.toThrow(/parameter name.*"lower-case"/);
    await expect(runner.start({ ...apply, params: { ACTION: 'destroy' } })).rejects.toThrow(/parameter name.*"ACTION"/);
    await expect(runner.start({ ...apply, runId: '' })).rejects.toBeInstanceOf(ConfigurationError);
    expect(jenkins.requests).toHaveLength(0);
  });

  it('refuses a base URL that carries credentials without echoing them', () => {
    const error = (() => {
      try {
        new JenkinsJobRunner({
          baseUrl: 'https://turbo:s3cr3t-token@ci.example.test/',
          terraformJob: 't',
          deployJob: 'd',
          user: 'turbo',
          token: 'x',
        });
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('expected the constructor to refuse the URL');
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).not.toContain('s3cr3t-token');
  });
});

describe('status', () => {
  it('reports a waiting queue item with its why, keeps the build number once known, then follows the build to SUCCESS', async () => {
    const { jenkins, runner } = await setup({ queuePolls: 2, buildingPolls: 2 });
    const handle = await runner.start(apply);

    const { final, seen } = await follow(runner, handle);

    expect(seen.map((status) => status.state)).toEqual(['running', 'running', 'running', 'running', 'succeeded']);
    // Waiting in the queue does not count against the job's timeout; a running build says when it started.
    expect(seen[0]).toMatchObject({ state: 'running', detail: expect.stringContaining('In the quiet period'), queued: true });
    expect(seen[2]).toMatchObject({ runningSince: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) });
    expect(seen[2]!.state === 'running' && seen[2]!.queued).toBeFalsy();
    expect(seen[0]!.handle?.buildNumber).toBeUndefined();
    expect(seen[2]).toMatchObject({ detail: expect.stringContaining('build #1 of job team/turbo-terraform is running') });
    expect(seen[2]!.handle?.buildNumber).toBe(1);
    // Finished, it still says when it left the queue (the build's timestamp): the planner learns its duration without the wait.
    expect(final).toEqual({
      state: 'succeeded',
      outputs: {},
      logUrl: `${jenkins.url}job/team/job/turbo-terraform/1/console`,
      handle: { ...handle, buildNumber: 1 },
      runningSince: (seen[2] as { runningSince?: string }).runningSince,
    });
  });

  it.each<BuildResult>(['FAILURE', 'ABORTED', 'UNSTABLE'])('reports %s as failed with that word as the reason', async (result) => {
    const { jenkins, runner } = await setup({ resultFor: () => result });

    const { final } = await follow(runner, await runner.start(apply));

    expect(final).toMatchObject({
      state: 'failed',
      reason: `${result}: build #1 of job team/turbo-terraform`,
      logUrl: `${jenkins.url}job/team/job/turbo-terraform/1/console`,
    });
  });

  it('reports a cancelled queue item as failed', async () => {
    const { jenkins, runner } = await setup({ cancelFor: () => true });

    const { final } = await follow(runner, await runner.start(apply));

    expect(final).toMatchObject({
      state: 'failed',
      reason: expect.stringMatching(/^CANCELLED: Jenkins queue item 1 of job team\/turbo-terraform was cancelled/),
    });
    expect(jenkins.builds).toHaveLength(0);
  });

  it('keeps working from the build number after Jenkins forgets the queue item', async () => {
    const { jenkins, runner } = await setup({ queuePolls: 0, buildingPolls: 3 });
    const started = await runner.start(apply);
    const first = await runner.status(started);
    expect(first.handle?.buildNumber).toBe(1);

    jenkins.forgetLeftItems();
    const queueReads = jenkins.requests.filter((request) => request.path.startsWith('/queue/item/')).length;
    const { final } = await follow(runner, first.handle!);

    expect(final.state).toBe('succeeded');
    expect(jenkins.requests.filter((request) => request.path.startsWith('/queue/item/'))).toHaveLength(queueReads);
  });

  it('finds the build by TURBO_RUN_ID when the queue item was forgotten before the build number was learnt', async () => {
    const { jenkins, runner } = await setup({ queuePolls: 0 });
    const handle = await runner.start(apply);
    // Someone else's read moves the item out of the queue; then Jenkins forgets it.
    const read = await fetch(`${jenkins.url}queue/item/1/api/json`, {
      headers: { authorization: `Basic ${Buffer.from(`${jenkins.user}:${jenkins.token}`).toString('base64')}` },
    });
    expect(read.status).toBe(200);
    jenkins.forgetLeftItems();

    const status = await runner.status(handle);

    expect(status.state).toBe('running');
    expect(status.handle?.buildNumber).toBe(1);
  });

  it('fails clearly when the queue item is forgotten and no build carries the run', async () => {
    const { jenkins, runner } = await setup({ cancelFor: () => true, queuePolls: 0 });
    const handle = await runner.start(apply);
    await runner.status(handle);
    jenkins.forgetLeftItems();

    const status = await runner.status(handle);

    expect(status).toMatchObject({
      state: 'failed',
      reason: expect.stringContaining('no recent build carries TURBO_RUN_ID=alice-up-20261124'),
    });
  });

  it('reports the build URL that Jenkins gives as the log link, but sends every request to the configured URL', async () => {
    const { jenkins, runner } = await setup({ rootUrl: 'https://jenkins.example.test/' });

    const { final } = await follow(runner, await runner.start(apply));
    // A replay still recognises the build: builds are matched by path, not by Jenkins' root URL.
    const replayed = await runner.start(apply);

    expect(final.logUrl).toBe('https://jenkins.example.test/job/team/job/turbo-terraform/1/console');
    expect(replayed).toMatchObject({ buildNumber: 1, id: `${jenkins.url}job/team/job/turbo-terraform/1/` });
    expect(jenkins.builds).toHaveLength(1);
  });
});

describe('deploy outputs', () => {
  it('reads KEY=value pairs from the archived turbo-output.env', async () => {
    const { runner } = await setup({
      artifactFor: () =>
        '# written by scripts/deploy.sh\nAPP_URL=http://alice.app.test/\n\nFRONTEND_IMAGE=acme/turbo-notes:1.4.2@sha256:abc\n',
    });

    const { final } = await follow(runner, await runner.start(deploy));

    expect(final).toMatchObject({
      state: 'succeeded',
      outputs: { APP_URL: 'http://alice.app.test/', FRONTEND_IMAGE: 'acme/turbo-notes:1.4.2@sha256:abc' },
    });
  });

  it.each([
    ['no artifact', undefined, /archived no turbo-output\.env/],
    ['a bad key', 'app_url=http://x/\n', /line 1 is not KEY=value.*"app_url"/],
    ['no APP_URL', 'OTHER=1\n', /lacks APP_URL/],
    ['an oversized file', `APP_URL=http://x/\nPAD=${'x'.repeat(20_000)}\n`, /larger than 16384 bytes/],
  ])('fails a deploy whose artifact has %s', async (_case, artifact, reason) => {
    const { runner } = await setup({ artifactFor: () => artifact });

    const { final } = await follow(runner, await runner.start(deploy));

    expect(final).toMatchObject({ state: 'failed', reason: expect.stringMatching(reason) });
  });

  it('parses KEY=value lines, values keeping their = signs', () => {
    expect(parseOutputs('A=1\r\nB_2=x=y\n')).toEqual({ values: { A: '1', B_2: 'x=y' } });
    expect(parseOutputs('no separator')).toMatchObject({ problem: expect.stringContaining('line 1') });
  });
});

describe('idempotent start', () => {
  it('a replayed start with the same TURBO_RUN_ID finds the queue item and queues nothing', async () => {
    const { jenkins, runner } = await setup();

    const first = await runner.start(apply);
    const replay = await runner.start(apply);

    expect(replay.id).toBe(first.id);
    expect(jenkins.queue).toHaveLength(1);
    expect(posts(jenkins)).toHaveLength(1);
  });

  it('a replay after the build started finds the build, even once the queue item is forgotten', async () => {
    const { jenkins, runner } = await setup({ queuePolls: 0 });
    const first = await runner.start(apply);
    await runner.status(first);
    jenkins.forgetLeftItems();

    const replay = await runner.start(apply);

    expect(replay).toMatchObject({ buildNumber: 1, id: `${jenkins.url}job/team/job/turbo-terraform/1/` });
    expect(posts(jenkins)).toHaveLength(1);
    expect((await runner.status(replay)).handle?.buildNumber).toBe(1);
  });

  it('another run or another action for the same developer does queue its own build', async () => {
    const { jenkins, runner } = await setup();

    await runner.start(apply);
    await runner.start({ ...apply, runId: 'alice-up-20261125' });
    await runner.start({ ...apply, kind: 'destroy' });

    expect(jenkins.queue).toHaveLength(3);
  });

  it.each([201, 303] as const)(
    'two racing starts share the queue item that Jenkins coalesces them into (answering %i)',
    async (coalescedStatus) => {
      const { jenkins, runner } = await setup({ coalescedStatus });

      const [one, two] = await Promise.all([runner.start(apply), runner.start(apply)]);

      expect(posts(jenkins)).toHaveLength(2);
      expect(jenkins.queue).toHaveLength(1);
      expect(two.id).toBe(one.id);
    },
  );
});

describe('errors', () => {
  it('a wrong token is an authentication error, not retried, and never shows the token', async () => {
    const { jenkins, runner, sleeps } = await setup({}, { token: 'wrong-token-0123456789' });

    const error = await failureOf(runner.start(apply));

    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(/HTTP 401/);
    expect(sleeps).toEqual([]);
    expect(jenkins.requests).toHaveLength(1);
    expect(JSON.stringify({ message: error.message, stack: error.stack })).not.toContain('wrong-token-0123456789');
  });

  it('a 403 is an authentication error and is not retried', async () => {
    const { jenkins, runner, sleeps } = await setup({ faults: [{ path: /buildWithParameters$/, status: 403, times: 5 }] });

    const error = await failureOf(runner.start(apply));

    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(/HTTP 403.*crumb/);
    expect(posts(jenkins)).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('an unknown job path is a configuration error naming the path', async () => {
    const { jenkins, runner } = await setup({}, { terraformJob: 'team/turbo-terraform-typo' });

    const error = await failureOf(runner.start(apply));

    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('team/turbo-terraform-typo');
    expect(posts(jenkins)).toHaveLength(0);
  });

  it('retries 503s with backoff, then succeeds with a single build', async () => {
    const { jenkins, runner, sleeps } = await setup({ faults: [{ path: /buildWithParameters$/, status: 503, times: 2 }] });

    const handle = await runner.start(apply);

    expect(handle.id).toBe(`${jenkins.url}queue/item/1/`);
    expect(posts(jenkins)).toHaveLength(3);
    expect(jenkins.queue).toHaveLength(1);
    expect(sleeps).toHaveLength(2);
    for (const delay of sleeps) expect(delay).toBeLessThanOrEqual(4);
  });

  it('gives up after bounded retries when Jenkins stays at 503', async () => {
    const { jenkins, runner, sleeps } = await setup({
      faults: [{ path: /\/1\/api\/json$/, status: 503, times: Number.POSITIVE_INFINITY }],
    });

    const error = await failureOf(
      runner.status({ runner: 'jenkins', kind: 'apply', developer: 'alice', runId: apply.runId, id: 'x', buildNumber: 1, startedAt: '' }),
    );

    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toMatch(/after 4 attempts: Jenkins answered HTTP 503 to GET \/job\/team\/job\/turbo-terraform\/1\/api\/json/);
    expect(jenkins.requests).toHaveLength(4);
    expect(sleeps).toHaveLength(3);
  });

  it('retries a reset connection', async () => {
    const { jenkins, runner, sleeps } = await setup({ queuePolls: 0, faults: [{ path: /^queue\/item\//, reset: true, times: 1 }] });
    const handle = await runner.start(apply);

    const status = await runner.status(handle);

    expect(status.handle?.buildNumber).toBe(1);
    expect(sleeps).toHaveLength(1);
    expect(jenkins.requests.filter((request) => request.path.startsWith('/queue/item/'))).toHaveLength(2);
  });

  it('retries a request that times out, then fails clearly when every attempt does', async () => {
    const { runner, sleeps } = await setup(
      { faults: [{ path: /^crumbIssuer/, hang: true, times: Number.POSITIVE_INFINITY }] },
      { timeoutMs: 50 },
    );

    const error = await failureOf(runner.start(apply));

    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toMatch(/Jenkins did not answer GET \/crumbIssuer\/api\/json \(no answer within 50 ms\)/);
    expect(sleeps).toHaveLength(3);
  });

  it('never shows the token in any error', async () => {
    const token = 'tok-9f8e7d6c5b4a39281706';
    const basic = Buffer.from(`turbo:${token}`).toString('base64');
    const cases: Array<[FakeJenkinsOptions, Partial<JenkinsRunnerOptions>]> = [
      [{ token: 'another' }, {}],
      [{}, { terraformJob: 'missing' }],
      [{ faults: [{ path: /./, status: 503, times: Number.POSITIVE_INFINITY }] }, {}],
      [{ faults: [{ path: /./, reset: true, times: Number.POSITIVE_INFINITY }] }, {}],
    ];
    for (const [options, runnerOptions] of cases) {
      const { runner } = await setup({ token, ...options }, { token, ...runnerOptions });
      const error = await failureOf(runner.start(apply));
      const shown = JSON.stringify({ name: error.name, message: error.message, stack: error.stack, cause: String(error.cause) });
      expect(shown).not.toContain(token);
      expect(shown).not.toContain(basic);
    }
  });
});
