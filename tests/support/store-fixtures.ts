/** The store tests' shared fixtures: alice's claim for an up, and a job handle of that run. */
import type { ClaimRequest } from '../../functions/core/types';

export const claimUp = (runId: string, overrides: Partial<ClaimRequest> = {}): ClaimRequest => ({
  developer: 'alice',
  clusterName: 'turbo-alice',
  action: 'up',
  runId,
  executionArn: `arn:aws:states:eu-west-1:123456789012:execution:turbo-ci-environment:${runId}`,
  now: '2026-11-24T05:30:00.000Z',
  staleBefore: '2026-11-24T01:30:00.000Z',
  ...overrides,
});

export const jobHandle = {
  runner: 'codebuild' as const,
  kind: 'apply' as const,
  developer: 'alice',
  runId: 'alice-up-20261124',
  id: 'turbo-terraform:1',
  startedAt: '2026-11-24T05:30:05.000Z',
};
