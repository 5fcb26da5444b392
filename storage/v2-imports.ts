// Staged v2 queue imports (issue 20 item 1, issue 19): a post of more than V2_IMPORT_STAGE_OVER
// usable customers (default 10,000) stores its first batch as leads at once and stages the rest here before it answers;
// the import workflow (workflows/v2-import.ts, activities/v2-import.ts) then stores one chunk at a
// time through storage/leads.ts (storeLeads: each batch listed in the dial queue).
//   v2_imports        `_id` = import id (derived from the queue and the post's bytes: a retried
//                     post finds its import instead of staging again): progress and conflicts
//   v2_import_chunks  `_id` = `<import id>:<n>` (n = 1, 2, …): ≤ 1,000 checked customers each,
//                     as one gzipped JSON binary (`packed`), deleted once stored
//   v2_import_heads   `_id` = campaign_uuid: the queue's latest staged import (what the poll reads)
// Everything is read and written by `_id` only (FerretDB 1.24 scans every other filter).
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { Binary, type Collection, type Db } from 'mongodb';
import { maskNumber } from '../domain/phone.ts';
import { buildLead, storeLeads, type LeadDoc } from './leads.ts';
import { mapLimit } from './concurrency.ts';
import { customerLeadId, insertManyCountingDuplicates, samePostedLeads } from './v2-queues.ts';

/** Customers per staged chunk (and per batch the request stores itself). */
export const IMPORT_CHUNK = 1000;
/**
 * Leads per write when the import workflow stores a chunk, and the pause after each: FerretDB's
 * SQLite backend runs one write at a time, so a 1,000-lead insertMany holds every other tenant's
 * writes for its whole length (seconds on a loaded machine: measured, test/v2/isolation.test.ts);
 * writes of 250 with a breath between let them in. The request's own first batch stays one write.
 */
export const IMPORT_WRITE_BATCH = 250;
export const IMPORT_WRITE_PAUSE_MS = 50;
/** Conflicting customer ids kept on the import (the count is exact). */
export const CONFLICT_IDS_KEPT = 1000;

/** A usable customer as checked by the API: its numbers, its other fields, its dial order. */
export interface CheckedCustomer {
  id: string;
  numbers: string[];
  fields: Record<string, unknown>;
  order: number;
}

export type ImportState = 'staging' | 'storing' | 'done';

export interface ImportDoc {
  _id: string;
  domain_uuid: string;
  campaign_uuid: string;
  queue_code: string;
  state: ImportState;
  /** Usable customers of the post (the first batch included). */
  total: number;
  /** Staged chunks, numbered 1..chunks (chunk 0 is the batch the request stored). */
  chunks: number;
  /** Chunks 1..next_chunk-1 are stored. */
  next_chunk: number;
  /** Customers stored as leads (or found stored exactly as posted: a retry). */
  stored: number;
  /** Customers whose id the queue already has with other numbers or fields: not stored. */
  conflicts: number;
  conflict_ids: string[];
  created_at: Date;
  updated_at: Date;
  done_at?: Date;
}

export interface ChunkDoc {
  _id: string;
  import_id: string;
  n: number;
  /** The chunk's customers, gzipped JSON: FerretDB takes a 1,000-customer array of documents at
   *  about 10× the time of the same as one binary (100,000 customers staged: 8.8 s → 0.7 s). */
  packed?: Binary;
  /** Chunks staged before `packed` (an import in flight across the upgrade). */
  customers?: CheckedCustomer[];
}

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** A staged chunk's document (gzip runs on libuv's pool: the API's event loop stays free). */
export async function packChunk(import_id: string, n: number, customers: CheckedCustomer[]): Promise<ChunkDoc> {
  return { _id: chunkId(import_id, n), import_id, n, packed: new Binary(await gzipAsync(JSON.stringify(customers))) };
}

export async function chunkCustomers(chunk: ChunkDoc): Promise<CheckedCustomer[]> {
  if (chunk.packed) return JSON.parse((await gunzipAsync(chunk.packed.buffer)).toString('utf8')) as CheckedCustomer[];
  return chunk.customers ?? [];
}

interface HeadDoc {
  _id: string;
  import_id: string;
  at: Date;
}

export const importsOf = (db: Db): Collection<ImportDoc> => db.collection<ImportDoc>('v2_imports');
export const chunksOf = (db: Db): Collection<ChunkDoc> => db.collection<ChunkDoc>('v2_import_chunks');
const headsOf = (db: Db): Collection<HeadDoc> => db.collection<HeadDoc>('v2_import_heads');

export const chunkId = (import_id: string, n: number): string => `${import_id}:${String(n).padStart(6, '0')}`;
export const v2ImportWorkflowId = (import_id: string): string => `v2-import:${import_id}`;

/** The import id of a post: the queue and the exact bytes posted (a client's retry sends the same). */
export function importIdOf(campaign_uuid: string, body: string): string {
  return createHash('sha256').update(campaign_uuid).update('\u0000').update(body).digest('hex').slice(0, 40);
}

/** The lead of a usable customer of the queue. */
export function customerLead(c: CheckedCustomer, q: { domain_uuid: string; campaign_uuid: string }, now: Date): LeadDoc {
  const lead = buildLead(
    {
      domain_uuid: q.domain_uuid,
      campaign_uuid: q.campaign_uuid,
      phone_number: c.numbers[0]!,
      more_numbers: c.numbers.slice(1),
      param: c.fields,
      source: 'v2_queue',
    },
    now,
  );
  const phones = [...new Set(lead.phones)];
  const _id = customerLeadId(q.campaign_uuid, c.id);
  const doc: LeadDoc & { customer_id: string } = {
    ...lead,
    _id,
    lead_uuid: _id,
    phones,
    phone_number: phones[0]!,
    masked: maskNumber(phones[0]!),
    order: c.order,
    customer_id: c.id,
  };
  return doc;
}

/**
 * Store customers as leads (storage/leads.ts storeLeads: `batch` per insertMany, 1,000 by default,
 * each batch listed in the dial queue; `pauseMs` after each). Per customer: stored (now, or by an
 * earlier post exactly as posted — a retry) or a conflict (the queue has that id with other
 * numbers or fields).
 */
export async function storeCustomers(
  db: Db,
  q: { domain_uuid: string; campaign_uuid: string },
  customers: CheckedCustomer[],
  now = new Date(),
  opts: { batch?: number; pauseMs?: number } = {},
): Promise<{ ok: boolean[] }> {
  const batch = opts.batch ?? IMPORT_CHUNK;
  const ok = new Array<boolean>(customers.length).fill(false);
  for (let i = 0; i < customers.length; i += batch) {
    if (i > 0 && opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
    const leads = customers.slice(i, i + batch).map((c) => customerLead(c, q, now));
    const dup = await storeLeads(db, leads, batch);
    const same = dup.size
      ? await samePostedLeads(
          db,
          [...dup].map((k) => leads[k]!),
        )
      : new Set<string>();
    leads.forEach((l, k) => (ok[i + k] = !dup.has(k) || same.has(l._id)));
  }
  return { ok };
}

/**
 * Stage a post's customers beyond its first batch. Idempotent: the import document is created
 * once (a retry finds it; one still `staging` — the first try died while staging — is staged
 * again, chunks already there kept); chunks are inserted by their derived `_id`. Returns the import.
 */
export async function stageImport(
  db: Db,
  input: {
    import_id: string;
    q: { domain_uuid: string; campaign_uuid: string; queue_code: string };
    total: number;
    /** The first batch's result (stored by the request). */
    first: { stored: number; conflict_ids: string[] };
    rest: CheckedCustomer[];
  },
  now = new Date(),
): Promise<ImportDoc> {
  const { import_id, q } = input;
  const chunks = Math.ceil(input.rest.length / IMPORT_CHUNK);
  const fresh: ImportDoc = {
    _id: import_id,
    domain_uuid: q.domain_uuid,
    campaign_uuid: q.campaign_uuid,
    queue_code: q.queue_code,
    state: 'staging',
    total: input.total,
    chunks,
    next_chunk: 1,
    stored: input.first.stored,
    conflicts: input.first.conflict_ids.length,
    conflict_ids: input.first.conflict_ids.slice(0, CONFLICT_IDS_KEPT),
    created_at: now,
    updated_at: now,
  };
  let doc = fresh;
  try {
    await importsOf(db).insertOne(fresh);
  } catch (err) {
    const prior = await importsOf(db).findOne({ _id: import_id });
    if (!prior) throw err;
    doc = prior;
  }
  await headsOf(db).replaceOne({ _id: q.campaign_uuid }, { import_id, at: now }, { upsert: true });
  if (doc.state !== 'staging') return doc;
  // Several chunks per insertMany (each ~20–30 KB packed), so staging costs a handful of round trips.
  const docs = await mapLimit(
    Array.from({ length: chunks }, (_, i) => i + 1),
    4,
    (n) => packChunk(import_id, n, input.rest.slice((n - 1) * IMPORT_CHUNK, n * IMPORT_CHUNK)),
  );
  await insertManyCountingDuplicates((b) => chunksOf(db).insertMany(b, { ordered: false }), docs, 10);
  await importsOf(db).updateOne({ _id: import_id }, { $set: { state: 'storing', updated_at: new Date() } });
  return { ...doc, state: 'storing' };
}

export const getImport = (db: Db, import_id: string): Promise<ImportDoc | null> => importsOf(db).findOne({ _id: import_id });

/** The queue's latest staged import, or null (none: every post so far was stored at once). */
export async function latestImport(db: Db, campaign_uuid: string): Promise<ImportDoc | null> {
  const head = await headsOf(db).findOne({ _id: campaign_uuid });
  return head ? getImport(db, head.import_id) : null;
}

/**
 * Store staged chunk `n` of an import (the import workflow's one writer calls it in order). A
 * chunk stored already (a retried activity) is not stored again; its document is deleted.
 * Returns whether it stored leads now.
 */
export async function storeChunk(
  db: Db,
  import_id: string,
  n: number,
  now = new Date(),
): Promise<{ stored: number; conflicts: number } | null> {
  const imp = await getImport(db, import_id);
  if (!imp) throw new Error(`import ${import_id} not found`);
  if (imp.next_chunk > n) {
    await chunksOf(db).deleteOne({ _id: chunkId(import_id, n) });
    return null;
  }
  const chunk = await chunksOf(db).findOne({ _id: chunkId(import_id, n) });
  if (!chunk) throw new Error(`import ${import_id}: chunk ${n} is not staged`);
  const customers = await chunkCustomers(chunk);
  const { ok } = await storeCustomers(db, imp, customers, now, { batch: IMPORT_WRITE_BATCH, pauseMs: IMPORT_WRITE_PAUSE_MS });
  const conflictIds = customers.flatMap((c, i) => (ok[i] ? [] : [c.id]));
  const stored = ok.length - conflictIds.length;
  await importsOf(db).updateOne(
    { _id: import_id, next_chunk: n },
    {
      $set: {
        next_chunk: n + 1,
        stored: imp.stored + stored,
        conflicts: imp.conflicts + conflictIds.length,
        conflict_ids: [...imp.conflict_ids, ...conflictIds].slice(0, CONFLICT_IDS_KEPT),
        updated_at: new Date(),
      },
    },
  );
  await chunksOf(db).deleteOne({ _id: chunkId(import_id, n) });
  return { stored, conflicts: conflictIds.length };
}

/** Every chunk stored: the import is done. */
export async function finishImport(db: Db, import_id: string, now = new Date()): Promise<void> {
  await importsOf(db).updateOne({ _id: import_id, state: 'storing' }, { $set: { state: 'done', done_at: now, updated_at: now } });
}
