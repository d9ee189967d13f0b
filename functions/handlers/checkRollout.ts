/**
 * CheckRollout: one look at the workloads RollOut patched. A rollout past its deadline (Kubernetes'
 * ProgressDeadlineExceeded, or imageSync.rolloutDeadlineSeconds since the patch) is an error, so that the state's
 * Catch reports it; it is not retried in a loop. A rollout still going when the run's release has broken its
 * failure budget is rolled back to the images it ran (Kubernetes kept the old pods serving meanwhile).
 */
import * as z from 'zod';
import { APP_WORKLOADS, rolloutPollSeconds, rolloutVerdict } from '../core/images';
import { elapsedSeconds, MAX_POLL_ATTEMPTS, SHORT_POLL_SECONDS } from '../core/polling';
import { appImageField, budgetOf, environmentFields, kubeOf } from './lib/imageSync';
import { clusters, kubeFor, store } from './lib/root';
import { lambda } from './lib/stack';
import { RolloutFailedError } from '../core/errors';

const input = z.object({
  ...environmentFields,
  watch: z.array(appImageField).min(1),
  since: z.iso.datetime({ offset: true }),
  attempt: z.number().int().min(0),
  /** What RollOut patched (`from` is what ran before): what a rollback restores. */
  changes: z.array(z.object({ image: appImageField, from: z.string().nullable(), fromTag: z.string().nullable() })),
  /** The image-sync run: the key of its failure budget. */
  executionName: z.string().min(1),
});

export const handler = lambda(
  'CheckRollout',
  input,
  { clusters, kubeFor, store },
  async ({ developer, clusterName, watch, since, attempt, changes, executionName }, deps) => {
    const { rolloutDeadlineSeconds: deadline, canary } = deps.config.imageSync;
    const connection = await kubeOf(deps, clusterName);
    if ('unavailable' in connection)
      throw new RolloutFailedError(`rollout on ${clusterName} cannot be followed: ${connection.unavailable}`);
    const elapsed = elapsedSeconds(since, new Date());
    const verdicts = await Promise.all(
      watch.map(async (name) => {
        const workload = await connection.kube.getWorkload(APP_WORKLOADS[name]);
        if (!workload)
          return {
            state: 'failed' as const,
            detail: `${APP_WORKLOADS[name].kind} ${APP_WORKLOADS[name].name} disappeared during its rollout`,
          };
        return rolloutVerdict(workload, elapsed, deadline);
      }),
    );
    const failed = verdicts.filter((verdict) => verdict.state === 'failed');
    if (failed.length > 0)
      throw new RolloutFailedError(
        `${developer}'s rollout on ${clusterName} failed: ${failed.map((verdict) => verdict.detail).join('; ')}`,
      );
    const detail = verdicts.map((verdict) => verdict.detail).join('; ');
    if (verdicts.every((verdict) => verdict.state === 'done')) return { state: 'done', attempt: attempt + 1, waitSeconds: 0, detail };
    if ((await budgetOf(deps.store, executionName, canary)) === 'broken') {
      const restored = changes.filter((change) => change.from !== null);
      for (const change of restored) await connection.kube.setImage(APP_WORKLOADS[change.image], change.from!);
      const back = restored.map((change) => `${change.image} ${change.fromTag ?? change.from}`).join(', ');
      return {
        state: 'stopped',
        attempt: attempt + 1,
        waitSeconds: 0,
        detail: `rolled back to ${back || 'what it ran'}: the release failed beyond its budget on the first clusters`,
      };
    }
    if (attempt + 1 >= MAX_POLL_ATTEMPTS)
      throw new RolloutFailedError(`${developer}'s rollout on ${clusterName} still going after ${attempt + 1} checks: ${detail}`);
    return {
      state: 'waiting',
      attempt: attempt + 1,
      waitSeconds: rolloutPollSeconds(deadline, SHORT_POLL_SECONDS, MAX_POLL_ATTEMPTS),
      detail,
    };
  },
);
