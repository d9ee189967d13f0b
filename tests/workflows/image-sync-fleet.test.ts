/**
 * Image-sync at 5,000 ready environments, through the packaged machine: the list is read from the plan bucket by
 * the Map's ItemReader and each batch returns one tally, so neither the run nor any batch passes Step Functions'
 * limits (256 KB per state, 25,000 history events). The worst case for the run's state: every environment fails (its
 * app is not deployed), so every tally names its most failures; the budget is proven at once (no canary), so all
 * 5,000 are tried. Ops still gets one summary, with the first failures named and the others counted.
 */
import { syntheticRoster } from '../../cli/commands/rehearse';
import { deliverPush, startRehearsal } from '../../cli/rehearsal/day';
import { SFN_HISTORY_LIMIT_EVENTS, SFN_PAYLOAD_LIMIT_BYTES } from '../../functions/adapters/memory/limits';
import { FAILURES_PER_SUMMARY } from '../../functions/core/opsReport';
import type { EnvironmentRecord } from '../../functions/core/types';
import { exampleConfig, packagedStack, root } from '../support/packaged';

const CLUSTERS = 5000;
const roster = syntheticRoster(exampleConfig(), CLUSTERS);
const config = { ...roster, imageSync: { ...roster.imageSync, canary: { clusters: 0, toleratedFailures: 0 } } };
const OLD = { repository: config.images.frontend, tag: '1.2.0', digest: `sha256:${'1'.repeat(64)}` };

jest.setTimeout(900_000);

it(`rolls ${CLUSTERS} ready environments in one run within the payload and history limits, and reports once`, async () => {
  const start = Date.parse('2026-11-24T08:20:00Z');
  const records: EnvironmentRecord[] = config.developers.map((dev) => ({
    developer: dev.name,
    status: 'ready',
    clusterName: `turbo-${dev.name}`,
    runId: `${dev.name}-up-20261124`,
    updatedAt: '2026-11-24T08:00:00Z',
    images: { frontend: OLD },
    confirmedImages: { frontend: OLD },
  }));
  const rehearsal = startRehearsal({ config, stack: packagedStack(config.region), root, records }, start);
  try {
    for (const record of records) rehearsal.cloud.clusters.add(record.clusterName, record.developer, start);
    await deliverPush(rehearsal, config, { image: 'frontend', tag: '1.3.0' });
    await rehearsal.advance(start + 30 * 60_000);
  } finally {
    rehearsal.stop();
  }
  const executions = [...rehearsal.sfn.executions.values()];
  const [run] = executions.filter((execution) => execution.machine === 'imageSync');
  const batches = executions.filter((execution) => execution.machine === 'imageSync/RollOutAll');
  expect([run!.status, run!.error]).toEqual(['SUCCEEDED', undefined]);
  expect(batches).toHaveLength(CLUSTERS / 40);
  const failed = batches.reduce((sum, batch) => sum + (batch.output as { failed: number }).failed, 0);
  expect(failed).toBe(CLUSTERS);
  const all = [run!, ...batches];
  expect(Math.max(...all.map((execution) => execution.peakPayload!.bytes))).toBeLessThan(SFN_PAYLOAD_LIMIT_BYTES);
  expect(Math.max(...all.map((execution) => execution.historyEvents))).toBeLessThan(SFN_HISTORY_LIMIT_EVENTS);
  const summary = rehearsal.cloud.outbox.filter((message) => message.to.channel === config.slack.opsChannel);
  expect(summary.map((message) => message.text)).toEqual([
    `Image sync to frontend 1.3.0: 0 rolled, 0 already current, 0 skipped, ${CLUSTERS} failed`,
  ]);
  expect(JSON.stringify(summary[0]!.blocks)).toContain(`…and ${CLUSTERS - FAILURES_PER_SUMMARY} more`);
});
