/** PlanActions before the shared network exists: the first ticks after `serverless deploy` are harmless. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { handler } from '../../../functions/handlers/planActions';
import { MemoryCloud } from '../../../functions/adapters/memory/cloud';
import { loadConfigText } from '../../../functions/core/configFile';
import { NETWORK_VPC_PARAMETER } from '../../../functions/core/plan';
import { bindTestDeps } from '../../support/deps';

const config = loadConfigText(readFileSync(join(__dirname, '../../../turbo.config.example.yml'), 'utf8'));
const context = { functionName: 'planActions', awsRequestId: 'test' } as never;
/** 08:35 in Berlin on a Tuesday: alice's up is due (ready by 09:00, lead 25). */
const MORNING = '2026-11-24T07:35:00Z';

/** The items PlanActions wrote for the Distributed Map (none written: none planned). */
function itemsOf(cloud: MemoryCloud, result: { key: string | null }): { developer: string; action: string }[] {
  return result.key === null ? [] : JSON.parse(cloud.plans.read(cloud.plans.bucket, result.key)!);
}

function cloudWithoutNetwork(): MemoryCloud {
  const cloud = new MemoryCloud(config.region);
  cloud.secretValues.delete(NETWORK_VPC_PARAMETER);
  bindTestDeps(config, {
    store: cloud.store,
    clusters: cloud.clusters,
    notifier: cloud.notifier,
    secrets: cloud.secrets,
    plans: cloud.plans,
  });
  return cloud;
}

describe('PlanActions without the shared network', () => {
  it('starts no up, holds them with the reason, and tells nobody on an ordinary tick', async () => {
    const cloud = cloudWithoutNetwork();
    const result = await handler({ time: MORNING, execution: 'reconcile-test' }, context);
    expect(itemsOf(cloud, result).filter((item) => item.action === 'up')).toEqual([]);
    expect(result.up).toBe(0);
    expect(result.held).toBeGreaterThan(0);
    expect(cloud.outbox).toEqual([]);
  });

  it('tells the ops channel once a day, at the daily report tick, that ups are held', async () => {
    const cloud = cloudWithoutNetwork();
    await handler({ time: '2026-11-24T06:00:00Z', execution: 'reconcile-test' }, context);
    await handler({ time: '2026-11-24T06:15:00Z', execution: 'reconcile-test' }, context);
    const notices = cloud.outbox.filter((message) => message.kind === 'network-missing');
    expect(notices.map((message) => message.to)).toEqual([{ channel: config.slack.opsChannel }]);
    expect(notices[0]!.text).toContain(NETWORK_VPC_PARAMETER);
  });

  it('still destroys: a down needs no network', async () => {
    const cloud = cloudWithoutNetwork();
    cloud.records.set('alice', {
      developer: 'alice',
      clusterName: 'turbo-alice',
      status: 'ready',
      runId: 'alice-up-20261124',
      updatedAt: MORNING,
    });
    const result = await handler({ time: '2026-11-24T18:30:00Z', execution: 'reconcile-test' }, context);
    expect(itemsOf(cloud, result).map((action) => [action.developer, action.action])).toContainEqual(['alice', 'down']);
  });

  it('starts the ups once the network has published its VPC', async () => {
    const cloud = cloudWithoutNetwork();
    cloud.secretValues.set(NETWORK_VPC_PARAMETER, 'vpc-0abc');
    const result = await handler({ time: MORNING, execution: 'reconcile-test' }, context);
    expect(itemsOf(cloud, result).map((action) => [action.developer, action.action])).toContainEqual(['alice', 'up']);
    expect(result.held).toBe(0);
  });

  it('reads the parameter that infra-tf/network publishes, under the prefix serverless.yml grants', () => {
    const prefix = parse(readFileSync(join(__dirname, '../../../serverless.yml'), 'utf8').replace(/!(Sub|GetAtt|Ref)\b/g, '')).custom
      .codebuild.networkParameterPrefix as string;
    expect(NETWORK_VPC_PARAMETER).toBe(`${prefix}/vpc-id`);
    expect(readFileSync(join(__dirname, '../../../infra-tf/network/main.tf'), 'utf8')).toMatch(
      /name += "\$\{var\.parameter_prefix\}\/vpc-id"/,
    );
  });
});
