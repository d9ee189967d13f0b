import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NO_AWS_NOTICE, parseInstant, run } from '../../cli/commands/plan';
import { main } from '../../cli/main';
import { loadConfigText } from '../../functions/core/configFile';
import { plan } from '../../functions/core/plan';
import { captureIn, folderWith } from './capture';

const exampleText = readFileSync(join(__dirname, '../../turbo.config.example.yml'), 'utf8');
const withExample = () => captureIn(folderWith({ 'turbo.config.yml': exampleText }));

describe('turbo plan', () => {
  it('prints each developer’s local time, predicted start and ready, action, run ID and reason, and says there is no AWS', async () => {
    const captured = withExample();
    expect(await run(['--at', '2026-11-24T07:35:00Z'], captured.io)).toBe(0);
    const lines = captured.stdout().split('\n');
    expect(lines.slice(0, 3)).toEqual(['Plan at 2026-11-24T07:35:00.000Z for team payments (turbo.config.yml)', NO_AWS_NOTICE, '']);
    expect(lines[3]).toMatch(/^developer +local time +start +ready +action +run ID +reason$/);
    const rows = lines.slice(4, 8).map((line) => line.split(/ {2,}/));
    expect(rows).toEqual([
      [
        'alice',
        'Tue 2026-11-24 08:35 Europe/Berlin',
        '08:30',
        '08:55',
        'up',
        'alice-up-20261124',
        'working day; ready by 09:00 Europe/Berlin needs a start at 08:30 Europe/Berlin',
      ],
      [
        'bob',
        'Tue 2026-11-24 08:35 Europe/Berlin',
        '08:00',
        '08:25',
        'up',
        'bob-up-20261124',
        'working day; ready by 08:30 Europe/Berlin needs a start at 08:00 Europe/Berlin',
      ],
      [
        'carol',
        'Tue 2026-11-24 02:35 America/New_York',
        '09:00',
        '09:25',
        '-',
        '-',
        'before the start at 09:00 America/New_York (ready by 09:30 America/New_York); nothing is running',
      ],
      [
        'dave',
        'Tue 2026-11-24 13:05 Asia/Kolkata',
        '08:30',
        '08:55',
        'up',
        'dave-up-20261124',
        'working day; ready by 09:00 Asia/Kolkata needs a start at 08:30 Asia/Kolkata',
      ],
    ]);
    expect(lines.slice(8)).toEqual([
      '',
      '3 to start, 1 idle',
      '',
      'Predicted with apply 12 min, wait for the cluster 12 min, deploy 1 min (the config, no history yet), at most 20 jobs at once ' +
        '(runner.maxConcurrentJobs) with the wakes and the downs at teardown counted, ups started on the 15-minute ticks.',
      'Would miss readyBy: nobody',
      '',
    ]);
  });

  it('--json prints the core plan itself on stdout, and the notice on stderr', async () => {
    const captured = withExample();
    expect(await run(['--at', '2026-11-24T09:00:00+01:00', '--json'], captured.io)).toBe(0);
    const expected = plan(new Date('2026-11-24T08:00:00Z'), loadConfigText(exampleText), [], []);
    const { predictions, ...printed } = JSON.parse(captured.stdout());
    expect(printed).toEqual(expected);
    expect(predictions[0]).toEqual({
      developer: 'alice',
      date: '2026-11-24',
      start: '2026-11-24T07:30:00.000Z',
      ready: '2026-11-24T07:55:00.000Z',
      readyBy: '2026-11-24T08:00:00.000Z',
      miss: null,
    });
    expect(expected.actions.map((action) => action.runId)).toEqual(['alice-up-20261124', 'bob-up-20261124', 'dave-up-20261124']);
    expect(captured.stderr()).toBe(`${NO_AWS_NOTICE}\n`);
  });

  it('names who would miss readyBy and why: the runner quota, a lead too short', async () => {
    const text = exampleText
      .replace(/maxConcurrentJobs: 20\b/, 'maxConcurrentJobs: 1')
      .replace('readyBy: "09:00"', 'readyBy: "00:40"')
      .replace('readyBy: "08:30"', 'readyBy: "00:40"')
      .replace('readyBy: "09:30"', 'readyBy: "00:20"');
    const captured = captureIn(folderWith({ 'turbo.config.yml': text }));
    expect(await run(['--at', '2026-11-23T23:00:00Z'], captured.io)).toBe(0);
    const out = captured.stdout();
    // alice takes the 00:15 tick, the last in time for 00:40; her deploy at 00:39 keeps bob's apply off 00:15 and 00:30.
    expect(out).toMatch(/\nbob +Tue 2026-11-24 00:00 Europe\/Berlin +00:45 +01:10 LATE +- +- +before the start at 00:45 /);
    expect(out).toContain(
      '\nWould miss readyBy (2):\n' +
        '  bob: ready 01:10 Europe/Berlin for readyBy 00:40 Europe/Berlin: the runner quota: every tick from 00:00 Europe/Berlin ' +
        'to 00:15 Europe/Berlin (the last start in time) has all 1 runner slots taken (runner.maxConcurrentJobs)\n' +
        '  carol: ready 00:25 America/New_York for readyBy 00:20 America/New_York: a lead too short: an up takes 25 min, ' +
        'and the day starts at 00:00 America/New_York, 20 min before readyBy\n',
    );
  });

  it('--config reads another file', async () => {
    const dir = folderWith({ 'other.yml': exampleText.replace('team: payments', 'team: search') });
    const captured = captureIn(dir);
    expect(await run(['--config', 'other.yml', '--at', '2026-11-28T12:00:00Z'], captured.io)).toBe(0);
    expect(captured.stdout()).toMatch(/^Plan at 2026-11-28T12:00:00.000Z for team search \(other\.yml\)\n/);
    expect(captured.stdout()).toMatch(/\n0 to start, 4 idle\n\n.*\nWould miss readyBy: nobody\n$/); // a Saturday
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
