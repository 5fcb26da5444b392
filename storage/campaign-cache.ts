// A per-tenant read cache of campaigns, correct across processes. Why: on FerretDB 1.24 (SQLite)
// no index serves a query — even `_id` lookups scan the collection — so with 10,000 campaigns a
// GET by uuid costs ~100 ms and a sorted page several seconds. The cache makes reads one lookup
// of a tiny document plus memory.
//
// How it stays correct: `campaign_versions` holds one document per tenant, `{_id: domain_uuid,
// v}`, incremented after every write to that tenant's campaigns (`bumpVersion`). A read first
// fetches `v` (at most every VERSION_FRESH_MS per tenant, shared by concurrent reads); a cache
// built at another version is rebuilt from the collection. A process that
// wrote applies its own change in place when the increment shows no other write happened in
// between, so it does not rebuild after its own writes. ANY code that writes to `campaigns`
// directly must call `bumpVersion` afterwards (or use the functions in campaigns.ts).
import type { Collection, Db } from 'mongodb';
import type { CampaignDoc } from '../domain/campaign.ts';
import { isDuplicateKey } from './mongo.ts';

interface VersionDoc {
  _id: string;
  v: number;
}
export const versionsOf = (db: Db): Collection<VersionDoc> => db.collection<VersionDoc>('campaign_versions');

interface Entry {
  v: number;
  byId: Map<string, CampaignDoc>;
  /** newest first: created_at desc, _id asc */
  ordered: CampaignDoc[] | null;
  used: number;
}

const MAX_CACHED_DOCS = 200_000;
const caches = new WeakMap<Db, Map<string, Entry>>();
const loading = new Map<string, Promise<Entry>>();
const localWrites = new Map<string, number>(); // in-flight writes per tenant, this process

function tenantCaches(db: Db): Map<string, Entry> {
  let m = caches.get(db);
  if (!m) caches.set(db, (m = new Map()));
  return m;
}

/**
 * How stale another process's write may look: the version is fetched at most once per this many
 * ms per tenant, and concurrent reads share the fetch. This process's own writes are seen at once.
 */
export const VERSION_FRESH_MS = 100;
const versionChecks = new WeakMap<Db, Map<string, { at: number; v: Promise<number> }>>();

function currentVersion(db: Db, domain_uuid: string): Promise<number> {
  let m = versionChecks.get(db);
  if (!m) versionChecks.set(db, (m = new Map()));
  const now = Date.now();
  const hit = m.get(domain_uuid);
  if (hit && now - hit.at < VERSION_FRESH_MS) return hit.v;
  const v = versionsOf(db)
    .findOne({ _id: domain_uuid })
    .then((d) => d?.v ?? 0);
  m.set(domain_uuid, { at: now, v });
  v.catch(() => m.delete(domain_uuid));
  return v;
}

function forgetVersion(db: Db, domain_uuid: string) {
  versionChecks.get(db)?.delete(domain_uuid);
}

/** The tenant's campaigns as of now (from memory when nothing changed since). */
export async function tenantCampaigns(db: Db, domain_uuid: string, collection: Collection<CampaignDoc>): Promise<Entry> {
  const m = tenantCaches(db);
  const v = await currentVersion(db, domain_uuid);
  const hit = m.get(domain_uuid);
  if (hit && hit.v === v) {
    hit.used = Date.now();
    return hit;
  }
  const key = `${db.databaseName}\u0000${domain_uuid}\u0000${v}`;
  let p = loading.get(key);
  if (!p) {
    p = (async () => {
      const docs = await collection.find({ domain_uuid }).toArray();
      const e: Entry = { v, byId: new Map(docs.map((d) => [d._id, d])), ordered: null, used: Date.now() };
      m.set(domain_uuid, e);
      evict(m);
      return e;
    })().finally(() => loading.delete(key));
    loading.set(key, p);
  }
  return p;
}

export function ordered(e: Entry): CampaignDoc[] {
  if (!e.ordered) {
    e.ordered = [...e.byId.values()].sort(
      (a, b) => b.created_at.getTime() - a.created_at.getTime() || (a._id < b._id ? -1 : a._id > b._id ? 1 : 0),
    );
  }
  return e.ordered;
}

function evict(m: Map<string, Entry>) {
  let total = 0;
  for (const e of m.values()) total += e.byId.size;
  while (total > MAX_CACHED_DOCS && m.size > 1) {
    let oldest: [string, Entry] | undefined;
    for (const kv of m) if (!oldest || kv[1].used < oldest[1].used) oldest = kv;
    m.delete(oldest![0]);
    total -= oldest![1].byId.size;
  }
}

/** Run a write to a tenant's campaigns, then bump its version and apply the change locally. */
export async function writeThrough<T>(
  db: Db,
  domain_uuid: string,
  write: () => Promise<T>,
  change: (result: T) => { upsert?: CampaignDoc; remove?: string } | null,
): Promise<T> {
  localWrites.set(domain_uuid, (localWrites.get(domain_uuid) ?? 0) + 1);
  try {
    const result = await write();
    const ch = change(result);
    if (ch) await bumpVersion(db, domain_uuid, ch);
    return result;
  } finally {
    const n = (localWrites.get(domain_uuid) ?? 1) - 1;
    if (n <= 0) localWrites.delete(domain_uuid);
    else localWrites.set(domain_uuid, n);
  }
}

/**
 * `$inc` the version, creating it on a tenant's first write. Two first writes racing both try the
 * upsert's insert and one is refused by `_id` (FerretDB always, MongoDB sometimes): the doc exists
 * then, so the refused one simply increments it.
 */
async function incVersion(db: Db, domain_uuid: string) {
  const inc = () => versionsOf(db).findOneAndUpdate({ _id: domain_uuid }, { $inc: { v: 1 } }, { upsert: true, returnDocument: 'after' });
  try {
    return await inc();
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return await inc();
  }
}

/** Mark a tenant's campaigns as changed (every process rebuilds its cache on its next read). */
export async function bumpVersion(db: Db, domain_uuid: string, local?: { upsert?: CampaignDoc; remove?: string }): Promise<void> {
  const d = await incVersion(db, domain_uuid);
  forgetVersion(db, domain_uuid); // this process reads its own write at once
  const m = tenantCaches(db);
  const e = m.get(domain_uuid);
  if (!e) return;
  // Apply in place only when ours was the only write since the cache was built.
  if (d && d.v === e.v + 1 && local && (localWrites.get(domain_uuid) ?? 0) <= 1) {
    if (local.upsert) e.byId.set(local.upsert._id, local.upsert);
    if (local.remove) e.byId.delete(local.remove);
    e.ordered = null;
    e.v = d.v;
  } else {
    m.delete(domain_uuid);
  }
}

/** Forget everything cached (tests). */
export function clearCampaignCache(db: Db): void {
  caches.delete(db);
}
