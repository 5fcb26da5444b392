// Leads (collection `leads`, `_id` = lead_uuid; derived from the request for retried imports). A lead moves
//   new → queued (claimed by a run's hopper) → waiting_recall → … → done
// or straight to `invalid` (a number that cannot be dialed), or to `do_not_call`. Every `new`
// lead is listed in its campaign's dial queue (storage/dial-queue.ts) by whoever stores it or
// gives it back; a claim reads that queue and wins each lead with a unique claim mark, so two runs
// never take the same lead; after the claim the lead's one writer is its lead workflow (updates
// by `_id` only: FerretDB indexes nothing else).
import { createHash, randomUUID } from 'node:crypto';
import type { Collection, Db, Filter } from 'mongodb';
import { maskNumber, parsePhone, type Network } from '../domain/phone.ts';
import { enqueueLeads, insertManyCountingDuplicates, takeFromQueue } from './dial-queue.ts';
import { isDuplicateKey } from './mongo.ts';

/** `skipped`: held back by a contact limit when its run stopped (docs/compliance.md); never claimed again. */
export type LeadStatus = 'new' | 'queued' | 'dialing' | 'waiting_recall' | 'done' | 'invalid' | 'do_not_call' | 'skipped';

export interface LeadDoc {
  _id: string;
  lead_uuid: string;
  domain_uuid: string;
  campaign_uuid: string;
  /** As the customer sent it. */
  phone_number: string;
  /** Every number of the customer, national form, the valid ones (mode_call uses them). */
  phones: string[];
  network: Network | '';
  masked: string;
  param: Record<string, unknown>;
  source: 'v3_import' | 'v2_queue' | 'voice_bot';
  status: LeadStatus;
  /** Dial order within the campaign (import order). */
  order: number;
  /** Calls placed so far. */
  attempts: number;
  first_attempt_at: Date | null;
  next_attempt_at: Date | null;
  /** origination_uuid the next attempt uses (fixed at import for the first one: the import's call_id). */
  next_call_id: string;
  call_ids: string[];
  /** Result word of the last call (answered, busy, no-answered, …). */
  disposition: string;
  claim: string;
  /** Times the lead was given back to `new` after a claim (its claim mark is `<_id>#<requeued>`). */
  requeued?: number;
  created_at: Date;
  updated_at: Date;
}

export const leadsOf = (db: Db): Collection<LeadDoc> => db.collection<LeadDoc>('leads');

let seq = 0;
/** Monotonic within a process, roughly time-ordered across processes. */
export function nextOrder(now = Date.now()): number {
  seq = (seq + 1) % 1000;
  return now * 1000 + seq;
}

export interface NewLead {
  domain_uuid: string;
  campaign_uuid: string;
  phone_number: string;
  /** Further numbers of the same customer (v2 `mobiles`). */
  more_numbers?: string[];
  param: Record<string, unknown>;
  source: LeadDoc['source'];
}

/** Build (not store) a lead: numbers parsed; no valid number → status `invalid`. */
export function buildLead(input: NewLead, now = new Date()): LeadDoc {
  const lead_uuid = randomUUID();
  const parsed = [input.phone_number, ...(input.more_numbers ?? [])].map((n) => parsePhone(n));
  const phones = parsed.flatMap((p) => (p.ok ? [p.national] : []));
  const first = parsed.find((p) => p.ok);
  return {
    _id: lead_uuid,
    lead_uuid,
    domain_uuid: input.domain_uuid,
    campaign_uuid: input.campaign_uuid,
    phone_number: input.phone_number,
    phones,
    network: first && first.ok ? first.network : '',
    masked: maskNumber(input.phone_number),
    param: input.param,
    source: input.source,
    status: phones.length ? 'new' : 'invalid',
    order: nextOrder(now.getTime()),
    attempts: 0,
    first_attempt_at: null,
    next_attempt_at: null,
    next_call_id: randomUUID(),
    call_ids: [],
    disposition: phones.length ? '' : 'invalid-number',
    claim: '',
    created_at: now,
    updated_at: now,
  };
}

/** A lead's own number of call attempts (the voice-bot `numberCall` field), if it has one. */
export function leadMaxAttempts(param: Record<string, unknown> | undefined): number | undefined {
  const n = param?.numberCall;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 ? n : undefined;
}

/** Store a lead and, when it can be dialed, list it in its campaign's dial queue. */
export async function insertLead(db: Db, lead: LeadDoc): Promise<void> {
  await leadsOf(db).insertOne(lead);
  if (lead.status === 'new') await enqueueLeads(db, lead.campaign_uuid, [lead._id]);
}

/**
 * Store many leads (one campaign, in dial order) in batches of 1,000 and list each batch's `new`
 * ones in the dial queue as it is stored; the indexes refused as duplicate keys (already stored).
 */
export async function storeLeads(db: Db, leads: LeadDoc[], batchSize = 1000): Promise<Set<number>> {
  const dup = new Set<number>();
  for (let i = 0; i < leads.length; i += batchSize) {
    const batch = leads.slice(i, i + batchSize);
    const d = await insertManyCountingDuplicates((b) => leadsOf(db).insertMany(b, { ordered: false }), batch, batchSize);
    for (const k of d) dup.add(i + k);
    await enqueueBatch(
      db,
      batch.filter((l, k) => !d.has(k) && l.status === 'new'),
    );
  }
  return dup;
}

/** List stored `new` leads in their campaigns' dial queues (in the order given). */
export async function enqueueBatch(db: Db, leads: Array<Pick<LeadDoc, '_id' | 'campaign_uuid'>>): Promise<void> {
  const by = new Map<string, string[]>();
  for (const l of leads) by.set(l.campaign_uuid, [...(by.get(l.campaign_uuid) ?? []), l._id]);
  for (const [campaign_uuid, ids] of by) await enqueueLeads(db, campaign_uuid, ids);
}

/** A fixed namespace for the name-based lead ids (RFC 4122 §4.3, SHA-1: version 5). */
const LEAD_NAMESPACE = Buffer.from('6f1c2b0e7d3a4e59a1f20c8b9d4e7a31', 'hex');

/**
 * A lead uuid derived from (campaign, name) — a UUID v5 — for leads that a retried request must
 * find instead of adding: a v2 customer id, an import's Idempotency-Key, a voice-bot phone's place.
 */
export function namedLeadId(campaign_uuid: string, name: string): string {
  const h = createHash('sha1').update(LEAD_NAMESPACE).update(campaign_uuid).update('\u0000').update(name).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** The lead of a v3 import made with this Idempotency-Key (customer ids never hold a NUL). */
export const importKeyLeadId = (campaign_uuid: string, key: string): string => namedLeadId(campaign_uuid, `\u0000import-key\u0000${key}`);

/** The lead of the i-th phone of a voice-bot create (a re-post finds the same leads). */
export const voiceBotLeadId = (campaign_uuid: string, i: number): string => namedLeadId(campaign_uuid, `\u0000voice-bot\u0000${i}`);

/** Store the lead; or, when a lead with its `_id` exists (a replayed request), return that one. */
export async function insertOrFindLead(db: Db, lead: LeadDoc): Promise<{ lead: LeadDoc; inserted: boolean }> {
  try {
    await insertLead(db, lead);
    return { lead, inserted: true };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const prior = await leadsOf(db).findOne({ _id: lead._id });
    if (!prior) throw err;
    // A replay: the first try may have died before listing the lead (listed twice is harmless).
    if (prior.status === 'new') await enqueueLeads(db, prior.campaign_uuid, [prior._id]);
    return { lead: prior, inserted: false };
  }
}

/** A claim's decision on a lead: `_id` = `<lead_uuid>#<requeued>`, the first insert wins. */
interface ClaimMark {
  _id: string;
  token: string;
  lead_uuid: string;
  campaign_uuid: string;
  at: Date;
}
/** What one claim took (`_id` = its token): a retried claim answers the same leads. */
interface ClaimDoc {
  _id: string;
  campaign_uuid: string;
  leads: string[];
  at: Date;
}
const marksOf = (db: Db) => db.collection<ClaimMark>('claim_marks');
const claimsOf = (db: Db) => db.collection<ClaimDoc>('claims');
const markId = (l: Pick<LeadDoc, '_id' | 'requeued'>) => `${l._id}#${l.requeued ?? 0}`;

/**
 * Claim up to `limit` new leads of a campaign, in dial order, under the caller's claim `token`.
 * The leads come from the campaign's dial queue (storage/dial-queue.ts: pages of lead ids read by
 * `_id`, leads given back first), never from a scan of `leads`, so a claim costs the same whatever
 * the number of leads stored. A lead is ours when it is `new` and our insert of its claim mark
 * (`<lead>#<requeued>`) wins: two concurrent claims never take the same lead, even one listed twice.
 * A retried claim (same token) answers the leads the first try recorded, or, when it died before
 * recording, wins again the marks it already holds (they carry its token).
 */
export async function claimLeads(
  db: Db,
  campaign_uuid: string,
  limit: number,
  descending = false,
  token: string = randomUUID(),
): Promise<LeadDoc[]> {
  if (limit <= 0) return [];
  const prior = await claimsOf(db).findOne({ _id: token });
  if (prior) return readClaimed(db, prior.leads, token);
  const won: LeadDoc[] = [];
  const seen = new Set<string>();
  const decide = async (ids: string[]): Promise<void> => {
    const fresh = ids.filter((id) => !seen.has(id));
    for (const id of fresh) seen.add(id);
    const docs = await readLeads(db, fresh);
    const open = docs.filter(
      (l) => l.campaign_uuid === campaign_uuid && (l.status === 'new' || (l.status === 'queued' && l.claim === token)),
    );
    won.push(...(await takeMarks(db, open, token)));
  };
  const need = () => limit - won.length;
  await takeFromQueue(db, campaign_uuid, 'back', descending, need, decide);
  await takeFromQueue(db, campaign_uuid, 'main', descending, need, decide);
  const now = new Date();
  await eachLimit(won, 32, (l) =>
    leadsOf(db)
      .updateOne({ _id: l._id }, { $set: { status: 'queued', claim: token, updated_at: now } })
      .then(() => undefined),
  );
  const ids = won.map((l) => l._id);
  try {
    await claimsOf(db).insertOne({ _id: token, campaign_uuid, leads: ids, at: now });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    // A try of the same claim still running beside this one recorded first: answer what it
    // recorded, and give back what only this one took.
    const other = (await claimsOf(db).findOne({ _id: token }))!;
    const theirs = new Set(other.leads);
    await unclaimLeads(
      db,
      ids.filter((id) => !theirs.has(id)),
    );
    return readClaimed(db, other.leads, token);
  }
  return won.map((l) => ({ ...l, status: 'queued' as const, claim: token }));
}

/** Insert the leads' claim marks; the leads whose mark is ours (inserted now, or by an earlier try). */
async function takeMarks(db: Db, leads: LeadDoc[], token: string): Promise<LeadDoc[]> {
  if (!leads.length) return [];
  const at = new Date();
  const marks = leads.map((l) => ({ _id: markId(l), token, lead_uuid: l._id, campaign_uuid: l.campaign_uuid, at }));
  const dup = await insertManyCountingDuplicates((b) => marksOf(db).insertMany(b, { ordered: false }), marks);
  if (!dup.size) return leads;
  const held = await readByIds(
    marksOf(db),
    [...dup].map((i) => marks[i]!._id),
  );
  const ours = new Set(held.filter((m) => m.token === token).map((m) => m._id));
  return leads.filter((l, i) => !dup.has(i) || ours.has(markId(l)));
}

/** The leads a recorded claim took, as it answered them. */
async function readClaimed(db: Db, ids: string[], token: string): Promise<LeadDoc[]> {
  const docs = await readLeads(db, ids);
  return docs.map((l) => ({ ...l, status: 'queued' as const, claim: token }));
}

/** Documents by `_id`, one lookup each, a few at a time, in the order asked (missing ones left out). */
async function readByIds<T extends { _id: string }>(coll: Collection<T>, ids: string[]): Promise<T[]> {
  const out: Array<T | null> = new Array<T | null>(ids.length).fill(null);
  await eachLimit(
    ids.map((id, i) => ({ id, i })),
    32,
    async ({ id, i }) => {
      out[i] = (await coll.findOne({ _id: id } as Filter<T>)) as T | null;
    },
  );
  return out.filter((x): x is T => x !== null);
}
const readLeads = (db: Db, ids: string[]): Promise<LeadDoc[]> => readByIds(leadsOf(db), ids);

async function eachLimit<T>(items: T[], limit: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

/**
 * Give claimed leads back (a stopped run, or a lead parked by its workflow): queued (or
 * waiting_recall, with `alsoWaiting`) → new, `requeued` + 1 (so a later claim can win a fresh
 * mark), then listed again in the campaign's dial queue, in the lane claimed first. A retry finds
 * the leads `new` already and only lists them again (a lead listed twice is claimed once).
 */
export async function unclaimLeads(db: Db, lead_uuids: string[], alsoWaiting = false): Promise<number> {
  const back = new Map<string, string[]>();
  let n = 0;
  const docs = await readLeads(db, lead_uuids);
  for (const l of docs) {
    const give = l.status === 'queued' || (alsoWaiting && l.status === 'waiting_recall');
    if (!give && l.status !== 'new') continue;
    if (give) {
      await leadsOf(db).updateOne(
        { _id: l._id },
        { $set: { status: 'new', claim: '', requeued: (l.requeued ?? 0) + 1, updated_at: new Date() } },
      );
      n++;
    }
    back.set(l.campaign_uuid, [...(back.get(l.campaign_uuid) ?? []), l._id]);
  }
  for (const [campaign_uuid, ids] of back) await enqueueLeads(db, campaign_uuid, ids, 'back');
  return n;
}

export async function getLead(db: Db, lead_uuid: string): Promise<LeadDoc | null> {
  return leadsOf(db).findOne({ _id: lead_uuid });
}
