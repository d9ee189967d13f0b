import { inspect } from 'node:util';
import { AuthenticationError, ConfigurationError, TransientError, type SecretStore } from '../../../functions/adapters/ports';
import {
  createDockerHubRegistry,
  DockerHubRegistry,
  MANIFEST_MEDIA_TYPES,
  parseBearerChallenge,
  retryAfterMs,
  type DockerHubRegistryOptions,
} from '../../../functions/adapters/registry';
import { loadConfigText } from '../../../functions/core/config';
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

describe('DockerHubRegistry against a local Docker Hub API and registry', () => {
  let hub: DockerHubServer;
  let registry: RegistryServer;
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
  };
  const adapter = (options: Partial<DockerHubRegistryOptions> = {}) =>
    new DockerHubRegistry({ hubApiUrl: hub.url, registryUrl: registry.url, retry: { sleep }, ...options });

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
    expect(await failureOf(adapter().listTags('acme/nothing'))).toEqual(new ConfigurationError('Docker Hub has no repository acme/nothing (HTTP 404 on GET /v2/namespaces/acme/repositories/nothing/tags)'));
    expect(await failureOf(adapter().listTags('acme/private'))).toBeInstanceOf(AuthenticationError);
    expect(await failureOf(adapter().listTags('Acme/Bad'))).toBeInstanceOf(ConfigurationError);
  });

  it('lists a private repository with a bearer from /v2/auth/token, fetched once', async () => {
    const withCredentials = adapter({ credentials: { username: 'robot', password: 'dckr_pat_secret_value_123' } });
    expect(await withCredentials.listTags('acme/private')).toEqual(['1.0.0']);
    expect(await withCredentials.listTags('acme/private')).toEqual(['1.0.0']);

    expect(hub.requests.filter((request) => request.path === '/v2/auth/token')).toHaveLength(1);
    expect(hub.requests.filter((request) => request.path.includes('/tags')).every((request) => /^Bearer [0-9a-f]{48}$/.test(request.authorization ?? ''))).toBe(true);
  });

  it('refuses wrong credentials without showing the password', async () => {
    const error = await failureOf(adapter({ credentials: { username: 'robot', password: 'dckr_pat_wrong_value_999' } }).listTags('acme/private'));
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

    const error = await failureOf(adapter({ credentials: { username: 'robot', password: 'dckr_pat_wrong_value_999' } }).digest('acme/turbo-notes', '1.3.0'));
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
    const imageSync = { ...config.imageSync, hubApiUrl: hub.url, registryUrl: registry.url, registryUserParameter: '/t/user', registryTokenParameter: '/t/token' };
    const built = await createDockerHubRegistry(secrets, imageSync);
    expect(await built.listTags('acme/private')).toEqual(['1.0.0']);
    expect(read).toEqual(['/t/user', '/t/token']);
  });
});

describe('registry header parsing', () => {
  it('reads a Bearer challenge and refuses anything else', () => {
    expect(parseBearerChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"')).toEqual({
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

describe('DockerHubRegistry against a real registry (docker-registry + skopeo)', () => {
  let real: RealRegistry;
  beforeAll(async () => {
    real = await startRealRegistry();
  }, 60_000);
  afterAll(async () => {
    await real?.stop();
  });

  it('reads the digests skopeo pushed, by HEAD, and the registry lists the tags', async () => {
    const tags = ['1.2.0', '1.3.0', 'sha-1a2b3c4'];
    const pushed = await real.push('acme/turbo-notes', tags);
    // The adapter's hub API is not this registry's: digests are what this test reads from it.
    const adapter = new DockerHubRegistry({ hubApiUrl: 'http://127.0.0.1:9', registryUrl: real.url });

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
});
