import { executionNameFor, MAX_WEBHOOK_BODY_BYTES, parseWebhookBody, pushChangesNothing, tokenMatches } from '../../../functions/core/webhook';

/** A Docker Hub push payload as documented (docs.docker.com/docker-hub/repos/manage/webhooks/). */
const dockerHubPayload = {
  callback_url: 'https://registry.hub.example/u/acme/turbo-notes/hook/2141b5bi5i5b02bec211i4eeih0242eg11000a/',
  push_data: { pushed_at: 1764064800, pusher: 'acme-ci', tag: '1.3.0' },
  repository: { comment_count: 0, date_created: 1700000000, description: '', is_official: false, is_private: false, name: 'turbo-notes', namespace: 'acme', owner: 'acme', repo_name: 'acme/turbo-notes', star_count: 0, status: 'Active' },
};

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
    expect(parseWebhookBody(JSON.stringify(dockerHubPayload), false)).toEqual({ ok: true, push: { repository: 'acme/turbo-notes', tag: '1.3.0', source: 'dockerhub' } });
    expect(parseWebhookBody('{"repository":"acme/turbo-mongo","tag":"1.3.0"}', false)).toEqual({ ok: true, push: { repository: 'acme/turbo-mongo', tag: '1.3.0', source: 'pipeline' } });
    const base64 = Buffer.from('{"repository":"acme/turbo-mongo","tag":"1.3.0"}').toString('base64');
    expect(parseWebhookBody(base64, true)).toMatchObject({ ok: true, push: { repository: 'acme/turbo-mongo' } });
  });

  it('refuses a body over the limit with 413', () => {
    const big = JSON.stringify({ repository: 'acme/turbo-notes', tag: '1.3.0', padding: 'x'.repeat(MAX_WEBHOOK_BODY_BYTES) });
    expect(parseWebhookBody(big, false)).toEqual({ ok: false, status: 413, message: `the body is ${Buffer.byteLength(big)} bytes; a push notification is at most ${MAX_WEBHOOK_BODY_BYTES}` });
  });

  it('refuses malformed or misshapen bodies with 400, naming the field and the value', () => {
    expect(parseWebhookBody(undefined, false)).toMatchObject({ ok: false, status: 400, message: expect.stringContaining('the body is empty') });
    expect(parseWebhookBody('{"repository": ', false)).toMatchObject({ ok: false, status: 400, message: expect.stringMatching(/^the body is not valid JSON \(/) });
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
  const settings = { images: { frontend: 'acme/turbo-notes', mongo: 'acme/turbo-mongo' }, mongoPolicy: 'manual' as const, includePrerelease: false };

  it('lets a release of a synced image through', () => {
    expect(pushChangesNothing({ repository: 'acme/turbo-notes', tag: '1.4.2' }, settings)).toBeUndefined();
    expect(pushChangesNothing({ repository: 'acme/turbo-mongo', tag: '7.0.15' }, { ...settings, mongoPolicy: 'follow' })).toBeUndefined();
    expect(pushChangesNothing({ repository: 'acme/turbo-notes', tag: '1.5.0-rc.1' }, { ...settings, includePrerelease: true })).toBeUndefined();
  });

  it.each([
    ['acme/turbo-notes', 'sha-1a2b3c4', 'tag sha-1a2b3c4 is not a SemVer version such as 1.4.2: image-sync rolls only releases'],
    ['acme/turbo-notes', 'latest', 'tag latest is not a SemVer version such as 1.4.2: image-sync rolls only releases'],
    ['acme/turbo-notes', '1.5.0-rc.1', 'tag 1.5.0-rc.1 is a pre-release and imageSync.includePrerelease is false: image-sync rolls only releases'],
    ['acme/turbo-mongo', '7.0.15', 'acme/turbo-mongo is left alone by image-sync (imageSync.mongoPolicy is manual): update it by hand'],
  ])('says why a push of %s:%s changes nothing', (repository, tag, why) => {
    expect(pushChangesNothing({ repository, tag }, settings)).toBe(why);
  });
});
