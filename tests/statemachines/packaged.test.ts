/**
 * Properties every packaged state machine must have, checked on what `serverless package` produced:
 * Task timeouts, retries on Lambda's transient errors with backoff and jitter, a Catch into the failure path,
 * wait loops driven by the check step, and no reference to a resource that does not exist.
 */
import { taskStates } from '../../cli/rehearsal/packaged';
import { RECONCILE_TICK_MINUTES } from '../../functions/core/plan';
import { packagedStack } from '../support/packaged';

const LAMBDA_TRANSIENT = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];
/** The last step of the failure path fails the execution on purpose (so a redrive restarts there): no Catch. */
const ENDS_OF_FAILURE_PATH = new Set(['FailOrResume']);

type State = Record<string, unknown> & { Type: string };

function allStates(states: Record<string, unknown>): [string, State][] {
  return Object.entries(states).flatMap(([name, raw]) => {
    const state = raw as State;
    const body = (state.ItemProcessor ?? state.Iterator) as { States: Record<string, unknown> } | undefined;
    return [[name, state] as [string, State], ...(body ? allStates(body.States) : [])];
  });
}

function references(node: unknown, found: { getAtt: string[]; ref: string[] } = { getAtt: [], ref: [] }) {
  if (Array.isArray(node)) for (const item of node) references(item, found);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'Fn::GetAtt') found.getAtt.push(Array.isArray(value) ? String(value[0]) : String(value).split('.')[0]!);
      else if (key === 'Ref') found.ref.push(String(value));
      else references(value, found);
    }
  }
  return found;
}

describe('packaged state machines', () => {
  const stack = packagedStack();
  const machines = Object.entries(stack.stateMachines);

  it('packages the reconcile, environment and image-sync machines', () => {
    expect(machines.map(([name]) => name).sort()).toEqual(['environment', 'imageSync', 'reconcile']);
  });

  describe.each(machines)('%s', (_name, { definition }) => {
    const tasks = taskStates(definition);

    it('gives every Task a TimeoutSeconds', () => {
      for (const { name, state } of tasks) expect([name, typeof state.TimeoutSeconds]).toEqual([name, 'number']);
    });

    it("retries every Lambda Task on the Lambda service's transient errors, with backoff and full jitter", () => {
      for (const { name, state } of tasks.filter((task) => String(task.state.Resource).startsWith('arn:aws:lambda:'))) {
        const retries = state.Retry as { ErrorEquals: string[]; BackoffRate?: number; JitterStrategy?: string; MaxAttempts?: number }[];
        const transient = retries.find((retry) => LAMBDA_TRANSIENT.every((error) => retry.ErrorEquals.includes(error)));
        expect([name, Boolean(transient)]).toEqual([name, true]);
        expect([name, transient!.BackoffRate! > 1, transient!.JitterStrategy, transient!.MaxAttempts! >= 2]).toEqual([
          name,
          true,
          'FULL',
          true,
        ]);
      }
    });

    it("catches every error of every Task into a failure path, except the failure path's own end", () => {
      for (const { name, state } of tasks) {
        if (ENDS_OF_FAILURE_PATH.has(name)) continue;
        const catchers = (state.Catch ?? []) as { ErrorEquals: string[]; Next: string }[];
        expect([name, catchers.some((catcher) => catcher.ErrorEquals.includes('States.ALL'))]).toEqual([name, true]);
      }
    });

    it('drives every Wait by the check step (SecondsPath) and loops back through a check', () => {
      const states = Object.fromEntries(allStates(definition.States));
      for (const [name, state] of Object.entries(states)) {
        if (state.Type !== 'Wait') continue;
        expect([name, typeof state.SecondsPath]).toEqual([name, 'string']);
        const next = states[state.Next as string]!;
        expect([name, next.Type]).toEqual([name, 'Task']);
      }
    });

    it('names its states with verbs, and every transition goes to a state that exists', () => {
      const all = allStates(definition.States);
      const names = new Set(all.map(([name]) => name));
      for (const [name, state] of all) {
        expect(name).toMatch(/^[A-Z][a-z]+[A-Za-z]*$/);
        const targets = [
          state.Next,
          state.Default,
          ...((state.Choices as { Next: string }[] | undefined) ?? []).map((c) => c.Next),
          ...((state.Catch as { Next: string }[] | undefined) ?? []).map((c) => c.Next),
        ];
        for (const target of targets.filter(Boolean)) expect([name, names.has(String(target))]).toEqual([name, true]);
      }
    });
  });

  it("gives every Lambda Task a TimeoutSeconds longer than its function's timeout, so Lambda ends a slow call first", () => {
    const timeoutOf = new Map(
      [...stack.functions.values()].map((fn) => {
        const props = stack.template.Resources[fn.logicalId]!.Properties as { Timeout?: number };
        return [fn.arn, props.Timeout] as const;
      }),
    );
    const tasks = machines.flatMap(([machine, { definition }]) => taskStates(definition).map((task) => ({ machine, ...task })));
    const lambdaTasks = tasks.filter(({ state }) => String(state.Resource).startsWith('arn:aws:lambda:'));
    expect(lambdaTasks.length).toBeGreaterThan(10);
    const tooShort = lambdaTasks.flatMap(({ machine, name, state }) => {
      const timeout = timeoutOf.get(String(state.Resource));
      if (typeof timeout !== 'number') return [`${machine}.${name}: no Timeout on ${String(state.Resource)}`];
      return Number(state.TimeoutSeconds) > timeout
        ? []
        : [`${machine}.${name}: Task ${String(state.TimeoutSeconds)} s <= Lambda ${timeout} s`];
    });
    expect(tooShort).toEqual([]);
  });

  it('references only resources that exist in the packaged template (Fn::GetAtt and Ref)', () => {
    const resources = new Set(Object.keys(stack.template.Resources));
    const pseudo = (name: string) => name.startsWith('AWS::');
    const found = references(stack.template.Resources);
    expect(found.getAtt.length).toBeGreaterThan(10);
    expect(found.getAtt.filter((target) => !resources.has(target))).toEqual([]);
    expect(found.ref.filter((target) => !resources.has(target) && !pseudo(target))).toEqual([]);
  });

  it("gives each function its own IAM role (image-sync's two Kubernetes callers share one), with no wildcard action", () => {
    const functions = Object.entries(stack.template.Resources).filter(([, resource]) => resource.Type === 'AWS::Lambda::Function');
    const roles = functions.map(([, fn]) => JSON.stringify((fn.Properties as { Role: unknown }).Role));
    const shared = roles.filter((role) => role.includes('ImageSyncRole'));
    expect(shared).toHaveLength(2);
    expect(new Set(roles).size).toBe(functions.length - 1);
    const statements = Object.values(stack.template.Resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Role')
      .flatMap(
        (role) => (role.Properties as { Policies?: { PolicyDocument: { Statement: { Action: string | string[] }[] } }[] }).Policies ?? [],
      )
      .flatMap((policy) => policy.PolicyDocument.Statement);
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions.length).toBeGreaterThan(10);
    expect(actions.filter((action) => action === '*' || action.endsWith(':*'))).toEqual([]);
  });

  it('runs every function on nodejs22.x', () => {
    const runtimes = Object.values(stack.template.Resources)
      .filter((resource) => resource.Type === 'AWS::Lambda::Function')
      .map((fn) => (fn.Properties as { Runtime: string }).Runtime);
    expect(new Set(runtimes)).toEqual(new Set(['nodejs22.x']));
  });

  it('schedules reconcile every RECONCILE_TICK_MINUTES, the tick core/plan adds to the lead', () => {
    const schedules = Object.values(stack.template.Resources).filter((resource) => resource.Type === 'AWS::Events::Rule');
    const reconcile = schedules.find((rule) => JSON.stringify(rule.Properties?.Targets).includes('ReconcileStateMachine'));
    expect(reconcile?.Properties?.ScheduleExpression).toBe(`rate(${RECONCILE_TICK_MINUTES} minutes)`);
  });

  it('rolls image-sync out in a Distributed Map of child executions read from the plan bucket, allowed to start only its own', () => {
    const stage = stack.stateMachines.imageSync!.definition.States.RollOutAll as unknown as State & {
      ItemProcessor: { ProcessorConfig: unknown };
      ItemReader: { Resource: string; Parameters: Record<string, unknown> };
      ItemBatcher: { MaxItemsPerBatch: number };
    };
    expect(stage.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(stage.MaxConcurrency).toBe(1000);
    expect(stage.ItemReader.Resource).toBe('arn:aws:states:::s3:getObject');
    expect(stage.ItemReader.Parameters).toEqual({ Bucket: stack.buckets.PlanBucket, 'Key.$': '$.ready.key' });
    expect(stage.ItemBatcher.MaxItemsPerBatch).toBe(40);
    const role = stack.template.Resources.ImageSyncStateMachineRole!.Properties as {
      Policies: { PolicyDocument: { Statement: { Action: string[]; Resource: unknown }[] } }[];
    };
    const statements = role.Policies.flatMap((policy) => policy.PolicyDocument.Statement);
    const starts = statements.filter((statement) => statement.Action.some((action) => action.startsWith('states:')));
    expect(JSON.stringify(starts.find((statement) => statement.Action.includes('states:StartExecution'))?.Resource)).toMatch(
      /:stateMachine:turbo-rehearsal-imageSync"/,
    );
    expect(JSON.stringify(starts)).not.toMatch(/stateMachine:\*|execution:\*|"\*"/);
  });

  it("reads reconcile's plan from the plan bucket in batches, which is private, encrypted and expires in a day", () => {
    const start = stack.stateMachines.reconcile!.definition.States.StartEnvironments as unknown as State &
      Record<string, Record<string, unknown>>;
    expect(start.ItemProcessor!.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(start.ItemReader).toEqual({
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { Bucket: stack.buckets.PlanBucket, 'Key.$': '$.plan.key' },
    });
    // 100 items a batch: one child's history stays far below 25,000 events (about 10 per item).
    expect(start.ItemBatcher).toEqual({ MaxItemsPerBatch: 100 });
    const bucket = stack.template.Resources.PlanBucket!.Properties as Record<string, unknown>;
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(JSON.stringify(bucket.BucketEncryption)).toContain('AES256');
    expect(bucket.LifecycleConfiguration).toEqual({ Rules: [{ Id: 'expire-plans', Status: 'Enabled', ExpirationInDays: 1 }] });
    const statementsOf = (role: string) =>
      (
        stack.template.Resources[role]!.Properties as {
          Policies: { PolicyDocument: { Statement: { Action: string[]; Resource: unknown }[] } }[];
        }
      ).Policies.flatMap((policy) => policy.PolicyDocument.Statement);
    const reconcileS3 = statementsOf('ReconcileStateMachineRole').filter((statement) =>
      statement.Action.some((action) => action.startsWith('s3:')),
    );
    expect(reconcileS3.map((statement) => [statement.Action, JSON.stringify(statement.Resource)])).toEqual([
      [['s3:GetObject'], expect.stringContaining('{"bucket":{"Ref":"PlanBucket"}}')],
    ]);
    const planS3 = statementsOf('PlanActionsIamRoleLambdaExecution').filter((statement) =>
      statement.Action.some((action) => action.startsWith('s3:')),
    );
    expect(planS3).toEqual([{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: { 'Fn::Sub': '${PlanBucket.Arn}/reconcile/*' } }]);
    // The environment starts keep their Describe/Stop scope to environment executions (no "*").
    const states = statementsOf('ReconcileStateMachineRole').filter((statement) =>
      statement.Action.some((action) => action.startsWith('states:')),
    );
    expect(JSON.stringify(states)).not.toMatch(/"\*"/);
  });

  it('retries a throttled StartExecution with jittered backoff long enough for a 5,000-start tick', () => {
    const [{ state }] = taskStates(stack.stateMachines.reconcile!.definition).filter(({ name }) => name === 'StartEnvironmentExecution');
    const retry = (state.Retry as { ErrorEquals: string[]; MaxAttempts: number; JitterStrategy: string }[])[0]!;
    expect(retry.ErrorEquals).toEqual(['StepFunctions.ThrottlingException', 'StepFunctions.ExecutionLimitExceededException']);
    expect(retry.JitterStrategy).toBe('FULL');
    expect(retry.MaxAttempts).toBeGreaterThanOrEqual(10);
  });

  it('routes an environment execution that timed out, was aborted or failed to RecordExecutionEnd, and nothing else', () => {
    const rules = Object.values(stack.template.Resources).filter(
      (resource) => resource.Type === 'AWS::Events::Rule' && resource.Properties?.EventPattern,
    );
    const ends = rules.filter((rule) => JSON.stringify(rule.Properties?.Targets).includes('RecordExecutionEndLambdaFunction'));
    expect(ends).toHaveLength(1);
    expect(ends[0]!.Properties?.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [{ Ref: 'EnvironmentStateMachine' }], status: ['TIMED_OUT', 'ABORTED', 'FAILED'] },
    });
  });
});
