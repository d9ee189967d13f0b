/** The layers' one rule: core is the domain and knows nothing of adapters or handlers (docs/architecture.md). */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');
const core = join(root, 'functions/core');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|js|cjs|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** Every module a file names: static imports and re-exports, dynamic import() and require(). */
function specifiers(text: string): string[] {
  const found = [
    ...text.matchAll(
      /\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]|\brequire\s*\(\s*['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm,
    ),
  ];
  return found.map((match) => match[1] ?? match[2] ?? match[3] ?? match[4]!);
}

/** The files under functions/core that reach into adapters or handlers, as `file -> module`. */
function outwardImports(files: string[]): string[] {
  return files.flatMap((file) =>
    specifiers(readFileSync(file, 'utf8'))
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => relative(root, resolve(dirname(file), spec)))
      .filter((target) => /^functions\/(adapters|handlers)(\/|$)/.test(target))
      .map((target) => `${relative(root, file)} -> ${target}`),
  );
}

describe('functions/core', () => {
  test('imports nothing from adapters or handlers', () => {
    const files = sources(core);
    expect(files.length).toBeGreaterThan(10);
    expect(outwardImports(files)).toEqual([]);
  });

  test('the check sees an import that points outward', () => {
    const probe = join(core, 'probe.ts');
    const text = "import type { Kube } from '../adapters/kube';\nconst x = require('../handlers/lib/stack');\n";
    expect(specifiers(text)).toEqual(['../adapters/kube', '../handlers/lib/stack']);
    expect(specifiers(text).map((spec) => relative(root, resolve(dirname(probe), spec)))).toEqual([
      'functions/adapters/kube',
      'functions/handlers/lib/stack',
    ]);
  });
});
