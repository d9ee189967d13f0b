/**
 * EKS managed node groups as the rehearsal models them: a scaling change (UpdateNodegroupConfig) keeps the node
 * group UPDATING while EKS hands it to its Auto Scaling group; new instances then boot and join (Ready), or old
 * ones are drained and terminated. The timings follow what EKS shows for small groups of t3/m5 nodes.
 */
export interface NodegroupTimings {
  /** From UpdateNodegroupConfig until the Auto Scaling group has the new sizes (the update is UPDATING meanwhile). */
  updateSeconds: number;
  /** An instance's launch, boot and kubelet registration until the node is Ready. */
  joinSeconds: number;
  /** A node's drain and its instance's termination. */
  terminateSeconds: number;
}

export const EKS_NODEGROUP_TIMINGS: NodegroupTimings = { updateSeconds: 40, joinSeconds: 110, terminateSeconds: 90 };

export interface Scaling {
  min: number;
  desired: number;
  max: number;
}

interface Group {
  scaling: Scaling;
  /** Instances before the change, and when their number becomes scaling.desired. */
  instancesBefore: number;
  changedAt: number;
  settlesAt: number;
  /** Instances that the scale-down could not terminate (a fault): they keep running, and costing, until terminated. */
  stuck: number;
  /** The scale-up's instances fail to launch (a fault): none joins until the next scaling change. */
  launchFails: boolean;
}

export interface NodegroupView {
  status: 'ACTIVE' | 'UPDATING';
  desired: number;
  /** Instances not yet terminated (running, or still booting). */
  instances: number;
  readyNodes: number;
}

export class MemoryNodegroups {
  private readonly groups = new Map<string, Group>();

  constructor(private readonly timings: NodegroupTimings = EKS_NODEGROUP_TIMINGS) {}

  /** A node group created by an apply, with its configured sizes, settled `at`. */
  create(cluster: string, scaling: Scaling, at: number): void {
    this.groups.set(cluster, { scaling, instancesBefore: scaling.desired, changedAt: at, settlesAt: at, stuck: 0, launchFails: false });
  }

  forget(cluster: string): void {
    this.groups.delete(cluster);
  }

  /**
   * UpdateNodegroupConfig at `now`; returns when the instances match the new desired size. EKS refuses maxSize 0
   * and desired outside [min, max], as the real API does. Scaling to the sizes it has changes nothing.
   */
  scale(cluster: string, scaling: Scaling, now: number, options: { stuck?: number; launchFails?: boolean } = {}): number {
    if (scaling.max < 1) throw new Error(`InvalidParameterException: maxSize must be at least 1 (got ${scaling.max})`);
    if (scaling.desired < scaling.min || scaling.desired > scaling.max) {
      throw new Error(`InvalidParameterException: desiredSize ${scaling.desired} must be within [${scaling.min}, ${scaling.max}]`);
    }
    const group = this.groups.get(cluster);
    if (!group) throw new Error(`ResourceNotFoundException: no node group in cluster ${cluster}`);
    const same = ['min', 'desired', 'max'].every((key) => group.scaling[key as keyof Scaling] === scaling[key as keyof Scaling]);
    const fault = options.stuck || options.launchFails;
    if (same && !fault && !group.launchFails) return Math.max(now, group.settlesAt);
    const before = this.view(cluster, now).instances;
    const move = scaling.desired >= before ? this.timings.joinSeconds : this.timings.terminateSeconds;
    const settlesAt = now + (this.timings.updateSeconds + move) * 1000;
    // An instance a scale-down left stays until someone terminates it: scaling to 0 again does not end it.
    const stuck = scaling.desired === 0 ? Math.max(options.stuck ?? 0, group.stuck) : 0;
    this.groups.set(cluster, {
      scaling,
      instancesBefore: before,
      changedAt: now,
      settlesAt,
      stuck,
      launchFails: options.launchFails ?? false,
    });
    return settlesAt;
  }

  /** What an operator does about instances a scale-down left running: terminates them (EC2 TerminateInstances). */
  terminateStuck(cluster: string): number {
    const group = this.groups.get(cluster);
    if (!group?.stuck) return 0;
    this.groups.set(cluster, { ...group, stuck: 0, instancesBefore: Math.min(group.instancesBefore, group.scaling.desired) });
    return group.stuck;
  }

  view(cluster: string, now: number): NodegroupView {
    const group = this.groups.get(cluster);
    if (!group) return { status: 'ACTIVE', desired: 0, instances: 0, readyNodes: 0 };
    const updating = now < group.changedAt + this.timings.updateSeconds * 1000;
    const settled = now >= group.settlesAt;
    const target = (group.launchFails ? 0 : group.scaling.desired) + group.stuck;
    const instances = settled ? target : Math.max(group.instancesBefore, target);
    // Joining nodes are Ready only once settled; on the way down, the old ones serve until drained.
    const readyNodes = settled ? target : group.instancesBefore;
    return { status: updating ? 'UPDATING' : 'ACTIVE', desired: group.scaling.desired, instances, readyNodes };
  }
}

/** The node group sizes a job was given (jobParams' NODE_*_SIZE). */
export function scalingOf(params: Record<string, string>): Scaling {
  return { min: Number(params.NODE_MIN_SIZE ?? 1), desired: Number(params.NODE_DESIRED_SIZE ?? 1), max: Number(params.NODE_MAX_SIZE ?? 1) };
}
