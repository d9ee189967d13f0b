/** The installed command: `node bin/turbo.mjs` and the file itself as an executable, in child processes. */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { folderWith } from './capture';
import { CONTEXT_FRAME_FLAG, nodeVersionProblem, requiredNode, runtimeFlags, YOUNG_GENERATION_FLAG } from '../../bin/node-guard.mjs';

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
    expect(result.stderr).toContain(
      'developers[1].name: must be a DNS-1123 label: lower-case letters, digits and inner hyphens (got "bob;rm -rf /")',
    );
  });

  it('runs its command in a second process with its runtime flags (AsyncContextFrame on Node 22, a 64 MB young generation), once, its own flags kept', () => {
    // Every Node process of the run says its flags as it starts (a preload, through NODE_OPTIONS, which both inherit).
    const dir = folderWith({ 'probe.cjs': 'process.stderr.write(`flags ${JSON.stringify(process.execArgv)}\\n`);' });
    const result = spawnSync(process.execPath, ['--max-old-space-size=512', bin, '--version'], {
      cwd: dir,
      env: { ...env, NODE_OPTIONS: `--require ${join(dir, 'probe.cjs')}` },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^turbo \d+\.\d+\.\d+/);
    const processes = result.stderr
      .split('\n')
      .filter((line) => line.startsWith('flags '))
      .map((line) => JSON.parse(line.slice(6)));
    const onNode22 = Number(process.versions.node.split('.')[0]) < 24;
    const added = onNode22 ? [CONTEXT_FRAME_FLAG, YOUNG_GENERATION_FLAG] : [YOUNG_GENERATION_FLAG];
    expect(processes).toEqual([['--max-old-space-size=512'], [...added, '--max-old-space-size=512']]);
  });

  it('ends quietly when its reader stops reading (`turbo rehearse | head -1`), without a stack trace', async () => {
    const child = spawn(process.execPath, [bin, 'rehearse'], { cwd: folderWith({ 'turbo.config.yml': exampleText }), env });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    // The rehearsal's first line comes seconds before the rest: closing the pipe then makes every later write fail.
    const [first] = await once(child.stdout, 'data');
    expect(String(first)).toMatch(/^Rehearsing /);
    child.stdout.destroy();
    const [code] = await once(child, 'exit');
    expect(stderr).not.toMatch(/EPIPE|Unhandled 'error' event/);
    expect(code).toBe(0);
  });

  it('passes a signal sent to it alone on to the process that runs its command', async () => {
    // The command's process says its pid and then stays alive, as a long rehearsal would.
    const dir = folderWith({
      'probe.cjs': `if (process.execArgv.includes('${YOUNG_GENERATION_FLAG}')) { process.stderr.write('child ' + process.pid + '\\n'); setInterval(() => {}, 1000); }`,
    });
    const parent = spawn(process.execPath, [bin, '--version'], {
      cwd: dir,
      env: { ...env, NODE_OPTIONS: `--require ${join(dir, 'probe.cjs')}` },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const childPid = await new Promise<number>((resolve) =>
      parent.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /child (\d+)/.exec(stderr);
        if (match) resolve(Number(match[1]));
      }),
    );
    parent.kill('SIGTERM');
    const [, signal] = await once(parent, 'exit');
    expect(signal).toBe('SIGTERM');
    // The child is gone too: signal 0 to its pid fails once it has exited (it was sent SIGTERM, which ends it).
    for (let alive = true; alive; ) {
      try {
        process.kill(childPid, 0);
        await new Promise((resolve) => setTimeout(resolve, 20));
      } catch {
        alive = false;
      }
    }
    expect(() => process.kill(childPid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });

  it('is executable on its own (shebang) and exits 2 on an unknown command', () => {
    accessSync(bin, constants.X_OK);
    const result = turbo(bin, ['frobnicate'], folderWith());
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^turbo: unknown command "frobnicate"/);
  });
});

describe('the Node version guard', () => {
  const required = requiredNode(join(__dirname, '../../package.json'));

  it('reads the lower bound from package.json engines.node', () => {
    const range = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')).engines.node as string;
    expect(`>=${required.slice(0, 2).join('.')}`).toBe(range);
  });

  it.each([
    ['20.20.2', 'Turbo needs Node ≥ 22.19; this is 20.20.2'],
    ['v22.13.0', 'Turbo needs Node ≥ 22.19; this is 22.13.0'],
    ['22.19.0', undefined],
    ['22.23.5', undefined],
    ['24.0.0', undefined],
  ])('Node %s: %s', (actual, expected) => {
    expect(nodeVersionProblem([22, 19, 0], actual)).toBe(expected);
  });

  const young = YOUNG_GENERATION_FLAG;
  it.each([
    ['22.19.0', [], '', [CONTEXT_FRAME_FLAG, young]],
    ['v22.23.5', ['--max-old-space-size=16384'], '', [CONTEXT_FRAME_FLAG, young, '--max-old-space-size=16384']],
    ['23.11.0', [], '', [CONTEXT_FRAME_FLAG, young]],
    ['22.23.5', [CONTEXT_FRAME_FLAG], '', [young, CONTEXT_FRAME_FLAG]],
    ['22.23.5', [], `--trace-warnings ${CONTEXT_FRAME_FLAG}`, [young]],
    ['22.23.5', ['--no-async-context-frame', '--max-semi-space-size=32'], '', undefined],
    ['22.23.5', [CONTEXT_FRAME_FLAG], '--max-semi-space-size=8', undefined],
    ['24.0.0', [], '', [young]],
    ['24.0.0', [young], '', undefined],
  ])('on Node %s with %j and NODE_OPTIONS %j, runs again with %j', (version, execArgv, nodeOptions, expected) => {
    expect(runtimeFlags(version, execArgv, nodeOptions)).toEqual(expected);
  });

  it('refuses an engines.node it cannot read as a lower bound', () => {
    const dir = folderWith({ 'package.json': JSON.stringify({ engines: { node: '^22' } }) });
    expect(() => requiredNode(join(dir, 'package.json'))).toThrow('engines.node must be a lower bound such as ">=22.19", got "^22"');
  });

  // The machine's own Node 20, when it has one: the guard must speak before any import that needs 22 fails.
  const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find((path) => {
    const probe = spawnSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    return probe.status === 0 && nodeVersionProblem(required, probe.stdout.trim()) !== undefined;
  });
  (oldNode ? it : it.skip)(`on an older Node (${oldNode ?? 'none on this machine'}), fails in one line and exits 1`, () => {
    const result = turbo(oldNode!, [bin, 'validate'], folderWith({ 'turbo.config.yml': exampleText }));
    const version = spawnSync(oldNode!, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
    expect(result.stderr).toBe(`Turbo needs Node ≥ ${required.slice(0, 2).join('.')}; this is ${version}\n`);
    expect(result.stdout).toBe('');
    expect(result.status).toBe(1);
  });
});
