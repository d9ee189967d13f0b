/** frontend/Jenkinsfile: linted like the other Jenkinsfiles, and checked for what the image pipeline relies on. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '../..');
const JENKINSFILE = path.join(ROOT, 'frontend/Jenkinsfile');
const text = readFileSync(JENKINSFILE, 'utf8');

describe('frontend/Jenkinsfile', () => {
  it('passes npm-groovy-lint with no errors', async () => {
    const bin = path.join(ROOT, 'node_modules/.bin/npm-groovy-lint');
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(
        bin,
        ['--noserver', '--failon', 'error', '--output', 'json', JENKINSFILE],
        { cwd: ROOT, maxBuffer: 16 << 20 },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout || stderr }),
      );
    });
    const report = JSON.parse(output);
    expect(report.summary.totalFilesLinted).toBe(1);
    expect(report.summary.totalFoundErrorNumber).toBe(0);
    expect(code).toBe(0);
  }, 180_000);

  it('runs scripts/build-images.sh on master only, with the Docker Hub token from the credential store', () => {
    expect(text).toMatch(/when \{ branch 'master' \}/);
    expect(text).toMatch(
      /usernamePassword\(credentialsId: 'dockerhub',\s+usernameVariable: 'DOCKERHUB_USERNAME', passwordVariable: 'DOCKERHUB_TOKEN'\)/,
    );
    expect(text).toContain("sh 'scripts/build-images.sh'");
    // Single-quoted sh: Groovy interpolates nothing into the shell.
    expect(text).not.toMatch(/sh\s+"/);
    for (const name of ['FRONTEND_REPOSITORY', 'MONGO_REPOSITORY', 'TURBO_IMAGE_WEBHOOK_URL']) {
      expect(text).toContain(`string(name: '${name}'`);
    }
  });
});
