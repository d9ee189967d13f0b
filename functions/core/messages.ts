/**
 * The Slack messages Turbo sends: plain text for notifications plus Block Kit blocks for the body.
 * Pure: no I/O. Every interpolated value goes through `escapeMrkdwn`, and free text (failure reasons) also through
 * `redactSecrets`, so neither a crafted value nor an error that quotes a credential can reach Slack.
 */
import { DateTime } from 'luxon';
import { CLOCK_TIME, isTimeZone, zoneNamed } from './clock';
import type { Mode } from './config';
import type { RunPath } from './hibernate';
import type { EnvironmentRecord, ImageRef, Message, MessageKind } from './types';
import type { RolloutTally } from './opsReport';

/** Slack's three control characters in mrkdwn text (and link URLs): https://docs.slack.dev/messaging/formatting-message-text */
export function escapeMrkdwn(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const SECRET_PATTERNS: [RegExp, string][] = [
  [/\bxox[a-z]-[A-Za-z0-9-]+/g, '[redacted]'], // Slack bot, user and legacy tokens
  [/\bxapp-[A-Za-z0-9-]+/g, '[redacted]'], // Slack app-level tokens
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, '[redacted]'], // AWS access key IDs
  [/\bBearer\s+[A-Za-z0-9._~+/=-]+/gi, 'Bearer [redacted]'],
  [/\b(token|password|secret)(["']?\s*[=:]\s*)[^\s,;&]+/gi, '$1$2[redacted]'],
];

/** Free text from errors may quote a credential; nothing that looks like one is sent. */
export function redactSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((redacted, [pattern, replacement]) => redacted.replace(pattern, replacement), text);
}

const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^\s|<>]+$/;
/** Slack refuses section texts over 3000 characters; a reason is cut well before that. */
const MAX_REASON_LENGTH = 1500;

function checked(field: string, value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw new Error(`${field} "${value}" is not ${what}`);
  return value;
}

/** The Step Functions console page of one execution. */
export function executionConsoleUrl(executionArn: string, region: string): string {
  checked('executionArn', executionArn, EXECUTION_ARN, 'a Step Functions execution ARN');
  checked('region', region, AWS_REGION, 'an AWS region such as eu-west-1');
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/** "19:00 Europe/Berlin (Tue 24 Nov)": the expiry as the developer reads a clock. */
export function formatLocalTime(iso: string, timezone: string): string {
  if (!isTimeZone(timezone)) throw new Error(`timezone "${timezone}" is not an IANA time zone such as Europe/Berlin`);
  const time = DateTime.fromISO(iso, { setZone: true });
  if (!time.isValid) throw new Error(`expiresAt "${iso}" is not an ISO 8601 timestamp`);
  const local = time.setZone(zoneNamed(timezone)).setLocale('en-GB');
  return `${local.toFormat('HH:mm')} ${timezone} (${local.toFormat('ccc d LLL')})`;
}

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const section = (text: string) => ({ type: 'section', text: mrkdwn(text) });
const header = (text: string) => ({ type: 'header', text: { type: 'plain_text', text, emoji: true } });
const context = (text: string) => ({ type: 'context', elements: [mrkdwn(text)] });
const link = (url: string, label: string) => `<${escapeMrkdwn(url)}|${escapeMrkdwn(label)}>`;
const code = (value: string) => `\`${escapeMrkdwn(value)}\``;

/** The reason as a quote: redacted, cut to a length Slack accepts, escaped. */
function reasonQuote(reason: string): string {
  const redacted = redactSecrets(reason.trim() || 'no reason recorded');
  const short = redacted.length > MAX_REASON_LENGTH ? `${redacted.slice(0, MAX_REASON_LENGTH)}…` : redacted;
  return `*Reason:*\n>${escapeMrkdwn(short).replace(/\n/g, '\n>')}`;
}

export interface ReadyMessageInput {
  developer: string;
  clusterName: string;
  region: string;
  endpoint: string;
  appUrl: string;
  /** ISO 8601; empty when the record has none. */
  expiresAt: string;
  timezone: string;
  /** The app's image as deployed (the record's frontend image), or undefined when none was pinned. */
  image?: ImageRef;
  /** The local HH:MM the Keep button offers, or null for no button (the day cannot be extended). */
  keepOffer: string | null;
  /** The developer asked for Spot nodes, none could be had by the deadline, and the nodes are On-Demand. */
  spotFellBack?: boolean;
}

/** The ready DM's note when Spot could not be had: the day costs more, and nothing else changes. */
export const SPOT_FELL_BACK =
  ':information_source: No Spot capacity by the deadline, so your nodes are On-Demand today (same size, higher price). ' +
  'Tomorrow asks for Spot again.';

/** The action_ids of the warning's buttons; core/slackRequest maps them back to commands. */
export const WARNING_ACTIONS = { keep: 'turbo_keep_until', destroy: 'turbo_destroy_now' } as const;

/** A button whose value names the developer, so that an ops member's click acts on the right one. */
function button(developer: string, text: string, actionId: string, value: object, style: 'primary' | 'danger') {
  return {
    type: 'button',
    text: { type: 'plain_text', text, emoji: true },
    action_id: actionId,
    value: JSON.stringify({ developer, ...value }),
    style,
  };
}

/** "Keep until 22:00": the same button in the ready DM and the pre-teardown warning (one action, one handler). */
function keepButtons(developer: string, keepOffer: string | null) {
  if (keepOffer === null) return [];
  if (!CLOCK_TIME.test(keepOffer)) throw new Error(`keepOffer "${keepOffer}" is not a 24-hour time HH:MM`);
  return [button(developer, `Keep until ${keepOffer}`, WARNING_ACTIONS.keep, { until: keepOffer }, 'primary')];
}

/** "1.4.0 (acme/turbo-notes, sha256 3f2a…)": the version first, as a developer asks for it. */
function imageLine(image: ImageRef | undefined): string {
  if (!image) return '_no version pinned yet (the first image-sync pins one)_';
  const digest = image.digest ? `, ${shortDigest(`@${image.digest}`)}` : '';
  return `${code(image.tag)} (${escapeMrkdwn(image.repository)}${digest})`;
}

export function readyMessage(input: ReadyMessageInput): Message {
  const clusterName = checked('clusterName', input.clusterName, EKS_CLUSTER_NAME, 'an EKS cluster name');
  const region = checked('region', input.region, AWS_REGION, 'an AWS region such as eu-west-1');
  const command = `aws eks update-kubeconfig --name ${clusterName} --region ${region}`;
  const expiry = input.expiresAt ? formatLocalTime(input.expiresAt, input.timezone) : 'not recorded';
  const appLine = input.appUrl ? link(input.appUrl, input.appUrl) : '_not published yet_';
  const keep = keepButtons(input.developer, input.keepOffer);
  return {
    kind: 'ready',
    text: `Your Turbo cluster ${escapeMrkdwn(clusterName)} is ready. It will be destroyed at ${escapeMrkdwn(expiry)}.`,
    blocks: [
      header('Your Turbo cluster is ready'),
      {
        type: 'section',
        fields: [
          mrkdwn(`*Cluster*\n${code(clusterName)}`),
          mrkdwn(`*Region*\n${escapeMrkdwn(region)}`),
          mrkdwn(`*Endpoint*\n${input.endpoint ? escapeMrkdwn(input.endpoint) : '_unknown_'}`),
          mrkdwn(`*App*\n${appLine}`),
          mrkdwn(`*App version*\n${imageLine(input.image)}`),
        ],
      },
      section(`Get a kubeconfig:\n\`\`\`${escapeMrkdwn(command)}\`\`\``),
      section(`It will be destroyed at *${escapeMrkdwn(expiry)}*. Hello, ${escapeMrkdwn(input.developer)}!`),
      ...(input.spotFellBack ? [context(SPOT_FELL_BACK)] : []),
      ...(keep.length ? [{ type: 'actions', block_id: 'turbo_ready', elements: keep }, context('Or type `/turbo keep until HH:MM`.')] : []),
    ],
  };
}

export interface FailureMessageInput {
  developer: string;
  action: 'up' | 'down';
  /** The step that failed, e.g. `Terraform apply`. */
  step: string;
  reason: string;
  executionArn: string;
  region: string;
  /** A hibernate (down) or a wake (up) run: its failure is not a destroy's or a create's (core/failure runPathOf). */
  path?: RunPath;
}

/** A failure report must go out even when the execution ID is odd (e.g. a local rehearsal's): then it names it, unlinked. */
function executionLine(executionArn: string, region: string): string {
  if (!EXECUTION_ARN.test(executionArn) || !AWS_REGION.test(region)) {
    return `Execution ${code(executionArn)} (no console link: not a Step Functions execution ARN in a valid region).`;
  }
  return `${link(executionConsoleUrl(executionArn, region), 'Open the execution in the Step Functions console')} (it can be redriven from there).`;
}

function failureReport(kind: MessageKind, title: string, lines: string[], executionArn: string, region: string): Message {
  return {
    kind,
    text: `${title}: ${lines[0]}`,
    blocks: [header(title), ...lines.map(section), section(executionLine(executionArn, region))],
  };
}

/**
 * For the ops channel. A failed `down` is loud: the cluster may still be running and billing. A failed hibernate
 * is as loud (its nodes may still run), and a failed wake says it is a hibernated cluster that is not ready.
 */
export function failureMessage(input: FailureMessageInput): Message {
  const who = escapeMrkdwn(input.developer);
  const step = escapeMrkdwn(input.step);
  const reports = {
    create: {
      title: ':warning: Turbo could not create a cluster',
      lines: [`:warning: Creating ${who}'s cluster failed at ${step}. It is not ready.`],
    },
    wake: {
      title: ':warning: Turbo wake failed: a hibernated cluster is not ready',
      lines: [
        `:warning: Waking ${who}'s hibernated cluster failed at ${step}. It is not ready, and its control plane is still costing money.`,
        'Redrive the execution to wake it again: its control plane, state and data are kept.',
      ],
    },
    destroy: {
      title: ':rotating_light: Turbo could NOT destroy a cluster',
      lines: [
        `:rotating_light: *Destroying ${who}'s cluster failed at ${step}. The cluster may still be running and costing money every hour* until someone destroys it.`,
        'Redrive the execution, or run the destroy job by hand, and check the EKS console that the cluster is gone.',
      ],
    },
    hibernate: {
      title: ':rotating_light: Turbo hibernate failed: a cluster is still costing money',
      lines: [
        `:rotating_light: *Hibernating ${who}'s cluster failed at ${step}. Its nodes may still be running, and the cluster is still ` +
          'costing money every hour* until its node group is at 0 with no instance left, or it is destroyed.',
        'Terminate any instance left running, redrive the execution, and check the EKS console that the node group is at 0.',
      ],
    },
  };
  const { title, lines } = reports[failureOf(input)];
  const [first = '', ...next] = lines;
  return failureReport('failure', title, [first, reasonQuote(input.reason), ...next], input.executionArn, input.region);
}

/** What a failed run was doing: creating, waking, destroying or hibernating the cluster. */
function failureOf(input: Pick<FailureMessageInput, 'action' | 'path'>): RunPath | 'create' | 'destroy' {
  return input.path ?? (input.action === 'up' ? 'create' : 'destroy');
}

/**
 * For the developer: what happened in their terms, that ops has been told, and the next step. (Ops gets
 * failureMessage, with the run's details.) A failed scheduled run is not retried by the next tick, whose run
 * would have the same name: `/turbo up` starts a new run, and ops can redrive the failed one.
 */
export function failureDmMessage(input: FailureMessageInput & { clusterName: string }): Message {
  const cluster = code(input.clusterName);
  const step = escapeMrkdwn(input.step);
  const told = 'The ops channel has been told, with a link to the run.';
  const tryUp = '*Next step:* type `/turbo up` to try again now. Or wait: when ops has fixed the cause and redriven the run, ';
  const dms = {
    create: {
      title: 'Your Turbo cluster is not ready',
      first: `:warning: Turbo could not create your cluster ${cluster} today: it stopped at ${step}. It is not ready.`,
      next: `${told}\n${tryUp}it goes on from where it stopped and you get the usual message when your cluster is ready.`,
    },
    wake: {
      title: 'Your Turbo cluster did not wake',
      first: `:warning: Turbo could not wake your hibernated cluster ${cluster} today: it stopped at ${step}. It is not ready.`,
      next: `${told}\n${tryUp}it wakes again and you get the usual message when your cluster is ready.`,
    },
    destroy: {
      title: 'Your Turbo cluster was not destroyed',
      first: `:warning: Turbo could not destroy your cluster ${cluster}: it stopped at ${step}. It may still be running.`,
      next:
        `${told} They will make sure it is destroyed; you need not do anything.\n*Next step, if you are done with it:* ` +
        'type `/turbo down` to try again now.',
    },
    hibernate: {
      title: 'Your Turbo cluster did not hibernate',
      first: `:warning: Turbo could not hibernate your cluster ${cluster}: it stopped at ${step}. Its nodes may still be running.`,
      next: `${told} They will make sure it is hibernated or destroyed; you need not do anything.`,
    },
  };
  const { title, first, next } = dms[failureOf(input)];
  const lines = [first, reasonQuote(input.reason), next];
  return {
    kind: 'failure-dm',
    text: `${title}: ${lines[0]}`,
    blocks: [header(title), ...lines.map(section), context(executionLine(input.executionArn, input.region))],
  };
}

export interface ReconcileFailureMessageInput {
  reason: string;
  executionArn: string;
  region: string;
}

/** For the ops channel: without a reconcile, nobody's cluster is created or destroyed on time. */
export function reconcileFailureMessage(input: ReconcileFailureMessageInput): Message {
  return failureReport(
    'reconcile-failure',
    ':rotating_light: Turbo reconcile failed',
    [
      ':rotating_light: *The reconcile run failed: clusters may not be created or destroyed on time, and some may keep costing money.*',
      reasonQuote(input.reason),
    ],
    input.executionArn,
    input.region,
  );
}

/** For the ops channel: image-sync could not resolve, record or list; running clusters keep the images they run. */
export function imageSyncFailureMessage(input: ReconcileFailureMessageInput): Message {
  return failureReport(
    'image-sync-failure',
    ':warning: Turbo image-sync failed',
    [':warning: *The image-sync run failed: no cluster was rolled; each keeps the images it runs.*', reasonQuote(input.reason)],
    input.executionArn,
    input.region,
  );
}

export interface DestroyedMessageInput {
  developer: string;
  clusterName: string;
}

/**
 * No goodbye without a hello: the "destroyed" DM goes only to a developer whose cluster had been ready. MarkDestroyed
 * ends a lifetime (record.lifetimes, at this destroyedAt) only for a cluster that MarkReady had seen up; a destroy of a
 * half-built cluster (its up failed) or of nothing at all ends none.
 */
export function saidHelloTo(record: EnvironmentRecord | undefined): boolean {
  return record?.status === 'destroyed' && record.destroyedAt !== undefined && record.lifetimes?.at(-1)?.destroyedAt === record.destroyedAt;
}

export function destroyedMessage(input: DestroyedMessageInput): Message {
  const text = `Your Turbo cluster ${code(input.clusterName)} was destroyed for the day. Goodbye, ${escapeMrkdwn(input.developer)}!`;
  return { kind: 'destroyed', text, blocks: [section(`:wave: ${text}`)] };
}

/** The evening's DM in hibernate mode: the cluster sleeps, nothing of the developer's is lost. */
export function hibernatedMessage(input: DestroyedMessageInput): Message {
  const text =
    `Your Turbo cluster ${code(input.clusterName)} is hibernating for the night: its nodes are off, its control plane and the ` +
    `app's data are kept, and it wakes before your next working day. Good night, ${escapeMrkdwn(input.developer)}!`;
  return { kind: 'hibernated', text, blocks: [section(`:zzz: ${text}`)] };
}

export interface WarningMessageInput {
  developer: string;
  clusterName: string;
  /** ISO instant of the teardown. */
  teardownAt: string;
  timezone: string;
  /** The local HH:MM the keep button offers, or null for no keep button (the day cannot be extended). */
  keepOffer: string | null;
  /** What the evening does to the cluster: destroys it, or hibernates it (core/hibernate). */
  mode: Mode;
}

/** The pre-teardown DM. The buttons' values name the developer, so an ops member's click acts on the right one. */
export function warningMessage(input: WarningMessageInput): Message {
  const clusterName = checked('clusterName', input.clusterName, EKS_CLUSTER_NAME, 'an EKS cluster name');
  const when = formatLocalTime(input.teardownAt, input.timezone);
  const keep = keepButtons(input.developer, input.keepOffer);
  const destroy = {
    ...button(input.developer, 'Destroy now', WARNING_ACTIONS.destroy, {}, 'danger'),
    confirm: {
      title: { type: 'plain_text', text: 'Destroy your cluster now?' },
      text: { type: 'plain_text', text: `${clusterName} and everything in it will be deleted. It comes back on your next working day.` },
      confirm: { type: 'plain_text', text: 'Destroy' },
      deny: { type: 'plain_text', text: 'Keep it' },
    },
  };
  const text =
    input.mode === 'hibernate'
      ? `Your Turbo cluster ${code(clusterName)} will hibernate at ${escapeMrkdwn(when)}: its nodes stop, its control plane and ` +
        `the app's data stay.`
      : `Your Turbo cluster ${code(clusterName)} will be destroyed at ${escapeMrkdwn(when)}.`;
  return {
    kind: 'teardown-warning',
    text,
    blocks: [
      section(`:hourglass_flowing_sand: ${text}`),
      { type: 'actions', block_id: 'turbo_warning', elements: [...keep, destroy] },
      context(input.keepOffer === null ? 'It is already kept as late as Turbo allows.' : `Or type \`/turbo keep until HH:MM\`.`),
    ],
  };
}

/** A short answer to a `/turbo` command or a button; `text` is mrkdwn the caller has escaped. */
export function replyMessage(text: string): Message {
  return { kind: 'reply', text, blocks: [section(text)] };
}

export interface ImageChange {
  image: string;
  /** The full reference before and after (`repo:tag@digest`); `from` is null for a workload with no image. */
  from: string | null;
  fromTag: string | null;
  to: string;
  toTag: string;
}

function shortDigest(reference: string | null): string {
  const digest = reference?.split('@')[1];
  return digest ? digest.replace('sha256:', '').slice(0, 12) : 'no digest';
}

/** For a developer whose environment rolled to new images: what changed, old and new version and digest. */
export function rolloutMessage(input: { developer: string; clusterName: string; changes: ImageChange[] }): Message {
  const lines = input.changes.map(
    (change) =>
      `• ${escapeMrkdwn(change.image)}: ${code(change.fromTag ?? 'none')} (${shortDigest(change.from)}) → ${code(change.toTag)} (${shortDigest(change.to)})`,
  );
  // The notification names the new releases: two rollouts of one day (a wake's, then a push's) are two messages.
  const releases = input.changes.map((change) => `${escapeMrkdwn(change.image)} ${escapeMrkdwn(change.toTag)}`).join(', ');
  const text = `Your Turbo cluster ${input.clusterName} rolled to new images (${releases}), with no downtime.`;
  return {
    kind: 'rollout',
    text,
    blocks: [
      section(`:arrows_counterclockwise: Your Turbo cluster ${code(input.clusterName)} rolled to new images, with no downtime:`),
      section(lines.join('\n')),
    ],
  };
}

/**
 * For the ops channel: one message per image-sync run, its counts, and the first failures named (the tally names at
 * most FAILURES_PER_SUMMARY, and counts the others).
 */
export function imageSyncSummaryMessage(input: {
  images: string[];
  tally: RolloutTally;
  /** The release broke its failure budget: the run stopped it. */
  broken: boolean;
  executionArn: string;
  region: string;
}): Message {
  const { tally } = input;
  const counts = `${tally.rolled} rolled, ${tally.current} already current, ${tally.skipped} skipped, ${tally.failed} failed`;
  const text = input.broken
    ? `Image sync to ${input.images.join(', ')} stopped: it failed beyond its budget on the first clusters (${counts})${
        tally.stopped > 0 ? `; ${tally.stopped} environment(s) not rolled or rolled back` : ''
      }`
    : `Image sync to ${input.images.join(', ')}: ${counts}`;
  const blocks = [section(`${input.broken ? ':octagonal_sign:' : ':package:'} ${escapeMrkdwn(text)}`)];
  if (tally.failed > 0) {
    const named = tally.failures.map(
      (entry) => `• ${escapeMrkdwn(entry.developer)}: ${escapeMrkdwn(redactSecrets(entry.reason ?? 'unknown'))}`,
    );
    if (tally.failed > named.length) named.push(`…and ${tally.failed - named.length} more`);
    blocks.push(section(named.join('\n')));
    blocks.push(section(`<${executionConsoleUrl(input.executionArn, input.region)}|Open the execution>`));
  }
  return { kind: 'image-sync-summary', text, blocks };
}

/** For the ops channel, weekly: hours, cost and savings per developer, and the team's totals. */
export function weeklyCostMessage(input: {
  from: string;
  to: string;
  currency: string;
  lines: { developer: string; hours: number; nodesOffHours: number; cost: number; alwaysOn: number; savings: number }[];
}): Message {
  const money = (value: number) => `${value.toFixed(2)} ${input.currency}`;
  const total = (field: 'cost' | 'savings' | 'alwaysOn') => input.lines.reduce((sum, line) => sum + line[field], 0);
  const text = `Turbo's week ${input.from.slice(0, 10)} to ${input.to.slice(0, 10)}: ${money(total('cost'))} for ${input.lines.length} developers, ${money(total('savings'))} saved against always-on clusters`;
  const rows = input.lines.map(
    (line) =>
      `• ${escapeMrkdwn(line.developer)}: ${line.hours} h${line.nodesOffHours > 0 ? ` (${line.nodesOffHours} h of them hibernated)` : ''}, ` +
      `${money(line.cost)} (always-on ${money(line.alwaysOn)}, saved ${money(line.savings)})`,
  );
  return {
    kind: 'weekly-cost',
    text,
    blocks: [section(`:moneybag: ${escapeMrkdwn(text)}`), section(rows.join('\n') || 'No developers.'), section(WEEK_ARITHMETIC)],
  };
}

/** How the weekly lines add up, and how they relate to `turbo cost`'s per-day figures. */
export const WEEK_ARITHMETIC =
  "_How it adds up:_ each developer's cost is the hours their cluster ran × its hourly price (control plane, NLB and " +
  "its public IPv4 addresses, nodes and their volumes, MongoDB's volume; Spot at the typical discount in " +
  'core/prices.json), less the nodes for the hours it was hibernated (node group at zero), + an equal share of the ' +
  'NAT gateway and its address for all 168 h. Always-on is the same cluster ' +
  "for 168 h plus the same share. The team's figures are the sums of the " +
  "lines. `turbo cost` estimates a day from the schedule; its week is the working days' cluster hours + 7 days of NAT share.";

/** For the ops channel, daily while it lasts: reconcile holds every up until the shared network exists. */
export function networkMissingMessage(input: { parameter: string; held: number }): Message {
  const text = `Turbo is holding ${input.held} cluster(s): the shared network is not applied yet (no SSM parameter ${input.parameter})`;
  const how =
    "Apply `infra-tf/network` (README, Deploying, step 4); the next reconcile tick then starts the clusters. Nobody's run has failed.";
  return { kind: 'network-missing', text, blocks: [section(`:construction: ${escapeMrkdwn(text)}`), section(how)] };
}

/** For the ops channel, daily: clusters named like Turbo's that lack its tag. Turbo leaves them alone. */
export function lookalikesMessage(lookalikes: { name: string; reason: string }[]): Message {
  const text = `${lookalikes.length} cluster(s) named like Turbo's have no turbo:owner tag; Turbo will not touch them: check them by hand`;
  return {
    kind: 'lookalikes',
    text,
    blocks: [section(`:mag: ${escapeMrkdwn(text)}`), section(lookalikes.map((entry) => `• ${code(entry.name)}`).join('\n'))],
  };
}
