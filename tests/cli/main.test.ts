import { commands, main } from '../../cli/main';
import { FAULT_CASES } from '../../cli/faults';
import { FAULT_POINTS } from '../../functions/adapters/memory/cloud';
import { captureIn, folderWith } from './capture';

describe('turbo (the dispatcher)', () => {
  it('--help lists every command with its summary, exit 0', async () => {
    const captured = captureIn(folderWith());
    expect(await main(['--help'], captured.io)).toBe(0);
    expect(captured.stdout()).toMatch(/^Usage: turbo <command> \[options\]\n/);
    expect(captured.stdout()).toMatch(/\n {2}validate {2}Check a config file and list every problem\n/);
    expect(captured.stdout()).toMatch(/\n {2}plan {6}Show what reconcile would start/);
  });

  it('no command: usage on stderr, exit 2', async () => {
    const captured = captureIn(folderWith());
    expect(await main([], captured.io)).toBe(2);
    expect(captured.stderr()).toMatch(/^Usage: turbo <command>/);
  });

  it('an unknown command: a clear error and the usage, exit 2', async () => {
    const captured = captureIn(folderWith());
    expect(await main(['deploy-everything'], captured.io)).toBe(2);
    expect(captured.stderr()).toMatch(/^turbo: unknown command "deploy-everything"\n\nUsage: turbo <command>/);
    expect(captured.stdout()).toBe('');
  });

  it('a bad flag: the parser’s message and the command’s usage, exit 2', async () => {
    const captured = captureIn(folderWith());
    expect(await main(['plan', '--bogus'], captured.io)).toBe(2);
    expect(captured.stderr()).toMatch(/^turbo plan: Unknown option '--bogus'/);
    expect(captured.stderr()).toMatch(/\nUsage: turbo plan \[--at <ISO instant>\] \[--config <file>\] \[--json\]\n$/);
  });

  it('a flag that needs a value and has none, exit 2', async () => {
    const captured = captureIn(folderWith());
    expect(await main(['plan', '--at'], captured.io)).toBe(2);
    expect(captured.stderr()).toMatch(/^turbo plan: Option '--at <value>' argument missing/);
  });

  it('<command> --help prints that command’s usage and options, exit 0', async () => {
    const captured = captureIn(folderWith());
    expect(await main(['validate', '--help'], captured.io)).toBe(0);
    expect(captured.stdout()).toBe(
      [
        'Check a config file and list every problem',
        '',
        'Usage: turbo validate [file]',
        '',
        'Options:',
        '  [file]  the config to check (default: turbo.config.yml or turbo.config.yaml, else turbo.config.example.yml)',
        '',
      ].join('\n'),
    );
  });

  it('--version prints the version of package.json', async () => {
    const captured = captureIn(folderWith());
    expect(await main(['--version'], captured.io)).toBe(0);
    expect(captured.stdout()).toBe(`turbo ${require('../../package.json').version}\n`);
  });

  describe.each(commands.map((command) => [command.name, command] as const))('turbo %s --help', (name, command) => {
    it('explains every flag of its usage line, and no other', async () => {
      const captured = captureIn(folderWith());
      expect(await main([name, '--help'], captured.io)).toBe(0);
      const flagsOf = (text: string) => [...new Set(text.match(/--[a-z][a-z-]*/g) ?? [])].sort();
      expect(flagsOf(Object.keys(command.options).join(' '))).toEqual(flagsOf(command.usage));
      const lines = captured.stdout().split('\n');
      for (const [flag, help] of Object.entries(command.options)) {
        expect(lines.filter((line) => line.startsWith(`  ${flag} `) && line.endsWith(`  ${help}`))).toHaveLength(1);
      }
    });
  });

  it('turbo rehearse --help lists every fault point, and turbo faults --help every fault', async () => {
    const rehearse = captureIn(folderWith());
    await main(['rehearse', '--help'], rehearse.io);
    for (const point of FAULT_POINTS) expect(rehearse.stdout()).toMatch(new RegExp(`\\n  ${point}\\n`));
    expect(rehearse.stdout()).toMatch(/--developers N +.*\(default: the config's roster\)/);
    const faults = captureIn(folderWith());
    await main(['faults', '--help'], faults.io);
    for (const faultCase of FAULT_CASES) expect(faults.stdout()).toMatch(new RegExp(`\\n  ${faultCase.inject} +${faultCase.fault}\\n`));
  });
});
