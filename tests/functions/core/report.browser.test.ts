/** The run report in a real browser: Debian's Chromium driven by playwright-core. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { renderRunReport } from '../../../functions/core/report';
import { launchChromium } from '../../support/chromium';
import { sampleReport } from './report-sample';

const SCREENSHOTS = path.join(__dirname, '__screenshots__');

describe('run report in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows one row per developer, coloured segments, the failure mark with its reason, and the ready time', async () => {
    const page = await browser.newPage({ viewport: { width: 1060, height: 420 } });
    const requests: string[] = [];
    const dialogs: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.setContent(renderRunReport(sampleReport));

    await expect(page.locator('g.row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-developer')))).resolves.toEqual(['alice', 'bob', 'carol']);
    const alice = page.locator('g.row[data-developer="alice"]');
    await expect(alice.locator('rect.segment').evaluateAll((bars) => bars.map((bar) => bar.getAttribute('data-step')))).resolves.toEqual(['claim', 'apply', 'cluster', 'deploy', 'notify']);
    await expect(alice.locator('text.end').textContent()).resolves.toBe('ready 07:56');
    // Segments are laid out in time order, left to right, and have a visible width.
    const boxes = await alice.locator('rect.segment').evaluateAll((bars) => bars.map((bar) => { const box = (bar as SVGGraphicsElement).getBBox(); return { x: box.x, width: box.width }; }));
    for (let i = 1; i < boxes.length; i += 1) expect(boxes[i]!.x).toBeGreaterThanOrEqual(boxes[i - 1]!.x);
    expect(boxes.every((box) => box.width >= 2)).toBe(true);

    const bob = page.locator('g.row[data-developer="bob"]');
    expect(await bob.locator('text.failure-mark').count()).toBe(2);
    await expect(bob.locator('text.failure-mark').first().isVisible()).resolves.toBe(true);
    await expect(bob.locator('text.failure-mark title').first().textContent()).resolves.toBe('failed: apply job failed: <script>alert(1)</script> quota exceeded');
    await expect(bob.locator('text.end').textContent()).resolves.toBe('failed');
    await expect(page.locator('ul.failures li').textContent()).resolves.toContain('<script>alert(1)</script>');

    expect(dialogs).toEqual([]); // the hostile reason stayed text
    expect(requests.filter((url) => !url.startsWith('about:') && !url.startsWith('data:'))).toEqual([]);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'run-report.png'), fullPage: true });
    await page.close();
  });
});
