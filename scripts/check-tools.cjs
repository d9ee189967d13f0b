/**
 * Before any test runs: names every system tool of scripts/dev-tools.txt that is missing, in one go, with the
 * command that installs them. `npm test` runs it first (node scripts/check-tools.cjs) and jest runs it as its
 * globalSetup, so that a plain `npx jest` fails in seconds too instead of failing tests one by one much later.
 * Plain CommonJS, no dependencies: it runs before anything else is known to work.
 */
const { accessSync, constants, readFileSync } = require('node:fs');
const { delimiter, join } = require('node:path');

const TOOLS_FILE = join(__dirname, 'dev-tools.txt');
const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** Where Chromium is: CHROMIUM_PATH, else Debian's. Every browser test and benchmark launches this one. */
function chromiumPath(env = process.env) {
  return env.CHROMIUM_PATH || DEFAULT_CHROMIUM;
}

/** The tools of dev-tools.txt: { command, debianPackage (undefined when Debian has none), required, usedBy }. */
function devTools(text = readFileSync(TOOLS_FILE, 'utf8')) {
  return text.split('\n').filter((line) => line.trim() && !line.startsWith('#')).map((line) => {
    const [command, debianPackage, need, ...usedBy] = line.trim().split(/\s+/);
    if (need !== 'required' && need !== 'optional') throw new Error(`${TOOLS_FILE}: "${line}": the third column must be required or optional`);
    return { command, debianPackage: debianPackage === '-' ? undefined : debianPackage, required: need === 'required', usedBy: usedBy.join(' ') };
  });
}

const isExecutable = (path) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** Whether `command` can be run: on PATH, or for chromium at chromiumPath(). */
function findTool(command, env = process.env) {
  if (command === 'chromium') return isExecutable(chromiumPath(env)) ? chromiumPath(env) : undefined;
  return (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command)).find(isExecutable);
}

/** The report on the missing tools: `fatal` when a required one is missing. */
function checkTools(tools = devTools(), env = process.env) {
  const missing = tools.filter((tool) => !findTool(tool.command, env));
  const required = missing.filter((tool) => tool.required);
  const optional = missing.filter((tool) => !tool.required);
  const lines = [];
  if (required.length) {
    lines.push(`npm test needs ${required.length === 1 ? 'a tool that is' : 'tools that are'} missing here:`);
    for (const tool of required) {
      const where = tool.command === 'chromium' ? ` at ${chromiumPath(env)} (set CHROMIUM_PATH to use another)` : ' on PATH';
      lines.push(`  - ${tool.command}: not found${where}; Debian package ${tool.debianPackage}; needed by ${tool.usedBy}`);
    }
    lines.push('Install them with: sudo scripts/setup-dev.sh   (README.md, "Quick start": Prerequisites)');
  }
  for (const tool of optional) lines.push(`notice: ${tool.command} is not on PATH: ${tool.usedBy}`);
  return { fatal: required.length > 0, message: lines.join('\n') };
}

/** jest's globalSetup. */
module.exports = async function globalSetup() {
  const report = checkTools();
  if (report.fatal) throw new Error(report.message);
  if (report.message) process.stderr.write(`${report.message}\n`);
};
Object.assign(module.exports, { chromiumPath, devTools, findTool, checkTools, DEFAULT_CHROMIUM });

if (require.main === module) {
  const report = checkTools();
  if (report.message) process.stderr.write(`${report.message}\n`);
  process.exitCode = report.fatal ? 1 : 0;
}
