// The dial queue: where a campaign's run finds the leads to claim next, by `_id` lookups only.
//
// FerretDB 1.24 answers every filter but a lone `{_id: <string>}` with a scan of the whole
// collection, sorts in Go and pushes down no `_id` range (internal/backends/sqlite/collection.go
// Query: only `WHERE _id = ?`; ORDER BY only `$natural`), so `find({campaign_uuid, status:'new'})
// .sort({order})` costs a scan of every lead of every campaign. Instead the writers of leads also
// append **pages**: `dial_pages`, `_id` = `<campaign>:<lane>:<n>` (n = 1, 2, … per campaign and
// lane), each the ordered ids of up to PAGE_SIZE leads. A claim walks the pages from a cursor
// (`dial_heads`, `_id` = `<campaign>:<lane>`) and reads only them and their leads: its cost is the
// same with 1,000 or 1,000,000 leads stored, in this campaign or others.
//
// Pages are an index, not the truth: every hint here (a page's `lo`/`hi`, `done`, the skip
// pointers, the head's `top`/`asc`) may be lost to a concurrent read-then-write and is only ever
// conservative (a lost hint costs a re-check, never a lead). Who gets a lead is decided by the
// claim in storage/leads.ts (lead status + a unique mark), so a lead listed twice is still
// claimed once. Page numbers are allocated by inserting the page (a duplicate `_id` means taken:
// try the next), are never reused (a finished page stays as a small tombstone), so every number
// up to the highest existing page exists.
//
// Lanes: `main` (imports, in import order) and `back` (leads given back by a stopped run or parked
// by their workflow: claimed first, as the oldest — or, newest-first, the newest — remaining).
import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from './mongo.ts';

export type Lane = 'main' | 'back';

/** Leads per page (one v2 insert batch). */
export const PAGE_SIZE = 1000;

export interface DialPage {
  _id: string;
  campaign_uuid: string;
  lane: Lane;
  n: number;
  /** Lead ids in dial order (emptied when the page is done). */
  leads: string[];
  /** Hint: entries [0, lo) were decided (ascending claims). */
  lo: number;
  /** Hint: entries [len − hi, len) were decided (descending claims). */
  hi: number;
  /** Hint: every entry was decided. */
  done: boolean;
  /** Skip pointers of a done page: every page strictly between n and `up` (`down`) is done. */
  up?: number;
  down?: number;
  created_at: Date;
}

interface DialHead {
  _id: string;
  /** Hint: a page number that exists (0: none); the highest is found by probing above it. */
  top: number;
  /** Hint: every page below `asc` is done. */
  asc: number;
}

export const pagesOf = (db: Db): Collection<DialPage> => db.collection<DialPage>('dial_pages');
const headsOf = (db: Db): Collection<DialHead> => db.collection<DialHead>('dial_heads');

export const pageId = (campaign_uuid: string, lane: Lane, n: number): string => `${campaign_uuid}:${lane}:${String(n).padStart(10, '0')}`;
const headId = (campaign_uuid: string, lane: Lane): string => `${campaign_uuid}:${lane}`;

/** Append lead ids (already stored, in dial order) to a campaign's queue, in pages. */
export async function enqueueLeads(db: Db, campaign_uuid: string, ids: string[], lane: Lane = 'main', now = new Date()): Promise<void> {
  if (!ids.length) return;
  const head = await headsOf(db).findOne({ _id: headId(campaign_uuid, lane) });
  let n = (head?.top ?? 0) + 1;
  for (let i = 0; i < ids.length; i += PAGE_SIZE) {
    const page = { campaign_uuid, lane, leads: ids.slice(i, i + PAGE_SIZE), lo: 0, hi: 0, done: false, created_at: now };
    for (;;) {
      try {
        await pagesOf(db).insertOne({ _id: pageId(campaign_uuid, lane, n), n, ...page });
        break;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        n++; // taken by another writer (or the hint was behind): the next number
      }
    }
    n++;
  }
  await setHead(db, campaign_uuid, lane, { top: n - 1 });
}

/** Raise the head's hints (a missing head is created; a concurrent create is retried once). */
async function setHead(db: Db, campaign_uuid: string, lane: Lane, h: Partial<Omit<DialHead, '_id'>>): Promise<void> {
  const update = { $max: h, $setOnInsert: { ...(h.top === undefined ? { top: 0 } : {}), ...(h.asc === undefined ? { asc: 1 } : {}) } };
  for (let tries = 0; ; tries++) {
    try {
      await headsOf(db).updateOne({ _id: headId(campaign_uuid, lane) }, update, { upsert: true });
      return;
    } catch (err) {
      if (!isDuplicateKey(err) || tries > 0) throw err; // FerretDB: two upserts of one new `_id`
    }
  }
}

/**
 * Walk a lane's pages in order (ascending from the cursor, or descending from the highest page)
 * and hand `decide` the next undecided lead ids, at most `need()` at a time, until `need()` is 0 or
 * the lane is exhausted. `decide` must decide every id it is given (claim it or skip it for good).
 */
export async function takeFromQueue(
  db: Db,
  campaign_uuid: string,
  lane: Lane,
  descending: boolean,
  need: () => number,
  decide: (ids: string[]) => Promise<void>,
): Promise<void> {
  const head = await headsOf(db).findOne({ _id: headId(campaign_uuid, lane) });
  if (!head) return;
  const max = await highestPage(db, campaign_uuid, lane, head.top);
  const step = descending ? -1 : 1;
  let p = descending ? max : Math.max(1, head.asc);
  const passed: DialPage[] = []; // done pages walked over: their skip pointers are moved to the end
  while (need() > 0 && p >= 1 && p <= max) {
    const page = await pagesOf(db).findOne({ _id: pageId(campaign_uuid, lane, p) });
    if (page && !page.done) await takePage(db, page, descending, need, decide);
    if (!page || page.done) {
      if (page) passed.push(page);
      p = (descending ? page?.down : page?.up) ?? p + step;
      continue;
    }
    break; // need() is 0 with entries left on this page
  }
  const end = Math.max(0, Math.min(p, max + 1));
  await Promise.all(
    passed
      .filter((pg) => (descending ? (pg.down ?? pg.n - 1) > end : (pg.up ?? pg.n + 1) < end))
      .map((pg) => pagesOf(db).updateOne({ _id: pg._id }, { $set: descending ? { down: end } : { up: end } })),
  );
  if (!descending && end > head.asc) await setHead(db, campaign_uuid, lane, { asc: end });
}

/** Decide a page's entries from its ascending (or descending) end; then note how far it got. */
async function takePage(
  db: Db,
  page: DialPage,
  descending: boolean,
  need: () => number,
  decide: (ids: string[]) => Promise<void>,
): Promise<void> {
  const len = page.leads.length;
  let { lo, hi } = page;
  while (need() > 0 && lo + hi < len) {
    const k = Math.min(need(), len - lo - hi);
    const ids = descending ? page.leads.slice(len - hi - k, len - hi).reverse() : page.leads.slice(lo, lo + k);
    await decide(ids);
    if (descending) hi += k;
    else lo += k;
  }
  const done = lo + hi >= len;
  // A done page keeps no ids: what is left is a small tombstone with skip pointers.
  await pagesOf(db).updateOne({ _id: page._id }, { $set: done ? { done, leads: [], lo: 0, hi: 0 } : { lo, hi } });
  page.done = done;
}

/** The highest page number of a lane: probe upward from the hint. */
async function highestPage(db: Db, campaign_uuid: string, lane: Lane, hint: number): Promise<number> {
  let n = hint;
  while (await pagesOf(db).findOne({ _id: pageId(campaign_uuid, lane, n + 1) }, { projection: { _id: 1 } })) n++;
  if (n > hint) await setHead(db, campaign_uuid, lane, { top: n });
  return n;
}

interface BulkErrorLike {
  writeErrors?: Array<{ index: number; code: number }> | { index: number; code: number };
}
const isDupCode = (code: unknown) => code === 11000 || code === 11001;

/**
 * Insert documents in batches, unordered, `concurrency` batches at a time; returns the indexes
 * (into `docs`) refused as duplicate keys. Any other failure is thrown.
 */
export async function insertManyCountingDuplicates<T extends { _id: string }>(
  insert: (batch: T[]) => Promise<unknown>,
  docs: T[],
  batchSize = 1000,
  concurrency = 1,
): Promise<Set<number>> {
  const dup = new Set<number>();
  const starts: number[] = [];
  for (let i = 0; i < docs.length; i += batchSize) starts.push(i);
  let next = 0;
  const worker = async () => {
    while (next < starts.length) {
      const i = starts[next++]!;
      try {
        await insert(docs.slice(i, i + batchSize));
      } catch (err) {
        const raw = (err as BulkErrorLike).writeErrors;
        const errs = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
        if (!errs.length || errs.some((w) => !isDupCode(w.code))) throw err;
        for (const w of errs) dup.add(i + w.index);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, starts.length) }, worker));
  return dup;
}

const BACKFILL_ID = '$backfill';

/**
 * Once per database: put the `new` leads stored before the dial queue existed into it (one scan of
 * `leads`, at start). Idempotent and safe to run concurrently (a lead listed twice is claimed once).
 */
export async function backfillDialQueue(db: Db): Promise<number> {
  if (await headsOf(db).findOne({ _id: BACKFILL_ID })) return 0;
  const rows = await db
    .collection<{ _id: string; campaign_uuid: string; order: number }>('leads')
    .find({ status: 'new' }, { projection: { campaign_uuid: 1, order: 1 } })
    .toArray();
  const byCampaign = new Map<string, Array<{ _id: string; order: number }>>();
  for (const r of rows) {
    const list = byCampaign.get(r.campaign_uuid) ?? [];
    list.push(r);
    byCampaign.set(r.campaign_uuid, list);
  }
  for (const [campaign_uuid, list] of byCampaign) {
    list.sort((a, b) => a.order - b.order);
    await enqueueLeads(
      db,
      campaign_uuid,
      list.map((l) => l._id),
    );
  }
  try {
    await headsOf(db).insertOne({ _id: BACKFILL_ID, top: 0, asc: 0 });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  return rows.length;
}
