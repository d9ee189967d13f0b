/** Types of check-tools.cjs (plain CommonJS, so that it runs before anything else is known to work). */
export interface DevTool {
  command: string;
  debianPackage: string | undefined;
  /** false: tools/realsvc/build.sh builds it */
  required: boolean;
  usedBy: string;
}
export const DEFAULT_CHROMIUM: string;
export const DEFAULT_GOROOT: string;
export function chromiumPath(env?: NodeJS.ProcessEnv): string;
export function devTools(text?: string): DevTool[];
export function findTool(command: string, env?: NodeJS.ProcessEnv): string | undefined;
export function checkTools(tools?: DevTool[], env?: NodeJS.ProcessEnv): { fatal: boolean; message: string };
