/**
 * The EnvironmentStore port's rules that are not a condition on the stored item: what an update may set, and how a
 * lost ownership is reported. The DynamoDB store and its in-memory fake both apply them (tests/.../contracts/store).
 */
import { OwnershipLostError } from './errors';
import type { EnvironmentRecord, RolloutLease } from './types';

/** Fields only the store itself writes: the key, the owner (claim), the notification keys (markNotified), and amend's. */
const STORE_OWNED_FIELDS = ['developer', 'runId', 'notified', 'skipDates', 'audit', 'auditKeys', 'auditVersion', 'rolloutLease'];

/** An update's patch may set any field but the store's own. */
export function assertUpdatable(developer: string, patch: Partial<EnvironmentRecord>): void {
  const forbidden = Object.keys(patch).filter((field) => STORE_OWNED_FIELDS.includes(field));
  if (forbidden.length > 0) {
    throw new Error(`update of ${developer} may not set ${forbidden.join(', ')}: claim and markNotified own those fields`);
  }
}

/** An update by `runId` was refused: the record, as it stood, belongs to another run or does not exist. */
export function ownershipLost(developer: string, runId: string, current: EnvironmentRecord | undefined): OwnershipLostError {
  const owner = current ? `run ${current.runId ?? '(none)'}` : 'nobody (there is no record)';
  return new OwnershipLostError(`${developer} is owned by ${owner}, not by ${runId}: the update was not applied`);
}

/**
 * Whether `held`, the ops record's lease, keeps `lease` from being taken at `now` (ISO): another run holds the same
 * release and its lease has not lapsed. The DynamoDB store writes the same rule as its ConditionExpression.
 */
export function rolloutLeaseRefused(held: RolloutLease | undefined, lease: RolloutLease, now: string): boolean {
  return held !== undefined && held.execution !== lease.execution && held.release === lease.release && held.until > now;
}
