// The ESL bridge: one connection per FreeSWITCH node (EslPool), subscribed to the hangup of OUR
// calls only (`filter variable_cr_app campaign-runner`: every call we place carries it), turning
// each into a `callEvent` signal to the lead workflow named in the call's `cr_lead_wf` variable.
// A signal that cannot be delivered is logged and dropped: the lead workflow reconciles.
// CHANNEL_ANSWER is subscribed too, for answer callbacks only: it never signals the lead workflow
// (a signal per answer would cost engine throughput); it starts the `answer` callback delivery
// when the campaign has an answer_callback_url (callbacks/schedule.ts).
import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import { scheduleAnswerDelivery } from '../callbacks/schedule.ts';
import type { AnswerInfo } from '../callbacks/payload.ts';
import type { Config } from '../config/index.ts';
import { DIGITS_VARIABLE } from '../media/playback.ts';
import { EslPool, type EslEvent } from '../telephony/esl/index.ts';
import { APP_VAR, APP_VAR_VALUE, CALL_ID_VAR, callEventSignal, LEAD_WF_VAR, type CallEventPayload } from '../workflows/contract.ts';

/** The events the lead workflow is signalled with. */
export const CALL_EVENTS = ['CHANNEL_HANGUP_COMPLETE'];
/** Everything the bridge subscribes to: the call events, and answers (for answer callbacks). */
export const BRIDGE_EVENTS = [...CALL_EVENTS, 'CHANNEL_ANSWER'];

export function createEslPool(config: Pick<Config, 'eslNodes'>, logger?: Logger): EslPool {
  return new EslPool(config.eslNodes, {
    events: BRIDGE_EVENTS,
    filters: [[`variable_${APP_VAR}`, APP_VAR_VALUE]],
    logger,
  });
}

const num = (v: string | undefined): number | undefined => {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};

/** The signal payload of one event, or undefined when it is not one of our calls' hangups. */
export function toCallEvent(e: EslEvent): { workflowId: string; payload: CallEventPayload } | undefined {
  if (!CALL_EVENTS.includes(e.name)) return undefined;
  const h = e.headers;
  const workflowId = h[`variable_${LEAD_WF_VAR}`];
  const uuid = e.uniqueId ?? h['Unique-ID'];
  if (!workflowId || !uuid) return undefined;
  const ts = num(h['Event-Date-Timestamp']);
  const payload: CallEventPayload = {
    event: e.name,
    call_id: h[`variable_${CALL_ID_VAR}`] ?? '',
    uuid,
    at: ts ? Math.round(ts / 1000) : e.receivedAt,
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
  if (h['variable_sip_term_status']) payload.sip_term_status = h['variable_sip_term_status'];
  // What play_and_get_digits stored (media/playback.ts): the keys pressed and its result.
  if (h[`variable_${DIGITS_VARIABLE}`]) payload.digits = h[`variable_${DIGITS_VARIABLE}`];
  if (h['variable_read_result']) payload.read_result = h['variable_read_result'];
  return { workflowId, payload };
}

/** What an answer callback needs from a CHANNEL_ANSWER of one of our calls, or undefined. */
export function toAnswer(e: EslEvent): Omit<AnswerInfo, 'domain_uuid'> | undefined {
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

export interface EslBridgeOptions {
  /** Where answer callbacks look up the campaign and which task queue runs them; without it
   *  CHANNEL_ANSWER events are ignored. */
  callbacks?: { db: Db; config: Config };
}

export interface EslBridge {
  /** Signals sent / failed so far. */
  stats(): { signalled: number; failed: number };
  stop(): void;
}

export function startEslBridge(pool: EslPool, client: Client, logger: Logger, opts: EslBridgeOptions = {}): EslBridge {
  let signalled = 0;
  let failed = 0;
  const cb = opts.callbacks;
  const onEvent = (e: EslEvent) => {
    if (e.name === 'CHANNEL_ANSWER') {
      const a = cb && toAnswer(e);
      if (a) {
        scheduleAnswerDelivery({ db: cb.db, config: cb.config, logger, temporal: client }, a).catch((err: Error) =>
          logger.warn({ call_id: a.call_id, err: err.message }, 'esl bridge: answer callback not scheduled'),
        );
      }
      return;
    }
    const ev = toCallEvent(e);
    if (!ev) return;
    client.workflow
      .getHandle(ev.workflowId)
      .signal(callEventSignal, ev.payload)
      .then(
        () => signalled++,
        (err: Error) => {
          failed++;
          logger.warn({ workflowId: ev.workflowId, call_id: ev.payload.call_id, err: err.message }, 'esl bridge: signal not delivered');
        },
      );
  };
  pool.on('event', onEvent);
  return {
    stats: () => ({ signalled, failed }),
    stop: () => void pool.off('event', onEvent),
  };
}
