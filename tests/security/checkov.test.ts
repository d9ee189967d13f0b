/**
 * checkov (from PyPI, installed by tools/realsvc/build.sh) on the infrastructure code: infra-tf/, the k8s/ base as
 * scripts/deploy.sh renders it (images pinned by digest), the Dockerfiles and the packaged template (`npm run package`
 * makes it). Every finding is fixed or accepted in security/checkov-baseline.yml with its reason; a new one fails.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { realBinaries } from '../support/realsvc/binaries';
import { REPO } from '../scripts/harness';

interface Finding {
  check: string;
  resource: string;
  name: string;
}
type Baseline = Record<string, { why: string; resources: string[] }>;

const TEMPLATE = join(REPO, '.serverless', 'cloudformation-template-update-stack.json');
const BASELINE: Baseline = parseYaml(readFileSync(join(REPO, 'security', 'checkov-baseline.yml'), 'utf8'));
const DIGEST = `sha256:${'ab'.repeat(32)}`;

/** The base through an overlay that pins the images the way scripts/deploy.sh does. */
function renderK8s(dir: string): string {
  const overlay = join(dir, 'overlay');
  mkdirSync(overlay);
  writeFileSync(
    join(overlay, 'kustomization.yaml'),
    `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ${relative(overlay, join(REPO, 'k8s'))}\nimages:\n` +
      `  - {name: turbo-frontend, newName: acme/turbo-notes, newTag: "1.4.2", digest: "${DIGEST}"}\n` +
      `  - {name: turbo-mongo, newName: acme/turbo-mongo, newTag: "8.0.12", digest: "${DIGEST}"}\n`,
  );
  const file = join(dir, 'k8s-rendered.yaml');
  writeFileSync(file, execFileSync(realBinaries('kube').kubectl, ['kustomize', overlay], { encoding: 'utf8' }));
  return file;
}

function runCheckov(args: string[]): Finding[] {
  let stdout: string;
  try {
    // --skip-download: nothing is fetched from Prisma Cloud (no account, and the network here reaches only registries).
    stdout = execFileSync(realBinaries('checkov').checkov, ['--skip-download', '--quiet', '--compact', '--output', 'json', ...args], {
      cwd: REPO,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, LOG_LEVEL: 'ERROR' },
    });
  } catch (error) {
    // checkov exits 1 when a check fails: the JSON on stdout is the answer.
    stdout = (error as { stdout?: string }).stdout ?? '';
    if (!stdout.trim().startsWith('[') && !stdout.trim().startsWith('{')) throw error;
  }
  const reports = [JSON.parse(stdout)].flat() as Array<{
    check_type: string;
    results: { failed_checks: { check_id: string; check_name: string; resource: string }[] };
    summary: { parsing_errors: number };
  }>;
  for (const report of reports)
    expect({ framework: report.check_type, parsingErrors: report.summary.parsing_errors }).toEqual({
      framework: report.check_type,
      parsingErrors: 0,
    });
  return reports.flatMap((report) =>
    report.results.failed_checks.map((check) => ({ check: check.check_id, resource: check.resource, name: check.check_name })),
  );
}

const matches = (pattern: string, resource: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(resource);
const accepted = (finding: Finding) => BASELINE[finding.check]?.resources.some((pattern) => matches(pattern, finding.resource)) ?? false;

describe('checkov on the infrastructure code', () => {
  let dir: string;
  let findings: Finding[];
  beforeAll(() => {
    readFileSync(TEMPLATE); // run `npm run package` first: the template is what gets deployed
    dir = mkdtempSync(join(tmpdir(), 'turbo-checkov-'));
    findings = [
      ...runCheckov(['--framework', 'terraform', '-d', 'infra-tf']),
      ...runCheckov([
        '--framework',
        'kubernetes',
        'dockerfile',
        'cloudformation',
        '-f',
        renderK8s(dir),
        '-f',
        'frontend/Dockerfile',
        '-f',
        'frontend/mongo/Dockerfile',
        '-f',
        TEMPLATE,
      ]),
    ];
  }, 600_000);
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('scanned every kind of file', () => {
    const resources = findings.map((finding) => finding.resource);
    // Each input has accepted findings, so an input that checkov silently skipped shows up here.
    for (const sample of [
      'aws_ssm_parameter.vpc_id',
      'Deployment.turbo-app.frontend',
      'frontend/Dockerfile.FROM',
      'AWS::DynamoDB::Table.EnvironmentsTable',
    ]) {
      expect(resources).toContain(sample);
    }
  });

  it('finds nothing that is not fixed or accepted with a reason in security/checkov-baseline.yml', () => {
    const unexplained = findings
      .filter((finding) => !accepted(finding))
      .map((finding) => `${finding.check} ${finding.resource}: ${finding.name}`);
    expect(unexplained).toEqual([]);
  });

  it('has no baseline entry without a reason, or that no longer matches a finding', () => {
    for (const [check, entry] of Object.entries(BASELINE)) {
      expect({ check, why: entry.why.length > 40 }).toEqual({ check, why: true });
      for (const pattern of entry.resources) {
        expect({
          check,
          pattern,
          matched: findings.some((finding) => finding.check === check && matches(pattern, finding.resource)),
        }).toEqual({ check, pattern, matched: true });
      }
    }
  });
});
