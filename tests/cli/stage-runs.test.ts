import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetExecutionHistoryCommand, ListExecutionsCommand, type ExecutionListItem, type HistoryEvent } from '@aws-sdk/client-sfn';
import { executionFromHistory } from '../../cli/commands/runs';
import { cells, deployDevStage, ENVIRONMENT_MACHINE, executionArn, sfn, turbo } from './stage-fixtures';

const at = (hhmmss: string) => new Date(`2026-11-24T${hhmmss}Z`);

const item = (name: string, status: ExecutionListItem['status'], start: string, stop?: string): ExecutionListItem => ({
  executionArn: executionArn(name),
  stateMachineArn: ENVIRONMENT_MACHINE,
  name,
  status,
  startDate: at(start),
  ...(stop ? { stopDate: at(stop) } : {}),
});

type Step = [
  state: string,
  kind: 'Task' | 'Wait' | 'Choice' | 'Fail',
  enter: string,
  exit: string,
  lambda?: Array<{ error: string; cause: string } | 'ok'>,
];

/** A history as GetExecutionHistory returns it: the input, each state entered and exited, each Lambda attempt, the end. */
function history(
  input: Record<string, unknown>,
  steps: Step[],
  end: { type: 'ExecutionSucceeded' | 'ExecutionFailed'; at: string; error?: string; cause?: string } | undefined,
): HistoryEvent[] {
  const events: Omit<HistoryEvent, 'id'>[] = [
    { type: 'ExecutionStarted', timestamp: at(steps[0]![2]), executionStartedEventDetails: { input: JSON.stringify(input) } },
  ];
  for (const [name, kind, enter, exit, attempts] of steps) {
    events.push({ type: `${kind}StateEntered`, timestamp: at(enter), stateEnteredEventDetails: { name } });
    for (const attempt of attempts ?? []) {
      events.push({ type: 'LambdaFunctionScheduled', timestamp: at(enter) });
      events.push({ type: 'LambdaFunctionStarted', timestamp: at(enter) });
      events.push(
        attempt === 'ok'
          ? { type: 'LambdaFunctionSucceeded', timestamp: at(exit), lambdaFunctionSucceededEventDetails: { output: '{}' } }
          : { type: 'LambdaFunctionFailed', timestamp: at(exit), lambdaFunctionFailedEventDetails: attempt },
      );
    }
    if (kind !== 'Fail') events.push({ type: `${kind}StateExited`, timestamp: at(exit), stateExitedEventDetails: { name } });
  }
  if (end?.type === 'ExecutionSucceeded')
    events.push({ type: end.type, timestamp: at(end.at), executionSucceededEventDetails: { output: '{}' } });
  if (end?.type === 'ExecutionFailed')
    events.push({ type: end.type, timestamp: at(end.at), executionFailedEventDetails: { error: end.error, cause: end.cause } });
  return events.map((event, index) => ({ id: index + 1, previousEventId: index, ...event }) as HistoryEvent);
}

const throttled = { error: 'Lambda.TooManyRequestsException', cause: 'Rate exceeded' };
const quota = { error: 'Turbo.JobFailed', cause: 'apply job failed: quota exceeded' };

const aliceUp = history(
  { developer: 'alice', action: 'up', runId: 'alice-up-20261124', clusterName: 'turbo-alice', expiresAt: '2026-11-24T18:00:00.000Z' },
  [
    ['ClaimEnvironment', 'Task', '07:35:00', '07:35:01', ['ok']],
    ['ChooseAction', 'Choice', '07:35:01', '07:35:01'],
    ['StartApplyJob', 'Task', '07:35:01', '07:35:03', ['ok']],
    ['WaitForApplyJob', 'Wait', '07:35:03', '07:45:00'],
    // A throttled attempt that the Retry cured: not a failure of the step.
    ['CheckApplyJob', 'Task', '07:45:00', '07:45:03', [throttled, 'ok']],
    ['IsApplyJobDone', 'Choice', '07:45:03', '07:45:03'],
    ['CheckCluster', 'Task', '07:45:03', '07:45:04', ['ok']],
    ['WaitForCluster', 'Wait', '07:45:04', '07:53:00'],
    ['CheckCluster', 'Task', '07:53:00', '07:53:01', ['ok']],
    ['StartDeployJob', 'Task', '07:53:01', '07:53:02', ['ok']],
    ['WaitForDeployJob', 'Wait', '07:53:02', '07:55:00'],
    ['CheckDeployJob', 'Task', '07:55:00', '07:55:01', ['ok']],
    ['MarkReady', 'Task', '07:55:01', '07:55:30', ['ok']],
    ['NotifyReady', 'Task', '07:55:30', '07:56:00', ['ok']],
  ],
  { type: 'ExecutionSucceeded', at: '07:56:00' },
);

const bobUp = history(
  { developer: 'bob', action: 'up', runId: 'bob-up-20261124', clusterName: 'turbo-bob', expiresAt: '2026-11-24T18:00:00.000Z' },
  [
    ['ClaimEnvironment', 'Task', '07:05:00', '07:05:30', ['ok']],
    ['StartApplyJob', 'Task', '07:05:30', '07:05:31', ['ok']],
    ['WaitForApplyJob', 'Wait', '07:05:31', '07:14:00'],
    ['CheckApplyJob', 'Task', '07:14:00', '07:15:00', [quota]],
    ['RecordFailure', 'Task', '07:15:00', '07:15:10', ['ok']],
    ['NotifyFailure', 'Task', '07:15:10', '07:15:20', ['ok']],
    ['FailOrResume', 'Task', '07:15:20', '07:15:30', [quota]],
  ],
  { type: 'ExecutionFailed', at: '07:15:30', ...quota },
);

const carolRunning = history(
  { developer: 'carol', action: 'up', runId: 'carol-up-20261124', clusterName: 'turbo-carol', expiresAt: '2026-11-24T23:00:00.000Z' },
  [
    ['ClaimEnvironment', 'Task', '13:05:00', '13:05:01', ['ok']],
    ['WaitForApplyJob', 'Wait', '13:05:01', '13:06:00'],
  ],
  undefined,
);

const runs = [
  item('carol-up-20261124', 'RUNNING', '13:05:00'),
  item('alice-up-20261124', 'SUCCEEDED', '07:35:00', '07:56:00'),
  item('bob-up-20261124', 'FAILED', '07:05:00', '07:15:30'),
  item('dave-down-20261123', 'SUCCEEDED', '16:00:00', '16:14:00'),
];

beforeEach(() => {
  deployDevStage();
  sfn
    .on(ListExecutionsCommand)
    .resolvesOnce({ executions: runs.slice(0, 2), nextToken: 'more' })
    .resolvesOnce({ executions: runs.slice(2) });
});

describe('turbo runs', () => {
  it('lists the environment machine’s executions from every page, newest first', async () => {
    const result = await turbo(['runs', '--stage', 'dev']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('Latest environment runs of stage "dev" in eu-west-1, newest first');
    expect(cells(lines[2])).toEqual(['name', 'status', 'start (UTC)', 'stop (UTC)']);
    expect(lines.slice(3, 7).map(cells)).toEqual([
      ['carol-up-20261124', 'RUNNING', '2026-11-24 13:05:00', '-'],
      ['alice-up-20261124', 'SUCCEEDED', '2026-11-24 07:35:00', '2026-11-24 07:56:00'],
      ['bob-up-20261124', 'FAILED', '2026-11-24 07:05:00', '2026-11-24 07:15:30'],
      ['dave-down-20261123', 'SUCCEEDED', '2026-11-24 16:00:00', '2026-11-24 16:14:00'],
    ]);
    expect(sfn).toHaveReceivedCommandTimes(ListExecutionsCommand, 2);
    // The paginator reuses one input object: the last page's token is what can be checked.
    const listed = sfn.commandCalls(ListExecutionsCommand)[1]!.args[0].input;
    expect(listed).toMatchObject({ stateMachineArn: ENVIRONMENT_MACHINE, nextToken: 'more' });
    expect(listed.statusFilter).toBeUndefined();
  });

  it('--failed asks Step Functions for failed executions only', async () => {
    const result = await turbo(['runs', '--failed', '--stage', 'dev']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('Latest failed environment runs of stage "dev" in eu-west-1, newest first');
    expect(sfn).toHaveReceivedCommandWith(ListExecutionsCommand, { stateMachineArn: ENVIRONMENT_MACHINE, statusFilter: 'FAILED' });
  });

  it('--limit stops reading pages once it has enough', async () => {
    const result = await turbo(['runs', '--limit', '1', '--stage', 'dev']);
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(4);
    expect(sfn).toHaveReceivedCommandTimes(ListExecutionsCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(ListExecutionsCommand, { maxResults: 1 });
  });

  it('says so when there are none', async () => {
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    const result = await turbo(['runs', '--failed', '--stage', 'dev']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('\nNo failed environment runs.\n');
  });

  it.each([
    [['--limit', '0'], '--limit must be a whole number from 1 to 1000, got "0"'],
    [['--limit', 'all'], '--limit must be a whole number from 1 to 1000, got "all"'],
    [['--report', 'report.pdf'], '--report takes an .html file, got "report.pdf"'],
  ])('%j: usage, exit 2', async (flags, message) => {
    const result = await turbo(['runs', ...flags, '--stage', 'dev']);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(`turbo runs: ${message}`);
    expect(sfn.calls()).toHaveLength(0);
  });
});

describe('turbo runs --report', () => {
  beforeEach(() => {
    // alice's history comes in two pages.
    sfn
      .on(GetExecutionHistoryCommand, { executionArn: executionArn('alice-up-20261124') })
      .resolvesOnce({ events: aliceUp.slice(0, 20), nextToken: 'rest' })
      .resolvesOnce({ events: aliceUp.slice(20) });
    sfn.on(GetExecutionHistoryCommand, { executionArn: executionArn('bob-up-20261124') }).resolves({ events: bobUp });
    sfn.on(GetExecutionHistoryCommand, { executionArn: executionArn('carol-up-20261124') }).resolves({ events: carolRunning });
    sfn.on(GetExecutionHistoryCommand, { executionArn: executionArn('dave-down-20261123') }).resolves({
      events: history(
        { developer: 'dave', action: 'down', runId: 'dave-down-20261123', clusterName: 'turbo-dave', expiresAt: null },
        [
          ['ClaimEnvironment', 'Task', '16:00:00', '16:00:01', ['ok']],
          ['StartDestroyJob', 'Task', '16:00:01', '16:00:02', ['ok']],
          ['WaitForDestroyJob', 'Wait', '16:00:02', '16:13:00'],
          ['NotifyDestroyed', 'Task', '16:13:00', '16:14:00', ['ok']],
        ],
        { type: 'ExecutionSucceeded', at: '16:14:00' },
      ),
    });
  });

  it('writes a self-contained HTML report: one row per run, steps coloured, the failure marked with its reason', async () => {
    const result = await turbo(['runs', '--report', 'out/runs.html', '--stage', 'dev'], {});
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const path = join(result.cwd, 'out', 'runs.html');
    expect(result.stdout).toContain(`\nReport of 4 runs written to ${path}\n`);
    const html = readFileSync(path, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(html).toContain('<title>Turbo dev: 4 environment runs</title>');
    const row = /<div class="row [^"]+" data-developer="([^"]+)" data-result="([a-z]+)">(.*?)<\/div><\/div>(?=<div class="row|<\/div>)/g;
    const rows = [...html.matchAll(row)].map(([, developer, outcome, body]) => ({
      developer,
      outcome,
      steps: [...body!.matchAll(/class="seg [^"]*" data-step="([a-z]+)"/g)].map((match) => match[1]),
      failures: (body!.match(/class="seg [^"]* failed"/g) ?? []).length,
      end: /<div class="end">(.*)$/.exec(body!)?.[1]?.replace(/<span class="t-l">[^<]*<\/span>|<[^>]+>/g, ''),
    }));
    expect(rows).toEqual([
      // The throttled CheckApplyJob attempt was retried and succeeded: no failure mark.
      {
        developer: 'alice up 11-24',
        outcome: 'ready',
        steps: ['claim', 'apply', 'cluster', 'deploy', 'notify'],
        failures: 0,
        end: 'ready 07:55 UTC',
      },
      { developer: 'bob up 11-24', outcome: 'failed', steps: ['claim', 'apply', 'failure'], failures: 2, end: 'failed in Terraform apply' },
      { developer: 'carol up 11-24', outcome: 'running', steps: expect.any(Array), failures: 0, end: 'running' },
      { developer: 'dave down 11-24', outcome: 'destroyed', steps: ['claim', 'destroy', 'notify'], failures: 0, end: 'destroyed' },
    ]);
    expect(html).toContain('<li class="failure"><strong>bob up 11-24</strong> failed: apply job failed: quota exceeded</li>');
    expect(sfn).toHaveReceivedCommandTimes(GetExecutionHistoryCommand, 5);
    expect(sfn).toHaveReceivedCommandWith(GetExecutionHistoryCommand, {
      executionArn: executionArn('alice-up-20261124'),
      nextToken: 'rest',
    });
  });

  it('with --failed, only the failed runs are read and drawn', async () => {
    sfn.on(ListExecutionsCommand).resolves({ executions: [runs[2]!] });
    const result = await turbo(['runs', '--failed', '--report', 'failed.html', '--stage', 'dev']);
    expect(result.code).toBe(0);
    expect(sfn).toHaveReceivedCommandTimes(GetExecutionHistoryCommand, 1);
    const html = readFileSync(join(result.cwd, 'failed.html'), 'utf8');
    expect(html).toContain('data-developer="bob up 11-24" data-result="failed"');
    expect(html).not.toContain('data-developer="alice');
  });

  it('no report is written when the history cannot be read', async () => {
    sfn
      .on(GetExecutionHistoryCommand)
      .rejects(
        Object.assign(new Error('User is not authorized to perform: states:GetExecutionHistory'), { name: 'AccessDeniedException' }),
      );
    const result = await turbo(['runs', '--report', 'runs.html', '--stage', 'dev']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('turbo runs: User is not authorized to perform: states:GetExecutionHistory\n');
    expect(existsSync(join(result.cwd, 'runs.html'))).toBe(false);
  });
});

describe('executionFromHistory', () => {
  it('turns a history into visits: each state entered and exited, failed only when its last attempt failed', () => {
    const execution = executionFromHistory(runs[2]!, bobUp);
    expect(execution).toMatchObject({
      name: 'bob-up-20261124',
      machine: 'environment',
      status: 'FAILED',
      error: 'Turbo.JobFailed',
      cause: 'apply job failed: quota exceeded',
      input: { developer: 'bob' },
    });
    expect(execution.visits.map((visit) => [visit.name, visit.failed?.error ?? null])).toEqual([
      ['ClaimEnvironment', null],
      ['StartApplyJob', null],
      ['WaitForApplyJob', null],
      ['CheckApplyJob', 'Turbo.JobFailed'],
      ['RecordFailure', null],
      ['NotifyFailure', null],
      ['FailOrResume', 'Turbo.JobFailed'],
    ]);
    expect(execution.visits[3]).toMatchObject({ enteredAt: at('07:14:00').getTime(), exitedAt: at('07:15:00').getTime() });
    expect(execution.lambdaInvocations).toBe(6);
    expect(executionFromHistory(runs[1]!, aliceUp).visits.find((visit) => visit.name === 'CheckApplyJob')!.failed).toBeUndefined();
  });

  it('a timed-out or aborted execution counts as failed, with its status as the reason when the history gives none', () => {
    const timedOut = executionFromHistory(item('erin-up-20261124', 'TIMED_OUT', '07:00:00', '08:00:00'), []);
    expect(timedOut).toMatchObject({ status: 'FAILED', cause: 'execution TIMED_OUT' });
  });
});
