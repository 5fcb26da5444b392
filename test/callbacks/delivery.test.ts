// Callbacks end to end: a campaign runs on the simulator, its calls' records and answers are
// POSTed to a real local receiver. Every call arrives exactly once by Idempotency-Key, signed with
// the tenant's secret; a receiver that is down, answers 500s or hangs gets everything once it
// recovers, and nothing twice once it has accepted it.
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackWorkflowId } from '../../callbacks/contract.ts';
import { tenantCallbackSecret } from '../../storage/tenants.ts';
import { originatesOf, startEngine, waitFor, type Engine } from '../engine/harness.ts';
import { apiOf, campaignFinished, deliveriesOfCampaign, expectedKeys, sleep } from './common.ts';
import { reservePort, startReceiver, verifyCallback, type Receiver } from './receiver.ts';

const ANSWER = { action: 'answer' as const, ringMs: 20, talkMs: 100 };
const RULES = {
  default: ANSWER,
  numbers: {
    '0981200001': { action: 'busy' as const, ringMs: 20 },
    '0981200002': [{ action: 'busy' as const, ringMs: 20 }, ANSWER],
    '0981200003': { action: 'unallocated' as const, ringMs: 10 },
  },
};
const RUN = { recallFloorMs: 300, reconcileAfterMs: 5_000, pollLeadsMs: 300 };

describe('callbacks', () => {
  let e: Engine;
  let api: ReturnType<typeof apiOf>;
  let secret: string;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    e = await startEngine(RULES, {
      env: {
        CALLBACK_ALLOW_PRIVATE: 'true',
        CALLBACK_TIMEOUT_MS: '400',
        CALLBACK_RETRY_INITIAL_MS: '100',
        CALLBACK_RETRY_MAX_INTERVAL_MS: '400',
      },
    });
    api = apiOf(e);
    secret = await tenantCallbackSecret(e.mongo.db, e.tenant.domain_uuid);
  });
  afterAll(async () => {
    await Promise.allSettled(receivers.map((r) => r.close()));
    await e?.close();
  });

  /** Wait until the receiver accepted every expected key; then a pause to catch late duplicates. */
  async function allAccepted(rcv: Receiver, keys: Set<string>) {
    await waitFor(() => [...keys].every((k) => rcv.accepted().has(k)), 60_000, `all ${keys.size} callbacks accepted`);
    await sleep(1_500);
  }

  it('every call of a run arrives exactly once by idempotency key, signed, matching the records and the simulator', async () => {
    const rcv = await startReceiver();
    receivers.push(rcv);
    const campaign = await e.campaign({
      concurrent_call: 3,
      recall_times: 1,
      schedule_recall: 'after',
      callback_url: rcv.url('/cdr'),
      answer_callback_url: rcv.url('/answer'),
    });
    await e.addLeads(campaign, ['0981200001', '0981200002', '0981200003', '0981200004', '0981200005', '0981200006']);
    // An invalid number imported through the API: its record (never dialed) is called back too.
    const imp = await api.post('/v3/autocall/import', { campaign_uuid: campaign, phone_number: '12345', param: {} });
    expect(imp.status).toBe(200);
    await e.startRun(campaign, RUN);

    const calls = await campaignFinished(e, campaign);
    const keys = expectedKeys(calls, { answers: true });
    expect(calls.some((c) => c.call_id === imp.body.call_id && !c.dialed)).toBe(true);
    expect(calls.filter((c) => c.answered).length).toBeGreaterThanOrEqual(4);
    await allAccepted(rcv, keys);

    // Exactly once: one request per key, no key we did not expect.
    const byKey = rcv.byKey();
    expect(new Set(byKey.keys())).toEqual(keys);
    for (const [k, list] of byKey) expect(list.length, k).toBe(1);

    for (const r of rcv.requests) {
      expect(verifyCallback(secret, r.headers, r.body), r.key).toBe(true);
      // A tampered body or another secret does not verify.
      expect(verifyCallback(secret, r.headers, r.body.replace('"call_id"', '"call_Id"'))).toBe(false);
      expect(verifyCallback('whsec_other', r.headers, r.body)).toBe(false);
      const body = JSON.parse(r.body);
      expect(r.key).toBe(`${body.call_id}:${r.kind}`);
      expect(r.path).toBe(r.kind === 'cdr' ? '/cdr' : '/answer');
      expect(body.event).toBe(r.kind === 'cdr' ? 'call.completed' : 'call.answered');
      expect(r.headers['content-type']).toBe('application/json');
    }

    // The CDR bodies are the call records.
    const cdrs = new Map(
      rcv.requests.filter((r) => r.kind === 'cdr').map((r) => [JSON.parse(r.body).call_id as string, JSON.parse(r.body)]),
    );
    for (const c of calls) {
      const b = cdrs.get(c.call_id)!;
      expect(b).toMatchObject({
        lead_uuid: c.lead_uuid,
        campaign_uuid: campaign,
        domain_uuid: e.tenant.domain_uuid,
        attempt: c.attempt,
        phone_number: c.phone_number,
        dialed: c.dialed,
        answered: c.answered,
        disposition: c.disposition,
        status: c.report,
        hangup_cause: c.hangup_cause,
        billsec: c.billsec,
        duration: c.duration,
      });
    }
    // …and agree with what the far end saw: one CDR per originate (plus the never-dialed one).
    const log = originatesOf(e, campaign);
    const dialedIds = new Set(log.map((x) => x.variables.cr_call_id));
    expect(new Set([...cdrs.values()].filter((b) => b.dialed).map((b) => b.call_id))).toEqual(dialedIds);
    const answeredInLog = log.filter((x) => x.outcome === 'answered').length;
    expect([...cdrs.values()].filter((b) => b.answered).length).toBe(answeredInLog);
    const busy = [...cdrs.values()].filter((b) => b.phone_number === '0981200001');
    expect(busy.map((b) => b.disposition)).toEqual(['busy', 'busy']);
    expect(busy.map((b) => b.attempt).sort()).toEqual([1, 2]);

    // The report agrees with the callbacks received and the simulator's log.
    const rep = await api.get(
      `/v1/autocall/report?campaign_uuid=${campaign}&start_date=2000-01-01%2000:00:00&end_date=2099-12-31%2023:59:59`,
    );
    expect(rep.status).toBe(200);
    const bodies = [...cdrs.values()];
    const buckets: Record<string, number> = { answered: 0, busy: 0, not_available: 0, no_answer: 0, cancel: 0, failed: 0 };
    for (const b of bodies) buckets[b.status] = (buckets[b.status] ?? 0) + 1;
    expect(rep.body.data).toEqual({
      status: buckets,
      total_calls: bodies.length,
      total_duration: bodies.reduce((n, b) => n + b.duration, 0),
      total_billsec: bodies.reduce((n, b) => n + b.billsec, 0),
      total_waitsec: bodies.reduce((n, b) => n + b.waitsec, 0),
    });
    expect(rep.body.data.total_calls).toBe(log.length + 1); // every originate, and the invalid number
    expect(rep.body.data.status.answered).toBe(answeredInLog);

    // Delivery state: stored, and listed by the API.
    const ds = await waitFor(async () => {
      const d = await deliveriesOfCampaign(e, campaign);
      return d.length === keys.size && d.every((x) => x.status === 'delivered') ? d : undefined;
    });
    expect(ds.every((d) => d.attempts === 1 && d.last_status_code === 200)).toBe(true);
    // A dialed call's record callback was delivered by its first, inline attempt (recordCall): no
    // delivery workflow was started for it (docs/engine.md, what a call costs); the answer
    // callbacks (from the node listener) and the API's never-dialed record have theirs.
    const hasWorkflow = (call_id: string, kind: 'cdr' | 'answer') =>
      e.client.workflow
        .getHandle(callbackWorkflowId(call_id, kind))
        .describe()
        .then(
          () => true,
          (err: unknown) => {
            if (err instanceof WorkflowNotFoundError) return false;
            throw err;
          },
        );
    for (const c of calls) expect(await hasWorkflow(c.call_id, 'cdr'), c.call_id).toBe(!c.dialed);
    for (const c of calls.filter((x) => x.answered)) expect(await hasWorkflow(c.call_id, 'answer'), c.call_id).toBe(true);
    const list = await api.get(`/v3/campaign/${campaign}/callbacks?limit=1000`);
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(keys.size);
    expect(new Set(list.body.data.map((d: { idempotency_key: string }) => d.idempotency_key))).toEqual(keys);
    expect((await api.get(`/v3/campaign/${campaign}/callbacks?status=failed`)).body.total).toBe(0);
    expect((await api.get(`/v3/campaign/${campaign}/callbacks?kind=answer&limit=1000`)).body.total).toBe(
      calls.filter((c) => c.answered).length,
    );
    const answered = calls.find((c) => c.answered)!;
    const one = await api.get(`/v3/callbacks/${answered.call_id}`);
    expect(one.status).toBe(200);
    expect(one.body.data.map((d: { kind: string; status: string }) => `${d.kind}:${d.status}`).sort()).toEqual([
      'answer:delivered',
      'cdr:delivered',
    ]);
    expect((await api.get(`/v3/campaign/${campaign}/callbacks?status=nope`)).status).toBe(400);

    // The OpenAPI document describes both endpoints.
    const openapi = (await (await api.app.request('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/v3/campaign/{uuid}/callbacks', '/v3/callbacks/{call_id}']));

    // Another tenant sees neither the campaign's deliveries nor the call's.
    const { createTenant } = await import('../../storage/tenants.ts');
    const other = await createTenant(e.mongo.db, { name: 'other-callbacks' });
    expect(await api.get(`/v3/campaign/${campaign}/callbacks`, other.token)).toEqual({ status: 404, body: { error: 'Not Found' } });
    expect(await api.get(`/v3/callbacks/${answered.call_id}`, other.token)).toEqual({ status: 404, body: { error: 'Not Found' } });
  });

  it('a receiver that is down for a while gets everything once it is up', async () => {
    const port = await reservePort();
    const rcv = await startReceiver({ port, listen: false });
    receivers.push(rcv);
    const campaign = await e.campaign({ concurrent_call: 3, callback_url: rcv.url('/cdr'), answer_callback_url: rcv.url('/answer') });
    await e.addLeads(campaign, ['0981300001', '0981300002', '0981300003', '0981200003']);
    await e.startRun(campaign, RUN);
    const calls = await campaignFinished(e, campaign);
    const keys = expectedKeys(calls, { answers: true });
    // Down: every delivery has been tried and failed at least twice.
    await waitFor(
      async () => {
        const d = await deliveriesOfCampaign(e, campaign);
        return d.length === keys.size && d.every((x) => x.status === 'pending' && x.attempts >= 2 && x.last_error === 'connection failed');
      },
      60_000,
      'deliveries retried while the receiver is down',
    );
    expect(rcv.requests.length).toBe(0);
    await rcv.listen();
    await allAccepted(rcv, keys);
    const byKey = rcv.byKey();
    expect(new Set(byKey.keys())).toEqual(keys);
    for (const [k, list] of byKey) expect(list.length, k).toBe(1);
    const ds = await waitFor(async () => {
      const d = await deliveriesOfCampaign(e, campaign);
      return d.every((x) => x.status === 'delivered') ? d : undefined;
    });
    expect(ds.every((d) => d.attempts >= 3 && d.last_error === '')).toBe(true);
  });

  it('a receiver that answers 500s gets everything once it recovers, and nothing again after a 200', async () => {
    const rcv = await startReceiver({ mode: 'error' });
    receivers.push(rcv);
    const campaign = await e.campaign({ concurrent_call: 3, callback_url: rcv.url('/cdr'), answer_callback_url: rcv.url('/answer') });
    await e.addLeads(campaign, ['0981400001', '0981400002', '0981400003', '0981200001']);
    await e.startRun(campaign, RUN);
    const calls = await campaignFinished(e, campaign);
    const keys = expectedKeys(calls, { answers: true });
    await waitFor(() => [...keys].every((k) => (rcv.byKey().get(k)?.length ?? 0) >= 2), 60_000, 'every key answered 500 at least twice');
    const d500 = await deliveriesOfCampaign(e, campaign);
    expect(d500.every((x) => x.status === 'pending' && x.last_status_code === 500)).toBe(true);
    rcv.mode = 'ok';
    await allAccepted(rcv, keys);
    for (const [k, list] of rcv.byKey()) {
      const ok = list.filter((r) => r.answered === 200);
      expect(ok.length, k).toBe(1);
      // Nothing after the accepted one; everything before it was a 500.
      expect(list[list.length - 1]!.answered, k).toBe(200);
      // The same body and key on every attempt; the signature of each verifies.
      expect(new Set(list.map((r) => r.body)).size, k).toBe(1);
      for (const r of list) expect(verifyCallback(secret, r.headers, r.body)).toBe(true);
      expect(list.map((r) => Number(r.headers['x-callback-attempt']))).toEqual(list.map((_, i) => i + 1));
    }
    expect(new Set(rcv.byKey().keys())).toEqual(keys);
  });

  it('a receiver that hangs (longer than the timeout) gets everything once it answers again', async () => {
    const rcv = await startReceiver({ mode: 'hang' });
    receivers.push(rcv);
    const campaign = await e.campaign({ concurrent_call: 3, callback_url: rcv.url('/cdr') });
    await e.addLeads(campaign, ['0981500001', '0981500002', '0981200003']);
    await e.startRun(campaign, RUN);
    const calls = await campaignFinished(e, campaign);
    const keys = expectedKeys(calls, { answers: false });
    await waitFor(
      async () => {
        const d = await deliveriesOfCampaign(e, campaign);
        return d.length === keys.size && d.every((x) => x.attempts >= 2 && x.last_error === 'timed out' && x.last_status_code === null);
      },
      60_000,
      'attempts timed out while the receiver hangs',
    );
    rcv.mode = 'ok';
    await allAccepted(rcv, keys);
    for (const [k, list] of rcv.byKey()) {
      expect(list.filter((r) => r.answered === 200).length, k).toBe(1);
      expect(list[list.length - 1]!.answered, k).toBe(200);
    }
    expect(new Set(rcv.byKey().keys())).toEqual(keys);
    // No answer callbacks: the campaign has no answer_callback_url.
    expect(rcv.requests.every((r) => r.kind === 'cdr')).toBe(true);
  });
});
