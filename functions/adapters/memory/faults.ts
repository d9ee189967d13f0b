/**
 * The in-memory cloud's fault plan: which faults are armed for which developer. Every fake asks it at the point
 * where the real service would fail; a one-shot fault is taken (consumed) there, a lasting one stays until cleared.
 */

/** Where a fault can be injected for one developer. */
export const FAULT_POINTS = [
  'apply',
  'apply-hang',
  'cluster',
  'deploy',
  'destroy',
  'slack',
  'runner-down',
  'lambda-transient',
  /** The developer's DMs: Slack answers 429, then 500, then invalid_auth until the fault is cleared (a revoked token). */
  'slack-429-500-invalid-auth',
  /** The next image rollout on the developer's cluster never becomes available (ProgressDeadlineExceeded). */
  'rollout-timeout',
  /** No Spot capacity in any of the developer's pools: every Spot apply fails at its deadline until cleared. */
  'spot-capacity',
  /** The next hibernate leaves an instance running: the job's own check fails it. */
  'hibernate',
  /** The next hibernate job reports success but the node group keeps its nodes: only the workflow's check sees it. */
  'hibernate-silent',
  /** The next wake's instances fail to launch (no capacity): no node becomes Ready, and the job times out. */
  'wake',
] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];

export class FaultPlan {
  private readonly armed = new Map<string, Set<FaultPoint>>();
  /** How often each lasting fault has answered, per developer: where in its sequence the next answer is. */
  private readonly answered = new Map<string, number>();
  /**
   * Told each time a fault strikes: a fault waits for the next use of its point, which can be days after it was
   * injected (a developer off on Friday meets Thursday's fault on Monday).
   */
  onStrike: (developer: string, point: FaultPoint) => void = () => {};

  inject(developer: string, point: FaultPoint): void {
    const points = this.armed.get(developer) ?? new Set<FaultPoint>();
    points.add(point);
    this.armed.set(developer, points);
  }

  /** The fault is fixed (the runner is back, the token replaced): what an operator does before a redrive. */
  clear(developer: string, point: FaultPoint): void {
    this.armed.get(developer)?.delete(point);
  }

  has(developer: string, point: FaultPoint): boolean {
    return this.armed.get(developer)?.has(point) ?? false;
  }

  /** A lasting fault that makes its point fail now (a Spot shortage failing a job): true while armed, told as a strike. */
  strikes(developer: string, point: FaultPoint): boolean {
    const armed = this.has(developer, point);
    if (armed) this.onStrike(developer, point);
    return armed;
  }

  /** Consumes a one-shot fault: true the first time it is asked. */
  take(developer: string, point: FaultPoint): boolean {
    const had = this.has(developer, point);
    if (had) {
      this.clear(developer, point);
      this.onStrike(developer, point);
    }
    return had;
  }

  /** For a lasting fault whose answers change (429, then 500, then a refusal): how many times it has answered before. */
  nextAnswer(developer: string, point: FaultPoint): number {
    const key = `${developer}\u0000${point}`;
    const count = this.answered.get(key) ?? 0;
    this.answered.set(key, count + 1);
    this.onStrike(developer, point);
    return count;
  }
}
