/**
 * Reconcile through the packaged machine: the plan goes to the plan bucket and comes back through the Distributed
 * Map's ItemReader in batches, every start is tallied, and a tick with no failed start succeeds (it used to fail on
 * an empty JSONPath filter in aws-local-stepfunctions), while a failed start reaches the ops channel.
 */
import { rehearseDay, startRehearsal, tickReconcile, dayWindow } from '../../cli/rehearsal/day';
import type { LocalExecution } from '../../cli/rehearsal/local-sfn';
import { exampleConfig, packagedStack, root } from '../support/packaged';

const DATE = '2026-11-24'; // a Tuesday
const config = exampleConfig();
const stack = packagedStack(config.region);
const reconciles = (executions: Iterable<LocalExecution>) => [...executions].filter((execution) => execution.machine === 'reconcile');

describe('reconcile at every tick', () => {
  it('succeeds on every tick of a clean day, ups and warnings read back from the plan bucket', async () => {
    const day = await rehearseDay({ config, stack, root, date: DATE });
    const ticks = reconciles(day.executions);
    expect(ticks.length).toBeGreaterThan(10);
    expect(ticks.filter((tick) => tick.status !== 'SUCCEEDED').map((tick) => [tick.name, tick.error, tick.cause])).toEqual([]);
    // The ticks with work wrote a plan and ran it as a Map Run of batches; each batch is a child execution.
    const withWork = ticks.filter((tick) => tick.visits.some((visit) => visit.name === 'StartEnvironments'));
    expect(withWork.length).toBeGreaterThan(0);
    expect(day.cloud.plans.objects.size).toBe(withWork.length);
    const batches = day.executions.filter((execution) => execution.machine === 'reconcile/StartEnvironments');
    expect(batches.length).toBeGreaterThanOrEqual(withWork.length);
    expect(batches.every((batch) => batch.status === 'SUCCEEDED')).toBe(true);
    const environments = day.executions.filter((execution) => execution.machine === 'environment');
    expect(environments.length).toBe(config.developers.length * 2);
    expect(day.cloud.outbox.filter((message) => message.to.channel === config.slack.opsChannel)).toEqual([]);
  });

  it('tallies a failed start, starts the others, and tells the ops channel which run failed, once for the day', async () => {
    const window = dayWindow(config, DATE);
    const rehearsal = startRehearsal({ config, stack, root }, window.start);
    const { sfn } = rehearsal;
    const start = sfn.startExecution.bind(sfn);
    sfn.startExecution = (machine, name, input, ...rest) => {
      if (machine === 'environment' && String(input.developer) === 'bob') {
        throw Object.assign(new Error('Invalid execution input'), { name: 'StepFunctions.InvalidExecutionInput' });
      }
      return start(machine, name, input, ...rest);
    };
    try {
      // Run the ticks until bob's up is due (his start fails) and everyone else's up has started.
      for (let at = window.start; at <= window.readyBy; at += 15 * 60_000) {
        await rehearsal.advance(at);
        tickReconcile(sfn);
      }
      await rehearsal.advance(window.readyBy);
    } finally {
      rehearsal.stop();
    }
    const failed = reconciles(sfn.executions.values()).filter((tick) => tick.status === 'FAILED');
    expect(failed.length).toBeGreaterThan(0);
    // aws-local-stepfunctions reports a Fail state as `<Error>: <Cause>`.
    for (const tick of failed) {
      const [error, cause] = tick.cause!.split(/: (.*)/s);
      expect([error, JSON.parse(cause!)]).toEqual([
        'Turbo.StartFailed',
        { count: 1, failed: [expect.stringMatching(/^bob-up-\d{8}: StepFunctions\.InvalidExecutionInput$/)] },
      ]);
    }
    const ops = rehearsal.cloud.outbox.filter((message) => message.to.channel === config.slack.opsChannel);
    // Every tick fails the same way until someone fixes bob's input: ops hears once that day, not once a tick.
    expect(failed.length).toBeGreaterThan(1);
    expect(ops.length).toBe(1);
    expect(ops[0]!.text + JSON.stringify(ops[0]!.blocks)).toContain('bob-up-');
    const started = [...sfn.executions.values()]
      .filter((execution) => execution.machine === 'environment')
      .map((execution) => String(execution.input.developer));
    expect(new Set(started)).toEqual(new Set(config.developers.map((dev) => dev.name).filter((name) => name !== 'bob')));
  });
});
