/**
 * No Docker engine runs here, so the Dockerfiles are parsed and held to the rules: multi-stage, pinned bases,
 * production dependencies from the lockfile, a non-root user, a HEALTHCHECK and OCI labels from build args.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { buildApp } from '../../frontend/src/app';
import { createMemoryRepository } from '../../frontend/src/repositories/memory';

const FRONTEND = path.join(__dirname, '../../frontend');

interface Instruction {
  keyword: string;
  args: string;
  stage: number;
}

/** Dockerfile lines to instructions: comments dropped, `\` continuations joined, the stage index noted. */
function parseDockerfile(file: string) {
  const logical = readFileSync(file, 'utf8')
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const globalArgs: Record<string, string> = {};
  const stages: { image: string; name?: string }[] = [];
  const instructions: Instruction[] = [];
  for (const line of logical) {
    const [, keyword, args] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'ARG' && stages.length === 0) {
      const [name, value = ''] = args.split('=');
      globalArgs[name] = value;
    }
    if (upper === 'FROM') {
      const [, image, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      stages.push({ image: image.replace(/\$\{(\w+)\}/g, (_m, arg: string) => globalArgs[arg] ?? `<unset ${arg}>`), name });
    }
    instructions.push({ keyword: upper, args, stage: stages.length - 1 });
  }
  const finalStage = stages.length - 1;
  const inFinal = (keyword: string) => instructions.filter((i) => i.keyword === keyword && i.stage === finalStage);
  const labels = Object.fromEntries(inFinal('LABEL').flatMap((i) => [...i.args.matchAll(/([\w.-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]])));
  const argsInFinal = inFinal('ARG').map((i) => i.args.split('=')[0]);
  return { stages, instructions, inFinal, labels, argsInFinal };
}

function expectCommonImageRules(dockerfile: ReturnType<typeof parseDockerfile>) {
  const users = dockerfile.inFinal('USER');
  expect(users.length).toBeGreaterThan(0);
  const [user] = users[users.length - 1].args.split(':');
  // Numeric, so that Kubernetes can check runAsNonRoot without reading /etc/passwd.
  expect(user).toMatch(/^[1-9]\d*$/);

  const healthchecks = dockerfile.inFinal('HEALTHCHECK');
  expect(healthchecks).toHaveLength(1);
  expect(healthchecks[0].args).toMatch(/--interval=\d+s .*--timeout=\d+s .*CMD \[/);

  for (const [label, arg] of [
    ['version', 'VERSION'],
    ['revision', 'REVISION'],
    ['source', 'SOURCE'],
    ['created', 'CREATED'],
  ]) {
    expect(dockerfile.labels[`org.opencontainers.image.${label}`]).toBe(`\${${arg}}`);
    expect(dockerfile.argsInFinal).toContain(arg);
  }
}

function dockerignore(dir: string) {
  return readFileSync(path.join(dir, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

describe('frontend/Dockerfile', () => {
  const dockerfile = parseDockerfile(path.join(FRONTEND, 'Dockerfile'));

  it('is multi-stage on a pinned Node 22 slim base, the runtime taking only the dependencies stage output', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of dockerfile.stages) {
      expect(stage.image).toMatch(/^node:22\.\d+\.\d+-(bookworm|trixie)-slim(@sha256:[0-9a-f]{64})?$/);
    }
    const depsStage = dockerfile.stages.findIndex((stage) => stage.name === 'deps');
    expect(depsStage).toBeLessThan(dockerfile.stages.length - 1);
    expect(dockerfile.inFinal('COPY').map((i) => i.args)).toContain('--from=deps /app/node_modules ./node_modules');
    expect(dockerfile.inFinal('RUN')).toEqual([]);
  });

  it('installs production dependencies only, from a lockfile that matches package.json', () => {
    const deps = dockerfile.instructions.filter((i) => i.stage === dockerfile.stages.findIndex((s) => s.name === 'deps'));
    const copyLock = deps.findIndex((i) => i.keyword === 'COPY' && i.args === 'package.json package-lock.json ./');
    const install = deps.findIndex((i) => i.keyword === 'RUN' && /\bnpm ci --omit=dev\b/.test(i.args));
    expect(copyLock).toBeGreaterThanOrEqual(0);
    expect(install).toBeGreaterThan(copyLock);

    // npm ci refuses a lockfile out of step with package.json: check it here rather than in the image build.
    const pkg = JSON.parse(readFileSync(path.join(FRONTEND, 'package.json'), 'utf8'));
    const lock = JSON.parse(readFileSync(path.join(FRONTEND, 'package-lock.json'), 'utf8'));
    expect(lock.packages[''].dependencies).toEqual(pkg.dependencies);
    for (const [name, version] of Object.entries(pkg.dependencies)) {
      expect(lock.packages[`node_modules/${name}`].version).toBe(version);
    }
  });

  it('runs as a non-root user with a HEALTHCHECK and OCI labels from build args, showing the build in the footer', () => {
    expectCommonImageRules(dockerfile);
    const env = dockerfile
      .inFinal('ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env).toContain('APP_VERSION=${VERSION}');
    expect(env).toContain('APP_COMMIT=${REVISION}');
    expect(dockerfile.inFinal('CMD').map((i) => i.args)).toEqual(['["node", "src/server.js"]']);
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const ignored = dockerignore(FRONTEND);
    for (const copy of dockerfile.instructions.filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))) {
      const sources = copy.args.split(/\s+/).slice(0, -1);
      for (const source of sources) {
        expect(existsSync(path.join(FRONTEND, source))).toBe(true);
        expect(ignored).not.toContain(source);
      }
    }
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'tests', 'tools', 'mongo']));
  });

  it('has a HEALTHCHECK command that passes on a live app and fails when nothing answers', async () => {
    const healthcheck = path.join(FRONTEND, 'src/healthcheck.js');
    expect(dockerfile.inFinal('HEALTHCHECK')[0].args).toContain('CMD ["node", "src/healthcheck.js"]');
    const { app } = buildApp({ repository: createMemoryRepository(), version: '1.0.0', commit: 'abc', logLevel: 'silent' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = String((app.server.address() as AddressInfo).port);
    try {
      const live = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [healthcheck], { env: { ...process.env, PORT: port } });
        child.on('exit', resolve);
      });
      expect(live).toBe(0);
    } finally {
      await app.close();
    }
    const dead = spawnSync(process.execPath, [healthcheck], { env: { ...process.env, PORT: port } });
    expect(dead.status).toBe(1);
  });
});

describe('frontend/mongo/Dockerfile', () => {
  const dir = path.join(FRONTEND, 'mongo');
  const dockerfile = parseDockerfile(path.join(dir, 'Dockerfile'));

  it('builds on the official mongo image with the major version pinned', () => {
    expect(dockerfile.stages).toHaveLength(1);
    expect(dockerfile.stages[0].image).toMatch(/^mongo:8\.0\.\d+(-[a-z]+)?(@sha256:[0-9a-f]{64})?$/);
  });

  it('puts the app-user init script where the entrypoint runs it, and only that', () => {
    expect(dockerfile.inFinal('COPY').map((i) => i.args)).toEqual(['--chmod=0444 init/ /docker-entrypoint-initdb.d/']);
    expect(dockerignore(dir)).toEqual(['*', '!init/*.js']);
    // Type declarations beside the script must not reach the image: the entrypoint would log them as ignored.
    const files = execFileSync('git', ['ls-files', 'init'], { cwd: dir, encoding: 'utf8' }).trim().split('\n');
    expect(files.filter((file) => file.endsWith('.js'))).toEqual(['init/10-create-app-user.js']);
  });

  it('runs as the mongodb user with a HEALTHCHECK and OCI labels from build args', () => {
    expectCommonImageRules(dockerfile);
    expect(dockerfile.inFinal('USER')[0].args).toBe('999:999');
  });
});
