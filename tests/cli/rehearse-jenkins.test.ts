/**
 * `turbo rehearse --runner jenkins --jenkins-url <url>`: a whole rehearsed day whose jobs run on a Jenkins (here a
 * local server that speaks its remote access API), with credentials from JENKINS_USER and JENKINS_TOKEN.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { run } from '../../cli/commands/rehearse';
import { main } from '../../cli/main';
import { EXAMPLE_CONFIG } from '../../cli/commands/validate';
import { jenkinsfileJobs, startFakeJenkins, type FakeJenkins } from '../support/jenkins-server';
import { root } from '../support/packaged';
import { captureIn, folderWith } from './capture';

const TERRAFORM_JOB = 'team/turbo-terraform';
const DEPLOY_JOB = 'team/turbo-deploy';

/** The example with runner.type jenkins (its url deliberately not the one rehearsed against) and alice alone. */
function jenkinsConfigText(): string {
  const example = parseYaml(readFileSync(join(root, EXAMPLE_CONFIG), 'utf8')) as { developers: { name: string }[] };
  return stringifyYaml({
    ...example,
    runner: {
      type: 'jenkins',
      jenkins: {
        url: 'https://ci.example.com/',
        terraformJob: TERRAFORM_JOB,
        deployJob: DEPLOY_JOB,
        userParameter: '/turbo/jenkins/user',
        tokenParameter: '/turbo/jenkins/token',
      },
    },
    developers: example.developers.filter((dev) => dev.name === 'alice'),
  });
}

let jenkins: FakeJenkins;
const savedEnv = { user: process.env.JENKINS_USER, token: process.env.JENKINS_TOKEN };

beforeEach(async () => {
  jenkins = await startFakeJenkins({
    jobs: jenkinsfileJobs(),
  });
  process.env.JENKINS_USER = jenkins.user;
  process.env.JENKINS_TOKEN = jenkins.token;
});

afterEach(async () => {
  await jenkins.close();
  for (const [name, value] of [
    ['JENKINS_USER', savedEnv.user],
    ['JENKINS_TOKEN', savedEnv.token],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const withJenkinsConfig = () => captureIn(folderWith({ 'jenkins.yml': jenkinsConfigText() }));

describe('turbo rehearse --runner jenkins', () => {
  it('rehearses the day with every job on the given Jenkins and writes the summary', async () => {
    const captured = withJenkinsConfig();
    const argv = [
      '--runner',
      'jenkins',
      '--jenkins-url',
      jenkins.url,
      '--config',
      'jenkins.yml',
      '--date',
      '2026-11-24',
      '--pace',
      'virtual',
      '--quiet',
      '--out',
      'out',
    ];
    const code = await run(argv, captured.io);
    expect([code, captured.stderr()]).toEqual([0, '']);
    expect(captured.stdout()).toContain(`Rehearsing 2026-11-24 for 1 developer(s) of team payments, jobs on Jenkins at ${jenkins.url}`);
    expect(captured.stdout()).toContain('1 of 1 developer(s) ok');

    expect(
      jenkins.builds.map((build) => [
        build.jobPath,
        build.parameters.ACTION,
        build.parameters.DEVELOPER,
        build.parameters.TURBO_RUN_ID,
        build.result,
      ]),
    ).toEqual([
      [TERRAFORM_JOB, 'apply', 'alice', 'alice-up-20261124', 'SUCCESS'],
      [DEPLOY_JOB, 'deploy', 'alice', 'alice-up-20261124', 'SUCCESS'],
      [TERRAFORM_JOB, 'destroy', 'alice', 'alice-down-20261124', 'SUCCESS'],
    ]);
    const expectedAuthorization = `Basic ${Buffer.from(`${jenkins.user}:${jenkins.token}`).toString('base64')}`;
    expect(jenkins.requests.every((request) => request.headers.authorization === expectedAuthorization)).toBe(true);

    const out = join(captured.io.cwd, 'out');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      date: string;
      team: string;
      developers: { developer: string; result: string; readyAtLocal?: string; up?: { status: string }; down?: { status: string } }[];
    };
    expect([summary.date, summary.team]).toEqual(['2026-11-24', 'payments']);
    expect(summary.developers.map((row) => [row.developer, row.result, row.up?.status, row.down?.status])).toEqual([
      ['alice', 'destroyed', 'SUCCEEDED', 'SUCCEEDED'],
    ]);
    expect(summary.developers[0]!.readyAtLocal! <= '09:00').toBe(true);
    expect(existsSync(join(out, 'timeline.json'))).toBe(true);
    // The fake's deploy build archived APP_URL=http://alice.app.test/: the ready message carries it.
    const outbox = readFileSync(join(out, 'outbox.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string; text: string; blocks: unknown[] });
    const ready = outbox.find((message) => message.kind === 'ready');
    expect(JSON.stringify(ready?.blocks)).toContain('http://alice.app.test/');
    // The token never leaves the environment variable for anything the rehearsal writes.
    for (const file of ['summary.json', 'timeline.json', 'outbox.jsonl'])
      expect([file, readFileSync(join(out, file), 'utf8').includes(jenkins.token)]).toEqual([file, false]);
    expect(captured.stdout()).not.toContain(jenkins.token);
  });

  it('refuses --runner jenkins without --jenkins-url (exit 2), and contacts nothing', async () => {
    const captured = withJenkinsConfig();
    expect(
      await main(
        ['rehearse', '--runner', 'jenkins', '--config', 'jenkins.yml', '--date', '2026-11-24', '--quiet', '--out', 'out'],
        captured.io,
      ),
    ).toBe(2);
    expect(captured.stderr()).toMatch(/^turbo rehearse: --runner jenkins needs --jenkins-url <url>\nUsage: turbo rehearse /);
    expect(jenkins.requests).toEqual([]);
  });

  it.each(['JENKINS_USER', 'JENKINS_TOKEN'])(
    'refuses --runner jenkins without %s in the environment (exit 2), and contacts nothing',
    async (missing) => {
      delete process.env[missing];
      const captured = withJenkinsConfig();
      const argv = [
        'rehearse',
        '--runner',
        'jenkins',
        '--jenkins-url',
        jenkins.url,
        '--config',
        'jenkins.yml',
        '--date',
        '2026-11-24',
        '--pace',
        'virtual',
        '--quiet',
        '--out',
        'out',
      ];
      expect(await main(argv, captured.io)).toBe(2);
      expect(captured.stderr()).toMatch(/^turbo rehearse: --runner jenkins needs JENKINS_USER and JENKINS_TOKEN in the environment\n/);
      expect(captured.stderr()).not.toContain(jenkins.token);
      expect(jenkins.requests).toEqual([]);
    },
  );
});
