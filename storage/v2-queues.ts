// v2 queues (docs/api-contract.md §3): a queue is a campaign seen through another door. The campaign's
// `campaign_name` is the queue code (so the unique index {domain_uuid, campaign_name} makes codes
// unique per tenant and decides concurrent creates), and `queue_code` marks it as a v2 queue.
// Its customers are ordinary leads (`source: 'v2_queue'`) whose `_id` is derived from
// (campaign_uuid, customer id): re-posting a customer the queue already has is a duplicate key,
// never a second lead, with no lookup per customer (FerretDB 1.24 indexes `_id` filters only).
import type { Db } from 'mongodb';
import { DEFAULT_CONCURRENT_CALL, defaultSettings, type CampaignDoc } from '../domain/campaign.ts';
import { createCampaign, campaignsOf, updateCampaign, DuplicateNameError, type CampaignUpdate, type NewCampaign } from './campaigns.ts';
import { tenantCampaigns } from './campaign-cache.ts';
import { dncOf, type DncDoc } from './dnc.ts';
import { insertManyCountingDuplicates } from './dial-queue.ts';
import { enqueueBatch, leadsOf, namedLeadId, storeLeads, type LeadDoc } from './leads.ts';

export { insertManyCountingDuplicates };

/** A campaign that is a v2 queue: the v3 fields plus the v2 settings the engine reads. */
export type QueueDoc = CampaignDoc & {
  /** The code the v2 API knows it by ('' once deleted). */
  queue_code: string;
  /** Recalls per customer (the engine's recall rule reads it; `recall_times` carries the same value). */
  max_recall_count: number;
  /** Seconds since pick-up below which an answered call counts as unsuccessful (recalled). */
  min_recall_duration: number;
  /** Set by /v2/autocall/queue/delete (the code is then free; records stay). */
  queue_deleted_at?: Date;
  deleted_queue_code?: string;
};

export interface QueueSettings {
  template_uuid: string;
  template_name: string;
  type_autocall: CampaignDoc['type_autocall'];
  concurrent_call?: number;
  max_recall_count?: number;
  min_recall_duration?: number;
}

/** The tenant's live queue with this code, or null (never created, or deleted). */
export async function findQueue(db: Db, domain_uuid: string, queue_code: string): Promise<QueueDoc | null> {
  const e = await tenantCampaigns(db, domain_uuid, campaignsOf(db));
  for (const d of e.byId.values()) {
    const q = d as QueueDoc;
    if (q.queue_code === queue_code && !q.queue_deleted_at) return q;
  }
  return null;
}

/** The code is the name of a campaign that is not a v2 queue. */
export class QueueCodeTakenError extends Error {}

/**
 * Create a queue (a campaign: type autocall, active, mode_call serial). A concurrent create of the
 * same code loses on the unique name and gets the winner's queue.
 */
export async function createQueue(
  db: Db,
  domain_uuid: string,
  queue_code: string,
  s: QueueSettings,
): Promise<{ queue: QueueDoc; created: boolean }> {
  const max = s.max_recall_count ?? 0;
  const input: NewCampaign & Pick<QueueDoc, 'queue_code' | 'max_recall_count' | 'min_recall_duration'> = {
    ...defaultSettings('autocall'),
    campaign_name: queue_code,
    type: 'autocall',
    description: 'v2 queue',
    active: true,
    concurrent_call: s.concurrent_call ?? DEFAULT_CONCURRENT_CALL,
    template_uuid: s.template_uuid,
    template_name: s.template_name,
    type_autocall: s.type_autocall,
    carrier_name: '',
    mode_call: 'serial',
    recall_times: max,
    queue_code,
    max_recall_count: max,
    min_recall_duration: s.min_recall_duration ?? 0,
  };
  try {
    const doc = await createCampaign(db, domain_uuid, input);
    return { queue: doc as QueueDoc, created: true };
  } catch (err) {
    if (!(err instanceof DuplicateNameError)) throw err;
    // Read the store, not the cache: the winner may be another process.
    const other = (await campaignsOf(db).findOne({ domain_uuid, campaign_name: queue_code })) as QueueDoc | null;
    if (other && other.queue_code === queue_code && !other.queue_deleted_at) return { queue: other, created: false };
    throw new QueueCodeTakenError(`queue_code "${queue_code}" is the name of a campaign that is not a queue`);
  }
}

/** Apply the settings a re-post names, when they differ; returns the queue as stored. */
export async function updateQueueSettings(db: Db, q: QueueDoc, s: QueueSettings): Promise<{ queue: QueueDoc; changed: boolean }> {
  const set: CampaignUpdate<QueueDoc> = {};
  if (q.template_uuid !== s.template_uuid) {
    set.template_uuid = s.template_uuid;
    set.template_name = s.template_name;
    set.type_autocall = s.type_autocall;
  }
  if (s.concurrent_call !== undefined && s.concurrent_call !== q.concurrent_call) set.concurrent_call = s.concurrent_call;
  if (s.max_recall_count !== undefined && (s.max_recall_count !== q.max_recall_count || s.max_recall_count !== q.recall_times)) {
    set.max_recall_count = s.max_recall_count;
    set.recall_times = s.max_recall_count;
  }
  if (s.min_recall_duration !== undefined && s.min_recall_duration !== q.min_recall_duration)
    set.min_recall_duration = s.min_recall_duration;
  if (!Object.keys(set).length) return { queue: q, changed: false };
  const doc = await updateCampaign(db, q.domain_uuid, q.campaign_uuid, set);
  return { queue: (doc as QueueDoc | null) ?? q, changed: true };
}

/**
 * Withdraw a queue: the campaign stays (with its leads and call records) but is renamed, inactive
 * and stopped, and its code is free for a new queue.
 */
export async function withdrawQueue(db: Db, q: QueueDoc, now = new Date()): Promise<void> {
  await updateCampaign<QueueDoc>(
    db,
    q.domain_uuid,
    q.campaign_uuid,
    {
      campaign_name: `${q.queue_code} (deleted ${q.campaign_uuid})`,
      active: false,
      status: 'stop',
      queue_code: '',
      deleted_queue_code: q.queue_code,
      queue_deleted_at: now,
    },
    now,
  );
}

// ---- customers → leads --------------------------------------------------------------------------

/** The lead uuid of a queue's customer: a name-based id of (campaign_uuid, customer id). */
export function customerLeadId(campaign_uuid: string, customer_id: string): string {
  return namedLeadId(campaign_uuid, customer_id);
}

/**
 * Store a queue's new leads in batches of 1,000, one at a time (two in flight measured no faster on
 * FerretDB, whose SQLite backend serialises writes), each batch listed in the campaign's dial
 * queue as it is stored; the indexes refused as duplicates.
 */
export async function insertLeads(db: Db, leads: LeadDoc[]): Promise<Set<number>> {
  return storeLeads(db, leads);
}

/**
 * Do-not-call for a queue's customers: one insert-only mark per customer's lead id (the engine
 * checks it right before every dial; existing marks are kept), and leads still `new` (never
 * claimed by a run) are set to `do_not_call` at once. Leads that are queued, on a call or waiting
 * for a recall are not written here (their workflow is their one writer): the check before their
 * next dial stops them. Customers the queue does not have yet are marked too, so they are never
 * dialed if posted later.
 */
export async function markDoNotCall(
  db: Db,
  q: QueueDoc,
  customer_ids: string[],
  now = new Date(),
): Promise<{ marked: number; dropped: number }> {
  const ids = [...new Set(customer_ids)];
  const marks: DncDoc[] = ids.map((customer_id) => {
    const lead_uuid = customerLeadId(q.campaign_uuid, customer_id);
    return { _id: lead_uuid, lead_uuid, campaign_uuid: q.campaign_uuid, domain_uuid: q.domain_uuid, customer_id, created_at: now };
  });
  const dup = await insertManyCountingDuplicates((b) => dncOf(db).insertMany(b, { ordered: false }), marks);
  let dropped = 0;
  const leadIds = marks.map((m) => m._id);
  const stored = await readLeads(db, leadIds, { status: 1 });
  const fresh = leadIds.filter((id) => stored.get(id)?.status === 'new');
  await eachLimit(fresh, 8, async (id) => {
    await leadsOf(db).updateOne({ _id: id }, { $set: { status: 'do_not_call', updated_at: now } });
    dropped++;
  });
  return { marked: marks.length - dup.size, dropped };
}

/**
 * Leads by `_id`: one indexed lookup per id, a few at a time. Never `$in`: FerretDB 1.24 answers
 * it with a scan of every lead stored (its cost grows with other campaigns' leads, see
 * storage/dial-queue.ts), while lookups cost the same at any size.
 */
async function readLeads(db: Db, ids: string[], projection: Record<string, 1>): Promise<Map<string, LeadDoc>> {
  const out = new Map<string, LeadDoc>();
  await eachLimit(ids, 16, async (id) => {
    const l = await leadsOf(db).findOne({ _id: id }, { projection });
    if (l) out.set(id, l);
  });
  return out;
}

/**
 * Of the leads a re-post found already stored (duplicate keys), those that are the same customer
 * as posted (same numbers, same fields): the post was a retry of the one that stored them, and
 * they are queued. A stored customer with other numbers or fields is not this post's.
 */
export async function samePostedLeads(db: Db, posted: LeadDoc[]): Promise<Set<string>> {
  const stored = await readLeads(
    db,
    posted.map((l) => l._id),
    { phones: 1, param: 1, status: 1, campaign_uuid: 1 },
  );
  const same = new Set<string>();
  const relist: LeadDoc[] = [];
  for (const l of posted) {
    const s = stored.get(l._id);
    if (s && canonical(s.phones) === canonical(l.phones) && canonical(s.param) === canonical(l.param)) {
      same.add(l._id);
      if (s.status === 'new') relist.push(s);
    }
  }
  // The post that stored them may have died before listing them in the dial queue: list the
  // ones still `new` again (a lead listed twice is claimed once).
  await enqueueBatch(db, relist);
  return same;
}

/** JSON with object keys sorted: equal values give equal strings whatever the key order. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}

async function eachLimit<T>(items: T[], limit: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}
