import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../cli/main';
import { captureIn, folderWith } from './capture';

const exampleText = readFileSync(join(__dirname, '../../turbo.config.example.yml'), 'utf8');

describe('turbo cost', () => {
  it('prints per-developer daily cost, always-on cost and savings, with the price table’s date', async () => {
    const captured = captureIn(folderWith({ 'turbo.config.yml': exampleText }));
    expect(await main(['cost', '--on', '2026-12-01'], captured.io)).toBe(0);
    const lines = captured.stdout().split('\n');
    expect(lines[0]!.split(/ {2,}/)).toEqual([
      ...['developer', 'nodes', 'hours/day', 'turbo/day', 'always-on/day', 'saved/day'],
      ...['mode', 'hibernate/day'],
    ]);
    expect(lines[1]!.split(/ {2,}/)).toEqual(['alice', 'on-demand amd64', '10.6', '$2.77', '$5.88', '$3.11', 'destroy', '$4.55']);
    expect(lines[4]!.split(/ {2,}/)).toEqual(['dave', 'spot arm64', '10.6', '$2.12', '$4.40', '$2.28', 'destroy', '$3.92']);
    // Hibernated: the nodes from the wake's short lead to teardown, the control plane, NLB and MongoDB volume all day.
    // The team's totals are the sum of its developers' figures.
    expect(lines[5]!.split(/ {2,}/)).toEqual(['team', '$10.20', '$22.04', '$11.84', '$17.47']);
    expect(captured.stdout()).toContain(
      'eu-west-1, 2 nodes per cluster (On-Demand t3.medium unless its nodes say otherwise); prices in USD checked 2026-11-25',
    );
  });

  it("reports the warm pool's cost as the pool's, in the team's totals", async () => {
    const withPool = exampleText.replace(/^hibernateIdleDays: .*$/m, '$&\npool: { size: 2, hours: { start: "08:00", end: "20:00" } }');
    const captured = captureIn(folderWith({ 'turbo.config.yml': withPool }));
    expect(await main(['cost', '--on', '2026-12-01'], captured.io)).toBe(0);
    const lines = captured.stdout().split('\n');
    // 08:00 to 20:00, the 25-minute lead and the 10-minute destroy: 12.6 h each, priced as a team-nodes cluster without a NAT share.
    expect(lines[5]!.split(/ {2,}/)).toEqual(['(warm pool) x 2', 'on-demand amd64', '12.6', '$5.83', '$11.13', '$5.30', 'pool', '$5.83']);
    expect(lines[6]!.split(/ {2,}/)).toEqual(['team', '$16.03', '$33.17', '$17.14', '$23.30']);
    expect(captured.stdout()).toContain("(warm pool): pool.size 2 clusters with the team's nodes, 12.6 h each on a working day");

    const week = captureIn(folderWith({ 'turbo.config.yml': withPool }));
    expect(await main(['cost', '--week', '--on', '2026-12-01'], week.io)).toBe(0);
    expect(week.stdout().split('\n')[5]!.split(/ {2,}/)).toEqual([
      '(warm pool) x 2',
      'on-demand amd64',
      '12.6',
      '$29.17',
      '$77.89',
      '$48.72',
      'pool',
      '$29.17',
    ]);
  });

  it('prints the comparison of node options for the example roster, Spot and Graviton priced', async () => {
    const captured = captureIn(folderWith({ 'turbo.config.yml': exampleText }));
    expect(await main(['cost', '--on', '2026-12-01'], captured.io)).toBe(0);
    const out = captured.stdout();
    // The README shows this very output for the example roster.
    expect(readFileSync(join(__dirname, '../../README.md'), 'utf8')).toContain(`\`\`\`\n${out.trimEnd()}\n\`\`\``);
    expect(out).toContain("On 2 nodes of this size, alice's day costs at least 30% of the always-on cluster, whatever their capacity");
    expect(out).toContain('a spot arm64 day costs 20% of an always-on cluster of as many nodes from 22 nodes per cluster');
    expect(out).toContain("Nodes compared for alice's day, each against an always-on On-Demand amd64 cluster (Spot at 60% off On-Demand");
    const rows = out
      .split('\n')
      .filter((line) => /^(on-demand|spot) (amd64|arm64) /.test(line))
      .map((line) => line.split(/ {2,}/));
    expect(rows).toEqual([
      ['on-demand amd64', 't3.medium', '$2.77', '47%', '$1.02', '44%', '$14.49', '35%'],
      ['spot amd64', 't3.medium', '$2.19', '37%', '$0.44', '19%', '$11.60', '28%'],
      ['on-demand arm64', 't4g.medium', '$2.59', '44%', '$0.83', '36%', '$13.56', '33%'],
      ['spot arm64', 't4g.medium', '$2.12', '36%', '$0.36', '16%', '$11.23', '27%'],
    ]);
  });

  it('says when no node count reaches 20%: a long day tends to its nodes alone, over 20% of always-on ones', async () => {
    const long = exampleText.replace('readyBy: "09:00"', 'readyBy: "06:00"').replace('teardownAt: "19:00"', 'teardownAt: "23:00"');
    const captured = captureIn(folderWith({ 'turbo.config.yml': long }));
    expect(await main(['cost', '--on', '2026-12-01'], captured.io)).toBe(0);
    // 05:35 to 23:10 is 17.6 h: even Spot Graviton nodes alone are 17.6 × 0.0158 / (24 × 0.048) = 24% of On-Demand ones.
    expect(captured.stdout()).toContain("Even on 100 nodes per cluster, no node option's day is within 20% of the always-on cluster\n");
    expect(captured.stdout()).not.toContain('More nodes weigh more');
  });

  it('--week prints the week: working days with Turbo against seven days always on', async () => {
    const captured = captureIn(folderWith({ 'turbo.config.yml': exampleText }));
    expect(await main(['cost', '--week', '--on', '2026-12-01'], captured.io)).toBe(0);
    expect(captured.stdout().split('\n')[1]!.split(/ {2,}/)).toEqual([
      'alice',
      'on-demand amd64',
      '10.6',
      '$14.49',
      '$41.17',
      '$26.68',
      'destroy',
      '$29.90',
    ]);
  });

  it('prices a control plane in EKS extended support at the extended rate on the priced day, and says so', async () => {
    const text = exampleText.replace(/kubernetesVersion: "[^"]+"/, 'kubernetesVersion: "1.33"');
    const before = captureIn(folderWith({ 'turbo.config.yml': text }));
    expect(await main(['cost', '--on', '2026-07-28'], before.io)).toBe(0);
    expect(before.stdout().split('\n')[1]!.split(/ {2,}/)).toEqual([
      'alice',
      'on-demand amd64',
      '10.6',
      '$2.77',
      '$5.88',
      '$3.11',
      'destroy',
      '$4.55',
    ]);
    expect(before.stdout()).not.toContain('extended support');
    const after = captureIn(folderWith({ 'turbo.config.yml': text }));
    expect(await main(['cost', '--on', '2026-07-29'], after.io)).toBe(0);
    // 10.6 h × $0.50 more per hour for the control plane.
    expect(after.stdout().split('\n')[1]!.split(/ {2,}/)).toEqual([
      'alice',
      'on-demand amd64',
      '10.6',
      '$8.06',
      '$17.88',
      '$9.82',
      'destroy',
      '$16.55',
    ]);
    expect(after.stdout()).toContain(
      'Kubernetes 1.33 is in EKS extended support on 2026-07-29: the control plane is priced at the extended-support rate',
    );
  });

  it('refuses a region the price table does not have, naming the field and the value', async () => {
    const captured = captureIn(folderWith({ 'turbo.config.yml': exampleText.replace('region: eu-west-1', 'region: cn-north-1') }));
    expect(await main(['cost'], captured.io)).toBe(1);
    expect(captured.stderr()).toMatch(/region: has no prices in core\/prices.json \(the EKS regions it prices: .*\(got "cn-north-1"\)/);
  });
});
