import { main } from '../../cli/main';
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

  it('<command> --help prints that command’s usage, exit 0', async () => {
    const captured = captureIn(folderWith());
    expect(await main(['validate', '--help'], captured.io)).toBe(0);
    expect(captured.stdout()).toBe('Check a config file and list every problem\n\nUsage: turbo validate [file]   (default: turbo.config.yml, else turbo.config.example.yml)\n');
  });
});
