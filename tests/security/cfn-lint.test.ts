/**
 * cfn-lint (1.51, through .ci/cfn-lint.sh, which installs it when it is missing) on the packaged template: no error
 * and no warning. moto's CloudFormation, for one, refuses a template with warnings.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { TEMPLATE_FILE } from '../../cli/rehearsal/packaged';
import { packagedStack, root } from '../support/packaged';

describe('cfn-lint on the packaged template', () => {
  it('reports nothing at all', () => {
    packagedStack();
    const result = spawnSync(join(root, '.ci/cfn-lint.sh'), ['--format', 'parseable', '--', join(root, TEMPLATE_FILE)], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (result.error || result.status === 127) {
      throw new Error(`cfn-lint could not run (.ci/cfn-lint.sh): ${result.error?.message ?? result.stderr.trim()}`);
    }
    expect(result.stdout.trim().split('\n').filter(Boolean)).toEqual([]);
    expect(result.status).toBe(0);
  }, 300_000);
});
