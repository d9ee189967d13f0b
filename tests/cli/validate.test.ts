import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../cli/commands/validate';
import { main } from '../../cli/main';
import { captureIn, folderWith } from './capture';

const exampleText = readFileSync(join(__dirname, '../../turbo.config.example.yml'), 'utf8');
/** The example with real-looking IDs and a lead that covers apply + deploy + one tick. */
const realText = exampleText
  .replace(/123456789012/g, '210987654321')
  .replace(/U0([A-Z]+)0*1\b/g, 'UA7$1X')
  .replace('C0OPS00001', 'C07QPS2KM')
  .replace('leadMinutes: 25', 'leadMinutes: 30')
  // On-Demand for everyone: the lead's Spot-fallback warning has its own test (tests/functions/core/config.test.ts).
  .replace(/^ {4}nodes: \{ capacity: spot, arch: arm64 \}.*\n/m, '');
const exampleWarnings = [
  '  warning: slack.opsChannel: looks like the example\'s placeholder: put the real Slack ID (got "C0OPS00001")',
  '  warning: ops[0]: looks like the example\'s placeholder: put the real Slack ID (got "U0OPSLEAD1")',
  ...['U0ALICE001', 'U0BOB00001', 'U0CAROL001', 'U0DAVE0001'].map(
    (id, index) => `  warning: developers[${index}].slackUserId: looks like the example's placeholder: put the real Slack ID (got "${id}")`,
  ),
  ...['user/alice', 'user/bob', 'role/carol-dev', 'user/dave'].map(
    (name, index) =>
      `  warning: developers[${index}].iamPrincipalArn: is in the example's account 123456789012: put the real ARN (got "arn:aws:iam::123456789012:${name}")`,
  ),
  "  warning: cluster.pullThroughCache: is in the example's account 123456789012: put the real one " +
    '(got "123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub")',
  '  warning: leadMinutes: cannot cover jobs.applyMinutes (12) + jobs.deployMinutes (1) + one reconcile tick (15) = 28: clusters may be ready ' +
    'after readyBy; set it to 28 or more (got 25)',
  '',
].join('\n');
const brokenText = exampleText.replace('name: alice', 'name: Alice').replace('timezone: Europe/Berlin', 'timezone: Mars/Olympus');

describe('turbo validate', () => {
  it('accepts a valid file and prints a short summary', async () => {
    const captured = captureIn(folderWith({ 'team.yml': exampleText }));
    expect(await run(['team.yml', '--on', '2026-12-01'], captured.io)).toBe(0);
    expect(captured.stdout()).toBe(
      `team.yml: OK — team payments in eu-west-1, 4 developers (alice, bob, carol, dave), runner codebuild\n${exampleWarnings}`,
    );
    expect(captured.stderr()).toBe('');
  });

  it('refuses a region with no prices, naming the field and the value', async () => {
    const captured = captureIn(folderWith({ 'turbo.config.yml': realText.replace('region: eu-west-1', 'region: cn-northwest-1') }));
    expect(await run(['--on', '2026-12-01'], captured.io)).toBe(1);
    expect(captured.stdout() + captured.stderr()).toMatch(/region: has no prices in core\/prices\.json .*\(got "cn-northwest-1"\)/);
  });

  it('a config without placeholders and with enough lead has no warnings', async () => {
    const captured = captureIn(folderWith({ 'team.yml': realText }));
    expect(await run(['team.yml', '--on', '2026-12-01'], captured.io)).toBe(0);
    expect(captured.stdout()).toBe('team.yml: OK — team payments in eu-west-1, 4 developers (alice, bob, carol, dave), runner codebuild\n');
  });

  it("warns when the runner's quota is unstated, naming what the planner then assumes", async () => {
    const captured = captureIn(folderWith({ 'team.yml': realText.replace(/^ {2}maxConcurrentJobs: 20\b.*\n/m, '') }));
    expect(await run(['team.yml', '--on', '2026-12-01'], captured.io)).toBe(0);
    expect(captured.stdout()).toContain(
      "  warning: runner.maxConcurrentJobs: is not set: the planner staggers the day's ups for 5 jobs at once, the lowest " +
        "concurrent-build quota CodeBuild gives a new account; set your account's quota (Service Quotas), or Jenkins's executors\n",
    );
  });

  it.each([
    [28, 12, 1, false],
    [27, 12, 1, true],
    [45, 29, 1, false],
    [45, 29, 2, true],
  ])('leadMinutes %i against apply %i + deploy %i + one 15-minute tick: warns %s', async (lead, apply, deploy, warns) => {
    const text = realText
      .replace('leadMinutes: 30', `leadMinutes: ${lead}`)
      .replace('applyMinutes: 12', `applyMinutes: ${apply}`)
      .replace('deployMinutes: 1', `deployMinutes: ${deploy}`);
    const captured = captureIn(folderWith({ 'team.yml': text }));
    expect(await run(['team.yml', '--on', '2026-12-01'], captured.io)).toBe(0);
    const warning =
      `  warning: leadMinutes: cannot cover jobs.applyMinutes (${apply}) + jobs.deployMinutes (${deploy}) + one reconcile tick (15) = ` +
      `${apply + deploy + 15}: clusters may be ready after readyBy; set it to ${apply + deploy + 15} or more (got ${lead})\n`;
    if (warns) expect(captured.stdout()).toContain(warning);
    else expect(captured.stdout()).not.toContain('warning');
  });

  it('finds turbo.config.yaml when there is no turbo.config.yml, and prefers .yml when both exist', async () => {
    const yaml = captureIn(folderWith({ 'turbo.config.yaml': realText, 'turbo.config.example.yml': brokenText }));
    expect(await run(['--on', '2026-12-01'], yaml.io)).toBe(0);
    expect(yaml.stdout()).toMatch(/^turbo\.config\.yaml: OK/);
    expect(yaml.stderr()).toBe('');
    const both = captureIn(folderWith({ 'turbo.config.yml': realText, 'turbo.config.yaml': brokenText }));
    expect(await run(['--on', '2026-12-01'], both.io)).toBe(0);
    expect(both.stdout()).toMatch(/^turbo\.config\.yml: OK/);
  });

  it('an empty file says it is empty, exit 1', async () => {
    const captured = captureIn(folderWith({ 'turbo.config.yml': '' }));
    expect(await run(['--on', '2026-12-01'], captured.io)).toBe(1);
    expect(captured.stderr()).toBe(
      'turbo.config.yml: 1 problem\n  (file): is empty: copy turbo.config.example.yml and fill in the roster\n',
    );
  });

  it('warns on stderr, and still exits 0, when the Kubernetes version is in or near EKS extended support', async () => {
    const old = captureIn(folderWith({ 'team.yml': exampleText.replace(/kubernetesVersion: "[^"]+"/, 'kubernetesVersion: "1.33"') }));
    expect(await run(['team.yml', '--on', '2026-12-01'], old.io)).toBe(0);
    expect(old.stderr()).toMatch(
      /^team\.yml: warning: cluster\.kubernetesVersion 1\.33 is in EKS extended support since 2026-07-29: .*\n$/,
    );
    const soon = captureIn(folderWith({ 'team.yml': exampleText }));
    expect(await run(['team.yml', '--on', '2027-03-01'], soon.io)).toBe(0);
    expect(soon.stderr()).toMatch(
      /^team\.yml: warning: cluster\.kubernetesVersion 1\.35 leaves EKS standard support on 2027-03-27, in 26 days/,
    );
    const fine = captureIn(folderWith({ 'team.yml': exampleText }));
    expect(await run(['team.yml', '--on', '2026-12-01'], fine.io)).toBe(0);
    expect(fine.stderr()).toBe('');
    await expect(run(['team.yml', '--on', 'tomorrow'], fine.io)).rejects.toThrow('--on must be a date such as 2026-12-01 (got "tomorrow")');
  });

  it('prints every problem as `path: message (got value)` and exits 1', async () => {
    const captured = captureIn(folderWith({ 'turbo.config.yml': brokenText }));
    expect(await run([], captured.io)).toBe(1);
    expect(captured.stderr().split('\n')).toEqual([
      'turbo.config.yml: 2 problems',
      '  timezone: must be an IANA time zone such as Europe/Berlin (got "Mars/Olympus")',
      '  developers[0].name: must be a DNS-1123 label: lower-case letters, digits and inner hyphens (got "Alice")',
      '',
    ]);
    expect(captured.stdout()).toBe('');
  });

  it('reports a YAML syntax error as a problem of the file', async () => {
    const captured = captureIn(folderWith({ 'bad.yml': 'team: payments\ndevelopers: [alice\n  bob: x\n' }));
    expect(await run(['bad.yml'], captured.io)).toBe(1);
    expect(captured.stderr()).toMatch(/^bad\.yml: 1 problem\n {2}\(file\): is not valid YAML: .* at line \d+, column \d+\n$/);
  });

  it('prefers turbo.config.yml over the example, silently', async () => {
    const captured = captureIn(folderWith({ 'turbo.config.yml': exampleText, 'turbo.config.example.yml': brokenText }));
    expect(await run(['--on', '2026-12-01'], captured.io)).toBe(0);
    expect(captured.stdout()).toMatch(/^turbo\.config\.yml: OK/);
    expect(captured.stderr()).toBe('');
  });

  it('falls back to the example with a notice when turbo.config.yml is absent', async () => {
    const dir = folderWith({ 'turbo.config.example.yml': exampleText });
    const captured = captureIn(dir);
    expect(await run([], captured.io)).toBe(0);
    expect(captured.stderr()).toBe(
      `turbo: turbo.config.yml or turbo.config.yaml not found in ${dir}; using turbo.config.example.yml instead\n`,
    );
    expect(captured.stdout()).toMatch(/^turbo\.config\.example\.yml: OK/);
  });

  it.each([
    ['no file given and none in the folder', [], 'turbo.config.yml'],
    ['a named file that does not exist', ['missing.yml'], 'missing.yml'],
  ])('%s: a clear error naming the path, exit 1', async (_label, argv, name) => {
    const dir = folderWith();
    const captured = captureIn(dir);
    expect(await run(argv, captured.io)).toBe(1);
    expect(captured.stderr()).toBe(`turbo: cannot read config file ${join(dir, name)}: no such file\n`);
  });

  it('refuses a folder in place of a file', async () => {
    const dir = folderWith();
    const captured = captureIn(join(dir, '..'));
    expect(await run([dir], captured.io)).toBe(1);
    expect(captured.stderr()).toBe(`turbo: cannot read config file ${dir}: it is a folder\n`);
  });

  it('more than one file is a usage error (exit 2)', async () => {
    const captured = captureIn(folderWith());
    expect(await main(['validate', 'a.yml', 'b.yml'], captured.io)).toBe(2);
    expect(captured.stderr()).toBe('turbo validate: expects at most one file, got 2: a.yml b.yml\nUsage: turbo validate [file]\n');
  });
});
