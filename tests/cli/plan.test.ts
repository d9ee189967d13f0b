import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NO_AWS_NOTICE, parseInstant, run } from '../../cli/commands/plan';
import { main } from '../../cli/main';
import { loadConfigText } from '../../functions/core/config';
import { plan } from '../../functions/core/plan';
import { captureIn, folderWith } from './capture';

const exampleText = readFileSync(join(__dirname, '../../turbo.config.example.yml'), 'utf8');
const withExample = () => captureIn(folderWith({ 'turbo.config.yml': exampleText }));

describe('turbo plan', () => {
  it('prints a table with each developer’s local time, action, run ID and reason, and says there is no AWS', async () => {
    const captured = withExample();
    expect(await run(['--at', '2026-11-24T07:35:00Z'], captured.io)).toBe(0);
    const lines = captured.stdout().split('\n');
    expect(lines.slice(0, 3)).toEqual(['Plan at 2026-11-24T07:35:00.000Z for team payments (turbo.config.yml)', NO_AWS_NOTICE, '']);
    expect(lines[3]).toMatch(/^developer +local time +action +run ID +reason$/);
    const rows = lines.slice(4, 8).map((line) => line.split(/ {2,}/));
    expect(rows).toEqual([
      [
        'alice',
        'Tue 2026-11-24 08:35 Europe/Berlin',
        'up',
        'alice-up-20261124',
        'working day; ready by 09:00 Europe/Berlin needs a start at 08:30 Europe/Berlin',
      ],
      [
        'bob',
        'Tue 2026-11-24 08:35 Europe/Berlin',
        'up',
        'bob-up-20261124',
        'working day; ready by 08:30 Europe/Berlin needs a start at 08:00 Europe/Berlin',
      ],
      [
        'carol',
        'Tue 2026-11-24 02:35 America/New_York',
        '-',
        '-',
        'before the start at 09:00 America/New_York (ready by 09:30 America/New_York); nothing is running',
      ],
      [
        'dave',
        'Tue 2026-11-24 13:05 Asia/Kolkata',
        'up',
        'dave-up-20261124',
        'working day; ready by 09:00 Asia/Kolkata needs a start at 08:30 Asia/Kolkata',
      ],
    ]);
    expect(lines.slice(8)).toEqual(['', '3 to start, 1 idle', '']);
  });

  it('--json prints the core plan itself on stdout, and the notice on stderr', async () => {
    const captured = withExample();
    expect(await run(['--at', '2026-11-24T09:00:00+01:00', '--json'], captured.io)).toBe(0);
    const expected = plan(new Date('2026-11-24T08:00:00Z'), loadConfigText(exampleText), [], []);
    expect(JSON.parse(captured.stdout())).toEqual(expected);
    expect(expected.actions.map((action) => action.runId)).toEqual(['alice-up-20261124', 'bob-up-20261124', 'dave-up-20261124']);
    expect(captured.stderr()).toBe(`${NO_AWS_NOTICE}\n`);
  });

  it('--config reads another file', async () => {
    const dir = folderWith({ 'other.yml': exampleText.replace('team: payments', 'team: search') });
    const captured = captureIn(dir);
    expect(await run(['--config', 'other.yml', '--at', '2026-11-28T12:00:00Z'], captured.io)).toBe(0);
    expect(captured.stdout()).toMatch(/^Plan at 2026-11-28T12:00:00.000Z for team search \(other\.yml\)\n/);
    expect(captured.stdout()).toMatch(/\n0 to start, 4 idle\n$/); // a Saturday
  });

  it.each(['tomorrow', '2026-11-24T07:35', '2026-02-30T08:00:00Z', '1732435200'])(
    'a bad --at value (%s) is a usage error naming it',
    async (value) => {
      const captured = withExample();
      expect(await main(['plan', '--at', value], captured.io)).toBe(2);
      expect(captured.stderr()).toMatch(new RegExp(`^turbo plan: --at "${value}" is not an ISO 8601 instant with a zone, such as `));
      expect(captured.stdout()).toBe('');
    },
  );

  it('accepts offsets written with or without a colon', () => {
    expect(parseInstant('2026-11-24T09:00:00+01:00').toISOString()).toBe('2026-11-24T08:00:00.000Z');
    expect(parseInstant('2026-11-24T03:00-0500').toISOString()).toBe('2026-11-24T08:00:00.000Z');
  });

  it('an invalid config lists its problems and plans nothing (exit 1)', async () => {
    const captured = captureIn(folderWith({ 'turbo.config.yml': exampleText.replace('readyBy: "08:30"', 'readyBy: "8:30"') }));
    expect(await run(['--at', '2026-11-24T07:35:00Z'], captured.io)).toBe(1);
    expect(captured.stderr()).toBe('turbo.config.yml: 1 problem\n  developers[1].readyBy: must be a 24-hour time HH:MM (got "8:30")\n');
    expect(captured.stdout()).toBe('');
  });
});
