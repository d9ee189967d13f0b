import { ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { ListStateMachinesCommand } from '@aws-sdk/client-sfn';
import { GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CredentialsProviderError } from '@smithy/core/config';
import { NO_CREDENTIALS_MESSAGE } from '../../cli/aws';
import { deployDevStage, dynamo, EXAMPLE_CONFIG, freezeDate, machineArn, sfn, sts, turbo } from './stage-fixtures';

/** One command line per stage command, each valid at the frozen instant below. */
const COMMANDS: Record<string, string[]> = {
  status: ['status'],
  up: ['up', 'carol'],
  down: ['down', 'alice'],
  keep: ['keep', 'alice', '--until', '22:00'],
  skip: ['skip', 'alice', '--date', '2026-11-26'],
  runs: ['runs', '--failed'],
  redrive: ['redrive', 'bob-up-20261124'],
};
const ALL = Object.keys(COMMANDS);
const ROSTER = 'unknown developer "zed": the roster of team payments is alice, bob, carol, dave';

beforeEach(() => {
  deployDevStage();
  freezeDate('2026-11-24T15:00:00.000Z'); // 16:00 in Berlin, 10:00 in New York
});
afterEach(() => jest.useRealTimers());

describe('no AWS credentials', () => {
  it.each(ALL)('turbo %s: one line that says how to configure them, exit 1', async (name) => {
    const missing = new CredentialsProviderError('Could not load credentials from any providers', { tryNextLink: false });
    dynamo.reset().onAnyCommand().rejects(missing);
    sfn.reset().onAnyCommand().rejects(missing);
    sts.reset().onAnyCommand().rejects(missing);
    const result = await turbo([...COMMANDS[name]!, '--stage', 'dev']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`turbo ${name}: ${NO_CREDENTIALS_MESSAGE}\n`);
    expect(result.stdout).toBe('');
  });
});

describe('a stage that is not deployed in the region', () => {
  const noTable = 'stage "prod" in eu-west-1 was not found: there is no table turbo-prod-environments (check --stage and --region)';
  const noMachines =
    'stage "prod" in eu-west-1 was not found: there is no state machine turbo-prod-environment or turbo-prod-reconcile (check --stage and --region)';

  beforeEach(() => {
    const missingTable = new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: { httpStatusCode: 400 } });
    dynamo.on(ScanCommand).rejects(missingTable).on(GetCommand).rejects(missingTable).on(UpdateCommand).rejects(missingTable);
  });

  it.each([
    ['status', noTable],
    ['keep', noTable],
    ['skip', noTable],
    ['up', noMachines],
    ['down', noMachines],
    ['runs', noMachines],
    ['redrive', noMachines],
  ])('turbo %s says the stage was not found in that region, exit 1', async (name, message) => {
    const result = await turbo([...COMMANDS[name]!, '--stage', 'prod']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`turbo ${name}: ${message}\n`);
    // up and down look for the state machine before they write anything.
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('a state machine that exists in another region only is not found in this one', async () => {
    sfn.on(ListStateMachinesCommand).resolves({ stateMachines: [] });
    const result = await turbo(['runs', '--stage', 'dev', '--region', 'us-east-1']);
    expect(result.stderr).toBe(
      'turbo runs: stage "dev" in us-east-1 was not found: there is no state machine turbo-dev-environment or turbo-dev-reconcile (check --stage and --region)\n',
    );
  });

  it('a half-deployed stage names the machine that is missing', async () => {
    sfn.on(ListStateMachinesCommand).resolves({
      stateMachines: [
        { name: 'turbo-dev-reconcile', stateMachineArn: machineArn('turbo-dev-reconcile'), type: 'STANDARD', creationDate: new Date() },
      ],
    });
    const result = await turbo(['redrive', 'bob-up-20261124', '--stage', 'dev']);
    expect(result.stderr).toBe(
      'turbo redrive: stage "dev" in eu-west-1 was not found: there is no state machine turbo-dev-environment (check --stage and --region)\n',
    );
  });
});

describe('an unknown developer', () => {
  it.each(['up', 'down', 'keep', 'skip'])('turbo %s zed names it and lists the roster, asking AWS nothing', async (name) => {
    const [verb, , ...flags] = COMMANDS[name]!;
    const result = await turbo([verb!, 'zed', ...flags, '--stage', 'dev']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`turbo ${name}: ${ROSTER}\n`);
    expect([...dynamo.calls(), ...sfn.calls(), ...sts.calls()]).toHaveLength(0);
  });
});

describe('bad flags: the usage, exit 2, and no AWS call', () => {
  it.each([
    [['status'], '--stage <stage> is required (the stage the stack was deployed with, e.g. dev)'],
    [['status', '--stage'], "Option '--stage <value>' argument missing"],
    [['status', '--stage', 'dev', '--verbose'], "Unknown option '--verbose'"],
    [['status', '--stage', 'dev/../x'], '--stage "dev/../x" is not a stage name (letters, digits and hyphens)'],
    [['status', '--stage', 'dev', '--region', 'Ireland'], '--region "Ireland" is not an AWS region such as eu-west-1'],
    [['status', '--stage', 'dev', 'alice'], 'unexpected argument alice'],
    [['up', '--stage', 'dev'], 'expects <developer>'],
    [['down', 'alice', 'bob', '--stage', 'dev'], 'unexpected argument bob'],
  ])('turbo %j', async (argv, message) => {
    const result = await turbo(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(
        `^turbo ${argv[0]}: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^\n]*\nUsage: turbo ${argv[0]} .*--stage <stage> \\[--config <file>\\] \\[--region <region>\\]\n$`,
      ),
    );
    expect([...dynamo.calls(), ...sfn.calls(), ...sts.calls()]).toHaveLength(0);
  });
});

describe('other failures are said, never taken for success', () => {
  it('AWS refusing the caller names the refusal', async () => {
    dynamo.on(ScanCommand).rejects(
      Object.assign(new Error('User: arn:aws:iam::123456789012:user/intern is not authorized to perform: dynamodb:Scan'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const result = await turbo(['status', '--stage', 'dev']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'turbo status: DynamoDB Scan of turbo-dev-environments was refused (AccessDeniedException, HTTP 400: User: arn:aws:iam::123456789012:user/intern is not authorized to perform: dynamodb:Scan)\n',
    );
  });

  it('throttling that outlasted the SDK’s retries', async () => {
    dynamo.on(ScanCommand).rejects(
      Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const result = await turbo(['status', '--stage', 'dev']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^turbo status: DynamoDB Scan of turbo-dev-environments failed after the SDK's retries \(ThrottlingException/,
    );
  });

  it('an invalid config lists its problems and asks AWS nothing', async () => {
    const result = await turbo(['status', '--stage', 'dev'], {
      'turbo.config.yml': EXAMPLE_CONFIG.replace('maxKeepUntil: "23:00"', 'maxKeepUntil: "late"'),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^turbo\.config\.yml: 1 problem\n {2}maxKeepUntil: /);
    expect(dynamo.calls()).toHaveLength(0);
  });
});
