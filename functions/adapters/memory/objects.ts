/** The in-memory S3 of a rehearsal: the plan store reconcile writes, and what its ItemReader reads back. */
import type { PlanStore } from '../../core/ports';

export class MemoryPlanStore implements PlanStore {
  readonly objects = new Map<string, string>();

  constructor(
    /** The packaged stack's plan bucket: an ItemReader pointed at another bucket finds nothing, as on S3. */
    public bucket = 'turbo-plans',
    private readonly onAwsCall: (action: string, resource: string) => void = () => {},
  ) {}

  async put(key: string, items: unknown[]): Promise<{ bucket: string; key: string }> {
    this.onAwsCall('s3:PutObject', `${this.bucket}/${key}`);
    this.objects.set(`${this.bucket}/${key}`, JSON.stringify(items));
    return { bucket: this.bucket, key };
  }

  /** What s3:GetObject answers (the ItemReader), or undefined for a missing key. */
  read(bucket: string, key: string): string | undefined {
    return this.objects.get(`${bucket}/${key}`);
  }
}
