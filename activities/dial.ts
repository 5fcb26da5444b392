// Dialing: plan an attempt (read-only: the call id fixed by the workflow), then originate it
// exactly once.
//
// Idempotency of the originate: the call id (= origination_uuid of the first leg, = the bgapi
// Job-UUID) is fixed by the workflow before the activity runs and is the `_id` of the call record.
// The record is inserted (state `sending`) BEFORE the originate is sent. A retried or replayed
// activity finds the record (duplicate key) and does not send again: it asks FreeSWITCH whether
// the call's channels exist (`uuid_exists`) and reports the call `live` (wait for its events) or
// `gone` (over, or never sent: the outcome is then unknown, recorded as such — never a second dial).
// Writes per call: this insert, then the final record and the lead (activities/calls.ts) — all by
// `_id` (the only lookup FerretDB indexes).
import { Context } from '@temporalio/activity';
import { originateApplication, PARK } from '../media/originate-app.ts';
import { ContentError } from '../media/playback.ts';
import { audioDir, providerFromConfig, Tts, TtsError } from '../media/tts.ts';
import { billingRefusal } from '../storage/billing.ts';
import { callsOf, emptyCallRecord, type CallDoc } from '../storage/calls.ts';
import { getCampaign } from '../storage/campaigns.ts';
import { isDoNotCall } from '../storage/dnc.ts';
import { leadMaxAttempts, leadsOf, type LeadDoc } from '../storage/leads.ts';
import { isDuplicateKey } from '../storage/mongo.ts';
import { ttlCache } from '../storage/ttl-cache.ts';
import {
  APP_VAR,
  APP_VAR_VALUE,
  CALL_ID_VAR,
  LEAD_WF_VAR,
  type AttemptPlan,
  type AttemptResult,
  type LeadSnapshot,
  type OriginateInput,
  type OriginateResult,
  type PlaceCallInput,
  type PlaceCallResult,
  type RecordedOutcome,
} from '../workflows/contract.ts';
import type { ActivityDeps } from './deps.ts';
import { chooseCarrier, tenantCarriers } from './leads.ts';

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

const DEFAULT_CALL_TIMEOUT = 30;

/** `{globals}[origination_uuid=…]sofia/gateway/gw/n1|[…]…` — every leg its own origination_uuid. */
export function buildDialString(plan: AttemptPlan, vars: Record<string, string>): string {
  const globals = Object.entries(vars)
    .map(([k, v]) => `${k}=${v.replace(/[,{}[\]\s]/g, '')}`)
    .join(',');
  const legs = plan.numbers.map((n, i) => `[origination_uuid=${plan.leg_uuids[i]}]sofia/gateway/${plan.gateway}/${n}`);
  return `{${globals}}${legs.join(plan.separator)}`;
}

/** The worker's text-to-speech (one per process: its in-flight map shares syntheses). */
const ttsByDeps = new WeakMap<ActivityDeps, Tts>();
function ttsOf(deps: ActivityDeps): Tts {
  let t = deps.tts ?? ttsByDeps.get(deps);
  if (!t) ttsByDeps.set(deps, (t = new Tts(providerFromConfig(deps.config), audioDir(deps.config.DATA_DIR))));
  return t;
}

/** A tenant's carriers, read at most once a second per worker (a change is seen within a second). */
const cachedCarriers = ttlCache(1_000, tenantCarriers);

export function createDialActivities(deps: ActivityDeps) {
  const { db } = deps;

  async function plan(
    lead: Pick<LeadDoc, 'campaign_uuid' | 'domain_uuid' | 'phone_number' | 'phones' | 'network' | 'masked' | 'attempts' | 'first_attempt_at'> & { max_attempts?: number },
    call_id: string,
    extra: string[],
  ): Promise<AttemptResult> {
    // The campaign through the version-checked cache (a PUT is seen within VERSION_FRESH_MS), the
    // carriers through a one-second cache: two reads saved per call.
    const campaign = await getCampaign(db, lead.domain_uuid, lead.campaign_uuid);
    if (!campaign) return { skip: true, reason: 'campaign_gone' };
    const carriers = await cachedCarriers(db, lead.domain_uuid);
    const carrier = chooseCarrier(carriers, campaign.carrier_uuid, lead.network);
    const mode = campaign.mode_call || 'direct';
    const numbers = mode === 'direct' ? lead.phones.slice(0, 1) : lead.phones.slice(0, 1 + extra.length);
    const callers = carrier?.caller_numbers ?? [];
    const c = campaign as unknown as { max_recall_count?: number; min_recall_duration?: number };
    return {
      skip: false,
      call_id,
      leg_uuids: [call_id, ...extra].slice(0, numbers.length),
      attempt: lead.attempts,
      first_attempt_at: (lead.first_attempt_at ?? new Date()).getTime(),
      numbers,
      separator: mode === 'parralel' ? ',' : '|',
      gateway: carrier?.gateway ?? '',
      carrier_uuid: carrier?.carrier_uuid ?? '',
      caller_number: callers.length ? callers[(lead.attempts - 1) % callers.length]! : '',
      call_timeout: campaign.call_timeout > 0 ? campaign.call_timeout : DEFAULT_CALL_TIMEOUT,
      network: lead.network,
      masked: lead.masked,
      phone_number: lead.phones[0] ?? lead.phone_number,
      recall: {
        // A lead's own number of attempts (voice-bot `numberCall`) replaces the campaign's count.
        recall_times: lead.max_attempts ? lead.max_attempts - 1 : campaign.recall_times,
        ...(lead.max_attempts ? { max_recall_count: lead.max_attempts - 1 } : c.max_recall_count !== undefined ? { max_recall_count: c.max_recall_count } : {}),
        recall_status: campaign.recall_status,
        schedule_recall: campaign.schedule_recall,
        schedule_recall_duration: campaign.schedule_recall_duration,
        limit_recall_duration: campaign.limit_recall_duration,
        ...(c.min_recall_duration !== undefined ? { min_recall_duration: c.min_recall_duration } : {}),
      },
    };
  }

  const api = {
    /**
     * The plan of the lead's next attempt: read-only, so a retry gives the same plan. The call id
     * is the import's call_id for the first call, the workflow's `proposed_call_id` after. The lead
     * is written once per call, when the call is recorded (activities/calls.ts). Checked here,
     * right before each dial: the lead still exists, is still ours, and is not on do-not-call.
     */
    async beginAttempt(input: { lead_uuid: string; proposed_call_id: string; extra_leg_uuids: string[]; lead?: LeadSnapshot; campaign_uuid?: string; domain_uuid?: string }): Promise<AttemptResult> {
      let lead: Pick<LeadDoc, '_id' | 'campaign_uuid' | 'domain_uuid' | 'phone_number' | 'phones' | 'network' | 'masked' | 'next_call_id' | 'attempts' | 'first_attempt_at'> & { max_attempts?: number };
      if (input.lead && input.campaign_uuid && input.domain_uuid) {
        // The workflow's copy (claimed with the lead, attempts kept by the workflow): no read.
        const l = input.lead;
        lead = { ...l, _id: input.lead_uuid, campaign_uuid: input.campaign_uuid, domain_uuid: input.domain_uuid, network: l.network as LeadDoc['network'], first_attempt_at: l.first_attempt_at === null ? null : new Date(l.first_attempt_at) };
      } else {
        const doc = await leadsOf(db).findOne({ _id: input.lead_uuid });
        if (!doc) return { skip: true, reason: 'lead_gone' };
        if (doc.status !== 'queued' && doc.status !== 'waiting_recall' && doc.status !== 'dialing') return { skip: true, reason: `lead_${doc.status}` };
        const max_attempts = leadMaxAttempts(doc.param);
        lead = { ...doc, ...(max_attempts ? { max_attempts } : {}) };
      }
      if (await isDoNotCall(db, lead._id)) {
        await leadsOf(db).updateOne({ _id: lead._id }, { $set: { status: 'do_not_call', updated_at: new Date() } });
        return { skip: true, reason: 'do_not_call' };
      }
      const call_id = lead.attempts === 0 && lead.next_call_id ? lead.next_call_id : input.proposed_call_id;
      return plan({ ...lead, attempts: lead.attempts + 1 }, call_id, input.extra_leg_uuids);
    },

    /**
     * One activity per attempt (fewer workflow tasks per call): the plan, then — unless skipped or
     * not dialable — the originate. A retry recomputes the same plan and never dials twice.
     */
    async placeCall(input: PlaceCallInput): Promise<PlaceCallResult> {
      const planned = await api.beginAttempt(input);
      if (planned.skip) return { plan: planned };
      // Prepaid tenants (storage/billing.ts): no money or no plan → recorded, never dialed (voice-bot 103/105).
      const refused = await billingRefusal(db, input.domain_uuid);
      if (refused) return { plan: { ...planned, gateway: '' }, result: { outcome: 'failed', cause: refused, node: '', sent_at: Date.now() } };
      if (!planned.gateway || planned.numbers.length === 0) {
        return { plan: planned, result: { outcome: 'failed', cause: 'INVALID_GATEWAY', node: '', sent_at: Date.now() } };
      }
      const result = await api.originate({ ...input, plan: planned });
      return { plan: planned, result };
    },

    async originate(input: OriginateInput): Promise<OriginateResult> {
      const { plan: p } = input;
      const esl = deps.esl;
      if (!esl) throw new Error('no ESL pool in this worker');
      // Only a retried activity can find its record already there (the first try inserts it).
      const existing = Context.current().info.attempt > 1 ? await callsOf(db).findOne({ _id: p.call_id }) : null;
      const node = existing?.node || esl.pick().name;
      const vars: Record<string, string> = {
        [APP_VAR]: APP_VAR_VALUE,
        [LEAD_WF_VAR]: input.lead_wf_id,
        [CALL_ID_VAR]: p.call_id,
        campaign_uuid: input.campaign_uuid,
        lead_uuid: input.lead_uuid,
        originate_timeout: String(p.call_timeout),
        ignore_early_media: 'true',
      };
      if (p.caller_number) vars.origination_caller_id_number = p.caller_number;
      const dial = buildDialString(p, vars);
      // What the callee hears (media/originate-app.ts): `&park()` without a template; an
      // unplayable template fails the attempt instead of placing a silent call.
      let app: string;
      try {
        app = existing ? PARK : await originateApplication({ db, config: deps.config, tts: ttsOf(deps) }, input);
      } catch (err) {
        if (!(err instanceof ContentError) && !(err instanceof TtsError)) throw err;
        deps.logger.warn({ call_id: p.call_id, err: (err as Error).message }, 'originate: the call content cannot be played; not dialed');
        return { outcome: 'failed', cause: 'INCOMPATIBLE_DESTINATION', node: '', sent_at: Date.now() };
      }
      const command = `originate ${dial} ${app}`;
      const doc: CallDoc = {
        ...emptyCallRecord({ call_id: p.call_id, lead_uuid: input.lead_uuid, campaign_uuid: input.campaign_uuid, domain_uuid: input.domain_uuid }),
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
      let mine = false;
      if (!existing) {
        try {
          await callsOf(db).insertOne(doc);
          mine = true;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
      }
      if (!mine) return { ...(await reconcileSent(existing ?? (await callsOf(db).findOne({ _id: p.call_id })))), dial_string: existing?.dial_string ?? dial };

      const sentAt = Date.now();
      const timer = setInterval(() => Context.current().heartbeat(), 2_000);
      try {
        const res = await esl.bgapi(node, command, { jobUuid: p.call_id, timeoutMs: (p.call_timeout + 60) * 1000 });
        const body = res.body.trim();
        const ok = res.ok;
        const answered_uuid = ok ? body.replace(/^\+OK\s*/, '').trim() : '';
        // No write here: the activity's result is in the workflow's history; only a try that never
        // returned is retried, and a retry never sends again (reconcileSent).
        return ok
          ? { outcome: 'answered', answered_uuid: answered_uuid || p.call_id, node, sent_at: sentAt, dial_string: dial }
          : { outcome: 'failed', cause: res.error ?? body.replace(/^-ERR\s*/, ''), node, sent_at: sentAt, dial_string: dial };
      } catch (err) {
        deps.logger.warn({ call_id: p.call_id, err: (err as Error).message }, 'originate: no result, reconciling');
        return reconcileSent(doc);
      } finally {
        clearInterval(timer);
      }

      /** The originate may have been sent: never send again. A call already recorded keeps its
       *  outcome; else ask the node whether a leg lives. */
      async function reconcileSent(rec: CallDoc | null): Promise<OriginateResult> {
        const n = rec?.node ?? node;
        const legs = rec?.leg_uuids ?? p.leg_uuids;
        const sent = rec?.originate_sent_at?.getTime() ?? Date.now();
        if (rec?.state === 'done') return { outcome: 'recorded', node: n, sent_at: sent, recorded: recordedOutcome(rec) };
        for (const u of legs) {
          if (await uuidExists(deps, n, u)) return { outcome: 'live', answered_uuid: u, node: n, sent_at: sent };
        }
        return { outcome: 'gone', node: n, sent_at: sent };
      }
    },
  };
  return api;
}

export async function uuidExists(deps: ActivityDeps, node: string, uuid: string): Promise<boolean> {
  if (!deps.esl) throw new Error('no ESL pool in this worker');
  const out = await deps.esl.api(node, `uuid_exists ${uuid}`);
  return out.trim() === 'true';
}
