// @middy/core and @middy/util export only an `import` condition: load their files by path (see imageSync.test.ts).
jest.mock('@middy/core', () => jest.requireActual('../../../node_modules/@middy/core/index.js'), { virtual: true });
jest.mock('@middy/util', () => jest.requireActual('../../../node_modules/@middy/util/index.js'), { virtual: true });

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { MemoryCloud } from '../../../functions/adapters/memory/cloud';
import { loadConfigText } from '../../../functions/core/configFile';
import { handler } from '../../../functions/handlers/recordExecutionEnd';
import { bindTestDeps } from '../../support/deps';

const config = loadConfigText(readFileSync(join(__dirname, '../../../turbo.config.example.yml'), 'utf8'));
const context = { functionName: 'recordExecutionEnd', awsRequestId: 'req-1' } as Context;
const alice = config.developers.find((dev) => dev.name === 'alice')!;
const ARN = 'arn:aws:states:eu-west-1:123456789012:execution:turbo-dev-environment:alice-up-20261124';

/** The event EventBridge delivers for an environment execution's end (AWS's documented shape). */
function statusChange(status: string, fields: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: '315c1398-40ff-a850-213b-158f73e60175',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '123456789012',
    time: '2026-11-24T11:35:00Z',
    region: 'eu-west-1',
    resources: [ARN],
    detail: {
      executionArn: ARN,
      stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:turbo-dev-environment',
      name: 'alice-up-20261124',
      status,
      startDate: 1795505700000,
      stopDate: 1795520100000,
      input: JSON.stringify({
        developer: 'alice',
        action: 'up',
        runId: 'alice-up-20261124',
        clusterName: 'turbo-alice',
        expiresAt: '2026-11-24T18:00:00.000Z',
      }),
      inputDetails: { included: true },
      output: null,
      error: null,
      cause: null,
      ...fields,
    },
  };
}

describe('RecordExecutionEnd', () => {
  let cloud: MemoryCloud;
  const opsMessages = () => cloud.outbox.filter((message) => message.to.channel === config.slack.opsChannel);
  const dms = () => cloud.outbox.filter((message) => message.to.user === alice.slackUserId);
  beforeEach(async () => {
    cloud = new MemoryCloud(config.region);
    cloud.knowSlackUser(alice.slackUserId, 'alice');
    bindTestDeps(config, { store: cloud.store, notifier: cloud.notifier });
    await cloud.store.claim({
      developer: 'alice',
      clusterName: 'turbo-alice',
      action: 'up',
      runId: 'alice-up-20261124',
      executionArn: ARN,
      now: '2026-11-24T07:35:00.000Z',
      staleBefore: '2026-11-24T03:35:00.000Z',
    });
  });

  it('records a timed-out run as failed and tells ops and the developer once, however often the event comes', async () => {
    const first = await handler(statusChange('TIMED_OUT'), context);
    const again = await handler(statusChange('TIMED_OUT'), context);
    expect(first).toMatchObject({ reported: true, status: 'TIMED_OUT', ops: 'sent', developer: 'sent' });
    expect(again).toMatchObject({ reported: true, ops: 'already-sent', developer: 'already-sent' });
    const record = await cloud.store.get('alice');
    expect(record).toMatchObject({
      status: 'failed',
      runId: 'alice-up-20261124',
      lastError: 'States.Timeout: the run did not finish within 4 h and was stopped',
    });
    expect(opsMessages()).toHaveLength(1);
    expect(dms()).toHaveLength(1);
    expect(JSON.stringify(opsMessages()[0]!.blocks)).toContain('did not finish within 4 h');
  });

  it('tells about an aborted run too, and a redriven run that times out again is a new failure', async () => {
    await handler(statusChange('ABORTED'), context);
    await handler(statusChange('TIMED_OUT', { redriveCount: 1 }), context);
    expect(opsMessages()).toHaveLength(2);
    expect((await cloud.store.get('alice'))?.lastError).toMatch(/^States.Timeout/);
  });

  it('leaves alone a run whose failure path told everyone', async () => {
    const answer = await handler(statusChange('FAILED', { error: 'Turbo.RunFailed', cause: 'apply job failed' }), context);
    expect(answer).toEqual({ reported: false, why: 'the execution ended FAILED: its own steps told everyone' });
    expect(cloud.outbox).toEqual([]);
    expect((await cloud.store.get('alice'))?.status).toBe('provisioning');
  });

  it('does not touch a record another run has taken over', async () => {
    await cloud.store.update('alice', 'alice-up-20261124', { updatedAt: '2026-11-24T07:40:00.000Z' });
    await cloud.store.claim({
      developer: 'alice',
      clusterName: 'turbo-alice',
      action: 'up',
      runId: 'alice-up-20261124-t1',
      executionArn: `${ARN}-t1`,
      now: '2026-11-24T12:00:00.000Z',
      staleBefore: '2026-11-24T08:00:00.000Z',
    });
    const answer = await handler(statusChange('TIMED_OUT'), context);
    expect(answer).toEqual({ reported: false, why: "another run owns alice's record" });
    expect(await cloud.store.get('alice')).toMatchObject({ status: 'provisioning', runId: 'alice-up-20261124-t1' });
    expect(cloud.outbox).toEqual([]);
  });

  it('refuses an event without the run in its input, naming the field', async () => {
    await expect(handler(statusChange('TIMED_OUT', { input: JSON.stringify({ developer: 'Alice!' }) }), context)).rejects.toThrow(
      /developer: must be a DNS-1123 label/,
    );
  });
});
