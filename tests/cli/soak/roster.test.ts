/** The soak's generated world: which faults each developer may draw, and the hibernate-mode drills. */
import { DateTime } from 'luxon';
import { faultsFor, generateWorld, SOAK_FAULTS, soakStart } from '../../../cli/soak/roster';
import { exampleConfig } from '../../support/packaged';

const HIBERNATE_FAULTS = ['hibernate', 'hibernate-silent', 'wake'];

describe('the soak world', () => {
  it('draws the hibernate-mode faults for hibernate-mode developers only, as often as all the others together', () => {
    expect(faultsFor('destroy').filter((point) => HIBERNATE_FAULTS.includes(point))).toEqual([]);
    expect([...faultsFor('destroy')].sort()).toEqual(SOAK_FAULTS.filter((point) => !HIBERNATE_FAULTS.includes(point)).sort());
    const hibernate = faultsFor('hibernate');
    expect(hibernate.filter((point) => HIBERNATE_FAULTS.includes(point))).toHaveLength(hibernate.length / 2);
    expect(new Set(hibernate)).toEqual(new Set(SOAK_FAULTS));
  });

  it('with faults on, drills each hibernate-mode fault once on a hibernate-mode developer, a warm pool fill and Spot shortages', () => {
    const options = { developers: 50, days: 7, start: '2027-03-01', seed: 1 };
    const world = generateWorld(exampleConfig(), { ...options, faultRate: 0.02 });
    const faults = world.events.filter((event) => event.kind === 'fault');
    const modeOf = new Map(world.config.developers.map((dev) => [dev.name, dev.mode ?? world.config.mode]));
    // A destroy-mode developer never draws a fault that only a hibernation or a wake can strike.
    for (const event of faults) if (modeOf.get(event.developer) !== 'hibernate') expect(HIBERNATE_FAULTS).not.toContain(event.point);
    const drills = faults.filter((event) => HIBERNATE_FAULTS.includes(event.point));
    expect(drills.map((event) => event.point).sort()).toEqual([...HIBERNATE_FAULTS].sort());
    for (const drill of drills) {
      expect(modeOf.get(drill.developer)).toBe('hibernate');
      const zone = world.config.developers.find((dev) => dev.name === drill.developer)!.timezone!;
      const local = DateTime.fromMillis(drill.at, { zone });
      expect(local.weekday).toBeLessThanOrEqual(4);
      expect(local.toISODate()! > world.dates[0]!).toBe(true);
    }
    // The first warm pool member's first fill fails: its fault comes in the soak's first hour, before the pool opens.
    const poolDrills = faults.filter((event) => event.developer.startsWith('pool-'));
    expect(poolDrills.map((event) => [event.developer, event.point])).toEqual([['pool-1', 'apply']]);
    expect(poolDrills[0]!.at - soakStart(world.dates)).toBeLessThan(3_600_000);
    // A morning without Spot for a Spot developer of each mode: from early on a Monday to Thursday until noon that day.
    const shortages = Map.groupBy(
      world.events.filter((event) => 'point' in event && event.point === 'spot-capacity'),
      (event) => ('developer' in event ? event.developer : ''),
    );
    const developerOf = new Map(world.config.developers.map((dev) => [dev.name, dev]));
    expect([...shortages.keys()].map((name) => developerOf.get(name)!.mode ?? world.config.mode).sort()).toEqual(['destroy', 'hibernate']);
    for (const [name, events] of shortages) {
      const dev = developerOf.get(name)!;
      expect([dev.nodes?.capacity, events.map((event) => event.kind)]).toEqual(['spot', ['fault', 'clear']]);
      const [start, end] = events.map((event) => DateTime.fromMillis(event.at, { zone: dev.timezone! }));
      expect([start!.weekday <= 4, start!.hour, end!.toISODate(), end!.hour]).toEqual([true, 4, start!.toISODate(), 12]);
    }
    // Without faults, no drill either: a fault-free soak stays fault-free.
    expect(generateWorld(exampleConfig(), { ...options, faultRate: 0 }).events.filter((event) => event.kind === 'fault')).toEqual([]);
  });
});
