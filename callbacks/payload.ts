// What a delivery POSTs. One producer per campaign `callback_format` and kind:
// - `cdr` (default): our call record as JSON (below, documented in the README);
// - `voice_bot`: the voice-bot API's webhook shapes (API.md §4), for campaigns created through the
//   voice-bot API. The voice-bot issue owns those shapes: `voiceBotCallPayload` is a first cut of
//   "autocall history" from what the call record knows (name/description come with that issue).
import type { CallbackFormat } from '../domain/campaign.ts';
import type { CallDoc } from '../storage/calls.ts';

/** What the ESL bridge knows when a call is answered. */
export interface AnswerInfo {
  call_id: string;
  lead_uuid: string;
  campaign_uuid: string;
  domain_uuid: string;
  /** The leg that answered. */
  uuid: string;
  phone_number: string;
  answered_at: number; // ms
}

const iso = (d: Date | null | undefined): string | null => (d ? new Date(d).toISOString() : null);

/** The `cdr` call record payload. */
export function cdrCallPayload(c: CallDoc): Record<string, unknown> {
  return {
    event: 'call.completed',
    call_id: c.call_id,
    lead_uuid: c.lead_uuid,
    campaign_uuid: c.campaign_uuid,
    domain_uuid: c.domain_uuid,
    run_id: c.run_id,
    attempt: c.attempt,
    phone_number: c.phone_number,
    network: c.network,
    carrier_uuid: c.carrier_uuid,
    caller_number: c.caller_number,
    gateway: c.gateway,
    dialed: c.dialed,
    answered: c.answered,
    status: c.report,
    disposition: c.disposition,
    hangup_cause: c.hangup_cause,
    q850: c.q850,
    created_at: iso(c.created_at),
    answered_at: iso(c.answered_at),
    ended_at: iso(c.ended_at),
    duration: c.duration,
    billsec: c.billsec,
    waitsec: c.waitsec,
    digits: c.digits,
    action_log: (c.action_log ?? []).map((a) => ({ at: iso(a.at), action: a.action, detail: a.detail })),
    reconciled: c.reconciled,
  };
}

/** The `cdr` answer payload. */
export function cdrAnswerPayload(a: AnswerInfo): Record<string, unknown> {
  return {
    event: 'call.answered',
    call_id: a.call_id,
    lead_uuid: a.lead_uuid,
    campaign_uuid: a.campaign_uuid,
    domain_uuid: a.domain_uuid,
    uuid: a.uuid,
    phone_number: a.phone_number,
    answered_at: new Date(a.answered_at).toISOString(),
  };
}

/** `YYYY-MM-DD HH:mm:ss` UTC (the voice-bot API's date style). */
const plain = (d: Date | null | undefined): string => (d ? new Date(d).toISOString().slice(0, 19).replace('T', ' ') : '');

/** Voice-bot "autocall history" (API.md §4): status codes from the one cause table. */
export function voiceBotCallPayload(c: CallDoc): Record<string, unknown> {
  return {
    campaign_id: c.campaign_uuid,
    create_at: plain(c.created_at),
    hotline: c.caller_number,
    phone: c.phone_number,
    name: '',
    description: '',
    status: c.voice_bot_status,
    time_call: c.billsec,
    postage: 0,
    service_charge: 0,
    action_log: (c.action_log ?? []).map((a) => ({ at: plain(a.at), action: a.action, detail: a.detail })),
    event_data: { call_id: c.call_id, hangup_cause: c.hangup_cause },
  };
}

const PRODUCERS: Record<CallbackFormat, { call(c: CallDoc): Record<string, unknown>; answer(a: AnswerInfo): Record<string, unknown> }> = {
  cdr: { call: cdrCallPayload, answer: cdrAnswerPayload },
  // No answer webhook is documented for the voice-bot API: the cdr answer shape.
  voice_bot: { call: voiceBotCallPayload, answer: cdrAnswerPayload },
};

const producers = (format: CallbackFormat | undefined) => PRODUCERS[format ?? 'cdr'] ?? PRODUCERS.cdr;

/** The JSON body for a finished call, in the campaign's format. */
export const callBody = (format: CallbackFormat | undefined, c: CallDoc): string => JSON.stringify(producers(format).call(c));
/** The JSON body for an answered call, in the campaign's format. */
export const answerBody = (format: CallbackFormat | undefined, a: AnswerInfo): string => JSON.stringify(producers(format).answer(a));
