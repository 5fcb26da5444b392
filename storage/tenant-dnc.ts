// The tenant's do-not-call list (docs/compliance.md#storage), in buckets: collection
// `tenant_dnc_buckets`, one document per (tenant, last three digits of the E.164 number),
// `_id` = "<domain_uuid>:<000–999>", whose field `s` is the bucket's entries as one compact JSON
// string (`encodeBucket`). Why: on FerretDB 1.24 (SQLite) every document read or written costs
// ~2 ms plus ~0.1 ms per KiB plus ~30 µs per BSON field, so one document per number made a
// 100,000-number import 100,000 writes and its replay 100,000 refused inserts + reads (minutes).
// Buckets make an import ≤ 1,000 `_id` reads + ≤ 1,000 `_id` writes (a replay: the reads only),
// and the check right before each dial still one `_id` read (the number's bucket), never cached.
//
// Concurrency: a bucket is rewritten whole (read, change, write), so every writer of a tenant's
// buckets (import, delete, migration) holds the tenant's lock (`tenant_dnc_locks`, a lease renewed
// while held); readers (the dial-time check, GET) take no lock: each bucket write is one document
// update, seen whole or not at all. Separate from the v2 per-lead marks (storage/dnc.ts).
//
// The old shape (collection `tenant_dnc`, one document per number, `_id` = "<domain_uuid>:<E.164>")
// is moved into the buckets at start (`migrateTenantDnc`, from ensureIndexes); until a process has
// seen it empty, its dial-time check reads the old document too (in parallel).
import { randomUUID } from 'node:crypto';
import type { Collection, Db, MongoBulkWriteError } from 'mongodb';
import { mapLimit } from './concurrency.ts';
import { isDuplicateKey } from './mongo.ts';

/** An entry of the list, as the API shows it. */
export interface TenantDncEntry {
  /** +84… */
  number: string;
  reason: string;
  /** Not honoured after this instant; null = for ever. */
  expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface DncBucketDoc {
  /** "<domain_uuid>:<bucket>" (bucket: the number's last three digits), or "<domain_uuid>:meta". */
  _id: string;
  domain_uuid: string;
  /** The bucket's entries (`encodeBucket`); absent in the meta document. */
  s?: string;
  /** Entries in `s`. */
  count?: number;
  /** Meta document: the buckets that may hold entries (a superset: written before the buckets). */
  buckets?: string[];
  updated_at: Date;
}

interface LockDoc {
  _id: string;
  owner: string;
  until: Date;
}

/** The old shape: one document per number. */
interface LegacyDncDoc {
  _id: string;
  domain_uuid: string;
  number: string;
  reason: string;
  expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export const dncBucketsOf = (db: Db): Collection<DncBucketDoc> => db.collection<DncBucketDoc>('tenant_dnc_buckets');
const locksOf = (db: Db): Collection<LockDoc> => db.collection<LockDoc>('tenant_dnc_locks');
const legacyOf = (db: Db): Collection<LegacyDncDoc> => db.collection<LegacyDncDoc>('tenant_dnc');

/**
 * 1,000 buckets per tenant, by the number's last three digits (uniform over real numbers and over
 * ranges). An entry takes ~20 bytes in `s` (the number and its group index; reason, expiry and
 * times are stored once per distinct combination in the bucket), ~230 with its own 200-character
 * reason: a bucket is ~20 KB at 1,000,000 numbers, ~200 KB at 10 million, and reaches the 16 MB
 * document limit only past ~800 million numbers (~70 million with every reason distinct and 200
 * characters long).
 */
export const BUCKETS = 1000;
export const bucketOf = (e164: string): string => e164.slice(-3);
const bucketId = (domain_uuid: string, bucket: string): string => `${domain_uuid}:${bucket}`;
const metaId = (domain_uuid: string): string => `${domain_uuid}:meta`;

/** A number as the normaliser gives it (domain/phone.ts: "+84" and 9–10 digits); anything else is refused. */
const E164 = /^\+\d{6,15}$/;
function checkNumber(e164: string): void {
  if (!E164.test(e164)) throw new Error(`tenant DNC: not an E.164 number: ${JSON.stringify(e164)}`);
}

/** `xs` grouped by `key`, in first-seen order. */
function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = out.get(k);
    if (list) list.push(x);
    else out.set(k, [x]);
  }
  return out;
}

// ---------------------------------------------------------------- bucket encoding

interface Entry {
  reason: string;
  /** epoch ms, or null */
  x: number | null;
  c: number;
  u: number;
}

/** `{"g":[[reason, expires_ms|null, created_ms, updated_ms], …], "n":{"+84…": index into g, …}}` */
type Encoded = { g: Array<[string, number | null, number, number]>; n: Record<string, number> };

export function decodeBucket(s: string | undefined): Map<string, Entry> {
  const out = new Map<string, Entry>();
  if (!s) return out;
  const { g, n } = JSON.parse(s) as Encoded;
  for (const [num, i] of Object.entries(n)) {
    const [reason, x, c, u] = g[i]!;
    out.set(num, { reason, x, c, u });
  }
  return out;
}

export function encodeBucket(entries: Map<string, Entry>): string {
  const g: Encoded['g'] = [];
  const index = new Map<string, number>();
  const n: Record<string, number> = {};
  for (const [num, e] of entries) {
    const k = `${e.x}|${e.c}|${e.u}|${e.reason}`;
    let i = index.get(k);
    if (i === undefined) {
      i = g.push([e.reason, e.x, e.c, e.u]) - 1;
      index.set(k, i);
    }
    n[num] = i;
  }
  return JSON.stringify({ g, n });
}

const toEntry = (number: string, e: Entry): TenantDncEntry => ({
  number,
  reason: e.reason,
  expires_at: e.x === null ? null : new Date(e.x),
  created_at: new Date(e.c),
  updated_at: new Date(e.u),
});

// ---------------------------------------------------------------- reads (no lock)

/** Bucket reads (and writes) in flight at once: FerretDB 1.24 serves `_id` lookups one by one, an `$in` scans. */
const PARALLEL = 8;

async function readBuckets(db: Db, domain_uuid: string, buckets: string[]): Promise<Map<string, Map<string, Entry>>> {
  const col = dncBucketsOf(db);
  const docs = await mapLimit(buckets, PARALLEL, (b) => col.findOne({ _id: bucketId(domain_uuid, b) }, { projection: { s: 1 } }));
  return new Map(buckets.map((b, i) => [b, decodeBucket(docs[i]?.s)]));
}

/** Per Db: the old collection was seen empty (no need to read it at dial time any more). */
const legacyGone = new WeakMap<Db, boolean>();

/** The entry for this number (expired or not), or null: one `_id` read (two until the old shape is migrated). */
async function findEntry(db: Db, domain_uuid: string, e164: string): Promise<TenantDncEntry | null> {
  const [bucket, legacy] = await Promise.all([
    dncBucketsOf(db).findOne({ _id: bucketId(domain_uuid, bucketOf(e164)) }, { projection: { s: 1 } }),
    legacyGone.get(db) ? null : legacyOf(db).findOne({ _id: `${domain_uuid}:${e164}` }),
  ]);
  const e = decodeBucket(bucket?.s).get(e164);
  if (e) return toEntry(e164, e);
  return legacy
    ? { number: e164, reason: legacy.reason, expires_at: legacy.expires_at, created_at: legacy.created_at, updated_at: legacy.updated_at }
    : null;
}

const barsAt = (d: TenantDncEntry, now: number) => d.expires_at === null || d.expires_at.getTime() > now;

/** The entry that bars a number now (an expired one does not), or null. `now = 0`: any entry. */
export async function dncEntry(db: Db, domain_uuid: string, e164: string, now = Date.now()): Promise<TenantDncEntry | null> {
  const d = await findEntry(db, domain_uuid, e164);
  return d && barsAt(d, now) ? d : null;
}

/** Any of these numbers barred now? (one `_id` read per number, in parallel) */
export async function anyOnDnc(db: Db, domain_uuid: string, e164s: string[], now = Date.now()): Promise<boolean> {
  const hits = await Promise.all(e164s.map((n) => dncEntry(db, domain_uuid, n, now)));
  return hits.some((h) => h !== null);
}

/**
 * A page of the tenant's list, by number (ascending), and how many it holds (expired entries
 * included). Reads every bucket the meta document names (≤ 1,000 `_id` reads: ~1 s at 100,000
 * numbers on FerretDB), then sorts the numbers.
 */
export async function listDnc(
  db: Db,
  domain_uuid: string,
  limit: number,
  offset: number,
): Promise<{ data: TenantDncEntry[]; total: number }> {
  const buckets = await readBuckets(db, domain_uuid, [...(await listedBuckets(db, domain_uuid))]);
  const all: Array<[string, Entry]> = [];
  for (const m of buckets.values()) for (const kv of m) all.push(kv);
  all.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { data: all.slice(offset, offset + limit).map(([n, e]) => toEntry(n, e)), total: all.length };
}

// ---------------------------------------------------------------- the tenant's lock

/** A lock is held this long unless renewed; renewed every third of it while held. */
const LEASE_MS = 30_000;
/** Give up waiting for another writer after this long. */
const LOCK_WAIT_MS = 120_000;

/** Run `fn` holding the tenant's DNC lock (every writer of its buckets does). */
async function withTenantLock<T>(db: Db, domain_uuid: string, fn: (stillHeld: () => void) => Promise<T>): Promise<T> {
  const locks = locksOf(db);
  const owner = randomUUID();
  const t0 = Date.now();
  for (;;) {
    try {
      await locks.insertOne({ _id: domain_uuid, owner, until: new Date(Date.now() + LEASE_MS) });
      break;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const held = await locks.findOne({ _id: domain_uuid });
    // A lease that ran out (its holder died): taken away from that holder only (the filter names
    // it; a tiny collection, so FerretDB's scan for a filter beside `_id` costs nothing).
    if (held && held.until.getTime() < Date.now()) await locks.deleteOne({ _id: domain_uuid, owner: held.owner });
    else if (Date.now() - t0 > LOCK_WAIT_MS)
      throw new Error(`tenant DNC: another import of this tenant held the list for over ${LOCK_WAIT_MS / 1000} s`);
    else await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
  }
  let lost = false;
  const renew = setInterval(() => {
    locks
      .updateOne({ _id: domain_uuid, owner }, { $set: { until: new Date(Date.now() + LEASE_MS) } })
      .then((r) => {
        if (r.matchedCount === 0) lost = true;
      })
      .catch(() => {});
  }, LEASE_MS / 3);
  try {
    return await fn(() => {
      if (lost) throw new Error('tenant DNC: the lock lease ran out before the write (store too slow); nothing more written');
    });
  } finally {
    clearInterval(renew);
    await locks.deleteOne({ _id: domain_uuid, owner }).catch(() => {});
  }
}

/** The buckets that may hold entries (the meta document; every bucket document is named there before it is written). */
async function listedBuckets(db: Db, domain_uuid: string): Promise<Set<string>> {
  const meta = await dncBucketsOf(db).findOne({ _id: metaId(domain_uuid) });
  return new Set(meta?.buckets ?? []);
}

/**
 * Write the changed buckets: the meta document first (so a listing never misses a bucket and a
 * bucket not named there does not exist), then the buckets it already named (one `$set` of `s`
 * each, by `_id`), and the new ones in one unordered `insertMany`.
 */
async function writeBuckets(
  db: Db,
  domain_uuid: string,
  listed: Set<string>,
  changed: Map<string, Map<string, Entry>>,
  stillHeld: () => void,
): Promise<void> {
  if (!changed.size) return;
  const col = dncBucketsOf(db);
  const now = new Date();
  const fresh = [...changed.keys()].filter((b) => !listed.has(b));
  if (fresh.length) {
    stillHeld();
    const buckets = [...listed, ...fresh].sort();
    await col.updateOne({ _id: metaId(domain_uuid) }, { $set: { domain_uuid, buckets, updated_at: now } }, { upsert: true });
  }
  const set = async (b: string, m: Map<string, Entry>) => {
    stillHeld();
    await col.updateOne(
      { _id: bucketId(domain_uuid, b) },
      { $set: { domain_uuid, s: encodeBucket(m), count: m.size, updated_at: now } },
      { upsert: true },
    );
  };
  await mapLimit(
    [...changed].filter(([b]) => listed.has(b)),
    PARALLEL,
    ([b, m]) => set(b, m),
  );
  if (!fresh.length) return;
  stillHeld();
  const docs = fresh.map((b) => {
    const m = changed.get(b)!;
    return { _id: bucketId(domain_uuid, b), domain_uuid, s: encodeBucket(m), count: m.size, updated_at: now };
  });
  let dups: number[] = [];
  try {
    await col.insertMany(docs, { ordered: false });
  } catch (err) {
    const e = err as MongoBulkWriteError;
    const writeErrors = e.writeErrors ? (Array.isArray(e.writeErrors) ? e.writeErrors : [e.writeErrors]) : [];
    if (!writeErrors.length || writeErrors.some((w) => !isDuplicateKey({ code: w.code, message: w.errmsg }))) throw err;
    dups = writeErrors.map((w) => w.index);
  }
  // Not named in the meta document yet there (cannot happen while every writer holds the lock and
  // names a bucket before writing it): merged, what is there kept unless this write sets it.
  for (const i of dups) {
    const b = fresh[i]!;
    const there = (await readBuckets(db, domain_uuid, [b])).get(b)!;
    for (const [n, e] of changed.get(b)!) there.set(n, e);
    await set(b, there);
  }
}

// ---------------------------------------------------------------- writes (under the lock)

export interface DncRow {
  number: string;
  reason: string;
  expires_at: Date | null;
}

/**
 * Store rows (numbers already normalised and unique): new numbers added, listed ones rewritten
 * when their reason or expiry differ, the rest left alone (a replay writes nothing).
 */
export async function importDnc(
  db: Db,
  domain_uuid: string,
  rows: DncRow[],
): Promise<{ added: number; updated: number; unchanged: number }> {
  for (const r of rows) checkNumber(r.number);
  const byBucket = groupBy(rows, (r) => bucketOf(r.number));
  if (!byBucket.size) return { added: 0, updated: 0, unchanged: 0 };
  return withTenantLock(db, domain_uuid, async (stillHeld) => {
    const listed = await listedBuckets(db, domain_uuid);
    const have = await readBuckets(
      db,
      domain_uuid,
      [...byBucket.keys()].filter((b) => listed.has(b)),
    );
    const now = Date.now();
    let added = 0;
    let updated = 0;
    let unchanged = 0;
    const changed = new Map<string, Map<string, Entry>>();
    for (const [b, list] of byBucket) {
      const m = have.get(b) ?? new Map<string, Entry>();
      let dirty = false;
      for (const r of list) {
        const x = r.expires_at?.getTime() ?? null;
        const e = m.get(r.number);
        if (!e) {
          m.set(r.number, { reason: r.reason, x, c: now, u: now });
          added++;
          dirty = true;
        } else if (e.reason === r.reason && e.x === x) {
          unchanged++;
        } else {
          m.set(r.number, { reason: r.reason, x, c: e.c, u: now });
          updated++;
          dirty = true;
        }
      }
      if (dirty) changed.set(b, m);
    }
    await writeBuckets(db, domain_uuid, listed, changed, stillHeld);
    return { added, updated, unchanged };
  });
}

/** Take a number off the list; false when it was not on it. */
export async function deleteDnc(db: Db, domain_uuid: string, e164: string): Promise<boolean> {
  checkNumber(e164);
  const b = bucketOf(e164);
  return withTenantLock(db, domain_uuid, async (stillHeld) => {
    const listed = await listedBuckets(db, domain_uuid);
    if (!listed.has(b)) return false;
    const m = (await readBuckets(db, domain_uuid, [b])).get(b)!;
    if (!m.delete(e164)) return false;
    await writeBuckets(db, domain_uuid, listed, new Map([[b, m]]), stillHeld);
    return true;
  });
}

// ---------------------------------------------------------------- the old shape

/** Old documents moved per batch. */
const MIGRATE_BATCH = 5_000;

/**
 * Move the old shape (`tenant_dnc`, one document per number) into the buckets, then drop it. An
 * entry already in a bucket wins (it was written since). Safe to run from several processes at
 * once (each tenant's buckets are written under its lock) and again after a crash (the old
 * collection is dropped only once every document in it was moved). Returns the entries moved.
 */
export async function migrateTenantDnc(db: Db): Promise<number> {
  const legacy = legacyOf(db);
  let moved = 0;
  for (let pass = 0; pass < 3; pass++) {
    let seen = 0;
    const cursor = legacy.find({}).batchSize(MIGRATE_BATCH);
    let batch: LegacyDncDoc[] = [];
    const flush = async () => {
      const valid = batch.filter((d) => typeof d.number === 'string' && E164.test(d.number));
      const byTenant = groupBy(valid, (d) => d.domain_uuid);
      for (const [domain_uuid, docs] of byTenant) moved += await moveLegacy(db, domain_uuid, docs);
      seen += batch.length;
      batch = [];
    };
    for await (const d of cursor) {
      batch.push(d);
      if (batch.length >= MIGRATE_BATCH) await flush();
    }
    await flush();
    // Dropped only when nothing was written to it meanwhile (an old version still running).
    if ((await legacy.countDocuments({})) === seen) {
      if (seen > 0) await legacy.drop().catch(() => {});
      legacyGone.set(db, true);
      return moved;
    }
  }
  return moved;
}

async function moveLegacy(db: Db, domain_uuid: string, docs: LegacyDncDoc[]): Promise<number> {
  const byBucket = groupBy(docs, (d) => bucketOf(d.number));
  return withTenantLock(db, domain_uuid, async (stillHeld) => {
    const listed = await listedBuckets(db, domain_uuid);
    const have = await readBuckets(
      db,
      domain_uuid,
      [...byBucket.keys()].filter((b) => listed.has(b)),
    );
    const changed = new Map<string, Map<string, Entry>>();
    let moved = 0;
    for (const [b, list] of byBucket) {
      const m = have.get(b) ?? new Map<string, Entry>();
      for (const d of list) {
        if (m.has(d.number)) continue;
        const c = d.created_at instanceof Date ? d.created_at.getTime() : Date.now();
        m.set(d.number, {
          reason: typeof d.reason === 'string' ? d.reason : '',
          x: d.expires_at instanceof Date ? d.expires_at.getTime() : null,
          c,
          u: d.updated_at instanceof Date ? d.updated_at.getTime() : c,
        });
        moved++;
        changed.set(b, m);
      }
    }
    await writeBuckets(db, domain_uuid, listed, changed, stillHeld);
    return moved;
  });
}

/** For tests: forget that the old collection was seen empty. */
export function _resetLegacyGone(db: Db): void {
  legacyGone.delete(db);
}
