import { EKS_NODEGROUP_TIMINGS, MemoryNodegroups } from '../../../../functions/adapters/memory/nodegroups';

const up = { min: 2, desired: 2, max: 3 };
const zero = { min: 0, desired: 0, max: 3 };
const settle = (ms: number) => ms + (EKS_NODEGROUP_TIMINGS.updateSeconds + EKS_NODEGROUP_TIMINGS.joinSeconds) * 1000;

describe('MemoryNodegroups: the faults of a scale-down and a scale-up', () => {
  it('an instance a scale-down left running stays through another scale to 0, until it is terminated', () => {
    const groups = new MemoryNodegroups();
    groups.create('turbo-a', up, 0);
    const first = groups.scale('turbo-a', zero, 0, { stuck: 1 });
    expect(groups.view('turbo-a', first)).toMatchObject({ desired: 0, instances: 1 });
    const again = groups.scale('turbo-a', zero, first);
    expect(groups.view('turbo-a', again)).toMatchObject({ desired: 0, instances: 1 });
    expect(groups.terminateStuck('turbo-a')).toBe(1);
    expect(groups.view('turbo-a', again)).toMatchObject({ desired: 0, instances: 0 });
    expect(groups.terminateStuck('turbo-a')).toBe(0);
  });

  it('a scale-up whose launches fail has no node Ready; scaling again to the same sizes launches them', () => {
    const groups = new MemoryNodegroups();
    groups.create('turbo-a', zero, 0);
    const failed = groups.scale('turbo-a', up, 0, { launchFails: true });
    expect(groups.view('turbo-a', failed)).toMatchObject({ desired: 2, instances: 0, readyNodes: 0 });
    const retried = groups.scale('turbo-a', up, failed);
    expect(retried).toBe(settle(failed));
    expect(groups.view('turbo-a', retried)).toMatchObject({ desired: 2, instances: 2, readyNodes: 2 });
  });
});
