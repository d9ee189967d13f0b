/** The run report in a real browser (Debian's Chromium driven by playwright-core), at 4 and at 500 developers. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { renderRunReport, type RunReportInput } from '../../../functions/core/report';
import { launchChromium } from '../../support/chromium';
import { sampleDay, sampleReport } from './report-sample';

const SCREENSHOTS = path.join(__dirname, '__screenshots__');

describe('run report in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(input: RunReportInput): Promise<{ page: Page; requests: string[]; dialogs: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const requests: string[] = [];
    const dialogs: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.setContent(renderRunReport(input));
    return { page, requests, dialogs };
  }

  const count = (page: Page, key: string) => page.locator(`[data-count="${key}"] b`).textContent();
  const left = (page: Page, selector: string) =>
    page
      .locator(selector)
      .first()
      .evaluate((element) => element.getBoundingClientRect().left);

  it('at 4 developers: header counts, late and failed rows coloured, the alive bar, hourly ticks, both views', async () => {
    const { page, requests, dialogs } = await open(sampleReport);
    const counts = Promise.all(['on-time', 'late', 'failed', 'skipped'].map((key) => count(page, key)));
    await expect(counts).resolves.toEqual(['1', '1', '1', '1']);
    const classes = page.locator('.row').evaluateAll((rows) => rows.map((row) => `${row.getAttribute('data-developer')}:${row.className}`));
    await expect(classes).resolves.toEqual([
      'alice:row result-destroyed',
      'bob:row result-failed',
      'carol:row result-late',
      'dave:row result-skipped',
    ]);
    const background = (developer: string) =>
      page.locator(`.row[data-developer="${developer}"]`).evaluate((row) => getComputedStyle(row).backgroundColor);
    const colours = Promise.all(['alice', 'bob', 'carol'].map(background));
    await expect(colours).resolves.toEqual(['rgba(0, 0, 0, 0)', 'rgb(253, 232, 230)', 'rgb(255, 244, 214)']);

    // alice's cluster is alive from her ready time to the start of her destroy, and the marks sit on the row.
    const alice = '.row[data-developer="alice"]';
    const box = (selector: string, nth = 0) =>
      page
        .locator(selector)
        .nth(nth)
        .evaluate((element) => {
          const r = element.getBoundingClientRect();
          return { left: r.left, right: r.right, width: r.width };
        });
    const alive = await box(`${alice} .alive`);
    const notifyUp = await box(`${alice} .seg[data-step="notify"]`);
    const destroy = await box(`${alice} .seg[data-step="destroy"]`);
    expect(Math.abs(alive.left - notifyUp.right)).toBeLessThan(1.5);
    expect(Math.abs(alive.right - (await box(`${alice} .seg[data-step="claim"]`, 1)).left)).toBeLessThan(1.5);
    expect(alive.width).toBeGreaterThan(400); // ten hours of a day that reads at a glance, not a sliver
    expect(destroy.left).toBeGreaterThan(alive.right - 1);
    await expect(page.locator(`${alice} .mark.readyby`).isVisible()).resolves.toBe(true);
    await expect(page.locator(`${alice} .mark.teardown`).isVisible()).resolves.toBe(true);

    // Ticks: every hour, evenly spaced, in the local view (the default) and in UTC.
    for (const view of ['local', 'utc']) {
      if (view === 'utc') await page.locator('#tz-utc').check();
      const ticks = await page.locator(`.axis-${view} .tick`).evaluateAll((elements) =>
        elements.map((tick) => {
          const r = tick.getBoundingClientRect();
          return { time: tick.getAttribute('data-time')!, x: r.left + r.width / 2, visible: r.width > 0 };
        }),
      );
      expect(ticks.length).toBeGreaterThan(8);
      expect(ticks.every((tick) => tick.visible && tick.time.endsWith(':00'))).toBe(true);
      const gaps = ticks.slice(1).map((tick, i) => tick.x - ticks[i]!.x);
      expect(Math.max(...gaps) - Math.min(...gaps)).toBeLessThan(8);
    }
    // In UTC, carol (New York) moves right of alice (Berlin) by the six hours between them.
    const hour = await page
      .locator('.axis-utc .tick')
      .evaluateAll((ticks) => ticks[1]!.getBoundingClientRect().left - ticks[0]!.getBoundingClientRect().left);
    const shift = (await left(page, '.row[data-developer="carol"] .seg')) - (await left(page, `${alice} .seg`));
    expect(Math.abs(shift - 6.17 * hour)).toBeLessThan(hour / 4); // 13:45 against 07:35 UTC
    await expect(page.locator(`${alice} .end .t-u`).isVisible()).resolves.toBe(true);

    await expect(page.locator('ol.failures li').allTextContents()).resolves.toEqual([
      'bob failed: apply job failed: <script>alert(1)</script> quota exceeded execution',
      'carol late: ready at 09:05 for readyBy 09:00 (5 min late)',
    ]);
    await expect(page.locator('ol.failures a').getAttribute('href')).resolves.toBe(sampleReport.rows[1]!.executionUrl);
    expect(dialogs).toEqual([]); // the hostile reason stayed text
    expect(requests.filter((url) => !url.startsWith('about:') && !url.startsWith('data:'))).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'run-report-4.png'), fullPage: true });
    await page.close();
  });

  it('at 500 developers: grouped by zone, the rows that went well collapsed, a bounded page, and an axis that stays in view', async () => {
    const day = sampleDay(500);
    const { page, requests } = await open(day);
    const expected = (results: string[]) => String(day.rows.filter((row) => results.includes(row.result)).length);
    const counts = Promise.all(['on-time', 'late', 'failed'].map((key) => count(page, key)));
    await expect(counts).resolves.toEqual([expected(['destroyed']), expected(['late']), expected(['failed'])]);
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    expect(height).toBeLessThan(2000);
    await expect(page.locator('details.group').count()).resolves.toBe(5);
    // What needs looking at is in view: every late and failed row is visible, no row that went well is.
    const shown = page.locator('.row:visible').evaluateAll((rows) => [...new Set(rows.map((row) => row.dataset.result))].sort());
    await expect(shown).resolves.toEqual(['failed', 'late']);
    await expect(page.locator('.row.result-late:visible').count()).resolves.toBe(Number(expected(['late'])));
    await page.screenshot({ path: path.join(SCREENSHOTS, 'run-report-500.png'), fullPage: true });

    // Opened, a group shows its rows; scrolled far down, the axis is still at the top of the window.
    await page.locator('details.ok > summary').first().click();
    await expect(page.locator('details.ok').first().locator('.row:visible').count()).resolves.toBeGreaterThan(80);
    await page.mouse.wheel(0, 1500);
    await page.waitForFunction(() => window.scrollY > 1000);
    const axisTop = await page.locator('.axis-local').evaluate((axis) => axis.getBoundingClientRect().top);
    expect(axisTop).toBe(0);
    expect(requests.filter((url) => !url.startsWith('about:') && !url.startsWith('data:'))).toEqual([]);
    await page.close();
  });
});
