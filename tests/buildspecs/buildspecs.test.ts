/**
 * The buildspecs' own commands, run in bash with a stub curl (downloads served from a local directory)
 * and, for the job step, the stub terraform/kubectl/aws of tests/scripts.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { REPO, StubWorld } from '../scripts/harness';

interface Buildspec {
  version: number;
  env: { shell: string; variables: Record<string, string>; 'exported-variables'?: string[] };
  phases: Record<'install' | 'build', { commands: string[] }>;
}

const load = (name: string) => parseYaml(readFileSync(join(REPO, 'buildspecs', name), 'utf8')) as Buildspec;
const terraformSpec = load('terraform.yml');
const deploySpec = load('deploy.yml');
const sha256 = (content: Buffer | string) => createHash('sha256').update(content).digest('hex');

const CURL_STUB = `#!/usr/bin/env bash
# Serves "curl ... --output FILE URL" from $DOWNLOADS/<last path segment of URL>, like a mirror of the release site.
output="" url=""
while (($#)); do case "$1" in --output) output="$2"; shift 2 ;; -*) shift ;; *) url="$1"; shift ;; esac; done
echo "$url" >>"$DOWNLOADS/requested.log"
cp "$DOWNLOADS/\${url##*/}" "$output"
`;

describe('buildspecs', () => {
  let world: StubWorld;
  let downloads: string;
  let toolsDir: string;
  let curlDir: string;

  beforeEach(() => {
    world = new StubWorld();
    downloads = join(world.dir, 'downloads');
    toolsDir = join(world.dir, 'tools');
    curlDir = join(world.dir, 'curl-bin');
    mkdirSync(downloads);
    mkdirSync(curlDir);
    writeFileSync(join(curlDir, 'curl'), CURL_STUB);
    chmodSync(join(curlDir, 'curl'), 0o755);
  });
  afterEach(() => world.cleanup());

  /** Runs the install phase's commands as CodeBuild would: bash, from the source root, with the buildspec's variables. */
  function install(spec: Buildspec, overrides: Record<string, string>) {
    const env = {
      ...spec.env.variables,
      TOOLS_DIR: toolsDir,
      DOWNLOADS: downloads,
      PATH: [curlDir, process.env.PATH].join(delimiter),
      ...overrides,
    };
    return spec.phases.install.commands
      .slice(0, -1)
      .map((command) => spawnSync('bash', ['-c', `${command} 2>&1`], { cwd: REPO, env, encoding: 'utf8' }));
  }

  function fakeKubectl(): { content: string; sha: string } {
    const content = '#!/bin/sh\necho fake kubectl\n';
    writeFileSync(join(downloads, 'kubectl'), content);
    return { content, sha: sha256(content) };
  }

  function fakeTerraformZip(): string {
    const staging = join(world.dir, 'staging');
    mkdirSync(staging);
    writeFileSync(join(staging, 'terraform'), '#!/bin/sh\necho fake terraform\n');
    const zip = join(downloads, `terraform_${terraformSpec.env.variables.TERRAFORM_VERSION}_linux_amd64.zip`);
    expect(spawnSync('zip', ['-q', '-j', zip, join(staging, 'terraform')]).status).toBe(0);
    return sha256(readFileSync(zip));
  }

  it('pin terraform and kubectl to exact versions with SHA-256 checksums', () => {
    for (const spec of [terraformSpec, deploySpec]) {
      expect(spec.version).toBe(0.2);
      expect(spec.env.shell).toBe('bash');
      expect(spec.env.variables.KUBECTL_VERSION).toBe('1.35.0');
      expect(spec.env.variables.KUBECTL_SHA256).toBe('a2e984a18a0c063279d692533031c1eff93a262afcc0afdc517375432d060989');
      for (const command of spec.phases.install.commands.slice(0, -1)) {
        expect(command).toMatch(/install_verified "\$@"' install "https:\/\/[^"]+\$\{\w+_VERSION\}[^"]*" "\$\w+_SHA256"/);
      }
    }
    expect(terraformSpec.env.variables.TERRAFORM_VERSION).toBe('1.11.4');
    expect(terraformSpec.env.variables.TERRAFORM_SHA256).toBe('1ce994251c00281d6845f0f268637ba50c0005657eb3cf096b92f753b42ef4dc');
  });

  it('install the tools when the downloads match their checksums', () => {
    const kubectl = fakeKubectl();
    const terraformSha = fakeTerraformZip();

    const results = install(terraformSpec, { KUBECTL_SHA256: kubectl.sha, TERRAFORM_SHA256: terraformSha });

    expect(results.map((r) => r.status)).toEqual([0, 0]);
    expect(readFileSync(join(toolsDir, 'kubectl'), 'utf8')).toBe(kubectl.content);
    expect(readFileSync(join(toolsDir, 'terraform'), 'utf8')).toContain('fake terraform');
    expect(
      readFileSync(join(downloads, 'requested.log'), 'utf8')
        .trim()
        .split('\n')
        .map((url) => basename(url)),
    ).toEqual(['terraform_1.11.4_linux_amd64.zip', 'kubectl']);
    expect(readFileSync(join(downloads, 'requested.log'), 'utf8')).toContain('https://dl.k8s.io/release/v1.35.0/bin/linux/amd64/kubectl');
  });

  it('refuse a download whose checksum does not match, and install nothing', () => {
    fakeKubectl(); // not the real kubectl: the pinned checksum cannot match

    const [result] = install(deploySpec, {});

    expect(result!.status).not.toBe(0);
    const lastLine = result!.stdout.trimEnd().split('\n').pop();
    expect(lastLine).toMatch(
      /^ERROR: install: checksum mismatch for https:\/\/dl\.k8s\.io\/release\/v1\.35\.0\/bin\/linux\/amd64\/kubectl: expected a2e984a1\w{56}, got [0-9a-f]{64}$/,
    );
    expect(existsSync(join(toolsDir, 'kubectl'))).toBe(false);
  });

  it('run scripts/terraform.sh with the job action and developer', () => {
    const [command] = terraformSpec.phases.build.commands;
    const result = world.runBash(
      command!,
      [],
      { ACTION: 'destroy', DEVELOPER: 'alice', AWS_REGION: 'eu-west-1', TF_STATE_BUCKET: 'turbo-state', TOOLS_DIR: toolsDir },
      REPO,
    );

    expect(result.status).toBe(0);
    expect(result.calls.some((call) => call[0] === 'terraform' && call.includes('destroy'))).toBe(true);
  });

  it('run scripts/deploy.sh and export APP_URL in the shell of the build phase', () => {
    expect(deploySpec.env['exported-variables']).toEqual(['APP_URL']);
    world.set('lb-hostname', 'web-123.eu-west-1.elb.amazonaws.com');
    const [command] = deploySpec.phases.build.commands;
    const outputFile = join(world.dir, 'turbo-output.env');

    const result = world.runBash(
      `${command!}; echo "exported: APP_URL=$(printenv APP_URL)"`,
      [],
      {
        DEVELOPER: 'alice',
        AWS_REGION: 'eu-west-1',
        FRONTEND_IMAGE: `acme/turbo-notes:1.4.2@sha256:${'ab'.repeat(32)}`,
        MONGO_IMAGE: `acme/turbo-mongo:8.0.3@sha256:${'cd'.repeat(32)}`,
        K8S_BASE: join(REPO, 'tests', 'scripts', 'fixtures', 'k8s'),
        TOOLS_DIR: toolsDir,
        TURBO_OUTPUT_FILE: outputFile,
      },
      REPO,
    );

    expect(result.status).toBe(0);
    expect(result.lastLine).toBe('exported: APP_URL=http://web-123.eu-west-1.elb.amazonaws.com');
  });
});
