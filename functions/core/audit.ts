/**
 * What a self-service or image-sync amend does to a record, with no I/O: whether it changes anything, and the
 * audit trail it leaves. The trail is bounded (a DynamoDB item holds at most 400 KB), and an amend that would
 * change nothing writes nothing, so the 10-minute image-sync runs do not grow a record at all.
 */
import type { AmendPatch, AuditEntry, EnvironmentRecord, ImageRef } from './types';
import { runsImages } from './images';

/** The newest entries kept in a record's audit trail: weeks of self-service, a few KB. */
export const MAX_AUDIT_ENTRIES = 50;

const sameEntry = (a: AuditEntry, b: AuditEntry) => a.at === b.at && a.by === b.by && a.action === b.action;

function sameImages(a: Record<string, ImageRef> | undefined, b: Record<string, ImageRef>): boolean {
  return a !== undefined && Object.keys(a).length === Object.keys(b).length && runsImages(a, b);
}

/** Whether the patch sets a field to a value the record does not have yet. */
function changesAField(record: EnvironmentRecord, patch: AmendPatch): boolean {
  const skipDates = record.skipDates ?? [];
  return (
    (patch.keepUntil !== undefined && patch.keepUntil !== record.keepUntil) ||
    (patch.addSkipDate !== undefined && !skipDates.includes(patch.addSkipDate)) ||
    (patch.removeSkipDate !== undefined && skipDates.includes(patch.removeSkipDate)) ||
    (patch.images !== undefined && !sameImages(record.images, patch.images))
  );
}

export type AmendDecision = { write: false; why: string } | { write: true; audit: AuditEntry[] };

/**
 * An amend writes nothing when its entry is already in the trail (a retried invoke), or when it only sets
 * fields to the values they have (image-sync's images, a keep-alive or skip date given twice). A patch that sets
 * no field at all (an up or down request) is still written: its audit entry is the record of who asked.
 */
export function decideAmend(record: EnvironmentRecord | undefined, patch: AmendPatch): AmendDecision {
  const trail = record?.audit ?? [];
  if (trail.some((entry) => sameEntry(entry, patch.audit))) return { write: false, why: 'this amend is already recorded' };
  const setsAField =
    patch.keepUntil !== undefined || patch.addSkipDate !== undefined || patch.removeSkipDate !== undefined || patch.images !== undefined;
  if (record && setsAField && !changesAField(record, patch)) return { write: false, why: 'the record already has these values' };
  return { write: true, audit: [...trail, patch.audit].slice(-MAX_AUDIT_ENTRIES) };
}
