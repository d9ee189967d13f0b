export interface TagInput {
  version: string;
  commit: string;
  dirty: boolean;
}
/** `[<semver>, sha-<7 hex>]`; throws on a dirty tree, a non-semver version or a malformed commit. */
export function imageTags(input: TagInput): [string, string];
export function parseArgs(argv: string[]): TagInput;
