import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { configSchema, describeProblem, INSTANCE_SPECS, validateConfig } from '../../../functions/core/config';
import {
  dailyCosts,
  hourlyRates,
  nodeCountForDayShare,
  nodeOptions,
  poolCost,
  PRICE_TABLE,
  recordedUse,
  weeklySummary,
} from '../../../functions/core/cost';
import type { EnvironmentRecord } from '../../../functions/core/types';

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
    expect(readme).toContain(`public IPv4\n$${PRICE_TABLE.publicIpv4.perHour}/h per address`);
  });

  it('prices public IPv4 addresses once for every region, with their date and source', () => {
    expect(PRICE_TABLE.publicIpv4).toEqual({
      perHour: 0.005,
      checked: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      source: expect.stringContaining('https://aws.amazon.com/vpc/pricing/'),
    });
  });
});

describe('dailyCosts', () => {
  it('prices alice’s default day (08:35 to her 19:00 destroy’s end, 2 × t3.medium in eu-west-1, its NLB and MongoDB volume, a quarter of the NAT)', () => {
    const [alice] = dailyCosts(config, DAY);
    // cluster: 0.10 + 0.0252 NLB + 2 × 0.005 (its addresses) + 5 × 0.088 / 730 (MongoDB) + 2 × (0.0456 + 20 × 0.088 / 730)
    // = 0.231825 $/h; NAT share: (0.048 + 0.005 for its address) × 24 / 4 = 0.318 $/day
    expect(alice).toEqual({
      developer: 'alice',
      nodes: 'on-demand amd64',
      clusterHours: 10.58, // 08:35 to 19:10: the cluster bills until its 10-minute destroy (jobs.destroyMinutes) is done
      turbo: 2.77, // 10.5833 h × 0.231825 + 0.318
      alwaysOn: 5.88, // 24 h × 0.231825 + 0.318
      savings: 3.11,
      weekTurbo: 14.49, // 5 × 2.45348 + 7 × 0.318
      weekAlwaysOn: 41.17,
      weekSavings: 26.68,
      mode: 'destroy',
      hibernate: 4.55, // 10.1167 h × 0.096022 (nodes) + 24 h × 0.135803 (control plane, NLB, MongoDB volume) + 0.318
      weekHibernate: 29.9, // 5 × 0.97142 + 7 × (24 × 0.135803 + 0.318)
      nodeHours: 10.12, // hibernated: 08:56 (the wake's 4-minute lead) to 19:03 (the 3-minute scale-down, jobs.hibernateMinutes)
    });
    expect(hourlyRates(config, DAY).clusterPerHour).toBeCloseTo(0.231825, 6);
  });

  it("prices the planner's day when it has one: from the up's start to its down's end, or to teardownAt", () => {
    // alice is in Europe/Berlin (UTC+1 in December): started at 06:00 under a quota, her down queued until 21:30.
    const planned = new Map([
      ['alice', { startAt: Date.parse('2026-12-01T05:00:00Z'), downEndsAt: Date.parse('2026-12-01T20:30:00Z') }],
      ['bob', { startAt: Date.parse('2026-12-01T07:00:00Z') }],
    ]);
    const byName = Object.fromEntries(dailyCosts(config, DAY, planned).map((line) => [line.developer, line]));
    expect(byName.alice).toMatchObject({ clusterHours: 15.5, nodeHours: 15.5 });
    expect(byName.bob!.clusterHours).toBe(11); // 08:00 to the team's teardown at 19:00, Berlin time
    // Without a plan for the day, the schedule's hours: carol's 09:05 to the end of her 18:00 destroy.
    expect(byName.carol!.clusterHours).toBeCloseTo(9.08, 2);
    expect(byName.alice!.turbo).toBeGreaterThan(dailyCosts(config, DAY)[0]!.turbo);
  });

  it('follows per-developer schedules: dave works four days, carol ends earlier', () => {
    const byName = Object.fromEntries(dailyCosts(config, DAY).map((line) => [line.developer, line]));
    expect(byName.carol!.clusterHours).toBeCloseTo(9.08, 2); // 09:05 to 18:10, her 18:00 destroy's end
    expect(byName.dave!.weekTurbo).toBeLessThan(byName.alice!.weekTurbo);
  });

  it('scales with the region and instance type', () => {
    const bigger = configSchema.parse({
      ...example,
      region: 'us-east-1',
      cluster: { ...example.cluster, instanceType: 'm6i.large', instanceTypes: { arm64: ['m7g.large'] } },
    });
    expect(hourlyRates(bigger, DAY).clusterPerHour).toBeCloseTo(
      0.1 + 0.0225 + 2 * 0.005 + (5 * 0.08) / 730 + 2 * (0.096 + (20 * 0.08) / 730),
      6,
    );
  });

  it('names a region or instance type the table does not have, and what it has', () => {
    const table = structuredClone(PRICE_TABLE.regions);
    try {
      delete PRICE_TABLE.regions['ap-south-2'];
      expect(() => hourlyRates({ ...config, region: 'ap-south-2' }, DAY)).toThrow(
        /^region "ap-south-2" is not in the price table \(core\/prices.json has us-east-1, /,
      );
      delete PRICE_TABLE.regions['eu-west-1']!.instancesPerHour['c7g.large'];
      expect(() =>
        hourlyRates(config, DAY, { nodes: { arch: 'arm64' } }, { capacity: 'spot', arch: 'arm64', instanceTypes: ['c7g.large'] }),
      ).toThrow('instance type "c7g.large" has no eu-west-1 price');
    } finally {
      Object.assign(PRICE_TABLE.regions, table);
    }
  });

  it('prices Spot at the typical discount of its source, and Graviton at its own list price', () => {
    expect(PRICE_TABLE.spot.typicalDiscount).toBe(0.6);
    expect(PRICE_TABLE.spot.source).toContain('https://aws.amazon.com/ec2/spot/instance-advisor/');
    const dave = config.developers.find((dev) => dev.name === 'dave')!;
    // dave: Spot t4g.medium at 0.0368 × 0.4; the rest as alice's
    const volume = (20 * 0.088) / 730;
    expect(hourlyRates(config, DAY, dave).nodePerHour).toBeCloseTo(2 * (0.0368 * 0.4 + volume), 6);
    expect(dailyCosts(config, DAY).find((line) => line.developer === 'dave')!.nodes).toBe('spot arm64');
  });

  it('compares each node option with an always-on On-Demand cluster: the nodes of a Spot or Graviton day cost ≤ 20% of it', () => {
    const alice = config.developers[0]!;
    const options = nodeOptions(config, DAY, alice);
    expect(options.map((option) => [option.nodes, option.instanceType])).toEqual([
      ['on-demand amd64', 't3.medium'],
      ['spot amd64', 't3.medium'],
      ['on-demand arm64', 't4g.medium'],
      ['spot arm64', 't4g.medium'],
    ]);
    const byNodes = Object.fromEntries(options.map((option) => [option.nodes, option]));
    // On-Demand amd64 nodes for 10.58 of 24 hours are 44% of always-on; Spot cuts them to 0.4 × that, Graviton to 0.81 × that.
    expect(byNodes['on-demand amd64']!.nodesDayShare).toBeCloseTo(10.5833 / 24, 3);
    expect(byNodes['spot amd64']!.nodesDayShare).toBeLessThanOrEqual(0.2);
    expect(byNodes['spot arm64']!.nodesDayShare).toBeLessThanOrEqual(0.2);
    expect(byNodes['on-demand arm64']!.nodesDayShare).toBeLessThan(byNodes['on-demand amd64']!.nodesDayShare);
    // The control plane, NLB and NAT share do not get cheaper: the whole cluster's day stays above 20%.
    expect(byNodes['spot arm64']!.dayShare).toBeGreaterThan(0.2);
    // That part is the same for every option of 2 nodes, and it alone is over 20%: no capacity or arch of 2 nodes reaches it.
    const floors = new Set(options.map((option) => option.fixedDayShare.toFixed(6)));
    expect(floors.size).toBe(1);
    for (const option of options) expect(option.fixedDayShare).toBeLessThan(option.dayShare);
    expect(byNodes['spot arm64']!.fixedDayShare).toBeGreaterThan(0.2);
    expect(byNodes['spot arm64']!.weekShare).toBeLessThan(byNodes['spot arm64']!.dayShare);
  });

  it('says how many nodes a day on the cheapest nodes needs to cost 20% of an always-on cluster of as many nodes', () => {
    const alice = config.developers[0]!;
    const withNodes = (desired: number) => ({ ...config, cluster: { ...config.cluster, nodes: { ...config.cluster.nodes, desired } } });
    const cheapestShare = (desired: number) => Math.min(...nodeOptions(withNodes(desired), DAY, alice).map((option) => option.dayShare));
    const reach = nodeCountForDayShare(config, DAY, alice, 0.2)!;
    expect(reach.option.nodes).toBe('spot arm64');
    expect(reach.option.dayShare).toBeLessThanOrEqual(0.2);
    // The fewest: one node fewer is over 20%, and the fixed part weighs less against more nodes.
    expect(cheapestShare(reach.desired - 1)).toBeGreaterThan(0.2);
    expect(reach.desired).toBe(22);
    const fixedShare = (desired: number) => nodeOptions(withNodes(desired), DAY, alice)[0]!.fixedDayShare;
    expect(fixedShare(reach.desired)).toBeLessThan(fixedShare(2));
    // Out of reach within the counts priced: undefined, not a figure.
    expect(nodeCountForDayShare(config, DAY, alice, 0.05)).toBeUndefined();
  });
});

describe('every region where EKS runs', () => {
  it('has every priced item, with its date and source, for every instance type the config may name', () => {
    const regions = Object.entries(PRICE_TABLE.regions);
    expect(regions.length).toBeGreaterThanOrEqual(35);
    for (const [name, region] of regions) {
      expect([name, region.checked]).toEqual([name, expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/)]);
      expect(region.source.length).toBeGreaterThan(20);
      for (const price of [region.eksControlPlanePerHour, region.natGatewayPerHour, region.nlbPerHour, region.ebsGp3PerGbMonth]) {
        expect(price).toBeGreaterThan(0);
      }
      expect(Object.keys(region.instancesPerHour).sort()).toEqual(Object.keys(INSTANCE_SPECS).sort());
    }
  });

  it('is what the schema accepts: a region with no prices is refused, naming the field and the value', () => {
    const result = validateConfig({ ...example, region: 'cn-north-1' });
    expect(result.ok ? [] : result.problems.map(describeProblem)).toEqual([
      expect.stringMatching(/^region: has no prices in core\/prices.json \(the EKS regions it prices: us-east-1, .*\(got "cn-north-1"\)$/),
    ]);
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
    const natShare = ((0.048 + 0.005) * 168) / 4;
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

  it('takes the nodes off the hours a hibernated cluster spent at zero nodes, as turbo cost prices a hibernate week', () => {
    // alice in hibernate mode: one cluster all week (created the week before), asleep every night and the weekend.
    const records: EnvironmentRecord[] = [
      {
        developer: 'alice',
        clusterName: 'turbo-alice',
        status: 'hibernated',
        updatedAt: '2026-11-27T18:03:00Z',
        clusterSince: '2026-11-16T07:35:00Z',
        // Monday to Thursday nights, the last one's end before the window clipped away; Friday's still open.
        nodesOff: [
          { from: '2026-11-20T18:03:00Z', to: '2026-11-23T07:56:00Z' }, // 7 h 56 min inside
          ...['23', '24', '25', '26'].map((day) => ({ from: `2026-11-${day}T18:03:00Z`, to: `2026-11-${Number(day) + 1}T07:56:00Z` })),
        ],
        hibernatedAt: '2026-11-27T18:03:00Z', // to the window's end: 53 h 57 min
      },
    ];
    const { lifetimes, nodesOff } = recordedUse(records);
    expect(lifetimes).toEqual([{ developer: 'alice', startedAt: '2026-11-16T07:35:00Z' }]);
    expect(nodesOff.at(-1)).toEqual({ developer: 'alice', from: '2026-11-27T18:03:00Z' });

    const [alice] = weeklySummary(config, lifetimes, from, to, nodesOff);
    const off = (7 * 60 + 56 + 4 * (13 * 60 + 53) + 53 * 60 + 57) / 60;
    const { clusterPerHour, nodePerHour, natPerHour } = hourlyRates(config, DAY);
    expect(alice).toMatchObject({ developer: 'alice', hours: 168, nodesOffHours: Math.round(off * 10) / 10 });
    expect(alice!.cost).toBeCloseTo(168 * clusterPerHour - off * nodePerHour + (natPerHour * 168) / 4, 2);
    // Without the spans it would be an always-on cluster's week, nothing saved.
    const [unaware] = weeklySummary(config, lifetimes, from, to);
    expect(unaware!.savings).toBe(0);
    expect(alice!.savings).toBeCloseTo(off * nodePerHour, 2);
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

describe('the warm pool (core/pool) is priced as the pool', () => {
  const pooled = configSchema.parse({ ...example, pool: { size: 2, hours: { start: '08:00', end: '20:00' } } });

  it("prices pool.size team-nodes clusters for the pool's hours, the lead before them and the destroy after, and nothing without a pool", () => {
    const rate = hourlyRates(pooled, DAY).clusterPerHour;
    const hours = 12 + (25 + 10) / 60;
    expect(poolCost(pooled, DAY)).toEqual({
      size: 2,
      hoursPerMember: 12.58,
      day: Math.round(2 * hours * rate * 100) / 100,
      alwaysOn: Math.round(2 * 24 * rate * 100) / 100,
      week: Math.round(5 * 2 * hours * rate * 100) / 100,
      weekAlwaysOn: Math.round(7 * 2 * 24 * rate * 100) / 100,
    });
    // A Saturday prices the next working day's hours.
    expect(poolCost(pooled, '2026-11-28')?.hoursPerMember).toBe(12.58);
    expect(poolCost(config, DAY)).toBeUndefined();
  });

  it("adds every member's lifetimes to one pool line with no NAT share, against pool.size clusters always on", () => {
    const from = new Date('2026-11-23T00:00:00Z');
    const to = new Date('2026-11-30T00:00:00Z');
    const lines = weeklySummary(
      pooled,
      [
        { developer: 'pool-1', startedAt: '2026-11-23T06:20:00Z', destroyedAt: '2026-11-23T19:05:00Z' }, // 12.75 h
        { developer: 'pool-3', startedAt: '2026-11-23T15:15:00Z', destroyedAt: '2026-11-23T19:05:00Z' }, // 3.83 h
        { developer: 'alice', startedAt: '2026-11-23T07:35:00Z', destroyedAt: '2026-11-23T18:05:00Z' },
      ],
      from,
      to,
    );
    const rate = hourlyRates(pooled, DAY).clusterPerHour;
    const pool = lines.find((line) => line.developer === '(warm pool)')!;
    expect(lines.map((line) => line.developer)).toEqual(['(warm pool)', 'alice', 'bob', 'carol', 'dave']);
    expect(pool.hours).toBe(16.6);
    expect(pool.cost).toBeCloseTo((12.75 + 23 / 6) * rate, 2);
    expect(pool.alwaysOn).toBeCloseTo(2 * 168 * rate, 2);
    // The developers still carry the whole NAT among them.
    expect(lines.find((line) => line.developer === 'bob')!.cost).toBeCloseTo(((0.048 + 0.005) * 168) / 4, 2);
  });
});
