#!/usr/bin/env node
// The `turbo` command. The CLI is TypeScript: tsx compiles it on the fly, so there is no build step.
// The project's .ts files are CommonJS, so both hooks are needed: ESM for this import, CJS for their requires.
// The Node version is checked first, and everything else is imported only after it passed (hence the dynamic imports).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { nodeVersionProblem, requiredNode, runtimeFlags } from './node-guard.mjs';

const problem = nodeVersionProblem(requiredNode(new URL('../package.json', import.meta.url)), process.versions.node);
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
// Turbo runs itself once more with the runtime flags a rehearsal of thousands needs (node-guard.mjs says why).
const flags = runtimeFlags(process.versions.node, process.execArgv, process.env.NODE_OPTIONS);
if (flags) {
  const child = spawn(process.execPath, [...flags, ...process.argv.slice(1)], { stdio: 'inherit' });
  // Ctrl-C reaches both from the terminal; a signal sent to this process alone (a timeout, a cancelled CI job) is passed on.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  const [code, signal] = await once(child, 'exit');
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exit(code ?? 1);
}
// A reader that stops early (`turbo cost | head`) closes the pipe: end quietly, as `git log | head` does, not with a stack.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const { register: registerEsm } = await import('tsx/esm/api');
const { register: registerCjs } = await import('tsx/cjs/api');
registerEsm();
registerCjs();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
