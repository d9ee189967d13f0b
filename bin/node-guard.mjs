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

/** V8's young generation, in MB per semi-space (Node's default is 16). */
export const YOUNG_GENERATION_FLAG = '--max-semi-space-size=64';

/**
 * The flags to run Turbo again with, or undefined to go on as it is. A flag already given is not given twice.
 * - On Node 22 and 23, AsyncLocalStorage on AsyncContextFrame: the rehearsal knows which Lambda a call comes from by
 *   AsyncLocalStorage, which there runs on promise hooks that slow every promise it makes (a day of 1,000 developers
 *   took a seventh longer for them). Node 24 needs no flag.
 * - A young generation of 64 MB: a rehearsed day's states, events and handler calls live for a moment of virtual
 *   time, and a 16 MB one promoted them to be collected again later (5,000 developers: 87.3 s against 71.7 s).
 */
export function runtimeFlags(nodeVersion, execArgv, nodeOptions = '') {
  const major = Number(nodeVersion.replace(/^v/, '').split('.')[0]);
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  const wanted = [];
  const contextFrameGiven = given.some((flag) => flag === CONTEXT_FRAME_FLAG || flag === '--no-async-context-frame');
  if ((major === 22 || major === 23) && !contextFrameGiven) wanted.push(CONTEXT_FRAME_FLAG);
  if (!given.some((flag) => /^--max-semi-space-size(=|$)/.test(flag))) wanted.push(YOUNG_GENERATION_FLAG);
  return wanted.length > 0 ? [...wanted, ...execArgv] : undefined;
}
