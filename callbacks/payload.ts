// What a delivery POSTs. One producer per campaign `callback_format` and kind:
// - `cdr` (default): our call record as JSON (below, documented in docs/callbacks.md);
// - `voice_bot`: the voice-bot API's webhook shapes (docs/api-contract.md §4), for campaigns created through the
//   voice-bot API: `voiceBotCallPayload` ("autocall history", the `cdr` delivery) and
//   `voiceBotCallHistoryPayload` ("call history", the `history` delivery), both to callback_url.
import { zoneOffsetMinutes, type CallbackFormat } from '../domain/campaign.ts';
import { classifyCall, VOICEBOT_STATUS, type VoiceBotDisposition } from '../domain/causes.ts';
import { BALANCE_TOO_LOW, PLAN_EXPIRED } from '../storage/billing.ts';
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
    delivery_error: c.delivery_error ?? '',
    // The autodialer's (empty for autocall): the agent who talked, the queue wait, the talk time.
    agent_uuid: c.agent_uuid ?? '',
    agent_extension: c.agent_extension ?? '',
    queue_wait: c.queue_wait ?? 0,
    talk_time: c.talk_time ?? 0,
    abandoned: c.abandoned ?? false,
    cancel_reason: c.cancel_reason ?? '',
    action_log: (c.action_log ?? []).map((a) => ({ at: iso(a.at), action: a.action, detail: a.detail })),
    reconciled: c.reconciled,
    // The recording's signed URL (campaign record_calls, answered calls; '' otherwise).
    record_url: c.record_url ?? '',
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

// ---------------------------------------------------------------- voice-bot (docs/api-contract.md §4)

/** What a voice-bot body needs beyond the call record (callbacks/voicebot.ts looks it up). */
export interface VoiceBotContext {
  /** The campaign's integer id (storage/campaign-ids.ts); 0 if it has none. */
  campaign_id: number;
  /** The tenant's IANA zone: voice-bot times are local `YYYY-MM-DD HH:mm:ss`. */
  time_zone: string;
  /** The lead's `name` and `description` fields (voice-bot create), '' when absent. */
  name: string;
  description: string;
  /** What the call cost (storage/billing.ts: the tenant's price per minute of the network × billsec); 0 unpriced. */
  postage: number;
}

const NO_CONTEXT: VoiceBotContext = { campaign_id: 0, time_zone: 'UTC', name: '', description: '', postage: 0 };

/** `YYYY-MM-DD HH:mm:ss` wall-clock time in `time_zone` (the voice-bot API's date style); '' for none. */
export function voiceBotTime(d: Date | null | undefined, time_zone: string): string {
  if (!d) return '';
  const t = new Date(d).getTime();
  const local = new Date(t + zoneOffsetMinutes(new Date(t), time_zone) * 60_000);
  return local.toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * The call's voice-bot status code and call-history disposition, from the one cause table
 * (domain/causes.ts classifyCall). One refinement the table cannot see: a call never dialed because
 * no carrier of the tenant serves the number's network (the engine records it INVALID_GATEWAY with
 * no gateway) is 102 "no hotline for the number's network", or 106 "network not supported" when
 * the network is `offnet` (an operator outside viettel/mobi/vina/tel).
 */
export function voiceBotOutcome(
  c: Pick<CallDoc, 'dialed' | 'gateway' | 'hangup_cause' | 'answered' | 'disposition' | 'network' | 'delivery_error'>,
): { status: number; disposition: VoiceBotDisposition } {
  const d = classifyCall({
    hangupCause: c.hangup_cause,
    answered: c.answered,
    amdResult: c.disposition === 'voicemail' ? 'MACHINE' : null,
    notDelivered: !!c.delivery_error,
  });
  // Refused before dialing by the tenant's prepaid billing (storage/billing.ts).
  if (!c.dialed && d.cause === BALANCE_TOO_LOW) return { status: VOICEBOT_STATUS.BALANCE_TOO_LOW, disposition: d.voiceBotDisposition };
  if (!c.dialed && d.cause === PLAN_EXPIRED) return { status: VOICEBOT_STATUS.PLAN_EXPIRED, disposition: d.voiceBotDisposition };
  if (!c.dialed && !c.gateway && d.cause === 'INVALID_GATEWAY') {
    return {
      status: c.network === 'offnet' ? VOICEBOT_STATUS.NETWORK_NOT_SUPPORTED : VOICEBOT_STATUS.NO_HOTLINE_FOR_NETWORK,
      disposition: d.voiceBotDisposition,
    };
  }
  return { status: d.voiceBotStatus, disposition: d.voiceBotDisposition };
}

const actionLog = (c: CallDoc, tz: string): string =>
  JSON.stringify((c.action_log ?? []).map((a) => ({ at: voiceBotTime(a.at, tz), action: a.action, detail: a.detail })));

/**
 * Voice-bot "autocall history" (lịch sử cuộc gọi tự động), the field list and types of docs/api-contract.md §4:
 * campaign_id Int, create_at String, hotline, phone, name, description String, status Int (the
 * code table), time_call Int (billsec), postage Double (the call's charge), service_charge Double (0), action_log String
 * (a JSON array of {at, action, detail}), event_data String = "autocall_history".
 */
export function voiceBotCallPayload(c: CallDoc, ctx: VoiceBotContext = NO_CONTEXT): Record<string, unknown> {
  return {
    campaign_id: ctx.campaign_id,
    create_at: voiceBotTime(c.created_at, ctx.time_zone),
    hotline: c.caller_number,
    phone: c.phone_number,
    name: ctx.name,
    description: ctx.description,
    status: voiceBotOutcome(c).status,
    time_call: c.billsec,
    postage: ctx.postage,
    service_charge: 0,
    action_log: actionLog(c, ctx.time_zone),
    event_data: 'autocall_history',
  };
}

/**
 * Voice-bot "call history" (lịch sử cuộc gọi), docs/api-contract.md §4's fields, all strings but `error`:
 * status "1" answered / "0" not, data = the call id, hotline_number, date_create (local time),
 * time_call (billsec), type_call CALLOUT (every call here is outbound), caller (hotline), callee
 * (customer), postage, source "autocall", event_data "call_history", disposition (the table's word),
 * record_file (the recording's signed URL when the campaign records calls, else ""), message = the hangup cause when not answered, error = 0 when
 * answered else the autocall status code.
 */
export function voiceBotCallHistoryPayload(c: CallDoc, ctx: VoiceBotContext = NO_CONTEXT): Record<string, unknown> {
  const o = voiceBotOutcome(c);
  const ok = o.status === VOICEBOT_STATUS.ANSWER;
  return {
    status: ok ? '1' : '0',
    data: c.call_id,
    hotline_number: c.caller_number,
    date_create: voiceBotTime(c.created_at, ctx.time_zone),
    time_call: String(c.billsec),
    type_call: 'CALLOUT',
    caller: c.caller_number,
    callee: c.phone_number,
    postage: String(ctx.postage),
    source: 'autocall',
    event_data: 'call_history',
    disposition: o.disposition,
    record_file: c.record_url ?? '',
    message: ok ? '' : c.hangup_cause,
    error: ok ? 0 : o.status,
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
