import { renderRunReport } from '../../../functions/core/report';
import { sampleReport } from './report-sample';

describe('renderRunReport', () => {
  const html = renderRunReport(sampleReport);

  it('is self-contained: inline CSS and SVG, no script, nothing to fetch', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<style>');
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(html).not.toMatch(/<script|<link|src=|href=/i);
  });

  it('escapes everything from the input', () => {
    expect(html).toContain('Rehearsal &lt;Tuesday&gt; &amp; friends');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert(1)');
  });

  it('has one row per developer, ending with the ready time or the result', () => {
    expect(html.match(/<g class="row"/g)).toHaveLength(3);
    expect(html).toContain('>ready 07:56</text>');
    expect(html).toContain('>failed</text>');
    expect(html).toContain('>skipped</text>');
  });

  it('names the bad field when a time is not ISO 8601', () => {
    const bad = { ...sampleReport, rows: [{ ...sampleReport.rows[0]!, segments: [{ step: 'apply' as const, start: 'soon', end: '2026-11-24T07:00:00Z' }] }] };
    expect(() => renderRunReport(bad)).toThrow('rows[0].segments[0].start "soon" is not an ISO 8601 time');
  });
});
