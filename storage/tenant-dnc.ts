// The tenant's do-not-call list: `tenant_dnc`, one document per number, `_id` =
// "<domain_uuid>:<E.164 number>" (numbers normalised as the dialer normalises them, domain/phone.ts),
// so the check right before each dial is one `_id` lookup per number dialed, never cached (a number
// added is honoured by the next dial). The bulk import inserts unordered (a number already listed is
// a duplicate key, not a second entry) and rewrites only the listed numbers whose reason or expiry
// changed. Separate from the v2 per-lead marks (storage/dnc.ts `do_not_call`).
import type { AnyBulkWriteOperation, Collection, Db, MongoBulkWriteError } from 'mongodb';
import { isDuplicateKey } from './mongo.ts';
import { registerIndexes } from './indexes.ts';

export interface TenantDncDoc {
  _id: string;
  domain_uuid: string;
  /** +84… */
  number: string;
  reason: string;
  /** Not honoured after this instant; null = for ever. */
  expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export const tenantDncOf = (db: Db): Collection<TenantDncDoc> => db.collection<TenantDncDoc>('tenant_dnc');
export const dncKey = (domain_uuid: string, e164: string): string => `${domain_uuid}:${e164}`;

// GET /v3/dnc pages a tenant's list by number (MongoDB; FerretDB 1.24 scans whatever the index).
registerIndexes('tenant_dnc', [{ key: { domain_uuid: 1, number: 1 }, name: 'tenant_number' }]);

/** The entry that bars a number now (an expired one does not), or null. */
export async function dncEntry(db: Db, domain_uuid: string, e164: string, now = Date.now()): Promise<TenantDncDoc | null> {
  const d = await tenantDncOf(db).findOne({ _id: dncKey(domain_uuid, e164) });
  return d && (d.expires_at === null || d.expires_at.getTime() > now) ? d : null;
}

/** Any of these numbers barred now? (one `_id` lookup each, in parallel) */
export async function anyOnDnc(db: Db, domain_uuid: string, e164s: string[], now = Date.now()): Promise<boolean> {
  const hits = await Promise.all(e164s.map((n) => dncEntry(db, domain_uuid, n, now)));
  return hits.some((h) => h !== null);
}

export interface DncRow {
  number: string;
  reason: string;
  expires_at: Date | null;
}

/** Rows per insertMany / bulkWrite. */
const BATCH = 5_000;

/**
 * Store rows (numbers already normalised and unique): new numbers inserted, listed ones rewritten
 * when their reason or expiry differ, the rest left alone (a replay changes nothing).
 */
export async function importDnc(
  db: Db,
  domain_uuid: string,
  rows: DncRow[],
): Promise<{ added: number; updated: number; unchanged: number }> {
  const col = tenantDncOf(db);
  const now = new Date();
  let added = 0;
  const dups: DncRow[] = [];
  for (let i = 0; i < rows.length; i += BATCH) {
    const part = rows.slice(i, i + BATCH);
    const docs = part.map((r) => ({ _id: dncKey(domain_uuid, r.number), domain_uuid, ...r, created_at: now, updated_at: now }));
    try {
      added += (await col.insertMany(docs, { ordered: false })).insertedCount;
    } catch (err) {
      const e = err as MongoBulkWriteError;
      const writeErrors = e.writeErrors ? (Array.isArray(e.writeErrors) ? e.writeErrors : [e.writeErrors]) : [];
      if (!writeErrors.length || writeErrors.some((w) => !isDuplicateKey({ code: w.code, message: w.errmsg }))) throw err;
      added += part.length - writeErrors.length;
      for (const w of writeErrors) dups.push(part[w.index]!);
    }
  }
  const updated = await rewriteChanged(col, domain_uuid, dups, now);
  return { added, updated, unchanged: dups.length - updated };
}

/** Numbers already listed are read back by `_id`, this many at a time (FerretDB 1.24 serves only
 *  `_id` equality from an index: an `$in` of thousands scanned the collection for minutes). */
const REREAD_BATCH = 1_000;

/** The listed numbers whose reason or expiry differ get the new ones. */
async function rewriteChanged(col: Collection<TenantDncDoc>, domain_uuid: string, rows: DncRow[], now: Date): Promise<number> {
  let updated = 0;
  for (let i = 0; i < rows.length; i += REREAD_BATCH) {
    const part = rows.slice(i, i + REREAD_BATCH);
    const have = await Promise.all(
      part.map((r) => col.findOne({ _id: dncKey(domain_uuid, r.number) }, { projection: { reason: 1, expires_at: 1 } })),
    );
    const ops: AnyBulkWriteOperation<TenantDncDoc>[] = [];
    part.forEach((r, k) => {
      const d = have[k];
      if (d && d.reason === r.reason && (d.expires_at?.getTime() ?? null) === (r.expires_at?.getTime() ?? null)) return;
      ops.push({
        updateOne: {
          filter: { _id: dncKey(domain_uuid, r.number) },
          update: { $set: { reason: r.reason, expires_at: r.expires_at, updated_at: now } },
        },
      });
    });
    if (ops.length) updated += (await col.bulkWrite(ops, { ordered: false })).matchedCount;
  }
  return updated;
}

/** A page of the tenant's list, by number. */
export async function listDnc(
  db: Db,
  domain_uuid: string,
  limit: number,
  offset: number,
): Promise<{ data: TenantDncDoc[]; total: number }> {
  const col = tenantDncOf(db);
  const [data, total] = await Promise.all([
    col.find({ domain_uuid }).sort({ number: 1 }).skip(offset).limit(limit).toArray(),
    col.countDocuments({ domain_uuid }),
  ]);
  return { data, total };
}

export async function deleteDnc(db: Db, domain_uuid: string, e164: string): Promise<boolean> {
  return (await tenantDncOf(db).deleteOne({ _id: dncKey(domain_uuid, e164) })).deletedCount === 1;
}
