// One lead's attempts: get a slot from the campaign run, originate (activity), wait for the call's
// hangup event (signal from the ESL bridge; reconcile with uuid_exists when it does not come),
// record the call, decide the recall, release the slot, sleep until the recall (holding no slot),
// ask again. Deterministic: domain/causes and domain/recall are pure.
import {
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { AttemptPlan, OriginateResult, RecordedOutcome } from '../activities/dial.ts';
import { classifyCall, wasAnswered } from '../domain/causes.ts';
import { decideRecall } from '../domain/recall.ts';
import {
  callEventSignal,
  campaignRunWorkflowId,
  leadStateQuery,
  releaseSlotSignal,
  requestSlotSignal,
  runStoppedSignal,
  slotGrantedSignal,
  type CallEventPayload,
  type LeadInput,
  type LeadState,
  type NetworkName,
} from './contract.ts';

const store = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 ms', maximumInterval: '5 seconds' },
});
// Recording a call is a few `_id` writes: a local activity, run by the worker inside the workflow
// task that got the hangup, so the record, the slot release and the workflow's next step take one
// workflow task instead of three. A worker that dies meanwhile leaves the task to be retried, and
// the activity with it (it is idempotent).
const local = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 ms', maximumInterval: '5 seconds' },
});
// An attempt's activity returns when the call is answered or has failed (the ring timeout is at
// most 600 s); a dead worker shows in the missing heartbeats.
const dial = proxyActivities<Activities>({
  startToCloseTimeout: '12 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '500 ms', maximumInterval: '5 seconds' },
});
const reconcile = proxyActivities<Activities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '500 ms', maximumInterval: '5 seconds' },
});

export async function leadWorkflow(input: LeadInput): Promise<LeadState> {
  const reconcileAfterMs = input.options?.reconcileAfterMs ?? 30_000;
  const campaign = getExternalWorkflowHandle(campaignRunWorkflowId(input.campaign_uuid));
  let granted = input.slotGranted;
  // When the run gave the slot (workflow time): the call record's slot_granted_at (dialer latency).
  let grantedAt = input.granted_at ?? Date.now();
  let stopped = false;
  const hangups = new Map<string, CallEventPayload>(); // by channel uuid
  const state: LeadState = { lead_uuid: input.lead_uuid, status: granted ? 'dialing' : 'waiting_slot', attempts: 0, call_id: '', disposition: '', next_attempt_at: null };
  let network: NetworkName = 'offnet';
  // The lead as claimed, kept current here (attempts) so an attempt needs no read of the lead.
  const snapshot = input.lead ? { ...input.lead } : undefined;
  let carrier = '';

  setHandler(slotGrantedSignal, () => {
    granted = true;
    grantedAt = Date.now();
  });
  setHandler(runStoppedSignal, () => {
    stopped = true;
  });
  setHandler(callEventSignal, (e) => {
    if (e.event === 'CHANNEL_HANGUP_COMPLETE') hangups.set(e.uuid, e);
  });
  setHandler(leadStateQuery, () => state);

  const release = async (disposition: string, final: boolean, called: boolean) => {
    try {
      await campaign.signal(releaseSlotSignal, { lead_uuid: input.lead_uuid, disposition, final, called });
    } catch {
      // The run is gone (stopped and ended): nothing holds the slot any more.
    }
  };
  const park = async (): Promise<LeadState> => {
    await store.parkLead({ lead_uuid: input.lead_uuid });
    state.status = 'stopped';
    upsertSearchAttributes({ LeadStatus: ['new'] });
    return state;
  };

  for (;;) {
    if (!granted) {
      state.status = 'waiting_slot';
      upsertSearchAttributes({ LeadStatus: ['waiting_slot'] });
      try {
        await campaign.signal(requestSlotSignal, { lead: { lead_uuid: input.lead_uuid, network, carrier_uuid: carrier, readyAt: Date.now() } });
      } catch {
        return park(); // no run: the next start claims the lead again
      }
      await condition(() => granted || stopped);
      if (!granted) return park();
    }
    stopped = false;

    // Plan + originate in one activity; heartbeats show a dead worker within seconds.
    const placed = await dial.placeCall({
      ...(snapshot ? { lead: snapshot } : {}),
      granted_at: grantedAt,
      proposed_call_id: uuid4(),
      // One origination_uuid per further number of the customer (serial/parallel legs).
      extra_leg_uuids: Array.from({ length: Math.max(2, (snapshot?.phones.length ?? 3) - 1) }, () => uuid4()),
      ...(input.run_id ? { run_id: input.run_id } : {}),
      lead_wf_id: workflowInfo().workflowId,
      lead_uuid: input.lead_uuid,
      campaign_uuid: input.campaign_uuid,
      domain_uuid: input.domain_uuid,
    });
    if (placed.plan.skip) {
      await release('', true, false);
      state.status = 'done';
      return state;
    }
    const plan: AttemptPlan = placed.plan;
    const result: OriginateResult = (placed as { result: OriginateResult }).result;
    network = (plan.network || 'offnet') as NetworkName;
    carrier = plan.carrier_uuid;
    state.attempts = plan.attempt;
    state.call_id = plan.call_id;
    state.status = 'dialing';
    upsertSearchAttributes({ LeadStatus: ['dialing'] });

    // Wait for the hangup of the answered leg; reconcile when it does not come.
    let hangup: CallEventPayload | undefined;
    let reconciled = false;
    if (result.outcome === 'answered' || result.outcome === 'live') {
      const uuid = result.answered_uuid ?? plan.call_id;
      for (;;) {
        const got = await condition(() => hangups.has(uuid), reconcileAfterMs);
        if (got) {
          hangup = hangups.get(uuid);
          break;
        }
        const r = await reconcile.reconcileCall({ node: result.node, leg_uuids: [uuid] });
        if (!r.exists) {
          hangup = hangups.get(uuid); // may have arrived meanwhile
          reconciled = !hangup;
          break;
        }
      }
    } else if (result.outcome === 'recorded' && result.recorded) {
      // Already recorded by an earlier execution: its outcome stands (never a less-informed one).
      hangup = hangupFromRecord(plan.call_id, result.recorded);
      reconciled = result.recorded.reconciled;
    } else {
      // failed, or gone after a retry: the hangup of one of its legs may already be here.
      hangup = [...hangups.values()].find((h) => plan.leg_uuids.includes(h.uuid));
      reconciled = result.outcome === 'gone' && !hangup;
    }

    const endedAt = hangup?.at ?? Date.now();
    const answered = hangup ? wasAnswered({ billsec: hangup.billsec, answerEpoch: hangup.answer_epoch }) : result.outcome === 'answered' || result.outcome === 'live';
    const cause = hangup?.hangup_cause ?? (result.outcome === 'failed' ? result.cause : reconciled ? 'UNKNOWN' : 'NORMAL_CLEARING');
    const d = classifyCall({ hangupCause: cause, answered, amdResult: hangup?.amd_result });
    const billsec = hangup?.billsec ?? 0;
    const decision = decideRecall(
      { settings: plan.recall, attempts: plan.attempt, firstAttemptAtMs: plan.first_attempt_at, lastCall: { status: d.status, human: d.human, retryable: d.retryable, billsec }, nowMs: endedAt },
      input.options?.recallFloorMs !== undefined ? { afterFloorMs: input.options.recallFloorMs } : {},
    );
    const legUuid = hangup?.uuid ?? result.answered_uuid ?? '';
    await local.recordCall({
      call_id: plan.call_id,
      lead_uuid: input.lead_uuid,
      campaign_uuid: input.campaign_uuid,
      domain_uuid: input.domain_uuid,
      ...(input.run_id ? { run_id: input.run_id } : {}),
      granted_at: grantedAt,
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
      duration: hangup?.duration ?? Math.round((endedAt - result.sent_at) / 1000),
      waitsec: hangup?.waitsec ?? 0,
      reconciled,
      sent_at: result.sent_at,
      answered_at: d.answered && hangup?.answer_epoch ? hangup.answer_epoch * 1000 : null,
      ended_at: endedAt,
      digits: hangup?.digits ?? '',
      action_log: actionLog(hangup),
      first_attempt_at: plan.first_attempt_at,
      lead_status: decision.recall ? 'waiting_recall' : 'done',
      next_attempt_at: decision.recall ? decision.atMs : null,
      // The activity signals the run itself: no extra workflow task for a signal command here.
      release: { lead_uuid: input.lead_uuid, disposition: d.status, final: !decision.recall, called: true },
    });
    hangups.clear();
    if (snapshot) {
      snapshot.attempts = plan.attempt;
      snapshot.first_attempt_at = plan.first_attempt_at;
    }
    state.disposition = d.status;
    granted = false;
    upsertSearchAttributes({ Disposition: [d.status], LeadStatus: [decision.recall ? 'waiting_recall' : 'done'] });
    if (!decision.recall) {
      state.status = 'done';
      state.next_attempt_at = null;
      return state;
    }
    state.status = 'waiting_recall';
    state.next_attempt_at = decision.atMs;
    // The recall timer; no slot is held meanwhile.
    await sleep(Math.max(1, decision.atMs - Date.now()));
  }
}

/** A stored outcome as the hangup event that made it. */
function hangupFromRecord(call_id: string, r: RecordedOutcome): CallEventPayload {
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
