import { GROUP_ABOVE_ROWS, renderRunReport } from '../../../functions/core/report';
import { sampleDay, sampleReport } from './report-sample';

describe('renderRunReport', () => {
  const html = renderRunReport(sampleReport);

  it('is self-contained: inline CSS, no script, nothing to fetch; the only links are the executions', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|<img|src=/i);
    expect([...html.matchAll(/href="([^"]+)"/g)].map((match) => match[1])).toEqual([sampleReport.rows[1]!.executionUrl]);
  });

  it('escapes everything from the input', () => {
    expect(html).toContain('Rehearsal &lt;Tuesday&gt; &amp; friends');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert(1)');
  });

  it('has one row per developer, ending with the ready time and margin, or what went wrong', () => {
    expect(html.match(/<div class="row /g)).toHaveLength(4);
    expect(html).toContain('ready <span class="t-u">07:56 UTC</span><span class="t-l">08:56</span> (4 min early)');
    expect(html).toContain('<div class="end">failed in Terraform apply</div>');
    expect(html).toContain('(5 min late)');
    expect(html).toContain('<div class="end">skipped</div>');
  });

  it('counts the day in the header, with the cost and the slowest step', () => {
    const card = (key: string) => new RegExp(`data-count="${key}"><b>(\\d+)</b>`).exec(html)?.[1];
    expect([card('on-time'), card('late'), card('failed'), card('skipped')]).toEqual(['1', '1', '1', '1']);
    expect(html).toContain('<b>$6.58</b>cost of the day · 28.5 cluster-hours · always on: $17.40');
    expect(html).toContain('<b>slowest step</b>Terraform apply: 18 min at most (carol), median 12 min');
  });

  it('lists late and failed developers with their full reason', () => {
    const bob = '<li class="failure"><strong>bob</strong> failed: apply job failed: &lt;script&gt;alert(1)&lt;/script&gt; quota exceeded ';
    expect(html).toContain(`${bob}<a href=`);
    expect(html).toContain('<li class="failure"><strong>carol</strong> late: ready at 09:05 for readyBy 09:00 (5 min late)</li>');
  });

  it('puts the ticks on the hour, in both views', () => {
    const times = [...html.matchAll(/class="tick[^"]*" data-time="([0-9:]+)"/g)].map((match) => match[1]);
    expect(times.length).toBeGreaterThan(10);
    expect(times.every((time) => time!.endsWith(':00'))).toBe(true);
  });

  it(`groups more than ${GROUP_ABOVE_ROWS} rows by time zone and collapses the rows that went well`, () => {
    const big = renderRunReport(sampleDay(GROUP_ABOVE_ROWS + 10));
    expect(big.match(/<details class="group" open/g)).toHaveLength(5);
    expect(big).toMatch(/<details class="ok"><summary>\d+ went well or were skipped<\/summary>/);
    expect(renderRunReport(sampleDay(GROUP_ABOVE_ROWS))).not.toContain('<details');
  });

  it('names the bad field when a time is not ISO 8601, or a zone is unknown', () => {
    const row = sampleReport.rows[0]!;
    const bad = { ...sampleReport, rows: [{ ...row, segments: [{ step: 'apply' as const, start: 'soon', end: '2026-11-24T07:00:00Z' }] }] };
    expect(() => renderRunReport(bad)).toThrow('rows[0].segments[0].start "soon" is not an ISO 8601 time');
    const withRow = (changed: object) => () => renderRunReport({ ...sampleReport, rows: [{ ...row, ...changed }] });
    expect(withRow({ readyBy: 'nine' })).toThrow('rows[0].readyBy "nine" is not an ISO 8601 time');
    expect(withRow({ timezone: 'Mars/Olympus' })).toThrow('rows[0].timezone "Mars/Olympus" is not an IANA time zone');
  });
});
