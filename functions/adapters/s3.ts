/**
 * The plan store on S3: reconcile's items as one JSON object per execution, in the stack's plan bucket (encrypted,
 * private, expired after a day). The SDK retries throttling and 5xx itself; what survives is translated.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { PlanStore } from '../core/ports';
import { translateAwsError } from './retry';

export function createS3Client(region?: string): S3Client {
  return new S3Client({ region });
}

export class S3PlanStore implements PlanStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, items: unknown[]): Promise<{ bucket: string; key: string }> {
    if (!this.bucket)
      throw new Error('the plan bucket is not set (serverless.yml sets TURBO_PLAN_BUCKET for planActions and listReadyEnvironments)');
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: JSON.stringify(items), ContentType: 'application/json' }),
      );
    } catch (error) {
      throw translateAwsError(error, `writing the plan s3://${this.bucket}/${key}`);
    }
    return { bucket: this.bucket, key };
  }
}
