/**
 * The workflow benchmark: rehearses a whole day for rosters of 1, 100, 1,000 and 5,000 developers, each in its own
 * process, and prints wall time and peak memory of that process, state transitions per developer (all machines) and
 * per up and down, Lambda invocations, the detection delay (virtual seconds between a job finishing and the
 * workflow noticing), and per state machine the peak payload and history of any one execution against Step
 * Functions' limits (256 KB, 25,000 events). Figures only: nothing here asserts on time.
 *
 *   npm run bench            (or: node --import tsx bench/workflow.ts 1 100 1000 5000)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatTable } from '../cli/table';

const root = join(__dirname, '..');
const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const rosters = sizes.length > 0 ? sizes : [1, 100, 1000, 5000];

// Package once up front, so that no row pays for it.
execFileSync(
  process.execPath,
  [
    join(root, 'bin/turbo.mjs'),
    'rehearse',
    '--developers',
    '1',
    '--date',
    '2026-11-24',
    '--quiet',
    '--out',
    mkdtempSync(join(tmpdir(), 'turbo-bench-')),
  ],
  { cwd: root, stdio: 'ignore' },
);

const rows: string[][] = [];
const peakRows: string[][] = [];
type Peak = { executions: number; payloadBytes: number; payloadState: string; historyEvents: number };
for (const developers of rosters) {
  const out = mkdtempSync(join(tmpdir(), 'turbo-bench-'));
  const timing = `${out}.time`; // outside `out`: the rehearsal empties its output folder first
  try {
    execFileSync(
      '/usr/bin/time',
      [
        '-f',
        '%e %M',
        '-o',
        timing,
        process.execPath,
        join(root, 'bin/turbo.mjs'),
        'rehearse',
        '--developers',
        String(developers),
        // A quota that holds every job: this bench measures the engine and Step Functions' limits at scale; the
        // quota's effect on readiness is bench/readiness's.
        '--quota',
        String(developers),
        '--date',
        '2026-11-24',
        '--quiet',
        '--out',
        out,
      ],
      { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (error) {
    // A day with a failed developer exits 1 and still writes its figures; without them the row says why, and the others run.
    if (!existsSync(join(out, 'metrics.json'))) {
      const lines = String((error as { stderr?: Buffer }).stderr ?? error)
        .trim()
        .split('\n');
      const reason = lines.find((line) => /^turbo [a-z]+: /.test(line)) ?? lines.at(-1);
      rows.push([String(developers), `failed: ${reason}`, ...Array<string>(8).fill('')]);
      continue;
    }
  }
  // The last line: before it, time(1) says so when the command exited non-zero.
  const [seconds, maxKb] = readFileSync(timing, 'utf8').trim().split('\n').at(-1)!.split(/\s+/).map(Number) as [number, number];
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { developers: { result: string }[] };
  const ok = summary.developers.filter((row) => row.result === 'destroyed').length;
  const delay = metrics.detectionDelaySeconds;
  rows.push([
    String(developers),
    `${ok}/${summary.developers.length}`,
    `${seconds.toFixed(1)} s`,
    `${Math.round(maxKb / 1024)} MiB`,
    (metrics.totalTransitions / developers).toFixed(1),
    `${metrics.upTransitions.mean} (max ${metrics.upTransitions.max})`,
    `${metrics.downTransitions.mean} (max ${metrics.downTransitions.max})`,
    `${metrics.upLambdaInvocations.mean} / ${metrics.downLambdaInvocations.mean}`,
    `${delay.apply.mean} (max ${delay.apply.max})`,
    `${delay.deploy.max} / ${delay.destroy.max}`,
  ]);
  for (const [machine, peak] of Object.entries(metrics.peaks as Record<string, Peak>)) {
    peakRows.push([
      String(developers),
      machine,
      String(peak.executions),
      `${(peak.payloadBytes / 1024).toFixed(1)} KB (${peak.payloadState})`,
      String(peak.historyEvents),
    ]);
  }
  rmSync(out, { recursive: true, force: true });
  rmSync(timing, { force: true });
}

const header = [
  'developers',
  'destroyed ok',
  'wall time',
  'peak RSS',
  'transitions/dev',
  'transitions/up',
  'transitions/down',
  'lambda calls up/down',
  'apply detection s',
  'deploy/destroy max s',
];
console.log('Rehearsal of a whole day (2026-11-24), one process per roster size; transitions and delays are virtual.');
console.log(formatTable(header, rows, { rule: true }));
console.log('\nPer state machine, the largest of any one execution (limits: 256 KB per state, 25,000 history events).');
console.log(formatTable(['developers', 'machine', 'executions', 'peak payload (state)', 'peak history events'], peakRows, { rule: true }));
