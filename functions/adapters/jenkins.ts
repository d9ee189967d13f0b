/**
 * JobRunner on Jenkins' remote access API.
 * - Start: `POST /job/<a>/job/<b>/buildWithParameters` (form body). Jenkins answers 201 Created with the queue item
 *   in `Location` (`.../queue/item/N/`). When it coalesces the request into an identical item still waiting in
 *   the queue, older Jenkins answers 201 too; releases since JENKINS-66105 (2021) answer 303 See Other with that
 *   item's `Location`. Redirects are not followed, so both give the item.
 * - CSRF: where `/crumbIssuer/api/json` exists, its `crumb` goes in the header named by `crumbRequestField`, with
 *   the session cookie it was issued in (Jenkins ties crumbs to the web session). Where it answers 404, no crumb.
 * - Follow: the queue item (`executable.number` once started, `cancelled`, `why` while waiting), then the build's
 *   `api/json` (`building`, then `result`). Jenkins forgets queue items minutes after they leave the queue, so the
 *   build number goes into the handle as soon as it is known.
 * - Idempotent start: a queue item or build whose parameters carry the same TURBO_RUN_ID and ACTION is reused.
 * Every request goes to `baseUrl`: URLs that Jenkins reports (its configured root URL) are used only as links
 * for people, so the API token is never sent to another host.
 */
import { DNS_LABEL, MAX_DEVELOPER_NAME } from '../core/config';
import { jobKindSchema, type JobHandle, type JobKind, type JobRequest, type JobStatus } from '../core/types';
import type { JobRunner } from '../core/ports';
import { AuthenticationError, ConfigurationError, TransientError } from '../core/errors';
import { JOB_PARAM_NAME, jobParamProblem } from '../core/jobs';
import { withRetry, RetryableError } from './retry';

export interface JenkinsJobs {
  /** Job path of the Terraform job (apply and destroy), e.g. `team/turbo-terraform`. */
  terraformJob: string;
  /** Job path of the deploy job, e.g. `team/turbo-deploy`. */
  deployJob: string;
}

export interface JenkinsRunnerOptions extends JenkinsJobs {
  /** Jenkins' URL, e.g. `https://ci.example.com/jenkins/`. */
  baseUrl: string;
  /** The Turbo user and its API token (read by the caller from the SecretStore). */
  user: string;
  token: string;
  fetch?: typeof fetch;
  /** Per request. */
  timeoutMs?: number;
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number; sleep?: (ms: number) => Promise<void> };
  now?: () => Date;
}

/** The archived file a deploy build leaves its result in (KEY=value lines), written by scripts/deploy.sh. */
export const OUTPUT_ARTIFACT = 'turbo-output.env';
/** Keys each job kind must report; a kind listed here must archive OUTPUT_ARTIFACT. */
const REQUIRED_OUTPUTS: Partial<Record<JobKind, readonly string[]>> = { deploy: ['APP_URL'] };
const MAX_OUTPUT_BYTES = 16 * 1024;
const RUN_ID = /^[\w.-]{1,80}$/;
const JOB_PATH = /^[\w.-]+(\/[\w.-]+)*$/;
/** How far back the idempotency lookup searches the job's builds. */
const RECENT_BUILDS = 50;

export function jenkinsJobPath(kind: JobKind, jobs: JenkinsJobs): string {
  return kind === 'deploy' ? jobs.deployJob : jobs.terraformJob;
}

/** `team/turbo-terraform` -> `job/team/job/turbo-terraform/` (relative to Jenkins' URL). */
export function jobUrlPath(jobPath: string): string {
  return jobPath
    .split('/')
    .map((segment) => `job/${encodeURIComponent(segment)}/`)
    .join('');
}

interface ParameterValue {
  name: string;
  value: unknown;
}
interface WithParameters {
  actions?: Array<{ parameters?: ParameterValue[] } | null>;
}
interface QueueItem extends WithParameters {
  id: number;
  task?: { url?: string };
  why?: string | null;
  cancelled?: boolean;
  executable?: { number: number; url?: string } | null;
}
interface Build extends WithParameters {
  number: number;
  url?: string;
  building?: boolean;
  /** When the build started, epoch ms. */
  timestamp?: number;
  result?: string | null;
}

interface Crumb {
  headers: Record<string, string>;
}

export class JenkinsJobRunner implements JobRunner {
  private readonly baseUrl: URL;
  private readonly authorization: string;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly now: () => Date;
  private readonly retry: { attempts: number; baseDelayMs: number; maxDelayMs: number; sleep?: (ms: number) => Promise<void> };

  constructor(private readonly options: JenkinsRunnerOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new ConfigurationError(`Jenkins baseUrl is not a URL (got ${JSON.stringify(options.baseUrl)})`);
    }
    if (url.username || url.password) {
      // Never echo it: the URL carries a secret.
      throw new ConfigurationError('Jenkins baseUrl must not carry credentials; pass user and token instead');
    }
    if (!/^https?:$/.test(url.protocol)) {
      throw new ConfigurationError(`Jenkins baseUrl must be http or https (got ${JSON.stringify(options.baseUrl)})`);
    }
    url.search = '';
    url.hash = '';
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    this.baseUrl = url;
    for (const field of ['terraformJob', 'deployJob'] as const) {
      if (!JOB_PATH.test(options[field])) {
        throw new ConfigurationError(
          `Jenkins ${field} must be a job path such as team/turbo-terraform (got ${JSON.stringify(options[field])})`,
        );
      }
    }
    if (!options.user || !options.token) throw new ConfigurationError('Jenkins user and API token are both required');
    this.authorization = `Basic ${Buffer.from(`${options.user}:${options.token}`).toString('base64')}`;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.now = options.now ?? (() => new Date());
    this.retry = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8_000, ...options.retry };
  }

  async start(job: JobRequest): Promise<JobHandle> {
    validateRequest(job);
    const jobPath = jenkinsJobPath(job.kind, this.options);
    const action = job.kind;
    // Look-up and POST are retried together: a POST that failed after Jenkins queued it is found the next time.
    return this.retrying(`starting Jenkins job ${jobPath}`, async () => {
      const existing = await this.findExisting(jobPath, action, job.runId);
      if (existing) return this.handleFor(job, existing.id, existing.buildNumber);

      const crumb = await this.crumb();
      const body = new URLSearchParams({ ...job.params, ACTION: action, DEVELOPER: job.developer, TURBO_RUN_ID: job.runId });
      const response = await this.request(`${jobUrlPath(jobPath)}buildWithParameters`, `job ${jobPath}`, {
        method: 'POST',
        body,
        headers: { ...crumb?.headers, 'content-type': 'application/x-www-form-urlencoded' },
      });
      const queueId = queueItemIdOf(response.headers.get('location'));
      if ((response.status !== 201 && response.status !== 303) || queueId === undefined) {
        throw new ConfigurationError(
          `Jenkins job ${jobPath} did not queue a build (HTTP ${response.status}, Location ${JSON.stringify(response.headers.get('location'))}): is it a parameterized pipeline job?`,
        );
      }
      return this.handleFor(job, this.url(`queue/item/${queueId}/`));
    });
  }

  async status(handle: JobHandle): Promise<JobStatus> {
    if (handle.runner !== 'jenkins') throw new ConfigurationError(`Jenkins cannot follow a ${JSON.stringify(handle.runner)} job handle`);
    const jobPath = jenkinsJobPath(handle.kind, this.options);
    return this.retrying(`following Jenkins job ${jobPath} for ${handle.runId}`, async () => {
      let buildNumber = handle.buildNumber;
      if (buildNumber === undefined) {
        const queued = await this.followQueueItem(handle, jobPath);
        if ('state' in queued) return queued;
        buildNumber = queued.buildNumber;
      }
      const current: JobHandle = { ...handle, buildNumber };
      return this.buildStatus(current, jobPath, buildNumber);
    });
  }

  /** The build number once the queue item has left the queue, or the status while it waits or after it was cancelled. */
  private async followQueueItem(handle: JobHandle, jobPath: string): Promise<{ buildNumber: number } | JobStatus> {
    const queueId = queueItemIdOf(handle.id);
    if (queueId === undefined)
      throw new ConfigurationError(`Jenkins job handle has neither a build number nor a queue item URL (id ${JSON.stringify(handle.id)})`);
    const response = await this.request(
      `queue/item/${queueId}/api/json?tree=id,why,cancelled,executable[number,url]`,
      `queue item ${queueId} of job ${jobPath}`,
      { allowNotFound: true },
    );
    if (response.status === 404) {
      // Jenkins forgot the item: the build it became carries our run ID.
      const build = await this.findBuild(jobPath, handle.kind, handle.runId);
      if (build) return { buildNumber: build.number };
      return {
        state: 'failed',
        reason: `Jenkins forgot queue item ${queueId} of job ${jobPath} and no recent build carries TURBO_RUN_ID=${handle.runId}`,
        handle,
      };
    }
    const item = (await readJson(response, `queue item ${queueId}`)) as QueueItem;
    if (item.cancelled) {
      return {
        state: 'failed',
        reason: `CANCELLED: Jenkins queue item ${queueId} of job ${jobPath} was cancelled before it started${item.why ? ` (${item.why})` : ''}`,
        handle,
      };
    }
    if (typeof item.executable?.number === 'number') return { buildNumber: item.executable.number };
    return { state: 'running', detail: `waiting in the Jenkins queue: ${item.why ?? 'no reason given'}`, handle, queued: true };
  }

  private async buildStatus(handle: JobHandle, jobPath: string, buildNumber: number): Promise<JobStatus> {
    const buildPath = `${jobUrlPath(jobPath)}${buildNumber}/`;
    const what = `build #${buildNumber} of job ${jobPath}`;
    const build = (await readJson(
      await this.request(`${buildPath}api/json?tree=number,url,building,result,timestamp`, what),
      what,
    )) as Build;
    const logUrl = `${build.url ?? this.url(buildPath)}console`;
    // `timestamp`: when the build left the queue and began (ms): the job's timeout counts from there.
    const runningSince = typeof build.timestamp === 'number' ? { runningSince: new Date(build.timestamp).toISOString() } : {};
    if (build.building || !build.result) return { state: 'running', detail: `${what} is running`, logUrl, handle, ...runningSince };
    if (build.result !== 'SUCCESS') return { state: 'failed', reason: `${build.result}: ${what}`, logUrl, handle };
    const required = REQUIRED_OUTPUTS[handle.kind];
    if (!required) return { state: 'succeeded', outputs: {}, logUrl, handle, ...runningSince };
    const outputs = await this.readOutputs(`${buildPath}artifact/${OUTPUT_ARTIFACT}`, what, required);
    return 'problem' in outputs
      ? { state: 'failed', reason: outputs.problem, logUrl, handle }
      : { state: 'succeeded', outputs: outputs.values, logUrl, handle, ...runningSince };
  }

  private async readOutputs(
    path: string,
    what: string,
    required: readonly string[],
  ): Promise<{ values: Record<string, string> } | { problem: string }> {
    const response = await this.request(path, `${OUTPUT_ARTIFACT} of ${what}`, { allowNotFound: true });
    if (response.status === 404)
      return { problem: `${what} succeeded but archived no ${OUTPUT_ARTIFACT} (archiveArtifacts in the Jenkinsfile)` };
    const declaredLength = Number(response.headers.get('content-length') ?? 0);
    const text = declaredLength > MAX_OUTPUT_BYTES ? '' : await response.text();
    if (declaredLength > MAX_OUTPUT_BYTES || Buffer.byteLength(text) > MAX_OUTPUT_BYTES) {
      return { problem: `${OUTPUT_ARTIFACT} of ${what} is larger than ${MAX_OUTPUT_BYTES} bytes` };
    }
    const parsed = parseOutputs(text);
    if ('problem' in parsed) return { problem: `${OUTPUT_ARTIFACT} of ${what}: ${parsed.problem}` };
    const missing = required.filter((key) => !parsed.values[key]);
    if (missing.length > 0) return { problem: `${OUTPUT_ARTIFACT} of ${what} lacks ${missing.join(', ')}` };
    return parsed;
  }

  /** The queue item or recent build started for this run and action, if any. */
  private async findExisting(jobPath: string, action: JobKind, runId: string): Promise<{ id: string; buildNumber?: number } | undefined> {
    // The queue first: an item that leaves it between the two reads is then found among the builds.
    const queue = (await readJson(
      await this.request('queue/api/json?tree=items[id,url,task[name,url],actions[parameters[name,value]]]', 'the build queue'),
      'the build queue',
    )) as { items?: QueueItem[] };
    const jobSuffix = `/${jobUrlPath(jobPath)}`;
    const queued = (queue.items ?? []).find((item) => pathOf(item.task?.url).endsWith(jobSuffix) && carriesRun(item, action, runId));
    if (queued) return { id: this.url(`queue/item/${queued.id}/`) };
    const build = await this.findBuild(jobPath, action, runId);
    return build && { id: this.url(`${jobUrlPath(jobPath)}${build.number}/`), buildNumber: build.number };
  }

  private async findBuild(jobPath: string, action: JobKind, runId: string): Promise<Build | undefined> {
    const what = `job ${jobPath}`;
    const job = (await readJson(
      await this.request(
        `${jobUrlPath(jobPath)}api/json?tree=builds[number,url,building,result,actions[parameters[name,value]]]{0,${RECENT_BUILDS}}`,
        what,
      ),
      what,
    )) as { builds?: Build[] };
    return (job.builds ?? []).find((build) => carriesRun(build, action, runId));
  }

  /** The crumb headers, or undefined where the instance issues none (the crumb issuer answers 404). */
  private async crumb(): Promise<Crumb | undefined> {
    const response = await this.request('crumbIssuer/api/json', 'the crumb issuer', { allowNotFound: true });
    if (response.status === 404) return undefined;
    const issued = (await readJson(response, 'the crumb issuer')) as { crumb?: string; crumbRequestField?: string };
    if (!issued.crumb || !issued.crumbRequestField) throw new Error('Jenkins crumb issuer answered without crumb and crumbRequestField');
    // The crumb is valid only within the web session it was issued in.
    const cookies = response.headers.getSetCookie().map((cookie) => cookie.split(';', 1)[0]!);
    return { headers: { [issued.crumbRequestField]: issued.crumb, ...(cookies.length > 0 ? { cookie: cookies.join('; ') } : {}) } };
  }

  /** One HTTP exchange. 401/403 and 404 (unless allowed) fail for good; 429, 5xx and network failures may be retried. */
  private async request(
    path: string,
    what: string,
    init: { method?: string; body?: URLSearchParams; headers?: Record<string, string>; allowNotFound?: boolean } = {},
  ): Promise<Response> {
    const url = this.url(path);
    const method = init.method ?? 'GET';
    const at = `${method} ${new URL(url).pathname}`;
    let response: Response;
    try {
      response = await this.fetch(url, {
        method,
        body: init.body,
        headers: { accept: 'application/json', ...init.headers, authorization: this.authorization },
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new RetryableError(`Jenkins did not answer ${at} (${networkFailureOf(error, this.timeoutMs)})`, undefined, { cause: error });
    }
    const { status } = response;
    if (status === 401 || status === 403) {
      await response.body?.cancel();
      throw new AuthenticationError(
        `Jenkins refused ${at} for ${what} (HTTP ${status}): check the Turbo user's API token and its permissions` +
          (status === 403 && method === 'POST' ? ', and that the CSRF crumb and its session cookie were accepted' : ''),
      );
    }
    if (status === 404 && !init.allowNotFound) {
      await response.body?.cancel();
      throw new ConfigurationError(`Jenkins has no ${what} (HTTP 404 on ${at}): check the job path in runner.jenkins`);
    }
    if (status === 429 || status >= 500) {
      await response.body?.cancel();
      const retryAfterSeconds = Number(response.headers.get('retry-after'));
      throw new RetryableError(
        `Jenkins answered HTTP ${status} to ${at}`,
        Number.isFinite(retryAfterSeconds) ? retryAfterSeconds * 1000 : undefined,
      );
    }
    return response;
  }

  private async retrying<T>(doing: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(operation, {
        ...this.retry,
        isRetryable: (error) => error instanceof RetryableError,
        requestedDelayMs: (error) => Math.min((error as RetryableError).retryAfterMs ?? 0, this.retry.maxDelayMs),
      });
    } catch (error) {
      if (error instanceof RetryableError) {
        throw new TransientError(`${doing} failed after ${this.retry.attempts} attempts: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }

  private url(path: string): string {
    return new URL(path, this.baseUrl).toString();
  }

  private handleFor(job: JobRequest, id: string, buildNumber?: number): JobHandle {
    return {
      runner: 'jenkins',
      kind: job.kind,
      developer: job.developer,
      runId: job.runId,
      id,
      ...(buildNumber === undefined ? {} : { buildNumber }),
      startedAt: this.now().toISOString(),
    };
  }
}

function validateRequest(job: JobRequest): void {
  if (!jobKindSchema.options.includes(job.kind))
    throw new ConfigurationError(`job kind must be one of ${jobKindSchema.options.join(', ')} (got ${JSON.stringify(job.kind)})`);
  if (!DNS_LABEL.test(job.developer) || job.developer.length > MAX_DEVELOPER_NAME) {
    throw new ConfigurationError(
      `job developer must be a DNS-1123 label of at most ${MAX_DEVELOPER_NAME} characters (got ${JSON.stringify(job.developer)})`,
    );
  }
  if (!RUN_ID.test(job.runId))
    throw new ConfigurationError(`job runId must be 1-80 letters, digits, '.', '_' or '-' (got ${JSON.stringify(job.runId)})`);
  for (const [name, value] of Object.entries(job.params)) {
    if (jobParamProblem(name)) {
      throw new ConfigurationError(
        `job parameter name must be UPPER_SNAKE_CASE and not ACTION, DEVELOPER or TURBO_RUN_ID (got ${JSON.stringify(name)})`,
      );
    }
    if (typeof value !== 'string') throw new ConfigurationError(`job parameter ${name} must be a string (got ${JSON.stringify(value)})`);
  }
}

function carriesRun(item: WithParameters, action: JobKind, runId: string): boolean {
  const parameters = (item.actions ?? []).flatMap((entry) => entry?.parameters ?? []);
  const parameter = (name: string) => parameters.find((candidate) => candidate.name === name)?.value;
  return parameter('TURBO_RUN_ID') === runId && parameter('ACTION') === action;
}

function queueItemIdOf(url: string | null): number | undefined {
  const match = url?.match(/\/queue\/item\/(\d+)\/?$/);
  return match ? Number(match[1]) : undefined;
}

function pathOf(url: string | undefined): string {
  if (!url) return '';
  try {
    return new URL(url).pathname;
  } catch {
    return '';
  }
}

async function readJson(response: Response, what: string): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`Jenkins answered ${what} with HTTP ${response.status} and no JSON (is the base URL Jenkins?)`);
  }
}

function networkFailureOf(error: unknown, timeoutMs: number): string {
  const failure = error as { name?: string; cause?: { code?: string; message?: string } };
  if (failure?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  return failure?.cause?.code ?? failure?.cause?.message ?? failure?.name ?? 'network failure';
}

/** KEY=value lines; blank lines and `#` comments are skipped. */
export function parseOutputs(text: string): { values: Record<string, string> } | { problem: string } {
  const values: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const separator = line.indexOf('=');
    const key = separator > 0 ? line.slice(0, separator) : line;
    if (separator < 0 || !JOB_PARAM_NAME.test(key)) {
      return {
        problem: `line ${index + 1} is not KEY=value with KEY matching ${JOB_PARAM_NAME.source} (key ${JSON.stringify(key.slice(0, 40))})`,
      };
    }
    values[key] = line.slice(separator + 1);
  }
  return { values };
}
