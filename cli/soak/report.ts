/** What a soak writes: the table per day on stdout, and .turbo/soak/ as JSON and a self-contained HTML report with inline SVG plots. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeHtml } from '../../functions/core/report';
import { formatTable } from '../table';
import type { SoakResult } from './run';

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export function formatDays(result: SoakResult): string {
  const header = ['day', 'ups', 'downs', 'failures', 'redrives', 'messages', 'ops', 'peak record', 'peak payload', 'peak history'];
  const rows = result.rows.map((row) => [
    row.day,
    String(row.ups),
    String(row.downs),
    String(row.failures),
    String(row.redrives),
    String(row.messages),
    String(row.opsMessages),
    kb(row.peakRecordBytes),
    row.peakPayload.bytes ? `${kb(row.peakPayload.bytes)} ${row.peakPayload.state}` : '-',
    row.peakHistory.events ? `${row.peakHistory.events} ${row.peakHistory.execution}` : '-',
  ]);
  return formatTable(header, rows);
}

export function formatBroken(result: SoakResult, limit = 20): string {
  if (result.broken.length === 0) return 'Every invariant held.\n';
  const byInvariant = new Map<string, number>();
  for (const broken of result.broken) byInvariant.set(broken.invariant, (byInvariant.get(broken.invariant) ?? 0) + 1);
  const lines = [`Broken invariants: ${[...byInvariant].map(([name, count]) => `${name} (${count})`).join(', ')}`];
  for (const broken of result.broken.slice(0, limit)) {
    lines.push(
      `  ${broken.invariant} on ${broken.day}: developer ${broken.developer ?? '-'}, execution ${broken.execution ?? '-'}: ${broken.detail}`,
    );
  }
  if (result.broken.length > limit) lines.push(`  ... and ${result.broken.length - limit} more in the JSON report`);
  return `${lines.join('\n')}\n`;
}

/** A line or bar plot as inline SVG: x is the day index, y the value. */
function plot(title: string, values: number[], unit: string, kind: 'line' | 'bar'): string {
  const width = 640;
  const height = 200;
  const max = Math.max(1, ...values);
  const step = width / Math.max(1, values.length);
  const y = (value: number) => height - (value / max) * (height - 20);
  const marks =
    kind === 'line'
      ? `<polyline fill="none" stroke="#1f6feb" stroke-width="2" points="${values.map((value, i) => `${(i + 0.5) * step},${y(value)}`).join(' ')}"/>`
      : values
          .map(
            (value, i) =>
              `<rect x="${i * step + 1}" y="${y(value)}" width="${Math.max(1, step - 2)}" height="${height - y(value)}" fill="#1f6feb"/>`,
          )
          .join('');
  return `<h2>${escapeHtml(title)}</h2><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + 20}" role="img" aria-label="${escapeHtml(title)}">
<text x="0" y="12" font-size="11">max ${escapeHtml(String(max))} ${escapeHtml(unit)}</text>${marks}</svg>`;
}

export function renderHtml(result: SoakResult): string {
  const days = result.rows.map((row) => row.day);
  const late = days.map((day) => {
    const minutes = result.lateness.filter((entry) => entry.day === day && entry.minutes !== null).map((entry) => entry.minutes!);
    return minutes.length ? Math.max(0, ...minutes) : 0;
  });
  const never = days.map((day) => result.lateness.filter((entry) => entry.day === day && entry.minutes === null).length);
  const rows = result.rows
    .map(
      (row) =>
        `<tr><td>${row.day}</td><td>${row.ups}</td><td>${row.downs}</td><td>${row.failures}</td><td>${row.redrives}</td><td>${row.messages}</td><td>${row.opsMessages}</td><td>${kb(row.peakRecordBytes)}</td><td>${kb(row.peakPayload.bytes)} ${escapeHtml(row.peakPayload.state)}</td><td>${row.peakHistory.events}</td></tr>`,
    )
    .join('\n');
  const broken = result.broken
    .slice(0, 500)
    .map(
      (entry) =>
        `<li><b>${escapeHtml(entry.invariant)}</b> ${entry.day} ${escapeHtml(entry.developer ?? '-')} ${escapeHtml(entry.execution ?? '-')}: ${escapeHtml(entry.detail)}</li>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Turbo soak</title>
<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px}</style></head><body>
<h1>Turbo soak: ${result.options.days} days × ${result.options.developers} developers (seed ${result.options.seed}, fault rate ${result.options.faultRate})</h1>
<p>${result.broken.length === 0 ? 'Every invariant held.' : `${result.broken.length} broken invariant(s).`}</p>
${plot(
  'Peak record size per day',
  result.rows.map((row) => Math.round(row.peakRecordBytes / 1024)),
  'KB',
  'line',
)}
${plot(
  'Ops channel messages per day',
  result.rows.map((row) => row.opsMessages),
  'messages',
  'bar',
)}
${plot('Latest ready, minutes past readyBy (0: everyone on time)', late, 'min', 'bar')}
${plot('Developers due but never ready', never, 'developers', 'bar')}
<h2>Days</h2><table><tr><th>day</th><th>ups</th><th>downs</th><th>failures</th><th>redrives</th><th>messages</th><th>ops</th><th>peak record</th><th>peak payload</th><th>peak history</th></tr>
${rows}</table>
<h2>Broken invariants</h2><ul>${broken}</ul>
</body></html>
`;
}

export function writeSoak(result: SoakResult, dir: string): { json: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'soak.json');
  const html = join(dir, 'report.html');
  writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(html, renderHtml(result));
  return { json, html };
}
