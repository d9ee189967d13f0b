#!/usr/bin/env node
// The `turbo` command. The CLI is TypeScript: tsx compiles it on the fly, so there is no build step.
// The project's .ts files are CommonJS, so both hooks are needed: ESM for this import, CJS for their requires.
// The Node version is checked first, and everything else is imported only after it passed (hence the dynamic imports).
import { spawnSync } from 'node:child_process';
import { contextFrameFlags, nodeVersionProblem, requiredNode } from './node-guard.mjs';

const problem = nodeVersionProblem(requiredNode(new URL('../package.json', import.meta.url)), process.versions.node);
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
// On Node 22, Turbo runs itself once more with AsyncLocalStorage on AsyncContextFrame (node-guard.mjs says why).
const flags = contextFrameFlags(process.versions.node, process.execArgv, process.env.NODE_OPTIONS);
if (flags) {
  const run = spawnSync(process.execPath, [...flags, ...process.argv.slice(1)], { stdio: 'inherit' });
  if (run.error) throw run.error;
  if (run.signal) process.kill(process.pid, run.signal);
  process.exit(run.status ?? 1);
}
const { register: registerEsm } = await import('tsx/esm/api');
const { register: registerCjs } = await import('tsx/cjs/api');
registerEsm();
registerCjs();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
