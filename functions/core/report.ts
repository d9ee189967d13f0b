/**
 * The run report: one self-contained HTML file (inline CSS, no script, nothing fetched) that reads at a glance.
 * - A header: ready on time, late, failed, skipped; the day's cost; the slowest step.
 * - One row per developer: the up's steps, a bar for the whole time the cluster was alive (ready → destroy), the
 *   down's steps; readyBy and the teardown marked on the row; late and failed rows coloured.
 * - An hourly axis with gridlines and the date where the day changes, sticky while scrolling, in UTC or in each
 *   developer's local time (a CSS-only toggle: every position is computed for both).
 * - Many rows are grouped (by time zone or team), and the rows that went well are collapsed.
 * - The failures, each with its full reason and a link to its execution.
 * Pure: every value from the input is escaped; bad times name their field.
 */
import { DateTime } from 'luxon';
import { isTimeZone, zoneNamed } from './clock';

export type ReportStep = 'claim' | 'apply' | 'cluster' | 'deploy' | 'notify' | 'destroy' | 'failure';
export type ReportResult = 'ready' | 'destroyed' | 'late' | 'failed' | 'skipped' | 'running';

export interface ReportRow {
  developer: string;
  /** `running`: the run is still going (a live report of a deployed stage, or a rehearsal cut short). */
  result: ReportResult;
  /** The IANA zone of the developer: the local-time view and the default group. UTC when absent. */
  timezone?: string;
  /** Rows are grouped by this (a team, say) when there are many; the time zone when absent. */
  group?: string;
  readyAt?: string;
  readyBy?: string;
  teardownAt?: string;
  reason?: string;
  /** The execution that failed (the Step Functions console), linked from the failure list. */
  executionUrl?: string;
  segments: Array<{ step: ReportStep; start: string; end: string; failed?: boolean }>;
}

export interface RunReportInput {
  title: string;
  generatedAt: string;
  rows: ReportRow[];
  /** The day's cost from core/cost, when known (an unknown price gives `unknown` with its reason). */
  cost?: { currency: string; amount: number; alwaysOn: number; clusterHours: number } | { unknown: string };
}

export const STEP_COLOURS: Record<ReportStep, string> = {
  claim: '#8e8e93',
  apply: '#4a7fd6',
  cluster: '#2aa8a1',
  deploy: '#8a5cd1',
  notify: '#e0a526',
  destroy: '#d9634a',
  failure: '#c0392b',
};

const STEP_LABELS: Record<ReportStep, string> = {
  claim: 'claim',
  apply: 'Terraform apply',
  cluster: 'wait for cluster',
  deploy: 'deploy',
  notify: 'notify',
  destroy: 'destroy',
  failure: 'failure',
};

/** More rows than this are grouped, and the rows that went well are collapsed. */
export const GROUP_ABOVE_ROWS = 30;
const HOUR = 3_600_000;

export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function instant(field: string, value: string): number {
  const millis = Date.parse(value);
  if (Number.isNaN(millis)) throw new Error(`${field} "${value}" is not an ISO 8601 time`);
  return millis;
}

/** A row's times, parsed once, with the wall-clock time of each in the row's zone (as if it were UTC). */
interface Parsed {
  row: ReportRow;
  zone: string;
  wall: (millis: number) => number;
  segments: Array<{ step: ReportStep; start: number; end: number; failed: boolean }>;
  readyAt?: number;
  readyBy?: number;
  teardownAt?: number;
  /** The cluster's life: from ready to the start of its destroy, or to the end of the chart while it is still up. */
  alive?: { start: number; end: number; open: boolean };
}

function parseRow(row: ReportRow, r: number): Parsed {
  const zone = row.timezone ?? 'UTC';
  if (!isTimeZone(zone)) throw new Error(`rows[${r}].timezone "${zone}" is not an IANA time zone`);
  const offsets = zoneNamed(zone);
  const wall = (millis: number) => millis + offsets.offset(millis) * 60_000;
  const optional = (field: 'readyAt' | 'readyBy' | 'teardownAt') =>
    row[field] === undefined ? undefined : instant(`rows[${r}].${field}`, row[field]!);
  const segments = row.segments.map((segment, s) => ({
    step: segment.step,
    start: instant(`rows[${r}].segments[${s}].start`, segment.start),
    end: instant(`rows[${r}].segments[${s}].end`, segment.end),
    failed: Boolean(segment.failed) || segment.step === 'failure',
  }));
  return { row, zone, wall, segments, readyAt: optional('readyAt'), readyBy: optional('readyBy'), teardownAt: optional('teardownAt') };
}

/** A time domain rounded out to whole hours, and the position of an instant in it (percent of the chart). */
interface Domain {
  first: number;
  hours: number;
  at: (millis: number) => number;
}

function domainOf(times: number[]): Domain {
  const first = times.length ? Math.floor(Math.min(...times) / HOUR) * HOUR : 0;
  const last = times.length ? Math.max(Math.ceil(Math.max(...times) / HOUR) * HOUR, first + HOUR) : HOUR;
  const hours = (last - first) / HOUR;
  return { first, hours, at: (millis) => ((millis - first) / (last - first)) * 100 };
}

const pct = (value: number) => `${value.toFixed(3)}%`;
const hhmm = (wallMillis: number) => new Date(wallMillis).toISOString().slice(11, 16);
const dayLabel = (wallMillis: number) => DateTime.fromMillis(wallMillis, { zone: 'utc' }).toFormat('ccc d LLL');

/** Hourly gridlines and ticks, labelled every hour (every two on a long day); the first and each midnight carry the date. */
function axis(domain: Domain, kind: 'utc' | 'local'): string {
  const every = domain.hours > 18 ? 2 : 1;
  const ticks = Array.from({ length: domain.hours + 1 }, (_, i) => domain.first + i * HOUR).map((tick, i) => {
    const midnight = tick % (24 * HOUR) === 0;
    const date = i === 0 || midnight ? `<b class="date">${dayLabel(tick)}</b>` : '';
    const label = i % every === 0 || midnight ? hhmm(tick) : '';
    const style = `left:${pct(domain.at(tick))}`;
    return `<span class="tick${midnight ? ' midnight' : ''}" data-time="${hhmm(tick)}" style="${style}">${date}${label}</span>`;
  });
  const caption = `<div class="caption">${kind === 'utc' ? 'UTC' : 'local time'}</div>`;
  return `<div class="axis axis-${kind}">${caption}<div class="ticks">${ticks.join('')}</div></div>`;
}

/** A bar or mark placed in both views: `--u`/`--wu` in UTC, `--l`/`--wl` in local time. */
function placed(p: Parsed, utc: Domain, local: Domain, start: number, end: number): string {
  const u = utc.at(start);
  const l = local.at(p.wall(start));
  return `--u:${pct(u)};--wu:${pct(Math.max(0, utc.at(end) - u))};--l:${pct(l)};--wl:${pct(Math.max(0, local.at(p.wall(end)) - l))}`;
}

function both(p: Parsed, millis: number): string {
  return `<span class="t-u">${hhmm(millis)} UTC</span><span class="t-l">${hhmm(p.wall(millis))}</span>`;
}

const isOk = (result: ReportResult) => result === 'ready' || result === 'destroyed';

/**
 * readyBy − readyAt in whole minutes, positive when early, on the minutes a clock shows: ready at 09:00:40 for
 * 09:00 is on time, at 09:01:10 one minute late.
 */
export function marginMinutes(readyBy: number, readyAt: number): number {
  return Math.round((readyBy - Math.floor(readyAt / 60_000) * 60_000) / 60_000);
}

/** "2 min early" / "5 min late" / "on the minute". */
export function formatMargin(minutes: number): string {
  if (minutes === 0) return 'on the minute';
  return minutes > 0 ? `${minutes} min early` : `${-minutes} min late`;
}

function margin(p: Parsed): string {
  return p.readyAt === undefined || p.readyBy === undefined ? '' : ` (${formatMargin(marginMinutes(p.readyBy, p.readyAt))})`;
}

function rowHtml(p: Parsed, utc: Domain, local: Domain): string {
  const { row } = p;
  const tip = (text: string) => ` title="${escapeHtml(text)}"`;
  const bars = p.segments.map((segment) => {
    const label =
      `${STEP_LABELS[segment.step]} ${hhmm(segment.start)}–${hhmm(segment.end)} UTC` +
      `${segment.failed && row.reason ? `: ${row.reason}` : ''}`;
    const style = placed(p, utc, local, segment.start, segment.end);
    const classes = `seg step-${segment.step}${segment.failed ? ' failed' : ''}`;
    return `<span class="${classes}" data-step="${segment.step}" style="${style}"${tip(label)}></span>`;
  });
  const alive = p.alive
    ? `<span class="alive${p.alive.open ? ' open' : ''}" style="${placed(p, utc, local, p.alive.start, p.alive.end)}"` +
      `${tip(`alive from ${hhmm(p.alive.start)} UTC${p.alive.open ? ', still up' : ` to ${hhmm(p.alive.end)} UTC`}`)}></span>`
    : '';
  const marks = [[p.readyBy, 'readyby', 'ready by'] as const, [p.teardownAt, 'teardown', 'teardown'] as const]
    .map(([at, kind, label]) =>
      at === undefined
        ? ''
        : `<i class="mark ${kind}" style="${placed(p, utc, local, at, at)}"${tip(`${label} ${hhmm(p.wall(at))} local`)}></i>`,
    )
    .join('');
  const failedIn = p.segments.find((segment) => segment.failed && segment.step !== 'failure');
  const verdict = row.result === 'failed' && failedIn ? `failed in ${STEP_LABELS[failedIn.step]}` : row.result;
  const end =
    p.readyAt === undefined
      ? escapeHtml(verdict)
      : `${row.result === 'failed' ? `${verdict}, ` : ''}ready ${both(p, p.readyAt)}${margin(p)}`;
  return (
    `<div class="row result-${row.result}" data-developer="${escapeHtml(row.developer)}" data-result="${row.result}">` +
    `<div class="name"${tip(`${row.developer} (${p.zone})`)}>${escapeHtml(row.developer)} <small>${escapeHtml(p.zone)}</small></div>` +
    `<div class="track">${alive}${bars.join('')}${marks}</div><div class="end">${end}</div></div>`
  );
}

function counts(rows: ReportRow[]) {
  const of = (...results: ReportResult[]) => rows.filter((row) => results.includes(row.result)).length;
  return { onTime: of('ready', 'destroyed'), late: of('late'), failed: of('failed'), skipped: of('skipped'), running: of('running') };
}

function groupSummary(rows: ReportRow[]): string {
  const c = counts(rows);
  const parts = [
    [c.late, 'late'],
    [c.failed, 'failed'],
    [c.skipped, 'skipped'],
    [c.running, 'running'],
  ] as const;
  return [`${c.onTime} on time`, ...parts.filter(([n]) => n > 0).map(([n, label]) => `${n} ${label}`)].join(', ');
}

/** The step whose slowest run took longest, with its median. */
function slowestStep(parsed: Parsed[]): string {
  const byStep = new Map<ReportStep, { minutes: number; developer: string }[]>();
  for (const p of parsed) {
    for (const segment of p.segments) {
      if (segment.step === 'failure') continue;
      const list = byStep.get(segment.step) ?? [];
      list.push({ minutes: (segment.end - segment.start) / 60_000, developer: p.row.developer });
      byStep.set(segment.step, list);
    }
  }
  let slowest: { step: ReportStep; max: { minutes: number; developer: string }; median: number } | undefined;
  for (const [step, list] of byStep) {
    const sorted = [...list].sort((a, b) => a.minutes - b.minutes);
    const max = sorted.at(-1)!;
    const median = sorted[Math.floor((sorted.length - 1) / 2)]!.minutes;
    if (!slowest || max.minutes > slowest.max.minutes) slowest = { step, max, median };
  }
  if (!slowest) return 'no steps ran';
  const { step, max, median } = slowest;
  return `${STEP_LABELS[step]}: ${Math.round(max.minutes)} min at most (${escapeHtml(max.developer)}), median ${Math.round(median)} min`;
}

function costCard(cost: RunReportInput['cost']): string {
  if (!cost) return '';
  if ('unknown' in cost) return `<div class="card"><b>?</b>cost of the day: ${escapeHtml(cost.unknown)}</div>`;
  const money = (amount: number) => `${cost.currency === 'USD' ? '$' : `${escapeHtml(cost.currency)} `}${amount.toFixed(2)}`;
  const detail = `cost of the day · ${cost.clusterHours.toFixed(1)} cluster-hours · always on: ${money(cost.alwaysOn)}`;
  return `<div class="card cost"><b>${money(cost.amount)}</b>${detail}</div>`;
}

export function renderRunReport(input: RunReportInput): string {
  const parsed = input.rows.map(parseRow);
  const timesOf = (p: Parsed) => [
    ...p.segments.flatMap((s) => [s.start, s.end]),
    ...[p.readyBy, p.teardownAt].filter((t): t is number => t !== undefined),
  ];
  const utcTimes = parsed.flatMap(timesOf);
  const lastSeen = utcTimes.length ? Math.max(...utcTimes) : 0;
  for (const p of parsed) {
    if (p.readyAt === undefined) continue;
    const destroy = p.segments.find((segment) => segment.step === 'destroy' && segment.start >= p.readyAt!);
    p.alive = { start: p.readyAt, end: destroy?.start ?? lastSeen, open: !destroy };
  }
  const utc = domainOf(utcTimes);
  const local = domainOf(parsed.flatMap((p) => timesOf(p).map(p.wall)));
  const rowOf = (p: Parsed) => rowHtml(p, utc, local);

  let body: string;
  if (parsed.length <= GROUP_ABOVE_ROWS) {
    body = parsed.map(rowOf).join('');
  } else {
    const groups = Map.groupBy(parsed, (p) => p.row.group ?? p.zone);
    body = [...groups]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, members]) => {
        const problems = members.filter((p) => !isOk(p.row.result) && p.row.result !== 'skipped');
        const rest = members.filter((p) => !problems.includes(p));
        const collapsed = rest.length
          ? `<details class="ok"><summary>${rest.length} went well or were skipped</summary>${rest.map(rowOf).join('')}</details>`
          : '';
        const size = `${members.length} developer${members.length === 1 ? '' : 's'}`;
        const summary = `<summary><b>${escapeHtml(name)}</b> · ${size}: ${groupSummary(members.map((p) => p.row))}</summary>`;
        const shown = problems.map(rowOf).join('');
        return `<details class="group" open data-group="${escapeHtml(name)}">${summary}${shown}${collapsed}</details>`;
      })
      .join('');
  }

  const c = counts(input.rows);
  const card = (key: string, value: number, label: string) =>
    `<div class="card ${key}${value ? ' nonzero' : ''}" data-count="${key}"><b>${value}</b>${label}</div>`;
  const header = [
    card('on-time', c.onTime, 'ready on time'),
    card('late', c.late, 'late'),
    card('failed', c.failed, 'failed'),
    card('skipped', c.skipped, 'skipped'),
    c.running ? card('running', c.running, 'still running') : '',
    costCard(input.cost),
    `<div class="card slowest"><b>slowest step</b>${slowestStep(parsed)}</div>`,
  ].join('');
  const legend = [
    ...(Object.keys(STEP_COLOURS) as ReportStep[]).map(
      (step) => `<li><span class="swatch" style="background:${STEP_COLOURS[step]}"></span>${STEP_LABELS[step]}</li>`,
    ),
    ...[
      ['alive', 'cluster alive'],
      ['readyby', 'ready by'],
      ['teardown', 'teardown'],
    ].map(([kind, label]) => `<li><span class="swatch ${kind}-swatch"></span>${label}</li>`),
  ].join('');
  const failures = parsed
    .filter((p) => p.row.result === 'failed' || p.row.result === 'late')
    .map((p) => {
      const url = p.row.executionUrl;
      const link = url && /^https:\/\//.test(url) ? ` <a href="${escapeHtml(url)}">execution</a>` : '';
      const reason = p.row.reason ?? 'no reason recorded';
      const said = reason.startsWith(`${p.row.result}:`) ? reason : `${p.row.result}: ${reason}`;
      return `<li class="failure"><strong>${escapeHtml(p.row.developer)}</strong> ${escapeHtml(said)}${link}</li>`;
    })
    .join('');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(input.title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>
body{font:13px/1.4 system-ui,sans-serif;margin:0 24px 24px;color:#1d1d1f;background:#fff}
h1{font-size:20px;margin:16px 0 2px}.meta{color:#6e6e73;margin:0 0 12px}
.cards{display:flex;gap:10px;flex-wrap:wrap;margin-bottom:12px}
.card{border:1px solid #d2d2d7;border-radius:8px;padding:8px 12px;min-width:90px;color:#424245}
.card b{display:block;font-size:20px;color:#1d1d1f}.card.slowest b,.card.cost b{font-size:14px}
.card.late.nonzero{background:#fff4d6;border-color:#e0a526}
.card.failed.nonzero{background:#fde8e6;border-color:#c0392b}.card.on-time b{color:#1e7d32}
.toggle{margin:0 0 8px}.toggle label{margin-right:12px;cursor:pointer}
.chart{--name:190px;--end:230px;min-width:1100px}
.axis{position:sticky;top:0;z-index:2;background:#fff;display:flex;border-bottom:1px solid #aeaeb2;height:38px}
.axis .caption{width:var(--name);flex:none;color:#6e6e73;padding-top:20px}.axis .ticks{position:relative;flex:1;margin-right:var(--end)}
.tick{position:absolute;bottom:2px;transform:translateX(-50%);white-space:nowrap;color:#6e6e73;font-size:11px}
.tick .date{position:absolute;bottom:16px;left:50%;color:#1d1d1f}.tick.midnight{color:#1d1d1f;font-weight:600}
.tick::after{content:'';position:absolute;left:50%;bottom:-3px;height:4px;border-left:1px solid #aeaeb2}
.tick.midnight::after{height:8px;border-left-width:2px}
.row{display:flex;align-items:center;height:22px;border-bottom:1px solid #f2f2f7}
.row .name{width:var(--name);flex:none;overflow:hidden;white-space:nowrap;text-overflow:ellipsis}.row .name small{color:#8e8e93}
.track{position:relative;flex:1;height:100%;background-image:linear-gradient(to right,#e5e5ea 1px,transparent 1px);
background-size:calc(100% / var(--hours-u)) 100%}
.end{width:var(--end);flex:none;padding-left:10px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.seg,.alive,.mark{position:absolute}
.seg{top:5px;height:12px;min-width:2px;border-radius:2px}.seg.failed{outline:2px solid #7b1f16}
.alive{top:8px;height:6px;background:#a8d5b0;border-radius:3px}
.alive.open{background:repeating-linear-gradient(90deg,#a8d5b0 0 6px,#d8efdc 6px 10px)}
.mark{top:1px;height:20px;width:0;border-left:2px solid #1d1d1f}.mark.teardown{border-left:2px dashed #d9634a}
${(Object.keys(STEP_COLOURS) as ReportStep[]).map((step) => `.step-${step}{background:${STEP_COLOURS[step]}}`).join('')}
.result-late{background:#fff4d6}.result-failed{background:#fde8e6}.result-late .name,.result-failed .name{font-weight:600}
.result-failed .name,.result-failed .end{color:#c0392b}.result-late .end{color:#9a6a00}.result-running .end{color:#4a7fd6;font-style:italic}
.result-skipped .end{color:#8e8e93}
details.group>summary{padding:6px 0;border-bottom:1px solid #d2d2d7;cursor:pointer;background:#f5f5f7}
details.ok>summary{padding:3px 0 3px 16px;color:#6e6e73;cursor:pointer}
.t-u{display:none}
body:has(#tz-utc:checked) .t-u{display:inline}body:has(#tz-utc:checked) .t-l{display:none}
.axis-utc{display:none}body:has(#tz-utc:checked) .axis-utc{display:flex}body:has(#tz-utc:checked) .axis-local{display:none}
.chart{--hours-u:${local.hours}}body:has(#tz-utc:checked) .chart{--hours-u:${utc.hours}}
.seg,.alive,.mark{left:var(--l);width:var(--wl)}.mark{width:0}body:has(#tz-utc:checked) :is(.seg,.alive){left:var(--u);width:var(--wu)}
body:has(#tz-utc:checked) .mark{left:var(--u)}
ul.legend{list-style:none;padding:0;display:flex;gap:14px;flex-wrap:wrap}
.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;vertical-align:-1px}
.alive-swatch{background:#a8d5b0}.readyby-swatch{width:0;border-left:2px solid #1d1d1f;border-radius:0}
.teardown-swatch{width:0;border-left:2px dashed #d9634a;border-radius:0}
ol.failures li{margin-bottom:4px}ol.failures li strong{color:#c0392b}
</style></head>
<body>
<h1>${escapeHtml(input.title)}</h1>
<p class="meta">Generated ${escapeHtml(input.generatedAt)} · ${input.rows.length} developer${input.rows.length === 1 ? '' : 's'}</p>
<div class="cards">${header}</div>
<div class="toggle">Times: <label><input type="radio" name="tz" id="tz-local" checked> each developer's local time</label>
<label><input type="radio" name="tz" id="tz-utc"> UTC</label></div>
<div class="chart">${axis(local, 'local')}${axis(utc, 'utc')}${body}</div>
<ul class="legend">${legend}</ul>
${failures ? `<h2>Failures</h2><ol class="failures">${failures}</ol>` : ''}
</body></html>
`;
}
