// Leads (collection `leads`, `_id` = lead_uuid) and the import idempotency keys. A lead moves
//   new → queued (claimed by a run's hopper) → waiting_recall → … → done
// or straight to `invalid` (a number that cannot be dialed), or to `do_not_call`. Claims are
// conditional (a claim token), so two runs never take the same lead; after the claim the lead's
// one writer is its lead workflow (updates by `_id` only: FerretDB indexes nothing else).
import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { maskNumber, parsePhone, type Network } from '../domain/phone.ts';
import { isDuplicateKey } from './tenants.ts';

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

export interface ImportKeyDoc {
  _id: string;
  lead_uuid: string;
  call_id: string;
  created_at: Date;
}

export const leadsOf = (db: Db): Collection<LeadDoc> => db.collection<LeadDoc>('leads');
export const importKeysOf = (db: Db): Collection<ImportKeyDoc> => db.collection<ImportKeyDoc>('lead_import_keys');


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

/**
 * Remember an import's idempotency key; returns the lead it already names, or null when the key is
 * new (then it now names `lead`).
 */
export async function rememberImportKey(db: Db, key: string, lead: LeadDoc): Promise<ImportKeyDoc | null> {
  try {
    await importKeysOf(db).insertOne({ _id: key, lead_uuid: lead.lead_uuid, call_id: lead.next_call_id, created_at: new Date() });
    return null;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return importKeysOf(db).findOne({ _id: key });
  }
}

/**
 * Claim up to `limit` new leads of a campaign, in dial order, under the caller's claim `token`.
 * One scan finds the campaign's `new` leads and those this token already claimed (a retried claim
 * gets the same leads back instead of orphaning them as `queued`); each new one is then moved to
 * `queued` by `_id`. The campaign's run is the only claimer (one run per campaign), so no
 * conditional update is needed — and on FerretDB 1.24 only `_id` updates avoid a scan.
 */
export async function claimLeads(db: Db, campaign_uuid: string, limit: number, descending = false, token: string = randomUUID()): Promise<LeadDoc[]> {
  if (limit <= 0) return [];
  const found = await leadsOf(db)
    .find({ campaign_uuid, $or: [{ status: 'new' }, { status: 'queued', claim: token }] })
    .sort({ order: descending ? -1 : 1 })
    .limit(limit)
    .toArray();
  const now = new Date();
  const fresh = found.filter((l) => l.status === 'new');
  for (let i = 0; i < fresh.length; i += 50) {
    await Promise.all(fresh.slice(i, i + 50).map((l) => leadsOf(db).updateOne({ _id: l._id }, { $set: { status: 'queued', claim: token, updated_at: now } })));
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
