// Call records (collection `calls`, `_id` = call_id = origination_uuid of the call's first leg).
// The dial activity inserts the record BEFORE sending the originate (state `sending`): the unique
// `_id` is the "originate already sent" mark a retried or replayed activity finds, so it never
// dials twice. The lead workflow completes the record once (state `done`, conditional update).
import type { Collection, Db } from 'mongodb';

export interface CallDoc {
  _id: string;
  call_id: string;
  lead_uuid: string;
  campaign_uuid: string;
  domain_uuid: string;
  /** 1 for the first call of the lead. */
  attempt: number;
  phone_number: string;
  dial_string: string;
  gateway: string;
  /** origination_uuid of each leg (the first is call_id). */
  leg_uuids: string[];
  /** ESL node the originate went to. */
  node: string;
  state: 'sending' | 'sent' | 'done';
  /** false for a number that was never dialed (invalid, no carrier). */
  dialed: boolean;
  originate_sent_at: Date | null;
  originate_result: string;
  answered_uuid: string;
  answered: boolean;
  hangup_cause: string;
  /** answered or a recall_status word. */
  disposition: string;
  /** One of the six report buckets. */
  report: string;
  voice_bot_status: number;
  billsec: number;
  duration: number;
  waitsec: number;
  /** The hangup event was lost: the outcome was decided by reconciliation. */
  reconciled: boolean;
  created_at: Date;
  ended_at: Date | null;
}

export const callsOf = (db: Db): Collection<CallDoc> => db.collection<CallDoc>('calls');

