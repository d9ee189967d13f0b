/** The notes board in a real browser: Chromium (CHROMIUM_PATH) driven by playwright-core. */
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { buildApp } from '../../frontend/src/app';
import { createMemoryRepository } from '../../frontend/src/repositories/memory';
import { launchChromium } from '../support/chromium';

const SCREENSHOTS = path.join(__dirname, '__screenshots__');

describe('notes board in Chromium', () => {
  const { app } = buildApp({
    repository: createMemoryRepository(),
    version: '1.2.0',
    commit: '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432',
    logLevel: 'silent',
  });
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app.close();
  });

  it('keeps an added note across a reload, shows a script note as text, and renders with its stylesheet', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('dialog', (dialog) => {
      pageErrors.push(`dialog opened: ${dialog.message()}`);
      void dialog.dismiss();
    });

    await page.goto(`${base}/`);
    await page.fill('textarea[name=text]', 'Standup moved to 9:30');
    await page.fill('input[name=author]', 'alice');
    await Promise.all([page.waitForURL(`${base}/`), page.click('button[type=submit]:has-text("Add note")')]);
    await page.reload();
    await expect(page.locator('li.note .text').first().textContent()).resolves.toBe('Standup moved to 9:30');

    const script = '<script>window.injected = true; alert("xss")</script>';
    await page.fill('textarea[name=text]', script);
    await Promise.all([page.waitForURL(`${base}/`), page.click('button[type=submit]:has-text("Add note")')]);
    await expect(page.locator('li.note .text').first().textContent()).resolves.toBe(script);
    expect(await page.evaluate(() => (globalThis as { injected?: boolean }).injected)).toBeUndefined();
    expect(await page.locator('li.note script').count()).toBe(0);
    expect(pageErrors).toEqual([]);

    // The stylesheet loaded under the content security policy, and the footer shows the build.
    const background = await page.evaluate(() => getComputedStyle(document.querySelector('li.note')!).backgroundColor);
    expect(background).toBe('rgb(255, 253, 247)');
    await expect(page.locator('footer').textContent()).resolves.toBe('turbo-notes v1.2.0 · commit 9f8e7d6c5b4a');

    mkdirSync(SCREENSHOTS, { recursive: true });
    const file = path.join(SCREENSHOTS, 'notes-board.png');
    await page.screenshot({ path: file, fullPage: true });
    expect(existsSync(file)).toBe(true);
  });
});
