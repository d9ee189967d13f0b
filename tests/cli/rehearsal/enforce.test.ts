/**
 * IAM enforced by execution in the rehearsal: every AWS call a handler makes through the in-memory cloud is judged
 * against its own function's role in the packaged template, and every service integration against its machine's
 * role. A copy of the template with one statement removed shows the call fail as AccessDenied, naming who, what and
 * where; the packaged template as it is refuses nothing, and every call is attributed to the function making it.
 */
import { rehearseDay } from '../../../cli/rehearsal/day';
import { asOperator, currentInvocation, LocalStepFunctions, VirtualClock } from '../../../cli/rehearsal/local-sfn';
import { roleOf, type Template } from '../../../cli/rehearsal/iam';
import { describeDenied, unreadIamFindings } from '../../../cli/rehearsal/enforce';
import type { PackagedStack } from '../../../cli/rehearsal/packaged';
import { exampleConfig, packagedStack, root } from '../../support/packaged';

const DATE = '2026-11-24'; // a Tuesday
const config = exampleConfig();
const stack = packagedStack(config.region);
const ACCOUNT = '123456789012';

type Statement = { Action?: string | string[]; Resource?: unknown };
type Role = { Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] } };

/** The stack with one role's statements that grant `action` removed (on a copy of the template). */
function without(roleId: string, action: string): PackagedStack {
  const template = structuredClone(stack.template) as unknown as Template;
  const role = template.Resources[roleId] as unknown as Role;
  let removed = 0;
  for (const policy of role.Properties.Policies) {
    const kept = policy.PolicyDocument.Statement.filter((statement) => ![statement.Action].flat().includes(action));
    removed += policy.PolicyDocument.Statement.length - kept.length;
    policy.PolicyDocument.Statement = kept;
  }
  if (removed === 0) throw new Error(`role ${roleId} has no statement granting ${action}`);
  return { ...stack, template: template as unknown as PackagedStack['template'] };
}

const silent = () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
};
beforeAll(silent);

describe('IAM enforced by execution', () => {
  it('a normal day refuses nothing, and every AWS call is made by a function the rehearsal knows', async () => {
    const day = await rehearseDay({ config, stack, root, date: DATE });
    expect(day.iam.denied).toEqual([]);
    expect(day.iam.unattributed).toEqual([]);
    expect(day.executions.filter((execution) => execution.status === 'FAILED')).toEqual([]);
  });

  it('a function whose role lost a statement fails as AWS fails: AccessDenied, naming the function, action and resource', async () => {
    const startJobRole = roleOf(stack.template as unknown as Template, 'startJob');
    const day = await rehearseDay({ config, stack: without(startJobRole, 'codebuild:StartBuild'), root, date: DATE, until: 'ready' });
    const project = `arn:aws:codebuild:${config.region}:${ACCOUNT}:project/${config.runner.codebuild.terraformProject}-rehearsal`;
    expect(day.iam.denied.length).toBeGreaterThan(0);
    expect(day.iam.denied[0]).toEqual(
      expect.objectContaining({
        principal: 'turbo-rehearsal-startJob',
        action: 'codebuild:StartBuild',
        resource: project,
        execution: expect.stringMatching(/:execution:turbo-rehearsal-environment:\w+-(up|down)-20261124$/),
      }),
    );
    // What `turbo rehearse`, the fault matrix and the soak print for it.
    expect(describeDenied(day.iam.denied[0]!)).toMatch(
      new RegExp(
        `^AccessDenied: turbo-rehearsal-startJob may not codebuild:StartBuild on ${project} \\(no statement allows it, in \\w+-(up|down)-20261124\\)$`,
      ),
    );
    // The workflow behaves as on AWS: every run fails through its failure path, and each developer's record says why.
    const runs = day.executions.filter((execution) => execution.machine === 'environment');
    expect(runs.map((execution) => execution.status)).toEqual(runs.map(() => 'FAILED'));
    expect(runs.map((execution) => execution.cause)).toEqual(
      runs.map(() => expect.stringMatching(/AccessDeniedException.*is not authorized to perform: codebuild:StartBuild/)),
    );
    for (const dev of config.developers) {
      expect([dev.name, day.cloud.records.get(dev.name)?.status]).toEqual([dev.name, 'failed']);
      expect(day.cloud.records.get(dev.name)?.lastError).toMatch(/is not authorized to perform: codebuild:StartBuild on resource/);
    }
  });

  it("a state machine whose role lost lambda:InvokeFunction fails the Task with the Lambda service's error", async () => {
    const day = await rehearseDay({
      config,
      stack: without('EnvironmentStateMachineRole', 'lambda:InvokeFunction'),
      root,
      date: DATE,
      until: 'ready',
    });
    expect(day.iam.denied[0]).toEqual(
      expect.objectContaining({
        principal: 'turbo-rehearsal-environment',
        action: 'lambda:InvokeFunction',
        resource: `arn:aws:lambda:${config.region}:${ACCOUNT}:function:turbo-rehearsal-claimEnvironment`,
        execution: expect.stringMatching(/:execution:turbo-rehearsal-environment:/),
      }),
    );
    const environments = day.executions.filter((execution) => execution.machine === 'environment');
    expect(environments.length).toBeGreaterThan(0);
    // Its failure path invokes functions too, so the run ends with the Lambda service's error as its cause.
    expect(environments.map((execution) => [execution.status, execution.cause])).toEqual(
      environments.map(() => [
        'FAILED',
        expect.stringMatching(/^Lambda\.AWSLambdaException: .*is not authorized to perform: lambda:InvokeFunction/),
      ]),
    );
  });

  it("reconcile's role without states:StartExecution starts no environment run", async () => {
    const day = await rehearseDay({
      config,
      stack: without('ReconcileStateMachineRole', 'states:StartExecution'),
      root,
      date: DATE,
      until: 'ready',
    });
    expect(day.iam.denied.map((denied) => [denied.principal, denied.action])).toContainEqual([
      'turbo-rehearsal-reconcile',
      'states:StartExecution',
    ]);
    expect(day.executions.filter((execution) => execution.machine === 'environment')).toEqual([]);
  });

  it("a denial a test does not look at is still found: the tests' setup fails the test that left it", async () => {
    await rehearseDay({ config, stack: without('ReconcileStateMachineRole', 'states:StartExecution'), root, date: DATE, until: 'ready' });
    const findings = unreadIamFindings();
    expect(findings.length).toBeGreaterThan(0);
    expect(findings[0]).toMatch(/^AccessDenied: turbo-rehearsal-reconcile may not states:StartExecution on arn:aws:states:/);
    expect(unreadIamFindings()).toEqual([]);
  });

  it("the invocation a port call comes from holds across the virtual clock's timers (a retry's backoff)", async () => {
    const clock = new VirtualClock(new Date('2026-11-24T06:00:00Z'));
    try {
      const sfn = new LocalStepFunctions({ stack, root });
      const seen: (string | undefined)[] = [];
      void sfn.invokeAs('startJob', async () => {
        seen.push(currentInvocation()?.functionName);
        await new Promise((resolve) => setTimeout(resolve, 30_000));
        seen.push(currentInvocation()?.functionName);
        setTimeout(() => seen.push(currentInvocation()?.functionName), 1_000);
      });
      asOperator(() => setTimeout(() => seen.push(currentInvocation()?.functionName), 60_000));
      setTimeout(() => seen.push(currentInvocation()?.functionName ?? 'nobody'), 90_000);
      await clock.runUntil(Date.now() + 120_000, () => ({ running: 0, inFlight: 0 }));
      expect(seen).toEqual(['turbo-rehearsal-startJob', 'turbo-rehearsal-startJob', 'turbo-rehearsal-startJob', 'operator', 'nobody']);
    } finally {
      clock.uninstall();
    }
  });
});
