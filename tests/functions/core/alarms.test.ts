import { alarmRules, evaluateAlarm, type AlarmRule } from '../../../functions/core/alarms';
import type { MetricPoint } from '../../../functions/core/metrics';

const rules = alarmRules({
  stage: 'dev',
  functions: ['planActions', 'slackWork'],
  stateMachines: ['reconcile', 'environment'],
  queues: ['asyncFailureQueue'],
  heartbeat: 'reconcile',
});
const rule = (key: string): AlarmRule => rules.find((each) => each.key === key)!;
const MIN = 60_000;
const START = Date.UTC(2026, 10, 24, 6, 0);
const point = (metric: string, dimensions: Record<string, string>, at: number, value = 1, namespace = 'AWS/States'): MetricPoint => ({
  namespace,
  metric,
  dimensions,
  value,
  at,
});
const reconcile = { StateMachineArn: 'arn:reconcile' };

describe('alarmRules', () => {
  it('gives one rule per function and outcome, per state machine and outcome, the heartbeat, the queue and Slack, with unique keys', () => {
    expect(rules).toHaveLength(2 * 2 + 2 * 3 + 1 + 1 + 1);
    expect(new Set(rules.map((each) => each.key)).size).toBe(rules.length);
    expect(rules.map((each) => each.name)).toContain('environment-executions-timed-out');
  });
});

describe('evaluateAlarm', () => {
  const heartbeat = rule('ReconcileHeartbeat');

  it('the heartbeat stays OK while reconcile succeeds every 15 minutes', () => {
    const points = Array.from({ length: 16 }, (_, index) => point('ExecutionsSucceeded', reconcile, START + index * 15 * MIN + MIN));
    expect(evaluateAlarm(heartbeat, reconcile, points, START, START + 4 * 60 * MIN)).toEqual([]);
  });

  it('the heartbeat fires after three 15-minute periods without a success (missing data breaches)', () => {
    const points = [point('ExecutionsSucceeded', reconcile, START + MIN), point('ExecutionsSucceeded', reconcile, START + 16 * MIN)];
    const transitions = evaluateAlarm(heartbeat, reconcile, points, START, START + 3 * 60 * MIN);
    expect(transitions.map((each) => [each.state, new Date(each.at).toISOString()])).toEqual([['ALARM', '2026-11-24T07:15:00.000Z']]);
    expect(transitions[0]!.reason).toBe('ExecutionsSucceeded Sum per 900 s: [no data, no data, no data], threshold LessThanThreshold 1');
  });

  it('a failed execution fires its alarm for one period, then the alarm is OK again (missing data does not breach)', () => {
    const failed = rule('EnvironmentExecutionsFailed');
    const dims = { StateMachineArn: 'arn:environment' };
    const transitions = evaluateAlarm(failed, dims, [point('ExecutionsFailed', dims, START + 22 * MIN)], START, START + 60 * MIN);
    expect(transitions.map((each) => [each.state, (each.at - START) / MIN])).toEqual([
      ['ALARM', 25],
      ['OK', 30],
    ]);
  });

  it('counts only points with exactly the rule’s dimensions', () => {
    const errors = rule('SlackWorkErrors');
    const mine = { FunctionName: 'turbo-dev-slackWork' };
    const points = [0, 1, 2].map((index) =>
      point('Errors', { FunctionName: 'turbo-dev-planActions' }, START + index * MIN, 1, 'AWS/Lambda'),
    );
    expect(evaluateAlarm(errors, mine, points, START, START + 60 * MIN)).toEqual([]);
    const twoErrors = points.slice(0, 2).map((each) => ({ ...each, dimensions: mine }));
    expect(evaluateAlarm(errors, mine, twoErrors, START, START + 60 * MIN)).toEqual([]);
    expect(
      evaluateAlarm(
        errors,
        mine,
        points.map((each) => ({ ...each, dimensions: mine })),
        START,
        START + 60 * MIN,
      ).map((each) => each.state),
    ).toEqual(['ALARM', 'OK']);
  });

  it('the dead-letter alarm takes the queue depth’s maximum: any message is too many', () => {
    const queue = rule('AsyncFailureQueueMessages');
    const dims = { QueueName: 'turbo-dev-async-failures' };
    const depth = (at: number, value: number) => point('ApproximateNumberOfMessagesVisible', dims, at, value, 'AWS/SQS');
    expect(
      evaluateAlarm(queue, dims, [depth(START + 2 * MIN, 0), depth(START + 7 * MIN, 1)], START, START + 15 * MIN).map((each) => [
        each.state,
        (each.at - START) / MIN,
      ]),
    ).toEqual([
      ['ALARM', 10],
      ['OK', 15],
    ]);
  });
});
