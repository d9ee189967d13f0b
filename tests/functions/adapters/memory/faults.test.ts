/** The in-memory cloud's fault plan: a fault waits for its point's next use, and says when it strikes. */
import { FaultPlan } from '../../../../functions/adapters/memory/faults';

describe('FaultPlan', () => {
  it('strikes a one-shot fault once, at its point’s next use, and tells who it struck', () => {
    const plan = new FaultPlan();
    const struck: string[] = [];
    plan.onStrike = (developer, point) => struck.push(`${developer}:${point}`);
    plan.inject('alice', 'deploy');
    expect(struck).toEqual([]);
    expect(plan.take('bob', 'deploy')).toBe(false);
    expect(plan.take('alice', 'apply')).toBe(false);
    expect(plan.take('alice', 'deploy')).toBe(true);
    expect(plan.take('alice', 'deploy')).toBe(false);
    expect(struck).toEqual(['alice:deploy']);
  });

  it('tells each answer of a lasting fault as a strike', () => {
    const plan = new FaultPlan();
    const struck: string[] = [];
    plan.onStrike = (developer) => struck.push(developer);
    plan.inject('carol', 'slack-429-500-invalid-auth');
    expect([0, 1, 2].map(() => plan.nextAnswer('carol', 'slack-429-500-invalid-auth'))).toEqual([0, 1, 2]);
    expect(struck).toEqual(['carol', 'carol', 'carol']);
  });
});
