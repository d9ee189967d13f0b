/** Taking a warm pool member through the real DynamoDB API (dynalite): two requests racing for one member. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DynamoEnvironmentStore, ENVIRONMENT_TABLE_SCHEMA } from '../../../../functions/adapters/dynamodb';
import { configSchema } from '../../../../functions/core/config';
import type { EnvironmentRunRequest, SelfServiceTask } from '../../../../functions/core/types';
import { performSelfService } from '../../../../functions/handlers/lib/selfService';
import { startDynalite, type LocalDynamo } from '../../../support/dynalite';
import { claimUp } from '../../../support/store-fixtures';

const example = parse(readFileSync(join(__dirname, '../../../../turbo.config.example.yml'), 'utf8'));
const config = configSchema.parse({ ...example, pool: { size: 1, hours: { start: '08:00', end: '20:00' } } });
const ARN = 'arn:aws:states:eu-west-1:123456789012:execution:turbo-ci-environment';

/** 06:45 UTC (07:45 Berlin): before alice's and bob's starts, so an up takes from the pool. */
const up = (developer: string): SelfServiceTask => ({
  developer,
  request: { verb: 'up' },
  requestedBy: `cli:arn:aws:iam::123456789012:user/${developer}`,
  requestedAt: '2026-11-24T06:45:00.000Z',
});

describe('performSelfService: a take from the warm pool, on dynalite', () => {
  let dynamo: LocalDynamo;
  let store: DynamoEnvironmentStore;
  let started: EnvironmentRunRequest[];
  const names = new Set<string>();
  const runs = {
    start: async (run: EnvironmentRunRequest) => {
      const alreadyStarted = names.has(run.runId);
      names.add(run.runId);
      if (!alreadyStarted) started.push(run);
      return { executionArn: `${ARN}:${run.runId}`, alreadyStarted };
    },
  };

  beforeAll(async () => {
    dynamo = await startDynalite();
    await dynamo.createTable({ TableName: 'turbo-take', ...ENVIRONMENT_TABLE_SCHEMA });
    store = new DynamoEnvironmentStore(dynamo.documentClient(), 'turbo-take');
    started = [];
    await store.claim(claimUp('pool-1-up-20261124', { developer: 'pool-1', clusterName: 'turbo-pool-1' }));
    await store.update('pool-1', 'pool-1-up-20261124', { status: 'ready', expiresAt: '2026-11-24T19:00:00.000Z' });
  });
  afterAll(async () => dynamo.stop());

  it('gives the one member to one of two racing requests; the other is refused; a retry takes nothing twice', async () => {
    const results = await Promise.all([
      performSelfService(up('alice'), { config, store, runs }),
      performSelfService(up('bob'), { config, store, runs }),
    ]);

    expect(results.map((result) => result.outcome).sort()).toEqual(['done', 'refused']);
    const winner = results.find((result) => result.outcome === 'done')!;
    expect(started).toEqual([
      expect.objectContaining({ developer: 'pool-1', path: 'take', runId: `pool-1-take-${winner.developer}-20261124-0745` }),
    ]);
    const member = await store.get('pool-1');
    expect(member).toMatchObject({ status: 'provisioning', takenBy: winner.developer, executionArn: winner.executionArn });
    expect((await store.get(winner.developer))?.audit?.map((entry) => entry.action)).toEqual(['up: took pool cluster turbo-pool-1']);

    const retried = await performSelfService(up(winner.developer), { config, store, runs });
    expect([retried.outcome, started.length]).toEqual(['already', 1]);
    expect((await store.get(winner.developer))?.audit).toHaveLength(1);
  });
});
