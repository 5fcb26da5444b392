// Prepaid tenants (voice-bot codes 103 "balance too low" and 105 "plan expired or missing").
// Optional fields on the tenant document (collection `tenants`):
//   balance          number   prepaid credit (e.g. VND); absent = not prepaid, never refused for money
//   plan_expires_at  Date|null the plan's end; absent = no plan check, null = no plan (refused, 105)
//   postage          {viettel, mobi, vina, tel, offnet}: price per minute of an answered call
// Charges are insert-only, one per answered call: `tenant_charges` `{_id: call_id, amount, …}`
// (a duplicate key = already charged: a retried recordCall charges nothing twice). The balance is
// never decremented in place (FerretDB updates are read-then-write: concurrent `$inc`s get lost);
// what is left = balance + the sum of the tenant's top-ups − the sum of the tenant's charges.
// Top-ups are insert-only too: `tenant_credits` `{_id, domain_uuid, amount, note, created_at}`, one
// per top-up (the operator API and `npm run ctl -- admin top-up`: `topUp`); `balance` itself is
// the opening credit and is never rewritten by a top-up.
// Before each dial (activities/dial.ts placeCall → billingRefusal) a tenant whose plan has
// expired, or whose remaining balance is ≤ 0, gets no originate: the attempt is recorded, never
// dialed, with cause PLAN_EXPIRED or BALANCE_TOO_LOW (voice-bot 105 / 103, callbacks/payload.ts).
// Reads are cached per process for BILLING_TTL_MS (charges made by this process count at once), so
// with several workers a few calls may start in the last second before the money runs out.
import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { Network } from '../domain/phone.ts';
import { isDuplicateKey } from './mongo.ts';
import { tenantsOf, type TenantDoc } from './tenants.ts';

export const BALANCE_TOO_LOW = 'BALANCE_TOO_LOW';
export const PLAN_EXPIRED = 'PLAN_EXPIRED';
export type BillingRefusal = typeof BALANCE_TOO_LOW | typeof PLAN_EXPIRED;

export interface TenantBilling {
  balance?: number;
  plan_expires_at?: Date | null;
  postage?: Partial<Record<Network, number>>;
}

export interface ChargeDoc {
  _id: string; // call_id
  domain_uuid: string;
  campaign_uuid: string;
  network: string;
  billsec: number;
  price_per_minute: number;
  amount: number;
  created_at: Date;
}

/** The tenants collection as billing reads and writes it (TenantBilling's fields live on the tenant). */
export const billingOf = (db: Db): Collection<TenantDoc & TenantBilling> => db.collection<TenantDoc & TenantBilling>('tenants');

export const chargesOf = (db: Db): Collection<ChargeDoc> => db.collection<ChargeDoc>('tenant_charges');

/** A top-up of a prepaid tenant's credit: one insert each, never changed. */
export interface CreditDoc {
  _id: string; // a random uuid, or the caller's idempotency key
  domain_uuid: string;
  amount: number;
  note: string;
  created_at: Date;
}

export const creditsOf = (db: Db): Collection<CreditDoc> => db.collection<CreditDoc>('tenant_credits');

export const BILLING_TTL_MS = 1_000;

interface Cached {
  at: number;
  billing: TenantBilling;
  /** Sum of charges read at `at`, plus those this process made since. */
  spent: number;
}
const cache = new WeakMap<Db, Map<string, Promise<Cached>>>();

async function load(db: Db, domain_uuid: string): Promise<Cached> {
  const t = await tenantsOf(db).findOne({ _id: domain_uuid }, { projection: { balance: 1, plan_expires_at: 1, postage: 1 } });
  const billing: TenantBilling = (t ?? {}) as TenantBilling;
  let spent = 0;
  if (typeof billing.balance === 'number') {
    for await (const c of chargesOf(db).find({ domain_uuid }, { projection: { amount: 1 } })) spent += c.amount;
    for await (const c of creditsOf(db).find({ domain_uuid }, { projection: { amount: 1 } })) spent -= c.amount;
  }
  return { at: Date.now(), billing, spent };
}

function state(db: Db, domain_uuid: string): Promise<Cached> {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = new Map()));
  const map = m;
  // A failed load (first or refresh) is forgotten, so the next call loads again.
  const reload = (): Promise<Cached> => {
    const p = load(db, domain_uuid);
    map.set(domain_uuid, p);
    p.catch(() => {
      if (map.get(domain_uuid) === p) map.delete(domain_uuid);
    });
    return p;
  };
  const hit = map.get(domain_uuid);
  if (!hit) return reload();
  return hit.then((c) => {
    if (Date.now() - c.at < BILLING_TTL_MS) return c;
    return map.get(domain_uuid) === hit ? reload() : (map.get(domain_uuid) ?? reload());
  });
}

/** Price of an answered call: per minute of the network, billed by the second (2 decimals). */
export function callPrice(billing: TenantBilling, network: string, billsec: number): { price_per_minute: number; amount: number } {
  const price_per_minute = billing.postage?.[network as Network] ?? 0;
  const amount = billsec > 0 ? Math.round(((price_per_minute * billsec) / 60) * 100) / 100 : 0;
  return { price_per_minute, amount };
}

/** Why this tenant may not dial now, or null. */
export async function billingRefusal(db: Db, domain_uuid: string, now = new Date()): Promise<BillingRefusal | null> {
  const { billing, spent } = await state(db, domain_uuid);
  if (billing.plan_expires_at !== undefined) {
    const end = billing.plan_expires_at ? new Date(billing.plan_expires_at).getTime() : 0;
    if (!(end > now.getTime())) return PLAN_EXPIRED;
  }
  if (typeof billing.balance === 'number' && billing.balance - spent <= 0) return BALANCE_TOO_LOW;
  return null;
}

/** The tenant's remaining prepaid balance (null when not prepaid). */
export async function remainingBalance(db: Db, domain_uuid: string): Promise<number | null> {
  const { billing, spent } = await state(db, domain_uuid);
  return typeof billing.balance === 'number' ? billing.balance - spent : null;
}

/** What an answered call costs this tenant (0 when not priced). */
export async function postageOf(
  db: Db,
  call: { domain_uuid: string; network: string; billsec: number; answered: boolean },
): Promise<number> {
  if (!call.answered) return 0;
  return callPrice((await state(db, call.domain_uuid)).billing, call.network, call.billsec).amount;
}

/** Charge an answered call of a prepaid tenant, once (insert-only by call_id). Called by recordCall. */
export async function chargeCall(
  db: Db,
  call: { call_id: string; domain_uuid: string; campaign_uuid: string; network: string; billsec: number; answered: boolean },
): Promise<void> {
  if (!call.answered || call.billsec <= 0) return;
  const s = await state(db, call.domain_uuid);
  if (typeof s.billing.balance !== 'number') return;
  const { price_per_minute, amount } = callPrice(s.billing, call.network, call.billsec);
  if (amount <= 0) return;
  try {
    await chargesOf(db).insertOne({
      _id: call.call_id,
      domain_uuid: call.domain_uuid,
      campaign_uuid: call.campaign_uuid,
      network: call.network,
      billsec: call.billsec,
      price_per_minute,
      amount,
      created_at: new Date(),
    });
  } catch (err) {
    if (isDuplicateKey(err)) return;
    throw err;
  }
  s.spent += amount; // counts here at once; other processes see it within BILLING_TTL_MS
}

// ---------------------------------------------------------------- tenant administration

export class BillingError extends Error {}

export interface BillingSummary {
  /** The tenant is refused calls when its credit runs out (it has a `balance`). */
  prepaid: boolean;
  /** The opening credit (`balance`), 0 when not prepaid. */
  opening_balance: number;
  topped_up: number;
  charged: number;
  /** opening + top-ups − charges; null when not prepaid. */
  remaining: number | null;
  plan_expires_at: Date | null | undefined;
  postage: Partial<Record<Network, number>>;
}

/** The tenant's billing as stored now (no cache). */
export async function billingSummary(db: Db, domain_uuid: string): Promise<BillingSummary> {
  const t = await tenantsOf(db).findOne({ _id: domain_uuid }, { projection: { balance: 1, plan_expires_at: 1, postage: 1 } });
  const b = (t ?? {}) as TenantBilling;
  let charged = 0;
  let topped = 0;
  for await (const c of chargesOf(db).find({ domain_uuid }, { projection: { amount: 1 } })) charged += c.amount;
  for await (const c of creditsOf(db).find({ domain_uuid }, { projection: { amount: 1 } })) topped += c.amount;
  const prepaid = typeof b.balance === 'number';
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    prepaid,
    opening_balance: prepaid ? b.balance! : 0,
    topped_up: round(topped),
    charged: round(charged),
    remaining: prepaid ? round(b.balance! + topped - charged) : null,
    plan_expires_at: b.plan_expires_at === undefined ? undefined : b.plan_expires_at ? new Date(b.plan_expires_at) : null,
    postage: b.postage ?? {},
  };
}

/**
 * Add credit (an insert-only ledger entry). A tenant that was not prepaid becomes prepaid with an
 * opening balance of 0 (set only where none is: a concurrent top-up cannot reset it). `key` makes
 * the top-up idempotent (a retried request adds nothing twice).
 */
export async function topUp(
  db: Db,
  domain_uuid: string,
  amount: number,
  note = '',
  key?: string,
): Promise<{ credit: CreditDoc; created: boolean }> {
  if (!Number.isFinite(amount) || amount <= 0) throw new BillingError('amount must be a positive number');
  const credit: CreditDoc = {
    _id: key ? `${domain_uuid}:${key}` : randomUUID(),
    domain_uuid,
    amount: Math.round(amount * 100) / 100,
    note,
    created_at: new Date(),
  };
  await billingOf(db).updateOne({ _id: domain_uuid, balance: { $exists: false } }, { $set: { balance: 0 } });
  try {
    await creditsOf(db).insertOne(credit);
    return { credit, created: true };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const first = await creditsOf(db).findOne({ _id: credit._id });
    if (!first || first.domain_uuid !== domain_uuid) throw err;
    return { credit: first, created: false };
  }
}

/** The tenant's top-ups, newest first. */
export async function listCredits(db: Db, domain_uuid: string, limit = 100): Promise<CreditDoc[]> {
  return creditsOf(db).find({ domain_uuid }).sort({ created_at: -1 }).limit(limit).toArray();
}

export const NETWORKS: readonly Network[] = ['viettel', 'mobi', 'vina', 'tel', 'offnet'];

/**
 * Set the plan's end (a Date; null = no plan: refused, 105; undefined leaves it; 'none' removes the
 * check) and prices per minute by network (merged into the stored ones).
 */
export async function setBilling(
  db: Db,
  domain_uuid: string,
  input: { plan_expires_at?: Date | null | 'none'; postage?: Partial<Record<Network, number>> },
): Promise<void> {
  const set: Record<string, unknown> = {};
  const unset: Record<string, ''> = {};
  if (input.plan_expires_at === 'none') unset.plan_expires_at = '';
  else if (input.plan_expires_at !== undefined) set.plan_expires_at = input.plan_expires_at;
  for (const [k, v] of Object.entries(input.postage ?? {})) {
    if (!NETWORKS.includes(k as Network)) throw new BillingError(`unknown network "${k}" (one of ${NETWORKS.join(', ')})`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new BillingError(`postage.${k} must be a number ≥ 0`);
    set[`postage.${k}`] = v;
  }
  if (!Object.keys(set).length && !Object.keys(unset).length) return;
  const r = await billingOf(db).updateOne(
    { _id: domain_uuid },
    {
      ...(Object.keys(set).length ? { $set: set } : {}),
      ...(Object.keys(unset).length ? { $unset: unset } : {}),
    },
  );
  if (!r.matchedCount) throw new BillingError(`no tenant ${domain_uuid}`);
}
