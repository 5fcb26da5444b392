// One lead's attempts: get a slot from the campaign run, originate (activity), wait for the call's
// hangup event (signal from the ESL bridge; reconcile with uuid_exists when it does not come),
// record the call, decide the recall, release the slot, sleep until the recall (holding no slot),
// ask again. Deterministic: what an attempt came to is decided by call-outcome.ts (pure).
//
// Two workflow types run this code: `leadWorkflowV2`, which the run starts, and `leadWorkflow`,
// the first version, kept for the executions started before it (a workflow replays its history
// with the commands it gave then). They differ only in `LeadVersion` below: where version 2 gives
// fewer Temporal actions per call (docs/engine.md, *What a call costs*). Remove `leadWorkflow`
// once no execution of that type is open (`WorkflowType = "leadWorkflow" AND ExecutionStatus = "Running"`).
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
import { hangupFromRecord, leadAfterRecord, settleAttempt, type HangupSeen } from './call-outcome.ts';
import { holdForLimit } from './lead-limit.ts';
import {
  callEventSignal,
  campaignRunWorkflowId,
  leadStateQuery,
  releaseSlotSignal,
  requestSlotSignal,
  runStoppedSignal,
  slotGrantedSignal,
  type AttemptPlan,
  type CallEventPayload,
  type LeadInput,
  type LeadSnapshot,
  type LeadState,
  type NetworkName,
  type OriginateResult,
  type PlaceCallInput,
  type PlaceCallResult,
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
  heartbeatTimeout: '5 seconds',
  retry: { initialInterval: '500 ms', maximumInterval: '5 seconds' },
});
const reconcile = proxyActivities<Activities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '500 ms', maximumInterval: '5 seconds' },
});

/** What differs between the lead workflow's versions (each its own workflow type). */
interface LeadVersion {
  /** Upsert `LeadStatus` on every status set, also the `dialing` the lead was started with (v1). */
  upsertUnchanged: boolean;
  /** A finished lead upserts `Disposition` and `LeadStatus = done` (v1); v2 upserts them only
   *  for a lead that goes on to wait for a recall (a finished lead's outcome: its result, the API). */
  finalAttributes: boolean;
  /** The hangup wait after a reconcile found the call still up: × this, up to 4 × the first (v1: 1). */
  reconcileGrowth: number;
}
const V1: LeadVersion = { upsertUnchanged: true, finalAttributes: true, reconcileGrowth: 1 };
const V2: LeadVersion = { upsertUnchanged: false, finalAttributes: false, reconcileGrowth: 2 };

/** The lead workflow the run starts (activities/run.ts). */
export async function leadWorkflowV2(input: LeadInput): Promise<LeadState> {
  return runLead(input, V2);
}

/** The first version: only for executions started before `leadWorkflowV2` (see the top). */
export async function leadWorkflow(input: LeadInput): Promise<LeadState> {
  return runLead(input, V1);
}

async function runLead(input: LeadInput, version: LeadVersion): Promise<LeadState> {
  const reconcileAfterMs = input.options?.reconcileAfterMs ?? 30_000;
  const campaign = getExternalWorkflowHandle(campaignRunWorkflowId(input.campaign_uuid));
  let granted = input.slotGranted;
  // When the run gave the slot (workflow time): the call record's slot_granted_at (dialer latency).
  let grantedAt = input.granted_at ?? Date.now();
  let stopped = false;
  const hangups = new Map<string, CallEventPayload>(); // by channel uuid
  const state: LeadState = {
    lead_uuid: input.lead_uuid,
    status: granted ? 'dialing' : 'waiting_slot',
    attempts: 0,
    call_id: '',
    disposition: '',
    next_attempt_at: null,
  };
  // What a recall's slot request says of the lead (from its last attempt).
  const ref = { network: 'offnet' as NetworkName, carrier_uuid: '' };
  // The lead as claimed, kept current here (attempts) so an attempt needs no read of the lead.
  const snapshot = input.lead ? { ...input.lead } : undefined;

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

  // The LeadStatus search attribute as last set (v2 skips an upsert that would not change it).
  let attribute = input.slotGranted ? 'dialing' : '';
  const setStatus = (status: LeadState['status'], value: string = status) => {
    state.status = status;
    if (!version.upsertUnchanged && value === attribute) return;
    attribute = value;
    upsertSearchAttributes({ LeadStatus: [value] });
  };
  const park = async (): Promise<LeadState> => {
    await store.parkLead({ lead_uuid: input.lead_uuid });
    setStatus('stopped', 'new');
    return state;
  };

  for (;;) {
    if (!granted) {
      setStatus('waiting_slot');
      try {
        await campaign.signal(requestSlotSignal, { lead: { lead_uuid: input.lead_uuid, ...ref, readyAt: Date.now() } });
      } catch {
        return park(); // no run: the next start claims the lead again
      }
      await condition(() => granted || stopped);
      if (!granted) return park();
    }
    stopped = false;

    // Plan + originate in one activity; heartbeats show a dead worker within seconds.
    const placed = await dial.placeCall(placeCallInput(input, snapshot, grantedAt));
    if (!isPlaced(placed)) {
      const { reason, next_at } = placed.plan;
      if (reason === 'contact_limit' && next_at !== undefined) {
        // Not an attempt: no slot held while it waits for the next allowed moment (lead-limit.ts).
        granted = false;
        attribute = 'waiting_limit';
        if ((await holdForLimit(campaign, state, next_at, () => stopped)) === 'skipped') return state;
        continue;
      }
      await releaseUncalled(campaign, input.lead_uuid);
      state.status = 'done';
      return state;
    }
    const { plan, result } = placed;
    if (result.outcome === 'not_sent') continue; // never reached FreeSWITCH: place it again, same slot
    ref.network = (plan.network || 'offnet') as NetworkName;
    ref.carrier_uuid = plan.carrier_uuid;
    state.attempts = plan.attempt;
    state.call_id = plan.call_id;
    setStatus('dialing');

    const recallAt = await endAttempt({ input, version, plan, result, hangups, grantedAt, reconcileAfterMs, state, snapshot });
    granted = false;
    if (recallAt === null) return state;
    attribute = 'waiting_recall';
    // The recall timer; no slot is held meanwhile.
    await sleep(Math.max(1, recallAt - Date.now()));
  }
}

/**
 * A placed call to its end: its hangup awaited, the call recorded, the lead's state (and its
 * snapshot's attempts) after it. The recall's time, or null when the lead is done.
 */
async function endAttempt(a: {
  input: LeadInput;
  version: LeadVersion;
  plan: AttemptPlan;
  result: OriginateResult;
  hangups: Map<string, CallEventPayload>;
  grantedAt: number;
  reconcileAfterMs: number;
  state: LeadState;
  snapshot: LeadSnapshot | undefined;
}): Promise<number | null> {
  const { plan, state, snapshot } = a;
  const seen = await awaitHangup(a.hangups, plan, a.result, a.reconcileAfterMs, a.version.reconcileGrowth);
  const { record } = settleAttempt({ input: a.input, plan, result: a.result, ...seen, grantedAt: a.grantedAt, now: Date.now() });
  const { disposition, recallAtMs } = leadAfterRecord(record, await local.recordCall(record));
  a.hangups.clear();
  if (snapshot) {
    snapshot.attempts = plan.attempt;
    snapshot.first_attempt_at = plan.first_attempt_at;
  }
  state.disposition = disposition;
  if (recallAtMs !== null || a.version.finalAttributes)
    upsertSearchAttributes({ Disposition: [disposition], LeadStatus: [recallAtMs !== null ? 'waiting_recall' : 'done'] });
  if (recallAtMs === null) {
    state.status = 'done';
    state.next_attempt_at = null;
    return null;
  }
  state.status = 'waiting_recall';
  state.next_attempt_at = recallAtMs;
  return recallAtMs;
}

/** The next attempt's activity input: fresh uuids for the call and each further leg. */
function placeCallInput(input: LeadInput, lead: LeadSnapshot | undefined, grantedAt: number): PlaceCallInput {
  return {
    ...(lead ? { lead } : {}),
    granted_at: grantedAt,
    proposed_call_id: uuid4(),
    // One origination_uuid per further number of the customer (serial/parallel legs).
    extra_leg_uuids: Array.from({ length: Math.max(2, (lead?.phones.length ?? 3) - 1) }, () => uuid4()),
    ...(input.run_id ? { run_id: input.run_id } : {}),
    lead_wf_id: workflowInfo().workflowId,
    lead_uuid: input.lead_uuid,
    campaign_uuid: input.campaign_uuid,
    domain_uuid: input.domain_uuid,
  };
}

const isPlaced = (p: PlaceCallResult): p is Extract<PlaceCallResult, { result: OriginateResult }> => !p.plan.skip;

/** No call was placed (skipped: gone, do-not-call…): the slot is free and the lead is finished. */
async function releaseUncalled(run: ReturnType<typeof getExternalWorkflowHandle>, lead_uuid: string): Promise<void> {
  try {
    await run.signal(releaseSlotSignal, { lead_uuid, disposition: '', final: true, called: false });
  } catch {
    // The run is gone (stopped and ended): nothing holds the slot any more.
  }
}

/**
 * What decides the call. An answered (or still live) call: wait for its leg's hangup event, and
 * when none comes in time find out what became of it (activities/reconcile.ts): still up (wait
 * again), ended (its CDR), lost with its node, or gone without a trace (unknown). A failed call: its
 * legs' hangups may be here. A call already recorded by an earlier execution: its outcome stands.
 */
async function awaitHangup(
  hangups: Map<string, CallEventPayload>,
  plan: AttemptPlan,
  result: OriginateResult,
  reconcileAfterMs: number,
  growth: number,
): Promise<HangupSeen> {
  if (result.outcome === 'recorded' && result.recorded)
    return { hangup: hangupFromRecord(plan.call_id, result.recorded), reconciled: result.recorded.reconciled };
  if (result.outcome === 'ended' && result.hangup) return { hangup: result.hangup, reconciled: false };
  if (result.outcome === 'lost') return { reconciled: true, lost_at: result.lost_at ?? Date.now() };
  if (result.outcome !== 'answered' && result.outcome !== 'live') {
    const hangup = [...hangups.values()].find((h) => plan.leg_uuids.includes(h.uuid));
    return { hangup, reconciled: result.outcome === 'gone' && !hangup };
  }
  const uuid = result.answered_uuid ?? plan.call_id;
  let lastSeen = result.answered_at ?? result.sent_at; // the last moment the call was known to be up
  // A long call is checked less often as it goes on (each check is a timer and an activity); a lost
  // hangup on it is still found within 4 × reconcileAfterMs.
  let waitMs = reconcileAfterMs;
  for (; ; waitMs = Math.min(waitMs * growth, reconcileAfterMs * 4)) {
    if (await condition(() => hangups.has(uuid), waitMs)) return { hangup: hangups.get(uuid), reconciled: false };
    const fate = await reconcile.reconcileCall({ node: result.node, leg_uuids: [uuid], sent_at: result.sent_at });
    const late = hangups.get(uuid); // may have arrived meanwhile
    if (late) return { hangup: late, reconciled: false };
    if (fate.state === 'ended') return { hangup: fate.hangup, reconciled: false };
    if (fate.state === 'lost') return { reconciled: true, lost_at: fate.at };
    if (fate.state === 'gone') return { reconciled: true, last_seen: lastSeen };
    if (fate.state === 'up') lastSeen = Date.now();
  }
}
