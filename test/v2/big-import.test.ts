// A v2 queue post of more than one batch (1,000 usable customers) answers early and continues
// durably (api/v2/queues.ts, storage/v2-imports.ts, workflows/v2-import.ts): the first batch is
// stored before the answer, the rest staged and stored by the import workflow; the client polls
// GET /v2/autocall/queue/import. On the real stack (test/engine/harness.ts): Temporal dev server,
// the store, the simulator, the worker in this process (stopped while posting, to see the answer
// come before the rest is stored).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ivrTemplate, v2App } from './common.ts';
import type { App } from '../../api/app.ts';
import { templates } from '../../storage/directory.ts';
import { leadsOf } from '../../storage/leads.ts';
import { chunksOf, chunkId, type ImportDoc } from '../../storage/v2-imports.ts';
import { customerLeadId, findQueue, type QueueDoc } from '../../storage/v2-queues.ts';
import { originatesOf, startEngine, waitFor, type Engine } from '../engine/harness.ts';

const N = 1_300; // the first batch of 1,000 and a staged chunk of 300 (dialing them all takes minutes on a loaded machine)

interface Progress {
  code: number;
  content: string;
  data: Omit<ImportDoc, '_id' | 'domain_uuid' | 'campaign_uuid' | 'queue_code' | 'chunks' | 'next_chunk'> & { import_id: string };
}

const customers = (n: number, prefix: string, from = 0) =>
  Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${i}`,
    mobiles: [`09${String(70_000_000 + from + i).padStart(8, '0')}`],
    contract_number: `HD${i}`,
  }));

describe('v2 queue: a big post answers early and is stored by the import workflow', () => {
  let e: Engine;
  let app: App;
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await app.request(path, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${e.token}` },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const progress = async (code: string) =>
    (await call('GET', `/v2/autocall/queue/import?queue_code=${encodeURIComponent(code)}`)).body as unknown as Progress;
  const queue = async (code: string) => (await findQueue(e.mongo.db, e.tenant.domain_uuid, code)) as QueueDoc;
  const leadCount = (q: QueueDoc) => leadsOf(e.mongo.db).countDocuments({ campaign_uuid: q.campaign_uuid });

  beforeAll(async () => {
    // Posts of more than 1,000 usable customers staged (the default is 10,000): a small list shows it.
    e = await startEngine(
      { default: { action: 'answer', ringMs: 20, talkMs: 50 }, mediaMs: 100, missingMedia: 'play' },
      { env: { V2_IMPORT_STAGE_OVER: '1000' } },
    );
    app = v2App(e);
    await templates(e.mongo.db).create(e.tenant.domain_uuid, ivrTemplate('Hợp đồng {{contract_number}}'));
  });
  afterAll(async () => {
    await e?.close();
  });

  it('answers with every id in success before the staged chunks are stored; a retried post stages nothing twice; all are stored once and dialed', async () => {
    const list = customers(N, 'BIG');
    const body = JSON.stringify({ queue_code: 'big-1', template: 'IVR-1', concurrent_call: 100, max_recall_count: 0, customers: list });
    // No worker: nothing but this request can store leads, so what is stored at the answer is what it stored.
    await e.stopWorker();
    const first = await call('POST', '/v2/autocall/queue', body);
    expect(first).toEqual({
      status: 200,
      body: { code: 200, content: 'successfully', data: { fail: [], success: list.map((c) => c.id) } },
    });
    const q = await queue('big-1');
    expect(await leadCount(q)).toBe(1_000);
    const p1 = await progress('big-1');
    expect(p1).toMatchObject({
      code: 200,
      content: 'successfully',
      data: { state: 'storing', total: N, stored: 1_000, conflicts: 0, conflict_ids: [] },
    });
    expect(
      await chunksOf(e.mongo.db).countDocuments({ _id: { $in: [chunkId(p1.data.import_id, 1), chunkId(p1.data.import_id, 2)] } }),
    ).toBe(1);

    // The client retries (a timeout on its side): the same answer, the same import, nothing staged or stored twice.
    expect(await call('POST', '/v2/autocall/queue', body)).toEqual(first);
    const p2 = await progress('big-1');
    expect(p2.data).toMatchObject({ import_id: p1.data.import_id, state: 'storing', stored: 1_000, total: N });
    expect(await leadCount(q)).toBe(1_000);

    // The first batch's dialing is the small post's path (test/v2/queues.test.ts); what is new here is
    // that leads the workflow stores after the answer are dialed. So that this test does not wait for
    // 1,000 calls first (minutes on a loaded 2-core machine), the first batch is marked done in the
    // store: the run's claim skips it (it takes only `new` leads), and what it dials is the staged ones.
    await leadsOf(e.mongo.db).updateMany({ campaign_uuid: q.campaign_uuid }, { $set: { status: 'done' } });
    // The worker comes: the import workflow stores the rest; the run dials them.
    await e.startWorker();
    const done = await waitFor(
      async () => {
        const p = await progress('big-1');
        return p.data.state === 'done' ? p : null;
      },
      180_000,
      'the import done',
    );
    expect(done.data).toMatchObject({ import_id: p1.data.import_id, total: N, stored: N, conflicts: 0 });
    expect(done.data.done_at).not.toBeNull();
    const leads = await leadsOf(e.mongo.db)
      .find({ campaign_uuid: q.campaign_uuid }, { projection: { _id: 1 } })
      .toArray();
    expect(leads.length).toBe(N);
    expect(new Set(leads.map((l) => l._id))).toEqual(new Set(list.map((c) => customerLeadId(q.campaign_uuid, c.id))));
    // Staged chunks are gone once stored.
    expect(
      await chunksOf(e.mongo.db).countDocuments({ _id: { $in: [chunkId(p1.data.import_id, 1), chunkId(p1.data.import_id, 2)] } }),
    ).toBe(0);
    const staged = list.slice(1_000).map((c) => customerLeadId(q.campaign_uuid, c.id));
    const dialed = () => originatesOf(e, q.campaign_uuid).map((o) => o.variables.lead_uuid);
    await waitFor(() => new Set(dialed()).size >= staged.length, 900_000, `${staged.length} staged customers dialed`);
    const calls = dialed();
    expect(new Set(calls)).toEqual(new Set(staged));
    expect(calls.length).toBe(staged.length); // each once (max_recall_count 0, all answered)

    // The same post once the import is done: the same answer, nothing more stored.
    expect(await call('POST', '/v2/autocall/queue', body)).toEqual(first);
    expect((await progress('big-1')).data).toMatchObject({ import_id: p1.data.import_id, state: 'done', stored: N });
    expect(await leadCount(q)).toBe(N);
  }, 1_200_000);

  it('a staged customer whose id the queue has with other numbers is accepted in the answer and reported as a conflict by the poll', async () => {
    // The queue already has C-1500 with another number (a small post: stored at once).
    const small = {
      queue_code: 'big-2',
      template: 'IVR-1',
      concurrent_call: 50,
      max_recall_count: 0,
      customers: [{ id: 'C-1500', mobiles: ['0961111111'], contract_number: 'X' }],
    };
    expect((await call('POST', '/v2/autocall/queue', small)).status).toBe(200);
    await expect(progress('big-2')).resolves.toEqual({ code: 404, content: 'import not found' });
    const list = customers(1_600, 'C', 100_000);
    const r = await call('POST', '/v2/autocall/queue', { ...small, customers: list });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ code: 200, content: 'successfully', data: { fail: [], success: list.map((c) => c.id) } });
    const done = await waitFor(
      async () => {
        const p = await progress('big-2');
        return p.data.state === 'done' ? p : null;
      },
      180_000,
      'the import done',
    );
    expect(done.data).toMatchObject({ total: 1_600, stored: 1_599, conflicts: 1, conflict_ids: ['C-1500'] });
    const q = await queue('big-2');
    const lead = await leadsOf(e.mongo.db).findOne({ _id: customerLeadId(q.campaign_uuid, 'C-1500') });
    expect(lead?.phones).toEqual(['0961111111']); // the stored customer is left as it was
  }, 300_000);

  it('the poll: v2 errors', async () => {
    expect(await call('GET', '/v2/autocall/queue/import?queue_code=nope')).toEqual({
      status: 404,
      body: { code: 404, content: 'queue not found' },
    });
    expect(await call('GET', '/v2/autocall/queue/import')).toEqual({ status: 400, body: { code: 400, content: 'queue_code is required' } });
    const res = await app.request('/v2/autocall/queue/import?queue_code=big-1');
    expect(res.status).toBe(401);
  });

  it('the poll is in the OpenAPI document', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/v2/autocall/queue/import'] ?? {})).toEqual(['get']);
  });
});
