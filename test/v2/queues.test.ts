// v2 queues (docs/api-contract.md §3) on the real stack: the API (in-process Hono app), the Temporal dev server,
// the store, the worker and the FreeSWITCH simulator. What is dialed is proven from the
// simulator's call log; the documented bodies are compared with deep equality.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ivrTemplate, v2App } from './common.ts';
import type { App } from '../../api/app.ts';
import { campaignsOf } from '../../storage/campaigns.ts';
import { templates } from '../../storage/directory.ts';
import { dncOf } from '../../storage/dnc.ts';
import { leadsOf, type LeadDoc } from '../../storage/leads.ts';
import { customerLeadId, type QueueDoc } from '../../storage/v2-queues.ts';
import { callsOfCampaign, leadsOfCampaign, originatesOf, startEngine, waitFor, type Engine } from '../engine/harness.ts';

const ANSWER_LONG = { action: 'answer' as const, ringMs: 20, talkMs: 2_100 }; // billsec ≥ 2
const ANSWER_SHORT = { action: 'answer' as const, ringMs: 20, talkMs: 150 }; // billsec ≤ 1
const BUSY = { action: 'busy' as const, ringMs: 20 };
const RULES = {
  // The queue's message plays longer than any call here: the callee's hang-up (talkMs) decides
  // each call's duration, as the recall rules under test need.
  mediaMs: 120_000,
  // The message's http_cache:// URL points at an API nobody serves here (the API runs in-process):
  // it plays mediaMs as it did before the simulator fetched audio (FreeSWITCH: FILE NOT FOUND).
  missingMedia: 'play' as const,
  default: ANSWER_SHORT,
  numbers: {
    // mixed outcomes, several mobiles
    '0986100001': BUSY,
    '0986100002': ANSWER_LONG,
    '0986200001': BUSY,
    '0986200002': BUSY,
    '0986300001': ANSWER_SHORT,
    '0986400001': [ANSWER_SHORT, ANSWER_LONG],
    '0986500001': { action: 'unallocated' as const, ringMs: 10 },
    // do-not-call
    '0987100001': { action: 'answer' as const, ringMs: 20, talkMs: 3_000 }, // holds the only slot
    '0987200001': { action: 'answer' as const, ringMs: 20, talkMs: 2_500 }, // DNC arrives during this call
    '0987300001': BUSY, // DNC arrives while it waits for its recall
    // stop / start / delete
    '0988*': { action: 'answer' as const, ringMs: 20, talkMs: 400 },
  },
};

const IMPORT_FAIL = { code: 400, content: 'import fail', data: { fail: [], success: [] } };
const OK = { code: 200, content: 'successfully' };
const NOT_FOUND = { code: 404, content: 'queue not found' };

describe('v2 queues', () => {
  let e: Engine;
  let app: App;
  const post = async (path: string, body: unknown, opts: { raw?: boolean; token?: string | null } = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const tok = opts.token === undefined ? e.token : opts.token;
    if (tok !== null) headers.authorization = `Bearer ${tok}`;
    const res = await app.request(path, { method: 'POST', headers, body: opts.raw ? String(body) : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const queueOf = async (code: string) =>
    (await campaignsOf(e.mongo.db).findOne({ domain_uuid: e.tenant.domain_uuid, queue_code: code })) as QueueDoc | null;
  const leadOf = (q: QueueDoc, id: string) =>
    leadsOf(e.mongo.db).findOne({ _id: customerLeadId(q.campaign_uuid, id) }) as Promise<(LeadDoc & { customer_id: string }) | null>;
  const dialsTo = (number: string) => e.sim.callLog.byNumber(number).length;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    e = await startEngine(RULES);
    app = v2App(e);
    // No placeholders: customers here carry few fields (test/media/import-errors.test.ts checks them).
    await templates(e.mongo.db).create(e.tenant.domain_uuid, ivrTemplate('Hợp đồng của quý khách đã quá hạn'));
  });
  afterAll(async () => {
    await e?.close();
  });

  it('the documented request and answers, exactly', async () => {
    const documented = {
      queue_code: 'Autocall-Q1',
      template: 'IVR-1',
      concurrent_call: 5,
      max_recall_count: 3,
      min_recall_duration: 3,
      customers: [
        {
          id: 'TEL4VN_Test',
          mobiles: ['0982596021'],
          contract_number: 'HD123456',
          upcoming_due_date: '2021-07-13',
          upcoming_amount: 5000000,
          due_date: '2021-07-13',
          dpd: 5,
          number_of_ovd_inst: 6,
          total_ovd_amount: 3211100,
        },
      ],
    };
    expect(await post('/v2/autocall/queue', documented)).toEqual({
      status: 200,
      body: { code: 200, content: 'successfully', data: { fail: [], success: ['TEL4VN_Test'] } },
    });
    // The queue is a campaign with the v2 settings; the customer a lead with the other fields as params.
    const q = (await queueOf('Autocall-Q1'))!;
    expect(q).toMatchObject({
      campaign_name: 'Autocall-Q1',
      type: 'autocall',
      mode_call: 'serial',
      concurrent_call: 5,
      max_recall_count: 3,
      recall_times: 3,
      min_recall_duration: 3,
      template_name: 'IVR-1',
    });
    const lead = (await leadOf(q, 'TEL4VN_Test'))!;
    expect(lead).toMatchObject({ source: 'v2_queue', customer_id: 'TEL4VN_Test', phones: ['0982596021'] });
    expect(lead.param).toEqual({
      contract_number: 'HD123456',
      upcoming_due_date: '2021-07-13',
      upcoming_amount: 5000000,
      due_date: '2021-07-13',
      dpd: 5,
      number_of_ovd_inst: 6,
      total_ovd_amount: 3211100,
    });
    // Import = dial: the queue's run starts at once.
    await waitFor(() => dialsTo('0982596021') >= 1, 30_000, 'the documented customer dialed');

    // Nothing importable: the documented error body.
    expect(await post('/v2/autocall/queue', { ...documented, template: 'no-such-template' })).toEqual({ status: 400, body: IMPORT_FAIL });
    expect(await post('/v2/autocall/queue', '{"queue_code": "Q", "customers": [', { raw: true })).toEqual({
      status: 400,
      body: IMPORT_FAIL,
    });
    expect(await post('/v2/autocall/queue', { ...documented, customers: 'TEL4VN_Test' })).toEqual({ status: 400, body: IMPORT_FAIL });
    expect(await post('/v2/autocall/queue', { ...documented, concurrent_call: '5' })).toEqual({ status: 400, body: IMPORT_FAIL });
    expect(await post('/v2/autocall/queue', { template: 'IVR-1', customers: [] })).toEqual({ status: 400, body: IMPORT_FAIL });
    expect(await post('/v2/autocall/queue', [1, 2])).toEqual({ status: 400, body: IMPORT_FAIL });
    expect(await post('/v2/autocall/queue', { ...documented, queue_code: 'Q-empty', customers: [] })).toEqual({
      status: 400,
      body: IMPORT_FAIL,
    });
    // Every customer failed: "import fail", with the ids listed; no queue created.
    expect(await post('/v2/autocall/queue', { ...documented, queue_code: 'Q-none', customers: [{ id: 'X1', mobiles: ['abc'] }] })).toEqual({
      status: 400,
      body: { code: 400, content: 'import fail', data: { fail: ['X1'], success: [] } },
    });
    expect(await queueOf('Q-none')).toBeNull();

    // The other four endpoints: documented success and not-found bodies.
    for (const action of ['stop', 'start', 'delete']) {
      expect(await post(`/v2/autocall/queue/${action}`, { queue_code: 'Autocall-Q404' })).toEqual({ status: 404, body: NOT_FOUND });
    }
    expect(
      await post('/v2/autocall/queue/dnc', { queue_code: 'Autocall-Q404', customers: [{ id: 'KH_01' }, { id: 'KH_02' }, { id: 'KH_03' }] }),
    ).toEqual({ status: 404, body: NOT_FOUND });
    expect(
      await post('/v2/autocall/queue/dnc', { queue_code: 'Autocall-Q1', customers: [{ id: 'KH_01' }, { id: 'KH_02' }, { id: 'KH_03' }] }),
    ).toEqual({ status: 200, body: OK });
    expect(await post('/v2/autocall/queue/delete', { queue_code: 'Autocall-Q1' })).toEqual({
      status: 409,
      body: { code: 409, content: 'queue is running, stop it first' },
    });
    expect(await post('/v2/autocall/queue/stop', { queue_code: 'Autocall-Q1' })).toEqual({ status: 200, body: OK });
    expect(await post('/v2/autocall/queue/start', { queue_code: 'Autocall-Q1' })).toEqual({ status: 200, body: OK });
    expect(await post('/v2/autocall/queue/stop', { queue_code: 'Autocall-Q1' })).toEqual({ status: 200, body: OK });
    expect(await post('/v2/autocall/queue/delete', { queue_code: 'Autocall-Q1' })).toEqual({ status: 200, body: OK });

    // Bad input on the small endpoints: 400 with a clear message, never a 5xx.
    expect(await post('/v2/autocall/queue/stop', {})).toEqual({ status: 400, body: { code: 400, content: 'queue_code is required' } });
    expect((await post('/v2/autocall/queue/dnc', { queue_code: 'Autocall-Q1', customers: 'KH_01' })).status).toBe(400);
    expect((await post('/v2/autocall/queue/start', 'nope', { raw: true })).body.code).toBe(400);
    // Auth: as every router (api/auth.ts).
    expect(await post('/v2/autocall/queue/stop', { queue_code: 'Autocall-Q1' }, { token: null })).toEqual({
      status: 401,
      body: { error: 'missing Authorization: Bearer <token> header' },
    });

    // The routes are in the OpenAPI document.
    const doc = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, unknown> };
    for (const p of ['', '/dnc', '/stop', '/start', '/delete']) expect(doc.paths[`/v2/autocall/queue${p}`]).toBeDefined();
  });

  it('customers with several mobiles, mixed outcomes, recalls counted per customer, min_recall_duration; duplicates → one lead', async () => {
    const body = {
      queue_code: 'Q-mixed',
      template: 'IVR-1',
      concurrent_call: 3,
      max_recall_count: 2,
      min_recall_duration: 2,
      customers: [
        { id: 'A', mobiles: ['0986100001', '0986100002'], contract_number: 'HD-A', dpd: 5 }, // busy, then the second answers
        { id: 'B', mobiles: ['0986200001', '0986200002'] }, // both busy, every time
        { id: 'C', mobiles: ['0986300001'] }, // answers, always shorter than min_recall_duration
        { id: 'D', mobiles: ['0986400001'] }, // short answer, then long enough
        { id: 'G', mobiles: ['0986500001'] }, // unallocated: never recalled
        { id: 'E', mobiles: ['abc', '12'] }, // no valid mobile
        { id: 'A', mobiles: ['0986100009'] }, // duplicate id in the request
        { id: 'H', mobiles: '0986100010' }, // mobiles not a list
        { mobiles: ['0986100011'] }, // no id
        { id: 'J', mobiles: ['0986100012'], meta: { nested: true } }, // a field that is not a scalar
        { id: 'K', mobiles: ['0986100013'], $where: 'x' }, // a field name the store refuses
      ],
    };
    expect(await post('/v2/autocall/queue', body)).toEqual({
      status: 200,
      body: {
        code: 200,
        content: 'successfully',
        data: { fail: ['E', 'A', 'H', 'customers[8]', 'J', 'K'], success: ['A', 'B', 'C', 'D', 'G'] },
      },
    });
    const q = (await queueOf('Q-mixed'))!;
    const final = await waitFor(
      async () => {
        const ls = await leadsOfCampaign(e, q.campaign_uuid);
        return ls.length === 5 && ls.every((l) => l.status === 'done') ? ls : undefined;
      },
      60_000,
      'every customer done',
    );
    const by = Object.fromEntries(final.map((l) => [(l as LeadDoc & { customer_id: string }).customer_id, l]));
    expect(by.A).toMatchObject({
      attempts: 1,
      disposition: 'answered',
      phones: ['0986100001', '0986100002'],
      param: { contract_number: 'HD-A', dpd: 5 },
    });
    expect(by.B).toMatchObject({ attempts: 3, disposition: 'busy' }); // 1 call + max_recall_count 2, for the customer
    expect(by.C).toMatchObject({ attempts: 3, disposition: 'answered' }); // answered < 2 s: recalled until the budget ends
    expect(by.D).toMatchObject({ attempts: 2, disposition: 'answered' });
    expect(by.G).toMatchObject({ attempts: 1, disposition: 'invalid-number' });

    // One originate per attempt, each with every mobile of the customer (serial `|`).
    const log = originatesOf(e, q.campaign_uuid);
    expect(log.length).toBe(1 + 3 + 3 + 2 + 1);
    const bLog = log.filter((x) => x.variables.lead_uuid === by.B!.lead_uuid);
    expect(bLog.length).toBe(3);
    for (const x of bLog) expect(x.legs.map((l) => l.number)).toEqual(['0986200001', '0986200002']);
    expect(bLog.every((x) => x.dialString.includes('|'))).toBe(true);
    const aLog = log.filter((x) => x.variables.lead_uuid === by.A!.lead_uuid);
    expect(aLog[0]!.legs.filter((l) => l.channel).map((l) => l.number)).toEqual(['0986100001', '0986100002']);
    for (const n of ['0986100009', '0986100010', '0986100011', '0986100012', '0986100013']) expect(dialsTo(n)).toBe(0);

    // Every call recorded; the short answers by their billsec.
    const calls = await waitFor(async () => {
      const cs = await callsOfCampaign(e, q.campaign_uuid);
      return cs.length === log.length && cs.every((c) => c.state === 'done') ? cs : undefined;
    });
    const cCalls = calls.filter((c) => c.lead_uuid === by.C!.lead_uuid);
    expect(cCalls.map((c) => c.disposition)).toEqual(['answered', 'answered', 'answered']);
    expect(cCalls.every((c) => c.billsec < 2)).toBe(true);
    expect(calls.find((c) => c.lead_uuid === by.A!.lead_uuid)).toMatchObject({ phone_number: '0986100002', disposition: 'answered' });

    // Re-posting: a customer already in the queue is not added again; a new one is.
    expect(
      await post('/v2/autocall/queue', {
        ...body,
        customers: [
          { id: 'A', mobiles: ['0986100002'] },
          { id: 'N', mobiles: ['0986100020'] },
        ],
      }),
    ).toEqual({
      status: 200,
      body: { code: 200, content: 'successfully', data: { fail: ['A'], success: ['N'] } },
    });
    expect(await post('/v2/autocall/queue', { ...body, customers: [{ id: 'B', mobiles: ['0986200001'] }] })).toEqual({
      status: 400,
      body: { code: 400, content: 'import fail', data: { fail: ['B'], success: [] } },
    });
    const after = await leadsOfCampaign(e, q.campaign_uuid);
    expect(after.length).toBe(6);
    expect(after.filter((l) => (l as LeadDoc & { customer_id: string }).customer_id === 'A').length).toBe(1);
    await waitFor(() => dialsTo('0986100020') === 1, 30_000, 'the added customer dialed (the running queue was told)');
  });

  it('two posts creating the same queue at once: one queue, both imported', async () => {
    const mk = (id: string, n: string) => ({ queue_code: 'Q-race', template: 'IVR-1', customers: [{ id, mobiles: [n] }] });
    const [a, b] = await Promise.all([
      post('/v2/autocall/queue', mk('R1', '0988900001')),
      post('/v2/autocall/queue', mk('R2', '0988900002')),
    ]);
    expect(a.body.data.success).toEqual(['R1']);
    expect(b.body.data.success).toEqual(['R2']);
    expect(await campaignsOf(e.mongo.db).countDocuments({ domain_uuid: e.tenant.domain_uuid, campaign_name: 'Q-race' })).toBe(1);
    const q = (await queueOf('Q-race'))!;
    expect((await leadsOfCampaign(e, q.campaign_uuid)).length).toBe(2);
  });

  it('do-not-call: before dialing (never dialed), during a call (left alone), during a recall wait (no further call)', async () => {
    const code = 'Q-dnc';
    const customers = [
      { id: 'HOLD', mobiles: ['0987100001'] }, // takes the only slot for 3 s
      { id: 'BEFORE', mobiles: ['0987100002', '0987100003'] }, // queued behind it
      { id: 'LATER', mobiles: ['0987100004'] }, // not in the queue yet when marked
    ];
    expect(
      (
        await post('/v2/autocall/queue', {
          queue_code: code,
          template: 'IVR-1',
          concurrent_call: 1,
          max_recall_count: 2,
          customers: customers.slice(0, 2),
        })
      ).status,
    ).toBe(200);
    const q = (await queueOf(code))!;
    await waitFor(() => dialsTo('0987100001') === 1, 30_000, 'HOLD dialed');
    expect(
      await post('/v2/autocall/queue/dnc', { queue_code: code, customers: [{ id: 'BEFORE' }, { id: 'LATER' }, { id: 'BEFORE' }] }),
    ).toEqual({ status: 200, body: OK });
    // A repeated DNC is fine too (marks are insert-only).
    expect(await post('/v2/autocall/queue/dnc', { queue_code: code, customers: [{ id: 'BEFORE' }] })).toEqual({ status: 200, body: OK });
    expect(await dncOf(e.mongo.db).countDocuments({ campaign_uuid: q.campaign_uuid })).toBe(2);
    // Customers marked before being posted are imported but never dialed.
    expect(
      (await post('/v2/autocall/queue', { queue_code: code, template: 'IVR-1', customers: customers.slice(2) })).body.data.success,
    ).toEqual(['LATER']);

    // During a call: the DNC arrives while DURING is talking.
    expect(
      (await post('/v2/autocall/queue', { queue_code: code, template: 'IVR-1', customers: [{ id: 'DURING', mobiles: ['0987200001'] }] }))
        .status,
    ).toBe(200);
    const during = await waitFor(
      () => e.sim.callLog.byNumber('0987200001').find((x) => x.legs.some((l) => l.answeredAt !== undefined)),
      30_000,
      'DURING answered',
    );
    expect(await post('/v2/autocall/queue/dnc', { queue_code: code, customers: [{ id: 'DURING' }] })).toEqual({ status: 200, body: OK });

    // During a recall wait: RECALL is busy, then marked while it waits for its recall.
    expect(
      (await post('/v2/autocall/queue', { queue_code: code, template: 'IVR-1', customers: [{ id: 'RECALL', mobiles: ['0987300001'] }] }))
        .status,
    ).toBe(200);
    await waitFor(async () => (await leadOf(q, 'RECALL'))?.status === 'waiting_recall', 30_000, 'RECALL waiting for its recall');
    expect(await post('/v2/autocall/queue/dnc', { queue_code: code, customers: [{ id: 'RECALL' }] })).toEqual({ status: 200, body: OK });

    await waitFor(
      async () => {
        const s = await Promise.all(['HOLD', 'BEFORE', 'LATER', 'DURING', 'RECALL'].map(async (id) => (await leadOf(q, id))?.status));
        return s.join() === 'done,do_not_call,do_not_call,done,do_not_call' ? s : undefined;
      },
      60_000,
      'every customer settled',
    );
    await sleep(2_000); // longer than the recall delay: nothing more is dialed
    // Before dialing: never dialed, proven by the far end.
    for (const n of ['0987100002', '0987100003', '0987100004']) expect(dialsTo(n)).toBe(0);
    // During the call: it was not cut (talked its full 2.5 s) and it is recorded.
    expect(during.outcome).toBe('answered');
    const leg = during.legs.find((l) => l.answeredAt !== undefined)!;
    expect(leg.hangupAt! - leg.answeredAt!).toBeGreaterThanOrEqual(2_400);
    const calls = await callsOfCampaign(e, q.campaign_uuid);
    const duringLead = (await leadOf(q, 'DURING'))!;
    expect(calls.filter((c) => c.lead_uuid === duringLead.lead_uuid)).toMatchObject([
      { state: 'done', disposition: 'answered', dialed: true },
    ]);
    // During the recall wait: the one busy call, then no recall.
    expect(dialsTo('0987300001')).toBe(1);
    expect(calls.filter((c) => c.phone_number === '0987300001')).toMatchObject([{ disposition: 'busy' }]);
  });

  it('stop pauses, start resumes, delete withdraws a stopped queue (records kept, no further calls)', async () => {
    const code = 'Q-ssd';
    const customers = Array.from({ length: 8 }, (_, i) => ({ id: `S${i}`, mobiles: [`09881000${String(i).padStart(2, '0')}`] }));
    expect((await post('/v2/autocall/queue', { queue_code: code, template: 'IVR-1', concurrent_call: 1, customers })).status).toBe(200);
    const q = (await queueOf(code))!;
    await waitFor(() => originatesOf(e, q.campaign_uuid).length >= 1, 30_000, 'first call');
    expect(await post('/v2/autocall/queue/delete', { queue_code: code })).toEqual({
      status: 409,
      body: { code: 409, content: 'queue is running, stop it first' },
    });

    expect(await post('/v2/autocall/queue/stop', { queue_code: code })).toEqual({ status: 200, body: OK });
    expect((await campaignsOf(e.mongo.db).findOne({ _id: q.campaign_uuid }))?.status).toBe('pause');
    await waitFor(async () => {
      const p = await e.progress(q.campaign_uuid);
      return p.status === 'pause' && p.dialing === 0;
    });
    const atStop = originatesOf(e, q.campaign_uuid).length;
    expect(atStop).toBeLessThan(8);
    // Customers posted to a stopped queue are stored, not dialed.
    expect(
      (await post('/v2/autocall/queue', { queue_code: code, template: 'IVR-1', customers: [{ id: 'S8', mobiles: ['0988100008'] }] })).body
        .data.success,
    ).toEqual(['S8']);
    await sleep(1_000);
    expect(originatesOf(e, q.campaign_uuid).length).toBe(atStop);

    expect(await post('/v2/autocall/queue/start', { queue_code: code })).toEqual({ status: 200, body: OK });
    await waitFor(() => originatesOf(e, q.campaign_uuid).length >= atStop + 2, 30_000, 'dialing again');
    expect(await post('/v2/autocall/queue/stop', { queue_code: code })).toEqual({ status: 200, body: OK });
    expect(await post('/v2/autocall/queue/delete', { queue_code: code })).toEqual({ status: 200, body: OK });

    // Withdrawn: the run ends, no further calls, the code is unknown, records stay.
    await e.client.workflow.getHandle(`campaign-run:${q.campaign_uuid}`).result();
    const atDelete = originatesOf(e, q.campaign_uuid).length;
    await sleep(1_000);
    expect(originatesOf(e, q.campaign_uuid).length).toBe(atDelete);
    expect(atDelete).toBeLessThan(9);
    for (const action of ['stop', 'start', 'delete'])
      expect(await post(`/v2/autocall/queue/${action}`, { queue_code: code })).toEqual({ status: 404, body: NOT_FOUND });
    expect(await post('/v2/autocall/queue/dnc', { queue_code: code, customers: [{ id: 'S1' }] })).toEqual({ status: 404, body: NOT_FOUND });
    const kept = await campaignsOf(e.mongo.db).findOne({ _id: q.campaign_uuid });
    expect(kept).toMatchObject({ active: false, status: 'stop', queue_code: '', deleted_queue_code: code });
    expect((await leadsOfCampaign(e, q.campaign_uuid)).length).toBe(9);
    expect((await callsOfCampaign(e, q.campaign_uuid)).length).toBe(atDelete);
    // The code is free again: a new queue, new leads for the same customer ids.
    expect(
      await post('/v2/autocall/queue', { queue_code: code, template: 'IVR-1', customers: [{ id: 'S0', mobiles: ['0988100000'] }] }),
    ).toEqual({
      status: 200,
      body: { code: 200, content: 'successfully', data: { fail: [], success: ['S0'] } },
    });
    expect((await queueOf(code))!.campaign_uuid).not.toBe(q.campaign_uuid);
  });

  // Last: thousands of leads make every later claim scan (FerretDB) slower.
  it('large lists: batches of 1,000, duplicates across batch boundaries, a stopped queue keeps them undialed', async () => {
    const code = 'Q-big';
    const list = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, k) => ({
        id: `B${from + k}`,
        mobiles: [`09890${String(from + k).padStart(5, '0')}`],
        n: from + k,
      }));
    expect(
      (await post('/v2/autocall/queue', { queue_code: code, template: 'IVR-1', customers: [{ id: 'first', mobiles: ['0989999999'] }] }))
        .status,
    ).toBe(200);
    expect(await post('/v2/autocall/queue/stop', { queue_code: code })).toEqual({ status: 200, body: OK });
    const q = (await queueOf(code))!;
    const a = await post('/v2/autocall/queue', { queue_code: code, template: 'IVR-1', customers: list(0, 2_500) });
    expect(a.status).toBe(200);
    expect(a.body.data).toEqual({ fail: [], success: list(0, 2_500).map((x) => x.id) });
    // Ids the queue has, posted with other fields: not added (fail); new ids: added.
    const changed = list(1_250, 3_750).map((x) => (x.n < 2_500 ? { ...x, n: x.n + 1_000_000 } : x));
    const b = await post('/v2/autocall/queue', { queue_code: code, template: 'IVR-1', customers: changed });
    expect(b.body).toEqual({
      code: 200,
      content: 'successfully',
      data: { fail: list(1_250, 2_500).map((x) => x.id), success: list(2_500, 3_750).map((x) => x.id) },
    });
    expect(await leadsOf(e.mongo.db).countDocuments({ campaign_uuid: q.campaign_uuid })).toBe(1 + 3_750);
    expect((await leadOf(q, 'B1300'))!.param).toEqual({ n: 1_300 }); // the first post's fields, not the re-post's
    // The same post again (a client's retry): every customer is queued, so every one is a success.
    const again = await post('/v2/autocall/queue', { queue_code: code, template: 'IVR-1', customers: list(0, 2_500) });
    expect(again.body).toEqual({ code: 200, content: 'successfully', data: { fail: [], success: list(0, 2_500).map((x) => x.id) } });
    expect(await leadsOf(e.mongo.db).countDocuments({ campaign_uuid: q.campaign_uuid })).toBe(1 + 3_750);
    expect(e.sim.callLog.entries().some((x) => x.legs.some((l) => l.number.startsWith('09890')))).toBe(false);
  });
});
