/**
 * turbo.config.yml as text: parsed as YAML, then validated by the one schema (./config). Apart from the schema so
 * that the Lambda bundles, which read the config as JSON written at package time, carry no YAML parser.
 */
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { type ConfigResult, configOrThrow, type TurboConfig, validateConfig } from './config';

/** Parses and validates YAML text. YAML syntax errors are reported as problems too, with their line. */
export function parseConfig(text: string): ConfigResult {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    const message = error instanceof YAMLParseError ? error.message.split('\n')[0]!.replace(/:$/, '') : String(error);
    return { ok: false, problems: [{ path: '(file)', message: `is not valid YAML: ${message}` }] };
  }
  // An empty file (or one of comments only) parses to null: say so, rather than "expected object, received null".
  if (raw === null || raw === undefined) {
    return { ok: false, problems: [{ path: '(file)', message: 'is empty: copy turbo.config.example.yml and fill in the roster' }] };
  }
  return validateConfig(raw);
}

/** Parses, validates and returns the config, or throws InvalidConfigError naming every problem. */
export function loadConfigText(text: string): TurboConfig {
  return configOrThrow(parseConfig(text));
}
