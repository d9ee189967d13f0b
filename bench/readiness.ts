/**
 * The readiness benchmark: a rehearsed morning (virtual time) of 500 developers over five time zones, once per
 * runner quota (runner.maxConcurrentJobs), and what the plan predicted for it beforehand (core/stagger, as
 * `turbo plan` predicts it). Prints the share ready by readyBy, the misses, and whether every miss was predicted.
 * Figures only.
 *
 *   npm run bench:readiness            (or: node --import tsx bench/readiness.ts 500 20 5)
 */
import { syntheticRoster } from '../cli/commands/rehearse';
import { rehearseDay } from '../cli/rehearsal/day';
import { packagedExample } from './setup';
import { summarise } from '../cli/rehearsal/summary';
import { formatTable } from '../cli/table';
import { staggeredOn } from '../functions/core/stagger';

const DATE = '2026-11-24'; // a Tuesday

async function main() {
  const { root, example, stack } = packagedExample(__dirname);
  const [developers = 500, ...quotas] = process.argv.slice(2).map(Number);
  const rows: string[][] = [];
  for (const quota of quotas.length > 0 ? quotas : [20, 5]) {
    const roster = syntheticRoster(example, developers);
    const config = { ...roster, runner: { ...roster.runner, maxConcurrentJobs: quota } };
    // At plan time, as reconcile staggers them: the day's ups under the quota, around the downs, no history yet.
    const planned = staggeredOn(DATE, config);
    const predicted = new Set(planned.filter((up) => up.miss).map((up) => up.developer));
    const started = performance.now();
    const day = await rehearseDay({ config, stack, root, date: DATE, until: 'ready' });
    const wall = (performance.now() - started) / 1000;
    const summary = summarise(config, day.executions, DATE);
    const onTime = summary.filter((row) => row.readyAt !== undefined && Date.parse(row.readyAt) <= Date.parse(row.readyBy));
    const missed = summary.filter((row) => !onTime.includes(row)).map((row) => row.developer);
    const unpredicted = missed.filter((developer) => !predicted.has(developer));
    rows.push([
      String(developers),
      String(quota),
      `${((100 * onTime.length) / summary.length).toFixed(1)} %`,
      String(missed.length),
      String(predicted.size),
      `${missed.length - unpredicted.length}/${missed.length}`,
      unpredicted.length === 0 ? 'none' : unpredicted.slice(0, 5).join(', '),
      String(day.cloud.jobSlots?.peakQueued ?? 0),
      `${wall.toFixed(1)} s`,
    ]);
  }
  const header = [
    'developers',
    'quota',
    'ready by readyBy',
    'missed',
    'predicted to miss',
    'misses predicted',
    'unpredicted misses',
    'peak queued jobs',
    'wall time',
  ];
  process.stdout.write(`${formatTable(header, rows)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
