// Leads (collection `leads`, `_id` = lead_uuid; derived from the request for retried imports). A lead moves
//   new → queued (claimed by a run's hopper) → waiting_recall → … → done
// or straight to `invalid` (a number that cannot be dialed), or to `do_not_call`. Claims are
// conditional (a claim token), so two runs never take the same lead; after the claim the lead's
// one writer is its lead workflow (updates by `_id` only: FerretDB indexes nothing else).
import { createHash, randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { maskNumber, parsePhone, type Network } from '../domain/phone.ts';
import { isDuplicateKey } from './mongo.ts';

export type LeadStatus = 'new' | 'queued' | 'dialing' | 'waiting_recall' | 'done' | 'invalid' | 'do_not_call';

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

export async function insertLead(db: Db, lead: LeadDoc): Promise<void> {
  await leadsOf(db).insertOne(lead);
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
    await leadsOf(db).insertOne(lead);
    return { lead, inserted: true };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const prior = await leadsOf(db).findOne({ _id: lead._id });
    if (!prior) throw err;
    return { lead: prior, inserted: false };
  }
}

/**
 * Claim up to `limit` new leads of a campaign, in dial order, under the caller's claim `token`.
 * One scan finds the campaign's `new` leads and those this token already claimed (a retried claim
 * gets the same leads back instead of orphaning them as `queued`); each new one is then moved to
 * `queued` by `_id`. The campaign's run is the only claimer (one run per campaign), so no
 * conditional update is needed — and on FerretDB 1.24 only `_id` updates avoid a scan.
 */
export async function claimLeads(
  db: Db,
  campaign_uuid: string,
  limit: number,
  descending = false,
  token: string = randomUUID(),
): Promise<LeadDoc[]> {
  if (limit <= 0) return [];
  const found = await leadsOf(db)
    .find({ campaign_uuid, $or: [{ status: 'new' }, { status: 'queued', claim: token }] })
    .sort({ order: descending ? -1 : 1 })
    .limit(limit)
    .toArray();
  const now = new Date();
  const fresh = found.filter((l) => l.status === 'new');
  for (let i = 0; i < fresh.length; i += 50) {
    await Promise.all(
      fresh
        .slice(i, i + 50)
        .map((l) => leadsOf(db).updateOne({ _id: l._id }, { $set: { status: 'queued', claim: token, updated_at: now } })),
    );
  }
  return found.map((l) => ({ ...l, status: 'queued' as const, claim: token }));
}

/** Give claimed leads back (a stopped run): queued → new, by `_id`. */
export async function unclaimLeads(db: Db, lead_uuids: string[]): Promise<number> {
  let n = 0;
  for (const id of lead_uuids) {
    const l = await leadsOf(db).findOne({ _id: id }, { projection: { status: 1 } });
    if (l?.status !== 'queued') continue;
    await leadsOf(db).updateOne({ _id: id }, { $set: { status: 'new', claim: '', updated_at: new Date() } });
    n++;
  }
  return n;
}

export async function getLead(db: Db, lead_uuid: string): Promise<LeadDoc | null> {
  return leadsOf(db).findOne({ _id: lead_uuid });
}
