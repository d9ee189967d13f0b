/**
 * The soak benchmark: wall and CPU time, peak memory, the peak record (and its growth a day), the peak payload and
 * history (with the execution and state), Docker Hub's peak pulls and the broken invariants of a soak, for 30 days
 * × 200 developers and 90 × 1,000. Figures only.
 *
 *   npm run bench:soak                 (or: node --import tsx bench/soak.ts 30x200 90x1000)
 */
import { packagedExample } from './setup';
import { runSoak } from '../cli/soak/run';
import { formatTable } from '../cli/table';

async function main() {
  const { root, example: config, stack } = packagedExample(__dirname);
  const sizes = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['30x200', '90x1000'];
  const rows: string[][] = [];
  for (const size of sizes) {
    const [days, developers] = size.split('x').map(Number) as [number, number];
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 250);
    // The soak installs a fake clock; performance.now() is not faked, so it measures wall time.
    const started = performance.now();
    const cpu = process.cpuUsage();
    // A team of 1,000 raises CodeBuild's concurrent builds (20 by default): one slot per 10 developers, as `--quota`.
    const quota = Math.max(config.runner.maxConcurrentJobs, Math.ceil(developers / 10));
    const team = { ...config, runner: { ...config.runner, maxConcurrentJobs: quota } };
    const result = await runSoak({ config: team, stack, root, days, developers, seed: 1, faultRate: 0.02, start: '2027-03-01' });
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1e6;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const record = result.rows.map((row) => row.peakRecordBytes);
    const growth = (Math.max(...record) - record[0]!) / Math.max(1, record.length - 1);
    const payload = result.rows.reduce(
      (top, row) => (row.peakPayload.bytes > top.bytes ? row.peakPayload : top),
      result.rows[0]!.peakPayload,
    );
    const history = result.rows.reduce(
      (top, row) => (row.peakHistory.events > top.events ? row.peakHistory : top),
      result.rows[0]!.peakHistory,
    );
    const broken = [...new Set(result.broken.map((entry) => entry.invariant))].sort();
    rows.push([
      `${size} (quota ${quota})`,
      `${seconds.toFixed(0)} s`,
      `${cpuSeconds.toFixed(0)} s`,
      `${(peak / 2 ** 20).toFixed(0)} MB`,
      `${(Math.max(...record) / 1024).toFixed(1)} KB (+${(growth / 1024).toFixed(2)} KB/day)`,
      `${(payload.bytes / 1024).toFixed(1)} KB ${payload.execution} ${payload.state}`,
      `${history.events} ${history.execution}`,
      `NAT ${result.dockerHub.peakPullsPerHour}/h, cache ${result.dockerHub.peakCachePullsPerHour}/h (${result.dockerHub.refusedPulls + result.dockerHub.refusedCachePulls} refused)`,
      broken.join(' ') || 'none',
    ]);
    console.log(
      formatTable(
        [
          'days × developers',
          'wall',
          'CPU',
          'peak RSS',
          'peak record',
          'peak payload',
          'peak history',
          'Docker Hub pulls',
          'broken invariants',
        ],
        rows,
      ),
    );
  }
}

void main();
