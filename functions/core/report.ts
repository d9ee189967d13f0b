/**
 * The run report: one self-contained HTML file (inline CSS, an inline SVG Gantt chart, no script, nothing fetched),
 * one row per developer, segments coloured by step, failures marked with their reason, and the time each
 * environment was ready at the end of its row. Pure: every value from the input is escaped.
 */
export type ReportStep = 'claim' | 'apply' | 'cluster' | 'deploy' | 'notify' | 'destroy' | 'failure';

export interface RunReportInput {
  title: string;
  generatedAt: string;
  rows: Array<{
    developer: string;
    /** `running`: the run is still going (a live report of a deployed stage, or a rehearsal cut short). */
    result: 'ready' | 'destroyed' | 'late' | 'failed' | 'skipped' | 'running';
    readyAt?: string;
    reason?: string;
    segments: Array<{ step: ReportStep; start: string; end: string; failed?: boolean }>;
  }>;
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

export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function instant(field: string, value: string): number {
  const millis = Date.parse(value);
  if (Number.isNaN(millis)) throw new Error(`${field} "${value}" is not an ISO 8601 time`);
  return millis;
}

const hhmm = (millis: number) => new Date(millis).toISOString().slice(11, 16);

const LABEL_WIDTH = 140;
const CHART_WIDTH = 720;
const END_WIDTH = 150;
const ROW_HEIGHT = 30;
const AXIS_HEIGHT = 24;

export function renderRunReport(input: RunReportInput): string {
  const times = input.rows.flatMap((row, r) =>
    row.segments.flatMap((segment, s) => [instant(`rows[${r}].segments[${s}].start`, segment.start), instant(`rows[${r}].segments[${s}].end`, segment.end)]),
  );
  const first = times.length ? Math.min(...times) : 0;
  const last = times.length ? Math.max(...times, first + 60_000) : 60_000;
  const x = (millis: number) => LABEL_WIDTH + ((millis - first) / (last - first)) * CHART_WIDTH;
  const width = LABEL_WIDTH + CHART_WIDTH + END_WIDTH;
  const height = AXIS_HEIGHT + input.rows.length * ROW_HEIGHT + 8;

  const ticks = Array.from({ length: 5 }, (_, i) => first + ((last - first) * i) / 4)
    .map((t) => `<text class="tick" x="${x(t).toFixed(1)}" y="14" text-anchor="middle">${hhmm(t)}</text>`)
    .join('');

  const rows = input.rows
    .map((row, r) => {
      const y = AXIS_HEIGHT + r * ROW_HEIGHT;
      const bars = row.segments
        .map((segment) => {
          const start = x(Date.parse(segment.start));
          const barWidth = Math.max(2, x(Date.parse(segment.end)) - start);
          const failed = segment.failed || segment.step === 'failure';
          const tip = `${STEP_LABELS[segment.step]} ${hhmm(Date.parse(segment.start))}–${hhmm(Date.parse(segment.end))}${failed && row.reason ? `: ${row.reason}` : ''}`;
          const bar = `<rect class="segment step-${segment.step}${failed ? ' failed' : ''}" data-step="${segment.step}" x="${start.toFixed(1)}" y="${y + 6}" width="${barWidth.toFixed(1)}" height="${ROW_HEIGHT - 12}" rx="3" fill="${STEP_COLOURS[segment.step]}"><title>${escapeHtml(tip)}</title></rect>`;
          const mark = failed
            ? `<text class="failure-mark" x="${(start + barWidth).toFixed(1)}" y="${y + ROW_HEIGHT / 2 + 5}" dx="3"><title>${escapeHtml(`failed: ${row.reason ?? 'no reason recorded'}`)}</title>✖</text>`
            : '';
          return bar + mark;
        })
        .join('');
      const end = row.readyAt ? `ready ${hhmm(instant(`rows[${r}].readyAt`, row.readyAt))}` : row.result;
      return (
        `<g class="row" data-developer="${escapeHtml(row.developer)}" data-result="${row.result}">` +
        `<text class="name" x="8" y="${y + ROW_HEIGHT / 2 + 5}">${escapeHtml(row.developer)}</text>${bars}` +
        `<text class="end result-${row.result}" x="${LABEL_WIDTH + CHART_WIDTH + 16}" y="${y + ROW_HEIGHT / 2 + 5}">${escapeHtml(end)}</text></g>`
      );
    })
    .join('');

  const legend = (Object.keys(STEP_COLOURS) as ReportStep[])
    .map((step) => `<li><span class="swatch" style="background:${STEP_COLOURS[step]}"></span>${STEP_LABELS[step]}</li>`)
    .join('');
  const failures = input.rows
    .filter((row) => row.result === 'failed')
    .map((row) => `<li class="failure"><strong>${escapeHtml(row.developer)}</strong>: ${escapeHtml(row.reason ?? 'no reason recorded')}</li>`)
    .join('');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(input.title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d1d1f;background:#fff}
h1{font-size:20px;margin:0 0 4px}.meta{color:#6e6e73;margin:0 0 16px}
svg text{font-size:12px;fill:#1d1d1f}svg .tick{fill:#6e6e73;font-size:11px}
.failed{stroke:#7b1f16;stroke-width:2}.failure-mark{fill:#c0392b;font-weight:bold}.result-failed{fill:#c0392b;font-weight:bold}.result-ready{fill:#1e7d32}.result-running{fill:#4a7fd6;font-style:italic}
ul.legend{list-style:none;padding:0;display:flex;gap:16px;flex-wrap:wrap}.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:-1px}
ul.failures li{color:#c0392b}
</style></head>
<body>
<h1>${escapeHtml(input.title)}</h1>
<p class="meta">Generated ${escapeHtml(input.generatedAt)} · times in UTC · ${input.rows.length} developer${input.rows.length === 1 ? '' : 's'}</p>
<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Timeline per developer" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${ticks}${rows}</svg>
<ul class="legend">${legend}</ul>
${failures ? `<h2>Failures</h2><ul class="failures">${failures}</ul>` : ''}
</body></html>
`;
}
