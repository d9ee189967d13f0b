/**
 * A local Docker Hub API, as documented at docs.docker.com/reference/api/hub/latest/ :
 * - `GET /v2/namespaces/{namespace}/repositories/{repository}/tags?page=N&page_size=M` (page_size defaults to 10, at
 *   most 100) answers `{ count, next, previous, results: [{ name, digest, last_updated, tag_status, images }] }`,
 *   with `next` and `previous` as absolute URLs or null; an unknown repository is 404 `{ message }`.
 * - `POST /v2/auth/token` with `{ identifier, secret }` answers `{ access_token }` (a bearer for the API); wrong
 *   credentials get 401. Repositories listed as private need that bearer (401 without it).
 * - `fail(...)` scripts the next answers, e.g. 429 with a Retry-After, as Docker Hub rate limits.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { listenOnLoopback } from './local-server';

export interface HubRequest {
  method: string;
  path: string;
  authorization?: string;
}

export interface HubFault {
  status: number;
  retryAfter?: string;
}

export interface DockerHubServer {
  url: string;
  requests: HubRequest[];
  /** The next `times` requests get `fault`. */
  fail(fault: HubFault, times?: number): void;
  close(): Promise<void>;
}

export interface DockerHubOptions {
  /** Tags of each repository, oldest first (Docker Hub lists the most recently pushed first). */
  repositories: Record<string, string[]>;
  privateRepositories?: string[];
  credentials?: { username: string; password: string };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startDockerHubServer(options: DockerHubOptions): Promise<DockerHubServer> {
  const requests: HubRequest[] = [];
  const faults: HubFault[] = [];
  const issued = new Set<string>();
  let url = '';

  const server = createServer(async (request, response) => {
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    const target = new URL(request.url ?? '/', url);
    requests.push({
      method: request.method ?? 'GET',
      path: `${target.pathname}${target.search}`,
      authorization: request.headers.authorization,
    });
    const fault = faults.shift();
    if (fault) return reply(fault.status, { message: 'fault' }, fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter });

    if (request.method === 'POST' && target.pathname === '/v2/auth/token') {
      const body = JSON.parse((await readBody(request)) || '{}') as { identifier?: string; secret?: string };
      const { credentials } = options;
      if (!credentials || body.identifier !== credentials.username || body.secret !== credentials.password) {
        return reply(401, { errinfo: {}, message: 'incorrect username or password' });
      }
      const token = randomBytes(24).toString('hex');
      issued.add(token);
      return reply(200, { access_token: token });
    }

    const match = /^\/v2\/namespaces\/([^/]+)\/repositories\/([^/]+)\/tags\/?$/.exec(target.pathname);
    if (request.method !== 'GET' || !match) return reply(404, { message: 'page not found' });
    const repository = `${match[1]}/${match[2]}`;
    const tags = options.repositories[repository];
    const bearer = request.headers.authorization?.replace(/^Bearer /, '');
    if (options.privateRepositories?.includes(repository) && !(bearer && issued.has(bearer))) {
      return reply(401, { message: 'authentication required' });
    }
    if (!tags) return reply(404, { message: 'object not found', errinfo: { namespace: match[1], repository: match[2] } });
    const pageSize = Math.min(100, Number(target.searchParams.get('page_size') ?? 10));
    const page = Number(target.searchParams.get('page') ?? 1);
    const newestFirst = [...tags].reverse();
    const slice = newestFirst.slice((page - 1) * pageSize, page * pageSize);
    const pageUrl = (n: number) => `${url}/v2/namespaces/${match[1]}/repositories/${match[2]}/tags?page=${n}&page_size=${pageSize}`;
    reply(200, {
      count: tags.length,
      next: page * pageSize < tags.length ? pageUrl(page + 1) : null,
      previous: page > 1 ? pageUrl(page - 1) : null,
      results: slice.map((name, index) => ({
        id: index + 1,
        name,
        digest: `sha256:${createHash('sha256').update(`${repository}:${name}`).digest('hex')}`,
        last_updated: new Date(Date.UTC(2026, 0, 1) + index * 60_000).toISOString(),
        tag_status: 'active',
        images: [],
      })),
    });
  });
  const listening = await listenOnLoopback(server);
  url = listening.url;
  return {
    url,
    requests,
    fail(fault, times = 1) {
      for (let i = 0; i < times; i += 1) faults.push(fault);
    },
    close: listening.close,
  };
}
