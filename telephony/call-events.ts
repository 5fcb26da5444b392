// FreeSWITCH events of our calls, as the workflows and callbacks need them. Every call we place
// carries `cr_app=campaign-runner` (the node listener filters on it), `cr_lead_wf` (the lead
// workflow to tell) and `cr_call_id`. Pure: translates headers, does nothing.
import {
  APP_VAR,
  APP_VAR_VALUE,
  CALL_ID_VAR,
  DIGITS_VARIABLE,
  LEAD_WF_VAR,
  type CallEventPayload,
  type QueueOutcome,
} from '../workflows/contract.ts';
import type { EslEvent } from './esl/index.ts';

/** The events the lead workflow is signalled with. */
export const CALL_EVENTS = ['CHANNEL_HANGUP_COMPLETE'];
/** What a node listener subscribes to: the call events, answers (for answer callbacks) and
 *  mod_avmd's beep (voicemail detection: the listener acts on it, beepCommand). */
export const LISTEN_EVENTS = [...CALL_EVENTS, 'CHANNEL_ANSWER', 'CUSTOM'];
export const AVMD_BEEP = 'avmd::beep';
export const LISTEN_SUBCLASSES = [AVMD_BEEP];
/** Channel variables of a call with voicemail detection: the campaign's mode and, for
 *  `leave_message`, the file to play after the beep (activities/originate.ts sets them). */
export const AMD_VAR = 'cr_amd';
export const AMD_MESSAGE_VAR = 'cr_amd_message';
/** Only our calls' events reach the listener. */
export const LISTEN_FILTER: [string, string] = [`variable_${APP_VAR}`, APP_VAR_VALUE];

const num = (v: string | undefined): number | undefined => {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};

/** The lead workflow to signal and the payload, from a channel's variables (an event's headers or
 *  a CDR's variables, both `variable_`-prefixed), or undefined when it is not one of our calls. */
export function callEventOf(
  name: string,
  h: Record<string, string | undefined>,
  fallback: { uuid?: string; at: number },
): { workflowId: string; payload: CallEventPayload } | undefined {
  const workflowId = h[`variable_${LEAD_WF_VAR}`];
  const uuid = fallback.uuid ?? h['Unique-ID'] ?? h['variable_uuid'];
  if (!workflowId || !uuid) return undefined;
  const ts = num(h['Event-Date-Timestamp']);
  const payload: CallEventPayload = {
    event: name,
    call_id: h[`variable_${CALL_ID_VAR}`] ?? '',
    uuid,
    at: ts ? Math.round(ts / 1000) : fallback.at,
  };
  const cause = h['variable_hangup_cause'] ?? h['Hangup-Cause'];
  if (cause) payload.hangup_cause = cause;
  const billsec = num(h['variable_billsec']);
  if (billsec !== undefined) payload.billsec = billsec;
  const duration = num(h['variable_duration']);
  if (duration !== undefined) payload.duration = duration;
  const waitsec = num(h['variable_waitsec']);
  if (waitsec !== undefined) payload.waitsec = waitsec;
  const answer = num(h['variable_answer_epoch']);
  if (answer !== undefined) payload.answer_epoch = answer;
  if (h['variable_amd_result']) payload.amd_result = h['variable_amd_result'];
  // mod_avmd heard a beep (avmd_report_detection sets avmd_detect=TRUE on the channel; capture 41):
  // an answering machine.
  else if (h['variable_avmd_detect'] === 'TRUE') payload.amd_result = 'MACHINE';
  if (h['variable_sip_term_status']) payload.sip_term_status = h['variable_sip_term_status'];
  // What play_and_get_digits stored (media/playback.ts): the keys pressed and its result.
  if (h[`variable_${DIGITS_VARIABLE}`]) payload.digits = h[`variable_${DIGITS_VARIABLE}`];
  if (h['variable_read_result']) payload.read_result = h['variable_read_result'];
  const failed = contentError(h);
  if (failed) payload.content_error = failed;
  const cc = queueOutcome(h);
  if (cc) payload.cc = cc;
  return { workflowId, payload };
}

/** What a media application answers when it could not play its file (switch_ivr_play_file). */
const MEDIA_FAILURES = new Set(['FILE NOT FOUND', 'PLAYBACK ERROR']);

/** The content failure a hung-up channel shows (capture 40: playback of an unreachable URL →
 *  `current_application_response: FILE NOT FOUND`, then FreeSWITCH hangs up), or undefined. */
export function contentError(h: Record<string, string | undefined>): string | undefined {
  const response = h['variable_current_application_response'];
  if (!response || !MEDIA_FAILURES.has(response)) return undefined;
  const app = h['variable_current_application'] ?? h['variable_last_app'] ?? '';
  const arg = h['variable_last_arg'] ?? '';
  return `${app}: ${response}${arg ? ` (${arg})` : ''}`;
}

/** mod_callcenter's member-leg variables (captures 31–43: cc_cause, cc_agent, cc_queue_*_epoch,
 *  cc_cancel_reason, bridge_epoch), or undefined when the call never went into a queue. */
export function queueOutcome(h: Record<string, string | undefined>): QueueOutcome | undefined {
  if (h['variable_cc_side'] !== 'member' && !h['variable_cc_cause']) return undefined;
  const n = (k: string) => num(h[`variable_${k}`]) ?? 0;
  return {
    cause: h['variable_cc_cause'] ?? '',
    cancel_reason: h['variable_cc_cancel_reason'] ?? '',
    agent: h['variable_cc_agent'] ?? '',
    joined_epoch: n('cc_queue_joined_epoch'),
    answered_epoch: n('cc_queue_answered_epoch'),
    canceled_epoch: n('cc_queue_canceled_epoch'),
    bridge_epoch: n('bridge_epoch'),
  };
}

/** The signal payload of one event, or undefined when it is not one of our calls' hangups. */
export function toCallEvent(e: EslEvent): { workflowId: string; payload: CallEventPayload } | undefined {
  if (!CALL_EVENTS.includes(e.name)) return undefined;
  return callEventOf(e.name, e.headers, { uuid: e.uniqueId, at: e.receivedAt });
}

/**
 * What to tell FreeSWITCH when mod_avmd hears the beep on one of our calls (the `avmd::beep` copy
 * with the channel's data: the node listener's filter on variable_cr_app drops the module's bare
 * copy, capture 41 and mod_event_socket.c): `hangup` → `uuid_kill` (recorded voicemail: the hangup
 * carries avmd_detect=TRUE); `leave_message` → `uuid_transfer` to the inline extension
 * `playback:<message>,hangup`, which breaks off what plays (over the greeting) and plays the message
 * from its start after the beep. Undefined when the call asked for nothing (or is not ours).
 */
export function beepCommand(e: EslEvent): string | undefined {
  if (e.name !== 'CUSTOM' || e.subclass !== AVMD_BEEP) return undefined;
  const h = e.headers;
  const uuid = h['Unique-ID'] ?? e.uniqueId;
  const mode = h[`variable_${AMD_VAR}`];
  if (!uuid || !/^[0-9A-Za-z-]+$/.test(uuid)) return undefined;
  const message = h[`variable_${AMD_MESSAGE_VAR}`] ?? '';
  if (mode === 'leave_message' && message && /^[^\s,'"]+$/.test(message)) return `uuid_transfer ${uuid} playback:${message},hangup inline`;
  if (mode === 'hangup' || mode === 'leave_message') return `uuid_kill ${uuid}`;
  return undefined;
}

/** What an answer callback needs from a CHANNEL_ANSWER of one of our calls, or undefined. */
export function toAnswer(
  e: EslEvent,
): { call_id: string; campaign_uuid: string; lead_uuid: string; uuid: string; phone_number: string; answered_at: number } | undefined {
  if (e.name !== 'CHANNEL_ANSWER') return undefined;
  const h = e.headers;
  const call_id = h[`variable_${CALL_ID_VAR}`];
  const campaign_uuid = h['variable_campaign_uuid'];
  const uuid = e.uniqueId ?? h['Unique-ID'];
  if (!call_id || !campaign_uuid || !uuid) return undefined;
  const ts = num(h['Event-Date-Timestamp']);
  return {
    call_id,
    campaign_uuid,
    lead_uuid: h['variable_lead_uuid'] ?? '',
    uuid,
    phone_number: h['Caller-Destination-Number'] ?? '',
    answered_at: ts ? Math.round(ts / 1000) : e.receivedAt,
  };
}
