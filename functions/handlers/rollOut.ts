/**
 * RollOut: points one environment's workloads at the resolved images. Only a workload whose container runs anything
 * but the exact `repo:tag@digest` is patched, so a replay patches nothing twice. A workload already on the image
 * whose rollout is still going (a replay after the patch) is watched too. Once the run's release has broken its
 * failure budget, nothing more is patched.
 */
import * as z from 'zod';
import {
  APP_WORKLOADS,
  decideRollout,
  describeImage,
  imagesToSync,
  rolloutPollSeconds,
  rolloutVerdict,
  type AppImage,
} from '../core/images';
import { MAX_POLL_ATTEMPTS, SHORT_POLL_SECONDS } from '../core/polling';
import { resolvedImagesSchema } from '../core/types';
import { budgetOf, environmentFields, kubeOf } from './lib/imageSync';
import { clusters, kubeFor, store } from './lib/root';
import { lambda, logger } from './lib/stack';
import { WorkloadMissingError } from '../core/errors';

const input = z.object({
  ...environmentFields,
  images: resolvedImagesSchema,
  /** The image-sync run: the key of its failure budget. */
  executionName: z.string().min(1),
});

export const handler = lambda(
  'RollOut',
  input,
  { clusters, kubeFor, store },
  async ({ developer, clusterName, images, executionName }, deps) => {
    const { mongoPolicy, rolloutDeadlineSeconds, canary } = deps.config.imageSync;
    const since = new Date().toISOString();
    const waitSeconds = rolloutPollSeconds(rolloutDeadlineSeconds, SHORT_POLL_SECONDS, MAX_POLL_ATTEMPTS);
    const base = { developer, clusterName, since, attempt: 0, waitSeconds };
    if ((await budgetOf(deps.store, executionName, canary)) === 'broken') {
      const detail = 'not rolled: the release failed beyond its budget on the first clusters';
      return {
        ...base,
        state: 'stopped',
        reason: detail,
        changes: [],
        watch: [],
        check: { state: 'stopped', attempt: 0, waitSeconds, detail },
      };
    }
    const connection = await kubeOf(deps, clusterName);
    if ('unavailable' in connection) {
      logger.warn('environment skipped', { developer, reason: connection.unavailable });
      return {
        ...base,
        state: 'skipped',
        reason: connection.unavailable,
        changes: [],
        watch: [],
        check: { state: 'done', attempt: 0, waitSeconds },
      };
    }
    const { kube } = connection;
    const changes = [];
    const watch: AppImage[] = [];
    for (const name of imagesToSync(mongoPolicy)) {
      const desired = images[name];
      if (!desired) continue;
      const workload = await kube.getWorkload(APP_WORKLOADS[name]);
      const decision = decideRollout(name, desired, workload, deps.config.cluster.pullThroughCache);
      if (decision.action === 'missing') throw new WorkloadMissingError(`${decision.reason} in cluster ${clusterName}`);
      if (decision.action === 'patch') {
        await kube.setImage(APP_WORKLOADS[name], decision.to);
        const before = describeImage(decision.from);
        changes.push({ image: name, from: decision.from ?? null, fromTag: before.tag ?? null, to: decision.to, toTag: desired.tag });
        watch.push(name);
      } else if (rolloutVerdict(workload!, 0, rolloutDeadlineSeconds).state !== 'done') {
        watch.push(name);
      }
    }
    logger.info('rollout decided', { developer, patched: changes.map((change) => change.image), watch });
    // `check` starts the CheckRollout loop's counter, so the loop reads one path from its first turn on.
    const check = { state: watch.length > 0 ? 'waiting' : 'done', attempt: 0, waitSeconds };
    return { ...base, state: watch.length > 0 ? 'rolling' : 'current', reason: null, changes, watch, check };
  },
);
