import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { imageTags, parseArgs } from '../../../frontend/tools/image-tags';

const SHA = '3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39';
const CLI = path.join(__dirname, '../../../frontend/tools/image-tags.js');

describe('imageTags', () => {
  it.each([
    ['1.4.0', ['1.4.0', 'sha-3f2a9c1']],
    ['2.0.0-rc.1', ['2.0.0-rc.1', 'sha-3f2a9c1']],
    ['0.10.3', ['0.10.3', 'sha-3f2a9c1']],
  ])('tags version %s with itself and the short commit', (version, tags) => {
    expect(imageTags({ version, commit: SHA, dirty: false })).toEqual(tags);
  });

  it('refuses a dirty work tree, whatever the version', () => {
    expect(() => imageTags({ version: '1.0.0', commit: SHA, dirty: true })).toThrow(
      'the work tree is dirty: images are built from committed code only, so commit or discard the changes first',
    );
  });

  it.each(['1.0', 'v1.0.0', '01.2.3', '1.2.3+build.5', 'latest', ''])('refuses the non-semver version "%s"', (version) => {
    expect(() => imageTags({ version, commit: SHA, dirty: false })).toThrow(
      `version "${version}" in frontend/package.json is not a semantic version such as 1.4.0 or 2.0.0-rc.1`,
    );
  });

  it.each(['abc', 'HEAD', '3F2A9C1D', `${SHA}0`])('refuses the commit "%s"', (commit) => {
    expect(() => imageTags({ version: '1.0.0', commit, dirty: false })).toThrow(`commit "${commit}" is not a git commit SHA`);
  });

  it('reads its command-line arguments strictly', () => {
    expect(parseArgs(['--version', '1.0.0', '--commit', SHA, '--dirty', 'false'])).toEqual({ version: '1.0.0', commit: SHA, dirty: false });
    expect(() => parseArgs(['--version', '1.0.0', '--commit', SHA, '--dirty', 'maybe'])).toThrow(
      '--dirty must be true or false, got "maybe"',
    );
    expect(() => parseArgs(['--tag', 'x'])).toThrow('usage: image-tags.js');
  });

  it('prints one tag a line from the command line, and exits 2 with the reason on bad input', () => {
    const out = execFileSync(process.execPath, [CLI, '--version', '3.1.4', '--commit', SHA, '--dirty', 'false'], { encoding: 'utf8' });
    expect(out).toBe('3.1.4\nsha-3f2a9c1\n');
    const dirty = spawnSync(process.execPath, [CLI, '--version', '3.1.4', '--commit', SHA, '--dirty', 'true'], { encoding: 'utf8' });
    expect(dirty.status).toBe(2);
    expect(dirty.stdout).toBe('');
    expect(dirty.stderr).toContain('image-tags: the work tree is dirty');
  });
});
