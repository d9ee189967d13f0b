import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { cells, deployDevStage, dynamo, EXAMPLE_CONFIG, turbo } from './stage-fixtures';

const records = [
  {
    developer: 'alice',
    status: 'ready',
    clusterName: 'turbo-alice',
    runId: 'alice-up-20261124',
    startedAt: '2026-11-24T07:35:00.000Z',
    readyAt: '2026-11-24T07:56:00.000Z',
    updatedAt: '2026-11-24T07:56:00.000Z',
    expiresAt: '2026-11-24T18:00:00.000Z',
    keepUntil: '2026-11-24T21:00:00.000Z',
    images: { frontend: { repository: 'acme/turbo-notes', tag: '1.4.2' }, mongo: { repository: 'acme/turbo-mongo', tag: '7.0.14' } },
  },
  {
    developer: 'bob',
    status: 'failed',
    clusterName: 'turbo-bob',
    runId: 'bob-up-20261124',
    startedAt: '2026-11-24T07:05:00.000Z',
    updatedAt: '2026-11-24T07:15:00.000Z',
    lastError: 'apply job failed:\nquota exceeded',
  },
];
const secondPage = [
  {
    developer: 'dave',
    status: 'destroyed',
    clusterName: 'turbo-dave',
    runId: 'dave-down-20261124',
    readyAt: '2026-11-24T03:00:00.000Z',
    destroyedAt: '2026-11-24T13:40:00.000Z',
    updatedAt: '2026-11-24T13:40:00.000Z',
  },
  {
    developer: 'eve',
    status: 'ready',
    clusterName: 'turbo-eve',
    runId: 'eve-up-20261120',
    readyAt: '2026-11-20T08:00:00.000Z',
    updatedAt: '2026-11-20T08:00:00.000Z',
  },
];

describe('turbo status', () => {
  beforeEach(() => {
    deployDevStage();
    dynamo
      .on(ScanCommand)
      .resolvesOnce({ Items: records, LastEvaluatedKey: { developer: 'bob' } })
      .resolvesOnce({ Items: secondPage });
  });

  it('shows every roster developer and any record outside the roster, from every page of the table', async () => {
    const result = await turbo(['status', '--stage', 'dev']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('Team payments, stage "dev" in eu-west-1 (table turbo-dev-environments)');
    expect(cells(lines[2])).toEqual(['developer', 'status', 'since', 'expires', 'image version', 'last run']);
    // Ready since readyAt; it expires at the later of expiresAt (19:00) and the keep-alive (22:00), in Berlin.
    expect(cells(lines[3])).toEqual([
      'alice',
      'ready',
      '08:56 Europe/Berlin (Tue 24 Nov)',
      '22:00 Europe/Berlin (Tue 24 Nov)',
      'frontend 1.4.2, mongo 7.0.14',
      'alice-up-20261124',
    ]);
    // A failed run shows its error on one line.
    expect(cells(lines[4])).toEqual([
      'bob',
      'failed',
      '08:15 Europe/Berlin (Tue 24 Nov)',
      '-',
      '-',
      'bob-up-20261124 (failed: apply job failed: quota exceeded)',
    ]);
    expect(cells(lines[5])).toEqual(['carol', 'absent', '-', '-', '-', '-']);
    // Destroyed since its destroyedAt (not the morning's readyAt), in dave's own zone; no expiry once destroyed.
    expect(cells(lines[6])).toEqual(['dave', 'destroyed', '19:10 Asia/Kolkata (Tue 24 Nov)', '-', '-', 'dave-down-20261124']);
    expect(cells(lines[7])).toEqual(['eve (not in roster)', 'ready', '08:00 UTC (Fri 20 Nov)', '-', '-', 'eve-up-20261120']);
    expect(lines).toHaveLength(9);

    // The paginator reuses one input object, so only the last page's start key can be checked.
    expect(dynamo).toHaveReceivedCommandTimes(ScanCommand, 2);
    expect(dynamo).toHaveReceivedNthCommandWith(2, ScanCommand, {
      TableName: 'turbo-dev-environments',
      ConsistentRead: true,
      ExclusiveStartKey: { developer: 'bob' },
    });
  });

  describe('the region', () => {
    const savedRegion = process.env.AWS_REGION;
    afterEach(() => {
      process.env.AWS_REGION = savedRegion;
    });
    const regionOfScan = async () => (dynamo.commandCalls(ScanCommand)[0]!.thisValue as DynamoDBDocumentClient).config.region();

    it('--region wins over AWS_REGION and the config', async () => {
      process.env.AWS_REGION = 'us-east-1';
      const result = await turbo(['status', '--stage', 'dev', '--region', 'eu-central-1']);
      expect(result.stdout).toContain('stage "dev" in eu-central-1');
      expect(await regionOfScan()).toBe('eu-central-1');
    });

    it('AWS_REGION wins over the config', async () => {
      process.env.AWS_REGION = 'us-east-1';
      const result = await turbo(['status', '--stage', 'dev']);
      expect(result.stdout).toContain('stage "dev" in us-east-1');
      expect(await regionOfScan()).toBe('us-east-1');
    });

    it('the config’s region when neither is given', async () => {
      delete process.env.AWS_REGION;
      const result = await turbo(['status', '--stage', 'dev'], {
        'turbo.config.yml': EXAMPLE_CONFIG.replace('region: eu-west-1', 'region: eu-north-1'),
      });
      expect(result.stdout).toContain('stage "dev" in eu-north-1');
      expect(await regionOfScan()).toBe('eu-north-1');
    });
  });

  it('reads the roster from --config', async () => {
    const roster = EXAMPLE_CONFIG.replace('team: payments', 'team: checkout');
    const result = await turbo(['status', '--stage', 'dev', '--config', 'other.yml'], { 'other.yml': roster });
    expect(result.stdout.split('\n')[0]).toBe('Team checkout, stage "dev" in eu-west-1 (table turbo-dev-environments)');
  });
});
