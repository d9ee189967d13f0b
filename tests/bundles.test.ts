/**
 * The bundles `serverless package` ships (serverless.yml's custom.esbuild): each function's handler.js within its
 * size budget, loadable on its own, with its source map beside it and the config it reads. Sizes of the packaged
 * artefacts only: the cold-start figures are bench/bundles.ts's.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { validateConfig } from '../functions/core/config';
import { roleOf, statementsOf, type Template } from './support/iam';
import { packagedStack, root } from './support/packaged';

const KiB = 1024;
const MiB = 1024 * KiB;
const HANDLER_LIMIT = MiB;
/** A step whose role allows one AWS service (or none) needs that service's client and little else. */
const ONE_SERVICE_LIMIT = 500 * KiB;
/**
 * What no bundle may carry: the YAML parser (the config is JSON by then), the credential links left out, and the
 * Secrets Manager client (every secret of the example config is in SSM: lib/root's TURBO_BUNDLED_SECRET_STORES; the
 * adapter's command class stays, a few KB).
 */
const LEFT_OUT =
  /node_modules\/(yaml\/|@aws-sdk\/credential-provider-(sso|ini|process|web-identity)\/|@aws-sdk\/client-secrets-manager\/dist-es\/SecretsManagerClient)/;

const stack = packagedStack();
const template = stack.template as unknown as Template;

interface Bundle {
  name: string;
  zip: string;
  handler: string;
  /** Uncompressed size of each entry, by path. */
  entries: Map<string, number>;
  /** The AWS services the function's role allows actions of, besides its own logs. */
  services: string[];
  environment: Record<string, string>;
}

function entriesOf(zip: string): Map<string, number> {
  const listing = execFileSync('unzip', ['-Z', '-l', zip]).toString().split('\n');
  // zipinfo -l: "-rw-r--r--  2.0 unx   477832 b-   123456 defN 80-Jan-01 00:00 functions/handlers/x.js"
  const rows = listing.map((line) => line.match(/^\S+\s+\S+\s+\S+\s+(\d+)\s+\S+\s+\d+\s+\S+\s+\S+\s+\S+\s+(.+)$/));
  return new Map(rows.flatMap((row) => (row ? [[row[2]!, Number(row[1])] as const] : [])));
}

const bundles: Bundle[] = [...stack.functions.values()].map((fn) => {
  const code = template.Resources[fn.logicalId]!.Properties!.Code as { S3Key: string };
  const zip = join(root, '.serverless', basename(code.S3Key));
  const actions = statementsOf(template, roleOf(template, fn.logicalId)).flatMap((statement) => [statement.Action ?? []].flat());
  const services = [...new Set(actions.map((action) => action.split(':')[0]!))].filter((service) => service !== 'logs').sort();
  return {
    name: basename(code.S3Key, '.zip'),
    zip,
    handler: `${fn.modulePath}.js`,
    entries: entriesOf(zip),
    services,
    environment: fn.environment,
  };
});
const sizeOf = (bundle: Bundle) => bundle.entries.get(bundle.handler) ?? Number.NaN;
const over = (limit: number, among: Bundle[]) =>
  among.filter((bundle) => !(sizeOf(bundle) <= limit)).map((bundle) => `${bundle.name}: ${(sizeOf(bundle) / KiB).toFixed(0)} KiB`);

describe('packaged bundles', () => {
  it('every function is packaged with its handler', () => {
    expect(bundles.length).toBeGreaterThanOrEqual(20);
    expect(bundles.filter((bundle) => !bundle.entries.has(bundle.handler)).map((bundle) => bundle.name)).toEqual([]);
  });

  it('every handler.js is at most 1 MiB', () => {
    expect(over(HANDLER_LIMIT, bundles)).toEqual([]);
  });

  it('a step whose role allows at most one AWS service is at most 500 KiB', () => {
    const single = bundles.filter((bundle) => bundle.services.length <= 1);
    // The DynamoDB steps, the EKS steps and the pure ones at least: a rule that applied to nothing would prove nothing.
    expect(single.map((bundle) => bundle.name)).toEqual(expect.arrayContaining(['claimEnvironment', 'checkCluster', 'tallyStarts']));
    expect(over(ONE_SERVICE_LIMIT, single)).toEqual([]);
  });

  it('each zip holds its source map, linked from the handler (NODE_OPTIONS=--enable-source-maps), and the JSON config', () => {
    for (const bundle of bundles) {
      const { environment } = bundle;
      expect(environment.NODE_OPTIONS).toContain('--enable-source-maps');
      const map = `${bundle.handler}.map`;
      expect([...bundle.entries.keys()]).toEqual(expect.arrayContaining([map, environment.TURBO_CONFIG_FILE]));
      const tail = execFileSync('unzip', ['-p', bundle.zip, bundle.handler]).toString().trimEnd().split('\n').pop();
      expect(tail).toBe(`//# sourceMappingURL=${basename(map)}`);
      const config = JSON.parse(execFileSync('unzip', ['-p', bundle.zip, environment.TURBO_CONFIG_FILE!]).toString());
      expect(validateConfig(config)).toMatchObject({ ok: true });
    }
  });

  it('no bundle carries the YAML parser, the credential links for developer machines or a secret store the config does not use', () => {
    const carried = bundles.flatMap((bundle) => {
      const map = JSON.parse(execFileSync('unzip', ['-p', bundle.zip, `${bundle.handler}.map`], { maxBuffer: 64 * MiB }).toString());
      return (map.sources as string[]).filter((source) => LEFT_OUT.test(source)).map((source) => `${bundle.name}: ${source}`);
    });
    expect(carried).toEqual([]);
  });

  it('every bundle loads on its own, outside the project (no node_modules beside it)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'turbo-bundles-'));
    try {
      const handlers = bundles.map((bundle) => {
        execFileSync('unzip', ['-q', bundle.zip, '-d', join(dir, bundle.name)]);
        return join(dir, bundle.name, bundle.handler);
      });
      const load = 'for (const file of process.argv.slice(1)) console.log(typeof require(file).handler);';
      const loaded = execFileSync(process.execPath, ['-e', load, ...handlers], {
        env: { ...process.env, AWS_REGION: 'eu-west-1', POWERTOOLS_LOG_LEVEL: 'SILENT' },
      });
      expect(loaded.toString().trim().split('\n')).toEqual(handlers.map(() => 'function'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
