import { inspect } from 'node:util';
import type { SecretStore } from '../../../functions/core/ports';
import { AuthenticationError, ConfigurationError, TransientError } from '../../../functions/core/errors';
import {
  createContainerRegistry,
  ContainerRegistry,
  MANIFEST_MEDIA_TYPES,
  nextLink,
  parseBearerChallenge,
  retryAfterMs,
  type ContainerRegistryOptions,
} from '../../../functions/adapters/registry';
import { loadConfigText } from '../../../functions/core/configFile';
import { startDockerHubServer, type DockerHubServer } from '../../support/dockerhub-server';
import { startRealRegistry, type RealRegistry } from '../../support/real-registry';
import { startRegistryServer, type RegistryServer } from '../../support/registry-server';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const digestOf = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const everything = (error: unknown) => `${String(error)} ${inspect(error, { depth: 5 })}`;

const failureOf = (promise: Promise<unknown>): Promise<Error> =>
  promise.then(
    () => Promise.reject(new Error('expected a failure, got a success')),
    (error: Error) => error,
  );

describe('ContainerRegistry against a local Docker Hub API and registry', () => {
  let hub: DockerHubServer;
  let registry: RegistryServer;
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
  };
  const adapter = (options: Partial<ContainerRegistryOptions> = {}) =>
    new ContainerRegistry({ hubApiUrl: hub.url, registryUrl: registry.url, retry: { sleep }, ...options });

  beforeEach(async () => {
    sleeps.length = 0;
    const tags = Array.from({ length: 230 }, (_, i) => `0.${Math.floor(i / 10)}.${i % 10}`);
    hub = await startDockerHubServer({
      repositories: { 'acme/turbo-notes': [...tags, 'sha-1a2b3c4', 'latest', '1.3.0', '1.4.0-rc.1'], 'acme/private': ['1.0.0'] },
      privateRepositories: ['acme/private'],
      credentials: { username: 'robot', password: 'dckr_pat_secret_value_123' },
    });
    registry = await startRegistryServer({
      manifests: {
        'acme/turbo-notes:1.3.0': { digest: digestOf(1), mediaType: 'application/vnd.oci.image.index.v1+json' },
        'acme/turbo-notes:1.2.0': { digest: digestOf(2), mediaType: 'application/vnd.docker.distribution.manifest.v2+json' },
      },
    });
  });
  afterEach(async () => {
    await Promise.all([hub.close(), registry.close()]);
  });

  it('lists every tag, following next through all pages of 100', async () => {
    const tags = await adapter().listTags('acme/turbo-notes');

    expect(tags).toHaveLength(234);
    expect(tags).toEqual(expect.arrayContaining(['1.3.0', '1.4.0-rc.1', 'sha-1a2b3c4', '0.0.0', '0.22.9']));
    const pages = hub.requests.map((request) => request.path);
    expect(pages).toEqual([
      '/v2/namespaces/acme/repositories/turbo-notes/tags?page_size=100',
      '/v2/namespaces/acme/repositories/turbo-notes/tags?page=2&page_size=100',
      '/v2/namespaces/acme/repositories/turbo-notes/tags?page=3&page_size=100',
    ]);
  });

  it('waits out a 429 for its Retry-After, then goes on', async () => {
    hub.fail({ status: 429, retryAfter: '7' });
    const tags = await adapter().listTags('acme/turbo-notes');

    expect(tags).toHaveLength(234);
    expect(sleeps).toEqual([7000]);
  });

  it('bounds a long Retry-After, and gives up with a TransientError when 5xx persists', async () => {
    hub.fail({ status: 429, retryAfter: '3600' });
    await adapter({ maxRetryAfterMs: 20_000 }).listTags('acme/turbo-notes');
    expect(sleeps).toEqual([20_000]);

    hub.fail({ status: 503 }, 4);
    const error = await failureOf(adapter().listTags('acme/turbo-notes'));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toMatch(/listing the tags of acme\/turbo-notes failed after 4 attempts: HTTP 503/);
  });

  it('names an unknown repository, and a private one it may not read', async () => {
    expect(await failureOf(adapter().listTags('acme/nothing'))).toEqual(
      new ConfigurationError('Docker Hub has no repository acme/nothing (HTTP 404 on GET /v2/namespaces/acme/repositories/nothing/tags)'),
    );
    expect(await failureOf(adapter().listTags('acme/private'))).toBeInstanceOf(AuthenticationError);
    expect(await failureOf(adapter().listTags('Acme/Bad'))).toBeInstanceOf(ConfigurationError);
  });

  it('lists a private repository with a bearer from /v2/auth/token, fetched once', async () => {
    const withCredentials = adapter({ credentials: { username: 'robot', password: 'dckr_pat_secret_value_123' } });
    expect(await withCredentials.listTags('acme/private')).toEqual(['1.0.0']);
    expect(await withCredentials.listTags('acme/private')).toEqual(['1.0.0']);

    expect(hub.requests.filter((request) => request.path === '/v2/auth/token')).toHaveLength(1);
    expect(
      hub.requests
        .filter((request) => request.path.includes('/tags'))
        .every((request) => /^Bearer [0-9a-f]{48}$/.test(request.authorization ?? '')),
    ).toBe(true);
  });

  it('refuses wrong credentials without showing the password', async () => {
    const error = await failureOf(
      adapter({ credentials: { username: 'robot', password: 'dckr_pat_wrong_value_999' } }).listTags('acme/private'),
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(everything(error)).not.toContain('dckr_pat_wrong_value_999');
  });

  it('reads a digest through the token flow: 401, token from the realm, HEAD with the bearer and every manifest type accepted', async () => {
    const digest = await adapter().digest('acme/turbo-notes', '1.3.0');

    expect(digest).toBe(digestOf(1));
    expect(registry.requests.map((request) => `${request.method} ${request.path.split('?')[0]}`)).toEqual([
      'HEAD /v2/acme/turbo-notes/manifests/1.3.0',
      'GET /token',
      'HEAD /v2/acme/turbo-notes/manifests/1.3.0',
    ]);
    const tokenRequest = new URL(registry.requests[1]!.path, registry.url);
    expect(Object.fromEntries(tokenRequest.searchParams)).toEqual({ service: 'fake-registry', scope: 'repository:acme/turbo-notes:pull' });
    expect(registry.requests[1]!.authorization).toBeUndefined();
    expect(registry.requests[2]!.authorization).toMatch(/^Bearer /);
    for (const type of MANIFEST_MEDIA_TYPES) expect(registry.requests[2]!.accept).toContain(type);
  });

  it('keeps the token until it expires, then fetches a new one', async () => {
    let now = Date.parse('2026-11-25T10:00:00Z');
    const cached = adapter({ now: () => now });
    await cached.digest('acme/turbo-notes', '1.3.0');
    await cached.digest('acme/turbo-notes', '1.2.0');
    expect(registry.requests.filter((request) => request.path.startsWith('/token'))).toHaveLength(1);
    expect(registry.requests).toHaveLength(4);

    now += 300_000; // the token's expires_in
    registry.advance(300_000);
    expect(await cached.digest('acme/turbo-notes', '1.2.0')).toBe(digestOf(2));
    expect(registry.requests.filter((request) => request.path.startsWith('/token'))).toHaveLength(2);
  });

  it('sends basic credentials to the realm when configured, never in an error', async () => {
    await registry.close();
    registry = await startRegistryServer({
      manifests: { 'acme/turbo-notes:1.3.0': { digest: digestOf(1), mediaType: 'application/vnd.oci.image.manifest.v1+json' } },
      credentials: { username: 'robot', password: 'dckr_pat_secret_value_123' },
    });
    const good = adapter({ credentials: { username: 'robot', password: 'dckr_pat_secret_value_123' } });
    expect(await good.digest('acme/turbo-notes', '1.3.0')).toBe(digestOf(1));
    expect(registry.requests[1]!.authorization).toBe(`Basic ${Buffer.from('robot:dckr_pat_secret_value_123').toString('base64')}`);

    const error = await failureOf(
      adapter({ credentials: { username: 'robot', password: 'dckr_pat_wrong_value_999' } }).digest('acme/turbo-notes', '1.3.0'),
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toMatch(/token service refused user robot for acme\/turbo-notes \(HTTP 401\)/);
    expect(everything(error)).not.toContain('dckr_pat');
  });

  it('names a missing tag, and retries a 429 from the registry', async () => {
    expect(await failureOf(adapter().digest('acme/turbo-notes', '9.9.9'))).toEqual(
      new ConfigurationError('the registry has no tag 9.9.9 of acme/turbo-notes (HTTP 404 on HEAD /v2/acme/turbo-notes/manifests/9.9.9)'),
    );
    registry.fail({ status: 429, retryAfter: '2' });
    expect(await adapter().digest('acme/turbo-notes', '1.2.0')).toBe(digestOf(2));
    expect(sleeps).toEqual([2000]);
  });

  it('builds itself from the config, reading credentials through the SecretStore', async () => {
    const text = readFileSync(join(__dirname, '../../../turbo.config.example.yml'), 'utf8');
    const config = loadConfigText(text);
    const read: string[] = [];
    const secrets: SecretStore = {
      get: async (name) => {
        read.push(name);
        return name.endsWith('user') ? 'robot' : 'dckr_pat_secret_value_123';
      },
    };
    const imageSync = {
      ...config.imageSync,
      hubApiUrl: hub.url,
      registryUrl: registry.url,
      registryUserParameter: '/t/user',
      registryTokenParameter: '/t/token',
    };
    const built = await createContainerRegistry(secrets, imageSync);
    expect(await built.listTags('acme/private')).toEqual(['1.0.0']);
    expect(read).toEqual(['/t/user', '/t/token']);
  });
});

describe('ContainerRegistry listing tags with the registry API (hubApiUrl null) against a local OCI registry', () => {
  const TAGS = Array.from({ length: 234 }, (_, i) => `1.${Math.floor(i / 10)}.${i % 10}`);
  const CREDENTIALS = { username: 'robot', password: 'registry_secret_value_123' };
  let registry: RegistryServer;
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
  };
  const adapter = (options: Partial<ContainerRegistryOptions> = {}) =>
    new ContainerRegistry({ hubApiUrl: null, registryUrl: registry.url, retry: { sleep }, ...options });
  const serve = (options: Partial<Parameters<typeof startRegistryServer>[0]> = {}) =>
    startRegistryServer({
      manifests: { 'acme/turbo-notes:1.3.0': { digest: digestOf(1), mediaType: 'application/vnd.oci.image.manifest.v1+json' } },
      tags: { 'acme/turbo-notes': TAGS },
      // Fewer than the 100 asked for: the client must follow Link, not count tags.
      maxPageSize: 50,
      ...options,
    });
  const restart = async (options: Partial<Parameters<typeof startRegistryServer>[0]>) => {
    await registry.close();
    registry = await serve(options);
  };
  beforeEach(async () => {
    sleeps.length = 0;
    registry = await serve();
  });
  afterEach(async () => {
    await registry.close();
  });

  it('follows the Link header through every page, with one token from the challenge for all of them', async () => {
    const tags = await adapter().listTags('acme/turbo-notes');

    expect([...tags].sort()).toEqual([...TAGS].sort());
    const paths = registry.requests.map((request) => `${request.method} ${request.path.replace(/^\/token\?.*$/, '/token')}`);
    const sorted = [...TAGS].sort();
    expect(paths).toEqual([
      'GET /v2/acme/turbo-notes/tags/list?n=100',
      'GET /token',
      'GET /v2/acme/turbo-notes/tags/list?n=100',
      // Pages of 50 (the server's cap), each after the last tag of the one before, in lexical order.
      ...[49, 99, 149, 199].map((index) => `GET /v2/acme/turbo-notes/tags/list?n=100&last=${sorted[index]}`),
    ]);
    const pages = registry.requests.filter((request) => request.path.includes('/tags/list')).slice(1);
    expect(pages.every((request) => /^Bearer [\w-]+$/.test(request.authorization ?? ''))).toBe(true);
    const tokenRequest = new URL(registry.requests[1]!.path, registry.url);
    expect(Object.fromEntries(tokenRequest.searchParams)).toEqual({ service: 'fake-registry', scope: 'repository:acme/turbo-notes:pull' });

    // The token listing got also serves the digest's HEAD: no second token request.
    expect(await adapter().digest('acme/turbo-notes', '1.3.0')).toBe(digestOf(1));
    const shared = adapter();
    await shared.listTags('acme/turbo-notes');
    await shared.digest('acme/turbo-notes', '1.3.0');
    expect(registry.requests.filter((request) => request.path.startsWith('/token'))).toHaveLength(3);
  });

  it('retries a 429 (for its Retry-After) and a 503 on a page, and gives up with a TransientError when 5xx persists', async () => {
    const listing = adapter();
    await listing.listTags('acme/turbo-notes'); // holds a token now, so the faults land on pages
    registry.fail({ status: 429, retryAfter: '3' });
    registry.fail({ status: 503 });
    expect(await listing.listTags('acme/turbo-notes')).toHaveLength(234);
    expect(sleeps[0]).toBe(3000);
    expect(sleeps).toHaveLength(2);

    registry.fail({ status: 503 }, 4);
    const error = await failureOf(listing.listTags('acme/turbo-notes'));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe(
      'listing the tags of acme/turbo-notes failed after 4 attempts: HTTP 503 on GET /v2/acme/turbo-notes/tags/list',
    );
  });

  it('names an unknown repository, and a registry that sends a tags value that is not a list', async () => {
    expect(await failureOf(adapter().listTags('acme/nothing'))).toEqual(
      new ConfigurationError('the registry has no repository acme/nothing (HTTP 404 on GET /v2/acme/nothing/tags/list)'),
    );
    const odd = adapter({ fetch: async () => new Response(JSON.stringify({ name: 'acme/turbo-notes', tags: 'latest' }), { status: 200 }) });
    expect((await failureOf(odd.listTags('acme/turbo-notes'))).message).toBe(
      'the registry answered the tags of acme/turbo-notes without a tags list of names (got "latest")',
    );
    const empty = adapter({ fetch: async () => new Response(JSON.stringify({ name: 'acme/turbo-notes', tags: null }), { status: 200 }) });
    expect(await empty.listTags('acme/turbo-notes')).toEqual([]);
  });

  it('follows a next page only on the registry itself, and never the same page twice', async () => {
    const answer = (link: string) => async () =>
      new Response(JSON.stringify({ name: 'acme/turbo-notes', tags: ['1.0.0'] }), { status: 200, headers: { link } });
    const away = adapter({ fetch: answer('<https://elsewhere.example/v2/acme/turbo-notes/tags/list?n=100&last=1.0.0>; rel="next"') });
    expect((await failureOf(away.listTags('acme/turbo-notes'))).message).toBe(
      `the next page of acme/turbo-notes's tags points away from ${registry.url} (got https://elsewhere.example)`,
    );
    const loop = adapter({ fetch: answer('</v2/acme/turbo-notes/tags/list?n=100>; rel="next"') });
    expect((await failureOf(loop.listTags('acme/turbo-notes'))).message).toMatch(/named the same page again/);
    const endless = adapter({ maxPages: 3, fetch: async (url) => answer(`<${String(url)}&x=1>; rel="next"`)() });
    expect((await failureOf(endless.listTags('acme/turbo-notes'))).message).toBe(
      'acme/turbo-notes has more tags than 3 pages hold; Turbo reads at most 3 pages',
    );
  });

  it('sends the registry credentials to the token realm as basic auth, and never shows them in an error', async () => {
    await restart({ credentials: CREDENTIALS });
    expect(await adapter({ credentials: CREDENTIALS }).listTags('acme/turbo-notes')).toHaveLength(234);
    expect(registry.requests[1]!.authorization).toBe(`Basic ${Buffer.from('robot:registry_secret_value_123').toString('base64')}`);

    const wrongCredentials = adapter({ credentials: { username: 'robot', password: 'registry_wrong_value_999' } });
    const error = await failureOf(wrongCredentials.listTags('acme/turbo-notes'));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toBe("the registry's token service refused user robot for acme/turbo-notes (HTTP 401)");
    expect(everything(error)).not.toContain('registry_wrong_value_999');
  });

  it('answers a Basic challenge (as ECR does) with the credentials, and says what to configure without them', async () => {
    await restart({ challenge: 'basic', credentials: CREDENTIALS });
    const registryWithCredentials = adapter({ credentials: CREDENTIALS });
    expect(await registryWithCredentials.listTags('acme/turbo-notes')).toHaveLength(234);
    expect(await registryWithCredentials.digest('acme/turbo-notes', '1.3.0')).toBe(digestOf(1));
    // One 401 to learn the scheme, then the credentials go with every request.
    expect(registry.requests.filter((request) => request.authorization === undefined)).toHaveLength(1);

    const error = await failureOf(adapter().listTags('acme/turbo-notes'));
    expect(error).toEqual(
      new AuthenticationError(
        'the registry wants basic credentials for acme/turbo-notes: set registryUserParameter and registryTokenParameter',
      ),
    );
    const wrongCredentials = adapter({ credentials: { username: 'robot', password: 'registry_wrong_value_999' } });
    const wrong = await failureOf(wrongCredentials.listTags('acme/turbo-notes'));
    expect(wrong).toEqual(
      new AuthenticationError(
        'the registry refused the credentials of user robot for acme/turbo-notes (HTTP 401 on GET /v2/acme/turbo-notes/tags/list)',
      ),
    );
    expect(everything(wrong)).not.toContain('registry_wrong_value_999');
  });

  it('is what the config builds when hubApiUrl is null or registryUrl is not Docker Hub', async () => {
    const text = readFileSync(join(__dirname, '../../../turbo.config.example.yml'), 'utf8');
    const secrets: SecretStore = { get: async () => 'unused' };
    const withRegistry = (imageSync: string) => loadConfigText(text.replace(/^imageSync:.*$/m, `imageSync:\n${imageSync}`)).imageSync;
    const built = await createContainerRegistry(secrets, withRegistry(`  registryUrl: ${registry.url}`));
    expect(await built.listTags('acme/turbo-notes')).toHaveLength(234);
    expect(registry.requests.some((request) => request.path.includes('/tags/list'))).toBe(true);
  });
});

describe('registry header parsing', () => {
  it('reads the next link of an RFC 5988 Link header, relative or absolute, among other links', () => {
    expect(nextLink('</v2/acme/turbo-notes/tags/list?n=100&last=1.2.0>; rel="next"')).toBe(
      '/v2/acme/turbo-notes/tags/list?n=100&last=1.2.0',
    );
    expect(nextLink('<https://r.example/v2/a/b/tags/list?last=x&n=2>; rel=next')).toBe('https://r.example/v2/a/b/tags/list?last=x&n=2');
    expect(nextLink('</first>; rel="first", </page2>; title="p, 2"; rel="prev next"')).toBe('/page2');
    expect(nextLink('</prev>; rel="prev"')).toBeUndefined();
    expect(nextLink(null)).toBeUndefined();
  });

  it('reads a Bearer challenge and refuses anything else', () => {
    expect(
      parseBearerChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"'),
    ).toEqual({
      realm: 'https://auth.example/token',
      service: 'registry.example',
      scope: 'repository:a/b:pull',
    });
    expect(parseBearerChallenge('Basic realm="x"')).toBeUndefined();
    expect(parseBearerChallenge('Bearer service="x"')).toBeUndefined();
    expect(parseBearerChallenge(null)).toBeUndefined();
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-25T10:00:00Z');
    expect(retryAfterMs('12', now)).toBe(12_000);
    expect(retryAfterMs('Wed, 25 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});

describe('ContainerRegistry against a real registry (docker-registry + skopeo)', () => {
  let real: RealRegistry;
  beforeAll(async () => {
    real = await startRealRegistry();
  }, 60_000);
  afterAll(async () => {
    await real?.stop();
  });

  it('lists the tags skopeo pushed through the registry API (hubApiUrl null), as the config builds it', async () => {
    const tags = ['0.9.0', '1.0.0', '1.0.1', '2.0.0-rc.1', 'sha-0a1b2c3'];
    await real.push('acme/turbo-listed', tags);
    const config = loadConfigText(readFileSync(join(__dirname, '../../../turbo.config.example.yml'), 'utf8'));
    expect(config.imageSync.hubApiUrl).toBe('https://hub.docker.com');
    const imageSync = { ...config.imageSync, hubApiUrl: null, registryUrl: real.url };
    const registry = await createContainerRegistry({ get: async () => 'unused' }, imageSync);

    expect([...(await registry.listTags('acme/turbo-listed'))].sort()).toEqual([...tags].sort());
    await expect(registry.listTags('acme/never-pushed')).rejects.toThrow(
      new ConfigurationError('the registry has no repository acme/never-pushed (HTTP 404 on GET /v2/acme/never-pushed/tags/list)'),
    );
  }, 60_000);

  it('reads the digests skopeo pushed, by HEAD, and the registry lists the tags', async () => {
    const tags = ['1.2.0', '1.3.0', 'sha-1a2b3c4'];
    const pushed = await real.push('acme/turbo-notes', tags);
    // The adapter's hub API is not this registry's: digests are what this test reads from it.
    const adapter = new ContainerRegistry({ hubApiUrl: 'http://127.0.0.1:9', registryUrl: real.url });

    for (const tag of tags) {
      const digest = await adapter.digest('acme/turbo-notes', tag);
      expect(digest).toBe(pushed[tag]);
      expect(digest).toBe(await real.inspectDigest('acme/turbo-notes', tag));
    }
    expect(new Set(Object.values(pushed)).size).toBe(3);
    const listed = (await (await fetch(`${real.url}/v2/acme/turbo-notes/tags/list`)).json()) as { name: string; tags: string[] };
    expect(listed.name).toBe('acme/turbo-notes');
    expect([...listed.tags].sort()).toEqual([...tags].sort());
    await expect(adapter.digest('acme/turbo-notes', '9.9.9')).rejects.toThrow(ConfigurationError);
  }, 60_000);

  it('resolves a multi-arch tag (amd64 and arm64, as the image pipeline pushes it) to the digest of its index', async () => {
    const pushed = await real.push('acme/turbo-multiarch', ['1.4.0'], { platforms: ['amd64', 'arm64'] });
    const adapter = new ContainerRegistry({ hubApiUrl: 'http://127.0.0.1:9', registryUrl: real.url });
    const digest = await adapter.digest('acme/turbo-multiarch', '1.4.0');
    // The index, not one platform's manifest: a pin by it pulls the right image on amd64 and on Graviton nodes.
    expect(digest).toBe(pushed['1.4.0']);
    expect(digest).toBe(await real.inspectDigest('acme/turbo-multiarch', '1.4.0'));
    const index = await fetch(`${real.url}/v2/acme/turbo-multiarch/manifests/${digest}`, {
      headers: { accept: 'application/vnd.oci.image.index.v1+json' },
    });
    expect(index.headers.get('content-type')).toBe('application/vnd.oci.image.index.v1+json');
    const body = (await index.json()) as { manifests: { platform: { architecture: string } }[] };
    expect(body.manifests.map((manifest) => manifest.platform.architecture)).toEqual(['amd64', 'arm64']);
  }, 60_000);
});
