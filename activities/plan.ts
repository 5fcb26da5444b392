// The plan of a lead's next attempt: read-only, so a retried activity plans the same call. The
// call id is the import's call_id for the first call, the workflow's `proposed_call_id` after.
// Checked here, right before each dial: the lead still exists, is still ours, and is not on
// do-not-call (the v2 per-lead marks, the tenant's list: activities/compliance.ts). The lead is
// written once per call, when the call is recorded (activities/record.ts).
import type { CampaignDoc } from '../domain/campaign.ts';
import { chooseCarrier } from '../domain/carrier.ts';
import { getCampaign } from '../storage/campaigns.ts';
import { tenantCarriers, type CarrierDoc } from '../storage/directory.ts';
import { isDoNotCall } from '../storage/dnc.ts';
import { onTenantDnc } from './compliance.ts';
import { leadMaxAttempts, leadsOf, type LeadDoc } from '../storage/leads.ts';
import { ttlCache } from '../storage/ttl-cache.ts';
import type { AttemptPlan, AttemptResult, PlaceCallInput } from '../workflows/contract.ts';
import { campaignNode } from './callcenter.ts';
import type { ActivityDeps } from './deps.ts';

/** Ring time when the campaign sets none (seconds). */
export const DEFAULT_CALL_TIMEOUT = 30;

/** A tenant's carriers, read at most once a second per worker (a change is seen within a second). */
const cachedCarriers = ttlCache(1_000, tenantCarriers);

type PlannedLead = Pick<
  LeadDoc,
  | '_id'
  | 'campaign_uuid'
  | 'domain_uuid'
  | 'phone_number'
  | 'phones'
  | 'network'
  | 'masked'
  | 'next_call_id'
  | 'attempts'
  | 'first_attempt_at'
> & {
  max_attempts?: number;
};

export async function planAttempt(deps: ActivityDeps, input: PlaceCallInput): Promise<AttemptResult> {
  const { db } = deps;
  const lead = await leadOf(deps, input);
  if ('skip' in lead) return lead;
  // The v2 per-lead marks, then the tenant's list (every number the lead may be dialed on; one `_id`
  // lookup each, never cached: a number added is honoured by the next dial).
  // The lead's own mark and the tenant's list, read together: one round trip on every dial.
  const barred = await Promise.all([isDoNotCall(db, lead._id), onTenantDnc(deps, lead.domain_uuid, lead.phones)]);
  if (barred.some(Boolean)) {
    await leadsOf(db).updateOne({ _id: lead._id }, { $set: { status: 'do_not_call', updated_at: new Date() } });
    return { skip: true, reason: 'do_not_call' };
  }
  // The campaign through the version-checked cache (a PUT is seen within VERSION_FRESH_MS), the
  // carriers through a one-second cache: two reads saved per call.
  const campaign = await getCampaign(db, lead.domain_uuid, lead.campaign_uuid);
  if (!campaign) return { skip: true, reason: 'campaign_gone' };
  const carriers = await cachedCarriers(db, lead.domain_uuid);
  const call_id = lead.attempts === 0 && lead.next_call_id ? lead.next_call_id : input.proposed_call_id;
  const plan = buildPlan(campaign, carriers, { ...lead, attempts: lead.attempts + 1 }, call_id, input.extra_leg_uuids);
  // An autodialer campaign lives on one node: its queue and agents are there (activities/callcenter.ts).
  if (campaign.type === 'autodialer')
    plan.node = campaignNode(
      campaign.campaign_uuid,
      deps.config.eslNodes.map((n) => n.name),
    );
  return plan;
}

/** The lead as the workflow carries it (claimed with the lead: no read), else read and checked. */
async function leadOf(deps: ActivityDeps, input: PlaceCallInput): Promise<PlannedLead | { skip: true; reason: string }> {
  if (input.lead) {
    const l = input.lead;
    return {
      ...l,
      _id: input.lead_uuid,
      campaign_uuid: input.campaign_uuid,
      domain_uuid: input.domain_uuid,
      network: l.network as LeadDoc['network'],
      first_attempt_at: l.first_attempt_at === null ? null : new Date(l.first_attempt_at),
    };
  }
  const doc = await leadsOf(deps.db).findOne({ _id: input.lead_uuid });
  if (!doc) return { skip: true, reason: 'lead_gone' };
  if (doc.status !== 'queued' && doc.status !== 'waiting_recall' && doc.status !== 'dialing')
    return { skip: true, reason: `lead_${doc.status}` };
  const max_attempts = leadMaxAttempts(doc.param);
  return { ...doc, ...(max_attempts ? { max_attempts } : {}) };
}

/** The attempt from the campaign, the tenant's carriers and the lead (`attempts` = this one). */
export function buildPlan(campaign: CampaignDoc, carriers: CarrierDoc[], lead: PlannedLead, call_id: string, extra: string[]): AttemptPlan {
  const carrier = chooseCarrier(carriers, campaign.carrier_uuid, lead.network);
  const mode = campaign.mode_call || 'direct';
  const numbers = mode === 'direct' ? lead.phones.slice(0, 1) : lead.phones.slice(0, 1 + extra.length);
  const callers = carrier?.caller_numbers ?? [];
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
    recall: recallOf(campaign, lead.max_attempts),
    ...(campaign.amd && campaign.amd !== 'off' ? { amd: campaign.amd } : {}),
    ...(campaign.record_calls ? { record: true } : {}),
  };
}

/** The campaign's recall settings; a lead's own number of attempts (voice-bot `numberCall`)
 *  replaces the campaign's count. */
function recallOf(campaign: CampaignDoc, max_attempts: number | undefined): AttemptPlan['recall'] {
  const c = campaign as CampaignDoc & { max_recall_count?: number; min_recall_duration?: number };
  return {
    recall_times: max_attempts ? max_attempts - 1 : campaign.recall_times,
    ...(max_attempts
      ? { max_recall_count: max_attempts - 1 }
      : c.max_recall_count !== undefined
        ? { max_recall_count: c.max_recall_count }
        : {}),
    recall_status: campaign.recall_status,
    schedule_recall: campaign.schedule_recall,
    schedule_recall_duration: campaign.schedule_recall_duration,
    limit_recall_duration: campaign.limit_recall_duration,
    ...(c.min_recall_duration !== undefined ? { min_recall_duration: c.min_recall_duration } : {}),
  };
}
