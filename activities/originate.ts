// The originate, sent exactly once.
//
// The call id (= origination_uuid of the first leg, = the bgapi Job-UUID) is fixed by the workflow
// before the activity runs and is the `_id` of the call record. The record is inserted (state
// `sending`) BEFORE the originate is sent. A retried or replayed activity finds the record
// (duplicate key) and does not send again: a record already `done` keeps its outcome (`recorded`);
// else it finds out what became of the call (activities/reconcile.ts: its CDR, its node, its
// channels) — never a second dial. Writes per call: this insert, then the final record and
// the lead (activities/record.ts) — all by `_id` (the only lookup FerretDB indexes).
import { Context } from '@temporalio/activity';
import { originateApplication, PARK, voicemailMessage } from '../media/originate-app.ts';
import { recordingFsPath } from '../media/recordings.ts';
import { AMD_MESSAGE_VAR, AMD_VAR } from '../telephony/call-events.ts';
import { ContentError } from '../media/playback.ts';
import { audioDir, providerFromConfig, Tts, TtsError } from '../media/tts.ts';
import { callsOf, emptyCallRecord, type CallDoc } from '../storage/calls.ts';
import { isDuplicateKey } from '../storage/mongo.ts';
import { buildDialString } from '../telephony/dial-string.ts';
import {
  APP_VAR,
  APP_VAR_VALUE,
  CALL_ID_VAR,
  LEAD_WF_VAR,
  type OriginateInput,
  type OriginateResult,
  type RecordedOutcome,
} from '../workflows/contract.ts';
import type { ActivityDeps } from './deps.ts';
import { callFate, CDR_GRACE_MS } from './reconcile.ts';
import { bindCall } from '../config/call-context.ts';
import { callOriginated } from '../config/metrics.ts';

export async function originate(deps: ActivityDeps, input: OriginateInput): Promise<OriginateResult> {
  const { plan: p } = input;
  bindCall(input); // every log line of this call carries its ids (config/call-context.ts)
  const esl = deps.esl;
  if (!esl) throw new Error('no ESL pool in this worker');
  // Only a retried activity can find its record already there (the first try inserts it).
  const existing = Context.current().info.attempt > 1 ? await callsOf(deps.db).findOne({ _id: p.call_id }) : null;
  const node = existing?.node || p.node || esl.pick().name;
  // What the callee hears (media/originate-app.ts): `&park()` without a template; an unplayable
  // template fails the attempt instead of placing a silent call.
  let app: string;
  try {
    app = existing ? PARK : await originateApplication({ db: deps.db, config: deps.config, tts: ttsOf(deps) }, input);
  } catch (err) {
    if (!(err instanceof ContentError) && !(err instanceof TtsError)) throw err;
    deps.logger.warn({ call_id: p.call_id, err: (err as Error).message }, 'originate: the call content cannot be played; not dialed');
    return { outcome: 'failed', cause: 'INCOMPATIBLE_DESTINATION', node: '', sent_at: Date.now() };
  }
  const dial = buildDialString(p, { ...callVariables(input), ...answeredLegVariables(deps, input, app) });
  const doc = sendingRecord(input, node, dial);
  if (existing || !(await insertSending(deps, doc))) {
    const rec = existing ?? (await callsOf(deps.db).findOne({ _id: p.call_id }));
    return { ...(await reconcileSent(deps, rec ?? doc)), dial_string: existing?.dial_string ?? dial };
  }

  const sentAt = Date.now();
  callOriginated(input);
  try {
    const res = await esl.bgapi(node, `originate ${dial} ${app}`, { jobUuid: p.call_id, timeoutMs: (p.call_timeout + 60) * 1000 });
    const body = res.body.trim();
    // No write here: the activity's result is in the workflow's history; only a try that never
    // returned is retried, and a retry never sends again (reconcileSent).
    return res.ok
      ? {
          outcome: 'answered',
          answered_uuid: body.replace(/^\+OK\s*/, '').trim() || p.call_id,
          node,
          sent_at: sentAt,
          answered_at: Date.now(),
          dial_string: dial,
        }
      : { outcome: 'failed', cause: res.error ?? body.replace(/^-ERR\s*/, ''), node, sent_at: sentAt, dial_string: dial };
  } catch (err) {
    deps.logger.warn({ call_id: p.call_id, err: (err as Error).message }, 'originate: no result, reconciling');
    return reconcileSent(deps, doc);
  }
}

/** The channel variables every call carries: ours (the bridge filters and routes on them) and the
 *  originate's own. */
function callVariables(input: OriginateInput): Record<string, string> {
  const p = input.plan;
  return {
    [APP_VAR]: APP_VAR_VALUE,
    [LEAD_WF_VAR]: input.lead_wf_id,
    [CALL_ID_VAR]: p.call_id,
    campaign_uuid: input.campaign_uuid,
    lead_uuid: input.lead_uuid,
    originate_timeout: String(p.call_timeout),
    ignore_early_media: 'true',
    ...(p.caller_number ? { origination_caller_id_number: p.caller_number } : {}),
  };
}

/**
 * What runs on the answered leg (switch_channel_execute_on: `app:arg`, no spaces): mod_avmd's
 * avmd_start for voicemail detection, with the campaign's mode and the message to play after the
 * beep for the node listener (telephony/call-events.ts beepCommand); record_session into the
 * recordings folder as FreeSWITCH sees it (media/recordings.ts).
 */
function answeredLegVariables(deps: ActivityDeps, input: OriginateInput, app: string): Record<string, string> {
  const p = input.plan;
  const vars: Record<string, string> = {};
  if (p.record) vars.execute_on_answer_record = `record_session:${recordingFsPath(deps.config, input.domain_uuid, p.call_id)}`;
  if (p.amd && p.amd !== 'off') {
    vars.execute_on_answer_amd = 'avmd_start';
    vars[AMD_VAR] = p.amd;
    const message = p.amd === 'leave_message' ? voicemailMessage(app) : null;
    if (message) vars[AMD_MESSAGE_VAR] = message;
  }
  return vars;
}

/** The call record as inserted before the send (state `sending`): the "already sent" mark. */
function sendingRecord(input: OriginateInput, node: string, dial: string): CallDoc {
  const p = input.plan;
  return {
    ...emptyCallRecord({
      call_id: p.call_id,
      lead_uuid: input.lead_uuid,
      campaign_uuid: input.campaign_uuid,
      domain_uuid: input.domain_uuid,
    }),
    run_id: input.run_id ?? '',
    slot_granted_at: input.granted_at ? new Date(input.granted_at) : null,
    attempt: p.attempt,
    phone_number: p.phone_number,
    network: p.network,
    carrier_uuid: p.carrier_uuid,
    caller_number: p.caller_number,
    dial_string: dial,
    gateway: p.gateway,
    leg_uuids: p.leg_uuids,
    node,
    state: 'sending',
    dialed: true,
    originate_sent_at: new Date(),
    created_at: new Date(),
  };
}

/** true: the record is ours and the originate may be sent; false: an earlier try inserted it. */
async function insertSending(deps: ActivityDeps, doc: CallDoc): Promise<boolean> {
  try {
    await callsOf(deps.db).insertOne(doc);
    return true;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return false;
  }
}

/** The originate may have been sent: never send again. A call already recorded keeps its outcome;
 *  else what became of it (activities/reconcile.ts): still up, ended (its CDR), lost with its
 *  node, or gone. A node that does not answer yet: the activity is retried. */
async function reconcileSent(deps: ActivityDeps, rec: CallDoc): Promise<OriginateResult> {
  const sent = (rec.originate_sent_at ?? rec.created_at).getTime();
  const base = { node: rec.node, sent_at: sent };
  if (rec.state === 'done') return { ...base, outcome: 'recorded', recorded: recordedOutcome(rec) };
  // With CDRs posted, every channel FreeSWITCH created leaves one: none after the grace wait means
  // the originate never reached it (the worker died before sending) — nobody was called.
  const cdrs = !!deps.config.FREESWITCH_HTTP_PASSWORD;
  const fate = await callFate(deps, { node: rec.node, leg_uuids: rec.leg_uuids, sent_at: sent }, cdrs ? CDR_GRACE_MS : 0);
  switch (fate.state) {
    case 'up':
      return { ...base, outcome: 'live', answered_uuid: fate.uuid };
    case 'ended':
      return { ...base, outcome: 'ended', hangup: fate.hangup };
    case 'lost':
      return { ...base, outcome: 'lost', lost_at: fate.at };
    case 'gone':
      if (!cdrs) return { ...base, outcome: 'gone' };
      // Not sent: the mark goes, so the next try (same call id) may send it.
      await callsOf(deps.db).deleteOne({ _id: rec._id });
      return { ...base, outcome: 'not_sent' };
    case 'unreachable':
      throw new Error(`ESL node ${rec.node} does not answer: the call's fate is not known yet`);
  }
}

function recordedOutcome(rec: CallDoc): RecordedOutcome {
  return {
    answered: rec.answered,
    hangup_cause: rec.hangup_cause,
    billsec: rec.billsec,
    duration: rec.duration,
    waitsec: rec.waitsec,
    answered_uuid: rec.answered_uuid,
    answered_at: rec.answered_at?.getTime() ?? null,
    ended_at: (rec.ended_at ?? rec.created_at).getTime(),
    digits: rec.digits,
    reconciled: rec.reconciled,
  };
}

/** The worker's text-to-speech (one per process: its in-flight map shares syntheses). */
const ttsByDeps = new WeakMap<ActivityDeps, Tts>();
function ttsOf(deps: ActivityDeps): Tts {
  let t = deps.tts ?? ttsByDeps.get(deps);
  if (!t) ttsByDeps.set(deps, (t = new Tts(providerFromConfig(deps.config), audioDir(deps.config.DATA_DIR))));
  return t;
}
