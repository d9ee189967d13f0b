/**
 * aws-local-stepfunctions evaluates every path with jsonpath-plus's `JSONPath({ ..., wrap: false })`. Called that way,
 * jsonpath-plus hands a scalar result back by throwing it (an Error, which captures a stack) and catching it again:
 * about a tenth of a soak's CPU. `evaluate` on an instance made with `autostart: false` returns the same value
 * without the throw. The library reads `JSONPath` from the module's exports at each call, so it is swapped there.
 */
import { dirname } from 'node:path';

interface JsonPathOptions {
  path: string;
  json: unknown;
  wrap?: boolean;
  autostart?: boolean;
}
interface JsonPathModule {
  JSONPath: ((options: JsonPathOptions) => unknown) & {
    new (options: JsonPathOptions): { evaluate(query: { path: string; json: unknown }): unknown };
  };
}

/**
 * jsonpath-plus as aws-local-stepfunctions resolves it (its dependency, not the project's), through this module's own
 * require, so that under jest too it is the instance the library holds.
 */
export const jsonPathModule = require(
  require.resolve('jsonpath-plus', { paths: [dirname(require.resolve('aws-local-stepfunctions'))] }),
) as JsonPathModule;
/** jsonpath-plus's own JSONPath, kept for every call that is not the library's unwrapped one. */
export const originalJsonPath = jsonPathModule.JSONPath;

function unwrappedJsonPath(this: unknown, options: JsonPathOptions, ...rest: unknown[]): unknown {
  const plainUnwrapped =
    new.target === undefined &&
    typeof options === 'object' &&
    options !== null &&
    options.wrap === false &&
    options.autostart === undefined;
  if (!plainUnwrapped) {
    return new.target === undefined
      ? Reflect.apply(originalJsonPath, this, [options, ...rest])
      : Reflect.construct(originalJsonPath, [options, ...rest], new.target);
  }
  return new originalJsonPath({ ...options, autostart: false }).evaluate({ path: options.path, json: options.json });
}

/** Idempotent: the first call swaps it in. */
export function useUnwrappedJsonPath(): void {
  if (jsonPathModule.JSONPath === originalJsonPath) jsonPathModule.JSONPath = unwrappedJsonPath as unknown as JsonPathModule['JSONPath'];
}
