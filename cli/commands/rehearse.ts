/**
 * `turbo rehearse`: a whole working day of the packaged state machines on this machine, on the in-memory cloud
 * and a virtual clock. Live progress per developer, then a summary; Slack messages go to an outbox file.
 */
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import { DNS_LABEL, WEEKDAYS, type TurboConfig } from '../../functions/core/config';
import { FAULT_POINTS, type FaultPoint } from '../../functions/adapters/memory/cloud';
import { JenkinsJobRunner } from '../../functions/adapters/jenkins';
import { UsageError, wholeNumberFlag, type CommandIo } from '../io';
import { parseDateFlag, withQuotaFlag } from '../flags';
import { rehearseDay, type DayResult } from '../rehearsal/day';
import { describeDenied } from '../rehearsal/enforce';
import { ensurePackaged, loadPackagedStack, projectRoot } from '../rehearsal/packaged';
import { Progress } from '../rehearsal/progress';
import { formatAggregates, formatSummaryTable, isFailure, metricsOf, reportRows, summarise } from '../rehearsal/summary';
import { timelineOf } from '../rehearsal/timeline';
import { renderRunReport, type RunReportInput } from '../../functions/core/report';
import { PRICE_TABLE, recordedUse, weeklySummary } from '../../functions/core/cost';
import { loadValidConfig } from './validate';
import { UnknownPriceError } from '../../functions/core/errors';

const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Europe/London', 'America/Los_Angeles'];

/** The largest synthetic roster: twice the 5,000 developers the workflow benchmark rehearses. */
export const MAX_SYNTHETIC_DEVELOPERS = 10_000;

/** A roster of `count` made-up developers spread over several time zones, on the example's team settings. */
export function syntheticRoster(config: TurboConfig, count: number): TurboConfig {
  const developers = Array.from({ length: count }, (_, index) => {
    const id = String(index + 1).padStart(4, '0');
    return {
      name: `dev-${id}`,
      slackUserId: `U0DEV${id}`,
      iamPrincipalArn: `arn:aws:iam::123456789012:user/dev-${id}`,
      timezone: ZONES[index % ZONES.length],
    };
  });
  return { ...config, developers };
}

function parseFault(spec: string, config: TurboConfig): { developer: string; point: FaultPoint } {
  const [developer, point] = spec.split(':');
  if (!developer || !DNS_LABEL.test(developer) || !point) throw new UsageError(`--fail takes developer:point, got ${JSON.stringify(spec)}`);
  if (!(FAULT_POINTS as readonly string[]).includes(point)) {
    throw new UsageError(`--fail ${spec}: unknown fault point ${JSON.stringify(point)} (one of ${FAULT_POINTS.join(', ')})`);
  }
  if (!config.developers.some((dev) => dev.name === developer)) {
    throw new UsageError(`--fail ${spec}: ${JSON.stringify(developer)} is not in the roster`);
  }
  return { developer, point: point as FaultPoint };
}

function parsePush(spec: string): { image: 'frontend' | 'mongo'; tag: string } {
  const [image, tag] = spec.split(':');
  if ((image !== 'frontend' && image !== 'mongo') || !tag || !/^[\w][\w.-]{0,127}$/.test(tag)) {
    throw new UsageError(`--push takes frontend:<tag> or mongo:<tag>, got ${JSON.stringify(spec)}`);
  }
  return { image, tag };
}

/** The next working day of the team, from today: a rehearsal of a Saturday would show nothing. */
export function nextWorkingDay(config: TurboConfig, from: DateTime): string {
  let day = from.setZone(config.timezone).startOf('day');
  for (let i = 0; i < 14; i++) {
    const weekday = WEEKDAYS[day.weekday - 1]!;
    const date = day.toISODate()!;
    if (config.workingDays.includes(weekday) && !config.holidays.includes(date)) return date;
    day = day.plus({ days: 1 });
  }
  throw new UsageError('the team has no working day in the next two weeks: pass --date');
}

function jenkinsRunner(config: TurboConfig, url: string): JenkinsJobRunner {
  const user = process.env.JENKINS_USER;
  const token = process.env.JENKINS_TOKEN;
  if (!user || !token) throw new UsageError('--runner jenkins needs JENKINS_USER and JENKINS_TOKEN in the environment');
  const jobs = config.runner.jenkins ?? { terraformJob: 'turbo-terraform', deployJob: 'turbo-deploy' };
  return new JenkinsJobRunner({ baseUrl: url, terraformJob: jobs.terraformJob, deployJob: jobs.deployJob, user, token });
}

/** What the rehearsed window cost, by core/cost's model, from the lifetimes the day recorded. */
export function costOfTheDay(config: TurboConfig, result: DayResult): RunReportInput['cost'] {
  const { lifetimes, nodesOff } = recordedUse([...result.cloud.records.values()]);
  try {
    const lines = weeklySummary(config, lifetimes, new Date(result.start), new Date(result.end), nodesOff);
    const sum = (pick: (line: (typeof lines)[number]) => number) =>
      Math.round(lines.reduce((total, line) => total + pick(line), 0) * 100) / 100;
    const currency = PRICE_TABLE.currency;
    return { currency, amount: sum((line) => line.cost), alwaysOn: sum((line) => line.alwaysOn), clusterHours: sum((line) => line.hours) };
  } catch (error) {
    if (error instanceof UnknownPriceError) return { unknown: error.message };
    throw error;
  }
}

export async function run(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      config: { type: 'string' },
      date: { type: 'string' },
      developers: { type: 'string' },
      quota: { type: 'string' },
      fail: { type: 'string', multiple: true },
      runner: { type: 'string' },
      'jenkins-url': { type: 'string' },
      out: { type: 'string' },
      quiet: { type: 'boolean' },
      verbose: { type: 'boolean' },
      push: { type: 'string' },
      pace: { type: 'string' },
    },
  });
  // The handlers' Powertools logs are for CloudWatch; here they would bury the progress. --verbose keeps them.
  process.env.POWERTOOLS_LOG_LEVEL = values.verbose ? 'DEBUG' : 'SILENT';
  const loaded = await loadValidConfig(values.config, io);
  if (!loaded) return 1;
  let config = loaded.config;
  if (values.developers !== undefined) {
    config = syntheticRoster(config, wholeNumberFlag('developers', values.developers, 1, MAX_SYNTHETIC_DEVELOPERS));
  }
  config = withQuotaFlag(config, values.quota);
  const date = values.date === undefined ? nextWorkingDay(config, DateTime.now()) : parseDateFlag('--date', values.date);
  const faults = (values.fail ?? []).map((spec) => parseFault(spec, config));
  const push = values.push === undefined ? undefined : parsePush(values.push);
  if (values.runner !== undefined && values.runner !== 'memory' && values.runner !== 'jenkins') {
    throw new UsageError(`--runner must be memory or jenkins, got ${JSON.stringify(values.runner)}`);
  }
  if (values.runner === 'jenkins' && !values['jenkins-url']) throw new UsageError('--runner jenkins needs --jenkins-url <url>');
  const runner = values.runner === 'jenkins' ? jenkinsRunner(config, values['jenkins-url']!) : undefined;
  if (values.pace !== undefined && values.pace !== 'real' && values.pace !== 'virtual')
    throw new UsageError(`--pace must be real or virtual, got ${JSON.stringify(values.pace)}`);
  // A real runner's jobs take real time, so waits on them keep real pace, unless asked otherwise (a quick fake).
  const realPace = (values.pace ?? (runner ? 'real' : 'virtual')) === 'real';

  const root = projectRoot();
  ensurePackaged(root, (line) => io.stderr(`${line}\n`));
  const stack = loadPackagedStack(root, config.region);
  const out = resolve(io.cwd, values.out ?? '.turbo/rehearsal');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const outbox = join(out, 'outbox.jsonl');
  writeFileSync(outbox, '');

  io.stdout(
    `Rehearsing ${date} for ${config.developers.length} developer(s) of team ${config.team}` +
      `${faults.length ? `, with faults ${faults.map((f) => `${f.developer}:${f.point}`).join(', ')}` : ''}` +
      `${runner ? `, jobs on Jenkins at ${values['jenkins-url']}` : ''}\n`,
  );
  const progress = new Progress(config, io, { live: !values.quiet });
  let result: DayResult;
  try {
    result = await rehearseDay({
      config,
      stack,
      root,
      date,
      faults,
      runner,
      realPace,
      push,
      onStateEntered: (execution, visit) => progress.entered(execution, visit),
      onMessage: (message) => appendFileSync(outbox, `${JSON.stringify(message)}\n`),
    });
  } finally {
    progress.stop();
  }

  const rows = summarise(config, result.executions, date, result.cloud.records);
  const metrics = metricsOf(result);
  const summary = { date, team: config.team, developers: rows, heldBack: result.heldBack, accessDenied: result.iam.denied };
  writeFileSync(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  const timeline = timelineOf(result.executions);
  writeFileSync(join(out, 'timeline.json'), `${JSON.stringify(timeline, null, 2)}\n`);
  const title = `Turbo rehearsal of ${date}, team ${config.team}`;
  const report = { title, generatedAt: new Date().toISOString(), rows: reportRows(rows, timeline, config.region) };
  writeFileSync(join(out, 'report.html'), renderRunReport({ ...report, cost: costOfTheDay(config, result) }));
  writeFileSync(join(out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  io.stdout(`\n${formatSummaryTable(rows)}\n\n${formatAggregates(rows, metrics)}\n`);
  if (result.heldBack.length > 0) {
    const names = result.heldBack.map((start) => start.name);
    const listed = `${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''}`;
    io.stdout(`Not run, beyond ${date} on the developer's own clock: ${names.length} run(s) reconcile asked for (${listed})\n`);
  }
  const failed = rows.filter(isFailure);
  io.stdout(
    `${rows.length - failed.length} of ${rows.length} developer(s) ok; ${result.cloud.outbox.length} Slack message(s) in ${outbox}\n`,
  );
  io.stdout(`Summary, timeline and report: ${join(out, 'summary.json')}, ${join(out, 'timeline.json')}, ${join(out, 'report.html')}\n`);
  if (push) {
    const syncs = result.executions.filter((execution) => execution.machine === 'imageSync');
    const reports = result.cloud.outbox.filter((message) => message.kind === 'image-sync-summary');
    io.stdout(
      `Pushed ${push.image}:${push.tag}: ${syncs.length} image-sync run(s), ${result.cloud.registry.calls.listTags} tag listing(s) and ` +
        `${result.cloud.registry.calls.digest} digest lookup(s) at the registry; ${reports.map((message) => message.text).join('; ') || 'no report'}\n`,
    );
  }
  writeFileSync(join(out, 'alerts.jsonl'), result.cloud.alertOutbox.map((alert) => `${JSON.stringify(alert)}\n`).join(''));
  // An alarm that fires again and again is one line: its first time and how often.
  const fired = new Map<string, typeof result.cloud.alertOutbox>();
  for (const alert of result.cloud.alertOutbox)
    if (alert.subject.startsWith('ALARM')) fired.set(alert.subject, [...(fired.get(alert.subject) ?? []), alert]);
  const topic = result.cloud.alertOutbox[0]?.topic ?? 'the alert topic';
  io.stdout(
    fired.size === 0
      ? 'No alarm fired.\n'
      : `${fired.size} alarm(s) fired, published to SNS topic ${topic} (email${config.alerts.httpsEndpoint ? ' and pager' : ''}, not Slack):\n`,
  );
  for (const [subject, alerts] of fired) {
    const times = alerts.length > 1 ? ` (${alerts.length} times)` : '';
    io.stdout(
      `  ${DateTime.fromISO(alerts[0]!.at, { zone: config.timezone }).toFormat('HH:mm')} ${subject}${times}: ${alerts[0]!.message.split('\n')[0]}\n`,
    );
  }
  if (failed.length > 0) {
    io.stdout(`FAILED: ${failed.map((row) => `${row.developer} (${row.reason ?? 'no reason recorded'})`).join('; ')}\n`);
  }
  // IAM enforced by execution: a call a role refuses fails the rehearsal, as it would fail on AWS.
  for (const denied of result.iam.denied) io.stdout(`${describeDenied(denied)}\n`);
  return failed.length > 0 || result.iam.denied.length > 0 ? 1 : 0;
}
