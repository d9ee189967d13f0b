/**
 * One row per developer and run, its states grouped into the steps a person reads: claim, apply, cluster, deploy,
 * notify, destroy, failure. The run report draws this; timeline.json keeps it.
 */
import type { LocalExecution } from './local-sfn';

export type Step = 'claim' | 'apply' | 'cluster' | 'deploy' | 'notify' | 'destroy' | 'failure';

const STEP_OF_STATE: Record<string, Step> = {
  ClaimEnvironment: 'claim',
  StartApplyJob: 'apply',
  WaitForApplyJob: 'apply',
  CheckApplyJob: 'apply',
  CheckCluster: 'cluster',
  WaitForCluster: 'cluster',
  StartDeployJob: 'deploy',
  WaitForDeployJob: 'deploy',
  CheckDeployJob: 'deploy',
  MarkReady: 'notify',
  NotifyReady: 'notify',
  StartDestroyJob: 'destroy',
  WaitForDestroyJob: 'destroy',
  CheckDestroyJob: 'destroy',
  VerifyClusterGone: 'destroy',
  WaitForClusterDeletion: 'destroy',
  MarkDestroyed: 'destroy',
  NotifyDestroyed: 'notify',
  RecordFailure: 'failure',
  NotifyFailure: 'failure',
  FailOrResume: 'failure',
};

export function stepOf(stateName: string): Step | undefined {
  return STEP_OF_STATE[stateName];
}

/** The states whose end makes an environment usable: a developer's (MarkReady), or a warm pool member's, ready to take. */
const READY_STATES = new Set(['MarkReady', 'MarkPoolMemberReady']);

/** The moment the environment was marked ready: usable (or, a pool member, ready to take) from then on. */
export function readyAt(execution: LocalExecution): number | undefined {
  return execution.visits.find((visit) => READY_STATES.has(visit.name) && visit.exitedAt !== undefined && !visit.failed)?.exitedAt;
}

/** The step a failed run failed in: its first failed state outside the failure path, else the last one it reached. */
export function failedStep(execution: LocalExecution): Step | undefined {
  const steps = execution.visits.filter((visit) => stepOf(visit.name) !== undefined && stepOf(visit.name) !== 'failure');
  const visit = steps.find((candidate) => candidate.failed) ?? steps.at(-1);
  return visit && stepOf(visit.name);
}

export interface TimelineSegment {
  step: Step;
  start: string;
  end: string;
  failed?: boolean;
}

export interface TimelineRow {
  developer: string;
  runId: string;
  action: 'up' | 'down';
  result: 'ready' | 'destroyed' | 'failed' | 'skipped' | 'running';
  readyAt?: string;
  reason?: string;
  segments: TimelineSegment[];
}

export function timelineOf(executions: LocalExecution[]): TimelineRow[] {
  return executions
    .filter((execution) => execution.machine === 'environment')
    .map((execution) => {
      const segments: TimelineSegment[] = [];
      for (const visit of execution.visits) {
        const step = stepOf(visit.name);
        if (!step) continue; // Choices and redrive markers take no time of their own
        const end = new Date(visit.exitedAt ?? visit.enteredAt).toISOString();
        const last = segments.at(-1);
        if (last && last.step === step) last.end = end;
        else segments.push({ step, start: new Date(visit.enteredAt).toISOString(), end });
        if (visit.failed) segments.at(-1)!.failed = true;
      }
      const ready = readyAt(execution);
      const action = execution.input.action === 'down' ? 'down' : 'up';
      const result =
        execution.status === 'FAILED' ? 'failed' : execution.status === 'RUNNING' ? 'running' : action === 'down' ? 'destroyed' : 'ready';
      return {
        developer: String(execution.input.developer),
        runId: execution.name,
        action,
        result,
        readyAt: ready === undefined ? undefined : new Date(ready).toISOString(),
        reason: execution.status === 'FAILED' ? execution.cause : undefined,
        segments,
      } satisfies TimelineRow;
    })
    .sort((a, b) => a.developer.localeCompare(b.developer) || a.runId.localeCompare(b.runId));
}
