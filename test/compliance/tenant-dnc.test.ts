// The tenant do-not-call list's storage on the real store (storage/tenant-dnc.ts): numbers split
// into buckets by their last three digits, a replay writes nothing, concurrent imports (and a
// delete) lose nobody's numbers, expiry, delete, listing by number with paging, a stale lock is
// taken over, and the old one-document-per-number shape is read at dial time until migrated, then
// moved into the buckets (an entry written since wins) and dropped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  _resetLegacyGone,
  anyOnDnc,
  bucketOf,
  decodeBucket,
  deleteDnc,
  dncBucketsOf,
  dncEntry,
  encodeBucket,
  importDnc,
  listDnc,
  migrateTenantDnc,
  type DncRow,
} from '../../storage/tenant-dnc.ts';
import { connectMongo, type Mongo } from '../../storage/mongo.ts';
import { testConfig } from '../helpers/env.ts';

let mongo: Mongo;
beforeAll(async () => {
  mongo = await connectMongo(testConfig());
  await migrateTenantDnc(mongo.db);
});
afterAll(async () => {
  await mongo?.db.dropDatabase().catch(() => {});
  await mongo?.close();
});

const row = (number: string, reason = 'r', expires_at: Date | null = null): DncRow => ({ number, reason, expires_at });
/** `count` numbers +8491xxxxxxx from `from`, consecutive. */
const range = (from: number, count: number, reason = 'r'): DncRow[] =>
  Array.from({ length: count }, (_, i) => row(`+8491${String(from + i).padStart(7, '0')}`, reason));
const bucketDocs = async (t: string) =>
  (await dncBucketsOf(mongo.db).find({ domain_uuid: t }).toArray()).filter((d) => !d._id.endsWith(':meta'));

describe('bucket encoding', () => {
  it('round-trips entries; one group per distinct reason, expiry and times', () => {
    const m = new Map([
      ['+84912345678', { reason: 'a', x: null, c: 1, u: 1 }],
      ['+84912345679', { reason: 'a', x: null, c: 1, u: 1 }],
      ['+84912345670', { reason: 'b "quoted" \\ ünï', x: 5, c: 1, u: 2 }],
    ]);
    const s = encodeBucket(m);
    expect(JSON.parse(s).g).toHaveLength(2);
    expect(decodeBucket(s)).toEqual(m);
    expect(decodeBucket(undefined).size).toBe(0);
  });
});

describe('tenant DNC storage', () => {
  it('splits numbers into buckets by their last three digits; one document per bucket', async () => {
    const t = 'split';
    const rows = [row('+84912345678'), row('+84982596678'), row('+84903000111'), row('+842838123456')];
    expect(await importDnc(mongo.db, t, rows)).toEqual({ added: 4, updated: 0, unchanged: 0 });
    const docs = await bucketDocs(t);
    expect(docs.map((d) => d._id).sort()).toEqual([`${t}:111`, `${t}:456`, `${t}:678`]);
    expect(docs.find((d) => d._id === `${t}:678`)?.count).toBe(2);
    expect([...decodeBucket(docs.find((d) => d._id === `${t}:678`)?.s).keys()].sort()).toEqual(['+84912345678', '+84982596678']);
    expect(bucketOf('+84912345678')).toBe('678');
    const meta = await dncBucketsOf(mongo.db).findOne({ _id: `${t}:meta` });
    expect(meta?.buckets).toEqual(['111', '456', '678']);
    for (const r of rows) expect(await dncEntry(mongo.db, t, r.number)).toMatchObject({ number: r.number, reason: 'r', expires_at: null });
    expect(await dncEntry(mongo.db, t, '+84912345679')).toBeNull();
    expect(await dncEntry(mongo.db, 'another-tenant', '+84912345678')).toBeNull();
    await expect(importDnc(mongo.db, t, [row('84912345678')])).rejects.toThrow(/E\.164/);
  });

  it('a replay writes nothing; a changed reason or expiry rewrites only its bucket', async () => {
    const t = 'replay';
    const rows = range(0, 3000);
    expect(await importDnc(mongo.db, t, rows)).toEqual({ added: 3000, updated: 0, unchanged: 0 });
    const before = await bucketDocs(t);
    expect(before).toHaveLength(1000);
    await new Promise((r) => setTimeout(r, 20));
    expect(await importDnc(mongo.db, t, rows)).toEqual({ added: 0, updated: 0, unchanged: 3000 });
    expect(await bucketDocs(t)).toEqual(before);

    const expires = new Date(Date.now() + 3_600_000);
    const changed = [row('+84910000005', 'complaint'), row('+84910000006', 'r', expires), row('+84919999999')];
    expect(await importDnc(mongo.db, t, changed)).toEqual({ added: 1, updated: 2, unchanged: 0 });
    const after = await bucketDocs(t);
    const rewritten = after.filter((d) => before.every((b) => b._id !== d._id || b.updated_at.getTime() !== d.updated_at.getTime()));
    expect(rewritten.map((d) => d._id).sort()).toEqual([`${t}:005`, `${t}:006`, `${t}:999`]);
    const e5 = await dncEntry(mongo.db, t, '+84910000005');
    expect(e5).toMatchObject({ reason: 'complaint', expires_at: null });
    expect(e5!.updated_at.getTime()).toBeGreaterThan(e5!.created_at.getTime());
    expect((await dncEntry(mongo.db, t, '+84910000006'))?.expires_at).toEqual(expires);
  });

  it('concurrent imports of one tenant (and a delete among them) lose nobody’s numbers', async () => {
    const t = 'concurrent';
    await importDnc(mongo.db, t, [row('+84917777777')]);
    const a = range(100_000, 2000, 'a');
    const b = range(101_000, 2000, 'b'); // half of it overlaps a
    const c = range(200_000, 500, 'c');
    const [ra, rb, rc, del] = await Promise.all([
      importDnc(mongo.db, t, a),
      importDnc(mongo.db, t, b),
      importDnc(mongo.db, t, c),
      deleteDnc(mongo.db, t, '+84917777777'),
    ]);
    expect(del).toBe(true);
    // The overlap is added by whichever import ran first and updated (another reason) by the other.
    expect(ra.added + rb.added + rc.added).toBe(3500);
    expect(ra.updated + rb.updated).toBe(1000);
    const listed = await listDnc(mongo.db, t, 10_000, 0);
    expect(listed.total).toBe(3500);
    expect(new Set(listed.data.map((d) => d.number))).toEqual(new Set([...a, ...b, ...c].map((r) => r.number)));
    expect(await anyOnDnc(mongo.db, t, [a[0]!.number, b[1999]!.number, c[250]!.number])).toBe(true);
    expect(await dncEntry(mongo.db, t, '+84917777777')).toBeNull();
  });

  it('expiry: an entry past its expiry bars nothing, and is still listed', async () => {
    const t = 'expiry';
    const past = new Date(Date.now() - 1000);
    const future = new Date(Date.now() + 60_000);
    await importDnc(mongo.db, t, [row('+84912000001', 'old', past), row('+84912000002', 'soon', future)]);
    expect(await dncEntry(mongo.db, t, '+84912000001')).toBeNull();
    expect(await anyOnDnc(mongo.db, t, ['+84912000001'])).toBe(false);
    expect(await dncEntry(mongo.db, t, '+84912000001', 0)).toMatchObject({ reason: 'old', expires_at: past });
    expect(await anyOnDnc(mongo.db, t, ['+84912000001', '+84912000002'])).toBe(true);
    expect(await anyOnDnc(mongo.db, t, ['+84912000002'], future.getTime() + 1)).toBe(false);
    expect((await listDnc(mongo.db, t, 10, 0)).total).toBe(2);
  });

  it('delete takes one number off, its bucket’s others stay; not listed → false', async () => {
    const t = 'delete';
    await importDnc(mongo.db, t, [row('+84912345678'), row('+84982596678')]);
    expect(await deleteDnc(mongo.db, t, '+84912345678')).toBe(true);
    expect(await deleteDnc(mongo.db, t, '+84912345678')).toBe(false);
    expect(await deleteDnc(mongo.db, t, '+84912345000')).toBe(false);
    expect(await dncEntry(mongo.db, t, '+84912345678')).toBeNull();
    expect(await dncEntry(mongo.db, t, '+84982596678')).not.toBeNull();
    expect(await deleteDnc(mongo.db, t, '+84982596678')).toBe(true);
    expect(await listDnc(mongo.db, t, 10, 0)).toEqual({ data: [], total: 0 });
    expect(await importDnc(mongo.db, t, [row('+84912345678')])).toMatchObject({ added: 1 });
  });

  it('lists by number across buckets, paged by offset and limit', async () => {
    const t = 'list';
    const numbers = ['+84982596021', '+84903000111', '+84912345678', '+842838123456', '+84350000000', '+84912345677'];
    await importDnc(
      mongo.db,
      t,
      numbers.map((n) => row(n)),
    );
    const sorted = [...numbers].sort();
    const all = await listDnc(mongo.db, t, 100, 0);
    expect(all.total).toBe(6);
    expect(all.data.map((d) => d.number)).toEqual(sorted);
    expect((await listDnc(mongo.db, t, 2, 1)).data.map((d) => d.number)).toEqual(sorted.slice(1, 3));
    expect((await listDnc(mongo.db, t, 10, 5)).data.map((d) => d.number)).toEqual(sorted.slice(5));
    expect((await listDnc(mongo.db, t, 10, 6)).data).toEqual([]);
  });

  it('a lock left by a writer that died is taken over once its lease ran out', async () => {
    const t = 'stale-lock';
    const locks = mongo.db.collection<{ _id: string; owner: string; until: Date }>('tenant_dnc_locks');
    await locks.insertOne({ _id: t, owner: 'dead', until: new Date(Date.now() - 1) });
    expect(await importDnc(mongo.db, t, [row('+84912345678')])).toMatchObject({ added: 1 });
    expect(await locks.countDocuments({ _id: t })).toBe(0);
  });
});

describe('the old shape (one document per number)', () => {
  it('is read at dial time until migrated, then moved into the buckets and dropped', async () => {
    const db = mongo.db;
    const created = new Date('2026-01-02T03:04:05Z');
    const updated = new Date('2026-02-03T04:05:06Z');
    const legacy = (t: string, number: string, reason: string, expires_at: Date | null = null) => ({
      _id: `${t}:${number}`,
      domain_uuid: t,
      number,
      reason,
      expires_at,
      created_at: created,
      updated_at: updated,
    });
    await db
      .collection<ReturnType<typeof legacy>>('tenant_dnc')
      .insertMany([
        legacy('old-a', '+84912345678', 'customer request'),
        legacy('old-a', '+84982596021', 'lawyer', new Date('2099-01-01T00:00:00Z')),
        legacy('old-a', '+84903000111', 'stale'),
        legacy('old-b', '+84912345678', 'other tenant'),
      ]);
    // Written in the new shape since (e.g. by an API that already migrated): kept as it is.
    await importDnc(db, 'old-a', [row('+84903000111', 'newer')]);
    _resetLegacyGone(db);
    expect(await dncEntry(db, 'old-a', '+84912345678')).toMatchObject({ reason: 'customer request', created_at: created });
    expect(await anyOnDnc(db, 'old-b', ['+84912345678'])).toBe(true);

    expect(await migrateTenantDnc(db)).toBe(3);
    expect(await db.collection('tenant_dnc').countDocuments({})).toBe(0);
    const a = await listDnc(db, 'old-a', 10, 0);
    expect(a.data.map((d) => [d.number, d.reason])).toEqual([
      ['+84903000111', 'newer'],
      ['+84912345678', 'customer request'],
      ['+84982596021', 'lawyer'],
    ]);
    expect(a.data[1]).toMatchObject({ created_at: created, updated_at: updated, expires_at: null });
    expect(a.data[2]!.expires_at).toEqual(new Date('2099-01-01T00:00:00Z'));
    expect((await listDnc(db, 'old-b', 10, 0)).data.map((d) => d.reason)).toEqual(['other tenant']);
    expect(await anyOnDnc(db, 'old-b', ['+84912345678'])).toBe(true);
    // Again (another process starting): nothing left to move.
    expect(await migrateTenantDnc(db)).toBe(0);
  });
});
