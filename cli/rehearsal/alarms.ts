/**
 * CloudWatch in a rehearsal: the metrics the Lambda and Step Functions services would publish (errors, throttles,
 * execution outcomes) join the ones the handlers emit, and the stack's alarm rules (functions/core/alarms.ts, the
 * same ones the template's alarms are generated from) are evaluated on them. An alarm that fires is published to
 * the in-memory alert topic, which does not go through Slack.
 */
import { alarmRules, evaluateAlarm, type AlarmTransition, type DimensionTarget } from '../../functions/core/alarms';
import { pointsOfEmf } from '../../functions/core/metrics';
import type { MemoryCloud } from '../../functions/adapters/memory/cloud';
import { observeMetrics } from '../../functions/handlers/lib/metrics';
import type { LocalExecution } from './local-sfn';
import type { PackagedStack } from './packaged';

/** The packaged stack's names: `turbo-<stage>-<key>` for functions, state machines and the queue. */
function stackNames(stack: PackagedStack) {
  const reconcile = stack.stateMachines.reconcile!.name;
  const prefix = reconcile.slice(0, -'reconcile'.length);
  const stage = prefix.slice('turbo-'.length, -1);
  const functions = [...stack.functions.values()].map((fn) => fn.name.slice(prefix.length));
  return { prefix, stage, functions };
}

export function rehearsalAlarmRules(stack: PackagedStack) {
  const { prefix, stage, functions } = stackNames(stack);
  const rules = alarmRules({
    stage,
    functions,
    stateMachines: Object.keys(stack.stateMachines),
    queues: ['asyncFailureQueue'],
    heartbeat: 'reconcile',
  });
  const resolve = (target: DimensionTarget): string => {
    if ('function' in target) return `${prefix}${target.function}`;
    if ('stateMachine' in target) return stack.stateMachines[target.stateMachine]!.arn;
    if ('queue' in target) return `${prefix}async-failures`;
    return target.text;
  };
  return { rules, resolve, topic: `${prefix}alerts` };
}

const isThrottle = (error: unknown) => (error as { name?: string } | undefined)?.name === 'Lambda.TooManyRequestsException';

/** Starts recording: handler metrics (EMF), and what the Lambda and Step Functions services would count. */
export function recordMetrics(cloud: MemoryCloud, stack: PackagedStack) {
  observeMetrics((emf) => cloud.metricPoints.push(...pointsOfEmf(emf)));
  const point = (namespace: string, metric: string, dimensions: Record<string, string>) =>
    cloud.metricPoints.push({ namespace, metric, dimensions, value: 1, at: Date.now() });
  return {
    onInvoked: (functionName: string, error?: unknown) => {
      if (error !== undefined) point('AWS/Lambda', isThrottle(error) ? 'Throttles' : 'Errors', { FunctionName: functionName });
    },
    onExecutionEnded: (execution: LocalExecution) => {
      // A Distributed Map's child executions count in its Map Run's metrics, not in a state machine's.
      const machine = stack.stateMachines[execution.machine];
      if (!machine) return;
      const metric =
        execution.status === 'SUCCEEDED'
          ? 'ExecutionsSucceeded'
          : execution.error === 'States.Timeout'
            ? 'ExecutionsTimedOut'
            : 'ExecutionsFailed';
      point('AWS/States', metric, { StateMachineArn: machine.arn });
    },
    stop: () => observeMetrics(undefined),
  };
}

/** Evaluates every alarm over [from, to]; each change to ALARM (and back to OK) is published to the alert topic. */
export function evaluateRehearsalAlarms(cloud: MemoryCloud, stack: PackagedStack, from: number, to: number): AlarmTransition[] {
  const { rules, resolve, topic } = rehearsalAlarmRules(stack);
  const transitions = rules
    .flatMap((rule) => {
      const dimensions = Object.fromEntries(Object.entries(rule.dimensions).map(([name, target]) => [name, resolve(target)]));
      return evaluateAlarm(rule, dimensions, cloud.metricPoints, from, to).map((transition) => ({ transition, rule }));
    })
    .sort((a, b) => a.transition.at - b.transition.at);
  for (const { transition, rule } of transitions) {
    cloud.alertOutbox.push({
      at: new Date(transition.at).toISOString(),
      topic,
      subject: `${transition.state}: "${topic.slice(0, -'alerts'.length)}${rule.name}"`,
      message: `${rule.description}\n${transition.reason}`,
    });
  }
  return transitions.map(({ transition }) => transition);
}
