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

  it('with faults on, drills each hibernate-mode fault once on a hibernate-mode developer, and a warm pool fill', () => {
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
    // Without faults, no drill either: a fault-free soak stays fault-free.
    expect(generateWorld(exampleConfig(), { ...options, faultRate: 0 }).events.filter((event) => event.kind === 'fault')).toEqual([]);
  });
});
