/** Chromium (CHROMIUM_PATH, else Debian's /usr/bin/chromium), driven by playwright-core, as every browser test launches it. */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { chromiumPath } from '../../scripts/check-tools.cjs';

export const CHROMIUM = chromiumPath();

/** Fails (never skips) when Chromium is missing, saying how to install it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (sudo scripts/setup-dev.sh) or set CHROMIUM_PATH`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
