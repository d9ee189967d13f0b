/**
 * The real default credential chain of the real SDK clients (no mocks), on a machine with no credentials at all:
 * no environment keys, no profile files, no container credentials and the instance metadata service turned off,
 * so every provider fails without a request leaving the machine. The endpoints point at a closed loopback port
 * besides, so that nothing could reach AWS even if a credential turned up.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { NO_CREDENTIALS_MESSAGE } from '../../cli/aws';
import { folderWith } from './capture';
import { dynamo, EXAMPLE_CONFIG, freezeDate, sfn, sts, turbo } from './stage-fixtures';

const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_ROLE_ARN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
];
const saved = { ...process.env };

beforeAll(() => {
  // The fixtures mock the clients; here the real ones run.
  for (const client of [dynamo, sfn, sts]) client.restore();
  for (const name of CREDENTIAL_VARIABLES) delete process.env[name];
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_CONFIG_FILE = '/nonexistent/turbo-test/config';
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/turbo-test/credentials';
  process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:9';
});
afterAll(() => {
  process.env = saved;
});
beforeEach(() => freezeDate('2026-11-24T15:00:00.000Z')); // 16:00 in Berlin: keeping until 23:00 is still ahead
afterEach(() => jest.useRealTimers());

describe('with no AWS credentials anywhere (the real SDK chain)', () => {
  it.each([
    ['status', ['status']], // DynamoDB Scan through the store adapter
    ['runs', ['runs']], // Step Functions ListStateMachines
    ['keep', ['keep', 'alice', '--until', '23:00']], // STS GetCallerIdentity, for the audit entry
  ])('turbo %s says how to configure them, in one line, exit 1', async (name, argv) => {
    const result = await turbo([...argv, '--stage', 'dev']);
    expect(result.stderr).toBe(`turbo ${name}: ${NO_CREDENTIALS_MESSAGE}\n`);
    expect(result.code).toBe(1);
  });
});

describe('the installed command (node bin/turbo.mjs)', () => {
  it('loads the Slack self-service work (a Lambda module that imports middy) and reaches AWS', () => {
    // skip of a far date passes every local check, then loads SlackWork, then asks STS who is calling.
    const cwd = folderWith({ 'turbo.config.yml': EXAMPLE_CONFIG });
    const bin = join(__dirname, '../../bin/turbo.mjs');
    const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
    const result = spawnSync(process.execPath, [bin, 'skip', 'alice', '--date', '2099-01-05', '--stage', 'dev'], {
      cwd,
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (result.error) throw result.error;
    expect(result.stderr).toBe(`turbo skip: ${NO_CREDENTIALS_MESSAGE}\n`);
    expect(result.status).toBe(1);
  });
});
