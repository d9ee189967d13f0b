/**
 * CheckRollout: one look at the workloads RollOut patched. A rollout past its deadline (Kubernetes'
 * ProgressDeadlineExceeded, or imageSync.rolloutDeadlineSeconds since the patch) is an error, so that the state's
 * Catch reports it; it is not retried in a loop.
 */
import * as z from 'zod';
import { APP_WORKLOADS, rolloutPollSeconds, rolloutVerdict } from '../core/images';
import { elapsedSeconds, MAX_POLL_ATTEMPTS, SHORT_POLL_SECONDS } from '../core/polling';
import { appImageField, environmentFields, kubeOf } from './lib/imageSync';
import { clusters, kubeFor } from './lib/root';
import { lambda } from './lib/stack';
import { RolloutFailedError } from '../core/errors';

const input = z.object({
  ...environmentFields,
  watch: z.array(appImageField).min(1),
  since: z.iso.datetime({ offset: true }),
  attempt: z.number().int().min(0),
});

export const handler = lambda(
  'CheckRollout',
  input,
  { clusters, kubeFor },
  async ({ developer, clusterName, watch, since, attempt }, deps) => {
    const deadline = deps.config.imageSync.rolloutDeadlineSeconds;
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
