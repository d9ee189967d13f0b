/**
 * Before any test runs: names every system tool of scripts/dev-tools.txt that is missing, in one go, with the
 * command that installs them; for the tools that tools/realsvc/build.sh builds (kubectl, terraform), Go.
 * `npm test` runs it first (node scripts/check-tools.cjs) and jest runs it as its
 * globalSetup, so that a plain `npx jest` fails in seconds too instead of failing tests one by one much later.
 * Plain CommonJS, no dependencies: it runs before anything else is known to work.
 */
const { accessSync, constants, readFileSync } = require('node:fs');
const { delimiter, join } = require('node:path');

const TOOLS_FILE = join(__dirname, 'dev-tools.txt');
const DEFAULT_CHROMIUM = '/usr/bin/chromium';
// Where Go's own release unpacks (CI images put it there without adding it to PATH); build.sh looks there too.
const DEFAULT_GOROOT = '/usr/local/go';

/** Where Chromium is: CHROMIUM_PATH, else Debian's. Every browser test and benchmark launches this one. */
function chromiumPath(env = process.env) {
  return env.CHROMIUM_PATH || DEFAULT_CHROMIUM;
}

/** The tools of dev-tools.txt: { command, debianPackage (undefined for a built one), required (else built), usedBy }. */
function devTools(text = readFileSync(TOOLS_FILE, 'utf8')) {
  return text
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'))
    .map((line) => {
      const [command, debianPackage, need, ...usedBy] = line.trim().split(/\s+/);
      if (need !== 'required' && need !== 'built') throw new Error(`${TOOLS_FILE}: "${line}": the third column must be required or built`);
      if ((debianPackage === '-') !== (need === 'built')) {
        throw new Error(`${TOOLS_FILE}: "${line}": a required tool names its Debian package, a built one has - (build.sh builds it)`);
      }
      return {
        command,
        debianPackage: debianPackage === '-' ? undefined : debianPackage,
        required: need === 'required',
        usedBy: usedBy.join(' '),
      };
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

/** Whether `command` can be run: on PATH; for chromium at chromiumPath(); for go also at $GOROOT/bin/go. */
function findTool(command, env = process.env) {
  if (command === 'chromium') return isExecutable(chromiumPath(env)) ? chromiumPath(env) : undefined;
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  if (command === 'go') dirs.push(join(env.GOROOT || DEFAULT_GOROOT, 'bin'));
  return dirs.map((dir) => join(dir, command)).find(isExecutable);
}

/** The report on the missing tools: `fatal` when one is missing (Go, when there are tools to build). */
function checkTools(tools = devTools(), env = process.env) {
  const required = tools.filter((tool) => tool.required && !findTool(tool.command, env));
  const built = tools.filter((tool) => !tool.required).map((tool) => tool.command);
  const goMissing = built.length > 0 && !findTool('go', env);
  const count = required.length + (goMissing ? 1 : 0);
  const lines = [];
  if (count) lines.push(`npm test needs ${count === 1 ? 'a tool that is' : 'tools that are'} missing here:`);
  for (const tool of required) {
    const where = tool.command === 'chromium' ? ` at ${chromiumPath(env)} (set CHROMIUM_PATH to use another)` : ' on PATH';
    lines.push(`  - ${tool.command}: not found${where}; Debian package ${tool.debianPackage}; needed by ${tool.usedBy}`);
  }
  if (required.length) lines.push('Install them with: sudo scripts/setup-dev.sh   (README.md, "Quick start": Prerequisites)');
  // Not a Debian package at the version needed: setup-dev.sh cannot install it.
  if (goMissing) {
    lines.push(
      `  - go: not found on PATH or at ${join(env.GOROOT || DEFAULT_GOROOT, 'bin', 'go')}; Go 1.26 or newer, from Go's own releases;` +
        ` tools/realsvc/build.sh builds ${built.join(' and ')} (and the real services) with it`,
    );
  }
  return { fatal: count > 0, message: lines.join('\n') };
}

/** jest's globalSetup. */
module.exports = async function globalSetup() {
  const report = checkTools();
  if (report.fatal) throw new Error(report.message);
  if (report.message) process.stderr.write(`${report.message}\n`);
};
Object.assign(module.exports, { chromiumPath, devTools, findTool, checkTools, DEFAULT_CHROMIUM, DEFAULT_GOROOT });

if (require.main === module) {
  const report = checkTools();
  if (report.message) process.stderr.write(`${report.message}\n`);
  process.exitCode = report.fatal ? 1 : 0;
}
