/**
 * What a redrive test starts from: one developer's environment run, failed by a fault, on the packaged machines and
 * the in-memory cloud, with reconcile ticking on its schedule from `from` until `until`. The caller stops the
 * rehearsal. One fixture for every mode's redrive tests (destroy, Spot, hibernate, wake).
 */
import { RECONCILE_EVERY_MS, runWindow, startRehearsal, tickReconcile, type Rehearsal } from '../../cli/rehearsal/day';
import type { LocalExecution } from '../../cli/rehearsal/local-sfn';
import type { FaultPoint } from '../../functions/adapters/memory/cloud';
import type { TurboConfig } from '../../functions/core/config';
import { packagedStack, root } from './packaged';

export interface FailedRunOptions {
  config: TurboConfig;
  faults: { developer: string; point: FaultPoint }[];
  /** Virtual instants: the rehearsal's start, and when the run must have failed. */
  from: number;
  until: number;
  /** The run's execution name, e.g. `bob-up-20261124`. */
  run: string;
}

export async function failedRun(options: FailedRunOptions): Promise<{ rehearsal: Rehearsal; run: LocalExecution }> {
  const { config } = options;
  const rehearsal = startRehearsal({ config, stack: packagedStack(config.region), root, faults: options.faults }, options.from);
  try {
    await runWindow(rehearsal, options.until, [{ everyMs: RECONCILE_EVERY_MS, fire: () => tickReconcile(rehearsal.sfn) }]);
    const run = [...rehearsal.sfn.executions.values()].find((execution) => execution.name === options.run);
    if (run?.status !== 'FAILED')
      throw new Error(`${options.run} has not failed by ${new Date(options.until).toISOString()}: ${run?.status}`);
    return { rehearsal, run };
  } catch (error) {
    rehearsal.stop();
    throw error;
  }
}
