/** What the rehearsal benches start from: the packaged stack and the example config, with the handlers' logs off. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePackaged, loadPackagedStack, projectRoot } from '../cli/rehearsal/packaged';
import { loadConfigText } from '../functions/core/configFile';

export function packagedExample(dir: string) {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const root = projectRoot(dir);
  ensurePackaged(root);
  const example = loadConfigText(readFileSync(join(root, 'turbo.config.example.yml'), 'utf8'));
  return { root, example, stack: loadPackagedStack(root, example.region) };
}
