/**
 * The image-sync benchmark: for 1, 100 and 1,000 ready clusters, push a new frontend tag and print the registry
 * calls the update made (they must not grow with clusters), the virtual time from the webhook to the first and
 * last rollout start and to the run's end (against 2 x the 1-cluster run), the peak payload and history of the run
 * and of its child executions (one per batch of 40 clusters), and the child executions a safety-net run starts
 * once every cluster is confirmed (none, unless it is the hour's sweep). Figures only.
 *
 *   npm run bench:image-sync      (or: node --import tsx bench/image-sync.ts 1 100 1000)
 */
import { DateTime } from 'luxon';
import { syntheticRoster } from '../cli/commands/rehearse';
import { dayWindow, deliverPush, startRehearsal, tickReconcile } from '../cli/rehearsal/day';
import { packagedExample } from './setup';
import { formatTable } from '../cli/table';
import { isFullSweep, SAFETY_NET_MINUTES } from '../functions/core/images';

async function main() {
  const { root, example, stack } = packagedExample(__dirname);
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  const rows: string[][] = [];
  let oneCluster: number | undefined;
  for (const clusters of sizes.length > 0 ? sizes : [1, 100, 1000]) {
    const roster = syntheticRoster(example, clusters);
    // A runner quota that holds every up, so that all the clusters are ready by readyBy (what is measured is the push).
    const config = {
      ...roster,
      runner: { ...roster.runner, maxConcurrentJobs: Math.max(roster.runner.maxConcurrentJobs, clusters) },
      developers: roster.developers.map((dev) => ({ ...dev, timezone: 'Europe/Berlin' })),
    };
    const date = '2026-11-24';
    const window = dayWindow(config, date);
    const rehearsal = startRehearsal({ config, stack, root }, window.start);
    try {
      const readyBy = DateTime.fromISO(`${date}T${config.readyBy}`, { zone: 'Europe/Berlin' }).toMillis();
      for (let at = window.start; at <= readyBy; at += 15 * 60_000) {
        // advance() returns once no execution runs, possibly past `at`: a tick is due only when its time has come.
        if (Date.now() > at) continue;
        await rehearsal.advance(at);
        tickReconcile(rehearsal.sfn);
      }
      await rehearsal.advance(readyBy + 15 * 60_000);
      const ready = [...rehearsal.cloud.records.values()].filter((record) => record.status === 'ready').length;
      const before = { ...rehearsal.cloud.registry.calls };
      const pushedAt = Date.now();
      await deliverPush(rehearsal, config, { image: 'frontend', tag: '1.3.0' });
      await rehearsal.advance(pushedAt + 60 * 60_000);
      const runs = [...rehearsal.sfn.executions.values()].filter((execution) => execution.startedAt >= pushedAt);
      const run = runs.find((execution) => execution.machine === 'imageSync')!;
      const children = runs.filter((execution) => execution.machine === 'imageSync/RollOutAll');
      const starts = children.flatMap((child) =>
        child.visits.filter((visit) => visit.name === 'RollOut').map((visit) => (visit.enteredAt - pushedAt) / 1000),
      );
      const ends = (run.endedAt! - pushedAt) / 1000;
      oneCluster ??= clusters === 1 ? ends : undefined;
      const calls = rehearsal.cloud.registry.calls.listTags - before.listTags + rehearsal.cloud.registry.calls.digest - before.digest;
      // The safety net after the push, off the hour's sweep: every cluster is confirmed on 1.3.0 now.
      let safetyNetAt = Date.now() + SAFETY_NET_MINUTES * 60_000;
      if (isFullSweep(new Date(safetyNetAt))) safetyNetAt += SAFETY_NET_MINUTES * 60_000;
      await rehearsal.advance(safetyNetAt);
      rehearsal.sfn.startExecution('imageSync', 'bench-safety-net', {});
      await rehearsal.advance(safetyNetAt + SAFETY_NET_MINUTES * 60_000);
      const safetyNetChildren = [...rehearsal.sfn.executions.values()].filter(
        (execution) => execution.machine === 'imageSync/RollOutAll' && execution.name.startsWith('bench-safety-net-'),
      ).length;
      const peak = (executions: typeof runs) =>
        `${Math.max(...executions.map((e) => e.peakPayload?.bytes ?? 0))} B / ${Math.max(...executions.map((e) => e.historyEvents))}`;
      rows.push([
        String(clusters),
        String(ready),
        String(calls),
        String(rehearsal.cloud.kube.patches.length),
        `${Math.min(...starts)} / ${Math.max(...starts)} s`,
        `${ends} s${oneCluster ? ` (${(ends / oneCluster).toFixed(2)} x 1 cluster)` : ''}`,
        `${run.status}`,
        peak([run]),
        `${children.length}: ${peak(children)}`,
        String(safetyNetChildren),
      ]);
    } finally {
      rehearsal.stop();
    }
  }
  const header = [
    'clusters',
    'ready',
    'registry calls',
    'patches',
    'webhook→rollout start (first / last)',
    'webhook→run end',
    'run',
    'run payload / history',
    'children (batches): payload / history',
    'safety-net children after',
  ];
  console.log('image-sync after one push of frontend:1.3.0 (virtual seconds; every rollout at once, under the failure budget)');
  console.log(formatTable(header, rows, { rule: true }));
}

void main();
