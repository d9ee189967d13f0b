/**
 * tools/realsvc/build.sh's kubectl and terraform: the releases their tools modules pin, stamped as releases, and the
 * ones the scripts' harness gives the job scripts by name.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { findTool } from '../../../scripts/check-tools.cjs';
import { realBinaries } from '../../support/realsvc/binaries';
import { REPO, StubWorld } from '../../scripts/harness';

const MODULES = join(REPO, 'tools/realsvc');
/** The version a tools module requires of the module it builds (its first one-line require, as build.sh reads it). */
const pinned = (module: string) =>
  readFileSync(join(MODULES, module, 'go.mod'), 'utf8')
    .match(/^require (\S+) (v\S+)$/m)!
    .slice(1);
const run = (command: string, args: string[]) => execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

describe('tools/realsvc/build.sh', () => {
  it("builds kubectl at the API server's release, which it reports as such", () => {
    const [module, version] = pinned('kube');
    expect(module).toBe('k8s.io/kubernetes');
    const client = JSON.parse(run(realBinaries('kube').kubectl, ['version', '--client', '-o', 'json'])).clientVersion;
    expect({ gitVersion: client.gitVersion, gitTreeState: client.gitTreeState }).toEqual({ gitVersion: version, gitTreeState: 'clean' });
  });

  it('builds terraform at the version of its module, as a release (not a -dev build)', () => {
    const [module, version] = pinned('terraform');
    expect(module).toBe('github.com/hashicorp/terraform');
    expect(JSON.parse(run(realBinaries('terraform').terraform, ['version', '-json'])).terraform_version).toBe(version!.slice(1));
  });

  it("replaces exactly the nested modules that terraform's own go.mod replaces with its directories", () => {
    const [, version] = pinned('terraform');
    const go = findTool('go')!;
    type Replace = { Old: { Path: string }; New: { Path: string; Version?: string } };
    const replaces = (file: string): Replace[] => JSON.parse(run(go, ['mod', 'edit', '-json', file])).Replace;
    const upstream = join(run(go, ['env', 'GOMODCACHE']).trim(), 'cache/download/github.com/hashicorp/terraform/@v', `${version}.mod`);
    const nested = replaces(upstream)
      .filter((r) => r.New.Path.startsWith('./'))
      .map((r) => r.Old.Path)
      .sort();
    const pseudoVersion = /^v0\.0\.0-\d{14}-[0-9a-f]{12}$/;
    const ours = replaces(join(MODULES, 'terraform', 'go.mod')).map((r) => [r.Old.Path, r.New.Path, pseudoVersion.test(r.New.Version!)]);
    expect(nested).toHaveLength(9);
    expect(ours.sort()).toEqual(nested.map((path) => [path, path, true]));
  });

  it("are what the scripts' harness puts first on a job script's PATH when a test asks for them for real", () => {
    const world = new StubWorld({ real: ['kubectl', 'terraform'] });
    try {
      const found = world.runBash('command -v kubectl terraform aws', [], {}, world.dir).output.trim().split('\n');
      expect(found.map((path) => realpathSync(path))).toEqual([
        realBinaries('kube').kubectl,
        realBinaries('terraform').terraform,
        realpathSync(join(REPO, 'tests/scripts/stubs/fake-cli')),
      ]);
    } finally {
      world.cleanup();
    }
    expect(() => new StubWorld({ real: ['aws'] })).toThrow('StubWorld: real: aws: only kubectl, terraform can be');
  });
});
