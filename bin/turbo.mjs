#!/usr/bin/env node
// The `turbo` command. The CLI is TypeScript: tsx compiles it on the fly, so there is no build step.
// The project's .ts files are CommonJS, so both hooks are needed: ESM for this import, CJS for their requires.
import { register as registerEsm } from 'tsx/esm/api';
import { register as registerCjs } from 'tsx/cjs/api';

registerEsm();
registerCjs();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
