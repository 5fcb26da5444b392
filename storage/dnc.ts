// Do-not-call marks (collection `do_not_call`, `_id` = lead_uuid). Insert-only, one document per
// lead, separate from the lead: a mark can never be lost to a concurrent update of the lead
// (FerretDB updates are read-then-write), and the check right before each dial is one `_id` lookup.
import type { Collection, Db } from 'mongodb';

export interface DncDoc {
  _id: string;
  lead_uuid: string;
  campaign_uuid: string;
  domain_uuid: string;
  /** The customer id of a v2 queue ('' for other leads). */
  customer_id: string;
  created_at: Date;
}

export const dncOf = (db: Db): Collection<DncDoc> => db.collection<DncDoc>('do_not_call');

/** True when the lead must not be dialed again. */
export async function isDoNotCall(db: Db, lead_uuid: string): Promise<boolean> {
  return (await dncOf(db).findOne({ _id: lead_uuid }, { projection: { _id: 1 } })) !== null;
}
