/** The packaged stack for workflow tests: `npm test` packages first; a lone jest run packages when stale. */
import type { TurboConfig } from '../../functions/core/config';
import { loadConfigText } from '../../functions/core/configFile';
import { ensurePackaged, loadPackagedStack, projectRoot, type PackagedStack } from '../../cli/rehearsal/packaged';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const root = projectRoot(__dirname);
export const EXAMPLE = 'turbo.config.example.yml';

export function exampleConfig(): TurboConfig {
  return loadConfigText(readFileSync(join(root, EXAMPLE), 'utf8'));
}

let stack: PackagedStack | undefined;
export function packagedStack(region = 'eu-west-1'): PackagedStack {
  if (!stack) {
    ensurePackaged(root);
    stack = loadPackagedStack(root, region);
  }
  return stack;
}
