import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onPath, REPO } from './harness';

describe('scripts/*.sh', () => {
  const scripts = readdirSync(join(REPO, 'scripts')).filter((name) => name.endsWith('.sh'));

  it('pass shellcheck', () => {
    if (!onPath('shellcheck')) {
      throw new Error('shellcheck is not on PATH: install it (apt-get update && apt-get install -y shellcheck); CI installs it');
    }
    const result = spawnSync(
      'shellcheck',
      scripts.map((name) => join('scripts', name)),
      { cwd: REPO, encoding: 'utf8' },
    );

    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it.each(scripts)('%s runs with set -euo pipefail', (name) => {
    const text = readFileSync(join(REPO, 'scripts', name), 'utf8');
    if (name === 'lib.sh') {
      // Sourced, never run: it inherits the options of the job that sources it.
      expect(text).toMatch(/^# shellcheck shell=bash/);
    } else {
      expect(text).toMatch(/^#!\/usr\/bin\/env bash\n(#.*\n)*set -euo pipefail\n/);
    }
  });
});
