// Campaigns and the call-centre queue and dialplan records each campaign owns. Every query is
// scoped by `domain_uuid`, so another tenant's campaign is simply not found. Names are unique per
// tenant by a unique index (two concurrent creates cannot both win); no transactions are used
// (FerretDB has none): a create that fails half-way removes what it wrote. Reads go through a
// version-checked per-tenant cache (campaign-cache.ts); every write here bumps the version —
// code elsewhere that writes to `campaigns` must call `bumpVersion` too.
import { randomUUID } from 'node:crypto';
import type { Collection, Db, Filter } from 'mongodb';
import type { CampaignDoc, CampaignSettings, CampaignType } from '../domain/campaign.ts';
import { bumpVersion, ordered, tenantCampaigns, writeThrough } from './campaign-cache.ts';
import { allocateCampaignId } from './campaign-ids.ts';
import { isDuplicateKey } from './mongo.ts';

export interface CallCenterQueueDoc {
  _id: string; // call_center_queue_uuid
  domain_uuid: string;
  campaign_uuid: string;
  queue_name: string;
  queue_extension: string;
  strategy: string;
  created_at: Date;
  updated_at: Date;
}

export interface DialplanDoc {
  _id: string; // dialplan_uuid
  domain_uuid: string;
  campaign_uuid: string;
  dialplan_name: string;
  dialplan_context: string;
  /** What the dialplan does: bridge answered calls into the campaign's queue. */
  destination: string;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

export const campaignsOf = (db: Db): Collection<CampaignDoc> => db.collection<CampaignDoc>('campaigns');
export const callCenterQueuesOf = (db: Db): Collection<CallCenterQueueDoc> => db.collection<CallCenterQueueDoc>('call_center_queues');
export const dialplansOf = (db: Db): Collection<DialplanDoc> => db.collection<DialplanDoc>('dialplans');

/** The name is taken by another campaign of the same tenant. */
export class DuplicateNameError extends Error {
  constructor() {
    super('campaign_name is already taken');
  }
}

export type NewCampaign = CampaignSettings & {
  template_name: string;
  carrier_name: string;
  /** The template campaign a clone was made from (voice-bot API); '' otherwise. */
  orig_campaign_uuid?: string;
};

/**
 * Insert a campaign with its queue and dialplan; returns the stored document. Fields of `input`
 * beyond the v3 settings (a v2 queue's, the voice-bot's) are stored too.
 */
export async function createCampaign(db: Db, domain_uuid: string, input: NewCampaign, now = new Date()): Promise<CampaignDoc> {
  const campaign_uuid = randomUUID();
  const call_center_queue_uuid = randomUUID();
  const dialplan_uuid = randomUUID();
  // The tenant's integer id (storage/campaign-ids.ts), taken before the insert so the campaign is
  // never stored without one; a create that fails leaves a gap, never a reused id.
  const campaign_id = await allocateCampaignId(db, domain_uuid, campaign_uuid);
  const doc: CampaignDoc = {
    ...input,
    _id: campaign_uuid,
    domain_uuid,
    campaign_uuid,
    call_center_queue_uuid,
    dialplan_uuid,
    run_id: '',
    orig_campaign_uuid: input.orig_campaign_uuid ?? '',
    campaign_id,
    created_at: now,
    updated_at: now,
  };
  try {
    await writeThrough(
      db,
      domain_uuid,
      () => campaignsOf(db).insertOne(doc),
      () => ({ upsert: doc }),
    );
  } catch (err) {
    if (isDuplicateKey(err)) throw new DuplicateNameError();
    throw err;
  }
  try {
    await callCenterQueuesOf(db).insertOne({
      _id: call_center_queue_uuid,
      domain_uuid,
      campaign_uuid,
      queue_name: `campaign-${campaign_uuid}`,
      queue_extension: `campaign-${campaign_uuid}`,
      strategy: input.call_center_queue_strategy || 'ring-all',
      created_at: now,
      updated_at: now,
    });
    await dialplansOf(db).insertOne({
      _id: dialplan_uuid,
      domain_uuid,
      campaign_uuid,
      dialplan_name: `campaign-${campaign_uuid}`,
      dialplan_context: domain_uuid,
      destination: `callcenter:campaign-${campaign_uuid}`,
      enabled: true,
      created_at: now,
      updated_at: now,
    });
  } catch (err) {
    await Promise.allSettled([
      writeThrough(
        db,
        domain_uuid,
        () => campaignsOf(db).deleteOne({ _id: campaign_uuid }),
        () => ({ remove: campaign_uuid }),
      ),
      callCenterQueuesOf(db).deleteOne({ _id: call_center_queue_uuid }),
      dialplansOf(db).deleteOne({ _id: dialplan_uuid }),
    ]);
    throw err;
  }
  return doc;
}

/** One campaign of one tenant, or null (unknown uuid or another tenant's). */
export async function getCampaign(db: Db, domain_uuid: string, campaign_uuid: string): Promise<CampaignDoc | null> {
  const e = await tenantCampaigns(db, domain_uuid, campaignsOf(db));
  return e.byId.get(campaign_uuid) ?? null;
}

export interface ListQuery {
  type?: CampaignType;
  limit: number;
  offset: number;
}

/** A page of a tenant's campaigns, newest first, and the total matching the filter. */
export async function listCampaigns(db: Db, domain_uuid: string, q: ListQuery): Promise<{ docs: CampaignDoc[]; total: number }> {
  // Same result as find(filter).sort({created_at: -1, _id: 1}).skip().limit() + countDocuments,
  // served from the cache.
  const all = ordered(await tenantCampaigns(db, domain_uuid, campaignsOf(db)));
  const matching = q.type ? all.filter((d) => d.type === q.type) : all;
  return { docs: matching.slice(q.offset, q.offset + q.limit), total: matching.length };
}

/**
 * The fields an update may set: any of the document's but its identity (uuids of the campaign, its
 * tenant, queue and dialplan) and timestamps (updateCampaign sets updated_at). `D`: the kind of
 * campaign, for the fields of a v2 queue (storage/v2-queues.ts QueueDoc).
 */
export type CampaignUpdate<D extends CampaignDoc = CampaignDoc> = Partial<
  Omit<D, '_id' | 'domain_uuid' | 'campaign_uuid' | 'call_center_queue_uuid' | 'dialplan_uuid' | 'created_at' | 'updated_at'>
>;

/** Apply a partial update; null when the campaign is not the tenant's. Throws DuplicateNameError. */
export async function updateCampaign<D extends CampaignDoc = CampaignDoc>(
  db: Db,
  domain_uuid: string,
  campaign_uuid: string,
  set: CampaignUpdate<D>,
  now = new Date(),
): Promise<CampaignDoc | null> {
  let doc: CampaignDoc | null;
  try {
    doc = await writeThrough(
      db,
      domain_uuid,
      () =>
        campaignsOf(db).findOneAndUpdate(
          { _id: campaign_uuid, domain_uuid },
          { $set: { ...set, updated_at: now } },
          { returnDocument: 'after' },
        ),
      (d) => (d ? { upsert: d } : null),
    );
  } catch (err) {
    if (isDuplicateKey(err)) throw new DuplicateNameError();
    throw err;
  }
  if (doc && set.call_center_queue_strategy !== undefined) {
    await callCenterQueuesOf(db).updateOne(
      { _id: doc.call_center_queue_uuid, domain_uuid },
      { $set: { strategy: doc.call_center_queue_strategy || 'ring-all', updated_at: now } },
    );
  }
  return doc;
}

export type DeleteOutcome = 'deleted' | 'active' | 'not_found';

/**
 * Delete an inactive campaign with its queue and dialplan. Call records (collection `calls`) and
 * leads are never touched. The `active: false` condition is part of the delete itself, so a
 * campaign activated concurrently is not deleted.
 */
export async function deleteCampaign(db: Db, domain_uuid: string, campaign_uuid: string): Promise<DeleteOutcome> {
  const doc = await writeThrough(
    db,
    domain_uuid,
    () => campaignsOf(db).findOneAndDelete({ _id: campaign_uuid, domain_uuid, active: false }),
    (d) => (d ? { remove: campaign_uuid } : null),
  );
  if (!doc) {
    const exists = await campaignsOf(db).findOne({ _id: campaign_uuid, domain_uuid }, { projection: { _id: 1 } });
    return exists ? 'active' : 'not_found';
  }
  await Promise.all([
    callCenterQueuesOf(db).deleteOne({ _id: doc.call_center_queue_uuid, domain_uuid }),
    dialplansOf(db).deleteOne({ _id: doc.dialplan_uuid, domain_uuid }),
  ]);
  return 'deleted';
}

/** Keep denormalised names in step when a template or carrier is renamed. */
export async function renameReference(
  db: Db,
  domain_uuid: string,
  kind: 'template' | 'carrier',
  uuid: string,
  name: string,
): Promise<void> {
  if (kind === 'template') await campaignsOf(db).updateMany({ domain_uuid, template_uuid: uuid }, { $set: { template_name: name } });
  else await campaignsOf(db).updateMany({ domain_uuid, carrier_uuid: uuid }, { $set: { carrier_name: name } });
  await bumpVersion(db, domain_uuid);
}

/** Names of the tenant's campaigns that refer to a template / carrier / user (to refuse deleting it). */
export async function campaignsReferring(
  db: Db,
  domain_uuid: string,
  field: 'template_uuid' | 'carrier_uuid' | 'users',
  uuid: string,
): Promise<string[]> {
  const docs = await campaignsOf(db)
    .find({ domain_uuid, [field]: uuid } as Filter<CampaignDoc>, { projection: { campaign_name: 1 } })
    .limit(5)
    .toArray();
  return docs.map((d) => d.campaign_name);
}
