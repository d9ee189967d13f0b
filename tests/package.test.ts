/** package.json's scripts: `npm test` holds the tree to Biome's lint and format rules before any test runs. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const biome = JSON.parse(readFileSync(join(REPO, 'biome.json'), 'utf8')) as {
  formatter: { lineWidth: number };
  linter: { rules: { suspicious: Record<string, string> } };
};

describe('npm test', () => {
  it('runs Biome in CI mode (lint findings and unformatted files both fail) after the typecheck and before jest', () => {
    expect(pkg.scripts.lint).toBe('biome ci .');
    const steps = pkg.scripts.test!.split(' && ');
    expect(steps.indexOf('npm run lint')).toBe(steps.indexOf('npm run typecheck') + 1);
    expect(steps.indexOf('npm run lint')).toBeLessThan(steps.indexOf('jest'));
  });

  it('holds lines to 140 characters and refuses explicit any', () => {
    expect(biome.formatter.lineWidth).toBe(140);
    expect(biome.linter.rules.suspicious.noExplicitAny).toBe('error');
  });
});
