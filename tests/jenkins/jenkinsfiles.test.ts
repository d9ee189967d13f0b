/**
 * The Jenkinsfiles: linted by npm-groovy-lint (CodeNarc plus a Groovy parse, offline with --noserver), and checked
 * as text for what Turbo relies on: the parameters it sends, the per-developer lock, the timeout, the AWS
 * credentials binding, and the scripts they call without Groovy interpolation into the shell.
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DNS_LABEL } from '../../functions/core/config';
import { jenkinsfileParameters } from '../support/jenkins-server';

const root = resolve(__dirname, '../..');
const JENKINSFILES = {
  terraform: join(root, 'jenkins/Jenkinsfile.terraform'),
  deploy: join(root, 'jenkins/Jenkinsfile.deploy'),
};
const LINT_TIMEOUT_MS = 180_000;

interface LintReport {
  summary: { totalFilesLinted: number; totalFoundErrorNumber: number };
  files: Record<string, { errors: Array<{ rule: string; severity: string; line: string | number; msg: string }> }>;
}

function javaAvailable(): boolean {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs npm-groovy-lint once over the given files (the JVM start dominates: one run, many files). */
function lint(files: string[]): Promise<{ exitCode: number; report: LintReport }> {
  const bin = join(root, 'node_modules/.bin/npm-groovy-lint');
  return new Promise((done, fail) => {
    execFile(
      bin,
      ['--noserver', '--failon', 'error', '--output', 'json', ...files],
      { cwd: root, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        try {
          done({ exitCode, report: JSON.parse(stdout) as LintReport });
        } catch {
          fail(new Error(`npm-groovy-lint gave no JSON report (exit ${exitCode}): ${stderr || stdout}`));
        }
      },
    );
  });
}

const errorsOf = (report: LintReport) =>
  Object.entries(report.files).flatMap(([file, { errors }]) =>
    errors.filter((entry) => entry.severity === 'error').map((entry) => ({ file, ...entry })),
  );

describe('npm-groovy-lint', () => {
  const hasJava = javaAvailable();
  if (!hasJava) {
    // CodeNarc needs a JVM (Java 17): CI must install it. Without it, only the linter's presence is checked.
    console.warn('NOTICE: java is not on PATH, so the Jenkinsfiles cannot be linted here; install Java 17 (CI does).');
  }

  it(
    'passes both Jenkinsfiles with no errors',
    async () => {
      expect(readFileSync(join(root, 'node_modules/npm-groovy-lint/package.json'), 'utf8')).toMatch(/"version": "16\./);
      if (!hasJava) return;
      const { exitCode, report } = await lint(Object.values(JENKINSFILES));

      expect(errorsOf(report)).toEqual([]);
      expect(report.summary.totalFilesLinted).toBe(2);
      expect(exitCode).toBe(0);
    },
    LINT_TIMEOUT_MS,
  );

  it(
    'fails a broken Jenkinsfile (so the check above can fail)',
    async () => {
      if (!hasJava) return;
      const dir = mkdtempSync(join(tmpdir(), 'turbo-jenkinsfile-'));
      try {
        // The real Terraform pipeline with its last closing brace gone.
        const broken = join(dir, 'Jenkinsfile.broken');
        copyFileSync(JENKINSFILES.terraform, broken);
        writeFileSync(broken, readFileSync(broken, 'utf8').trimEnd().replace(/}$/, '') + '\n');

        const { exitCode, report } = await lint([broken]);

        expect(exitCode).not.toBe(0);
        expect(errorsOf(report).map((entry) => entry.rule)).toContain('NglParseError');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    LINT_TIMEOUT_MS,
  );
});

describe.each([
  {
    job: 'terraform' as const,
    script: `sh 'scripts/terraform.sh "$ACTION" "$DEVELOPER"'`,
    actions: ['apply', 'destroy', 'hibernate', 'wake'],
    parameters: [
      'CLUSTER_NAME',
      'AWS_REGION',
      'KUBERNETES_VERSION',
      'NODE_INSTANCE_TYPES',
      'NODE_CAPACITY_TYPE',
      'NODE_ARCH',
      'NODE_SPOT_WAIT_MINUTES',
      'NODE_MIN_SIZE',
      'NODE_DESIRED_SIZE',
      'NODE_MAX_SIZE',
      'DEVELOPER_PRINCIPAL_ARN',
      'EXPIRES_AT',
    ],
  },
  {
    job: 'deploy' as const,
    script: `sh 'scripts/deploy.sh "$DEVELOPER"'`,
    actions: ['deploy'],
    parameters: ['CLUSTER_NAME', 'AWS_REGION', 'FRONTEND_IMAGE', 'MONGO_IMAGE', 'PULL_THROUGH_CACHE', 'DEVELOPER_PRINCIPAL_ARN'],
  },
])('Jenkinsfile.$job', ({ job, script, actions, parameters }) => {
  const path = JENKINSFILES[job];
  const text = readFileSync(path, 'utf8');

  it('is a declarative pipeline that calls its script with the parameters as environment variables', () => {
    expect(text).toMatch(/^pipeline \{/m);
    expect(text).toContain(script);
  });

  it('declares every parameter Turbo sends (Jenkins drops undeclared ones)', () => {
    const declared = jenkinsfileParameters(path);
    expect(declared).toEqual(expect.arrayContaining(['ACTION', 'DEVELOPER', 'TURBO_RUN_ID', ...parameters]));
    expect(new Set(declared).size).toBe(declared.length);
    expect(text).toContain(`choice(name: 'ACTION', choices: [${actions.map((action) => `'${action}'`).join(', ')}]`);
  });

  it('holds the developer lock around the script, under a timeout, with AWS credentials from the credentials store', () => {
    expect(text).toMatch(/options \{[^}]*timeout\(time: \d+, unit: 'MINUTES'\)/);
    const lockAt = text.indexOf('lock("turbo-${params.DEVELOPER}") {');
    const credentialsAt = text.indexOf("withCredentials([[$class: 'AmazonWebServicesCredentialsBinding', credentialsId: 'turbo-aws']]) {");
    expect(lockAt).toBeGreaterThan(0);
    expect(credentialsAt).toBeGreaterThan(lockAt);
    expect(text.indexOf(script)).toBeGreaterThan(credentialsAt);
  });

  it('validates DEVELOPER against the same DNS label rule as the config, before taking the lock', () => {
    const validation = text.indexOf(`params.DEVELOPER ==~ /${DNS_LABEL.source}/`);
    expect(validation).toBeGreaterThan(0);
    expect(validation).toBeLessThan(text.indexOf('lock('));
  });

  it(
    'rejects in Groovy exactly the developer names that the config rejects',
    () => {
      const groovyJars = join(root, 'node_modules/npm-groovy-lint/lib/java');
      if (!javaAvailable() || !existsSync(groovyJars)) {
        console.warn(
          `NOTICE: java or the Groovy jars bundled with npm-groovy-lint (${groovyJars}) are missing: the Groovy check of DEVELOPER is not run.`,
        );
        return;
      }
      const condition = /if \((!\(params\.DEVELOPER ==~ \/.+\/\) \|\| params\.DEVELOPER\.length\(\) > \d+)\) \{/.exec(text)?.[1];
      expect(condition).toBeDefined();
      const names = ['alice', 'a-1', 'x', 'Alice', 'bob;rm -rf /', '$(id)', '-x', 'x-', '', 'a'.repeat(24), 'a'.repeat(25)];
      const dir = mkdtempSync(join(tmpdir(), 'turbo-groovy-'));
      try {
        const script = join(dir, 'check.groovy');
        // The pipeline's own condition, with `params` bound to each name in turn.
        writeFileSync(
          script,
          `def names = new groovy.json.JsonSlurper().parseText(args[0])\nprintln(groovy.json.JsonOutput.toJson(names.collect { name -> def params = [DEVELOPER: name]; ${condition} }))\n`,
        );
        const output = execFileSync('java', ['-cp', `${groovyJars}/*`, 'groovy.ui.GroovyMain', script, JSON.stringify(names)], {
          encoding: 'utf8',
        });
        const refused = JSON.parse(output.trim().split('\n').at(-1)!) as boolean[];

        expect(refused).toEqual(names.map((name) => !DNS_LABEL.test(name) || name.length > 24));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    LINT_TIMEOUT_MS,
  );

  it('never interpolates values into a shell string (double-quoted or triple-quoted sh)', () => {
    const shellSteps = [...text.matchAll(/^\s*sh\s*\(?\s*(['"]{1,3})/gm)].map((match) => match[1]);
    expect(shellSteps.length).toBeGreaterThan(0);
    expect(shellSteps.every((quote) => quote === "'")).toBe(true);
  });
});

it('the deploy job archives the result file that the adapter reads', () => {
  const text = readFileSync(JENKINSFILES.deploy, 'utf8');
  expect(text).toContain("archiveArtifacts artifacts: 'turbo-output.env'");
  expect(text).toMatch(/TURBO_OUTPUT_FILE = 'turbo-output\.env'/);
  // A stale result from an earlier build in the same workspace is removed before the script runs.
  expect(text.indexOf(`sh 'rm -f "$TURBO_OUTPUT_FILE"'`)).toBeLessThan(text.indexOf(`sh 'scripts/deploy.sh "$DEVELOPER"'`));
});
