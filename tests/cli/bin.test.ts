/** The installed command: `node bin/turbo.mjs` and the file itself as an executable, in child processes. */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { folderWith } from './capture';

const bin = join(__dirname, '../../bin/turbo.mjs');
const exampleText = readFileSync(join(__dirname, '../../turbo.config.example.yml'), 'utf8');
// The shebang finds `node` on PATH: put the Node that runs these tests first.
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };

function turbo(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw result.error;
  return result;
}

describe('bin/turbo.mjs', () => {
  it('`node bin/turbo.mjs validate` validates the config of the folder it runs in', () => {
    const result = turbo(process.execPath, [bin, 'validate'], folderWith({ 'turbo.config.yml': exampleText }));
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^turbo\.config\.yml: OK — team payments/);
    expect(result.status).toBe(0);
  });

  it('exits 1 and lists the problems of a bad config', () => {
    const dir = folderWith({ 'bad.yml': exampleText.replace('name: bob', 'name: "bob;rm -rf /"') });
    const result = turbo(process.execPath, [bin, 'validate', 'bad.yml'], dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('developers[1].name: must be a DNS-1123 label: lower-case letters, digits and inner hyphens (got "bob;rm -rf /")');
  });

  it('is executable on its own (shebang) and exits 2 on an unknown command', () => {
    accessSync(bin, constants.X_OK);
    const result = turbo(bin, ['frobnicate'], folderWith());
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^turbo: unknown command "frobnicate"/);
  });
});
