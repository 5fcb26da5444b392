// The voice-bot API's storage (docs/api-contract.md §4): campaigns by integer id (storage/campaign-ids.ts
// allocates them) and the clone of a template campaign with its leads.
import type { Db } from 'mongodb';
import type { CampaignDoc } from '../domain/campaign.ts';
import { allocateCampaignId, campaignUuidOfId } from './campaign-ids.ts';
import { ordered, tenantCampaigns } from './campaign-cache.ts';
import { campaignsOf, createCampaign, getCampaign, updateCampaign, type NewCampaign } from './campaigns.ts';

/** The campaign's integer id, assigned now (and written on the campaign) if it has none yet. */
export async function ensureCampaignId(db: Db, doc: Pick<CampaignDoc, 'domain_uuid' | 'campaign_uuid' | 'campaign_id'>): Promise<number> {
  if (typeof doc.campaign_id === 'number' && doc.campaign_id > 0) return doc.campaign_id;
  const n = await allocateCampaignId(db, doc.domain_uuid, doc.campaign_uuid);
  await updateCampaign(db, doc.domain_uuid, doc.campaign_uuid, { campaign_id: n });
  return n;
}

/** Campaigns made before integer ids: each gets one, oldest first (so old ids follow creation order). */
export async function backfillCampaignIds(db: Db, domain_uuid: string): Promise<number> {
  const all = ordered(await tenantCampaigns(db, domain_uuid, campaignsOf(db)))
    .filter((d) => !(typeof d.campaign_id === 'number' && d.campaign_id > 0))
    .reverse(); // ordered() is newest first
  for (const d of all) await ensureCampaignId(db, d);
  return all.length;
}

const backfilled = new WeakMap<Db, Map<string, Promise<number>>>();

/**
 * The tenant's campaign with this integer id, or null. An id not found triggers, once per tenant
 * and process, the lazy backfill of campaigns made before integer ids, then one more lookup.
 */
export async function campaignByIntegerId(db: Db, domain_uuid: string, campaign_id: number): Promise<CampaignDoc | null> {
  if (!Number.isSafeInteger(campaign_id) || campaign_id < 1) return null;
  const find = async () => {
    const uuid = await campaignUuidOfId(db, domain_uuid, campaign_id);
    return uuid ? getCampaign(db, domain_uuid, uuid) : null;
  };
  const hit = await find();
  if (hit) return hit;
  let m = backfilled.get(db);
  if (!m) backfilled.set(db, (m = new Map()));
  let p = m.get(domain_uuid);
  if (!p) {
    p = backfillCampaignIds(db, domain_uuid);
    m.set(domain_uuid, p);
    p.catch(() => m!.delete(domain_uuid));
  }
  if ((await p) === 0) return null;
  return find();
}

/** The voice-bot fields a clone carries: who asked for it, and the request (its fingerprint). */
interface VoiceBotFields {
  vbot_id: string;
  group_code: string;
  voicebot_request: string;
}

/** Fields beyond CampaignDoc's that are identity, not settings: never copied by a clone. */
const NOT_CLONED_EXTRA = [
  // v2 queue identity (a queue used as a template is cloned as a plain campaign)
  'queue_code',
  'queue_deleted_at',
  'deleted_queue_code',
  // voice-bot identity of a template that was itself a clone
  'vbot_id',
  'group_code',
  'voicebot_request',
] as const;

/** A campaign's settings: everything but its identity and state, which a clone never copies. */
function settingsOf(template: CampaignDoc) {
  const {
    _id,
    campaign_uuid,
    domain_uuid,
    campaign_id,
    call_center_queue_uuid,
    dialplan_uuid,
    run_id,
    orig_campaign_uuid,
    created_at,
    updated_at,
    status,
    campaign_name,
    ...settings
  } = template;
  const stored: Record<string, unknown> = settings; // the document as stored: it may hold more than CampaignDoc names
  for (const k of NOT_CLONED_EXTRA) delete stored[k];
  return settings;
}

/**
 * A new campaign from a template campaign: every setting copied (script/template, carrier,
 * schedules, recall rules, callback URLs, caps), `orig_campaign_uuid` = the template,
 * `callback_format: 'voice_bot'`, active, not started. Stored through createCampaign (integer id,
 * queue and dialplan, cache version). Throws DuplicateNameError when the name is taken.
 */
export async function cloneTemplateCampaign(
  db: Db,
  domain_uuid: string,
  template: CampaignDoc,
  opts: { name: string; vbot_id: string; group_code: string; /** fingerprint of the create request */ request: string },
): Promise<CampaignDoc> {
  const input: NewCampaign & VoiceBotFields = {
    ...settingsOf(template),
    campaign_name: opts.name,
    status: '',
    active: true,
    callback_format: 'voice_bot',
    orig_campaign_uuid: template.campaign_uuid,
    vbot_id: opts.vbot_id,
    group_code: opts.group_code,
    voicebot_request: opts.request,
  };
  return createCampaign(db, domain_uuid, input);
}

/**
 * The campaign a create request with this fingerprint made, when the name is taken by it (the
 * client is retrying a request whose answer it did not get); null when the name is another's.
 */
export async function campaignOfRequest(db: Db, domain_uuid: string, name: string, request: string): Promise<CampaignDoc | null> {
  const doc = await campaignsOf(db).findOne({ domain_uuid, campaign_name: name });
  return doc && (doc as CampaignDoc & Partial<VoiceBotFields>).voicebot_request === request ? doc : null;
}
