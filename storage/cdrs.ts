// Call detail records FreeSWITCH posted for our calls (collection `cdrs`, `_id` = the channel's
// uuid): the durable copy of each leg's outcome, kept even when no worker was listening to the
// node when the call ended. Insert-only (FreeSWITCH may post a record twice). Reconciliation reads
// them by `_id` before it calls an outcome unknown.
import type { Collection, Db } from 'mongodb';
import type { CallEventPayload } from '../workflows/contract.ts';
import { isDuplicateKey } from './mongo.ts';

export interface CdrDoc {
  _id: string;
  call_id: string;
  /** The lead workflow the call belongs to. */
  workflow_id: string;
  /** The leg's outcome, as the hangup event would have given it. */
  event: CallEventPayload;
  received_at: Date;
}

export const cdrsOf = (db: Db): Collection<CdrDoc> => db.collection<CdrDoc>('cdrs');

/** Store a posted record; false when this leg's record was already stored. */
export async function storeCdr(db: Db, doc: CdrDoc): Promise<boolean> {
  try {
    await cdrsOf(db).insertOne(doc);
    return true;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return false;
  }
}

/** The first stored record among these legs (in the order given), or null. */
export async function findCdr(db: Db, leg_uuids: readonly string[]): Promise<CdrDoc | null> {
  for (const _id of leg_uuids) {
    const d = await cdrsOf(db).findOne({ _id });
    if (d) return d;
  }
  return null;
}
