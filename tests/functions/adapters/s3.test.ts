import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { TransientError } from '../../../functions/core/errors';
import { S3PlanStore } from '../../../functions/adapters/s3';

const sdkError = (name: string, status: number) =>
  Object.assign(new Error(`${name} happened`), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });

describe('S3PlanStore', () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());
  const store = (bucket = 'turbo-prod-planbucket-1a2b') => new S3PlanStore(new S3Client({ region: 'eu-west-1', maxAttempts: 1 }), bucket);

  it('writes the items as one JSON array under the key, and answers where the ItemReader finds them', async () => {
    s3.on(PutObjectCommand).resolves({});
    const items = [{ developer: 'alice', action: 'up', runId: 'alice-up-20261124' }];
    await expect(store().put('reconcile/tick-1.json', items)).resolves.toEqual({
      bucket: 'turbo-prod-planbucket-1a2b',
      key: 'reconcile/tick-1.json',
    });
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'turbo-prod-planbucket-1a2b',
      Key: 'reconcile/tick-1.json',
      Body: JSON.stringify(items),
      ContentType: 'application/json',
    });
  });

  it('surfaces a 503 that outlived the SDK retries as transient, naming the object', async () => {
    s3.on(PutObjectCommand).rejects(sdkError('SlowDown', 503));
    await expect(store().put('reconcile/tick-1.json', [])).rejects.toThrow(TransientError);
    await expect(store().put('reconcile/tick-1.json', [])).rejects.toThrow(/s3:\/\/turbo-prod-planbucket-1a2b\/reconcile\/tick-1\.json/);
  });

  it('refuses to write without a bucket, naming the variable that sets it', async () => {
    await expect(store('').put('reconcile/tick-1.json', [])).rejects.toThrow(/TURBO_PLAN_BUCKET/);
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
  });
});
