/** scripts/check-tools.cjs: the first step of `npm test` and jest's globalSetup; scripts/setup-dev.sh installs the same list. */
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkTools, chromiumPath, devTools, findTool, DEFAULT_CHROMIUM, DEFAULT_GOROOT } from '../../scripts/check-tools.cjs';
import { folderWith } from '../cli/capture';
import { REPO } from './harness';

/** A folder of executables with these names, standing in for installed tools. */
function binWith(names: string[]): string {
  const dir = folderWith(Object.fromEntries(names.map((name) => [name, '#!/bin/sh\n'])));
  for (const name of names) chmodSync(join(dir, name), 0o755);
  return dir;
}

describe('scripts/check-tools.cjs', () => {
  const tools = devTools();
  const required = tools.filter((tool) => tool.required).map((tool) => tool.command);

  it('lists what the issue names, with terraform and kubectl built (no Debian package), none optional', () => {
    expect(required).toEqual(expect.arrayContaining(['jq', 'zip', 'unzip', 'shellcheck', 'skopeo', 'docker-registry', 'chromium']));
    expect(tools.filter((tool) => !tool.required).map((tool) => [tool.command, tool.debianPackage])).toEqual([
      ['terraform', undefined],
      ['kubectl', undefined],
    ]);
    expect(readFileSync(join(REPO, 'scripts/dev-tools.txt'), 'utf8')).not.toMatch(/ optional /);
    for (const tool of tools.filter((candidate) => candidate.required)) expect(tool.debianPackage).toMatch(/^[a-z0-9][a-z0-9.+-]+$/);
  });

  it('names every missing tool in one go, with its package and the set-up command', () => {
    const report = checkTools(tools, { PATH: binWith(['jq', 'zip', 'go']), CHROMIUM_PATH: '/nowhere/chromium' });
    expect(report.fatal).toBe(true);
    const lines = report.message.split('\n');
    expect(lines[0]).toBe('npm test needs tools that are missing here:');
    expect(lines.filter((line) => line.startsWith('  - ')).map((line) => line.slice(4).split(':')[0])).toEqual(
      required.filter((name) => !['jq', 'zip'].includes(name)),
    );
    expect(report.message).toContain(
      '  - chromium: not found at /nowhere/chromium (set CHROMIUM_PATH to use another); Debian package chromium;',
    );
    expect(report.message).toContain('  - skopeo: not found on PATH; Debian package skopeo;');
    expect(report.message).toContain('Install them with: sudo scripts/setup-dev.sh   (README.md, "Quick start": Prerequisites)');
    expect(report.message).not.toContain('terraform');
  });

  it('passes without terraform and kubectl when Go is there to build them', () => {
    const dir = binWith([...required.filter((name) => name !== 'chromium'), 'go']);
    const report = checkTools(tools, { PATH: dir, GOROOT: '/nowhere', CHROMIUM_PATH: join(binWith(['chromium']), 'chromium') });
    expect(report).toEqual({ fatal: false, message: '' });
  });

  it('names Go, and what it builds, when it is missing', () => {
    const dir = binWith(required.filter((name) => name !== 'chromium'));
    const report = checkTools(tools, { PATH: dir, GOROOT: '/nowhere', CHROMIUM_PATH: join(binWith(['chromium']), 'chromium') });
    expect(report.fatal).toBe(true);
    expect(report.message).toBe(
      'npm test needs a tool that is missing here:\n' +
        "  - go: not found on PATH or at /nowhere/bin/go; Go 1.26 or newer, from Go's own releases;" +
        ' tools/realsvc/build.sh builds terraform and kubectl (and the real services) with it',
    );
  });

  it('finds Go on PATH, else under GOROOT (default /usr/local/go), where tools/realsvc/build.sh looks', () => {
    const goroot = folderWith();
    symlinkSync(binWith(['go']), join(goroot, 'bin'));
    expect(findTool('go', { PATH: folderWith(), GOROOT: goroot })).toBe(join(goroot, 'bin/go'));
    expect(findTool('go', { PATH: folderWith(), GOROOT: '/nowhere' })).toBeUndefined();
    expect(DEFAULT_GOROOT).toBe('/usr/local/go');
    expect(readFileSync(join(REPO, 'tools/realsvc/build.sh'), 'utf8')).toContain('"${GOROOT:-/usr/local/go}/bin/go"');
  });

  it('finds Chromium at CHROMIUM_PATH, else at Debian’s path', () => {
    expect(chromiumPath({ CHROMIUM_PATH: '/opt/chrome/chrome' })).toBe('/opt/chrome/chrome');
    expect(chromiumPath({})).toBe(DEFAULT_CHROMIUM);
    expect(DEFAULT_CHROMIUM).toBe('/usr/bin/chromium');
  });

  it('as a command, exits 1 and prints the list before anything else runs', () => {
    const result = spawnSync(process.execPath, [join(REPO, 'scripts/check-tools.cjs')], {
      encoding: 'utf8',
      env: { PATH: folderWith(), CHROMIUM_PATH: '/nowhere/chromium' },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^npm test needs tools that are missing here:\n {2}- jq: not found on PATH/);
  });

  it('refuses a line of dev-tools.txt that says neither required nor built, or a package that does not fit', () => {
    expect(() => devTools('jq jq needed the scripts\n')).toThrow('the third column must be required or built');
    expect(() => devTools('kubectl - optional kustomize\n')).toThrow('the third column must be required or built');
    expect(() => devTools('jq - required the scripts\n')).toThrow('a required tool names its Debian package, a built one has -');
    expect(() => devTools('kubectl kubectl built kustomize\n')).toThrow('a required tool names its Debian package, a built one has -');
  });

  it('is where npm test and jest start, and setup-dev.sh is what .ci/run installs with', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    expect(pkg.scripts.test).toMatch(/^node scripts\/check-tools\.cjs && /);
    expect(require(join(REPO, 'jest.config.cjs')).globalSetup).toBe('<rootDir>/scripts/check-tools.cjs');
    expect(readFileSync(join(REPO, '.ci/run'), 'utf8')).toMatch(/\n {2}scripts\/setup-dev\.sh\n/);
    expect(readFileSync(join(REPO, '.ci/run'), 'utf8')).not.toContain('apt-get install');
  });
});

describe('scripts/setup-dev.sh', () => {
  it('installs exactly the Debian packages of dev-tools.txt (apt-get stubbed)', () => {
    const bin = folderWith({ 'apt-get': '#!/bin/sh\necho "$@" >> "$APT_LOG"\n', id: '#!/bin/sh\necho 0\n' });
    chmodSync(join(bin, 'apt-get'), 0o755);
    chmodSync(join(bin, 'id'), 0o755);
    const log = join(folderWith(), 'apt.log');
    writeFileSync(log, '');
    const result = spawnSync('bash', [join(REPO, 'scripts/setup-dev.sh')], {
      encoding: 'utf8',
      env: { PATH: `${bin}:/usr/bin:/bin`, APT_LOG: log },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const packages = devTools().flatMap((tool) => (tool.debianPackage ? [tool.debianPackage] : []));
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([
      'update -qq',
      `install -y -qq --no-install-recommends ${packages.join(' ')}`,
    ]);
  });
});
