/**
 * `turbo validate [file] [--on YYYY-MM-DD]`: the same schema the deployment and every handler use, with every
 * problem listed; and a warning when the Kubernetes version is in, or within 30 days of, EKS extended support.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  CONFIG_FILES,
  configWarnings,
  describeProblem,
  findConfigFile,
  type ConfigResult,
  type TurboConfig,
} from '../../functions/core/config';
import { parseConfig } from '../../functions/core/configFile';
import { versionWarning } from '../../functions/core/eksVersions';
import { UsageError, type CommandIo } from '../io';

export const EXAMPLE_CONFIG = 'turbo.config.example.yml';

export interface LoadedConfig {
  /** The path as shown to the user: relative to the working folder when inside it. */
  shownPath: string;
  result: ConfigResult;
}

/**
 * Reads and validates the config: `explicit` when given, else turbo.config.yml or turbo.config.yaml, else the
 * example (with a notice on stderr). Returns undefined, after saying why on stderr, when there is no file to read.
 */
export async function loadConfigFile(explicit: string | undefined, io: CommandIo): Promise<LoadedConfig | undefined> {
  const found = explicit ?? findConfigFile((name) => existsSync(resolve(io.cwd, name)));
  let path = resolve(io.cwd, found ?? CONFIG_FILES[0]);
  if (found === undefined) {
    const example = resolve(io.cwd, EXAMPLE_CONFIG);
    if (existsSync(example)) {
      io.stderr(`turbo: ${CONFIG_FILES.join(' or ')} not found in ${io.cwd}; using ${EXAMPLE_CONFIG} instead\n`);
      path = example;
    }
  }
  const fromCwd = relative(io.cwd, path);
  const shownPath = fromCwd.startsWith('..') || isAbsolute(fromCwd) ? path : fromCwd;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message;
    io.stderr(`turbo: cannot read config file ${path}: ${why}\n`);
    return undefined;
  }
  return { shownPath, result: parseConfig(text) };
}

/** Prints the problems of an invalid config, one `path: message (got value)` per line. */
export function reportProblems(loaded: LoadedConfig, io: CommandIo): void {
  if (loaded.result.ok) return;
  const { problems } = loaded.result;
  io.stderr(`${loaded.shownPath}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`);
  for (const problem of problems) io.stderr(`  ${describeProblem(problem)}\n`);
}

/** The config, valid; or undefined, after every problem (or the missing file) was reported on stderr. */
export async function loadValidConfig(
  explicit: string | undefined,
  io: CommandIo,
): Promise<{ config: TurboConfig; shownPath: string } | undefined> {
  const loaded = await loadConfigFile(explicit, io);
  if (!loaded) return undefined;
  if (!loaded.result.ok) {
    reportProblems(loaded, io);
    return undefined;
  }
  return { config: loaded.result.config, shownPath: loaded.shownPath };
}

/** `--on YYYY-MM-DD`, or today (UTC): the day support and prices are judged on. */
export function pricedDay(on: string | undefined): string {
  if (on === undefined) return new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(on) || Number.isNaN(Date.parse(`${on}T00:00:00Z`)))
    throw new UsageError(`--on must be a date such as 2026-12-01 (got "${on}")`);
  return on;
}

export async function run(argv: string[], io: CommandIo): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, options: { on: { type: 'string' } }, allowPositionals: true, strict: true });
  const day = pricedDay(values.on);
  if (positionals.length > 1) throw new UsageError(`expects at most one file, got ${positionals.length}: ${positionals.join(' ')}`);
  const loaded = await loadConfigFile(positionals[0], io);
  if (!loaded) return 1;
  if (!loaded.result.ok) {
    reportProblems(loaded, io);
    return 1;
  }
  const { config } = loaded.result;
  const names = config.developers.map((dev) => dev.name).join(', ');
  io.stdout(
    `${loaded.shownPath}: OK — team ${config.team} in ${config.region}, ${config.developers.length} developers (${names}), runner ${config.runner.type}\n`,
  );
  // Warnings do not fail validation: the example itself is valid, and a short lead is a choice.
  const warnings = configWarnings(config, loaded.result.unstatedQuota);
  if (warnings.length) io.stdout(`${warnings.map((warning) => `  warning: ${describeProblem(warning)}\n`).join('')}`);
  const warning = versionWarning(config.cluster.kubernetesVersion, day);
  if (warning) io.stderr(`${loaded.shownPath}: warning: ${warning}\n`);
  return 0;
}
