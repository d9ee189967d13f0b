/**
 * The soak benchmark: wall time and peak memory of a soak, for 30 days × 200 developers and 90 × 1,000.
 * Figures only.
 *
 *   npm run bench:soak                 (or: node --import tsx bench/soak.ts 30x200 90x1000)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePackaged, loadPackagedStack, projectRoot } from '../cli/rehearsal/packaged';
import { runSoak } from '../cli/soak/run';
import { formatTable } from '../cli/table';
import { loadConfigText } from '../functions/core/config';

async function main() {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const root = projectRoot(__dirname);
  ensurePackaged(root);
  const config = loadConfigText(readFileSync(join(root, 'turbo.config.example.yml'), 'utf8'));
  const stack = loadPackagedStack(root, config.region);
  const sizes = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['30x200', '90x1000'];
  const rows: string[][] = [];
  for (const size of sizes) {
    const [days, developers] = size.split('x').map(Number) as [number, number];
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 250);
    // The soak installs a fake clock; performance.now() is not faked, so it measures wall time.
    const started = performance.now();
    const result = await runSoak({ config, stack, root, days, developers, seed: 1, faultRate: 0.02, start: '2027-03-01' });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    rows.push([size, `${seconds.toFixed(0)} s`, `${(peak / 2 ** 20).toFixed(0)} MB`, String(result.broken.length)]);
    console.log(formatTable(['days × developers', 'wall time', 'peak RSS', 'broken invariants'], rows));
  }
}

void main();
