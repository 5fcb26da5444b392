// Call records (collection `calls`, `_id` = call_id = origination_uuid of the call's first leg).
// The dial activity inserts the record BEFORE sending the originate (state `sending`): the unique
// `_id` is the "originate already sent" mark a retried or replayed activity finds, so it never
// dials twice. The lead workflow completes the record once (state `done`; a retry finds it done).
import type { Collection, Db } from 'mongodb';
import { classifyCall } from '../domain/causes.ts';

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
  /** The campaign run (Temporal run id of the campaign-run workflow) that placed the call; '' for
   *  a record made without a call (invalid number). */
  run_id: string;
  /** When the campaign run gave the lead its slot; originate_sent_at minus this is the dialer's
   *  own latency. */
  slot_granted_at: Date | null;
  /** Network of the dialed number (domain/phone) and the carrier chosen for it. */
  network: string;
  carrier_uuid: string;
  caller_number: string;
  /** `sending`: inserted before the originate; `done`: the final record. */
  state: 'sending' | 'done';
  /** false for a number that was never dialed (invalid, no carrier). */
  dialed: boolean;
  originate_sent_at: Date | null;
  /** The leg that answered (or whose hangup decided the outcome). */
  answered_uuid: string;
  answered: boolean;
  hangup_cause: string;
  /** Q.850 cause code of hangup_cause (domain/causes), 0 when unknown. */
  q850: number;
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
  /** When the callee picked up (null: not answered). */
  answered_at: Date | null;
  ended_at: Date | null;
  /** Digits the callee pressed, in order (autocall scripts with play_and_get_digits). */
  digits: string;
  /** Why the call's content was not played ('' when it was, or when there is none): the customer
   *  picked up and heard nothing (e.g. `playback: FILE NOT FOUND (http_cache://…)`). */
  delivery_error: string;
  /** Autodialer: the agent the customer talked to ('' when none). */
  agent_uuid: string;
  agent_extension: string;
  /** Autodialer: seconds the customer waited in the queue for an agent. */
  queue_wait: number;
  /** Autodialer: seconds of talk with the agent (bridge to hang-up). */
  talk_time: number;
  /** Autodialer: answered, but no agent took the customer in time (or they hung up waiting). */
  abandoned: boolean;
  /** Autodialer: why the customer left the queue without an agent: TIMEOUT, NO_AGENT_TIMEOUT,
   *  BREAK_OUT ('' otherwise). */
  cancel_reason: string;
  /** What happened in the call, in order (played, digits, transfer, …). */
  action_log: Array<{ at: Date; action: string; detail: string }>;
  /** The call's recording (campaign `record_calls`, answered calls): a signed URL valid until the
   *  retention deletes the file (media/recordings.ts); '' when not recorded. */
  record_url: string;
}

export const callsOf = (db: Db): Collection<CallDoc> => db.collection<CallDoc>('calls');

/** A record with every field at its empty value (callers fill in what they know). */
export function emptyCallRecord(ids: Pick<CallDoc, 'call_id' | 'lead_uuid' | 'campaign_uuid' | 'domain_uuid'>): CallDoc {
  return {
    _id: ids.call_id,
    call_id: ids.call_id,
    lead_uuid: ids.lead_uuid,
    campaign_uuid: ids.campaign_uuid,
    domain_uuid: ids.domain_uuid,
    run_id: '',
    slot_granted_at: null,
    attempt: 0,
    phone_number: '',
    network: '',
    carrier_uuid: '',
    caller_number: '',
    dial_string: '',
    gateway: '',
    leg_uuids: [],
    node: '',
    state: 'sending',
    dialed: false,
    originate_sent_at: null,
    answered_uuid: '',
    answered: false,
    hangup_cause: '',
    q850: 0,
    disposition: '',
    report: '',
    voice_bot_status: 0,
    billsec: 0,
    duration: 0,
    waitsec: 0,
    reconciled: false,
    created_at: new Date(),
    answered_at: null,
    ended_at: null,
    digits: '',
    delivery_error: '',
    agent_uuid: '',
    agent_extension: '',
    queue_wait: 0,
    talk_time: 0,
    abandoned: false,
    cancel_reason: '',
    action_log: [],
    record_url: '',
  };
}

/** Every field a call record has, in order: the one definition of its shape (docs/engine.md). */
export const CALL_RECORD_FIELDS = Object.keys(emptyCallRecord({ call_id: '', lead_uuid: '', campaign_uuid: '', domain_uuid: '' })) as Array<
  keyof CallDoc
>;

/** The record with its documented fields only (whatever else the object carried is left out). */
export function callRecordOf(x: CallDoc): CallDoc {
  const out: Record<string, unknown> = {};
  for (const k of CALL_RECORD_FIELDS) out[k] = x[k];
  return out as unknown as CallDoc;
}

/** The record of a lead whose number cannot be dialed (stored at import; never dialed). */
export function invalidCallRecord(lead: {
  lead_uuid: string;
  campaign_uuid: string;
  domain_uuid: string;
  phone_number: string;
  next_call_id: string;
}): CallDoc {
  const d = classifyCall({ hangupCause: 'INVALID_NUMBER_FORMAT', answered: false });
  const now = new Date();
  return {
    ...emptyCallRecord({
      call_id: lead.next_call_id,
      lead_uuid: lead.lead_uuid,
      campaign_uuid: lead.campaign_uuid,
      domain_uuid: lead.domain_uuid,
    }),
    phone_number: lead.phone_number,
    state: 'done',
    hangup_cause: d.cause,
    q850: d.q850,
    disposition: d.status,
    report: d.report,
    voice_bot_status: d.voiceBotStatus,
    created_at: now,
    ended_at: now,
  };
}

/**
 * Completes a call's record (state `done`) once: the first completion stands. A retried workflow
 * task may compute the same call's record again with other times (a call settled by the workflow's
 * clock), and everything derived from the record — the report's delta (first write wins), the
 * callbacks, the agent's stats — must agree with the one stored. Returns the record that stands.
 * A read, then a write by `_id` (FerretDB indexes single-field `_id` filters only): the lead's one
 * workflow is the only writer of a record's completion.
 */
export async function completeCallRecord(db: Db, record: CallDoc): Promise<CallDoc> {
  const stored = await callsOf(db).findOne({ _id: record._id });
  if (stored?.state === 'done') return stored;
  await callsOf(db).replaceOne({ _id: record._id }, record, { upsert: true });
  return record;
}
