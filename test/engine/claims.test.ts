// The hopper's claim (storage/leads.ts claimLeads over storage/dial-queue.ts) on the real store:
// the right leads in dial order on a collection holding many campaigns, never one lead twice under
// concurrent claims, a retried claim answering the same leads, leads given back claimed first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { backfillDialQueue, enqueueLeads, PAGE_SIZE } from '../../storage/dial-queue.ts';
import {
  buildLead,
  claimLeads,
  insertLead,
  insertOrFindLead,
  leadsOf,
  storeLeads,
  unclaimLeads,
  type LeadDoc,
} from '../../storage/leads.ts';
import { connectMongo, type Mongo } from '../../storage/mongo.ts';
import { testConfig } from '../helpers/env.ts';

let mongo: Mongo;
beforeAll(async () => {
  mongo = await connectMongo(testConfig());
});
afterAll(async () => {
  await mongo?.db.dropDatabase();
  await mongo?.close();
});

const TENANT = 'tenant-claims';
let orderSeq = 1_000_000;
/** n leads of a campaign, in dial order (strictly increasing `order`). */
function leads(campaign_uuid: string, n: number): LeadDoc[] {
  return Array.from({ length: n }, (_, i) => ({
    ...buildLead({
      domain_uuid: TENANT,
      campaign_uuid,
      phone_number: `09871${String(i).padStart(5, '0')}`,
      param: { i },
      source: 'v3_import',
    }),
    order: orderSeq++,
  }));
}
const ids = (ls: Array<{ _id: string }>) => ls.map((l) => l._id);
async function drain(campaign: string, batch: number, descending = false): Promise<LeadDoc[]> {
  const out: LeadDoc[] = [];
  for (;;) {
    const got = await claimLeads(mongo.db, campaign, batch, descending);
    if (!got.length) return out;
    out.push(...got);
  }
}

describe('claimLeads', () => {
  it('claims one campaign’s leads in order, ascending and descending, among many campaigns', async () => {
    const a = randomUUID();
    const b = randomUUID();
    const others = [randomUUID(), randomUUID(), randomUUID()];
    // Interleaved writes: bulk batches (two pages for `a`), single imports, other campaigns between.
    const a1 = leads(a, PAGE_SIZE + 150);
    const b1 = leads(b, 300);
    await storeLeads(mongo.db, a1);
    for (const o of others) await storeLeads(mongo.db, leads(o, 400));
    await storeLeads(mongo.db, b1);
    const a2 = leads(a, 5);
    for (const l of a2) await insertLead(mongo.db, l);
    const a3 = leads(a, 40);
    await storeLeads(mongo.db, a3);
    const invalid = { ...leads(a, 1)[0]!, status: 'invalid' as const, phones: [] };
    await insertLead(mongo.db, invalid);

    const expectedA = [...a1, ...a2, ...a3];
    const first = await claimLeads(mongo.db, a, 100);
    expect(ids(first)).toEqual(ids(expectedA.slice(0, 100)));
    expect(first.every((l) => l.status === 'queued' && l.campaign_uuid === a)).toBe(true);
    const stored = await leadsOf(mongo.db).findOne({ _id: first[0]!._id });
    expect(stored).toMatchObject({ status: 'queued' });
    const rest = await drain(a, 100);
    expect(ids([...first, ...rest])).toEqual(ids(expectedA)); // every lead once, in order, no invalid one
    expect(await claimLeads(mongo.db, a, 100)).toEqual([]);

    // Newest first.
    const desc = await drain(b, 70, true);
    expect(ids(desc)).toEqual(ids(b1).reverse());
    // A lead added once the queue is drained is claimed next.
    const late = leads(b, 1)[0]!;
    await insertLead(mongo.db, late);
    expect(ids(await claimLeads(mongo.db, b, 10, true))).toEqual([late._id]);
  });

  it('never gives one lead to two concurrent claims, even a lead listed twice', async () => {
    const c = randomUUID();
    const all = leads(c, 900);
    await storeLeads(mongo.db, all);
    // Listed a second time (a replayed import, a give-back that was retried).
    await enqueueLeads(mongo.db, c, ids(all.slice(0, 300)));
    const claimer = async () => {
      const got: LeadDoc[] = [];
      for (;;) {
        const g = await claimLeads(mongo.db, c, 37);
        if (!g.length) return got;
        got.push(...g);
      }
    };
    const results = await Promise.all([claimer(), claimer(), claimer()]);
    const taken = results.flatMap(ids);
    expect(new Set(taken).size).toBe(taken.length); // nobody got a lead twice
    expect(new Set(taken)).toEqual(new Set(ids(all))); // and every lead went to someone
    expect(results.filter((r) => r.length > 0).length).toBeGreaterThan(1); // they did compete
  });

  it('answers a retried claim (same token) with the same leads, also when the first try died before recording', async () => {
    const c = randomUUID();
    const all = leads(c, 60);
    await storeLeads(mongo.db, all);
    const token = randomUUID();
    const first = await claimLeads(mongo.db, c, 25, false, token);
    expect(ids(first)).toEqual(ids(all.slice(0, 25)));
    expect(ids(await claimLeads(mongo.db, c, 25, false, token))).toEqual(ids(first));

    // A try that took its marks and moved its leads to `queued`, then died before recording the claim.
    const t2 = randomUUID();
    const second = await claimLeads(mongo.db, c, 20, false, t2);
    await mongo.db.collection<{ _id: string }>('claims').deleteOne({ _id: t2 });
    // Its pages' progress hints were not saved either.
    await mongo.db.collection('dial_pages').updateMany({ campaign_uuid: c }, { $set: { lo: 0, hi: 0, done: false } });
    await mongo.db.collection<{ _id: string; asc: number }>('dial_heads').updateOne({ _id: `${c}:main` }, { $set: { asc: 1 } });
    const again = await claimLeads(mongo.db, c, 20, false, t2);
    expect(ids(again)).toEqual(ids(second));
    expect(ids(second)).toEqual(ids(all.slice(25, 45)));
    // Another token gets only what is left.
    expect(ids(await drain(c, 100))).toEqual(ids(all.slice(45)));
  });

  it('claims leads given back (a stopped run) first, once; skips leads no longer new', async () => {
    const c = randomUUID();
    const all = leads(c, 50);
    await storeLeads(mongo.db, all);
    const got = await claimLeads(mongo.db, c, 10);
    expect(await unclaimLeads(mongo.db, ids(got.slice(5)))).toBe(5);
    expect(await unclaimLeads(mongo.db, ids(got.slice(5)))).toBe(0); // a retry changes nothing more
    const back = await leadsOf(mongo.db).findOne({ _id: got[5]!._id });
    expect(back).toMatchObject({ status: 'new', claim: '', requeued: 1 });
    // Two leads go do-not-call while `new`: never claimed.
    await leadsOf(mongo.db).updateOne({ _id: all[10]!._id }, { $set: { status: 'do_not_call' } });
    await leadsOf(mongo.db).updateOne({ _id: all[11]!._id }, { $set: { status: 'do_not_call' } });
    const next = await claimLeads(mongo.db, c, 8);
    expect(ids(next)).toEqual([...ids(got.slice(5)), ...ids(all.slice(12, 15))]);
    const rest = await drain(c, 100);
    expect(ids(rest)).toEqual(ids(all.slice(15)));
  });

  it('lists a lead again when an import is replayed after dying between storing and listing it', async () => {
    const c = randomUUID();
    const [lead] = leads(c, 1);
    await leadsOf(mongo.db).insertOne(lead!); // stored, then the request died before listing it
    expect(await claimLeads(mongo.db, c, 10)).toEqual([]);
    const replay = await insertOrFindLead(mongo.db, { ...lead!, next_call_id: randomUUID() });
    expect(replay.inserted).toBe(false);
    expect(ids(await claimLeads(mongo.db, c, 10))).toEqual([lead!._id]);
    // Replayed again once claimed: listed again, but never claimed twice.
    await insertOrFindLead(mongo.db, lead!);
    expect(await claimLeads(mongo.db, c, 10)).toEqual([]);
  });

  it('a parked lead (its run ended while it waited for a recall) goes back to new and is claimed again', async () => {
    const c = randomUUID();
    const all = leads(c, 3);
    await storeLeads(mongo.db, all);
    const [first] = await claimLeads(mongo.db, c, 1);
    await leadsOf(mongo.db).updateOne({ _id: first!._id }, { $set: { status: 'waiting_recall', attempts: 1 } });
    expect(await unclaimLeads(mongo.db, [first!._id])).toBe(0); // a stop gives back only queued leads
    expect(await unclaimLeads(mongo.db, [first!._id], true)).toBe(1); // parkLead
    const again = await claimLeads(mongo.db, c, 3);
    expect(ids(again)).toEqual(ids(all)); // the parked one first (back lane), then the rest in order
    expect(again[0]).toMatchObject({ attempts: 1, requeued: 1 });
  });

  it('lists `new` leads stored before the dial queue existed, once per database', async () => {
    const c = randomUUID();
    const old = leads(c, 30);
    await leadsOf(mongo.db).insertMany(old); // as an older version stored them: no pages
    expect(await claimLeads(mongo.db, c, 10)).toEqual([]);
    expect(await backfillDialQueue(mongo.db)).toBeGreaterThanOrEqual(30);
    expect(ids(await drain(c, 7))).toEqual(ids(old));
    expect(await backfillDialQueue(mongo.db)).toBe(0);
  });
});
