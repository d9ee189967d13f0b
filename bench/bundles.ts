/**
 * Bundle sizes and the init part of a cold start, per function, from what `serverless package` produced: each
 * zip is unpacked and its handler module loaded in a fresh Node process (median of 3), as Lambda's init would.
 * Figures only.
 *
 *   npm run bench:bundles
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatTable } from '../cli/table';
import { ensurePackaged, projectRoot } from '../cli/rehearsal/packaged';

const root = projectRoot(__dirname);
ensurePackaged(root);
const zips = readdirSync(join(root, '.serverless')).filter((file) => file.endsWith('.zip')).sort();
const INIT = `const started = process.hrtime.bigint(); require(process.argv[1]); console.log(Number(process.hrtime.bigint() - started) / 1e6);`;

const rows = zips.map((zip) => {
  const dir = mkdtempSync(join(tmpdir(), 'turbo-bundle-'));
  try {
    execFileSync('unzip', ['-q', join(root, '.serverless', zip), '-d', dir]);
    const name = zip.replace(/\.zip$/, '');
    const handler = join(dir, 'functions/handlers', `${name}.js`);
    const env = { ...process.env, LAMBDA_TASK_ROOT: dir, AWS_REGION: 'eu-west-1', POWERTOOLS_LOG_LEVEL: 'SILENT' };
    const runs = [1, 2, 3].map(() => Number(execFileSync(process.execPath, ['-e', INIT, handler], { env }).toString()));
    const median = runs.sort((a, b) => a - b)[1]!;
    return [name, `${(statSync(join(root, '.serverless', zip)).size / 1024).toFixed(0)} KiB`, `${(statSync(handler).size / 1024).toFixed(0)} KiB`, `${median.toFixed(0)} ms`];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

console.log('Functions as packaged: zip size, bundled handler size (minified, without its source map), module init time (median of 3)');
console.log(formatTable(['function', 'zip', 'handler.js', 'init'], rows, { rule: true, alignRight: [1, 2, 3] }));
