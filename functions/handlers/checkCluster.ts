/**
 * CheckCluster / VerifyClusterGone / VerifyHibernated: is the developer's cluster (and its node group) ACTIVE, gone,
 * or ACTIVE with its node groups at desired size 0 (the hibernate job's own check saw no instance left)?
 * The loop is bounded by time since the job started (`since`), which bounds its attempts without a counter.
 */
import * as z from 'zod';
import { elapsedSeconds, MAX_POLL_ATTEMPTS } from '../core/polling';
import { clusterHasFailed } from '../core/jobs';
import { clusterNameSchema } from '../core/types';
import { clusters } from './lib/root';
import { lambda } from './lib/stack';
import { WaitExhaustedError, ClusterFailedError } from '../core/errors';

const CLUSTER_POLL_SECONDS = 30;
const MAX_WAIT_SECONDS = MAX_POLL_ATTEMPTS * CLUSTER_POLL_SECONDS;

const input = z.object({
  clusterName: clusterNameSchema,
  expect: z.enum(['active', 'gone', 'hibernated']),
  since: z.iso.datetime({ offset: true }),
});

export const handler = lambda('CheckCluster', input, { clusters }, async ({ clusterName, expect, since }, { clusters }) => {
  const cluster = await clusters.describe(clusterName);
  const nodes = cluster.nodegroupStatus;
  if (expect !== 'gone' && clusterHasFailed(cluster)) {
    throw new ClusterFailedError(`cluster ${clusterName} is ${cluster.status}${nodes ? `, node group ${nodes}` : ''}`);
  }
  const active = cluster.status === 'ACTIVE' && nodes === 'ACTIVE';
  const done = { gone: cluster.status === 'ABSENT', active, hibernated: active && cluster.nodegroupDesired === 0 }[expect];
  const waited = elapsedSeconds(since, new Date());
  if (!done && waited > MAX_WAIT_SECONDS) {
    throw new WaitExhaustedError(
      `cluster ${clusterName} still ${cluster.status}${expect === 'hibernated' ? ` with ${cluster.nodegroupDesired ?? '?'} desired nodes` : ''} ` +
        `${Math.round(waited / 60)} min after its job started (expected ${expect})`,
    );
  }
  return {
    state: done ? 'done' : 'waiting',
    status: cluster.status,
    waitSeconds: CLUSTER_POLL_SECONDS,
    endpoint: cluster.endpoint ?? null,
  };
});
