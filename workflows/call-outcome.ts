// What one attempt came to, from what the lead workflow saw (the originate's result and the
// hangup event, or their absence): the call record to store and whether the lead is called again.
// Pure (the lead workflow calls it; test/unit/call-outcome.test.ts pins it).
import type { KeptOutcome, RecordCallInput } from '../activities/record.ts';
import { classifyCall, wasAnswered } from '../domain/causes.ts';
import { decideRecall, type RecallDecision } from '../domain/recall.ts';
import type { AttemptPlan, CallEventPayload, LeadInput, OriginateResult, QueueOutcome, RecordedOutcome } from './contract.ts';

/** What the workflow learned of a call's end (lead.ts awaitHangup). */
export interface HangupSeen {
  /** The hangup of the leg that decided the call, if it came (event, CDR, or a stored record). */
  hangup?: CallEventPayload | undefined;
  /** No hangup was seen: the outcome was decided by reconciliation. */
  reconciled: boolean;
  /** Its FreeSWITCH died or restarted while the call was up: it ended no later than this (ms). */
  lost_at?: number;
  /** Gone without a trace: the last moment it was known to be up (ms). */
  last_seen?: number;
}

export interface AttemptSeen extends HangupSeen {
  input: LeadInput;
  plan: AttemptPlan;
  result: OriginateResult;
  /** When the run granted the slot (ms). */
  grantedAt: number;
  /** Workflow time now (ms): the end when nothing else gives one. */
  now: number;
}

export interface AttemptOutcome {
  record: RecordCallInput;
  decision: RecallDecision;
}

/** The call's times, in order whatever the clocks say (FreeSWITCH's event clock and the
 *  worker's may differ by milliseconds): sent ≤ answered ≤ ended. */
export function callTimes(a: AttemptSeen, answered: boolean): { sent: number; answeredAt: number | null; ended: number } {
  const { hangup, result } = a;
  const sent = result.sent_at;
  const answerSeen = hangup?.answer_epoch ? hangup.answer_epoch * 1000 : (result.answered_at ?? null);
  const answeredAt = answered && answerSeen !== null ? Math.max(sent, answerSeen) : null;
  const end = hangup?.at ?? (a.lost_at !== undefined ? Math.min(a.lost_at, a.now) : (a.last_seen ?? a.now));
  return { sent, answeredAt, ended: Math.max(end, answeredAt ?? sent) };
}

/** What the call came to (the cause table's classification), and whether an agent queue dropped it. */
function classifyAttempt(a: AttemptSeen): { d: ReturnType<typeof classifyCall>; abandoned: boolean } {
  const { result, hangup, reconciled } = a;
  const answered = hangup
    ? wasAnswered({ billsec: hangup.billsec, answerEpoch: hangup.answer_epoch })
    : result.outcome === 'answered' || result.outcome === 'live';
  const cause =
    hangup?.hangup_cause ??
    (result.outcome === 'failed' ? result.cause : a.lost_at !== undefined ? 'NODE_LOST' : reconciled ? 'UNKNOWN' : 'NORMAL_CLEARING');
  const abandoned = answered && hangup?.cc?.cause === 'cancel';
  // An abandoned customer's message is the abandon message: its failure is not the call's content.
  const d = classifyCall({
    hangupCause: cause,
    answered,
    amdResult: hangup?.amd_result,
    notDelivered: !abandoned && !!hangup?.content_error,
    abandoned,
  });
  return { d, abandoned };
}

export function settleAttempt(a: AttemptSeen): AttemptOutcome {
  const { input, plan, result, hangup, reconciled } = a;
  const cc = hangup?.cc;
  const { d, abandoned } = classifyAttempt(a);
  const { sent, answeredAt, ended: endedAt } = callTimes(a, d.answered);
  // Without the event, the talk time is what the product saw: answer to the end it knows.
  const billsec = hangup?.billsec ?? (answeredAt !== null ? Math.floor((endedAt - answeredAt) / 1000) : 0);
  // An outcome nobody saw is never recalled: the customer may have answered and talked.
  const unknown = reconciled && !hangup && a.lost_at === undefined;
  const decision = decideRecall(
    {
      settings: plan.recall,
      attempts: plan.attempt,
      firstAttemptAtMs: plan.first_attempt_at,
      lastCall: { status: d.status, human: d.human, retryable: d.retryable && !unknown, billsec },
      nowMs: endedAt,
    },
    input.options?.recallFloorMs !== undefined ? { afterFloorMs: input.options.recallFloorMs } : {},
  );
  const legUuid = hangup?.uuid ?? result.answered_uuid ?? '';
  const record: RecordCallInput = {
    call_id: plan.call_id,
    lead_uuid: input.lead_uuid,
    campaign_uuid: input.campaign_uuid,
    domain_uuid: input.domain_uuid,
    ...(input.run_id ? { run_id: input.run_id } : {}),
    granted_at: a.grantedAt,
    attempt: plan.attempt,
    phone_number: legNumber(plan, legUuid),
    network: plan.network,
    carrier_uuid: plan.carrier_uuid,
    caller_number: plan.caller_number,
    gateway: plan.gateway,
    answered_uuid: legUuid,
    leg_uuids: plan.leg_uuids,
    node: result.node,
    dial_string: result.dial_string ?? '',
    dialed: !!plan.gateway && result.node !== '',
    answered: d.answered,
    hangup_cause: d.cause,
    q850: d.q850,
    disposition: d.status,
    report: d.report,
    voice_bot_status: d.voiceBotStatus,
    billsec,
    duration: hangup?.duration ?? Math.round((endedAt - sent) / 1000),
    ...queueFields(cc, endedAt),
    waitsec: cc?.joined_epoch ? queueWait(cc, endedAt) : (hangup?.waitsec ?? 0),
    reconciled,
    sent_at: result.sent_at,
    answered_at: answeredAt,
    ended_at: endedAt,
    digits: hangup?.digits ?? '',
    delivery_error: hangup?.content_error ?? '',
    action_log: actionLog(hangup),
    recorded: !!plan.record && d.answered,
    first_attempt_at: plan.first_attempt_at,
    lead_status: decision.recall ? 'waiting_recall' : 'done',
    next_attempt_at: decision.recall ? decision.atMs : null,
    // The activity signals the run itself: no extra workflow task for a signal command here.
    release: {
      lead_uuid: input.lead_uuid,
      disposition: d.status,
      final: !decision.recall,
      called: true,
      answered: d.answered && !d.status.startsWith('voicemail'),
      abandoned,
    },
  };
  return { record, decision };
}

/** What becomes of the lead after `recordCall`: what this attempt decided — or, when an earlier run
 *  of the same workflow task already recorded the call with another outcome (a signal came while
 *  it ran and the task ran again), what that run stored, which the record, the report, the
 *  callback and the run's count already follow (docs/engine.md, *A re-run workflow task*). */
export function leadAfterRecord(
  record: Pick<RecordCallInput, 'disposition' | 'lead_status' | 'next_attempt_at'>,
  kept: KeptOutcome | null | undefined,
): { disposition: string; recallAtMs: number | null } {
  const o = kept ?? record;
  return { disposition: o.disposition, recallAtMs: o.lead_status === 'waiting_recall' ? o.next_attempt_at : null };
}

/** Seconds in the queue: joined → taken by an agent, or → left it. */
function queueWait(cc: QueueOutcome, endedAt: number): number {
  const left = cc.answered_epoch || cc.canceled_epoch || Math.floor(endedAt / 1000);
  return Math.max(0, left - cc.joined_epoch);
}

/** The autodialer's fields of a call record (agent, queue wait, talk, abandonment). */
function queueFields(cc: QueueOutcome | undefined, endedAt: number) {
  if (!cc) return { agent_name: '', queue_wait: 0, talk_time: 0, abandoned: false, cancel_reason: '' };
  return {
    agent_name: cc.cause === 'answered' ? cc.agent : '',
    queue_wait: cc.joined_epoch ? queueWait(cc, endedAt) : 0,
    talk_time: cc.bridge_epoch ? Math.max(0, Math.floor(endedAt / 1000) - cc.bridge_epoch) : 0,
    abandoned: cc.cause === 'cancel',
    cancel_reason: cc.cause === 'cancel' ? cc.cancel_reason : '',
  };
}

/** A stored outcome as the hangup event that made it. */
export function hangupFromRecord(call_id: string, r: RecordedOutcome): CallEventPayload {
  return {
    event: 'CHANNEL_HANGUP_COMPLETE',
    call_id,
    uuid: r.answered_uuid || call_id,
    at: r.ended_at,
    hangup_cause: r.hangup_cause,
    billsec: r.billsec,
    duration: r.duration,
    waitsec: r.waitsec,
    ...(r.answered_at !== null ? { answer_epoch: Math.round(r.answered_at / 1000) } : {}),
    ...(r.digits ? { digits: r.digits } : {}),
  };
}

/** What the callee did in the call (play_and_get_digits): the keys pressed and the read result. */
function actionLog(h: CallEventPayload | undefined): Array<{ at: number; action: string; detail: string }> {
  if (!h || (h.digits === undefined && h.read_result === undefined)) return [];
  const log = [{ at: h.at, action: 'digits', detail: h.digits ?? '' }];
  if (h.read_result) log.push({ at: h.at, action: 'read_result', detail: h.read_result });
  return log;
}

/** The number of the leg a call record is about: with serial or parallel dialing it may not be the
 *  lead's first number (the answered leg's, or the leg whose hangup decided the outcome). */
function legNumber(plan: { leg_uuids: string[]; numbers: string[]; phone_number: string }, uuid: string | undefined): string {
  const i = uuid ? plan.leg_uuids.indexOf(uuid) : -1;
  return (i >= 0 ? plan.numbers[i] : undefined) ?? plan.phone_number;
}
