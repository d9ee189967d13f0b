/**
 * The planner's benchmark: one reconcile tick's `plan()` (the stagger included) for a synthetic roster over five
 * time zones, at each runner quota, averaged over a whole day of ticks (every 15 minutes). Two shapes of the fleet:
 * no records yet (every developer's day is planned on every tick), and every developer up since the day began, with
 * a record each that remembers twenty ups (what a tick sees once the fleet has run for a while). Prints milliseconds
 * per tick. Figures only.
 *
 *   npm run bench:plan            (or: node --import tsx bench/plan.ts 1000 5000)
 */
import { syntheticRoster } from '../cli/commands/rehearse';
import { formatTable } from '../cli/table';
import { plan, runIdFor } from '../functions/core/plan';
import { clusterNameOf, RECONCILE_TICK_MINUTES, scheduleOf, type TurboConfig } from '../functions/core/config';
import { loadConfigText } from '../functions/core/configFile';
import { MAX_UP_SAMPLES } from '../functions/core/stagger';
import type { EnvironmentRecord } from '../functions/core/types';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const DAY_START = Date.parse('2026-11-24T00:00:00Z'); // a Tuesday
const TICKS = (24 * 60) / RECONCILE_TICK_MINUTES;
const DAY_MS = 86_400_000;

/** Every developer up since their local day began, each record remembering MAX_UP_SAMPLES ups of the days before. */
function upRecords(config: TurboConfig): EnvironmentRecord[] {
  return config.developers.map((dev, index) => {
    const { timezone } = scheduleOf(config, dev);
    const startedAt = new Date(DAY_START - 6 * 3_600_000);
    const at = (daysAgo: number) => new Date(DAY_START - daysAgo * DAY_MS + (index % 60) * 60_000).toISOString();
    return {
      developer: dev.name,
      status: 'ready',
      clusterName: clusterNameOf(dev.name),
      runId: runIdFor(dev.name, 'up', new Date(DAY_START + 12 * 3_600_000), timezone),
      action: 'up',
      updatedAt: startedAt.toISOString(),
      startedAt: startedAt.toISOString(),
      readyAt: new Date(startedAt.getTime() + 13 * 60_000).toISOString(),
      upHistory: Array.from({ length: MAX_UP_SAMPLES }, (_, ago) => ({
        at: at(MAX_UP_SAMPLES - ago),
        region: config.region,
        applySeconds: 700 + (index % 40),
        waitSeconds: 0,
        deploySeconds: 60 + (index % 20),
      })),
    };
  });
}

function main() {
  const example = loadConfigText(readFileSync(join(__dirname, '..', 'turbo.config.example.yml'), 'utf8'));
  const sizes = process.argv.slice(2).map(Number);
  const rows: string[][] = [];
  for (const developers of sizes.length > 0 ? sizes : [1000, 5000]) {
    // The default quota of a new account, one slot per ten developers, and one that holds every job.
    for (const quota of [20, Math.max(20, developers / 10), developers]) {
      const roster = syntheticRoster(example, developers);
      const config = { ...roster, runner: { ...roster.runner, maxConcurrentJobs: quota } };
      const row = [String(developers), String(quota)];
      for (const records of [[], upRecords(config)]) {
        let ups = 0;
        const started = performance.now();
        for (let tick = 0; tick < TICKS; tick++) {
          const now = new Date(DAY_START + tick * RECONCILE_TICK_MINUTES * 60_000);
          ups += plan(now, config, records, []).actions.filter((action) => action.action === 'up').length;
        }
        row.push(((performance.now() - started) / TICKS).toFixed(1), String(ups));
      }
      rows.push(row);
    }
  }
  console.log(
    `plan() over a day of ${TICKS} ticks: with no records yet, and with every developer up (${MAX_UP_SAMPLES} ups remembered each).`,
  );
  console.log(
    formatTable(['developers', 'quota', 'ms per tick, no records', 'ups planned', 'ms per tick, all up', 'ups planned'], rows, {
      alignRight: [0, 1, 2, 3, 4, 5],
    }),
  );
}

main();
