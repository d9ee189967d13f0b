/**
 * The planner's benchmark: one reconcile tick's `plan()` (the stagger included) for a synthetic roster over five
 * time zones, at each runner quota, averaged over a whole day of ticks (every 15 minutes) with no records yet, so
 * that every developer's day is planned on every tick. Prints milliseconds per tick. Figures only.
 *
 *   npm run bench:plan            (or: node --import tsx bench/plan.ts 1000 5000)
 */
import { syntheticRoster } from '../cli/commands/rehearse';
import { formatTable } from '../cli/table';
import { plan } from '../functions/core/plan';
import { RECONCILE_TICK_MINUTES } from '../functions/core/config';
import { loadConfigText } from '../functions/core/configFile';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const DAY_START = Date.parse('2026-11-24T00:00:00Z'); // a Tuesday
const TICKS = (24 * 60) / RECONCILE_TICK_MINUTES;

function main() {
  const example = loadConfigText(readFileSync(join(__dirname, '..', 'turbo.config.example.yml'), 'utf8'));
  const sizes = process.argv.slice(2).map(Number);
  const rows: string[][] = [];
  for (const developers of sizes.length > 0 ? sizes : [1000, 5000]) {
    // The default quota of a new account, one slot per ten developers, and one that holds every job.
    for (const quota of [20, Math.max(20, developers / 10), developers]) {
      const roster = syntheticRoster(example, developers);
      const config = { ...roster, runner: { ...roster.runner, maxConcurrentJobs: quota } };
      let ups = 0;
      const started = performance.now();
      for (let tick = 0; tick < TICKS; tick++) {
        const now = new Date(DAY_START + tick * RECONCILE_TICK_MINUTES * 60_000);
        ups += plan(now, config, [], []).actions.filter((action) => action.action === 'up').length;
      }
      const perTick = (performance.now() - started) / TICKS;
      rows.push([String(developers), String(quota), perTick.toFixed(1), String(ups)]);
    }
  }
  console.log(`plan() over a day of ${TICKS} ticks, no records yet (every day planned on every tick).`);
  console.log(formatTable(['developers', 'quota', 'ms per tick', 'ups planned'], rows, { alignRight: [0, 1, 2, 3] }));
}

main();
