/**
 * The stage's CloudWatch alarms as data: the one definition that the packaged template's AWS::CloudWatch::Alarm
 * resources are generated from (resources/operations.ts) and that the rehearsal evaluates on the metrics its
 * in-memory cloud recorded. Missing data is a decision per alarm: silence is trouble only for the heartbeat.
 */
import { METRIC, metricsNamespace, SERVICE_DIMENSION, type MetricPoint } from './metrics';

/** What a dimension's value is: a resource of the stack (resolved by the template or by the rehearsal) or text. */
export type DimensionTarget = { function: string } | { stateMachine: string } | { queue: string } | { text: string };

export interface AlarmRule {
  /** PascalCase, unique: the alarm's CloudFormation logical ID is `${key}Alarm`. */
  key: string;
  /** The alarm's name after `turbo-<stage>-`. */
  name: string;
  /** One line: what it means and what to do. */
  description: string;
  namespace: string;
  metric: string;
  dimensions: Record<string, DimensionTarget>;
  statistic: 'Sum' | 'Maximum';
  periodSeconds: number;
  evaluationPeriods: number;
  threshold: number;
  comparison: 'GreaterThanOrEqualToThreshold' | 'GreaterThanThreshold' | 'LessThanThreshold';
  treatMissingData: 'breaching' | 'notBreaching';
}

/** What of the stack the alarms watch: serverless.yml's function and state machine keys, and the queues. */
export interface StackShape {
  stage: string;
  functions: string[];
  stateMachines: string[];
  /** Dead-letter queues, by the key the stack names them with. */
  queues: string[];
  /** The state machine whose successful runs are the heartbeat. */
  heartbeat: string;
}

/** The heartbeat's window: reconcile runs every 15 minutes, so three quiet periods in a row mean it stopped. */
export const HEARTBEAT = { periodSeconds: 900, evaluationPeriods: 3 } as const;

const pascal = (key: string) => key.charAt(0).toUpperCase() + key.slice(1);
const kebab = (key: string) => key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

const quiet = { treatMissingData: 'notBreaching', statistic: 'Sum', comparison: 'GreaterThanOrEqualToThreshold', threshold: 1 } as const;

const EXECUTION_OUTCOMES = [
  {
    metric: 'ExecutionsFailed',
    what: 'failed',
    todo: 'open the failed execution in the console (or `turbo runs --failed`), fix the cause, then `turbo redrive <run>`',
  },
  {
    metric: 'ExecutionsTimedOut',
    what: 'timed out',
    todo: 'find the step that hung in the execution history (a job or cluster that never finished), then `turbo redrive <run>`',
  },
  {
    metric: 'ExecutionsAborted',
    what: 'was stopped',
    todo: 'someone or something stopped it: check CloudTrail StopExecution, then redrive or let reconcile start it again',
  },
] as const;

export function alarmRules(shape: StackShape): AlarmRule[] {
  const stateMachineRules = shape.stateMachines.flatMap((machine) =>
    EXECUTION_OUTCOMES.map(
      ({ metric, what, todo }): AlarmRule => ({
        ...quiet,
        key: `${pascal(machine)}${metric}`,
        name: `${kebab(machine)}-${kebab(metric).slice(1)}`,
        description: `${/^[aeiou]/.test(machine) ? 'An' : 'A'} ${machine} execution ${what}: ${todo}.`,
        namespace: 'AWS/States',
        metric,
        dimensions: { StateMachineArn: { stateMachine: machine } },
        periodSeconds: 300,
        evaluationPeriods: 1,
      }),
    ),
  );
  const functionRules = shape.functions.flatMap((fn): AlarmRule[] => [
    {
      ...quiet,
      key: `${pascal(fn)}Errors`,
      name: `${kebab(fn)}-errors`,
      // A lone transient error is retried by the state machine; three in 15 minutes are not a blip.
      description: `${fn} failed 3 or more times in 15 minutes: read its log group /aws/lambda/turbo-${shape.stage}-${fn} for the error and fix the cause.`,
      namespace: 'AWS/Lambda',
      metric: 'Errors',
      dimensions: { FunctionName: { function: fn } },
      periodSeconds: 900,
      evaluationPeriods: 1,
      threshold: 3,
    },
    {
      ...quiet,
      key: `${pascal(fn)}Throttles`,
      name: `${kebab(fn)}-throttles`,
      description: `${fn} was throttled: the account's Lambda concurrency is exhausted; raise the quota or find what else uses it.`,
      namespace: 'AWS/Lambda',
      metric: 'Throttles',
      dimensions: { FunctionName: { function: fn } },
      periodSeconds: 300,
      evaluationPeriods: 1,
    },
  ]);
  const heartbeat: AlarmRule = {
    key: 'ReconcileHeartbeat',
    name: 'reconcile-heartbeat',
    description: `No ${shape.heartbeat} succeeded in 45 minutes, so nobody gets a cluster: check that its schedule is enabled and why its last runs failed.`,
    namespace: 'AWS/States',
    metric: 'ExecutionsSucceeded',
    dimensions: { StateMachineArn: { stateMachine: shape.heartbeat } },
    statistic: 'Sum',
    ...HEARTBEAT,
    threshold: 1,
    comparison: 'LessThanThreshold',
    // Silence is the failure this alarm exists for: no data at all is as bad as no success.
    treatMissingData: 'breaching',
  };
  const queueRules = shape.queues.map(
    (queue): AlarmRule => ({
      ...quiet,
      key: `${pascal(queue)}Messages`,
      name: `${kebab(queue)}-messages`,
      description:
        'Asynchronous work failed for good and waits in the dead-letter queue: `turbo dlq` shows it, fix the cause, then `turbo dlq --redrive`.',
      namespace: 'AWS/SQS',
      metric: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: { queue } },
      statistic: 'Maximum',
      periodSeconds: 300,
      evaluationPeriods: 1,
      threshold: 0,
      comparison: 'GreaterThanThreshold',
    }),
  );
  const slack: AlarmRule = {
    ...quiet,
    key: 'SlackSendFailures',
    name: 'slack-send-failures',
    description:
      "Turbo could not deliver Slack messages, so developers and ops miss them: check the bot token in SSM and Slack's status page.",
    namespace: metricsNamespace(shape.stage),
    metric: METRIC.slackSendFailures,
    dimensions: { service: { text: SERVICE_DIMENSION.service } },
    periodSeconds: 300,
    evaluationPeriods: 1,
  };
  return [...stateMachineRules, ...functionRules, heartbeat, ...queueRules, slack];
}

export type AlarmState = 'OK' | 'ALARM';

export interface AlarmTransition {
  key: string;
  name: string;
  state: AlarmState;
  /** Epoch milliseconds: the end of the period that decided it. */
  at: number;
  reason: string;
}

const breaches = (rule: AlarmRule, value: number) =>
  rule.comparison === 'LessThanThreshold'
    ? value < rule.threshold
    : rule.comparison === 'GreaterThanThreshold'
      ? value > rule.threshold
      : value >= rule.threshold;

/**
 * CloudWatch's evaluation, period by period, from `from` to `to` (epoch ms): an alarm goes to ALARM when all of
 * its last `evaluationPeriods` periods breach (a period without data counts as its treatMissingData says), and back
 * to OK when they do not. Every alarm starts OK; only windows that lie wholly after `from` are evaluated.
 * `dimensions` are the rule's, resolved to the values the points carry.
 */
export function evaluateAlarm(
  rule: AlarmRule,
  dimensions: Record<string, string>,
  points: MetricPoint[],
  from: number,
  to: number,
): AlarmTransition[] {
  const period = rule.periodSeconds * 1000;
  const matching = points.filter(
    (point) =>
      point.namespace === rule.namespace &&
      point.metric === rule.metric &&
      Object.keys(point.dimensions).length === Object.keys(dimensions).length &&
      Object.entries(dimensions).every(([name, value]) => point.dimensions[name] === value),
  );
  const bucketOf = (at: number) => Math.floor(at / period);
  const buckets = new Map<number, number[]>();
  for (const point of matching) buckets.set(bucketOf(point.at), [...(buckets.get(bucketOf(point.at)) ?? []), point.value]);
  const verdict = (bucket: number): { breach: boolean; value?: number } => {
    const values = buckets.get(bucket);
    if (!values) return { breach: rule.treatMissingData === 'breaching' };
    const value = rule.statistic === 'Sum' ? values.reduce((sum, each) => sum + each, 0) : Math.max(...values);
    return { breach: breaches(rule, value), value };
  };
  const transitions: AlarmTransition[] = [];
  let state: AlarmState = 'OK';
  const first = Math.ceil(from / period) + rule.evaluationPeriods;
  for (let end = first; end * period <= to; end++) {
    const window = Array.from({ length: rule.evaluationPeriods }, (_, index) => verdict(end - rule.evaluationPeriods + index));
    const next: AlarmState = window.every((each) => each.breach) ? 'ALARM' : 'OK';
    if (next === state) continue;
    state = next;
    const values = window.map((each) => (each.value === undefined ? 'no data' : String(each.value))).join(', ');
    transitions.push({
      key: rule.key,
      name: rule.name,
      state,
      at: end * period,
      reason: `${rule.metric} ${rule.statistic} per ${rule.periodSeconds} s: [${values}], threshold ${rule.comparison} ${rule.threshold}`,
    });
  }
  return transitions;
}
