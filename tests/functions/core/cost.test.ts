import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { configSchema } from '../../../functions/core/config';
import { dailyCosts, hourlyRates, PRICE_TABLE, weeklySummary } from '../../../functions/core/cost';

const example = parse(readFileSync(join(__dirname, '../../../turbo.config.example.yml'), 'utf8'));
const config = configSchema.parse(example);
const readme = readFileSync(join(__dirname, '../../../infra-tf/README.md'), 'utf8');
/** The day the prices are for: the example's version is in standard support then. */
const DAY = '2026-12-01';

describe('the price table', () => {
  it('names its date and its source, and covers the required regions and instance types', () => {
    expect(PRICE_TABLE.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(PRICE_TABLE.source).toContain('https://aws.amazon.com/ec2/pricing/on-demand/');
    for (const region of ['eu-west-1', 'us-east-1', 'eu-central-1']) {
      expect(Object.keys(PRICE_TABLE.regions[region]!.instancesPerHour)).toEqual(
        expect.arrayContaining(['t3.medium', 't3.large', 'm6i.large']),
      );
    }
  });

  it('uses the same eu-west-1 figures as infra-tf/README.md', () => {
    const eu = PRICE_TABLE.regions['eu-west-1']!;
    expect(readme).toContain(`EKS control plane $${eu.eksControlPlanePerHour.toFixed(2)}/h`);
    expect(readme).toContain(`t3.medium $${eu.instancesPerHour['t3.medium']}/h`);
    expect(readme).toContain(`NAT gateway $${eu.natGatewayPerHour}/h`);
    expect(readme).toContain(`gp3 $${eu.ebsGp3PerGbMonth}/GB-month`);
  });
});

describe('dailyCosts', () => {
  it('prices alice’s default day (08:35–19:00, 2 × t3.medium in eu-west-1, a quarter of the NAT)', () => {
    const [alice] = dailyCosts(config, DAY);
    // cluster: 0.10 + 2 × (0.0456 + 20 × 0.088 / 730) = 0.196022 $/h; NAT share: 0.048 × 24 / 4 = 0.288 $/day
    expect(alice).toEqual({
      developer: 'alice',
      clusterHours: 10.42,
      turbo: 2.33, // 10.4167 h × 0.196022 + 0.288
      alwaysOn: 4.99, // 24 h × 0.196022 + 0.288
      savings: 2.66,
      weekTurbo: 12.23, // 5 × 2.0419 + 7 × 0.288
      weekAlwaysOn: 34.95,
      weekSavings: 22.72,
      mode: 'destroy',
      hibernate: 3.65, // 10.0667 h × 0.096022 (nodes) + 24 h × 0.10 (control plane) + 0.288
      weekHibernate: 23.65,
    });
    expect(hourlyRates(config, DAY).clusterPerHour).toBeCloseTo(0.196022, 6);
  });

  it('follows per-developer schedules: dave works four days, carol ends earlier', () => {
    const byName = Object.fromEntries(dailyCosts(config, DAY).map((line) => [line.developer, line]));
    expect(byName.carol!.clusterHours).toBeCloseTo(8.92, 2); // 09:05–18:00
    expect(byName.dave!.weekTurbo).toBeLessThan(byName.alice!.weekTurbo);
  });

  it('scales with the region and instance type', () => {
    const bigger = configSchema.parse({ ...example, region: 'us-east-1', cluster: { ...example.cluster, instanceType: 'm6i.large' } });
    expect(hourlyRates(bigger, DAY).clusterPerHour).toBeCloseTo(0.1 + 2 * (0.096 + (20 * 0.08) / 730), 6);
  });

  it('names an unknown region or instance type and what the table has', () => {
    expect(() => dailyCosts(configSchema.parse({ ...example, region: 'ap-south-2' }), DAY)).toThrow(
      'region "ap-south-2" is not in the price table (core/prices.json has eu-west-1, us-east-1, eu-central-1)',
    );
    expect(() => dailyCosts(configSchema.parse({ ...example, cluster: { ...example.cluster, instanceType: 'c7g.large' } }), DAY)).toThrow(
      'instance type "c7g.large" has no eu-west-1 price',
    );
  });
});

describe('weeklySummary from recorded lifetimes', () => {
  const from = new Date('2026-11-23T00:00:00Z');
  const to = new Date('2026-11-30T00:00:00Z');

  it('adds the hours each cluster lived in the week, clipped to it, and counts a running one until the end', () => {
    const lines = weeklySummary(
      config,
      [
        { developer: 'alice', startedAt: '2026-11-23T07:35:00Z', destroyedAt: '2026-11-23T18:05:00Z' }, // 10.5 h
        { developer: 'alice', startedAt: '2026-11-22T20:00:00Z', destroyedAt: '2026-11-23T02:00:00Z' }, // 2 h inside
        { developer: 'bob', startedAt: '2026-11-29T12:00:00Z' }, // still running: 12 h
      ],
      from,
      to,
    );
    const natShare = (0.048 * 168) / 4;
    const rate = hourlyRates(config, DAY).clusterPerHour;
    expect(lines.map((line) => [line.developer, line.hours])).toEqual([
      ['alice', 12.5],
      ['bob', 12],
      ['carol', 0],
      ['dave', 0],
    ]);
    expect(lines[0]).toMatchObject({
      cost: Math.round((12.5 * rate + natShare) * 100) / 100,
      alwaysOn: Math.round((168 * rate + natShare) * 100) / 100,
    });
    expect(lines[0]!.savings).toBeCloseTo(lines[0]!.alwaysOn - lines[0]!.cost, 2);
  });

  it('includes developers who left the roster but ran clusters, and refuses bad input', () => {
    expect(
      weeklySummary(config, [{ developer: 'zed', startedAt: '2026-11-24T00:00:00Z', destroyedAt: '2026-11-24T01:00:00Z' }], from, to).map(
        (l) => l.developer,
      ),
    ).toContain('zed');
    expect(() => weeklySummary(config, [{ developer: 'alice', startedAt: 'monday' }], from, to)).toThrow(
      'lifetime of alice has a time that is not ISO 8601',
    );
    expect(() => weeklySummary(config, [], to, from)).toThrow('is empty');
  });
});

describe('extended support', () => {
  const on133 = configSchema.parse({ ...example, cluster: { ...example.cluster, kubernetesVersion: '1.33' } });

  it('prices a control plane in extended support at $0.60/h instead of $0.10/h, from the day standard support ended', () => {
    const before = hourlyRates(on133, '2026-07-28');
    const after = hourlyRates(on133, '2026-07-29');
    expect([before.extendedSupport, after.extendedSupport]).toEqual([false, true]);
    expect(after.clusterPerHour - before.clusterPerHour).toBeCloseTo(0.5, 9);
    expect(dailyCosts(on133, '2026-12-01')[0]!.turbo).toBeGreaterThan(dailyCosts(config, '2026-12-01')[0]!.turbo);
  });

  it('keeps the example config in standard support on 2026-12-01, with the extended price in every region', () => {
    expect(hourlyRates(config, DAY).extendedSupport).toBe(false);
    for (const region of Object.values(PRICE_TABLE.regions)) expect(region.eksControlPlaneExtendedSupportPerHour).toBe(0.6);
  });
});
