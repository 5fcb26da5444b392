// Calls per number, counted across every campaign of a tenant, decided by unique `_id` inserts
// (FerretDB 1.24: no transactions, a concurrent $inc can be lost). docs/decisions.md, *Contact
// limits*: each number's calls form a sequence, `contact_slots` `{_id: "<tenant>:<e164>:<n>", at,
// call_id}`; a dial takes the next n by inserting it, after reading the number's recent calls
// (n−1, n−2, … back 25 h) and asking domain/compliance.ts contactDecision whether one more call is
// allowed. Two dials racing for the same n: one insert wins, the other gets a duplicate key, reads
// again (now seeing the winner's call) and decides again — so two campaigns never both take the
// last allowed call. The number's head `{_id: "<tenant>:<e164>", n}` is a hint only (a lost write
// costs a probe). A reservation whose call was never placed is marked `void` by its own dial (one
// writer per document) and counts no more.
import type { Collection, Db } from 'mongodb';
import { contactDecision, LOOKBACK_MS, type ContactCall, type ContactDecision, type Policy } from '../domain/compliance.ts';
import { registerIndexes } from './indexes.ts';
import { isDuplicateKey } from './mongo.ts';

export interface ContactSlotDoc {
  _id: string;
  domain_uuid: string;
  at: Date;
  call_id: string;
  campaign_uuid: string;
  void?: boolean;
  /** For MongoDB's TTL index: the document matters for 25 h (FerretDB 1.24 keeps them). */
  expires_at: Date;
}

interface HeadDoc {
  _id: string;
  n: number;
  expires_at: Date;
}

const slotsOf = (db: Db): Collection<ContactSlotDoc> => db.collection<ContactSlotDoc>('contact_slots');
const headsOf = (db: Db): Collection<HeadDoc> => db.collection<HeadDoc>('contact_slots');

// MongoDB removes a number's calls once they no longer count (26 h) and its head after 30 days
// of no calls; a head always outlives the calls it points past.
registerIndexes('contact_slots', [{ key: { expires_at: 1 }, name: 'expires', expireAfterSeconds: 0 }]);
const SLOT_KEEP_MS = 26 * 3_600_000;
const HEAD_KEEP_MS = 30 * 86_400_000;

export interface ContactRequest {
  domain_uuid: string;
  campaign_uuid: string;
  /** The number dialed, E.164. */
  e164: string;
  call_id: string;
  policy: Policy;
  time_zone: string;
  now: number;
}

export type Reservation = (ContactDecision & { ok: true; slot: string | null }) | (ContactDecision & { ok: false });

/** Give up after this many lost races in a row (never reached outside a storm on one number). */
const MAX_ROUNDS = 50;

/**
 * Count this call against the number's limits: reserve the next slot, or say when the next call
 * is allowed. `policy` without limits: the call is recorded (it counts for campaigns that have
 * limits) and always allowed. Idempotent per call_id (a retried dial finds its own slot).
 */
export async function reserveContact(db: Db, r: ContactRequest): Promise<Reservation> {
  const key = `${r.domain_uuid}:${r.e164}`;
  let n = (await headsOf(db).findOne({ _id: key }))?.n ?? 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    n = await probeHead(db, key, n);
    const need = Math.max(1, r.policy.max_calls_per_number_24h ?? 0, r.policy.max_calls_per_number_day ?? 0);
    const { calls, latest } = await recentCalls(db, key, n, r.now, need);
    const mine = calls.find((c) => c.call_id === r.call_id);
    if (mine) return { ok: true, slot: mine.slot };
    // Times rise with n: a call is never stamped before the one it follows (a dial whose clock
    // reading is older than the call it lost a race to counts from that call's time).
    const now = Math.max(r.now, latest);
    const d = contactDecision(r.policy, calls, now, r.time_zone);
    if (!d.ok) return d;
    const slot = `${key}:${n + 1}`;
    try {
      await slotsOf(db).insertOne({
        _id: slot,
        domain_uuid: r.domain_uuid,
        at: new Date(now),
        call_id: r.call_id,
        campaign_uuid: r.campaign_uuid,
        expires_at: new Date(now + SLOT_KEEP_MS),
      });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      n += 1; // another dial took n+1: read again with its call counted
      continue;
    }
    await moveHead(db, key, n + 1, now);
    return { ok: true, slot };
  }
  throw new Error(`contact limit: no slot for ${key} after ${MAX_ROUNDS} rounds`);
}

/** The call was not placed after all: its reservation counts no more. */
export async function releaseContact(db: Db, slot: string): Promise<void> {
  await slotsOf(db).updateOne({ _id: slot }, { $set: { void: true } });
}

/** The last taken n at or after `from` (probing forward one `_id` read at a time). */
async function probeHead(db: Db, key: string, from: number): Promise<number> {
  let n = from;
  while (await slotsOf(db).findOne({ _id: `${key}:${n + 1}` }, { projection: { _id: 1 } })) n++;
  return n;
}

/** Reads per round trip when looking back. */
const LOOKBACK_BATCH = 8;

/** The number's latest `need` calls within 25 h before `now` (void ones left out), newest first:
 *  slots n, n−1, … — enough to decide any limit up to `need` (and to find a retried dial's own). */
async function recentCalls(
  db: Db,
  key: string,
  n: number,
  now: number,
  need: number,
): Promise<{ calls: Array<ContactCall & { slot: string }>; latest: number }> {
  const out: Array<ContactCall & { slot: string }> = [];
  let latest = 0; // the time of slot n (void or not)
  for (let hi = n; hi > 0 && out.length < need;) {
    const ids = Array.from({ length: Math.min(LOOKBACK_BATCH, need - out.length, hi) }, (_, i) => `${key}:${hi - i}`);
    hi -= ids.length;
    const docs = await Promise.all(ids.map((_id) => slotsOf(db).findOne({ _id })));
    for (const d of docs) {
      if (d) latest = Math.max(latest, d.at.getTime());
      // A missing slot (MongoDB's TTL removed it) or one past the look-back: older ones do not count.
      if (!d || d.at.getTime() <= now - LOOKBACK_MS) return { calls: out, latest };
      if (!d.void) out.push({ at: d.at.getTime(), call_id: d.call_id, slot: d._id });
    }
  }
  return { calls: out, latest };
}

/** Best effort: the head moves forward (a lost write only costs the next dial a probe). */
async function moveHead(db: Db, key: string, n: number, now: number): Promise<void> {
  const expires_at = new Date(now + HEAD_KEEP_MS);
  try {
    await headsOf(db).insertOne({ _id: key, n, expires_at });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    // By `_id` alone (FerretDB 1.24 scans for any other filter); `$max` never moves it back.
    await headsOf(db).updateOne({ _id: key }, { $max: { n }, $set: { expires_at } });
  }
}
