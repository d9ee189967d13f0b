/**
 * SlackWork: the self-service work behind `/turbo` and the warning's buttons, run asynchronously after the
 * interaction endpoint has answered Slack. Also what the CLI's keep/skip/up/down run.
 * Every action is written to the record's audit (who asked, and when). A retried invocation does nothing twice:
 * the audit entry and the manual run ID both come from the time of asking, not from now.
 */
import { formatLocalTime, escapeMrkdwn, replyMessage } from '../core/messages';
import { clusterNameOf, memberOf, scheduleOf, type TurboConfig } from '../core/config';
import { localDate, localNow } from '../core/clock';
import { manualRunIdFor, scheduledDesire } from '../core/plan';
import { selfServiceTaskSchema, type EnvironmentRecord, type SelfServiceTask } from '../core/types';
import type { EnvironmentRuns, EnvironmentStore, Notifier } from '../core/ports';
import { createSfnClient, StepFunctionsWorkflows } from '../adapters/stepfunctions';
import { sendOnce } from './lib/sendOnce';
import { lambda } from './lib/stack';

export interface WorkPorts {
  config: TurboConfig;
  store: EnvironmentStore;
  runs: EnvironmentRuns;
  notifier: Notifier;
}

export interface WorkResult {
  developer: string;
  verb: SelfServiceTask['request']['verb'];
  outcome: 'done' | 'refused' | 'already';
  /** The answer, as mrkdwn (the DM's text, the CLI's output). */
  message: string;
  executionArn?: string;
}

const LIVE = new Set(['provisioning', 'ready', 'destroying', 'failed']);

/** One line for `/turbo status`: status, since when, and until when. */
export function statusLine(record: EnvironmentRecord | undefined, timezone: string): string {
  if (!record || record.status === 'absent') return 'no cluster (nothing has run yet)';
  const since = record.readyAt ?? record.startedAt ?? record.updatedAt;
  const parts = [`*${record.status}* since ${formatLocalTime(since, timezone)}`];
  if (record.status === 'ready' && record.expiresAt) parts.push(`destroyed at ${formatLocalTime(record.expiresAt, timezone)}`);
  if (record.keepUntil && Date.parse(record.keepUntil) > Date.parse(since)) parts.push(`kept until ${formatLocalTime(record.keepUntil, timezone)}`);
  if (record.skipDates?.length) parts.push(`skipping ${record.skipDates.join(', ')}`);
  if (record.status === 'failed' && record.lastError) parts.push(`last error: ${record.lastError}`);
  return escapeMrkdwn(parts.join('; '));
}

export async function performSelfService(task: SelfServiceTask, ports: WorkPorts): Promise<WorkResult> {
  const { config, store, runs } = ports;
  const member = memberOf(config, task.developer);
  if (!member) throw new Error(`developer "${task.developer}" is not in the roster`);
  const { timezone } = scheduleOf(config, member);
  const asked = new Date(task.requestedAt);
  const today = localDate(localNow(asked, timezone));
  const clusterName = clusterNameOf(task.developer);
  const audit = (action: string) => ({ at: task.requestedAt, by: task.requestedBy, action });
  const result = (outcome: WorkResult['outcome'], message: string, executionArn?: string): WorkResult => ({
    developer: task.developer,
    verb: task.request.verb,
    outcome,
    message,
    ...(executionArn ? { executionArn } : {}),
  });
  const record = await store.get(task.developer);
  const request = task.request;

  switch (request.verb) {
    case 'status':
      return result('done', `${escapeMrkdwn(task.developer)}: ${statusLine(record, timezone)}`);
    case 'keep': {
      await store.amend(task.developer, { clusterName, keepUntil: request.until, audit: audit(`keep until ${request.until}`) });
      const until = formatLocalTime(request.until, timezone);
      const cap = request.capped ? ` (capped at maxKeepUntil ${config.maxKeepUntil})` : '';
      const running = record && LIVE.has(record.status) ? '' : ' The cluster is not running now: `/turbo up` starts one.';
      return result('done', `Kept ${escapeMrkdwn(task.developer)}'s cluster until ${escapeMrkdwn(until)}${cap}.${running}`);
    }
    case 'skip': {
      await store.amend(task.developer, { clusterName, addSkipDate: request.date, audit: audit(`skip ${request.date}`) });
      const now = request.date === today && record?.status === 'ready' ? ' It is today: the cluster goes down at the next reconcile.' : '';
      return result('done', `No cluster for ${escapeMrkdwn(task.developer)} on ${request.date}.${now}`);
    }
    case 'up': {
      if (record && (record.status === 'ready' || record.status === 'provisioning')) {
        return result('already', `${escapeMrkdwn(task.developer)}'s cluster is already ${record.status}.`);
      }
      const unskipped = record?.skipDates?.includes(today) ? { ...record, skipDates: record.skipDates.filter((date) => date !== today) } : record;
      const desire = scheduledDesire(asked, config, task.developer, unskipped);
      if (desire.action !== 'up') {
        return result('refused', `Not now: ${escapeMrkdwn(desire.reason)}. Use \`/turbo keep until HH:MM\` first to extend today.`);
      }
      await store.amend(task.developer, { clusterName, ...(unskipped !== record ? { removeSkipDate: today } : {}), audit: audit('up') });
      const runId = manualRunIdFor(task.developer, 'up', asked, timezone);
      const started = await runs.start({ developer: task.developer, action: 'up', runId, clusterName, expiresAt: desire.expiresAt ?? null });
      return result(started.alreadyStarted ? 'already' : 'done', `Starting ${escapeMrkdwn(task.developer)}'s cluster (run ${runId}); you get a message when it is ready.`, started.executionArn);
    }
    case 'down': {
      if (!record || !LIVE.has(record.status)) return result('already', `${escapeMrkdwn(task.developer)} has no cluster to destroy.`);
      // Today is skipped too: otherwise the next reconcile, still inside working hours, would bring it back.
      const wanted = scheduledDesire(asked, config, task.developer, record).action === 'up';
      await store.amend(task.developer, { clusterName, ...(wanted ? { addSkipDate: today } : {}), audit: audit('down') });
      const runId = manualRunIdFor(task.developer, 'down', asked, timezone);
      const started = await runs.start({ developer: task.developer, action: 'down', runId, clusterName: record.clusterName, expiresAt: null });
      const rest = wanted ? ' Today is now a skip day, so it stays down until your next working day.' : '';
      return result(started.alreadyStarted ? 'already' : 'done', `Destroying ${escapeMrkdwn(task.developer)}'s cluster (run ${runId}).${rest}`, started.executionArn);
    }
  }
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
  if (requestId && (await ports.store.get(task.developer))) await sendOnce(ports.store, task.developer, `reply:${requestId}`, reply);
  else await reply();
  return outcome;
}

/** The environment state machine, started by name like reconcile's Map does (serverless.yml sets the ARN). */
export function environmentRuns(stateMachineArn: string, region: string): EnvironmentRuns {
  const workflows = new StepFunctionsWorkflows(createSfnClient(region), stateMachineArn);
  return { start: ({ runId, ...run }) => workflows.start(runId, { ...run, runId }) };
}

export const handler = lambda('SlackWork', selfServiceTaskSchema, async (task, deps) => {
  const stateMachineArn = process.env.TURBO_ENVIRONMENT_STATE_MACHINE_ARN;
  if (!stateMachineArn) throw new Error('environment variable TURBO_ENVIRONMENT_STATE_MACHINE_ARN is not set (serverless.yml sets it)');
  return work(task, { ...deps, runs: environmentRuns(stateMachineArn, deps.region) });
});
