// The Node version check that bin/turbo.mjs runs before it imports anything: the CLI's dependencies need the
// version in package.json's engines.node, and on an older Node they fail with errors that do not say why.
// Plain JavaScript with no imports beyond node:, so that it runs on any Node.
import { readFileSync } from 'node:fs';

/** engines.node of the project, such as ">=22.19": the one place the required version is written. */
export function requiredNode(packageJsonPath) {
  const range = JSON.parse(readFileSync(packageJsonPath, 'utf8')).engines?.node ?? '';
  const match = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  if (!match) throw new Error(`${packageJsonPath}: engines.node must be a lower bound such as ">=22.19", got ${JSON.stringify(range)}`);
  return match.slice(1).map((part) => Number(part ?? 0));
}

/** One line saying why this Node cannot run Turbo, or undefined when it can. */
export function nodeVersionProblem(required, actual) {
  const have = actual.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((have[i] ?? 0) > required[i]) return undefined;
    if ((have[i] ?? 0) < required[i]) {
      const shown = required[2] ? required.join('.') : required.slice(0, 2).join('.');
      return `Turbo needs Node ≥ ${shown}; this is ${actual.replace(/^v/, '')}`;
    }
  }
  return undefined;
}

/** Node's flag for AsyncLocalStorage on AsyncContextFrame (Node 22.7 and 23); Node 24 made it the default. */
export const CONTEXT_FRAME_FLAG = '--experimental-async-context-frame';

/**
 * The flags to run Turbo again with, or undefined to go on as it is. The rehearsal knows which Lambda a call comes
 * from by AsyncLocalStorage, which on Node 22 runs on promise hooks that slow every promise it makes; a day of
 * 1,000 developers took a seventh longer for them. Node 24 needs no flag, and one already given is not given twice.
 */
export function contextFrameFlags(nodeVersion, execArgv, nodeOptions = '') {
  const major = Number(nodeVersion.replace(/^v/, '').split('.')[0]);
  if (major !== 22 && major !== 23) return undefined;
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  if (given.some((flag) => flag === CONTEXT_FRAME_FLAG || flag === '--no-async-context-frame')) return undefined;
  return [CONTEXT_FRAME_FLAG, ...execArgv];
}
