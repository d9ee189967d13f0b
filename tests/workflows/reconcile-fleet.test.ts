/**
 * Reconcile at 5,000 developers, through the packaged machines: one tick plans an up for everyone (one time zone,
 * and a runner quota that holds them all, so every up is due at once: the worst case for one tick's plan), and neither the reconcile execution nor any batch of its Distributed Map passes Step
 * Functions' limits (256 KB per state, 25,000 history events). The environment runs themselves are held back: what
 * is measured is the plan and its fan-out, and every one of the 5,000 starts is asked for exactly once.
 */
import { syntheticRoster } from '../../cli/commands/rehearse';
import { dayWindow, startRehearsal, tickReconcile } from '../../cli/rehearsal/day';
import { SFN_HISTORY_LIMIT_EVENTS, SFN_PAYLOAD_LIMIT_BYTES } from '../../functions/adapters/memory/limits';
import { exampleConfig, packagedStack, root } from '../support/packaged';

const DEVELOPERS = 5000;
const DATE = '2026-11-24';
const roster = syntheticRoster(exampleConfig(), DEVELOPERS);
const config = {
  ...roster,
  runner: { ...roster.runner, maxConcurrentJobs: DEVELOPERS },
  developers: roster.developers.map((dev) => ({ ...dev, timezone: 'Europe/Berlin' })),
};

jest.setTimeout(600_000);

it(`plans and fans out ${DEVELOPERS} ups in one tick within the payload and history limits`, async () => {
  const window = dayWindow(config, DATE);
  // Every environment run is held back (another "rehearsed day"), so that only reconcile and its batches run.
  const rehearsal = startRehearsal({ config, stack: packagedStack(config.region), root, onlyDate: '2000-01-01' }, window.start);
  const { sfn } = rehearsal;
  try {
    // Tick until a tick has asked for every up (a held-back up leaves no record, so the next tick would ask again).
    for (let at = window.start; at <= window.readyBy; at += 15 * 60_000) {
      await rehearsal.advance(at);
      if (sfn.heldBack.size >= DEVELOPERS) break;
      tickReconcile(sfn);
    }
  } finally {
    rehearsal.stop();
  }
  const executions = [...sfn.executions.values()];
  const ticks = executions.filter((execution) => execution.machine === 'reconcile');
  const batches = executions.filter((execution) => execution.machine === 'reconcile/StartEnvironments');
  expect(ticks.filter((tick) => tick.status !== 'SUCCEEDED').map((tick) => [tick.name, tick.error, tick.cause])).toEqual([]);
  // One tick asked for all 5,000 (a plan this size inline would be about 1.4 MB), in batches of 100.
  const fanOut = ticks.filter((tick) => tick.visits.some((visit) => visit.name === 'StartEnvironments'));
  expect(fanOut).toHaveLength(1);
  expect(batches).toHaveLength(DEVELOPERS / 100);
  expect(batches.every((batch) => batch.status === 'SUCCEEDED')).toBe(true);
  const ups = [...sfn.heldBack.values()].filter((start) => start.machine === 'environment' && start.input.action === 'up');
  expect(new Set(ups.map((start) => start.input.developer)).size).toBe(DEVELOPERS);
  const peakBytes = Math.max(...[...ticks, ...batches].map((execution) => execution.peakPayload!.bytes));
  const peakHistory = Math.max(...[...ticks, ...batches].map((execution) => execution.historyEvents));
  expect(peakBytes).toBeLessThan(SFN_PAYLOAD_LIMIT_BYTES);
  expect(peakHistory).toBeLessThan(SFN_HISTORY_LIMIT_EVENTS);
  // Far inside them, too: the tick's largest state is its tallies, one of about 28 bytes per batch of 100 (1.4 KB
  // here), and one batch's history is bounded by its 100 items, whatever the roster.
  expect(fanOut[0]!.peakPayload!.bytes).toBeLessThan(2048);
  expect(fanOut[0]!.historyEvents).toBeLessThan(100);
  expect(Math.max(...batches.map((batch) => batch.historyEvents))).toBeLessThan(1000);
});
