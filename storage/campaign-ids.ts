// Stable integer campaign ids per tenant (the voice-bot API names campaigns by integer: `campaignId:
// 2932`, `data: 1`), kept beside the uuid. FerretDB 1.24 serves only `{_id}` filters from an index
// and its updates are read-then-write without a transaction (a concurrent `$inc` can be lost), so
// ids are allocated insert-only and the unique `_id` decides every race:
// - `campaign_ids` `{_id: "<tenant>:<n>", campaign_uuid}` — the number n is taken by whoever inserts
//   this doc first; a duplicate key means taken, try n+1. Lookup by integer id = one `_id` read.
// - `campaign_ids` `{_id: "<tenant>:uuid:<campaign_uuid>", campaign_id}` — the campaign's one id:
//   two concurrent assignments for the same campaign (lazy assignment of an old campaign) both take
//   a number, only one inserts this doc; the loser gives its number back (deletes its number doc).
// - `campaign_id_hints` `{_id: tenant, max}` — where to start looking. Only a hint: a lost or stale
//   write makes the next allocation probe a few taken numbers, never hand out one twice.
// Lookup by integer id and the lazy backfill of older campaigns: storage/voicebot.ts.
// Ids start at 1, are never reused, and may have gaps (a create that failed after allocating).
import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from './mongo.ts';

export interface CampaignIdDoc {
  _id: string;
  domain_uuid: string;
  campaign_uuid: string;
  campaign_id: number;
  created_at: Date;
}

interface HintDoc {
  _id: string;
  max: number;
}

export const campaignIdsOf = (db: Db): Collection<CampaignIdDoc> => db.collection<CampaignIdDoc>('campaign_ids');
const hintsOf = (db: Db): Collection<HintDoc> => db.collection<HintDoc>('campaign_id_hints');

const numberKey = (domain_uuid: string, n: number) => `${domain_uuid}:${n}`;
const uuidKey = (domain_uuid: string, campaign_uuid: string) => `${domain_uuid}:uuid:${campaign_uuid}`;

/** Give up after this many taken numbers in a row (only a stale hint and heavy contention get near). */
const MAX_PROBES = 10_000;

/** Take the next free number for the tenant, naming `campaign_uuid` (no check that it has none). */
async function takeNumber(db: Db, domain_uuid: string, campaign_uuid: string): Promise<number> {
  const hint = await hintsOf(db).findOne({ _id: domain_uuid });
  let n = (hint?.max ?? 0) + 1;
  for (let i = 0; i < MAX_PROBES; i++, n++) {
    try {
      await campaignIdsOf(db).insertOne({
        _id: numberKey(domain_uuid, n),
        domain_uuid,
        campaign_uuid,
        campaign_id: n,
        created_at: new Date(),
      });
    } catch (err) {
      if (isDuplicateKey(err)) continue;
      throw err;
    }
    // Best effort, insert-first: the first allocation makes the hint; later ones move it forward
    // (a lost update only leaves it behind, costing probes).
    try {
      await hintsOf(db).insertOne({ _id: domain_uuid, max: n });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      await hintsOf(db).updateOne({ _id: domain_uuid }, { $set: { max: n } });
    }
    return n;
  }
  throw new Error(`no free campaign id for tenant ${domain_uuid} after ${MAX_PROBES} tries`);
}

/**
 * Allocate the integer id of a campaign (new or old). Idempotent: a campaign that has one gets it
 * back; concurrent calls for one campaign agree on one id.
 */
export async function allocateCampaignId(db: Db, domain_uuid: string, campaign_uuid: string): Promise<number> {
  const existing = await campaignIdsOf(db).findOne({ _id: uuidKey(domain_uuid, campaign_uuid) });
  if (existing) return existing.campaign_id;
  const n = await takeNumber(db, domain_uuid, campaign_uuid);
  try {
    await campaignIdsOf(db).insertOne({
      _id: uuidKey(domain_uuid, campaign_uuid),
      domain_uuid,
      campaign_uuid,
      campaign_id: n,
      created_at: new Date(),
    });
    return n;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    // Another caller assigned this campaign first: its id stands, ours is given back.
    await campaignIdsOf(db).deleteOne({ _id: numberKey(domain_uuid, n) });
    const won = await campaignIdsOf(db).findOne({ _id: uuidKey(domain_uuid, campaign_uuid) });
    if (!won) throw new Error(`campaign id of ${campaign_uuid} vanished`, { cause: err });
    return won.campaign_id;
  }
}

/** The uuid of the tenant's campaign with this integer id (one `_id` read), or null. */
export async function campaignUuidOfId(db: Db, domain_uuid: string, campaign_id: number): Promise<string | null> {
  if (!Number.isSafeInteger(campaign_id) || campaign_id < 1) return null;
  const m = await campaignIdsOf(db).findOne({ _id: numberKey(domain_uuid, campaign_id) });
  return m?.campaign_uuid ?? null;
}
