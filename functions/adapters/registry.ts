/**
 * The image registry: tags from Docker Hub's hub API or from the registry's own API, digests from the registry.
 * - Tags, Docker Hub (`hubApiUrl` set): `GET {hubApiUrl}/v2/namespaces/{ns}/repositories/{name}/tags?page_size=100`,
 *   answered with `{ count, next, previous, results: [{ name, digest, ... }] }`; `next` (an absolute URL or null) is
 *   followed. With credentials, a bearer from `POST {hubApiUrl}/v2/auth/token` `{ identifier, secret }` (10 minutes).
 * - Tags, any OCI registry (`hubApiUrl` null: ECR, GHCR, Harbor, the distribution registry): the distribution spec's
 *   `GET {registryUrl}/v2/{name}/tags/list?n=100`, answered with `{ name, tags }`. More pages are announced by an
 *   RFC 5988 `Link: <...?n=100&last=...>; rel="next"` header (often a relative URL), and none by its absence.
 * - Digests: `HEAD {registryUrl}/v2/{ns}/{name}/manifests/{tag}` accepting OCI and Docker manifests and indexes;
 *   the digest is the `Docker-Content-Digest` header. HEADs do not count against Docker Hub's pull limits.
 * - The registry's token flow, for tag lists and HEADs alike: a 401 with `WWW-Authenticate: Bearer realm=...,
 *   service=...,scope=...` -> GET the realm with service and scope (anonymous, or basic auth with the registry
 *   credentials) -> `{ token, expires_in, issued_at }`, kept until it expires -> the request again with the bearer.
 *   A registry that challenges with `Basic` (ECR's, some Harbors) gets the credentials themselves.
 * - 429 waits out its Retry-After (bounded), 5xx and network failures back off; what outlasts the retries is a
 *   TransientError. No token or password ever goes into an error.
 */
import type { TurboConfig } from '../core/config';
import type { Registry, SecretStore } from '../core/ports';
import { AuthenticationError, ConfigurationError, TransientError } from '../core/errors';
import { withRetry, RetryableError } from './retry';

export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

const REPOSITORY = /^([a-z0-9]+(?:[._-][a-z0-9]+)*)\/([a-z0-9]+(?:[._-][a-z0-9]+)*)$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** The distribution spec's default when a token answer has no expires_in. */
const DEFAULT_TOKEN_SECONDS = 60;
/** A token is dropped this long before it expires, so that it cannot expire in flight. */
const TOKEN_MARGIN_MS = 5_000;
/** Docker Hub's access tokens from /v2/auth/token live 10 minutes. */
const HUB_TOKEN_TTL_MS = 9 * 60_000;
/** Tags asked for per page, from either API. */
const PAGE_SIZE = 100;

export interface RegistryCredentials {
  username: string;
  /** A personal access token (or password). */
  password: string;
}

export interface ContainerRegistryOptions {
  /** Docker Hub's hub API, which lists Docker Hub's tags; null: the registry lists its own tags (tags/list). */
  hubApiUrl: string | null;
  registryUrl: string;
  credentials?: RegistryCredentials;
  fetch?: typeof fetch;
  /** Per request. */
  timeoutMs?: number;
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number; sleep?: (ms: number) => Promise<void> };
  /** The longest Retry-After honoured; a longer one is cut to this. */
  maxRetryAfterMs?: number;
  /** Pages of 100 tags read at most (a registry may send fewer a page, so this bounds requests, not tags). */
  maxPages?: number;
  now?: () => number;
}

interface CachedToken {
  /** The Authorization header's value. */
  value: string;
  expiresAt: number;
}

interface BearerChallenge {
  realm: string;
  service?: string;
  scope?: string;
}

export class ContainerRegistry implements Registry {
  private readonly hubApiUrl: URL | undefined;
  private readonly registryUrl: URL;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly maxPages: number;
  private readonly maxRetryAfterMs: number;
  private readonly retry: { attempts: number; baseDelayMs: number; maxDelayMs: number; sleep?: (ms: number) => Promise<void> };
  /** Authorization headers for the registry by repository (a token's scope); the Hub API's under the key `hub`. */
  private readonly tokens = new Map<string, CachedToken>();

  constructor(private readonly options: ContainerRegistryOptions) {
    this.hubApiUrl = options.hubApiUrl === null ? undefined : baseUrl(options.hubApiUrl, 'hubApiUrl');
    this.registryUrl = baseUrl(options.registryUrl, 'registryUrl');
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.maxPages = options.maxPages ?? 20;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
    this.retry = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8_000, ...options.retry };
  }

  async listTags(repository: string): Promise<string[]> {
    const [namespace, name] = splitRepository(repository);
    const hub = this.hubApiUrl;
    const first = hub
      ? new URL(`v2/namespaces/${namespace}/repositories/${name}/tags?page_size=${PAGE_SIZE}`, hub)
      : new URL(`v2/${namespace}/${name}/tags/list?n=${PAGE_SIZE}`, this.registryUrl);
    const tags: string[] = [];
    let next: string | null = first.toString();
    for (let page = 1; next !== null; page += 1) {
      if (page > this.maxPages) {
        throw new Error(`${repository} has more tags than ${this.maxPages} pages hold; Turbo reads at most ${this.maxPages} pages`);
      }
      const url: string = next;
      const read = () => (hub ? this.hubGet(url, repository) : this.registryTags(url, repository));
      const body = await this.retrying(`listing the tags of ${repository}`, read);
      tags.push(...body.tags);
      // A next page may be relative to this one (the distribution registry's are).
      const nextUrl = body.next === null ? null : new URL(body.next, url).toString();
      const what = `the next page of ${repository}'s tags`;
      next = nextUrl === null ? null : this.sameOrigin(nextUrl, hub ?? this.registryUrl, what).toString();
      if (next === url) throw new Error(`the registry named the same page again as the next page of ${repository}'s tags (${pathOf(url)})`);
    }
    return tags;
  }

  async digest(repository: string, tag: string): Promise<string> {
    const [namespace, name] = splitRepository(repository);
    if (!TAG.test(tag)) throw new ConfigurationError(`image tag must match ${TAG.source} (got ${JSON.stringify(tag)})`);
    const url = new URL(`v2/${namespace}/${name}/manifests/${tag}`, this.registryUrl).toString();
    return this.retrying(`reading the digest of ${repository}:${tag}`, async () => {
      const head = { method: 'HEAD', headers: { accept: MANIFEST_MEDIA_TYPES.join(', ') } };
      const response = await this.registryExchange(url, repository, head);
      await response.body?.cancel();
      if (response.status === 404)
        throw new ConfigurationError(`the registry has no tag ${tag} of ${repository} (HTTP 404 on HEAD ${pathOf(url)})`);
      if (response.status !== 200) throw new Error(`the registry answered HTTP ${response.status} to HEAD ${pathOf(url)}`);
      const digest = response.headers.get('docker-content-digest');
      if (!digest || !DIGEST.test(digest)) {
        throw new Error(`the registry answered HEAD ${pathOf(url)} without a sha256 Docker-Content-Digest (got ${JSON.stringify(digest)})`);
      }
      return digest;
    });
  }

  /** One page of the distribution spec's tag list, and the next page's URL from its Link header. */
  private async registryTags(url: string, repository: string): Promise<{ tags: string[]; next: string | null }> {
    const response = await this.registryExchange(url, repository, { headers: { accept: 'application/json' } });
    if (response.status === 404) {
      await response.body?.cancel();
      throw new ConfigurationError(`the registry has no repository ${repository} (HTTP 404 on GET ${pathOf(url)})`);
    }
    const body = (await readJson(response, `the tags of ${repository}`)) as { tags?: unknown };
    // The distribution registry answers `"tags": null` for a repository whose tags were all deleted.
    const tags = body.tags ?? [];
    if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string')) {
      const got = JSON.stringify(body.tags)?.slice(0, 100);
      throw new Error(`the registry answered the tags of ${repository} without a tags list of names (got ${got})`);
    }
    return { tags, next: nextLink(response.headers.get('link')) ?? null };
  }

  /**
   * A request to the registry with the token flow: the cached authorization first; on a 401, a new one from the
   * challenge, and the request once more. A second 401 or a 403 is an AuthenticationError.
   */
  private async registryExchange(url: string, repository: string, init: RequestInit): Promise<Response> {
    const send = async (authorization: string | undefined) =>
      this.send(url, { ...init, headers: { ...(init.headers as Record<string, string>), ...(authorization ? { authorization } : {}) } });
    const at = `${init.method ?? 'GET'} ${pathOf(url)}`;
    let response = await send(this.cachedAuthorization(repository));
    if (response.status === 401) {
      await response.body?.cancel();
      const authorization = await this.registryAuthorization(repository, response.headers.get('www-authenticate'));
      response = await send(authorization);
      if (response.status === 401) {
        await response.body?.cancel();
        this.tokens.delete(repository);
        const refused = authorization.startsWith('Basic')
          ? `the credentials of user ${this.options.credentials?.username}`
          : 'its own token';
        throw new AuthenticationError(`the registry refused ${refused} for ${repository} (HTTP 401 on ${at})`);
      }
    }
    if (response.status === 403) {
      await response.body?.cancel();
      throw new AuthenticationError(`the registry refused ${at} (HTTP 403): check the registry credentials`);
    }
    return response;
  }

  private async hubGet(url: string, repository: string): Promise<{ tags: string[]; next: string | null }> {
    const authorization = this.options.credentials ? await this.hubAuthorization() : undefined;
    const response = await this.send(url, { headers: { accept: 'application/json', ...(authorization ? { authorization } : {}) } });
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      this.tokens.delete('hub');
      throw new AuthenticationError(
        `Docker Hub refused to list the tags of ${repository} (HTTP ${response.status}): is it private, and are the registry credentials right?`,
      );
    }
    if (response.status === 404) {
      await response.body?.cancel();
      throw new ConfigurationError(`Docker Hub has no repository ${repository} (HTTP 404 on GET ${pathOf(url)})`);
    }
    const body = (await readJson(response, `the tags of ${repository}`)) as { results?: unknown; next?: unknown };
    const results = body.results;
    if (!Array.isArray(results) || !results.every((tag) => typeof (tag as { name?: unknown })?.name === 'string')) {
      throw new Error(`Docker Hub answered the tags of ${repository} without a results list of named tags`);
    }
    if (body.next !== undefined && body.next !== null && typeof body.next !== 'string') {
      throw new Error(`Docker Hub answered the tags of ${repository} with a next that is not a URL (got ${JSON.stringify(body.next)})`);
    }
    return { tags: (results as Array<{ name: string }>).map((tag) => tag.name), next: (body.next as string | null | undefined) ?? null };
  }

  private async hubAuthorization(): Promise<string> {
    const cached = this.cachedAuthorization('hub');
    if (cached) return cached;
    const { username, password } = this.options.credentials!;
    const response = await this.send(new URL('v2/auth/token', this.hubApiUrl!).toString(), {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ identifier: username, secret: password }),
    });
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw new AuthenticationError(`Docker Hub refused the registry credentials of user ${username} (HTTP ${response.status})`);
    }
    const { access_token: token } = (await readJson(response, 'a Docker Hub access token')) as { access_token?: unknown };
    if (typeof token !== 'string' || !token) throw new Error('Docker Hub answered /v2/auth/token without an access_token');
    const bearer = `Bearer ${token}`;
    this.tokens.set('hub', { value: bearer, expiresAt: this.now() + HUB_TOKEN_TTL_MS });
    return bearer;
  }

  /** A fresh Authorization for `repository`: a bearer from the realm the registry's challenge names, or basic auth. */
  private async registryAuthorization(repository: string, header: string | null): Promise<string> {
    const credentials = this.options.credentials;
    const basic = credentials ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` : undefined;
    if (header && /^basic\b/i.test(header)) {
      if (!basic) {
        const missing = 'set registryUserParameter and registryTokenParameter';
        throw new AuthenticationError(`the registry wants basic credentials for ${repository}: ${missing}`);
      }
      this.tokens.set(repository, { value: basic, expiresAt: Infinity });
      return basic;
    }
    const challenge = parseBearerChallenge(header);
    if (!challenge) {
      throw new AuthenticationError(
        `the registry asked for authentication without a Bearer challenge (WWW-Authenticate ${JSON.stringify(header?.slice(0, 60) ?? null)})`,
      );
    }
    const realm = this.sameOrigin(challenge.realm, undefined, 'the token realm');
    realm.searchParams.set('scope', challenge.scope ?? `repository:${repository}:pull`);
    if (challenge.service) realm.searchParams.set('service', challenge.service);
    const headers = { accept: 'application/json', ...(basic ? { authorization: basic } : {}) };
    const response = await this.send(realm.toString(), { headers });
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw new AuthenticationError(
        `the registry's token service refused ${credentials ? `user ${credentials.username}` : 'an anonymous request'} for ${repository} (HTTP ${response.status})`,
      );
    }
    const body = (await readJson(response, `a registry token for ${repository}`)) as {
      token?: unknown;
      access_token?: unknown;
      expires_in?: unknown;
      issued_at?: unknown;
    };
    const token = typeof body.token === 'string' && body.token ? body.token : body.access_token;
    if (typeof token !== 'string' || !token) throw new Error(`the registry's token service answered without a token for ${repository}`);
    const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_SECONDS;
    // Never later than our own clock says: a token service whose clock runs ahead must not make us keep a dead token.
    const issuedAt = Math.min(this.now(), Date.parse(String(body.issued_at)) || Infinity);
    const bearer = `Bearer ${token}`;
    this.tokens.set(repository, { value: bearer, expiresAt: issuedAt + seconds * 1000 });
    return bearer;
  }

  private cachedAuthorization(key: string): string | undefined {
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt - TOKEN_MARGIN_MS > this.now()) return cached.value;
    this.tokens.delete(key);
    return undefined;
  }

  /** One exchange; 429, 5xx and network failures become retryable. */
  private async send(url: string, init: RequestInit): Promise<Response> {
    const at = `${init.method ?? 'GET'} ${pathOf(url)}`;
    let response: Response;
    try {
      response = await this.fetch(url, { ...init, redirect: 'follow', signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new RetryableError(`${at} failed: ${networkFailureOf(error, this.timeoutMs)}`, undefined, { cause: error });
    }
    if (response.status === 429 || response.status >= 500) {
      await response.body?.cancel();
      throw new RetryableError(`HTTP ${response.status} on ${at}`, retryAfterMs(response.headers.get('retry-after'), this.now()));
    }
    return response;
  }

  private async retrying<T>(doing: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(operation, {
        ...this.retry,
        isRetryable: (error) => error instanceof RetryableError,
        requestedDelayMs: (error) => Math.min((error as RetryableError).retryAfterMs ?? 0, this.maxRetryAfterMs),
      });
    } catch (error) {
      if (error instanceof RetryableError)
        throw new TransientError(`${doing} failed after ${this.retry.attempts} attempts: ${error.message}`, { cause: error });
      throw error;
    }
  }

  /**
   * A URL the service handed us. Next pages must stay on the origin of the API that lists them (our credentials go
   * there); a token realm may be another host, but never plain http unless the registry itself is.
   */
  private sameOrigin(value: string, origin: URL | undefined, what: string): URL {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error(`${what} is not a URL (got ${JSON.stringify(value.slice(0, 100))})`);
    }
    if (origin && url.origin !== origin.origin) throw new Error(`${what} points away from ${origin.origin} (got ${url.origin})`);
    if (!origin && url.protocol !== 'https:' && url.protocol !== this.registryUrl.protocol) {
      throw new Error(`${what} must be https (got ${url.origin})`);
    }
    return url;
  }
}

/** The registry of the config's imageSync block, with its credentials read from their parameters when set. */
export async function createContainerRegistry(
  secrets: SecretStore,
  config: TurboConfig['imageSync'],
  options: Partial<ContainerRegistryOptions> = {},
): Promise<ContainerRegistry> {
  const { registryUserParameter, registryTokenParameter } = config;
  const credentials =
    registryUserParameter && registryTokenParameter
      ? { username: await secrets.get(registryUserParameter), password: await secrets.get(registryTokenParameter) }
      : undefined;
  return new ContainerRegistry({ hubApiUrl: config.hubApiUrl, registryUrl: config.registryUrl, credentials, ...options });
}

function baseUrl(value: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(`imageSync.${field} is not a URL (got ${JSON.stringify(value)})`);
  }
  if (!/^https?:$/.test(url.protocol) || url.username || url.password) {
    throw new ConfigurationError(`imageSync.${field} must be an http(s) URL without credentials (got ${url.protocol}//${url.host})`);
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

function splitRepository(repository: string): [string, string] {
  const match = REPOSITORY.exec(repository);
  if (!match)
    throw new ConfigurationError(`image repository must be namespace/name such as acme/turbo-notes (got ${JSON.stringify(repository)})`);
  return [match[1]!, match[2]!];
}

/** `Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"` */
export function parseBearerChallenge(header: string | null): BearerChallenge | undefined {
  if (!header || !/^bearer\s/i.test(header)) return undefined;
  const params = Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1]!.toLowerCase(), match[2]!]));
  if (!params.realm) return undefined;
  return { realm: params.realm, service: params.service, scope: params.scope };
}

/**
 * The target of an RFC 5988 `Link` header's `rel="next"` link, as written (it may be relative), or undefined.
 * `</v2/a/b/tags/list?last=1.2.0&n=100>; rel="next"`, possibly among other links separated by commas.
 */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const [, target, params] of header.matchAll(/<([^>]*)>\s*((?:;\s*(?:[^;,"]|"[^"]*")+)*)/g)) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))/i.exec(params ?? '');
    if (rel && (rel[1] ?? rel[2] ?? '').toLowerCase().split(/\s+/).includes('next')) return target;
  }
  return undefined;
}

/** Retry-After in seconds or as an HTTP date. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function pathOf(url: string): string {
  return new URL(url).pathname;
}

async function readJson(response: Response, what: string): Promise<unknown> {
  const text = await response.text();
  if (response.status !== 200) throw new Error(`HTTP ${response.status} reading ${what}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what} is not JSON (HTTP ${response.status})`);
  }
}

function networkFailureOf(error: unknown, timeoutMs: number): string {
  const failure = error as { name?: string; cause?: { code?: string; message?: string } };
  if (failure?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  return failure?.cause?.code ?? failure?.cause?.message ?? failure?.name ?? 'network failure';
}
