/**
 * The in-memory EnvironmentStore: DynamoDB's table as the store adapter (adapters/dynamodb.ts) uses it, with the same
 * claim rule, ownership checks, item size limit and amend rules. tests/functions/adapters/contracts holds it to that.
 */
import type { AmendPatch, ClaimRequest, ClaimResult, EnvironmentRecord, RolloutLease } from '../../core/types';
import type { EnvironmentStore } from '../../core/ports';
import { OPS_RECORD } from '../../core/types';
import { decideAmend } from '../../core/audit';
import { assertUpdatable, ownershipLost, rolloutLeaseRefused } from '../../core/storeRules';
import { translateAwsError } from '../retry';
import { TransientError } from '../../core/errors';
import { copyJson } from './json';
import { assertItemFits } from './limits';
import type { AwsCallListener } from './simulation';

/**
 * A stored record is frozen, deeply, and handed out as it is: nothing can change it but a write, so a read copies
 * nothing (a soak reads every record on every tick), and what an earlier write froze is shared, not walked again.
 */
function frozen<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  for (const element of Object.values(value)) frozen(element);
  return Object.freeze(value);
}

export class MemoryStore implements EnvironmentStore {
  readonly records = new Map<string, EnvironmentRecord>();
  /** Each record's DynamoDB item size at its last write (limits.ts): the soak's record-size invariant reads it. */
  readonly recordBytes = new Map<string, number>();

  constructor(private readonly onAwsCall: AwsCallListener = () => {}) {}

  async get(developer: string): Promise<EnvironmentRecord | undefined> {
    this.onAwsCall('dynamodb:GetItem', developer);
    return this.records.get(developer);
  }

  async list(): Promise<EnvironmentRecord[]> {
    this.onAwsCall('dynamodb:Scan', '*');
    return [...this.records.values()].filter((record) => record.developer !== OPS_RECORD);
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    // A conditional UpdateItem, sent whether or not the claim wins: the role is asked either way.
    this.onAwsCall('dynamodb:UpdateItem', request.developer);
    const current = this.records.get(request.developer);
    const stale =
      current && (current.status === 'provisioning' || current.status === 'destroying') && current.updatedAt < request.staleBefore;
    const busy =
      current &&
      !stale &&
      (current.status === 'provisioning' || current.status === 'destroying' || (request.action === 'up' && current.status === 'ready'));
    // A take (core/pool) is the other way round: only a ready pool member that nobody has taken yet.
    const taken = request.takenBy !== undefined && (current?.status !== 'ready' || current.takenBy !== undefined);
    const superseded =
      request.takenBy === undefined &&
      request.runStartedAt !== undefined &&
      current?.startedAt !== undefined &&
      current.startedAt > request.runStartedAt;
    if (current?.runId === request.runId || (current && request.takenBy === undefined && busy) || taken || superseded) {
      if (!current)
        throw new TransientError(`claim of ${request.developer} by ${request.runId} was refused, but the record is gone: retry the claim`);
      return { outcome: current.runId === request.runId ? 'already-owned' : 'lost', record: current };
    }
    const record: EnvironmentRecord = {
      ...current,
      developer: request.developer,
      clusterName: request.clusterName,
      status: request.action === 'up' ? 'provisioning' : 'destroying',
      runId: request.runId,
      action: request.action,
      executionArn: request.executionArn,
      startedAt: request.now,
      updatedAt: request.now,
    };
    delete record.lastError;
    delete record.jobs;
    delete record.jobAttempts;
    delete record.nodeCapacity;
    delete record.applyFinishedAt;
    delete record.applyQueuedSeconds;
    if (request.action === 'up') {
      if (request.takenBy === undefined) delete record.takenBy;
      else record.takenBy = request.takenBy;
    }
    this.write('claim', record);
    return { outcome: 'claimed', record };
  }

  async update(developer: string, runId: string, patch: Partial<EnvironmentRecord>): Promise<EnvironmentRecord> {
    assertUpdatable(developer, patch);
    this.onAwsCall('dynamodb:UpdateItem', developer);
    const current = this.records.get(developer);
    if (!current || current.runId !== runId) throw ownershipLost(developer, runId, current);
    const next = { ...current, ...copyJson(patch), updatedAt: patch.updatedAt ?? new Date().toISOString() } as EnvironmentRecord;
    for (const [field, value] of Object.entries(patch)) if (value === undefined) delete (next as unknown as Record<string, unknown>)[field];
    this.write('update', next);
    return next;
  }

  async markNotified(developer: string, key: string): Promise<boolean> {
    this.onAwsCall('dynamodb:UpdateItem', developer);
    if (developer === OPS_RECORD && !this.records.has(developer)) this.records.set(developer, { developer } as EnvironmentRecord);
    const current = this.records.get(developer);
    if (!current) throw new Error(`there is no environment record for ${developer}: cannot record notification ${key}`);
    if (current.notified?.includes(key)) return false;
    this.write('markNotified', { ...current, notified: [...(current.notified ?? []), key].sort() });
    return true;
  }

  async unmarkNotified(developer: string, ...keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    this.onAwsCall('dynamodb:UpdateItem', developer);
    const current = this.records.get(developer);
    if (current?.notified)
      this.records.set(developer, frozen({ ...current, notified: current.notified.filter((existing) => !keys.includes(existing)) }));
  }

  async amend(developer: string, patch: AmendPatch): Promise<EnvironmentRecord> {
    // The real amend reads the record, decides, and writes only when the amend changes something.
    this.onAwsCall('dynamodb:GetItem', developer);
    const now = new Date().toISOString();
    const current = this.records.get(developer) ?? { developer, clusterName: patch.clusterName, status: 'absent', updatedAt: now };
    const decision = decideAmend(this.records.get(developer), patch);
    if (!decision.write) return current;
    const skipDates = new Set(current.skipDates ?? []);
    if (patch.addSkipDate) skipDates.add(patch.addSkipDate);
    if (patch.removeSkipDate) skipDates.delete(patch.removeSkipDate);
    const next: EnvironmentRecord = {
      ...current,
      ...(patch.keepUntil ? { keepUntil: patch.keepUntil } : {}),
      ...(patch.images ? { images: copyJson(patch.images) } : {}),
      skipDates: [...skipDates].sort(),
      audit: decision.audit,
      updatedAt: now,
    };
    this.onAwsCall('dynamodb:UpdateItem', developer);
    this.write('amend', next);
    return next;
  }

  async takeRolloutLease(lease: RolloutLease, now: string): Promise<{ taken: true } | { taken: false; holder: RolloutLease }> {
    this.onAwsCall('dynamodb:UpdateItem', OPS_RECORD);
    const current = this.records.get(OPS_RECORD) ?? ({ developer: OPS_RECORD } as EnvironmentRecord);
    if (rolloutLeaseRefused(current.rolloutLease, lease, now)) return { taken: false, holder: current.rolloutLease! };
    this.write('takeRolloutLease', { ...current, rolloutLease: copyJson(lease) });
    return { taken: true };
  }

  async releaseRolloutLease(execution: string): Promise<void> {
    this.onAwsCall('dynamodb:UpdateItem', OPS_RECORD);
    const current = this.records.get(OPS_RECORD);
    if (current?.rolloutLease?.execution !== execution) return;
    const { rolloutLease: _released, ...rest } = current;
    this.write('releaseRolloutLease', rest);
  }

  /**
   * Every write of a record goes through DynamoDB's item size limit, failing as the store adapter reports it. Its
   * UpdateItem is reported by the caller, which makes the call whether or not the condition lets it write.
   */
  private write(doing: string, record: EnvironmentRecord): void {
    try {
      this.recordBytes.set(record.developer, assertItemFits(record as unknown as Record<string, unknown>));
    } catch (error) {
      throw translateAwsError(error, `DynamoDB UpdateItem (${doing} ${record.developer})`);
    }
    this.records.set(record.developer, frozen(record));
  }
}
