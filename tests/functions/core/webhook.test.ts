import {
  executionNameFor,
  MAX_WEBHOOK_BODY_BYTES,
  parseWebhookBody,
  pushChangesNothing,
  tokenMatches,
} from '../../../functions/core/webhook';

/** A Docker Hub push payload as documented (docs.docker.com/docker-hub/repos/manage/webhooks/). */
const dockerHubPayload = {
  callback_url: 'https://registry.hub.example/u/acme/turbo-notes/hook/2141b5bi5i5b02bec211i4eeih0242eg11000a/',
  push_data: { pushed_at: 1764064800, pusher: 'acme-ci', tag: '1.3.0' },
  repository: {
    comment_count: 0,
    date_created: 1700000000,
    description: '',
    is_official: false,
    is_private: false,
    name: 'turbo-notes',
    namespace: 'acme',
    owner: 'acme',
    repo_name: 'acme/turbo-notes',
    star_count: 0,
    status: 'Active',
  },
};

/**
 * Docker Hub's payload as it really arrives: the repository's README (full_description, up to 25,000 characters)
 * and its Dockerfile ride along with every push.
 */
function realisticDockerHubPayload() {
  const section = (n: number) =>
    `## Section ${n}\n\nTurbo Notes keeps short notes in MongoDB. Zoë's café notes: naïve façade, 東京の開発者向けのメモ, ` +
    `\`kubectl rollout status deployment/frontend\` and a table:\n\n| key | value |\n|---|---|\n| tab\there | ✓ |\n\n`;
  let readme = '# acme/turbo-notes\n\n';
  for (let n = 1; readme.length < 25_000; n += 1) readme += section(n);
  const dockerfile = [
    '# syntax=docker/dockerfile:1',
    'FROM node:22-alpine AS build',
    'WORKDIR /app',
    'COPY package.json package-lock.json ./',
    'RUN npm ci --omit=dev --no-audit --no-fund',
    'COPY . .',
    'FROM node:22-alpine',
    'ENV NODE_ENV=production',
    'COPY --from=build /app /app',
    'USER node',
    'EXPOSE 8080',
    'CMD ["node", "server.js"]',
  ].join('\n');
  return {
    ...dockerHubPayload,
    repository: {
      ...dockerHubPayload.repository,
      full_description: readme.slice(0, 25_000),
      dockerfile,
      repo_url: 'https://hub.example/r/acme/turbo-notes',
    },
  };
}

describe('tokenMatches', () => {
  it('accepts only the exact token', () => {
    const token = 'f3a1c9e0b7d24e6f8a5b3c1d9e7f0a2b4c6d8e0f1a3b5c7d';
    expect(tokenMatches(token, token)).toBe(true);
    expect(tokenMatches(`${token}x`, token)).toBe(false);
    expect(tokenMatches(token.slice(0, -1), token)).toBe(false);
    expect(tokenMatches(undefined, token)).toBe(false);
    expect(tokenMatches('', token)).toBe(false);
    expect(tokenMatches('anything', '')).toBe(false);
  });
});

describe('parseWebhookBody', () => {
  it("reads Docker Hub's payload and the pipeline's", () => {
    expect(parseWebhookBody(JSON.stringify(dockerHubPayload), false)).toEqual({
      ok: true,
      push: { repository: 'acme/turbo-notes', tag: '1.3.0', pushed: '1764064800', source: 'dockerhub' },
    });
    expect(parseWebhookBody('{"repository":"acme/turbo-mongo","tag":"1.3.0"}', false)).toEqual({
      ok: true,
      push: { repository: 'acme/turbo-mongo', tag: '1.3.0', source: 'pipeline' },
    });
    const base64 = Buffer.from('{"repository":"acme/turbo-mongo","tag":"1.3.0"}').toString('base64');
    expect(parseWebhookBody(base64, true)).toMatchObject({ ok: true, push: { repository: 'acme/turbo-mongo' } });
  });

  it("accepts a real Docker Hub payload: a 25,000-character README (Docker Hub's limit) and the Dockerfile", () => {
    const payload = realisticDockerHubPayload();
    expect(payload.repository.full_description).toHaveLength(25_000);
    const body = JSON.stringify(payload);
    expect(Buffer.byteLength(body)).toBeGreaterThan(30_000); // the README's non-ASCII text takes 2 or 3 bytes a character
    expect(parseWebhookBody(body, false)).toEqual({
      ok: true,
      push: { repository: 'acme/turbo-notes', tag: '1.3.0', pushed: '1764064800', source: 'dockerhub' },
    });
    // As API Gateway hands it over when it base64-encodes the body.
    expect(parseWebhookBody(Buffer.from(body).toString('base64'), true)).toMatchObject({ ok: true });
  });

  it('accepts the worst case of that README, every character escaped as \\uXXXX', () => {
    const payload = realisticDockerHubPayload();
    const escaped = JSON.stringify(payload).replace(/"full_description":"[^"]*"/, `"full_description":"${'\\u0009'.repeat(25_000)}"`);
    expect(Buffer.byteLength(escaped)).toBeGreaterThan(150_000);
    expect(parseWebhookBody(escaped, false)).toMatchObject({ ok: true });
  });

  it('refuses a truly oversized body with 413, saying how large it is and what the limit is', () => {
    const big = JSON.stringify({ ...realisticDockerHubPayload(), padding: 'x'.repeat(MAX_WEBHOOK_BODY_BYTES) });
    expect(parseWebhookBody(big, false)).toEqual({
      ok: false,
      status: 413,
      message:
        `the body is ${Buffer.byteLength(big)} bytes; a push notification is at most ${MAX_WEBHOOK_BODY_BYTES} bytes, ` +
        'a Docker Hub payload with its README and Dockerfile included',
    });
    // API Gateway HTTP APIs refuse bodies over 10 MB themselves: the function's own limit must be the lower one.
    expect(MAX_WEBHOOK_BODY_BYTES).toBeLessThan(10 * 1024 * 1024);
  });

  it("reads what tells one push from another: Docker Hub's pushed_at, the pipeline's digest", () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    expect(parseWebhookBody(JSON.stringify({ repository: 'acme/turbo-mongo', tag: '1.3.0', digest }), false)).toEqual({
      ok: true,
      push: { repository: 'acme/turbo-mongo', tag: '1.3.0', pushed: digest, source: 'pipeline' },
    });
    expect(parseWebhookBody(JSON.stringify({ ...dockerHubPayload, push_data: { tag: '1.3.0', pushed_at: 'yesterday' } }), false)).toEqual({
      ok: false,
      status: 400,
      message: 'push_data.pushed_at must be a Unix time in seconds such as 1764064800 (got "yesterday")',
    });
    expect(parseWebhookBody('{"repository":"acme/turbo-mongo","tag":"1.3.0","digest":"sha256:12"}', false)).toEqual({
      ok: false,
      status: 400,
      message: 'digest must be a digest such as sha256:<64 hex digits> (got "sha256:12")',
    });
  });

  it('refuses malformed or misshapen bodies with 400, naming the field and the value', () => {
    expect(parseWebhookBody(undefined, false)).toMatchObject({
      ok: false,
      status: 400,
      message: expect.stringContaining('the body is empty'),
    });
    expect(parseWebhookBody('{"repository": ', false)).toMatchObject({
      ok: false,
      status: 400,
      message: expect.stringMatching(/^the body is not valid JSON \(/),
    });
    expect(parseWebhookBody('[1,2]', false)).toMatchObject({ status: 400, message: 'the body must be a JSON object (got [1,2])' });
    expect(parseWebhookBody('{"repository":"docker.example/acme/x","tag":"1.0.0"}', false)).toMatchObject({
      status: 400,
      message: 'repository must be a repository such as acme/turbo-notes (got "docker.example/acme/x")',
    });
    expect(parseWebhookBody(JSON.stringify({ ...dockerHubPayload, push_data: { tag: 'bad tag!' } }), false)).toMatchObject({
      status: 400,
      message: 'push_data.tag must be an image tag such as 1.3.0 (got "bad tag!")',
    });
  });
});

describe('executionNameFor', () => {
  it('gives a re-push of the same tag a new name, and an exact redelivery the same one', () => {
    const first = parseWebhookBody(JSON.stringify(dockerHubPayload), false);
    const redelivered = parseWebhookBody(JSON.stringify(dockerHubPayload), false);
    const later = { ...dockerHubPayload, push_data: { ...dockerHubPayload.push_data, pushed_at: 1764068400 } };
    const repushed = parseWebhookBody(JSON.stringify(later), false);
    if (!first.ok || !redelivered.ok || !repushed.ok) throw new Error('the payloads must parse');

    expect(executionNameFor(redelivered.push)).toBe(executionNameFor(first.push));
    expect(executionNameFor(repushed.push)).not.toBe(executionNameFor(first.push));
    const byDigest = (n: number) =>
      executionNameFor({ repository: 'acme/turbo-notes', tag: '1.3.0', pushed: `sha256:${String(n).repeat(64)}` });
    expect(byDigest(1)).not.toBe(byDigest(2));
    for (const name of [executionNameFor(repushed.push), byDigest(1)]) {
      expect(name).toMatch(/^push-acme-turbo-notes-1-3-0-[0-9a-f]{10}$/);
    }
    const long = executionNameFor({ repository: `acme/${'n'.repeat(60)}`, tag: 't'.repeat(128), pushed: `sha256:${'f'.repeat(64)}` });
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('is the same for the same push, differs between pushes, and fits Step Functions names', () => {
    const name = executionNameFor({ repository: 'acme/turbo-notes', tag: '1.3.0' });
    expect(name).toMatch(/^push-acme-turbo-notes-1-3-0-[0-9a-f]{10}$/);
    expect(executionNameFor({ repository: 'acme/turbo-notes', tag: '1.3.0' })).toBe(name);
    expect(executionNameFor({ repository: 'acme/turbo-notes', tag: '1-3-0' })).not.toBe(name);
    const long = executionNameFor({ repository: `acme/${'n'.repeat(60)}`, tag: 't'.repeat(128) });
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});

describe('pushChangesNothing', () => {
  const settings = {
    images: { frontend: 'acme/turbo-notes', mongo: 'acme/turbo-mongo' },
    mongoPolicy: 'manual' as const,
    includePrerelease: false,
  };

  it('lets a release of a synced image through', () => {
    expect(pushChangesNothing({ repository: 'acme/turbo-notes', tag: '1.4.2' }, settings)).toBeUndefined();
    expect(pushChangesNothing({ repository: 'acme/turbo-mongo', tag: '7.0.15' }, { ...settings, mongoPolicy: 'follow' })).toBeUndefined();
    expect(
      pushChangesNothing({ repository: 'acme/turbo-notes', tag: '1.5.0-rc.1' }, { ...settings, includePrerelease: true }),
    ).toBeUndefined();
  });

  it.each([
    ['acme/turbo-notes', 'sha-1a2b3c4', 'tag sha-1a2b3c4 is not a SemVer version such as 1.4.2: image-sync rolls only releases'],
    ['acme/turbo-notes', 'latest', 'tag latest is not a SemVer version such as 1.4.2: image-sync rolls only releases'],
    [
      'acme/turbo-notes',
      '1.5.0-rc.1',
      'tag 1.5.0-rc.1 is a pre-release and imageSync.includePrerelease is false: image-sync rolls only releases',
    ],
    ['acme/turbo-mongo', '7.0.15', 'acme/turbo-mongo is left alone by image-sync (imageSync.mongoPolicy is manual): update it by hand'],
  ])('says why a push of %s:%s changes nothing', (repository, tag, why) => {
    expect(pushChangesNothing({ repository, tag }, settings)).toBe(why);
  });
});
