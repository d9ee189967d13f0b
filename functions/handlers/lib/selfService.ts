/**
 * Applies a self-service decision (core/selfService) through the ports: what SlackWork runs, and the CLI's
 * keep/skip/up/down on a stage. Kept apart from the Lambda handler so that the CLI can run it without middy.
 */
import { replyMessage } from '../../core/messages';
import { decideSelfService, POOL_VERBS, type SelfServiceOutcome, type TakeCandidate } from '../../core/selfService';
import { isPoolMember } from '../../core/pool';
import { RUN_LIFETIME_HOURS } from '../../core/plan';
import type { SelfServiceTask } from '../../core/types';
import type { Deps } from './deps';
import { sendOnce } from './sendOnce';
import { replyKey } from '../../core/notified';

export type WorkPorts = Pick<Deps, 'config' | 'store' | 'runs' | 'notifier'>;

export interface WorkResult {
  developer: string;
  verb: SelfServiceTask['request']['verb'];
  outcome: SelfServiceOutcome;
  /** The answer, as mrkdwn (the DM's text, the CLI's output). */
  message: string;
  executionArn?: string;
}

export async function performSelfService(task: SelfServiceTask, ports: Omit<WorkPorts, 'notifier'>): Promise<WorkResult> {
  const record = await ports.store.get(task.developer);
  const pool =
    ports.config.pool.size > 0 && POOL_VERBS.has(task.request.verb)
      ? (await ports.store.list()).filter((each) => isPoolMember(each.developer))
      : [];
  const decision = decideSelfService(task, record, ports.config, pool);
  const taken = decision.take && (await takeFromPool(task, decision.take, ports));
  if (taken) return taken;
  const result: WorkResult = { developer: task.developer, verb: task.request.verb, outcome: decision.outcome, message: decision.message };
  if (decision.amend) await ports.store.amend(task.developer, decision.amend);
  if (!decision.start) return result;
  const started = await ports.runs.start(decision.start);
  return { ...result, outcome: started.alreadyStarted ? 'already' : decision.outcome, executionArn: started.executionArn };
}

/**
 * Claims the first member nobody else gets first (a conditional write: two requests never share one, and a retried
 * request finds its own claim), then starts its take. Undefined when every claim was lost: the decision stands.
 */
async function takeFromPool(
  task: SelfServiceTask,
  candidates: TakeCandidate[],
  ports: Omit<WorkPorts, 'notifier'>,
): Promise<WorkResult | undefined> {
  for (const candidate of candidates) {
    const now = new Date();
    const claim = await ports.store.claim({
      developer: candidate.member,
      clusterName: candidate.start.clusterName,
      action: 'up',
      runId: candidate.start.runId,
      executionArn: PENDING_EXECUTION,
      now: now.toISOString(),
      staleBefore: new Date(now.getTime() - RUN_LIFETIME_HOURS * 3_600_000).toISOString(),
      takenBy: task.developer,
    });
    if (claim.outcome === 'lost') continue;
    await ports.store.amend(task.developer, candidate.amend);
    const started = await ports.runs.start(candidate.start);
    if (claim.record.executionArn === PENDING_EXECUTION) {
      await ports.store.update(candidate.member, candidate.start.runId, { executionArn: started.executionArn });
    }
    return {
      developer: task.developer,
      verb: task.request.verb,
      outcome: started.alreadyStarted ? 'already' : 'done',
      message: candidate.message,
      executionArn: started.executionArn,
    };
  }
  return undefined;
}

/** A take's claim is written before its execution exists: the ARN is filled in once it is started. */
const PENDING_EXECUTION = 'pending';

/**
 * Runs the task and answers the requester by DM (the CLI has no one to DM and prints the result instead). The reply
 * to a Slack request is reserved on the developer's record under the request's ID, so that Slack's redelivery of the
 * same request, or a retried invocation, does not reply twice. With no record (a status or down for someone who
 * never had a cluster: nothing was changed) there is nowhere to reserve it, and the answer is simply sent.
 */
export async function work(task: SelfServiceTask, ports: WorkPorts): Promise<WorkResult> {
  const outcome = await performSelfService(task, ports);
  const { replyTo, requestId } = task;
  if (!replyTo) return outcome;
  const reply = () => ports.notifier.sendToUser(replyTo, replyMessage(outcome.message));
  if (requestId && (await ports.store.get(task.developer)))
    await sendOnce(ports.store, task.developer, replyKey(task.requestedAt, requestId), reply);
  else await reply();
  return outcome;
}
