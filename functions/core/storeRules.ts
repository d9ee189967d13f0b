/**
 * The EnvironmentStore port's rules that are not a condition on the stored item: what an update may set, and how a
 * lost ownership is reported. The DynamoDB store and its in-memory fake both apply them (tests/.../contracts/store).
 */
import { OwnershipLostError } from './errors';
import type { EnvironmentRecord } from './types';

/** Fields only the store itself writes: the key, the owner (claim), the notification keys (markNotified), and amend's. */
const STORE_OWNED_FIELDS = ['developer', 'runId', 'notified', 'skipDates', 'audit', 'auditKeys', 'auditVersion'];

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
