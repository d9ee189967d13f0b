/**
 * The generated half of the stage's operations resources (the static half is resources/operations.yml: the alert
 * topic and the dead-letter queue): the topic's subscriptions from the config, one CloudWatch alarm per rule of
 * functions/core/alarms.ts, the on-failure destination of every asynchronously invoked function, and the dashboard.
 * serverless-config.cjs calls it at package time with what serverless.yml declares.
 */
import { parse } from 'yaml';
import { alarmRules, type AlarmRule, type DimensionTarget, type StackShape } from '../functions/core/alarms';
import { METRIC, metricsNamespace, SERVICE_DIMENSION } from '../functions/core/metrics';
import type { TurboConfig } from '../functions/core/config';

export const TOPIC = 'AlertsTopic';
export const DEAD_LETTER_QUEUE = 'AsyncFailureQueue';
export const DASHBOARD = 'OperationsDashboard';
/** The dead-letter queue's key in the alarm rules (`AsyncFailureQueueMessagesAlarm`). */
const QUEUE_KEY = 'asyncFailureQueue';

/** An async event older than this is not worth doing any more (a `/turbo up` an hour late): it goes to the queue. */
export const MAXIMUM_EVENT_AGE_SECONDS = 3600;
/** Lambda's own retries of a failed asynchronous invocation, before the event goes to the queue. */
export const MAXIMUM_RETRY_ATTEMPTS = 2;

/** Functions invoked with InvocationType Event by another function's code (slackInteraction hands work to slackWork). */
const INVOKED_ASYNCHRONOUSLY = ['slackWork'];
/** Event sources that invoke a Lambda asynchronously (EventBridge rules, SNS, S3), as serverless.yml names them. */
const ASYNC_EVENTS = new Set(['schedule', 'eventBridge', 'sns', 's3', 'cloudwatchEvent']);

export interface ServerlessShape {
  functions: string[];
  /** State machine key (as in serverless.yml) to its logical ID (`id:`). */
  stateMachines: Record<string, string>;
  /** Functions that run on asynchronous invocations and so need an on-failure destination. */
  asyncFunctions: string[];
}

/** What serverless.yml declares, read from its text (CloudFormation tags such as !GetAtt are left unresolved). */
export function serverlessShapeOf(text: string): ServerlessShape {
  const doc = parse(text, { logLevel: 'silent' }) as {
    functions: Record<string, { events?: Record<string, unknown>[] }>;
    stepFunctions: { stateMachines: Record<string, { id: string }> };
  };
  const functions = Object.keys(doc.functions);
  const fromEvents = functions.filter((fn) =>
    (doc.functions[fn]!.events ?? []).some((event) => Object.keys(event).some((kind) => ASYNC_EVENTS.has(kind))),
  );
  const asyncFunctions = functions.filter((fn) => INVOKED_ASYNCHRONOUSLY.includes(fn) || fromEvents.includes(fn));
  const stateMachines = Object.fromEntries(Object.entries(doc.stepFunctions.stateMachines).map(([key, machine]) => [key, machine.id]));
  return { functions, stateMachines, asyncFunctions };
}

export function stackShape(stage: string, shape: ServerlessShape): StackShape {
  return {
    stage,
    functions: shape.functions,
    stateMachines: Object.keys(shape.stateMachines),
    queues: [QUEUE_KEY],
    heartbeat: 'reconcile',
  };
}

/** serverless' default function name, and its Lambda function's logical ID. */
const functionName = (service: string, stage: string, fn: string) => `${service}-${stage}-${fn}`;
const functionLogicalId = (fn: string) =>
  `${fn.charAt(0).toUpperCase()}${fn.slice(1).replace(/-/g, 'Dash').replace(/_/g, 'Underscore')}LambdaFunction`;
export const alarmLogicalId = (rule: AlarmRule) => `${rule.key}Alarm`;

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };

export interface OperationsInput {
  service: string;
  stage: string;
  alerts: TurboConfig['alerts'];
  shape: ServerlessShape;
}

export function operationsResources({ service, stage, alerts, shape }: OperationsInput): Record<string, Resource> {
  const rules = alarmRules(stackShape(stage, shape));
  const dimension = (target: DimensionTarget): unknown => {
    if ('function' in target) return functionName(service, stage, target.function);
    if ('stateMachine' in target) return { Ref: shape.stateMachines[target.stateMachine] };
    if ('queue' in target) return { 'Fn::GetAtt': [DEAD_LETTER_QUEUE, 'QueueName'] };
    return target.text;
  };
  const resources: Record<string, Resource> = {};
  alerts.emails.forEach((email, index) => {
    resources[`${TOPIC}Email${index + 1}`] = {
      Type: 'AWS::SNS::Subscription',
      Properties: { TopicArn: { Ref: TOPIC }, Protocol: 'email', Endpoint: email },
    };
  });
  if (alerts.httpsEndpoint) {
    resources[`${TOPIC}Pager`] = {
      Type: 'AWS::SNS::Subscription',
      Properties: { TopicArn: { Ref: TOPIC }, Protocol: 'https', Endpoint: alerts.httpsEndpoint },
    };
  }
  for (const rule of rules) {
    resources[alarmLogicalId(rule)] = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: `${service}-${stage}-${rule.name}`,
        AlarmDescription: rule.description,
        Namespace: rule.namespace,
        MetricName: rule.metric,
        Dimensions: Object.entries(rule.dimensions).map(([Name, target]) => ({ Name, Value: dimension(target) })),
        Statistic: rule.statistic,
        Period: rule.periodSeconds,
        EvaluationPeriods: rule.evaluationPeriods,
        DatapointsToAlarm: rule.evaluationPeriods,
        Threshold: rule.threshold,
        ComparisonOperator: rule.comparison,
        TreatMissingData: rule.treatMissingData,
        AlarmActions: [{ Ref: TOPIC }],
        OKActions: [{ Ref: TOPIC }],
      },
    };
  }
  for (const fn of shape.asyncFunctions) {
    resources[`${functionLogicalId(fn)}EventInvokeConfig`] = {
      Type: 'AWS::Lambda::EventInvokeConfig',
      DependsOn: [functionLogicalId(fn)],
      Properties: {
        FunctionName: functionName(service, stage, fn),
        Qualifier: '$LATEST',
        MaximumEventAgeInSeconds: MAXIMUM_EVENT_AGE_SECONDS,
        MaximumRetryAttempts: MAXIMUM_RETRY_ATTEMPTS,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [DEAD_LETTER_QUEUE, 'Arn'] } } },
      },
    };
  }
  resources[DASHBOARD] = {
    Type: 'AWS::CloudWatch::Dashboard',
    Properties: {
      DashboardName: `${service}-${stage}`,
      DashboardBody: { 'Fn::Sub': JSON.stringify(dashboardBody(service, stage, rules)) },
    },
  };
  return resources;
}

/** The dashboard: every alarm's state on top, then the business metrics (per day where a day is the unit). */
export function dashboardBody(service: string, stage: string, rules: AlarmRule[]) {
  const namespace = metricsNamespace(stage);
  const turbo = (metric: string, stat: string, extra: string[] = []) => [
    namespace,
    metric,
    'service',
    SERVICE_DIMENSION.service,
    ...extra,
    { stat },
  ];
  const DAY = 86400;
  const graph = (title: string, metrics: unknown[], period: number, y: number, x: number, view = 'timeSeries') => ({
    type: 'metric',
    x,
    y,
    width: 12,
    height: 6,
    properties: { title, metrics, period, view, region: '${AWS::Region}', stacked: false },
  });
  return {
    widgets: [
      {
        type: 'alarm',
        x: 0,
        y: 0,
        width: 24,
        height: 8,
        properties: {
          title: 'Alarms',
          alarms: rules.map(
            (rule) => `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:${service}-${stage}-${rule.name}`,
          ),
          sortBy: 'stateUpdatedTimestamp',
        },
      },
      graph(
        'Clusters per day: ready on time, late, failed',
        [METRIC.clustersReadyOnTime, METRIC.clustersReadyLate, METRIC.clustersFailed].map((metric) => turbo(metric, 'Sum')),
        DAY,
        8,
        0,
        'bar',
      ),
      graph(
        'Minutes from start to ready, and per step',
        [
          turbo(METRIC.minutesToReady, 'Average'),
          ...['apply', 'deploy', 'destroy'].map((step) => [
            namespace,
            METRIC.stepMinutes,
            'service',
            SERVICE_DIMENSION.service,
            'step',
            step,
            { stat: 'Average' },
          ]),
        ],
        3600,
        8,
        12,
      ),
      graph('Redrives per day', [turbo(METRIC.redrives, 'Sum')], DAY, 14, 0, 'bar'),
      graph(
        'Rollouts per push, and minutes to roll them',
        [turbo(METRIC.rolloutsPerPush, 'Average'), turbo(METRIC.rolloutMinutes, 'Maximum')],
        3600,
        14,
        12,
      ),
      graph('Cost per developer-day (USD, weekly report)', [turbo(METRIC.costPerDeveloperDay, 'Average')], 7 * DAY, 20, 0),
      graph(
        'Slack messages sent and failed',
        [turbo(METRIC.slackMessagesSent, 'Sum'), turbo(METRIC.slackSendFailures, 'Sum')],
        3600,
        20,
        12,
      ),
    ],
  };
}
