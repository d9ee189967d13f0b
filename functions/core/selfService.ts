/**
 * Self-service decisions: what a developer's `/turbo` request (or the CLI's) changes, pure, in the style of
 * ./plan. The caller applies the decision: the amend, then the run to start, and answers with the message.
 * Every change carries its audit entry (who asked, and when). The audit entry and the manual run ID both come from
 * the time of asking, not from now, so that a retried request does nothing twice.
 */
import { calendarDay, localDate, localDateAt, localNow } from './clock';
import { clusterNameOf, memberOf, scheduleOf, type TurboConfig } from './config';
import { escapeMrkdwn, formatLocalTime } from './messages';
import { isHibernated } from './hibernate';
import { MIN_USEFUL_MINUTES, manualRunIdFor, scheduledDesire } from './plan';
import { membersHeld, takeableMembers, takeRunIdFor } from './pool';
import type { AmendPatch, EnvironmentRecord, EnvironmentRunRequest, SelfServiceTask } from './types';

export type SelfServiceOutcome = 'done' | 'refused' | 'already';

export interface SelfServiceDecision {
  outcome: SelfServiceOutcome;
  /** The answer, as mrkdwn (the DM's text, the CLI's output). */
  message: string;
  amend?: AmendPatch;
  /** An execution to start; an execution that already exists makes the outcome `already`. */
  start?: EnvironmentRunRequest;
  /**
   * Warm pool members (core/pool) to claim in turn for an up the schedule refuses: the first one claimed is amended
   * and started, with its own answer. When every claim is lost, the decision stands as it is.
   */
  take?: TakeCandidate[];
}

export interface TakeCandidate {
  member: string;
  message: string;
  amend: AmendPatch;
  start: EnvironmentRunRequest;
}

/** The self-service verbs that need the warm pool's records (to take a member, or to act on the one held). */
export const POOL_VERBS: ReadonlySet<SelfServiceTask['request']['verb']> = new Set(['status', 'up', 'down']);

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

/**
 * What `task` does to the developer whose record is `record` (undefined: none yet). `pool` holds the warm pool's
 * records for the POOL_VERBS when there is a pool.
 */
export function decideSelfService(
  task: SelfServiceTask,
  record: EnvironmentRecord | undefined,
  config: TurboConfig,
  pool: EnvironmentRecord[] = [],
): SelfServiceDecision {
  const member = memberOf(config, task.developer);
  if (!member) throw new Error(`developer "${task.developer}" is not in the roster`);
  const { timezone } = scheduleOf(config, member);
  const asked = new Date(task.requestedAt);
  const today = localDate(localNow(asked, timezone));
  const clusterName = clusterNameOf(task.developer);
  const who = escapeMrkdwn(task.developer);
  const audit = (action: string) => ({ at: task.requestedAt, by: task.requestedBy, action });
  const request = task.request;
  const held = membersHeld(pool).get(task.developer);

  switch (request.verb) {
    case 'status': {
      const onPool = held ? `; on warm pool cluster ${escapeMrkdwn(held.clusterName)}: ${statusLine(held, timezone)}` : '';
      return { outcome: 'done', message: `${who}: ${statusLine(record, timezone)}${onPool}` };
    }
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
      // A retried request finds the member it took, under its own run ID, and starts that run again (once).
      const retried = held && held.runId === takeRunIdFor(held.developer, task.developer, asked, timezone);
      if (held && !retried) {
        return {
          outcome: 'already',
          message: `${who} is already on warm pool cluster ${escapeMrkdwn(held.clusterName)} (${held.status}).`,
        };
      }
      const unskipped = record?.skipDates?.includes(today)
        ? { ...record, skipDates: record.skipDates.filter((date) => date !== today) }
        : record;
      const desire = scheduledDesire(asked, config, task.developer, unskipped);
      if (desire.action !== 'up') {
        const members = held ? [held] : takeableMembers(pool, asked, MIN_USEFUL_MINUTES);
        return {
          outcome: 'refused',
          message: `Not now: ${escapeMrkdwn(desire.reason)}. Use \`/turbo keep until HH:MM\` first to extend today.`,
          ...(members.length > 0 ? { take: members.map((member) => takeOf(task, member, timezone)) } : {}),
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
      if (held && (!record || !LIVE.has(record.status))) {
        const runId = manualRunIdFor(held.developer, 'down', asked, timezone);
        return {
          outcome: 'done',
          message: `Destroying warm pool cluster ${escapeMrkdwn(held.clusterName)}, ${who}'s (run ${runId}).`,
          amend: { clusterName, audit: audit(`down: pool cluster ${held.clusterName}`) },
          start: { developer: held.developer, action: 'down', runId, clusterName: held.clusterName, expiresAt: null, path: null },
        };
      }
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

/** Taking `member` for the task's developer: its run, answer and audit entry, all from the time of asking. */
function takeOf(task: SelfServiceTask, member: EnvironmentRecord, timezone: string): TakeCandidate {
  const asked = new Date(task.requestedAt);
  const runId = takeRunIdFor(member.developer, task.developer, asked, timezone);
  // Like any cluster, a taken one ends with its developer's day: at their midnight, or at the pool's end if sooner.
  const endOfDay = calendarDay(localDateAt(asked, timezone), timezone).endMs;
  const expiresAt = new Date(Math.min(endOfDay, member.expiresAt ? Date.parse(member.expiresAt) : endOfDay)).toISOString();
  const until = ` until ${formatLocalTime(expiresAt, timezone)}`;
  return {
    member: member.developer,
    message:
      `Taking warm pool cluster ${escapeMrkdwn(member.clusterName)} for ${escapeMrkdwn(task.developer)}${escapeMrkdwn(until)} ` +
      `(run ${runId}); you get a message when the app is deployed on it, in about 2 minutes.`,
    amend: {
      clusterName: clusterNameOf(task.developer),
      audit: { at: task.requestedAt, by: task.requestedBy, action: `up: took pool cluster ${member.clusterName}` },
    },
    start: {
      developer: member.developer,
      action: 'up',
      runId,
      clusterName: member.clusterName,
      expiresAt,
      path: 'take',
    },
  };
}
