import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';
import {
  MAX_DEVELOPER_NAME,
  clusterNameOf,
  configWarnings,
  memberOf,
  nodesOf,
  describeProblem,
  scheduleOf,
  validateConfig,
  type ConfigProblem,
  type configSchema,
  type TurboConfig,
} from '../../../functions/core/config';
import { loadConfigText, parseConfig } from '../../../functions/core/configFile';
import { InvalidConfigError } from '../../../functions/core/errors';

const exampleText = readFileSync(join(__dirname, '../../../turbo.config.example.yml'), 'utf8');
/** A config as written, open at every level so that a test can add the unknown fields the schema must refuse. */
type Draft<T> = T extends readonly (infer U)[]
  ? Draft<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Draft<T[K]> } & Record<string, unknown>
    : T;
type ConfigDraft = Draft<z.input<typeof configSchema>>;

const example = parse(exampleText) as ConfigDraft;

/** The problems of the example config after `change` edits a copy of it. */
function problemsAfter(change: (config: ConfigDraft) => void): ConfigProblem[] {
  const config = structuredClone(example);
  change(config);
  const result = validateConfig(config);
  if (result.ok) throw new Error('expected the config to be refused, but it validated');
  return result.problems;
}

describe('the example config', () => {
  it('validates, with the team defaults and per-developer overrides merged by scheduleOf', () => {
    const config = loadConfigText(exampleText);
    expect(config.developers.map((dev) => dev.name)).toEqual(['alice', 'bob', 'carol', 'dave']);
    expect(config.leadMinutes).toBe(25);
    const carol = scheduleOf(config, config.developers[2]!);
    expect(carol).toMatchObject({ timezone: 'America/New_York', readyBy: '09:30', teardownAt: '18:00', workingDays: config.workingDays });
    const alice = scheduleOf(config, config.developers[0]!);
    expect(alice).toMatchObject({ timezone: 'Europe/Berlin', readyBy: '09:00', holidays: config.holidays });
    expect(clusterNameOf('alice')).toBe('turbo-alice');
  });

  it('fills defaults for the optional sections', () => {
    const { jobs, ops, leadMinutes, maxKeepUntil, ...required } = example;
    const result = validateConfig(required);
    expect(result.ok && result.config).toMatchObject({
      leadMinutes: 25,
      maxKeepUntil: '23:00',
      ops: [],
      jobs: { applyMinutes: 12, timeoutMinutes: 60 },
    });
  });

  it("states its runner quota; unstated, the quota is a new account's 5, never more", () => {
    expect(example.runner).toMatchObject({ maxConcurrentJobs: 20 });
    const { maxConcurrentJobs: _stated, ...runner } = example.runner as Record<string, unknown>;
    const result = validateConfig({ ...example, runner });
    expect(result.ok && result.config.runner.maxConcurrentJobs).toBe(5);
  });
});

describe('refusals name the field path and the bad value', () => {
  it.each([
    ['upper case', 'Alice'],
    ['a shell command', 'bob;rm -rf /'],
    ['a command substitution', '$(id)'],
    ['a leading hyphen', '-bob'],
    ['a trailing hyphen', 'bob-'],
    ['a dot', 'bob.smith'],
  ])('developer name with %s', (_label, name) => {
    expect(problemsAfter((c) => (c.developers[1].name = name))).toEqual([
      { path: 'developers[1].name', message: 'must be a DNS-1123 label: lower-case letters, digits and inner hyphens', value: name },
    ]);
  });

  it('a developer name that is too long for the names derived from it', () => {
    const name = 'a'.repeat(MAX_DEVELOPER_NAME + 1);
    const [problem] = problemsAfter((c) => (c.developers[0].name = name));
    expect(describeProblem(problem!)).toBe(`developers[0].name: must be at most 24 characters (it becomes a cluster name) (got "${name}")`);
    expect(validateConfig({ ...example, developers: [{ ...example.developers[0], name: 'a'.repeat(MAX_DEVELOPER_NAME) }] }).ok).toBe(true);
  });

  it('a pull-through cache that is not ECR, or is in another region than the clusters', () => {
    expect(problemsAfter((c) => (c.cluster.pullThroughCache = 'registry-1.docker.io/library'))).toEqual([
      {
        path: 'cluster.pullThroughCache',
        message: 'must be an ECR pull-through cache such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub',
        value: 'registry-1.docker.io/library',
      },
    ]);
    // Valid, but worth a warning: the example's account, or another region than the clusters'.
    const elsewhere = '210987654321.dkr.ecr.us-east-1.amazonaws.com/docker-hub';
    const warned = (cache: string) =>
      configWarnings(loadConfigText(exampleText.replace(/pullThroughCache: .*/, `pullThroughCache: ${cache}`))).filter(
        (warning) => warning.path === 'cluster.pullThroughCache',
      );
    expect(warned(elsewhere)).toEqual([
      {
        path: 'cluster.pullThroughCache',
        message: "is in us-east-1, not the clusters' region eu-west-1: every pull crosses regions",
        value: elsewhere,
      },
    ]);
    expect(warned('123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub')).toEqual([
      expect.objectContaining({ message: "is in the example's account 123456789012: put the real one" }),
    ]);
    expect(warned('210987654321.dkr.ecr.eu-west-1.amazonaws.com/docker-hub')).toEqual([]);
  });

  it('a non-DNS team name', () => {
    expect(problemsAfter((c) => (c.team = 'Payments Team'))).toEqual([expect.objectContaining({ path: 'team', value: 'Payments Team' })]);
  });

  it('duplicate developer names, pointing at the first one', () => {
    expect(problemsAfter((c) => (c.developers[3].name = 'bob'))).toEqual([
      { path: 'developers[3].name', message: 'duplicates developers[1].name', value: 'bob' },
    ]);
  });

  it.each([
    ['timezone', (c: ConfigDraft) => (c.timezone = 'Mars/Olympus'), 'Mars/Olympus'],
    ['developers[2].timezone', (c: ConfigDraft) => (c.developers[2].timezone = 'CEST+2'), 'CEST+2'],
  ])('an unknown time zone at %s', (path, change, value) => {
    expect(problemsAfter(change)).toEqual([{ path, message: 'must be an IANA time zone such as Europe/Berlin', value }]);
  });

  it.each([
    ['readyBy', '24:00'],
    ['readyBy', '9:00'],
    ['teardownAt', '19:60'],
    ['maxKeepUntil', '11pm'],
  ])('a bad time at %s: %s', (field, value) => {
    expect(problemsAfter((c) => (c[field] = value))).toEqual([{ path: field, message: 'must be a 24-hour time HH:MM', value }]);
  });

  it('a bad time in a developer override', () => {
    expect(problemsAfter((c) => (c.developers[1].readyBy = '8:30'))).toEqual([
      { path: 'developers[1].readyBy', message: 'must be a 24-hour time HH:MM', value: '8:30' },
    ]);
  });

  it.each(['2026-02-30', '2026-13-01', '2026-2-3', '24.12.2026'])('a bad holiday date %s', (date) => {
    expect(problemsAfter((c) => (c.holidays = ['2026-12-24', date]))).toEqual([
      { path: 'holidays[1]', message: 'must be a calendar date YYYY-MM-DD', value: date },
    ]);
  });

  it('a teardown that is not later than readyBy, at the team level and in an override', () => {
    expect(problemsAfter((c) => (c.teardownAt = '09:00'))).toEqual([
      { path: 'teardownAt', message: 'must be later than readyBy (09:00)', value: '09:00' },
      // bob's own readyBy 08:30 is still before the team teardown; carol overrides both.
    ]);
    expect(problemsAfter((c) => (c.developers[1].readyBy = '20:00'))).toEqual([
      { path: 'developers[1].readyBy', message: 'must be earlier than teardownAt (19:00)', value: '20:00' },
    ]);
    expect(problemsAfter((c) => (c.developers[2].teardownAt = '07:00'))).toEqual([
      { path: 'developers[2].teardownAt', message: 'must be later than readyBy (09:30)', value: '07:00' },
    ]);
  });

  it.each(['arn:aws:iam::12345:user/alice', 'arn:aws:s3:::bucket', 'arn:aws:iam::123456789012:group/devs', 'alice'])(
    'a malformed IAM principal ARN %s',
    (arn) => {
      expect(problemsAfter((c) => (c.developers[0].iamPrincipalArn = arn))).toEqual([
        expect.objectContaining({
          path: 'developers[0].iamPrincipalArn',
          value: arn,
          message: expect.stringMatching(/^must be an IAM user or role ARN/),
        }),
      ]);
    },
  );

  it.each([
    ['developers[0].slackUserId', (c: ConfigDraft) => (c.developers[0].slackUserId = 'alice'), 'alice', /^must be a Slack user ID/],
    [
      'developers[0].slackUserId',
      (c: ConfigDraft) => (c.developers[0].slackUserId = 'C0CHANNEL1'),
      'C0CHANNEL1',
      /^must be a Slack user ID/,
    ],
    ['slack.opsChannel', (c: ConfigDraft) => (c.slack.opsChannel = '#ops'), '#ops', /^must be a Slack channel ID/],
    ['ops[0]', (c: ConfigDraft) => (c.ops = ['u0lower001']), 'u0lower001', /^must be a Slack user ID/],
  ])('a bad Slack ID at %s', (path, change, value, message) => {
    expect(problemsAfter(change)).toEqual([{ path, value, message: expect.stringMatching(message) }]);
  });

  it('a Slack token in place of its parameter name', () => {
    expect(problemsAfter((c) => (c.slack.tokenParameter = 'xoxb-123-456'))).toEqual([
      expect.objectContaining({ path: 'slack.tokenParameter', value: 'xoxb-123-456' }),
    ]);
  });

  it('unknown fields, at the root and in a developer, with the other unknown names', () => {
    expect(problemsAfter((c) => (c.developers[0].favouriteColour = 'red'))).toEqual([
      { path: 'developers[0].favouriteColour', message: 'is not a known field', value: 'red' },
    ]);
    expect(problemsAfter((c) => Object.assign(c, { colour: 'red', size: 3 }))).toEqual([
      { path: 'colour', message: 'is not a known field', value: 'red' },
      { path: 'size', message: 'is not a known field', value: 3 },
    ]);
  });

  it('alert subscriptions: an address that is not one, a pager endpoint that is not https', () => {
    const problems = problemsAfter(
      (c) => (c.alerts = { emails: ['oncall@example.com', 'not-an-address'], httpsEndpoint: 'http://pager.example.com/x' }),
    );
    expect(problems.map(describeProblem)).toEqual([
      'alerts.emails[1]: must be an email address such as ops@example.com (got "not-an-address")',
      'alerts.httpsEndpoint: must be an https:// URL (a pager\'s SNS endpoint) (got "http://pager.example.com/x")',
    ]);
  });

  it('alerts default to no subscriptions, and the example names its on-call address', () => {
    const { alerts, ...rest } = example;
    expect(validateConfig(rest)).toMatchObject({ ok: true, config: { alerts: { emails: [] } } });
    expect(loadConfigText(exampleText).alerts).toEqual({ emails: ['platform-oncall@example.com'] });
  });

  it.each([
    [
      'timzone',
      (c: ConfigDraft) => {
        c.timzone = c.timezone;
        Reflect.deleteProperty(c, 'timezone');
      },
      'timzone',
      'timezone',
    ],
    [
      'TimeZone',
      (c: ConfigDraft) => {
        c.TimeZone = c.timezone;
        Reflect.deleteProperty(c, 'timezone');
      },
      'TimeZone',
      'timezone',
    ],
    ['leadMinuts', (c: ConfigDraft) => Object.assign(c, { leadMinuts: 30 }), 'leadMinuts', 'leadMinutes'],
    ['jobs.applyMinute', (c: ConfigDraft) => (c.jobs = { applyMinute: 20 }), 'jobs.applyMinute', 'applyMinutes'],
    ['developers[0].readyby', (c: ConfigDraft) => (c.developers[0].readyby = '09:00'), 'developers[0].readyby', 'readyBy'],
    ['imageSync.mongoPolcy', (c: ConfigDraft) => (c.imageSync = { mongoPolcy: 'follow' }), 'imageSync.mongoPolcy', 'mongoPolicy'],
  ])('an unknown field %s suggests the nearest known one', (_name, change, path, suggestion) => {
    expect(problemsAfter(change)).toContainEqual(
      expect.objectContaining({ path, message: `is not a known field; did you mean ${suggestion}?` }),
    );
  });

  it('suggests nothing for a field that is no near miss of any', () => {
    expect(problemsAfter((c) => (c.developers[0].favouriteColour = 'red'))[0]!.message).toBe('is not a known field');
  });

  it.each([
    ['an empty file', ''],
    ['a file of comments only', '# roster\n# to do\n'],
    ['only a document marker', '---\n'],
  ])('%s says it is empty', (_name, text) => {
    expect(parseConfig(text)).toEqual({
      ok: false,
      problems: [{ path: '(file)', message: 'is empty: copy turbo.config.example.yml and fill in the roster' }],
    });
  });

  it('a jenkins runner without its block', () => {
    expect(problemsAfter((c) => (c.runner = { type: 'jenkins' }))).toEqual([
      {
        path: 'runner.jenkins',
        message: 'runner.type is jenkins, so runner.jenkins (url, jobs, credential parameters) is required',
        value: undefined,
      },
    ]);
  });

  it('a jenkins block is accepted when it is complete, and its URL is checked', () => {
    const jenkins = {
      url: 'https://jenkins.example.test',
      terraformJob: 'team/turbo-terraform',
      deployJob: 'team/turbo-deploy',
      userParameter: '/turbo/jenkins/user',
      tokenParameter: '/turbo/jenkins/token',
    };
    expect(validateConfig({ ...example, runner: { type: 'jenkins', jenkins } }).ok).toBe(true);
    expect(problemsAfter((c) => (c.runner = { type: 'jenkins', jenkins: { ...jenkins, url: 'ftp://jenkins' } }))).toEqual([
      expect.objectContaining({ path: 'runner.jenkins.url', value: 'ftp://jenkins' }),
    ]);
  });

  it('node counts with min > max', () => {
    const nodes = { min: 3, desired: 2, max: 1 };
    expect(problemsAfter((c) => (c.cluster.nodes = nodes))).toEqual([
      { path: 'cluster.nodes', message: 'must satisfy min <= desired <= max', value: nodes },
    ]);
  });

  it('a missing required section says it is required', () => {
    expect(problemsAfter((c) => Reflect.deleteProperty(c, 'slack'))).toEqual([
      { path: 'slack', message: 'is required (object)', value: undefined },
    ]);
  });

  it('reports every problem at once, not only the first', () => {
    const problems = problemsAfter((c) => {
      c.developers[0].name = 'Alice';
      c.timezone = 'Nowhere/Special';
      c.cluster.nodes.min = 0;
    });
    expect(problems.map((p) => p.path).sort()).toEqual(['cluster.nodes.min', 'developers[0].name', 'timezone']);
  });
});

describe('imageSync: which API lists the tags', () => {
  const imageSyncOf = (imageSync: Record<string, unknown>) => {
    const result = validateConfig({ ...structuredClone(example), imageSync });
    if (!result.ok) throw new Error(`expected the config to validate: ${JSON.stringify(result.problems)}`);
    return result.config.imageSync;
  };

  it("is Docker Hub's hub API for Docker Hub's registry, and the registry's own tags/list for any other", () => {
    expect(imageSyncOf({})).toMatchObject({ hubApiUrl: 'https://hub.docker.com', registryUrl: 'https://registry-1.docker.io' });
    expect(imageSyncOf({ registryUrl: 'https://registry.example.com' }).hubApiUrl).toBeNull();
    expect(imageSyncOf({ hubApiUrl: null }).hubApiUrl).toBeNull();
    // A local Hub API (tests, rehearsals) with a local registry stays as set.
    expect(imageSyncOf({ hubApiUrl: 'http://127.0.0.1:8080', registryUrl: 'http://127.0.0.1:5000' }).hubApiUrl).toBe(
      'http://127.0.0.1:8080',
    );
  });

  it('refuses a hubApiUrl that is neither an http(s) URL nor null, naming it', () => {
    const problems = problemsAfter((c) => (c.imageSync = { hubApiUrl: 'ftp://hub.example' }));
    expect(problems).toEqual([expect.objectContaining({ path: 'imageSync.hubApiUrl', value: 'ftp://hub.example' })]);
  });
});

describe('YAML text', () => {
  it('reports a syntax error with its line and column', () => {
    const result = parseConfig('team: payments\ndevelopers: [alice\n  bob: x\n');
    expect(result.ok).toBe(false);
    const [problem] = result.ok ? [] : result.problems;
    expect(problem?.path).toBe('(file)');
    expect(problem?.message).toMatch(/^is not valid YAML: .* at line \d+, column \d+$/);
  });

  it('refuses duplicate keys rather than keeping the last one', () => {
    const result = parseConfig(`${exampleText}\nteam: other\n`);
    expect(result.ok ? [] : result.problems.map(describeProblem)).toEqual([
      expect.stringMatching(/^\(file\): is not valid YAML: Map keys must be unique/),
    ]);
  });

  it('an empty file or a list is not a config', () => {
    const list = parseConfig('- alice\n');
    expect(list.ok ? [] : list.problems.map((p) => p.path)).toEqual(['(root)']);
    const empty = parseConfig('');
    expect(empty.ok ? [] : empty.problems.map((p) => p.path)).toEqual(['(file)']);
  });

  it('loadConfigText throws InvalidConfigError listing every problem', () => {
    const text = exampleText.replace('name: alice', 'name: Alice').replace('opsChannel: C0OPS00001', 'opsChannel: ops');
    let thrown: unknown;
    try {
      loadConfigText(text);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidConfigError);
    const error = thrown as InvalidConfigError;
    expect(error.name).toBe('Turbo.InvalidConfig');
    expect(error.problems.map((p) => p.path).sort()).toEqual(['developers[0].name', 'slack.opsChannel']);
    expect(error.message).toContain(
      'developers[0].name: must be a DNS-1123 label: lower-case letters, digits and inner hyphens (got "Alice")',
    );
  });
});

/** What problemsAfter's callback edits. */
type Editable = Parameters<Parameters<typeof problemsAfter>[0]>[0];

describe('nodes: Spot capacity and Graviton (arm64), per team and per developer', () => {
  const graviton = { amd64: ['t3.medium', 't3a.medium'], arm64: ['t4g.medium', 'c7g.large'] };

  it('defaults to On-Demand amd64 nodes of cluster.instanceType, and lets a developer override capacity and arch', () => {
    const config = loadConfigText(exampleText);
    expect(nodesOf(config, undefined)).toMatchObject({ capacity: 'on-demand', arch: 'amd64' });
    expect(config.cluster.nodes.spotWaitMinutes).toBe(10);
    const spot = validateConfig({
      ...example,
      cluster: { ...example.cluster, instanceTypes: graviton, nodes: { ...example.cluster.nodes, capacity: 'spot' } },
      developers: [{ ...example.developers[0], nodes: { arch: 'arm64' } }, example.developers[1]],
    });
    if (!spot.ok) throw new Error(spot.problems.map(describeProblem).join('; '));
    expect(spot.config.developers.map((dev) => nodesOf(spot.config, dev))).toEqual([
      { capacity: 'spot', arch: 'arm64', instanceTypes: ['t4g.medium', 'c7g.large'] },
      { capacity: 'spot', arch: 'amd64', instanceTypes: ['t3.medium', 't3a.medium'] },
    ]);
  });

  it('refuses a capacity or arch that is not one, naming the field and value', () => {
    expect(problemsAfter((c) => Object.assign(c.cluster.nodes, { capacity: 'preemptible' })).map(describeProblem)).toEqual([
      'cluster.nodes.capacity: Invalid option: expected one of "on-demand"|"spot" (got "preemptible")',
    ]);
    expect(problemsAfter((c) => Object.assign(c.developers[1], { nodes: { arch: 'x86_64' } })).map(describeProblem)).toEqual([
      'developers[1].nodes.arch: Invalid option: expected one of "amd64"|"arm64" (got "x86_64")',
    ]);
  });

  it('refuses instance types that do not match their arch, differ in size, or are unknown', () => {
    const problems = problemsAfter((c) => {
      c.cluster.instanceTypes = { amd64: ['t3.medium', 't3.large', 't9.huge'], arm64: ['t4g.medium', 't3a.medium'] };
    });
    expect(problems.map(describeProblem)).toEqual([
      'cluster.instanceTypes.amd64[1]: has 2 vCPUs and 8 GiB, but t3.medium has 2 and 4: one size for all (got "t3.large")',
      expect.stringMatching(
        /^cluster\.instanceTypes\.amd64\[2\]: is not a known instance type \(core\/instance-types\.json has t3\.medium, /,
      ),
      'cluster.instanceTypes.arm64[1]: is an amd64 type: arm64 nodes need a Graviton type such as t4g.medium or m7g.large (got "t3a.medium")',
    ]);
    const onlyInstanceType = (c: Editable, type: string) => {
      c.cluster.instanceType = type;
      c.cluster.instanceTypes = { arm64: c.cluster.instanceTypes?.arm64 };
    };
    expect(problemsAfter((c) => onlyInstanceType(c, 'm7g.large')).map(describeProblem)).toEqual([
      'cluster.instanceType: is an arm64 type: amd64 nodes need an x86_64 type such as t3.medium (got "m7g.large")',
    ]);
    expect(
      problemsAfter((c) => (c.cluster.instanceTypes = { ...c.cluster.instanceTypes, amd64: ['t3a.medium', 't3.medium'] })).map(
        describeProblem,
      ),
    ).toEqual(['cluster.instanceTypes.amd64[0]: must be cluster.instanceType (t3.medium), the On-Demand type (got "t3a.medium")']);
  });

  it('refuses arm64 types of another size than cluster.instanceType, so a Graviton developer keeps their capacity', () => {
    expect(problemsAfter((c) => (c.cluster.instanceTypes = { arm64: ['m7g.large', 't4g.large'] })).map(describeProblem)).toEqual([
      'cluster.instanceTypes.arm64[0]: has 2 vCPUs and 8 GiB, but cluster.instanceType t3.medium has 2 and 4: arm64 nodes are the size of amd64\'s (got "m7g.large")',
    ]);
    expect(problemsAfter((c) => (c.cluster.instanceType = 't3.large')).map(describeProblem)).toEqual([
      'cluster.instanceTypes.amd64[0]: must be cluster.instanceType (t3.large), the On-Demand type (got "t3.medium")',
      'cluster.instanceTypes.arm64[0]: has 2 vCPUs and 4 GiB, but cluster.instanceType t3.large has 2 and 8: arm64 nodes are the size of amd64\'s (got "t4g.medium")',
    ]);
  });

  it('requires arm64 types when the team or any developer runs arm64 nodes', () => {
    const withoutArm64 = (c: Editable) => delete c.cluster.instanceTypes?.arm64;
    expect(
      problemsAfter((c) => {
        withoutArm64(c);
        c.developers[2].nodes = { arch: 'arm64' };
      }).map(describeProblem),
    ).toEqual([
      'cluster.instanceTypes.arm64: is required: developers[2].nodes.arch is arm64 (list Graviton types of one size, such as [t4g.medium, c7g.large])',
    ]);
  });

  it('warns when the lead covers the jobs but not a Spot fallback, and only when someone is on Spot', () => {
    const config = loadConfigText(exampleText.replace('leadMinutes: 25', 'leadMinutes: 30'));
    expect(configWarnings(config).filter((w) => w.path === 'leadMinutes')).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('cannot cover a Spot fallback: 28 min for the jobs and one tick'),
        value: 30,
      }),
    ]);
    const onDemand = { ...config, developers: config.developers.map(({ nodes: _, ...dev }) => dev) };
    expect(configWarnings(onDemand).filter((w) => w.path === 'leadMinutes')).toEqual([]);
    expect(configWarnings({ ...config, leadMinutes: 38 }).filter((w) => w.path === 'leadMinutes')).toEqual([]);
  });

  it('warns that a hibernate-mode developer on Spot is late on a morning without Spot capacity, once for all of them', () => {
    const config = loadConfigText(exampleText);
    expect(configWarnings(config).filter((w) => w.message.includes('hibernates on Spot'))).toEqual([]);
    const spotNodes = { nodes: { capacity: 'spot' as const } };
    const hibernating = {
      ...config,
      developers: config.developers.map((dev, index) => (index === 0 ? dev : { ...dev, ...spotNodes, mode: 'hibernate' as const })),
    };
    expect(configWarnings(hibernating).filter((w) => w.message.includes('hibernates on Spot'))).toEqual([
      {
        path: 'developers[1]',
        message:
          'hibernates on Spot nodes (and 2 more developers): a morning without Spot capacity waits out the wake (10 min) and ' +
          'applies On-Demand (jobs.applyMinutes 12), so it is late, and the cluster runs On-Demand that day (its evening hibernation puts the Spot node group back)',
        value: 'bob',
      },
    ]);
  });

  it('warns when Spot has a single instance type to draw on', () => {
    const config = loadConfigText(exampleText);
    const spot = {
      ...config,
      cluster: { ...config.cluster, instanceTypes: {}, nodes: { ...config.cluster.nodes, capacity: 'spot' as const } },
      developers: config.developers.map(({ nodes: _, ...dev }) => dev),
    };
    expect(configWarnings(spot).filter((w) => w.message.includes('Spot'))).toEqual([
      expect.objectContaining({ path: 'cluster.instanceType', value: ['t3.medium'] }),
    ]);
  });
});

describe('pool: the warm pool (core/pool)', () => {
  it('defaults to size 0 (no pool) and takes hours in the team timezone', () => {
    expect(loadConfigText(exampleText).pool).toEqual({ size: 0 });
    const result = validateConfig({ ...structuredClone(example), pool: { size: 2, hours: { start: '07:00', end: '21:00' } } });
    expect(result.ok && result.config.pool).toEqual({ size: 2, hours: { start: '07:00', end: '21:00' } });
  });

  it('refuses a size out of range, end not after start, and a developer named like a member, naming field and value', () => {
    expect(problemsAfter((c) => Object.assign(c, { pool: { size: 21 } })).map(describeProblem)).toEqual([
      'pool.size: Too big: expected number to be <=20 (got 21)',
    ]);
    expect(problemsAfter((c) => Object.assign(c, { pool: { size: -1 } })).map(describeProblem)).toEqual([
      'pool.size: Too small: expected number to be >=0 (got -1)',
    ]);
    expect(
      problemsAfter((c) => Object.assign(c, { pool: { size: 1, hours: { start: '18:00', end: '08:00' } } })).map(describeProblem),
    ).toEqual(['pool.hours.end: must be later than pool.hours.start (18:00) (got "08:00")']);
    expect(
      problemsAfter((c) => {
        Object.assign(c, { pool: { size: 1 } });
        c.developers[1]!.name = 'pool-2';
      }).map(describeProblem),
    ).toEqual(['developers[1].name: is a warm pool member\'s name (pool-<n>) and pool.size is not 0: choose another name (got "pool-2")']);
  });
});

describe('memberOf', () => {
  const dev = (name: string, slackUserId: string) => ({ name, slackUserId }) as TurboConfig['developers'][number];

  it('finds a developer by name, the first of two with one name, and none for a name off the roster', () => {
    const config = { developers: [dev('alice', 'U1'), dev('bob', 'U2'), dev('alice', 'U3')] };
    expect(memberOf(config, 'alice')?.slackUserId).toBe('U1');
    expect(memberOf(config, 'bob')?.slackUserId).toBe('U2');
    expect(memberOf(config, 'pool-1')).toBeUndefined();
  });

  it('sees a developer added to a roster it has looked in before', () => {
    const config = { developers: [dev('alice', 'U1')] };
    expect(memberOf(config, 'carol')).toBeUndefined();
    config.developers.push(dev('carol', 'U4'));
    expect(memberOf(config, 'carol')?.slackUserId).toBe('U4');
  });
});
