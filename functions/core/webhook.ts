/**
 * The image webhook's decisions, with no I/O. Docker Hub signs nothing, so the only proof of a caller is the secret
 * token in the URL, and the body is only a nudge: it names what was pushed, and image-sync asks the registry anyway.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { imagesToSync, parseSemver, type AppImage } from './images';

/**
 * A Docker Hub push payload carries the repository's README (`repository.full_description`, at most 25,000
 * characters) and its `dockerfile`: about 30 KiB for a long README, and up to 150 KB if every character is escaped as
 * `\uXXXX`. 256 KiB holds that with room for a large Dockerfile, and stays far below what reaches the function at
 * all (API Gateway HTTP APIs take 10 MB, a synchronous Lambda invocation 6 MB), so an oversized body gets this 413
 * with its reason rather than the gateway's bare one.
 */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

const REPOSITORY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*\/[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
/** The Docker reference grammar for a tag. */
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const MAX_EXECUTION_NAME = 80;

/**
 * Whether the token in the URL is the configured one. Both are hashed first, so that timingSafeEqual compares
 * equal lengths and the time taken says nothing about the secret's length or content.
 */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (!given || !expected) return false;
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export interface ImagePush {
  repository: string;
  tag: string;
  /**
   * What tells this push from an earlier push of the same tag: the pushed digest when the payload has one (the
   * pipeline's may), else Docker Hub's `push_data.pushed_at`. Absent when the payload has neither.
   */
  pushed?: string;
  /** `dockerhub`: Docker Hub's webhook payload; `pipeline`: the image pipeline's `{repository, tag}`. */
  source: 'dockerhub' | 'pipeline';
}

export type WebhookBody = { ok: true; push: ImagePush } | { ok: false; status: 400 | 413; message: string };

const refuse = (status: 400 | 413, message: string): WebhookBody => ({ ok: false, status, message });
const shown = (value: unknown) => JSON.stringify(value)?.slice(0, 100) ?? 'nothing';

/**
 * Reads a webhook body: Docker Hub's (`{ push_data: { tag, pushed_at }, repository: { repo_name } }`) or the
 * pipeline's (`{ repository, tag, digest? }`). Refuses, naming the field and its value, anything else.
 */
export function parseWebhookBody(body: string | undefined, isBase64Encoded: boolean): WebhookBody {
  if (body === undefined || body === '')
    return refuse(400, 'the body is empty: expected a Docker Hub push payload or {"repository": "...", "tag": "..."}');
  const bytes = isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  if (bytes.length > MAX_WEBHOOK_BODY_BYTES) {
    const limit = `${MAX_WEBHOOK_BODY_BYTES} bytes, a Docker Hub payload with its README and Dockerfile included`;
    return refuse(413, `the body is ${bytes.length} bytes; a push notification is at most ${limit}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    return refuse(400, `the body is not valid JSON (${(error as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return refuse(400, `the body must be a JSON object (got ${shown(parsed)})`);
  }
  const payload = parsed as Record<string, unknown>;
  const dockerHub = typeof payload.push_data === 'object' && payload.push_data !== null;
  const repository = dockerHub ? (payload.repository as { repo_name?: unknown } | undefined)?.repo_name : payload.repository;
  const tag = dockerHub ? (payload.push_data as { tag?: unknown }).tag : payload.tag;
  const [repositoryField, tagField] = dockerHub ? ['repository.repo_name', 'push_data.tag'] : ['repository', 'tag'];
  if (typeof repository !== 'string' || !REPOSITORY.test(repository)) {
    return refuse(400, `${repositoryField} must be a repository such as acme/turbo-notes (got ${shown(repository)})`);
  }
  if (typeof tag !== 'string' || !TAG.test(tag)) {
    return refuse(400, `${tagField} must be an image tag such as 1.3.0 (got ${shown(tag)})`);
  }
  const pushed = dockerHub ? (payload.push_data as { pushed_at?: unknown }).pushed_at : payload.digest;
  const pushedIsValid = dockerHub
    ? typeof pushed === 'number' && Number.isFinite(pushed) && pushed > 0
    : typeof pushed === 'string' && DIGEST.test(pushed);
  if (pushed !== undefined && !pushedIsValid) {
    const [field, expected] = dockerHub
      ? ['push_data.pushed_at', 'a Unix time in seconds such as 1764064800']
      : ['digest', 'a digest such as sha256:<64 hex digits>'];
    return refuse(400, `${field} must be ${expected} (got ${shown(pushed)})`);
  }
  const source = dockerHub ? 'dockerhub' : 'pipeline';
  return { ok: true, push: { repository, tag, ...(pushed === undefined ? {} : { pushed: String(pushed) }), source } };
}

/**
 * Why a push of a configured image cannot change what any cluster runs, or undefined when image-sync should look:
 * a tag that is not a release (image-sync rolls only the newest SemVer release), or an image the config leaves
 * to be updated by hand. Such a push starts nothing and posts nothing.
 */
export function pushChangesNothing(
  push: Pick<ImagePush, 'repository' | 'tag'>,
  settings: { images: Record<AppImage, string>; mongoPolicy: 'follow' | 'manual'; includePrerelease: boolean },
): string | undefined {
  const synced = imagesToSync(settings.mongoPolicy).map((name) => settings.images[name]);
  if (!synced.includes(push.repository)) {
    return `${push.repository} is left alone by image-sync (imageSync.mongoPolicy is ${settings.mongoPolicy}): update it by hand`;
  }
  const version = parseSemver(push.tag);
  if (!version) return `tag ${push.tag} is not a SemVer version such as 1.4.2: image-sync rolls only releases`;
  if (version.prerelease.length > 0 && !settings.includePrerelease) {
    return `tag ${push.tag} is a pre-release and imageSync.includePrerelease is false: image-sync rolls only releases`;
  }
  return undefined;
}

/**
 * The image-sync execution's name for a push. An exact redelivery (same repository, tag and push identity) gives
 * the same name, so Step Functions starts it once however often it is announced; a new push of the same tag (a new
 * digest or pushed_at) gives a new name, so a moved tag rolls at once. The hash keeps `1.3.0` and `1-3-0` apart
 * after the characters that names cannot hold are replaced.
 */
export function executionNameFor(push: Pick<ImagePush, 'repository' | 'tag' | 'pushed'>): string {
  const identity = [push.repository, push.tag, ...(push.pushed === undefined ? [] : [push.pushed])].join(':');
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 10);
  const readable = `push-${push.repository}-${push.tag}`.replace(/[^A-Za-z0-9_-]/g, '-');
  return `${readable.slice(0, MAX_EXECUTION_NAME - hash.length - 1)}-${hash}`;
}
