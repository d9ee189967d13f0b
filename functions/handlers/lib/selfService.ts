/**
 * Applies a self-service decision (core/selfService) through the ports: what SlackWork runs, and the CLI's
 * keep/skip/up/down on a stage. Kept apart from the Lambda handler so that the CLI can run it without middy.
 */
import { replyMessage } from '../../core/messages';
import { decideSelfService, type SelfServiceOutcome } from '../../core/selfService';
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
  const decision = decideSelfService(task, await ports.store.get(task.developer), ports.config);
  const result: WorkResult = { developer: task.developer, verb: task.request.verb, outcome: decision.outcome, message: decision.message };
  if (decision.amend) await ports.store.amend(task.developer, decision.amend);
  if (!decision.start) return result;
  const started = await ports.runs.start(decision.start);
  return { ...result, outcome: started.alreadyStarted ? 'already' : decision.outcome, executionArn: started.executionArn };
}

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
