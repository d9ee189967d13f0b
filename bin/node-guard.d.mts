/** Types of node-guard.mjs (plain JavaScript, so that it runs on any Node). */
export function requiredNode(packageJsonPath: string | URL): [number, number, number];
export function nodeVersionProblem(required: readonly number[], actual: string): string | undefined;
export const CONTEXT_FRAME_FLAG: string;
export const YOUNG_GENERATION_FLAG: string;
export function runtimeFlags(nodeVersion: string, execArgv: readonly string[], nodeOptions?: string): string[] | undefined;
