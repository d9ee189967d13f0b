/**
 * The operations half of the packaged stack (resources/operations.yml and what resources/operations.ts generates):
 * every alarm the rules call for, on the right resource, to the alert topic; the dead-letter queue and each async
 * function's destination; the dashboard. Checked on `serverless package`'s template, as the stack checks are.
 */
import { METRIC } from '../../functions/core/metrics';
import { loadConfigText } from '../../functions/core/configFile';
import { operationsResources, serverlessShapeOf, MAXIMUM_EVENT_AGE_SECONDS, MAXIMUM_RETRY_ATTEMPTS } from '../../resources/operations';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exampleConfig, packagedStack, root } from '../support/packaged';
import { actionsOf, inlineStatementsOf, type CfnResource, type CfnTemplate, type InlinePolicy } from '../support/cfn';

/** The alarm properties these tests read. */
interface Alarm {
  id: string;
  Namespace: string;
  MetricName: string;
  AlarmName: string;
  AlarmDescription: string;
  TreatMissingData?: string;
  AlarmActions: unknown[];
  OKActions: unknown[];
  Dimensions: { Name: string; Value: unknown }[];
}

const resources = (packagedStack().template as unknown as CfnTemplate).Resources;
const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
const alarms = ofType('AWS::CloudWatch::Alarm').map(([id, resource]) => ({ id, ...resource.Properties }) as Alarm);
const functions = ofType('AWS::Lambda::Function').map(([id, resource]) => ({ id, name: resource.Properties.FunctionName as string }));
const machines = ofType('AWS::StepFunctions::StateMachine').map(([id]) => id);
const dimensionOf = (alarm: (typeof alarms)[number]) => alarm.Dimensions[0].Value;

describe('alarms in the packaged stack', () => {
  it('finds what it checks: 22 functions and 3 state machines', () => {
    expect([functions.length, machines.length]).toEqual([22, 3]);
  });

  it('has an Errors and a Throttles alarm on every function, by its FunctionName', () => {
    for (const fn of functions) {
      const on = alarms
        .filter((alarm) => alarm.Namespace === 'AWS/Lambda' && dimensionOf(alarm) === fn.name)
        .map((alarm) => alarm.MetricName)
        .sort();
      expect([fn.name, on]).toEqual([fn.name, ['Errors', 'Throttles']]);
    }
  });

  it('has a failed, a timed-out and an aborted alarm on every state machine, by its ARN', () => {
    for (const machine of machines) {
      const on = alarms.filter(
        (alarm) =>
          alarm.Namespace === 'AWS/States' &&
          (dimensionOf(alarm) as { Ref?: string } | undefined)?.Ref === machine &&
          alarm.MetricName !== 'ExecutionsSucceeded',
      );
      expect([machine, on.map((alarm) => alarm.MetricName).sort()]).toEqual([
        machine,
        ['ExecutionsAborted', 'ExecutionsFailed', 'ExecutionsTimedOut'],
      ]);
    }
  });

  it('has the heartbeat: fewer than 1 successful reconcile in 3 × 15 minutes, with missing data breaching', () => {
    const heartbeat = alarms.filter((alarm) => alarm.MetricName === 'ExecutionsSucceeded');
    expect(heartbeat).toHaveLength(1);
    expect(heartbeat[0]).toMatchObject({
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: 'ReconcileStateMachine' } }],
      Statistic: 'Sum',
      Period: 900,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('treats missing data as not breaching on every other alarm', () => {
    const others = alarms.filter((alarm) => alarm.MetricName !== 'ExecutionsSucceeded');
    expect(others.filter((alarm) => alarm.TreatMissingData !== 'notBreaching').map((alarm) => alarm.id)).toEqual([]);
  });

  it('alarms on any message in the dead-letter queue, and on the Slack notifier’s failures in the stage’s namespace', () => {
    expect(alarms.filter((alarm) => alarm.Namespace === 'AWS/SQS')).toEqual([
      expect.objectContaining({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['AsyncFailureQueue', 'QueueName'] } }],
        Statistic: 'Maximum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    ]);
    expect(alarms.filter((alarm) => alarm.MetricName === METRIC.slackSendFailures)).toEqual([
      expect.objectContaining({ Namespace: 'Turbo/rehearsal', Dimensions: [{ Name: 'service', Value: 'turbo' }], Threshold: 1 }),
    ]);
  });

  it('sends every alarm and its recovery to the alert topic, with a one-line description of what to do', () => {
    expect(alarms.length).toBe(22 * 2 + 3 * 3 + 1 + 1 + 1);
    for (const alarm of alarms) {
      expect([alarm.id, alarm.AlarmActions, alarm.OKActions]).toEqual([alarm.id, [{ Ref: 'AlertsTopic' }], [{ Ref: 'AlertsTopic' }]]);
      expect([alarm.id, /^[^\n]{30,250}$/.test(alarm.AlarmDescription), /^turbo-rehearsal-[a-z0-9-]+$/.test(alarm.AlarmName)]).toEqual([
        alarm.id,
        true,
        true,
      ]);
    }
    expect(new Set(alarms.map((alarm) => alarm.AlarmName)).size).toBe(alarms.length);
  });
});

describe('the alert topic', () => {
  it('is subscribed to by the config’s addresses: email, never Slack', () => {
    expect(resources.AlertsTopic!.Type).toBe('AWS::SNS::Topic');
    const subscriptions = ofType('AWS::SNS::Subscription').map(([, resource]) => resource.Properties);
    expect(subscriptions).toEqual(
      exampleConfig().alerts.emails.map((email) => ({ TopicArn: { Ref: 'AlertsTopic' }, Protocol: 'email', Endpoint: email })),
    );
  });

  it('takes a pager’s HTTPS endpoint when the config names one, and no subscription when it names none', () => {
    const shape = serverlessShapeOf(readFileSync(join(root, 'serverless.yml'), 'utf8'));
    const generate = (alerts: unknown) =>
      operationsResources({
        service: 'turbo',
        stage: 'prod',
        alerts: loadConfigText(
          readFileSync(join(root, 'turbo.config.example.yml'), 'utf8').replace(
            /^alerts:\n( {2}.*\n)+/m,
            `alerts: ${JSON.stringify(alerts)}\n`,
          ),
        ).alerts,
        shape,
      });
    const subscriptionsOf = (generated: Record<string, CfnResource>) =>
      Object.values(generated)
        .filter((resource) => resource.Type === 'AWS::SNS::Subscription')
        .map((resource) => resource.Properties);
    expect(subscriptionsOf(generate({ emails: [], httpsEndpoint: 'https://pager.example.com/sns' }))).toEqual([
      { TopicArn: { Ref: 'AlertsTopic' }, Protocol: 'https', Endpoint: 'https://pager.example.com/sns' },
    ]);
    expect(subscriptionsOf(generate({}))).toEqual([]);
  });
});

describe('asynchronous invocations and the dead-letter queue', () => {
  const queue = resources.AsyncFailureQueue!;
  const configs = ofType('AWS::Lambda::EventInvokeConfig').map(([, resource]) => resource);

  /** Functions invoked asynchronously: targets of EventBridge rules, and functions another role may InvokeFunction. */
  const asyncTargets = () => {
    const byId = new Map(functions.map((fn) => [fn.id, fn.name]));
    const ruleTargets = ofType('AWS::Events::Rule').flatMap(([, rule]) =>
      (rule.Properties.Targets as { Arn?: { 'Fn::GetAtt'?: string[] } }[])
        .map((target) => target.Arn?.['Fn::GetAtt']?.[0])
        .filter((id): id is string => id !== undefined && byId.has(id))
        .map((id) => byId.get(id)!),
    );
    const granted = ofType('AWS::IAM::Role').flatMap(([, role]) =>
      inlineStatementsOf(role)
        .filter((statement) => actionsOf(statement).includes('lambda:InvokeFunction'))
        .map((statement) => JSON.stringify(statement.Resource)),
    );
    const grantedNames = functions.filter((fn) => granted.some((resource) => resource.includes(`:function:${fn.name}"`)));
    return [...new Set([...ruleTargets, ...grantedNames.map((fn) => fn.name)])].sort();
  };

  it('keeps failed events two weeks, encrypted', () => {
    expect(queue.Type).toBe('AWS::SQS::Queue');
    expect(queue.Properties).toMatchObject({
      QueueName: 'turbo-rehearsal-async-failures',
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1209600,
    });
  });

  it('gives every asynchronously invoked function (recordExecutionEnd, slackWork, weeklyReport) the queue as its on-failure destination', () => {
    expect(asyncTargets()).toEqual(['turbo-rehearsal-recordExecutionEnd', 'turbo-rehearsal-slackWork', 'turbo-rehearsal-weeklyReport']);
    expect(configs.map((config) => config.Properties.FunctionName).sort()).toEqual(asyncTargets());
    for (const config of configs) {
      expect(config.Properties).toMatchObject({
        Qualifier: '$LATEST',
        MaximumEventAgeInSeconds: MAXIMUM_EVENT_AGE_SECONDS,
        MaximumRetryAttempts: MAXIMUM_RETRY_ATTEMPTS,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['AsyncFailureQueue', 'Arn'] } } },
      });
      expect(config.DependsOn!.every((id) => resources[id]?.Type === 'AWS::Lambda::Function')).toBe(true);
    }
  });

  it('lets exactly those functions’ roles send to the queue (a destination is written with the function’s role)', () => {
    const senders = ofType('AWS::IAM::Role')
      .filter(([, role]) => inlineStatementsOf(role).some((statement) => actionsOf(statement).includes('sqs:SendMessage')))
      .map(([id]) => id)
      .sort();
    expect(senders).toEqual([
      'RecordExecutionEndIamRoleLambdaExecution',
      'SlackWorkIamRoleLambdaExecution',
      'WeeklyReportIamRoleLambdaExecution',
    ]);
    const [policy] = resources.SlackWorkIamRoleLambdaExecution!.Properties.Policies as InlinePolicy[];
    const statement = policy!.PolicyDocument.Statement.find((each) => actionsOf(each).includes('sqs:SendMessage'));
    expect(statement!.Resource).toEqual({ 'Fn::GetAtt': ['AsyncFailureQueue', 'Arn'] });
  });
});

describe('the dashboard', () => {
  const template = (resources.OperationsDashboard!.Properties.DashboardBody as { 'Fn::Sub': string })['Fn::Sub'];
  const body = JSON.parse(
    template.replace(
      /\$\{AWS::(Region|AccountId|Partition)\}/g,
      (_, name) => ({ Region: 'eu-west-1', AccountId: '123456789012', Partition: 'aws' })[name as string]!,
    ),
  );
  const widgets = body.widgets as { type: string; properties: { alarms?: string[]; metrics?: unknown[][] } }[];

  it('shows the state of every alarm in the stack', () => {
    const shown = widgets.filter((widget) => widget.type === 'alarm').flatMap((widget) => widget.properties.alarms!);
    expect(shown.sort()).toEqual(alarms.map((alarm) => `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${alarm.AlarmName}`).sort());
  });

  it('graphs every business metric, in the stage’s namespace', () => {
    const graphed = widgets.flatMap((widget) => widget.properties.metrics ?? []).map((metric) => `${metric[0]} ${metric[1]}`);
    expect(new Set(graphed)).toEqual(new Set(Object.values(METRIC).map((name) => `Turbo/rehearsal ${name}`)));
  });

  it('substitutes nothing but the stack’s pseudo parameters', () => {
    expect(template.match(/\$\{[^}]*\}/g)!.every((reference) => /^\$\{AWS::(Region|AccountId|Partition)\}$/.test(reference))).toBe(true);
  });
});
