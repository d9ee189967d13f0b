import { ExecutionAlreadyExists, ListStateMachinesCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CALLER_ARN, deployDevStage, dynamo, ENVIRONMENT_MACHINE, executionArn, freezeDate, sfn, sts, turbo } from './stage-fixtures';

const BY = `cli:${CALLER_ARN}`;
const readyRecord = (developer: string) => ({
  developer,
  status: 'ready',
  clusterName: `turbo-${developer}`,
  runId: `${developer}-up-20261124`,
  readyAt: '2026-11-24T07:56:00.000Z',
  updatedAt: '2026-11-24T07:56:00.000Z',
});

/** The one amend UpdateItem's values (the audit entry, the keep-alive, the skip date). */
function amendValues(): Record<string, unknown> {
  const updates = dynamo.commandCalls(UpdateCommand);
  expect(updates).toHaveLength(1);
  expect(updates[0]!.args[0].input.TableName).toBe('turbo-dev-environments');
  return updates[0]!.args[0].input.ExpressionAttributeValues!;
}

function startedInput(): Record<string, unknown> {
  const starts = sfn.commandCalls(StartExecutionCommand);
  expect(starts).toHaveLength(1);
  return JSON.parse(starts[0]!.args[0].input.input!);
}

beforeEach(() => {
  deployDevStage();
  dynamo.on(GetCommand).resolves({}); // no record, unless a test says otherwise
  dynamo
    .on(UpdateCommand)
    .callsFake((input: { Key: { developer: string } }) => ({ Attributes: { developer: input.Key.developer, status: 'ready' } }));
  sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: executionArn(input.name), startDate: new Date() }));
});
afterEach(() => jest.useRealTimers());

describe('turbo keep', () => {
  // 18:35 in Berlin on Tuesday 24 November 2026.
  beforeEach(() => freezeDate('2026-11-24T17:35:00.000Z'));

  it('keeps the cluster until the local time, with an audit entry naming the caller; no execution is started', async () => {
    dynamo.on(GetCommand).resolves({ Item: readyRecord('alice') });
    const result = await turbo(['keep', 'alice', '--until', '22:00', '--stage', 'dev']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("Kept alice's cluster until 22:00 Europe/Berlin (Tue 24 Nov).\n");
    const values = amendValues();
    expect(values[':keepUntil']).toBe('2026-11-24T21:00:00.000Z');
    expect(values[':audit']).toEqual([{ at: '2026-11-24T17:35:00.000Z', by: BY, action: 'keep until 2026-11-24T21:00:00.000Z' }]);
    expect(dynamo.commandCalls(UpdateCommand)[0]!.args[0].input.Key).toEqual({ developer: 'alice' });
    expect(sts).toHaveReceivedCommandTimes(GetCallerIdentityCommand, 1);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(sfn).not.toHaveReceivedCommand(ListStateMachinesCommand);
  });

  it('is capped by maxKeepUntil (23:00) in the developer’s zone', async () => {
    dynamo.on(GetCommand).resolves({ Item: readyRecord('alice') });
    const result = await turbo(['keep', 'alice', '--until', '23:45', '--stage', 'dev']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("Kept alice's cluster until 23:00 Europe/Berlin (Tue 24 Nov) (capped at maxKeepUntil 23:00).\n");
    expect(amendValues()[':keepUntil']).toBe('2026-11-24T22:00:00.000Z');
  });

  it('a time already past in the developer’s zone is refused and writes nothing (exit 1)', async () => {
    const result = await turbo(['keep', 'alice', '--until', '18:00', '--stage', 'dev']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('turbo keep: It is already past 18:00 in Europe/Berlin: nothing to keep until today.\n');
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('the same clock time in New York is still ahead: carol is kept', async () => {
    dynamo.on(GetCommand).resolves({ Item: readyRecord('carol') });
    const result = await turbo(['keep', 'carol', '--until', '18:00', '--stage', 'dev']);
    expect(result.code).toBe(0);
    expect(amendValues()[':keepUntil']).toBe('2026-11-24T23:00:00.000Z');
  });

  it.each([
    [['--until', '25:00'], '--until needs a 24-hour time HH:MM, got "25:00"'],
    [['--until', '9:00'], '--until needs a 24-hour time HH:MM, got "9:00"'],
    [[], '--until needs a 24-hour time HH:MM, got none'],
  ])('bad --until %j: usage, exit 2', async (flags, message) => {
    const result = await turbo(['keep', 'alice', ...flags, '--stage', 'dev']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `turbo keep: ${message}\nUsage: turbo keep <developer> --until HH:MM --stage <stage> [--config <file>] [--region <region>]\n`,
    );
    expect(dynamo.calls()).toHaveLength(0);
  });
});

describe('turbo skip', () => {
  beforeEach(() => freezeDate('2026-11-24T17:35:00.000Z'));

  it('adds the date to the skip set, with an audit entry', async () => {
    const result = await turbo(['skip', 'bob', '--date', '2026-11-26', '--stage', 'dev']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('No cluster for bob on 2026-11-26.\n');
    const values = amendValues();
    expect(values[':skipDate']).toEqual(new Set(['2026-11-26']));
    expect(values[':audit']).toEqual([{ at: '2026-11-24T17:35:00.000Z', by: BY, action: 'skip 2026-11-26' }]);
    expect(dynamo.commandCalls(UpdateCommand)[0]!.args[0].input.UpdateExpression).toContain('ADD #skipDates :skipDate');
  });

  it('a past date is refused (exit 1)', async () => {
    const result = await turbo(['skip', 'bob', '--date', '2026-11-23', '--stage', 'dev']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('turbo skip: 2026-11-23 is in the past in Europe/Berlin: nothing to skip.\n');
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('--date 2026-02-30 does not exist: says so, usage, exit 2', async () => {
    const result = await turbo(['skip', 'bob', '--date', '2026-02-30', '--stage', 'dev']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^turbo skip: --date 2026-02-30: that date does not exist \(February 2026 has 28 days\)\nUsage: turbo skip/,
    );
  });

  it.each(['tomorrow', '26.11.2026'])('--date %s is not a date: usage, exit 2', async (date) => {
    const result = await turbo(['skip', 'bob', '--date', date, '--stage', 'dev']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(`^turbo skip: --date needs a date YYYY-MM-DD, got "${date}"\nUsage: turbo skip <developer> --date YYYY-MM-DD`),
    );
  });
});

describe('turbo up', () => {
  it('starts the environment machine with the reconcile Map’s input, under a manual run ID', async () => {
    freezeDate('2026-11-24T15:00:00.000Z'); // 10:00 in New York
    const result = await turbo(['up', 'carol', '--stage', 'dev']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      "Starting carol's cluster (run carol-up-20261124-manual-1000); you get a message when it is ready.\n" +
        `Execution ${executionArn('carol-up-20261124-manual-1000')}\n`,
    );
    const start = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(start.stateMachineArn).toBe(ENVIRONMENT_MACHINE);
    expect(start.name).toBe('carol-up-20261124-manual-1000');
    // Teardown at 18:00 in New York.
    expect(startedInput()).toEqual({
      developer: 'carol',
      action: 'up',
      runId: 'carol-up-20261124-manual-1000',
      clusterName: 'turbo-carol',
      expiresAt: '2026-11-24T23:00:00.000Z',
      path: null,
    });
    expect(amendValues()[':audit']).toEqual([{ at: '2026-11-24T15:00:00.000Z', by: BY, action: 'up' }]);
    expect(sfn).toHaveReceivedCommandTimes(ListStateMachinesCommand, 2); // both pages, once
  });

  it('says so when the execution already exists (exit 0, nothing new started)', async () => {
    freezeDate('2026-11-24T15:00:00.000Z');
    sfn
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: { httpStatusCode: 400 } }));
    const result = await turbo(['up', 'carol', '--stage', 'dev']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `Execution ${executionArn('carol-up-20261124-manual-1000')} already exists: nothing new was started.\n`,
    );
  });

  it('a cluster that is already ready is not started again', async () => {
    freezeDate('2026-11-24T15:00:00.000Z');
    dynamo.on(GetCommand).resolves({ Item: readyRecord('carol') });
    const result = await turbo(['up', 'carol', '--stage', 'dev']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("carol's cluster is already ready.\n");
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('outside the schedule it is refused, as in Slack (exit 1)', async () => {
    freezeDate('2026-11-24T23:30:00.000Z'); // 00:30 in Berlin
    const result = await turbo(['up', 'alice', '--stage', 'dev']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^Not now: before the start at .*Use `\/turbo keep until HH:MM` first/);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
  });
});

describe('turbo down', () => {
  it('starts a down run with expiresAt null and skips the rest of today', async () => {
    freezeDate('2026-11-24T17:35:00.000Z'); // 18:35 in Berlin, before the 19:00 teardown
    dynamo.on(GetCommand).resolves({ Item: readyRecord('alice') });
    const result = await turbo(['down', 'alice', '--stage', 'dev']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      "Destroying alice's cluster (run alice-down-20261124-manual-1835). Today is now a skip day, so it stays down until your next working day.\n" +
        `Execution ${executionArn('alice-down-20261124-manual-1835')}\n`,
    );
    expect(startedInput()).toEqual({
      developer: 'alice',
      action: 'down',
      runId: 'alice-down-20261124-manual-1835',
      clusterName: 'turbo-alice',
      expiresAt: null,
      path: null,
    });
    const values = amendValues();
    expect(values[':skipDate']).toEqual(new Set(['2026-11-24']));
    expect(values[':audit']).toEqual([{ at: '2026-11-24T17:35:00.000Z', by: BY, action: 'down' }]);
  });

  it('with no cluster there is nothing to destroy', async () => {
    freezeDate('2026-11-24T17:35:00.000Z');
    const result = await turbo(['down', 'alice', '--stage', 'dev']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('alice has no cluster to destroy.\n');
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });
});
