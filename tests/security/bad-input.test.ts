/**
 * Malformed input from every side: config files, command lines, image webhook and Slack requests, and answers from
 * Jenkins, the registry, Kubernetes and Slack. Each gets a clear error or a refusal naming what is wrong, nothing is
 * written or started, nothing crashes, and no known secret value appears in anything that comes back.
 */
jest.mock('@middy/core', () => jest.requireActual('../../node_modules/@middy/core/index.js'), { virtual: true });
jest.mock('@middy/util', () => jest.requireActual('../../node_modules/@middy/util/index.js'), { virtual: true });

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { main } from '../../cli/main';
import { describeProblem } from '../../functions/core/config';
import { parseConfig } from '../../functions/core/configFile';
import { slackSignature } from '../../functions/core/slackRequest';
import { APP_WORKLOADS } from '../../functions/core/images';
import { JenkinsJobRunner } from '../../functions/adapters/jenkins';
import { ContainerRegistry } from '../../functions/adapters/registry';
import { KubeApi } from '../../functions/adapters/kube';
import { SlackNotifier } from '../../functions/adapters/slack';
import { handler as imageWebhook } from '../../functions/handlers/imageWebhook';
import { interact } from '../../functions/handlers/slackInteraction';
import { bindDeps, type Deps } from '../../functions/handlers/lib/deps';
import { captureIn, folderWith } from '../cli/capture';
import { listenOnLoopback } from '../support/local-server';
import { exampleConfig, root } from '../support/packaged';

/** Known secret values: none may appear in any error, answer or output below. */
const SECRETS = {
  webhook: 'wh-token-3f9c1a7e5b2d4c6e8f0a1b3c5d7e9f1a',
  signing: 'signing-secret-8b6d4f2a0c9e7b5d',
  jenkins: 'jenkins-api-token-5f1e9a7c3b2d',
  registry: 'dckr_pat_known_secret_77731',
  kube: 'k8s-aws-v1.known-kube-token-2468',
  slack: 'xoxb-1111-2222-known-slack-token',
};
const leaked = (text: string) =>
  Object.entries(SECRETS)
    .filter(([, value]) => text.includes(value))
    .map(([name]) => name);

const tally: Record<string, number> = {};
const count = (category: string) => void (tally[category] = (tally[category] ?? 0) + 1);

afterAll(() => {
  const total = Object.values(tally).reduce((sum, n) => sum + n, 0);
  console.log(
    `bad-input cases by category: ${Object.entries(tally)
      .map(([category, n]) => `${category} ${n}`)
      .join(', ')}; total ${total}`,
  );
});

const EXAMPLE = readFileSync(join(root, 'turbo.config.example.yml'), 'utf8');
const config = exampleConfig();

describe('config files', () => {
  const cases: [string, string, RegExp][] = [
    ['YAML that does not parse', 'team: [payments\nregion: eu-west-1', /\(file\): is not valid YAML/],
    // Cut at a line's end, so that what is left still parses: the missing sections are the problem.
    ['a truncated file', EXAMPLE.slice(0, EXAMPLE.lastIndexOf('\n', Math.floor(EXAMPLE.length / 3))), /is required/],
    ['a developer name with a shell metacharacter', EXAMPLE.replace('name: bob', 'name: "bob;rm -rf /"'), /developers\[1\]\.name/],
    ['an upper-case developer name', EXAMPLE.replace('name: bob', 'name: Bob'), /developers\[1\]\.name/],
    [
      'a developer name longer than a cluster name allows',
      EXAMPLE.replace('name: bob', `name: ${'b'.repeat(70)}`),
      /developers\[1\]\.name/,
    ],
    ['a duplicate developer', EXAMPLE.replace('name: bob', 'name: alice'), /alice/],
    ['an unknown time zone', EXAMPLE.replace('timezone: Europe/Berlin', 'timezone: Mars/Olympus'), /timezone/],
    ['a readyBy that is no time', EXAMPLE.replace('readyBy: "09:00"', 'readyBy: "25:61"'), /readyBy/],
    ['a number where a list of days belongs', EXAMPLE.replace('workingDays: [mon, tue, wed, thu, fri]', 'workingDays: 5'), /workingDays/],
    ['an unknown runner type', EXAMPLE.replace('type: codebuild', 'type: gitlab'), /runner/],
    [
      'a Slack token pasted where its parameter name belongs',
      EXAMPLE.replace('tokenParameter: /turbo/slack/bot-token', `tokenParameter: ${SECRETS.slack}`),
      /slack\.tokenParameter/,
    ],
    ['a misspelt field', EXAMPLE.replace('leadMinutes:', 'leadMinuts:'), /leadMinuts: is not a known field/],
    ['a file of 200 kB of nonsense', `team: x\n${'garbage: ['.repeat(1)}${'a,'.repeat(100_000)}`, /./],
  ];

  it.each(cases)('refuses %s, naming the field', (_name, text, expected) => {
    count('config files');
    const result = parseConfig(text);
    expect(result.ok).toBe(false);
    const described = result.ok ? '' : result.problems.map(describeProblem).join('\n');
    expect(described).toMatch(expected);
    expect(leaked(described.replace(SECRETS.slack, ''))).toEqual([]);
  });
});

describe('command lines', () => {
  const badConfig = EXAMPLE.replace('name: bob', 'name: "Bob Smith"');
  const cases: [string, string[], number, RegExp][] = [
    ['no command', [], 2, /Usage: turbo <command>/],
    ['an unknown command', ['destroy-everything'], 2, /unknown command "destroy-everything"/],
    ['an unknown flag', ['plan', '--yes-really'], 2, /yes-really/],
    ['a flag without its value', ['plan', '--at'], 2, /--at/],
    [
      'an instant without a zone',
      ['plan', '--at', '2026-11-24T08:00'],
      2,
      /--at "2026-11-24T08:00" is not an ISO 8601 instant with a zone/,
    ],
    ['two files to validate', ['validate', 'a.yml', 'b.yml'], 2, /at most one file/],
    ['a config file that does not exist', ['validate', 'nowhere.yml'], 1, /nowhere\.yml/],
    ['a config with a bad name', ['validate', 'bad.yml'], 1, /developers\[1\]\.name.*Bob Smith/],
    [
      'a rehearsal date that is no date',
      ['rehearse', '--config', 'turbo.yml', '--date', '2026-13-45', '--quiet'],
      2,
      /--date 2026-13-45: that date does not exist \(there is no month 13\)/,
    ],
    [
      'a rehearsal date that is no day',
      ['rehearse', '--config', 'turbo.yml', '--date', '2026-02-30', '--quiet'],
      2,
      /--date 2026-02-30: that date does not exist \(February 2026 has 28 days\)/,
    ],
    [
      'a rehearsal date in another format',
      ['rehearse', '--config', 'turbo.yml', '--date', '30.02.2026', '--quiet'],
      2,
      /--date needs a date YYYY-MM-DD, got "30.02.2026"/,
    ],
    ['an unknown fault point', ['rehearse', '--config', 'turbo.yml', '--fail', 'bob:meteor', '--quiet'], 2, /unknown fault point "meteor"/],
    [
      'a fault for someone not in the roster',
      ['rehearse', '--config', 'turbo.yml', '--fail', 'mallory:apply', '--quiet'],
      2,
      /"mallory" is not in the roster/,
    ],
    [
      'a roster size of zero',
      ['rehearse', '--config', 'turbo.yml', '--developers', '0', '--quiet'],
      2,
      /--developers must be a whole number/,
    ],
    [
      'a fault-matrix target not in the roster',
      ['faults', '--config', 'turbo.yml', '--target', 'mallory'],
      2,
      /--target "mallory" is not in the roster/,
    ],
    [
      'a fault-matrix fault that does not exist',
      ['faults', '--config', 'turbo.yml', '--only', 'meteor'],
      2,
      /--only meteor: not a fault of the matrix/,
    ],
  ];

  it.each(cases)('refuses %s with a clear message, writes nothing', async (_name, argv, code, expected) => {
    count('CLI arguments');
    const dir = folderWith({ 'bad.yml': badConfig, 'turbo.yml': EXAMPLE });
    const captured = captureIn(dir);
    await expect(main(argv, captured.io)).resolves.toBe(code);
    const output = captured.stdout() + captured.stderr();
    expect(output).toMatch(expected);
    expect(readdirSync(dir).sort()).toEqual(['bad.yml', 'turbo.yml']);
    expect(leaked(output)).toEqual([]);
  });
});

describe('image webhook requests', () => {
  const started: string[] = [];
  beforeEach(() => {
    started.length = 0;
    bindDeps(
      async () =>
        ({
          config,
          region: 'eu-west-1',
          secrets: { get: async () => SECRETS.webhook },
          workflows: { start: async (name: string) => (started.push(name), { executionArn: name, alreadyStarted: false }) },
        }) as unknown as Deps,
    );
  });
  const push = JSON.stringify({ push_data: { tag: '1.3.0' }, repository: { repo_name: 'acme/turbo-notes' } });
  const cases: [string, Record<string, unknown>, number][] = [
    ['no token', { body: push }, 404],
    ['a wrong token', { pathParameters: { token: 'guess' }, body: push }, 404],
    ['the token with one character more', { pathParameters: { token: `${SECRETS.webhook}x` }, body: push }, 404],
    ['no body', { pathParameters: { token: SECRETS.webhook } }, 400],
    ['a body that is not JSON', { pathParameters: { token: SECRETS.webhook }, body: 'repository=acme/turbo-notes' }, 400],
    ['a truncated body', { pathParameters: { token: SECRETS.webhook }, body: push.slice(0, 30) }, 400],
    ['a JSON array', { pathParameters: { token: SECRETS.webhook }, body: '[1,2,3]' }, 400],
    [
      'a tag of the wrong type',
      {
        pathParameters: { token: SECRETS.webhook },
        body: JSON.stringify({ push_data: { tag: 130 }, repository: { repo_name: 'acme/turbo-notes' } }),
      },
      400,
    ],
    [
      'a tag with a shell metacharacter',
      {
        pathParameters: { token: SECRETS.webhook },
        body: JSON.stringify({ push_data: { tag: '1.3.0;reboot' }, repository: { repo_name: 'acme/turbo-notes' } }),
      },
      400,
    ],
    [
      'a body of 2 MB',
      {
        pathParameters: { token: SECRETS.webhook },
        body: JSON.stringify({ repository: 'acme/turbo-notes', tag: '1.3.0', pad: 'x'.repeat(2_000_000) }),
      },
      413,
    ],
    [
      'base64 that is not JSON',
      { pathParameters: { token: SECRETS.webhook }, body: Buffer.from('\u0000\u0001garbage').toString('base64'), isBase64Encoded: true },
      400,
    ],
    [
      "a push for an image that is not the app's",
      { pathParameters: { token: SECRETS.webhook }, body: JSON.stringify({ repository: 'evil/miner', tag: '1.0.0' }) },
      202,
    ],
  ];

  it.each(cases)('refuses %s and starts nothing', async (_name, request, status) => {
    count('image webhook requests');
    const answer = (await imageWebhook({ isBase64Encoded: false, ...request }, {} as Context)) as { statusCode: number; body: string };
    expect(answer.statusCode).toBe(status);
    if (status === 202) expect(JSON.parse(answer.body).outcome).toBe('ignored');
    else expect(JSON.parse(answer.body).message.length).toBeGreaterThan(5);
    expect(started).toEqual([]);
    expect(leaked(JSON.stringify(answer))).toEqual([]);
  });
});

describe('Slack interaction requests', () => {
  const now = new Date('2026-11-24T17:35:00Z');
  const timestamp = String(now.getTime() / 1000);
  const command = (text: string, user = 'U0ALICE001') => new URLSearchParams({ command: '/turbo', text, user_id: user }).toString();
  const signed = (body: string, stamp = timestamp, secret = SECRETS.signing) => ({
    headers: { 'x-slack-request-timestamp': stamp, 'x-slack-signature': slackSignature(secret, stamp, body) },
    body,
    isBase64Encoded: false,
  });
  const cases: [string, { headers: Record<string, string>; body: string; isBase64Encoded: boolean }, number, RegExp][] = [
    ['no signature headers', { headers: {}, body: command('down'), isBase64Encoded: false }, 401, /invalid Slack signature/],
    ['a signature made with another secret', signed(command('down'), timestamp, 'not-the-signing-secret'), 401, /invalid Slack signature/],
    ['a request replayed after 10 minutes', signed(command('down'), String(Number(timestamp) - 600)), 401, /invalid Slack signature/],
    [
      'a timestamp that is no number',
      {
        ...signed(command('down')),
        headers: {
          'x-slack-request-timestamp': 'yesterday',
          'x-slack-signature': slackSignature(SECRETS.signing, 'yesterday', command('down')),
        },
      },
      401,
      /invalid Slack signature/,
    ],
    [
      'a body changed after signing',
      { ...signed(command('keep until 20:00')), body: command('down', 'U0BOB00001') },
      401,
      /invalid Slack signature/,
    ],
    [
      'a signature of another version',
      {
        ...signed(command('down')),
        headers: {
          'x-slack-request-timestamp': timestamp,
          'x-slack-signature': slackSignature(SECRETS.signing, timestamp, command('down')).replace('v0=', 'v1='),
        },
      },
      401,
      /invalid Slack signature/,
    ],
    ['a signed command from a user not in the roster', signed(command('down', 'U0MALLORY1')), 200, /no Turbo environment/],
    ["a signed command on someone else's cluster", signed(command('down bob')), 200, /bob|only/i],
    ['a signed keep-alive at an impossible time', signed(command('keep until 27:99')), 200, /27:99|time/i],
    ['a signed command Turbo does not know', signed(command('sudo make me a sandwich')), 200, /sudo|usage|know/i],
    ['a signed body that is not a form', signed('{"type":"block_actions"'), 200, /./],
  ];

  it.each(cases)('refuses %s and queues nothing', async (_name, request, status, expected) => {
    count('Slack interaction requests');
    const queued: unknown[] = [];
    const answer = (await interact(request, {
      config,
      signingSecret: async () => SECRETS.signing,
      work: { enqueue: async (task) => void queued.push(task) },
      now: () => now,
    })) as {
      statusCode: number;
      body: string;
    };
    expect(answer.statusCode).toBe(status);
    expect(answer.body).toMatch(expected);
    expect(queued).toEqual([]);
    expect(leaked(JSON.stringify(answer))).toEqual([]);
  });
});

/** A loopback server whose every answer is scripted by the test; it records the methods it was asked with. */
function scriptedServer() {
  let answer: (request: IncomingMessage, response: ServerResponse) => void = (_request, response) => response.end();
  const methods: string[] = [];
  const server = createServer((request, response) => {
    methods.push(`${request.method} ${request.url}`);
    request.resume();
    answer(request, response);
  });
  return { server, methods, script: (next: typeof answer) => void (answer = next) };
}

type Answer = { status?: number; type?: string; body: string; truncate?: boolean };
const MALFORMED: [string, Answer][] = [
  ['malformed JSON', { body: '{"crumb": "abc", ' }],
  // Each service's own fields, with the wrong types: Jenkins' build, Docker Hub's tag page, a Deployment, Slack's answer.
  [
    'JSON of the wrong types',
    {
      body: JSON.stringify({
        number: 'seven',
        building: false,
        result: 42,
        results: 'none',
        next: 3,
        kind: 'Deployment',
        metadata: 7,
        spec: 'x',
        status: 5,
        ok: 'yes',
        channel: 9,
      }),
    },
  ],
  ['a 5 MB body', { body: `{"pad":"${'x'.repeat(5_000_000)}"` }],
  ['a body cut off mid-way', { body: '{"results":[{"name":"1.2.0"},', truncate: true }],
];

function serve(answer: Answer) {
  return (_request: IncomingMessage, response: ServerResponse) => {
    response.writeHead(answer.status ?? 200, {
      'content-type': answer.type ?? 'application/json',
      ...(answer.truncate ? { 'content-length': String(answer.body.length + 100) } : {}),
    });
    if (answer.truncate) {
      response.write(answer.body);
      response.socket?.destroy();
    } else response.end(answer.body);
  };
}

describe('answers from Jenkins, the registry, Kubernetes and Slack', () => {
  const fake = scriptedServer();
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => ({ url, close } = await listenOnLoopback(fake.server)));
  afterAll(() => close());
  beforeEach(() => void (fake.methods.length = 0));
  const noSleep = { attempts: 2, sleep: async () => {} };

  const clients: [string, () => Promise<unknown>, (methods: string[]) => string[]][] = [
    [
      'Jenkins',
      () =>
        new JenkinsJobRunner({
          baseUrl: `${url}/`,
          terraformJob: 'turbo-terraform',
          deployJob: 'turbo-deploy',
          user: 'turbo',
          token: SECRETS.jenkins,
          retry: noSleep,
          timeoutMs: 2000,
        }).status({
          runner: 'jenkins',
          kind: 'apply',
          developer: 'alice',
          runId: 'alice-up-20261124',
          id: `${url}/job/turbo-terraform/7/`,
          buildNumber: 7,
          startedAt: '2026-11-24T07:35:00Z',
        }),
      // A status check must never start or stop anything.
      (methods) => methods.filter((method) => !method.startsWith('GET')),
    ],
    [
      'the registry',
      () =>
        new ContainerRegistry({
          hubApiUrl: url,
          registryUrl: url,
          credentials: { username: 'robot', password: SECRETS.registry },
          retry: noSleep,
          timeoutMs: 2000,
        }).listTags('acme/turbo-notes'),
      (methods) => methods.filter((method) => !method.startsWith('GET') && !method.startsWith('POST /v2/auth/token')),
    ],
    [
      'Kubernetes',
      () =>
        new KubeApi({
          cluster: { name: 'turbo-alice', endpoint: url, certificateAuthority: '' },
          token: async () => SECRETS.kube,
          retry: noSleep,
          timeoutMs: 2000,
        }).getWorkload(APP_WORKLOADS.frontend),
      (methods) => methods.filter((method) => !method.startsWith('GET')),
    ],
    [
      'Slack',
      () =>
        new SlackNotifier(SECRETS.slack, { slackApiUrl: `${url}/api/`, retryConfig: { retries: 0 }, timeoutMs: 2000 }).sendToUser(
          'U0ALICE001',
          { kind: 'reply', text: 'hello', blocks: [] },
        ),
      // conversations.open is asked once; a malformed answer must not be followed by a post.
      (methods) => methods.filter((method) => method.includes('chat.postMessage')),
    ],
  ];

  const matrix = clients.flatMap(([service, call, writes]) =>
    MALFORMED.map(([what, answer]) => [service, what, answer, call, writes] as const),
  );

  it.each(matrix)('%s answering with %s: a clear error, nothing written, no secret', async (service, _what, answer, call, writes) => {
    count(`answers from ${service}`);
    fake.script(serve(answer));
    // A job status that comes back `failed` is a refusal too: the run takes its failure path, never success.
    const error = await call().then(
      (value) =>
        (value as { state?: string }).state === 'failed'
          ? new Error((value as { reason: string }).reason)
          : new Error(`accepted: ${JSON.stringify(value)?.slice(0, 200)}`),
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).not.toMatch(/^accepted:/);
    expect(message.length).toBeGreaterThan(10);
    expect(fake.methods.length).toBeGreaterThan(0);
    expect(writes(fake.methods)).toEqual([]);
    expect(leaked(`${message} ${JSON.stringify(error)}`)).toEqual([]);
  });
});

// A non-JSON answer ends up in the Slack library's error: a 5 MB body must not become a 5 MB log line.
it('bounds the error of a Slack answer of 5 MB', async () => {
  const fake = scriptedServer();
  const { url, close } = await listenOnLoopback(fake.server);
  try {
    fake.script(serve(MALFORMED.find(([what]) => what === 'a 5 MB body')![1]));
    const error = (await new SlackNotifier(SECRETS.slack, { slackApiUrl: `${url}/api/`, retryConfig: { retries: 0 } })
      .sendToChannel('C0OPS00001', { kind: 'reply', text: 'x', blocks: [] })
      .catch((failure: unknown) => failure)) as Error;
    expect(error.message.length).toBeLessThan(2000);
  } finally {
    await close();
  }
});

describe('the count', () => {
  it('covers at least 40 malformed inputs over every category', () => {
    // Runs last in this file: every case above has been counted.
    expect(Object.keys(tally).sort()).toEqual(
      [
        'CLI arguments',
        'Slack interaction requests',
        'answers from Jenkins',
        'answers from Kubernetes',
        'answers from Slack',
        'answers from the registry',
        'config files',
        'image webhook requests',
      ].sort(),
    );
    expect(Object.values(tally).reduce((sum, n) => sum + n, 0)).toBeGreaterThanOrEqual(40);
  });
});
