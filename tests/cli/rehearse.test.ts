/**
 * `turbo rehearse` tells the truth about readyBy: a cluster ready after it is a failure of the day, with its
 * reason, in the table, summary.json and the exit code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { run } from '../../cli/commands/rehearse';
import { EXAMPLE_CONFIG } from '../../cli/commands/validate';
import { root } from '../support/packaged';
import { captureIn, folderWith } from './capture';

/** The example with alice alone (readyBy 09:00 Europe/Berlin), and the given overrides. */
function configText(overrides: Record<string, unknown>): string {
  const example = parseYaml(readFileSync(join(root, EXAMPLE_CONFIG), 'utf8')) as { developers: { name: string }[]; jobs: object };
  return stringifyYaml({ ...example, ...overrides, developers: example.developers.filter((dev) => dev.name === 'alice') });
}

describe('turbo rehearse and readyBy', () => {
  it('counts a cluster ready after readyBy as a failure, with the margin and the reason, and exits non-zero', async () => {
    const example = parseYaml(readFileSync(join(root, EXAMPLE_CONFIG), 'utf8')) as { jobs: Record<string, number> };
    // The planner starts an up as early as its expected 35-minute apply needs; a readyBy 30 minutes after the day
    // starts (local midnight) leaves no such start, so the cluster is late, and the plan said why.
    const late = configText({ jobs: { ...example.jobs, applyMinutes: 35 }, readyBy: '00:30' });
    const folder = folderWith({ 'late.yml': late });
    const captured = captureIn(folder);
    const code = await run(['--config', 'late.yml', '--date', '2026-11-24', '--quiet', '--out', 'out'], captured.io);
    const stdout = captured.stdout();
    expect(code).toBe(1);
    expect(stdout).toMatch(/^alice +Europe\/Berlin +late +00:30 \(\d+ min late\) +00:[34]\d /m);
    expect(stdout).toContain('Ready on time 0, late 1, failed 0, skipped 0 (of 1)');
    expect(stdout).toContain('0 of 1 developer(s) ok');
    expect(stdout).toMatch(/FAILED: alice \(late: ready at 00:[34]\d for readyBy 00:30 \(\d+ min late\); /);
    expect(stdout).toMatch(/; the up started at 00:\d\d, .*and took \d+ min against a lead of 25 min\)\n/);
    type Summary = { developers: { result: string; marginMinutes: number; reason: string }[] };
    const summary = JSON.parse(readFileSync(join(folder, 'out', 'summary.json'), 'utf8')) as Summary;
    expect(summary.developers[0]).toMatchObject({ result: 'late', reason: expect.stringMatching(/^late: /) });
    expect(summary.developers[0]!.marginMinutes).toBeLessThan(0);
  });

  it('passes a day that is on time, showing how early each cluster was', async () => {
    const captured = captureIn(folderWith({ 'ok.yml': configText({}) }));
    const code = await run(['--config', 'ok.yml', '--date', '2026-11-24', '--quiet', '--out', 'out'], captured.io);
    expect(code).toBe(0);
    expect(captured.stdout()).toMatch(/^alice +Europe\/Berlin +destroyed +09:00 \(\d+ min early\) +08:[0-5]\d /m);
    expect(captured.stdout()).toMatch(/Up time \(start to ready\): p50 1\d min, p95 1\d min over 1 cluster\(s\)/);
    expect(captured.stdout()).toMatch(/Per up: \d+ transitions \(max \d+\), \d+(\.\d)? Lambda calls; per down: /);
  });

  it('rehearses synthetic rosters up to 10,000 developers (the benchmark runs 5,000) and refuses more, naming the bound', async () => {
    const captured = captureIn(folderWith({ 'team.yml': configText({}) }));
    await expect(run(['--config', 'team.yml', '--developers', '10001', '--date', '2026-11-24', '--quiet'], captured.io)).rejects.toThrow(
      '--developers must be a whole number from 1 to 10000, got "10001"',
    );
  });

  it('refuses a runner quota that is no whole number of jobs, naming the flag', async () => {
    const captured = captureIn(folderWith({ 'team.yml': configText({}) }));
    await expect(run(['--config', 'team.yml', '--quota', '0', '--date', '2026-11-24', '--quiet'], captured.io)).rejects.toThrow(
      '--quota must be a whole number from 1 to 10000, got "0"',
    );
  });
});
