// The ESL bridge: one connection per FreeSWITCH node (EslPool), subscribed to the hangup of OUR
// calls only (`filter variable_cr_app campaign-runner`: every call we place carries it), turning
// each into a `callEvent` signal to the lead workflow named in the call's `cr_lead_wf` variable.
// A signal that cannot be delivered is logged and dropped: the lead workflow reconciles.
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import { EslPool, type EslEvent } from '../telephony/esl/index.ts';
import { APP_VAR, APP_VAR_VALUE, CALL_ID_VAR, callEventSignal, LEAD_WF_VAR, type CallEventPayload } from '../workflows/contract.ts';

export const BRIDGE_EVENTS = ['CHANNEL_HANGUP_COMPLETE'];

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
  if (!BRIDGE_EVENTS.includes(e.name)) return undefined;
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
  return { workflowId, payload };
}

export interface EslBridge {
  /** Signals sent / failed so far. */
  stats(): { signalled: number; failed: number };
  stop(): void;
}

export function startEslBridge(pool: EslPool, client: Client, logger: Logger): EslBridge {
  let signalled = 0;
  let failed = 0;
  const onEvent = (e: EslEvent) => {
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
