// A retried chunk of a staged v2 import (storage/v2-imports.ts storeChunk), as Temporal retries the
// activity after a worker died: (1) the worker died after storing the chunk's leads but before
// recording progress — the retry finds them stored as posted (counted stored, not conflicts) and
// they are claimable; (2) the chunk was recorded — the retry stores nothing and drops the chunk.
// Against the test store (test/global-setup.ts); no Temporal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { ensureIndexes } from '../../storage/indexes.ts';
import { claimLeads, leadsOf } from '../../storage/leads.ts';
import { customerLeadId } from '../../storage/v2-queues.ts';
import { connectMongo, type Mongo } from '../../storage/mongo.ts';
import {
  chunkId,
  chunkCustomers,
  chunksOf,
  customerLead,
  finishImport,
  getImport,
  stageImport,
  storeChunk,
  type CheckedCustomer,
} from '../../storage/v2-imports.ts';
import { testConfig } from '../helpers/env.ts';

describe('a staged import chunk stored twice', () => {
  let mongo: Mongo;
  beforeAll(async () => {
    mongo = await connectMongo(testConfig());
    await ensureIndexes(mongo.db);
  });
  afterAll(async () => {
    await mongo?.db.dropDatabase().catch(() => {});
    await mongo?.close();
  });

  it('counts leads a died attempt stored as stored, lists them, and skips a recorded chunk', async () => {
    const db = mongo.db;
    const q = { domain_uuid: randomUUID(), campaign_uuid: randomUUID(), queue_code: 'retry' };
    const customers: CheckedCustomer[] = Array.from({ length: 600 }, (_, i) => ({
      id: `R-${i}`,
      numbers: [`09${String(60_000_000 + i).padStart(8, '0')}`],
      fields: { n: i },
      order: 1_000 + i,
    }));
    const imp = await stageImport(db, {
      import_id: `retry-${randomUUID()}`,
      q,
      total: 1_600,
      first: { stored: 1_000, conflict_ids: [] },
      rest: customers,
    });
    expect(imp).toMatchObject({ state: 'storing', chunks: 1, next_chunk: 1 });
    // An attempt that died after writing the leads (not listed in the dial queue, progress not recorded).
    await leadsOf(db).insertMany(customers.map((c) => customerLead(c, q, new Date())));
    expect(await storeChunk(db, imp._id, 1)).toEqual({ stored: 600, conflicts: 0 });
    expect(await getImport(db, imp._id)).toMatchObject({ next_chunk: 2, stored: 1_600, conflicts: 0 });
    expect(await chunksOf(db).findOne({ _id: chunkId(imp._id, 1) })).toBeNull();
    // The retry listed them again: the run can claim every one.
    const claimed = await claimLeads(db, q.campaign_uuid, 1_000);
    expect(claimed.map((l) => l._id).sort()).toEqual(customers.map((c) => customerLeadId(q.campaign_uuid, c.id)).sort());
    // A second retry of the same chunk: nothing stored, progress unchanged.
    expect(await storeChunk(db, imp._id, 1)).toBeNull();
    expect(await getImport(db, imp._id)).toMatchObject({ next_chunk: 2, stored: 1_600 });
    await finishImport(db, imp._id);
    expect(await getImport(db, imp._id)).toMatchObject({ state: 'done' });
  });

  it('stages chunks packed (one binary each, exactly the customers back) and still stores a chunk staged unpacked by an earlier version', async () => {
    const db = mongo.db;
    const q = { domain_uuid: randomUUID(), campaign_uuid: randomUUID(), queue_code: 'packed' };
    const customers: CheckedCustomer[] = Array.from({ length: 1_500 }, (_, i) => ({
      id: `P-${i}`,
      numbers: [`09${String(70_000_000 + i).padStart(8, '0')}`, `08${String(70_000_000 + i).padStart(8, '0')}`],
      fields: { name: `Nguyễn Văn ${i}`, amount: i * 1000, nested: { due: '2026-12-31', tags: ['a', i] }, none: null },
      order: 2_000 + i,
    }));
    const imp = await stageImport(db, {
      import_id: `packed-${randomUUID()}`,
      q,
      total: 1_500,
      first: { stored: 0, conflict_ids: [] },
      rest: customers,
    });
    expect(imp).toMatchObject({ chunks: 2 });
    const staged = await chunksOf(db).findOne({ _id: chunkId(imp._id, 1) });
    expect(staged!.customers).toBeUndefined();
    expect(staged!.packed!.length()).toBeLessThan(JSON.stringify(customers.slice(0, 1_000)).length / 3);
    expect(await chunkCustomers(staged!)).toEqual(customers.slice(0, 1_000));
    // Chunk 2 as an earlier version staged it: the customers as an array of documents.
    await chunksOf(db).replaceOne({ _id: chunkId(imp._id, 2) }, { import_id: imp._id, n: 2, customers: customers.slice(1_000) });
    expect(await storeChunk(db, imp._id, 1)).toEqual({ stored: 1_000, conflicts: 0 });
    expect(await storeChunk(db, imp._id, 2)).toEqual({ stored: 500, conflicts: 0 });
    const lead = await leadsOf(db).findOne({ _id: customerLeadId(q.campaign_uuid, 'P-1200') });
    expect(lead).toMatchObject({ phone_number: '0970001200' });
    expect(await leadsOf(db).countDocuments({ campaign_uuid: q.campaign_uuid })).toBe(1_500);
  });
});
