/**
 * scripts/build-images.sh in a scratch git repository, with stub docker and npm first on PATH (they record
 * their arguments) and a local HTTP server standing in for Turbo's image webhook. Real node, git and curl.
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

const ROOT = path.join(__dirname, '../..');
const FILES = [
  'scripts/build-images.sh',
  'scripts/lib.sh',
  'frontend/package.json',
  'frontend/tools/image-tags.js',
  'frontend/Dockerfile',
  'frontend/mongo/Dockerfile',
];
const TOKEN = 'dckr_pat_s3cr3t-token-value';
const STUB = `#!/usr/bin/env bash
{ printf '%s' "$(basename "$0")"; printf '\\t%s' "$@"; printf '\\n'; } >>"$STUB_DIR/calls.log"
if [[ "$(basename "$0") $1" == "docker login" ]]; then
  cat >"$STUB_DIR/login-stdin"
  printf '%s' "$DOCKER_CONFIG" >"$STUB_DIR/docker-config"
fi
if [[ "$(basename "$0") $1 $2" == "docker buildx inspect" ]]; then
  echo "Name: $4"
  echo "Platforms: \${STUB_PLATFORMS:-linux/amd64, linux/amd64/v2, linux/arm64, linux/386}"
fi
if [[ -n "\${STUB_FAIL:-}" && "$(basename "$0") $1 $2" == "\${STUB_FAIL}"* ]]; then echo "stub: $1 failed" >&2; exit 1; fi
`;

function git(cwd: string, ...args: string[]) {
  return run('git', ['-c', 'user.name=CI', '-c', 'user.email=ci@example.invalid', ...args], { cwd });
}

function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  return new Promise<{ status: number | null; output: string }>((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (status) => resolve({ status, output }));
  });
}

/** A committed copy of the files the script needs, with `version` in frontend/package.json. */
async function scratchRepo(version = '1.2.3') {
  const dir = mkdtempSync(path.join(tmpdir(), 'build-images-'));
  for (const file of FILES) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    copyFileSync(path.join(ROOT, file), path.join(dir, file));
  }
  const pkg = JSON.parse(readFileSync(path.join(dir, 'frontend/package.json'), 'utf8'));
  writeFileSync(path.join(dir, 'frontend/package.json'), JSON.stringify({ ...pkg, version }, null, 2));
  writeFileSync(path.join(dir, '.gitignore'), 'stub/\n');
  await git(dir, 'init', '-q', '-b', 'master');
  await git(dir, 'remote', 'add', 'origin', 'https://ci-user:ghp_remotetoken@git.example.invalid/acme/turbo.git');
  await git(dir, 'add', '.');
  await git(dir, 'commit', '-q', '-m', 'app');
  const commit = (await git(dir, 'rev-parse', 'HEAD')).output.trim();

  const stubDir = path.join(dir, 'stub');
  const binDir = path.join(stubDir, 'bin');
  mkdirSync(binDir, { recursive: true });
  for (const tool of ['docker', 'npm']) {
    writeFileSync(path.join(binDir, tool), STUB);
    chmodSync(path.join(binDir, tool), 0o755);
  }
  const calls = () =>
    existsSync(path.join(stubDir, 'calls.log'))
      ? readFileSync(path.join(stubDir, 'calls.log'), 'utf8')
          .trimEnd()
          .split('\n')
          .map((line) => line.split('\t'))
      : [];
  const buildImages = (env: Record<string, string> = {}) =>
    run('bash', ['scripts/build-images.sh'], {
      cwd: dir,
      env: {
        PATH: `${binDir}${path.delimiter}${process.env.PATH}`,
        HOME: dir,
        STUB_DIR: stubDir,
        FRONTEND_REPOSITORY: 'acme/turbo-notes',
        MONGO_REPOSITORY: 'acme/turbo-mongo',
        DOCKERHUB_USERNAME: 'acme-ci',
        DOCKERHUB_TOKEN: TOKEN,
        ...env,
      },
    });
  return { dir, stubDir, commit, calls, buildImages };
}

/** Turbo's image webhook: records each POST and answers with `status`. */
async function webhook(status = 202) {
  const received: { contentType?: string; body: unknown; path?: string }[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ contentType: request.headers['content-type'], body: JSON.parse(body), path: request.url });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/images?token=hook-secret`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('scripts/build-images.sh', () => {
  it('installs and tests, builds both images for amd64 and arm64 as one multi-arch tag each, tags the release, notifies Turbo', async () => {
    const repo = await scratchRepo('1.2.3');
    const hook = await webhook();
    try {
      const result = await repo.buildImages({ TURBO_IMAGE_WEBHOOK_URL: hook.url });
      expect(result.status).toBe(0);
      const short = repo.commit.slice(0, 7);
      const calls = repo.calls();
      expect(calls.filter((call) => call[0] === 'npm')).toEqual([
        ['npm', 'ci', '--no-audit', '--no-fund'],
        ['npm', 'run', 'test:app'],
      ]);

      const builds = calls.filter((call) => call[1] === 'buildx' && call[2] === 'build');
      expect(builds).toHaveLength(2);
      const builder = calls.find((call) => call[1] === 'buildx' && call[2] === 'create')![4]!;
      expect(builder).toMatch(/^turbo-multiarch-\d+$/);
      for (const [build, repository, context] of [
        [builds[0], 'acme/turbo-mongo', 'frontend/mongo'],
        [builds[1], 'acme/turbo-notes', 'frontend'],
      ] as const) {
        const args = build.join(' ');
        // Both platforms in one build: pushed as one manifest list under the sha tag.
        expect(args).toContain(`buildx build --builder ${builder} --platform linux/amd64,linux/arm64 --pull --push`);
        expect(args).toContain(`--file ${context}/Dockerfile`);
        expect(args).toContain(`--tag ${repository}:sha-${short}`);
        expect(args).not.toContain(`--tag ${repository}:1.2.3`);
        expect(args).toContain(`--build-arg VERSION=1.2.3 --build-arg REVISION=${repo.commit}`);
        // The remote's credentials never reach an image label.
        expect(args).toContain('--build-arg SOURCE=https://git.example.invalid/acme/turbo.git');
        expect(args).toMatch(/--build-arg CREATED=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
        expect(build[build.length - 1]).toBe(context);
      }

      expect(calls.filter((call) => call[1] === 'login')).toEqual([['docker', 'login', '--username', 'acme-ci', '--password-stdin']]);
      expect(readFileSync(path.join(repo.stubDir, 'login-stdin'), 'utf8')).toBe(TOKEN);
      // The login went to a private docker config that is gone after the job.
      expect(existsSync(readFileSync(path.join(repo.stubDir, 'docker-config'), 'utf8'))).toBe(false);
      expect(calls.findIndex((call) => call[1] === 'login')).toBeLessThan(calls.indexOf(builds[0]!));
      // The semver tag last, onto the index already pushed, once both images are there.
      const releases = calls.filter((call) => call[1] === 'buildx' && call[2] === 'imagetools');
      expect(releases).toEqual(
        ['acme/turbo-mongo', 'acme/turbo-notes'].map((repository) => [
          'docker',
          'buildx',
          'imagetools',
          'create',
          '--builder',
          builder,
          '--tag',
          `${repository}:1.2.3`,
          `${repository}:sha-${short}`,
        ]),
      );
      expect(calls.indexOf(releases[0]!)).toBeGreaterThan(calls.indexOf(builds[1]!));
      expect(calls.filter((call) => call[1] === 'push')).toEqual([]);
      expect(calls.at(-1)).toEqual(['docker', 'buildx', 'rm', builder]);

      expect(hook.received).toEqual([
        {
          contentType: 'application/json',
          path: '/hooks/images?token=hook-secret',
          body: { repository: 'acme/turbo-mongo', tag: '1.2.3' },
        },
        {
          contentType: 'application/json',
          path: '/hooks/images?token=hook-secret',
          body: { repository: 'acme/turbo-notes', tag: '1.2.3' },
        },
      ]);
      for (const secret of [TOKEN, 'hook-secret', 'ghp_remotetoken']) expect(result.output).not.toContain(secret);
      expect(result.output).toContain(`pushed acme/turbo-notes and acme/turbo-mongo as 1.2.3 sha-${short}`);
    } finally {
      await hook.close();
    }
  });

  it('refuses a dirty work tree before installing or building anything', async () => {
    const repo = await scratchRepo();
    writeFileSync(path.join(repo.dir, 'frontend/Dockerfile'), '# changed\n', { flag: 'a' });
    const result = await repo.buildImages();
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('image-tags: the work tree is dirty: images are built from committed code only');
    expect(result.output.trimEnd().split('\n').pop()).toBe('ERROR: build-images: cannot tag the images (see the reason above)');
    expect(repo.calls()).toEqual([]);
  });

  it('refuses a version that is not semver', async () => {
    const repo = await scratchRepo('1.2');
    const result = await repo.buildImages();
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('version "1.2" in frontend/package.json is not a semantic version');
    expect(repo.calls()).toEqual([]);
  });

  it.each([
    [
      { FRONTEND_REPOSITORY: 'acme/turbo-notes:latest' },
      "FRONTEND_REPOSITORY must be a Docker Hub repository such as acme/turbo-notes (no host, no tag), got 'acme/turbo-notes:latest'",
    ],
    [{ MONGO_REPOSITORY: '' }, 'environment variable MONGO_REPOSITORY is required'],
    [{ DOCKERHUB_TOKEN: '' }, 'environment variable DOCKERHUB_TOKEN is required'],
  ])('refuses bad settings %j with a clear reason', async (env, reason) => {
    const repo = await scratchRepo();
    const result = await repo.buildImages(env);
    expect(result.status).toBe(1);
    expect(result.output.trimEnd().split('\n').pop()).toBe(`ERROR: build-images: ${reason}`);
    expect(repo.calls()).toEqual([]);
  });

  it('only warns when the webhook fails: the images are pushed and the schedule catches up', async () => {
    const repo = await scratchRepo();
    const hook = await webhook(500);
    try {
      const result = await repo.buildImages({ TURBO_IMAGE_WEBHOOK_URL: hook.url });
      expect(result.status).toBe(0);
      expect(result.output).toContain("WARNING: Turbo's image webhook did not take acme/turbo-notes:1.2.3");
      expect(result.output).not.toContain('hook-secret');
      expect(repo.calls().filter((call) => call[2] === 'build' || call[2] === 'imagetools')).toHaveLength(4);
    } finally {
      await hook.close();
    }
  });

  it('notifies nobody without a webhook URL, and says the schedule will pick the images up', async () => {
    const repo = await scratchRepo();
    const result = await repo.buildImages();
    expect(result.status).toBe(0);
    expect(result.output).toContain('TURBO_IMAGE_WEBHOOK_URL is not set: the 10-minute image-sync schedule will pick the images up');
  });

  it('fails on a failed push and notifies nothing', async () => {
    const repo = await scratchRepo();
    const hook = await webhook();
    try {
      const result = await repo.buildImages({ TURBO_IMAGE_WEBHOOK_URL: hook.url, STUB_FAIL: 'docker buildx build' });
      expect(result.status).toBe(1);
      expect(result.output.trimEnd().split('\n').pop()).toBe(
        `ERROR: build-images: docker buildx build (push) of acme/turbo-mongo:sha-${repo.commit.slice(0, 7)} from frontend/mongo failed`,
      );
      expect(hook.received).toEqual([]);
      expect(repo.calls().filter((call) => call[2] === 'imagetools')).toEqual([]);
    } finally {
      await hook.close();
    }
  });

  it('refuses a builder that cannot build arm64, before building anything, and says how to get one', async () => {
    const repo = await scratchRepo();
    const result = await repo.buildImages({ STUB_PLATFORMS: 'linux/amd64, linux/amd64/v2, linux/386' });
    expect(result.status).toBe(1);
    expect(result.output.trimEnd().split('\n').pop()).toBe(
      'ERROR: build-images: the buildx builder cannot build linux/arm64 (it has: linux/amd64, linux/amd64/v2, linux/386); ' +
        'install QEMU binfmt (docker run --privileged --rm tonistiigi/binfmt --install arm64) or add a native node',
    );
    expect(repo.calls().filter((call) => call[2] === 'build')).toEqual([]);
  });
});

describe('buildspecs/images.yml', () => {
  const buildspec = parseYaml(readFileSync(path.join(ROOT, 'buildspecs/images.yml'), 'utf8'));

  it('runs the same script on Node 22, with the Docker Hub credentials from Parameter Store', () => {
    expect(buildspec.version).toBe(0.2);
    expect(buildspec.phases.install['runtime-versions']).toEqual({ nodejs: 22 });
    expect(buildspec.phases.build.commands).toEqual(['scripts/build-images.sh']);
    expect(buildspec.env['parameter-store']).toEqual({
      DOCKERHUB_USERNAME: '/turbo/dockerhub/username',
      DOCKERHUB_TOKEN: '/turbo/dockerhub/token',
    });
    expect(buildspec.env.variables?.DOCKERHUB_TOKEN).toBeUndefined();
  });
});
