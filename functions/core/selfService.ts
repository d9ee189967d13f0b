/**
 * Self-service decisions: what a developer's `/turbo` request (or the CLI's) changes, pure, in the style of
 * ./plan. The caller applies the decision: the amend, then the run to start, and answers with the message.
 * Every change carries its audit entry (who asked, and when). The audit entry and the manual run ID both come from
 * the time of asking, not from now, so that a retried request does nothing twice.
 */
import { localDate, localNow } from './clock';
import { clusterNameOf, memberOf, scheduleOf, type TurboConfig } from './config';
import { escapeMrkdwn, formatLocalTime } from './messages';
import { isHibernated } from './hibernate';
import { manualRunIdFor, scheduledDesire } from './plan';
import type { AmendPatch, EnvironmentRecord, EnvironmentRunRequest, SelfServiceTask } from './types';

export type SelfServiceOutcome = 'done' | 'refused' | 'already';

export interface SelfServiceDecision {
  outcome: SelfServiceOutcome;
  /** The answer, as mrkdwn (the DM's text, the CLI's output). */
  message: string;
  amend?: AmendPatch;
  /** An execution to start; an execution that already exists makes the outcome `already`. */
  start?: EnvironmentRunRequest;
}

const LIVE = new Set(['provisioning', 'ready', 'destroying', 'failed', 'hibernated']);

/** One line for `/turbo status`: status, since when, and until when. */
export function statusLine(record: EnvironmentRecord | undefined, timezone: string): string {
  if (!record || record.status === 'absent') return 'no cluster (nothing has run yet)';
  const since = record.readyAt ?? record.startedAt ?? record.updatedAt;
  const parts = [`*${record.status}* since ${formatLocalTime(since, timezone)}`];
  if (record.status === 'ready' && record.expiresAt) parts.push(`destroyed at ${formatLocalTime(record.expiresAt, timezone)}`);
  if (record.keepUntil && Date.parse(record.keepUntil) > Date.parse(since))
    parts.push(`kept until ${formatLocalTime(record.keepUntil, timezone)}`);
  if (record.skipDates?.length) parts.push(`skipping ${record.skipDates.join(', ')}`);
  if (record.status === 'failed' && record.lastError) parts.push(`last error: ${record.lastError}`);
  return escapeMrkdwn(parts.join('; '));
}

/** What `task` does to the developer whose record is `record` (undefined: none yet). */
export function decideSelfService(task: SelfServiceTask, record: EnvironmentRecord | undefined, config: TurboConfig): SelfServiceDecision {
  const member = memberOf(config, task.developer);
  if (!member) throw new Error(`developer "${task.developer}" is not in the roster`);
  const { timezone } = scheduleOf(config, member);
  const asked = new Date(task.requestedAt);
  const today = localDate(localNow(asked, timezone));
  const clusterName = clusterNameOf(task.developer);
  const who = escapeMrkdwn(task.developer);
  const audit = (action: string) => ({ at: task.requestedAt, by: task.requestedBy, action });
  const request = task.request;

  switch (request.verb) {
    case 'status':
      return { outcome: 'done', message: `${who}: ${statusLine(record, timezone)}` };
    case 'keep': {
      const until = formatLocalTime(request.until, timezone);
      const cap = request.capped ? ` (capped at maxKeepUntil ${config.maxKeepUntil})` : '';
      const running = record && LIVE.has(record.status) ? '' : ' The cluster is not running now: `/turbo up` starts one.';
      return {
        outcome: 'done',
        message: `Kept ${who}'s cluster until ${escapeMrkdwn(until)}${cap}.${running}`,
        amend: { clusterName, keepUntil: request.until, audit: audit(`keep until ${request.until}`) },
      };
    }
    case 'skip': {
      const now = request.date === today && record?.status === 'ready' ? ' It is today: the cluster goes down at the next reconcile.' : '';
      return {
        outcome: 'done',
        message: `No cluster for ${who} on ${request.date}.${now}`,
        amend: { clusterName, addSkipDate: request.date, audit: audit(`skip ${request.date}`) },
      };
    }
    case 'up': {
      if (record && (record.status === 'ready' || record.status === 'provisioning')) {
        return { outcome: 'already', message: `${who}'s cluster is already ${record.status}.` };
      }
      const unskipped = record?.skipDates?.includes(today)
        ? { ...record, skipDates: record.skipDates.filter((date) => date !== today) }
        : record;
      const desire = scheduledDesire(asked, config, task.developer, unskipped);
      if (desire.action !== 'up') {
        return {
          outcome: 'refused',
          message: `Not now: ${escapeMrkdwn(desire.reason)}. Use \`/turbo keep until HH:MM\` first to extend today.`,
        };
      }
      const runId = manualRunIdFor(task.developer, 'up', asked, timezone);
      return {
        outcome: 'done',
        message: `Starting ${who}'s cluster (run ${runId}); you get a message when it is ready.`,
        amend: { clusterName, ...(unskipped !== record ? { removeSkipDate: today } : {}), audit: audit('up') },
        start: {
          developer: task.developer,
          action: 'up',
          runId,
          clusterName,
          expiresAt: desire.expiresAt ?? null,
          path: isHibernated(record) ? 'wake' : null,
        },
      };
    }
    case 'down': {
      if (!record || !LIVE.has(record.status)) return { outcome: 'already', message: `${who} has no cluster to destroy.` };
      // Today is skipped too: otherwise the next reconcile, still inside working hours, would bring it back.
      const wanted = scheduledDesire(asked, config, task.developer, record).action === 'up';
      const runId = manualRunIdFor(task.developer, 'down', asked, timezone);
      const rest = wanted ? ' Today is now a skip day, so it stays down until your next working day.' : '';
      return {
        outcome: 'done',
        message: `Destroying ${who}'s cluster (run ${runId}).${rest}`,
        amend: { clusterName, ...(wanted ? { addSkipDate: today } : {}), audit: audit('down') },
        // "destroy now" destroys, in either mode: the developer asked for the cluster to go, not to sleep.
        start: { developer: task.developer, action: 'down', runId, clusterName: record.clusterName, expiresAt: null, path: null },
      };
    }
  }
}
