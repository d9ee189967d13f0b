/**
 * `turbo soak`: weeks of the packaged state machines on the in-memory cloud, inside AWS's documented limits, with
 * the invariants checked every simulated hour. Exits 1 naming each broken invariant, its day, developer and execution.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import { UsageError, wholeNumberFlag, type CommandIo } from '../io';
import { ensurePackaged, loadPackagedStack, projectRoot } from '../rehearsal/packaged';
import { formatBroken, formatDays, writeSoak } from '../soak/report';
import { runSoak } from '../soak/run';
import { loadValidConfig } from './validate';
import { withQuotaFlag } from '../flags';

export async function run(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      config: { type: 'string' },
      days: { type: 'string' },
      developers: { type: 'string' },
      quota: { type: 'string' },
      seed: { type: 'string' },
      'fault-rate': { type: 'string' },
      start: { type: 'string' },
      out: { type: 'string' },
    },
  });
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const days = wholeNumberFlag('days', values.days, 30, 366);
  const developers = wholeNumberFlag('developers', values.developers, 200, 5000);
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a whole number, got ${JSON.stringify(values.seed)}`);
  const faultRate = values['fault-rate'] === undefined ? 0 : Number(values['fault-rate']);
  if (!(faultRate >= 0 && faultRate <= 1))
    throw new UsageError(`--fault-rate must be a number from 0 to 1, got ${JSON.stringify(values['fault-rate'])}`);
  // A Monday in late March: the soak crosses Europe's and North America's DST changes within its first weeks.
  const start = values.start ?? '2027-03-01';
  if (!DateTime.fromISO(start).isValid) throw new UsageError(`--start must be YYYY-MM-DD, got ${JSON.stringify(start)}`);
  const loaded = await loadValidConfig(values.config, io);
  if (!loaded) return 1;
  const config = withQuotaFlag(loaded.config, values.quota); // a bad --quota fails before the packaging
  const root = projectRoot();
  ensurePackaged(root, (line) => io.stderr(`${line}\n`));
  const stack = loadPackagedStack(root, config.region);
  io.stderr(`Soaking ${days} day(s) × ${developers} developer(s), seed ${seed}, fault rate ${faultRate}...\n`);
  const log = (line: string) => io.stderr(`${line}\n`);
  const result = await runSoak({ config, stack, root, days, developers, seed, faultRate, start, log });
  io.stdout(formatDays(result));
  const passed = Object.entries(result.firstPassed).map(([size, at]) => `${size}: ${at ? `${at.day} (${at.developer})` : 'never'}`);
  io.stdout(
    `\nRecords first passed ${passed.join(', ')}. Slack 429s: ${result.slackRateLimited}. Peak queued jobs: ${result.peakQueuedJobs}.\n`,
  );
  const { modes } = result;
  io.stdout(
    `Modes: ${modes.hibernateRuns} hibernations, ${modes.wakeRuns} wakes, ${modes.poolFills} warm pool fills and ${modes.poolTakes} takes, ${modes.spotUps} ups on Spot, ${modes.arm64Ups} on Graviton; ` +
      `cost measured on ${modes.costDays.destroy} destroy-mode and ${modes.costDays.hibernate} hibernate-mode days.\n`,
  );
  const struck = Object.entries(result.faultsStruck).sort(([a], [b]) => a.localeCompare(b));
  io.stdout(`Faults struck: ${struck.length > 0 ? struck.map(([point, count]) => `${point} ${count}`).join(', ') : 'none'}.\n`);
  const hub = result.dockerHub;
  io.stdout(
    `Docker Hub: peak ${hub.peakPullsPerHour} pulls an hour through the NAT (${hub.refusedPulls} refused), ` +
      `peak ${hub.peakCachePullsPerHour} an hour from the pull-through cache (${hub.refusedCachePulls} refused), ` +
      `peak ${hub.peakApiRequestsPerMinute} API requests a minute (${hub.refusedApiRequests} refused).\n`,
  );
  const kinds = Object.entries(result.failureKinds)
    .sort(([, a], [, b]) => b - a)
    .slice(0, 8);
  if (kinds.length > 0) io.stdout(`Failures by kind:\n${kinds.map(([kind, count]) => `  ${count}× ${kind}`).join('\n')}\n`);
  io.stdout(formatBroken(result, 12));
  const written = writeSoak(result, resolve(io.cwd, values.out ?? '.turbo/soak'));
  io.stdout(`Report: ${written.json}, ${written.html}\n`);
  return result.broken.length === 0 ? 0 : 1;
}
