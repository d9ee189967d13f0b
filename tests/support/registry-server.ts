/**
 * A local registry that speaks the distribution spec's token authentication, as Docker Hub's registry does:
 * - `HEAD /v2/<name>/manifests/<reference>` without a valid bearer answers 401 with
 *   `WWW-Authenticate: Bearer realm="<url>/token",service="fake-registry",scope="repository:<name>:pull"`;
 * - `GET /token?service=...&scope=...` (basic auth when `credentials` are set, anonymous otherwise) answers
 *   `{ token, access_token, expires_in, issued_at }`; a token is good for its scope until it expires (server clock);
 * - with a good bearer, HEAD answers 200 with `Docker-Content-Digest` and the manifest's `Content-Type`, but only
 *   when the request's Accept lists that media type (else 404 MANIFEST_UNKNOWN, as a registry that cannot serve
 *   the manifest in an accepted form does); an unknown tag is 404.
 * - `GET /v2/<name>/tags/list?n=<int>&last=<tag>` (the distribution spec's tag listing, same token flow) answers
 *   `{ name, tags }` in lexical order, at most `n` tags after `last` (and at most `maxPageSize`, as registries cap
 *   pages), with `Link: </v2/<name>/tags/list?n=<n>&last=<last tag sent>>; rel="next"` while more remain (a relative
 *   URL, as the distribution registry sends it); an unknown repository is 404 NAME_UNKNOWN.
 * - `challenge: 'basic'` answers 401 with `WWW-Authenticate: Basic realm="..."` instead, and takes the credentials
 *   themselves (as ECR's registry does).
 * - `fail(...)` scripts the next answers (429 with Retry-After, 503).
 */
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { listenOnLoopback } from './local-server';

export interface RegistryRequest {
  method: string;
  path: string;
  authorization?: string;
  accept?: string;
}

export interface FakeManifest {
  digest: string;
  mediaType: string;
}

export interface RegistryServer {
  url: string;
  requests: RegistryRequest[];
  fail(fault: { status: number; retryAfter?: string }, times?: number): void;
  /** Moves the server's clock (tokens expire by it). */
  advance(ms: number): void;
  close(): Promise<void>;
}

export interface RegistryServerOptions {
  /** By `repository:tag`. */
  manifests: Record<string, FakeManifest>;
  /** Tags by repository, for tags/list; a repository with manifests but no entry here lists no tags. */
  tags?: Record<string, string[]>;
  /** The most tags one page holds, whatever `n` asks. */
  maxPageSize?: number;
  challenge?: 'bearer' | 'basic';
  credentials?: { username: string; password: string };
  expiresIn?: number;
  now?: () => number;
}

export async function startRegistryServer(options: RegistryServerOptions): Promise<RegistryServer> {
  const requests: RegistryRequest[] = [];
  const faults: Array<{ status: number; retryAfter?: string }> = [];
  const tokens = new Map<string, { scope: string; expiresAt: number }>();
  let skew = 0;
  const now = () => (options.now ?? Date.now)() + skew;
  const expiresIn = options.expiresIn ?? 300;
  let url = '';

  const server = createServer((request, response) => {
    const target = new URL(request.url ?? '/', url);
    requests.push({
      method: request.method ?? 'GET',
      path: `${target.pathname}${target.search}`,
      authorization: request.headers.authorization,
      accept: request.headers.accept,
    });
    const end = (status: number, headers: Record<string, string> = {}, body?: unknown) => {
      response.writeHead(status, {
        'docker-distribution-api-version': 'registry/2.0',
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...headers,
      });
      response.end(body && request.method !== 'HEAD' ? JSON.stringify(body) : undefined);
    };
    const fault = faults.shift();
    if (fault)
      return end(fault.status, fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter }, {
        errors: [{ code: 'TOOMANYREQUESTS' }],
      });

    if (target.pathname === '/token') {
      const { credentials } = options;
      const basic = credentials ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` : undefined;
      if (basic && request.headers.authorization !== basic) return end(401, {}, { details: 'incorrect username or password' });
      const scope = target.searchParams.get('scope') ?? '';
      if (target.searchParams.get('service') !== 'fake-registry' || !scope) return end(400, {}, { details: 'service and scope required' });
      const token = randomBytes(24).toString('base64url');
      tokens.set(token, { scope, expiresAt: now() + expiresIn * 1000 });
      return end(200, {}, { token, access_token: token, expires_in: expiresIn, issued_at: new Date(now()).toISOString() });
    }

    const match = /^\/v2\/(.+)\/(manifests\/([^/]+)|tags\/list)$/.exec(target.pathname);
    if (!match || (request.method !== 'HEAD' && request.method !== 'GET')) return end(404, {}, { errors: [{ code: 'NOT_FOUND' }] });
    const [, repository, , tag] = match;
    const scope = `repository:${repository}:pull`;
    if (options.challenge === 'basic') {
      const { username, password } = options.credentials ?? { username: '', password: '' };
      if (request.headers.authorization !== `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`) {
        return end(401, { 'www-authenticate': `Basic realm="${url}/"` }, { errors: [{ code: 'UNAUTHORIZED' }] });
      }
    } else {
      const granted = tokens.get(request.headers.authorization?.replace(/^Bearer /, '') ?? '');
      if (!granted || granted.scope !== scope || granted.expiresAt <= now()) {
        return end(
          401,
          { 'www-authenticate': `Bearer realm="${url}/token",service="fake-registry",scope="${scope}"` },
          { errors: [{ code: 'UNAUTHORIZED' }] },
        );
      }
    }
    if (tag === undefined) {
      const known = Object.keys(options.manifests).some((key) => key.startsWith(`${repository}:`)) || options.tags?.[repository];
      if (!known || request.method !== 'GET') return end(404, {}, { errors: [{ code: 'NAME_UNKNOWN' }] });
      const all = [...(options.tags?.[repository] ?? [])].sort();
      const n = Math.min(Number(target.searchParams.get('n') ?? all.length) || all.length, options.maxPageSize ?? Infinity);
      const last = target.searchParams.get('last');
      const page = all.filter((name) => last === null || name > last).slice(0, n);
      const more = page.length > 0 && all.some((name) => name > page.at(-1)!);
      const next = new URLSearchParams({ n: String(target.searchParams.get('n') ?? n), last: page.at(-1) ?? '' });
      return end(200, more ? { link: `</v2/${repository}/tags/list?${next}>; rel="next"` } : {}, { name: repository, tags: page });
    }
    const manifest = options.manifests[`${repository}:${tag}`];
    const accepted = (request.headers.accept ?? '').split(',').map((type) => type.trim());
    if (!manifest || !accepted.includes(manifest.mediaType)) return end(404, {}, { errors: [{ code: 'MANIFEST_UNKNOWN' }] });
    end(200, { 'docker-content-digest': manifest.digest, 'content-type': manifest.mediaType, 'content-length': '1234' });
  });
  const listening = await listenOnLoopback(server);
  url = listening.url;
  return {
    url,
    requests,
    fail(fault, times = 1) {
      for (let i = 0; i < times; i += 1) faults.push(fault);
    },
    advance(ms) {
      skew += ms;
    },
    close: listening.close,
  };
}
