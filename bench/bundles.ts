/**
 * Bundle sizes and the init part of a cold start, per function, from what `serverless package` produced: each
 * zip is unpacked and its handler module loaded in a fresh Node process (median of 3), as Lambda's init would.
 * With a baseline (the .serverless folder of an earlier package, kept outside the repo), the baseline's bundles
 * are measured in the same run, interleaved with these, and the init times are printed as a ratio. Figures only.
 *
 *   npm run bench:bundles [-- --baseline /path/to/old/.serverless]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatTable } from '../cli/table';
import { ensurePackaged, projectRoot } from '../cli/rehearsal/packaged';

const root = projectRoot(__dirname);
const { values } = parseArgs({ options: { baseline: { type: 'string' } } });
ensurePackaged(root);
const current = join(root, '.serverless');
const baseline = values.baseline;
if (baseline && !existsSync(baseline)) throw new Error(`--baseline ${baseline}: no such folder`);
const zips = readdirSync(current)
  .filter((file) => file.endsWith('.zip'))
  .sort();
const INIT = `const started = process.hrtime.bigint(); require(process.argv[1]); console.log(Number(process.hrtime.bigint() - started) / 1e6);`;
const MB = 1024 * 1024;

interface Measured {
  zip: number;
  handler: number;
  init: number;
}

function measure(folder: string, zip: string): Measured {
  const dir = mkdtempSync(join(tmpdir(), 'turbo-bundle-'));
  try {
    execFileSync('unzip', ['-q', join(folder, zip), '-d', dir]);
    const handler = join(dir, 'functions/handlers', `${zip.replace(/\.zip$/, '')}.js`);
    const env = { ...process.env, LAMBDA_TASK_ROOT: dir, AWS_REGION: 'eu-west-1', POWERTOOLS_LOG_LEVEL: 'SILENT' };
    const runs = [1, 2, 3].map(() => Number(execFileSync(process.execPath, ['-e', INIT, handler], { env }).toString()));
    return { zip: statSync(join(folder, zip)).size, handler: statSync(handler).size, init: runs.sort((a, b) => a - b)[1]! };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const rows = zips.map((zip) => {
  const now = measure(current, zip);
  const row = [zip.replace(/\.zip$/, ''), kib(now.zip), kib(now.handler), `${now.init.toFixed(0)} ms`];
  if (!baseline) return { row, now };
  const before = existsSync(join(baseline, zip)) ? measure(baseline, zip) : undefined;
  if (!before) return { row: [...row, '-', '-', '-'], now };
  return { row: [...row, kib(before.handler), `${before.init.toFixed(0)} ms`, `${(now.init / before.init).toFixed(2)}`], now };
});

const ratios = rows.flatMap((entry) => (entry.row.length > 4 && entry.row[6] !== '-' ? [Number(entry.row[6])] : [])).sort((a, b) => a - b);
const headers = ['function', 'zip', 'handler.js', 'init', ...(baseline ? ['baseline handler.js', 'baseline init', 'init ratio'] : [])];
console.log('Functions as packaged: zip size, bundled handler size (minified, without its source map), module init time (median of 3)');
console.log(
  formatTable(
    headers,
    rows.map((entry) => entry.row),
    { rule: true, alignRight: headers.map((_, i) => i).slice(1) },
  ),
);
const largest = Math.max(...rows.map((entry) => entry.now.handler));
console.log(
  `Largest handler.js: ${(largest / MB).toFixed(2)} MiB (target ≤ 1 MiB); over 1 MiB: ${
    rows
      .filter((entry) => entry.now.handler > MB)
      .map((entry) => entry.row[0])
      .join(', ') || 'none'
  }`,
);
if (ratios.length)
  console.log(`Median init ratio (now / baseline) over ${ratios.length} functions: ${ratios[Math.floor(ratios.length / 2)]!.toFixed(2)}`);
