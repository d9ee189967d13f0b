/**
 * A local Jenkins that speaks the documented remote access API, for adapter, workflow and rehearsal tests.
 * It listens on 127.0.0.1 (port 0) and implements:
 * - `GET  /crumbIssuer/api/json`: `{ crumb, crumbRequestField: 'Jenkins-Crumb' }` plus a `JSESSIONID.<hex>` cookie
 *   when `crumbRequired`; 404 otherwise (as when CSRF protection is off or API-token requests are exempt).
 *   With `crumbRequired`, a POST without the crumb of its session gets 403 "No valid crumb was included in the request".
 * - `POST /job/<a>/job/<b>/buildWithParameters` (form body or query): 201 Created, `Location: <url>queue/item/N/`.
 *   Identical parameters to an item still waiting are coalesced into it, as Jenkins does (`coalescedStatus`).
 *   Parameters the job does not declare are dropped, as Jenkins does, when the job lists `parameters`.
 * - `GET /queue/api/json`: the waiting items. `GET /queue/item/N/api/json`: a `Queue$WaitingItem` with `why`, then
 *   a `Queue$LeftItem` with `executable: { number, url }`, or `cancelled: true` and `executable: null`.
 * - `GET /job/<path>/api/json` (`builds`, newest first), `GET /job/<path>/N/api/json` (`building`, then `result`),
 *   `GET /job/<path>/N/artifact/turbo-output.env`, `GET /job/<path>/N/console`.
 * - The `tree` query parameter (`a,b[c,d]{0,50}`) filters every JSON answer, as Jenkins does, so a field that the
 *   client forgot to ask for is missing here too.
 * - Basic authentication on every request: a wrong user or token gets 401.
 * Time does not pass on its own: items and builds advance when a client reads them (see the options).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export type BuildResult = 'SUCCESS' | 'FAILURE' | 'ABORTED' | 'UNSTABLE' | 'NOT_BUILT';

export interface FakeQueueItem {
  id: number;
  jobPath: string;
  parameters: Record<string, string>;
  /** How many times a client has read this item. */
  reads: number;
  cancelled: boolean;
  buildNumber?: number;
  /** Jenkins no longer knows it (it answers 404). */
  forgotten: boolean;
  /** When it was queued, epoch ms. */
  queuedAt: number;
}

export interface FakeBuild {
  jobPath: string;
  number: number;
  parameters: Record<string, string>;
  queueId: number;
  reads: number;
  result: BuildResult | null;
  /** When it left the queue, epoch ms (Jenkins's `timestamp`). */
  startedAt: number;
}

export interface FakeFault {
  /** Matches the request path (after the context path), e.g. /buildWithParameters/ or /^queue\//. */
  path: RegExp;
  method?: string;
  /** How many matching requests fail. */
  times: number;
  /** Answer with this status (e.g. 503, 403)... */
  status?: number;
  /** ...or reset the connection without an answer... */
  reset?: boolean;
  /** ...or never answer (a client timeout). */
  hang?: boolean;
}

export interface FakeJenkinsOptions {
  /** Default `turbo`. */
  user?: string;
  /** Default `11aa22bb33cc44dd55ee66ff77889900aa`. */
  token?: string;
  /** Default false: the crumb issuer answers 404 and POSTs need no crumb. */
  crumbRequired?: boolean;
  /** Job paths this Jenkins knows (others are 404), each with its declared parameters (undefined: accept any). */
  jobs?: Record<string, { parameters?: string[] }>;
  /** Reads of a queue item that still answer "waiting" (with `why`) before it leaves the queue. Default 1. */
  queuePolls?: number;
  /** Reads of a build that still answer `building: true` before it has its result. Default 1. */
  buildingPolls?: number;
  /**
   * Whether the reads that keep an item waiting stand for the client's polls only, not for time in the queue: its build
   * then says it began when it was queued (`timestamp`), as a build with a free executor does. Default false: it began
   * when it left the queue, at the read that let it go.
   */
  startsWhenQueued?: boolean;
  /** The result each build ends with. Default SUCCESS. */
  resultFor?: (build: FakeBuild) => BuildResult;
  /** Whether a queue item is cancelled instead of started when it leaves the queue. Default never. */
  cancelFor?: (item: FakeQueueItem) => boolean;
  /** The archived turbo-output.env of a build, or undefined for none. Default: deploy builds archive an APP_URL. */
  artifactFor?: (build: FakeBuild) => string | undefined;
  /** The status of a coalesced duplicate request: 201 (Jenkins before JENKINS-66105, 2021) or 303 (since). Default 303. */
  coalescedStatus?: 201 | 303;
  /** Jenkins' configured root URL, used in the `url` fields of its JSON. Default: the server's own URL. */
  rootUrl?: string;
  /** Where Jenkins is served, e.g. `/jenkins/`. Default `/`. */
  contextPath?: string;
  /** Injected failures, consumed in order of the list. */
  faults?: FakeFault[];
  /** Called for every newly queued build request. */
  onQueued?: (item: FakeQueueItem) => void;
}

export interface FakeJenkins {
  /** The base URL to give the adapter (with the context path, ending in `/`). */
  url: string;
  user: string;
  token: string;
  queue: FakeQueueItem[];
  builds: FakeBuild[];
  /** Every request received: method, path (with query) and headers. */
  requests: Array<{ method: string; path: string; headers: IncomingMessage['headers'] }>;
  /** Jenkins forgets items that have left the queue (it does so a few minutes after they leave). */
  forgetLeftItems(): void;
  close(): Promise<void>;
}

export const DEFAULT_JOBS = { 'team/turbo-terraform': {}, 'team/turbo-deploy': {} };

/** The parameter names a Jenkinsfile declares (`string(name: 'X'`, `choice(name: 'X'`), to serve jobs as Jenkins would. */
export function jenkinsfileParameters(path: string): string[] {
  return [...readFileSync(path, 'utf8').matchAll(/\b(?:string|choice|booleanParam|text)\(\s*name:\s*'([A-Z][A-Z0-9_]*)'/g)].map(
    (match) => match[1]!,
  );
}

/** DEFAULT_JOBS' two jobs, each keeping only the parameters its Jenkinsfile declares: a parameter sent but not declared is lost. */
export function jenkinsfileJobs(): Record<keyof typeof DEFAULT_JOBS, { parameters: string[] }> {
  const declared = (file: string) => jenkinsfileParameters(join(__dirname, '../../jenkins', file));
  return {
    'team/turbo-terraform': { parameters: declared('Jenkinsfile.terraform') },
    'team/turbo-deploy': { parameters: declared('Jenkinsfile.deploy') },
  };
}

export async function startFakeJenkins(options: FakeJenkinsOptions = {}): Promise<FakeJenkins> {
  const user = options.user ?? 'turbo';
  const token = options.token ?? '11aa22bb33cc44dd55ee66ff77889900aa';
  const jobs: Record<string, { parameters?: string[] }> = options.jobs ?? DEFAULT_JOBS;
  const contextPath = options.contextPath ?? '/';
  const faults = (options.faults ?? []).map((fault) => ({ ...fault }));
  const sessions = new Map<string, string>();
  const nextBuildNumber = new Map<string, number>();
  let nextQueueId = 1;
  let ownUrl = '';
  const rootUrl = () => options.rootUrl ?? ownUrl;
  const jobUrl = (jobPath: string) =>
    `${rootUrl()}${jobPath
      .split('/')
      .map((segment) => `job/${segment}/`)
      .join('')}`;

  const state: FakeJenkins = {
    url: '',
    user,
    token,
    queue: [],
    builds: [],
    requests: [],
    forgetLeftItems() {
      for (const item of state.queue) if (item.cancelled || item.buildNumber !== undefined) item.forgotten = true;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };

  const parametersAction = (parameters: Record<string, string>) => ({
    _class: 'hudson.model.ParametersAction',
    parameters: Object.entries(parameters).map(([name, value]) => ({ _class: 'hudson.model.StringParameterValue', name, value })),
  });
  const causeAction = { _class: 'hudson.model.CauseAction', causes: [{ _class: 'hudson.model.Cause$UserIdCause', userId: user }] };
  const buildUrl = (build: FakeBuild) => `${jobUrl(build.jobPath)}${build.number}/`;
  const buildJson = (build: FakeBuild) => ({
    _class: 'org.jenkinsci.plugins.workflow.job.WorkflowRun',
    actions: [parametersAction(build.parameters), causeAction, {}],
    number: build.number,
    id: String(build.number),
    url: buildUrl(build),
    building: build.result === null,
    result: build.result,
    // When the build left the queue and started, in epoch ms, as Jenkins gives it.
    timestamp: build.startedAt,
    fullDisplayName: `${build.jobPath.replaceAll('/', ' » ')} #${build.number}`,
  });
  const queueItemJson = (item: FakeQueueItem) => {
    const task = {
      _class: 'org.jenkinsci.plugins.workflow.job.WorkflowJob',
      name: item.jobPath.split('/').pop(),
      url: jobUrl(item.jobPath),
      color: 'blue',
    };
    const common = {
      actions: [parametersAction(item.parameters), causeAction],
      id: item.id,
      task,
      url: `queue/item/${item.id}/`,
      inQueueSince: 1_760_000_000_000,
    };
    if (item.cancelled || item.buildNumber !== undefined) {
      const build = state.builds.find((candidate) => candidate.queueId === item.id);
      return {
        _class: 'hudson.model.Queue$LeftItem',
        ...common,
        blocked: false,
        buildable: false,
        why: null,
        cancelled: item.cancelled,
        executable: build ? { _class: 'org.jenkinsci.plugins.workflow.job.WorkflowRun', number: build.number, url: buildUrl(build) } : null,
      };
    }
    return {
      _class: 'hudson.model.Queue$WaitingItem',
      ...common,
      blocked: false,
      buildable: false,
      stuck: false,
      why: 'In the quiet period. Expires in 4.9 sec',
    };
  };

  const leaveQueue = (item: FakeQueueItem) => {
    if (options.cancelFor?.(item)) {
      item.cancelled = true;
      return;
    }
    const number = nextBuildNumber.get(item.jobPath) ?? 1;
    nextBuildNumber.set(item.jobPath, number + 1);
    item.buildNumber = number;
    state.builds.push({
      jobPath: item.jobPath,
      number,
      parameters: item.parameters,
      queueId: item.id,
      reads: 0,
      result: null,
      startedAt: options.startsWhenQueued ? item.queuedAt : Date.now(),
    });
  };

  const artifactFor =
    options.artifactFor ??
    ((build: FakeBuild) => (build.parameters.ACTION === 'deploy' ? `APP_URL=http://${build.parameters.DEVELOPER}.app.test/\n` : undefined));

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', ownUrl);
    state.requests.push({ method, path: `${url.pathname}${url.search}`, headers: request.headers });
    if (!url.pathname.startsWith(contextPath)) return send(response, 404, 'Not Found');
    const path = url.pathname.slice(contextPath.length);

    const fault = faults.find(
      (candidate) => candidate.times > 0 && candidate.path.test(path) && (!candidate.method || candidate.method === method),
    );
    if (fault) {
      fault.times -= 1;
      if (fault.reset) return void request.socket.destroy();
      if (fault.hang) return;
      return send(response, fault.status ?? 500, `HTTP ERROR ${fault.status ?? 500}`);
    }

    const expected = `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;
    if (request.headers.authorization !== expected) {
      return send(response, 401, 'Invalid password/token for user', { 'www-authenticate': 'Basic realm="Jenkins"' });
    }

    const body = method === 'POST' ? await readBody(request) : '';
    const tree = url.searchParams.get('tree');
    const json = (status: number, value: unknown) =>
      send(response, status, JSON.stringify(tree ? applyTree(value, parseTree(tree)) : value), {
        'content-type': 'application/json;charset=utf-8',
      });

    if (path === 'crumbIssuer/api/json' && method === 'GET') {
      if (!options.crumbRequired) return send(response, 404, 'Not Found');
      const sessionId = `node0${randomBytes(8).toString('hex')}`;
      const crumb = randomBytes(16).toString('hex');
      sessions.set(sessionId, crumb);
      response.setHeader('set-cookie', [`JSESSIONID.5a6b7c8d=${sessionId}; Path=/; HttpOnly`]);
      return json(200, { _class: 'hudson.security.csrf.DefaultCrumbIssuer', crumb, crumbRequestField: 'Jenkins-Crumb' });
    }
    if (method === 'POST' && options.crumbRequired) {
      const sessionId = /JSESSIONID\.[0-9a-f]+=([^;\s]+)/.exec(request.headers.cookie ?? '')?.[1];
      if (!sessionId || sessions.get(sessionId) !== request.headers['jenkins-crumb']) {
        return send(response, 403, 'Error 403 No valid crumb was included in the request');
      }
    }

    if (path === 'queue/api/json' && method === 'GET') {
      const waiting = state.queue.filter((item) => !item.cancelled && item.buildNumber === undefined);
      return json(200, { _class: 'hudson.model.Queue', discoverableItems: [], items: waiting.map(queueItemJson) });
    }
    const queueMatch = /^queue\/item\/(\d+)\/api\/json$/.exec(path);
    if (queueMatch && method === 'GET') {
      const item = state.queue.find((candidate) => candidate.id === Number(queueMatch[1]) && !candidate.forgotten);
      if (!item) return send(response, 404, 'Not Found');
      item.reads += 1;
      if (!item.cancelled && item.buildNumber === undefined && item.reads > (options.queuePolls ?? 1)) leaveQueue(item);
      return json(200, queueItemJson(item));
    }

    const segments = path.split('/');
    const jobSegments: string[] = [];
    while (segments[0] === 'job' && segments.length >= 2) {
      jobSegments.push(decodeURIComponent(segments[1]!));
      segments.splice(0, 2);
    }
    const jobPath = jobSegments.join('/');
    if (!jobs[jobPath]) return send(response, 404, 'Not Found');
    const rest = segments.filter((segment) => segment !== '');

    if (rest.join('/') === 'buildWithParameters' && method === 'POST') {
      const form = new URLSearchParams(body);
      for (const [name, value] of url.searchParams) if (name !== 'delay' && !form.has(name)) form.set(name, value);
      const declared = jobs[jobPath]!.parameters;
      const parameters = Object.fromEntries([...form].filter(([name]) => !declared || declared.includes(name)));
      const location = (item: FakeQueueItem) => ({ location: `${ownUrl}queue/item/${item.id}/` });
      const duplicate = state.queue.find(
        (item) =>
          item.jobPath === jobPath &&
          !item.cancelled &&
          item.buildNumber === undefined &&
          JSON.stringify(item.parameters) === JSON.stringify(parameters),
      );
      if (duplicate) return send(response, options.coalescedStatus ?? 303, '', location(duplicate));
      const item: FakeQueueItem = {
        id: nextQueueId++,
        jobPath,
        parameters,
        reads: 0,
        cancelled: false,
        forgotten: false,
        queuedAt: Date.now(),
      };
      state.queue.push(item);
      options.onQueued?.(item);
      return send(response, 201, '', location(item));
    }
    if (rest.join('/') === 'api/json' && method === 'GET') {
      const builds = state.builds.filter((build) => build.jobPath === jobPath).reverse();
      return json(200, {
        _class: 'org.jenkinsci.plugins.workflow.job.WorkflowJob',
        name: jobSegments.at(-1),
        url: jobUrl(jobPath),
        builds: builds.map(buildJson),
      });
    }
    const build = state.builds.find((candidate) => candidate.jobPath === jobPath && String(candidate.number) === rest[0]);
    if (!build || method !== 'GET') return send(response, 404, 'Not Found');
    const within = rest.slice(1).join('/');
    if (within === 'api/json') {
      build.reads += 1;
      if (build.result === null && build.reads > (options.buildingPolls ?? 1)) build.result = options.resultFor?.(build) ?? 'SUCCESS';
      return json(200, buildJson(build));
    }
    if (within === 'artifact/turbo-output.env') {
      const artifact = build.result === null ? undefined : artifactFor(build);
      return artifact === undefined ? send(response, 404, 'Not Found') : send(response, 200, artifact, { 'content-type': 'text/plain' });
    }
    if (within === 'console')
      return send(response, 200, `<html>console of ${jobPath} #${build.number}</html>`, { 'content-type': 'text/html' });
    return send(response, 404, 'Not Found');
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, 500, String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  ownUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${contextPath}`;
  state.url = ownUrl;
  return state;
}

function send(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'text/html;charset=utf-8', ...headers, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

interface TreeNode {
  name: string;
  children?: TreeNode[];
  range?: [number, number];
}

/** Parses Jenkins' `tree` syntax: `a,b[c,d[e]]{0,50}`. */
export function parseTree(text: string): TreeNode[] {
  let position = 0;
  const parseList = (): TreeNode[] => {
    const nodes: TreeNode[] = [];
    for (;;) {
      const name = /^[\w$]+/.exec(text.slice(position))?.[0];
      if (!name) throw new Error(`bad tree ${JSON.stringify(text)} at ${position}`);
      position += name.length;
      const node: TreeNode = { name };
      if (text[position] === '[') {
        position += 1;
        node.children = parseList();
        if (text[position] !== ']') throw new Error(`bad tree ${JSON.stringify(text)} at ${position}`);
        position += 1;
      }
      const range = /^\{(\d*),(\d*)\}/.exec(text.slice(position));
      if (range) {
        node.range = [Number(range[1] || 0), range[2] ? Number(range[2]) : Number.MAX_SAFE_INTEGER];
        position += range[0].length;
      }
      nodes.push(node);
      if (text[position] !== ',') return nodes;
      position += 1;
    }
  };
  const nodes = parseList();
  if (position !== text.length) throw new Error(`bad tree ${JSON.stringify(text)} at ${position}`);
  return nodes;
}

function applyTree(value: unknown, nodes: TreeNode[]): unknown {
  if (Array.isArray(value)) return value.map((entry) => applyTree(entry, nodes));
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const picked: Record<string, unknown> = '_class' in source ? { _class: source._class } : {};
  for (const node of nodes) {
    if (!(node.name in source)) continue;
    let field = source[node.name];
    if (node.range && Array.isArray(field)) field = field.slice(node.range[0], node.range[1]);
    picked[node.name] = node.children ? applyTree(field, node.children) : field;
  }
  return picked;
}
