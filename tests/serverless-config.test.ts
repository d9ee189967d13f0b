/** serverless-config.cjs: which config `serverless package` and `deploy` read when TURBO_CONFIG is not set. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RECONCILE_TICK_MINUTES } from '../functions/core/config';
import { folderWith } from './cli/capture';

const REPO = join(__dirname, '..');
const exampleText = readFileSync(join(REPO, 'turbo.config.example.yml'), 'utf8');
const loadWith = require(join(REPO, 'serverless-config.cjs')) as (
  context: unknown,
) => Promise<{ file: string; region: string; reconcileRate: string }>;
/** serverless resolves `${file(./serverless-config.cjs)}` with a resolver of its own variables. */
const SERVERLESS_VARIABLES: Record<string, string> = { 'self:service': 'turbo', 'sls:stage': 'rehearsal' };
const SERVERLESS_PROPERTIES: Record<string, string | undefined> = {
  'custom.codebuild.sourceLocation': 'https://github.com/acme/turbo.git',
  'custom.codebuild.sourceVersion': 'main',
};
const load = () =>
  loadWith({
    resolveVariable: async (name: string) => SERVERLESS_VARIABLES[name],
    resolveConfigurationProperty: async (path: string[]) => SERVERLESS_PROPERTIES[path.join('.')],
  });

async function inFolder<T>(dir: string, body: () => Promise<T>): Promise<T> {
  const before = process.cwd();
  const saved = process.env.TURBO_CONFIG;
  delete process.env.TURBO_CONFIG;
  process.chdir(dir);
  try {
    return await body();
  } finally {
    process.chdir(before);
    if (saved !== undefined) process.env.TURBO_CONFIG = saved;
  }
}

describe('serverless-config.cjs', () => {
  it('reads turbo.config.yaml when there is no turbo.config.yml', async () => {
    const dir = folderWith({ 'turbo.config.yaml': exampleText.replace('region: eu-west-1', 'region: eu-north-1') });
    await expect(inFolder(dir, load)).resolves.toMatchObject({ file: 'turbo.config.yaml', region: 'eu-north-1' });
  });

  it('says which file to create when there is neither', async () => {
    await expect(inFolder(folderWith(), load)).rejects.toThrow(
      'Turbo config turbo.config.yml not found: copy turbo.config.example.yml to turbo.config.yml, or set TURBO_CONFIG',
    );
  });

  it('schedules reconcile at the tick that configWarnings counts on', async () => {
    process.env.TURBO_CONFIG ??= join(REPO, 'turbo.config.example.yml');
    await expect(load()).resolves.toMatchObject({ reconcileRate: `rate(${RECONCILE_TICK_MINUTES} minutes)` });
  });
});
