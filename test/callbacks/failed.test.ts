// Deliveries that cannot succeed: a receiver that keeps failing is given up after the (shortened)
// deadline, recorded `failed` and listed by the API; a non-public address is refused unless the
// configuration allows it. Also the tenant's secret for tenants made before callbacks existed.
import { NativeConnection, type Worker } from '@temporalio/worker';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackWorkflowId, type CallbackDeliveryInput } from '../../callbacks/contract.ts';
import { startDelivery } from '../../callbacks/schedule.ts';
import { deliveriesOf } from '../../callbacks/store.ts';
import { tenantCallbackSecret, tenantsOf } from '../../storage/tenants.ts';
import { createWorker } from '../../worker/create.ts';
import { startEngine, waitFor, type Engine } from '../engine/harness.ts';
import { testConfig } from '../helpers/env.ts';
import { apiOf, campaignFinished, deliveriesOfCampaign, expectedKeys } from './common.ts';
import { startReceiver, verifyCallback, type Receiver } from './receiver.ts';

const RULES = { default: { action: 'answer' as const, ringMs: 20, talkMs: 80 } };

describe('callbacks that fail', () => {
  let e: Engine;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    e = await startEngine(RULES, {
      env: {
        CALLBACK_ALLOW_PRIVATE: 'true',
        CALLBACK_TIMEOUT_MS: '400',
        CALLBACK_RETRY_INITIAL_MS: '100',
        CALLBACK_RETRY_MAX_INTERVAL_MS: '400',
        CALLBACK_RETRY_FOR_MS: '3000',
      },
    });
  });
  afterAll(async () => {
    await Promise.allSettled(receivers.map((r) => r.close()));
    await e?.close();
  });

  it('a delivery that keeps failing ends `failed` after its deadline, visible through the API', async () => {
    const rcv = await startReceiver({ mode: 'error' });
    receivers.push(rcv);
    const campaign = await e.campaign({ concurrent_call: 2, callback_url: rcv.url('/cdr'), answer_callback_url: rcv.url('/answer') });
    await e.addLeads(campaign, ['0981600001', '0981600002']);
    await e.startRun(campaign, { reconcileAfterMs: 5_000, pollLeadsMs: 300 });
    const calls = await campaignFinished(e, campaign);
    const keys = expectedKeys(calls, { answers: true });
    expect(keys.size).toBe(4);
    const ds = await waitFor(
      async () => {
        const d = await deliveriesOfCampaign(e, campaign);
        return d.length === keys.size && d.every((x) => x.status === 'failed') ? d : undefined;
      },
      60_000,
      'every delivery failed',
    );
    for (const d of ds) {
      expect(d.attempts).toBeGreaterThanOrEqual(2);
      expect(d.last_status_code).toBe(500);
      expect(d.last_error).toMatch(/^gave up.*3 s.*HTTP 500/);
      expect(d.failed_at).toBeInstanceOf(Date);
      expect(d.delivered_at ?? null).toBeNull();
      const r = await e.client.workflow.getHandle(callbackWorkflowId(d.call_id, d.kind)).result();
      expect(r.status).toBe('failed');
    }
    // The receiver saw every attempt (all signed), and no attempt after the delivery failed.
    expect(new Set(rcv.byKey().keys())).toEqual(keys);
    const secret = await tenantCallbackSecret(e.mongo.db, e.tenant.domain_uuid);
    expect(rcv.requests.every((r) => verifyCallback(secret, r.headers, r.body))).toBe(true);
    const seen = rcv.requests.length;
    await new Promise((r) => setTimeout(r, 1_000));
    expect(rcv.requests.length).toBe(seen);

    const api = apiOf(e);
    const failed = await api.get(`/v3/campaign/${campaign}/callbacks?status=failed&limit=10`);
    expect(failed.status).toBe(200);
    expect(failed.body.total).toBe(4);
    expect(failed.body.data[0]).toMatchObject({ status: 'failed', last_status_code: 500, url: expect.stringContaining('127.0.0.1') });
    expect(failed.body.data[0].failed_at).toMatch(/^\d{4}-\d\d-\d\dT.*\+07:00$/);
    expect((await api.get(`/v3/campaign/${campaign}/callbacks?status=delivered`)).body.total).toBe(0);
    const page = await api.get(`/v3/campaign/${campaign}/callbacks?limit=3&offset=2`);
    expect(page.body).toMatchObject({ limit: 3, offset: 2, total: 4 });
    expect(page.body.data).toHaveLength(2);
    const one = await api.get(`/v3/callbacks/${calls[0]!.call_id}`);
    expect(one.body.data.map((d: { status: string }) => d.status)).toEqual(['failed', 'failed']);
    expect((await api.get('/v3/callbacks/no-such-call')).status).toBe(404);
  });

  describe('non-public addresses', () => {
    let strict: { worker: Worker; done: Promise<void>; native: NativeConnection; config: ReturnType<typeof testConfig> };
    beforeAll(async () => {
      // A worker whose configuration does not allow private addresses (the production default).
      const config = testConfig({ MONGODB_DB: e.config.MONGODB_DB, CALLBACK_ALLOW_PRIVATE: 'false' });
      const native = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
      const worker = await createWorker(native, { config, db: e.mongo.db, logger: pino({ level: 'silent' }) });
      strict = { worker, done: worker.run(), native, config };
    });
    afterAll(async () => {
      strict?.worker.shutdown();
      await strict?.done.catch(() => {});
      await strict?.native.close();
    });

    const input = (call_id: string, url: string): CallbackDeliveryInput => ({
      call_id,
      kind: 'cdr',
      domain_uuid: e.tenant.domain_uuid,
      campaign_uuid: 'c-private',
      lead_uuid: 'l-private',
      url,
      body: JSON.stringify({ event: 'call.completed', call_id }),
      scheduled_at: Date.now(),
      timing: { timeoutMs: 400, initialIntervalMs: 100, maxIntervalMs: 400, deadlineMs: 20_000 },
    });

    it('refuses loopback and private addresses (and URLs with credentials) at once, with the reason recorded, unless allowed', async () => {
      const rcv = await startReceiver();
      receivers.push(rcv);
      const deps = { config: strict.config, db: e.mongo.db, logger: pino({ level: 'silent' }), temporal: e.client };
      // The tenant sees a fixed phrase (issue 20: the range and the resolved address are for the logs).
      const cases = [
        ['p-literal', rcv.url('/x'), 'address not allowed'],
        ['p-name', `http://localhost:${rcv.port}/x`, 'address not allowed'],
        ['p-mapped', `http://[::ffff:127.0.0.1]:${rcv.port}/x`, 'address not allowed'],
        ['p-compat', `http://[::127.0.0.1]:${rcv.port}/x`, 'address not allowed'],
        ['p-nat64', `http://[64:ff9b::7f00:1]:${rcv.port}/x`, 'address not allowed'],
        ['p-private', 'http://10.1.2.3/x', 'address not allowed'],
        ['p-linklocal', 'http://169.254.169.254/latest/meta-data', 'address not allowed'],
        ['p-cred', `http://user:pass@example.com/x`, 'address not allowed: the URL has a user name or password'],
      ] as const;
      for (const [id, url] of cases) await startDelivery(deps, input(id, url));
      for (const [id, , reason] of cases) {
        const r = await e.client.workflow.getHandle(callbackWorkflowId(id, 'cdr')).result();
        expect(r.status, id).toBe('failed');
        const d = await deliveriesOf(e.mongo.db).findOne({ _id: `${id}:cdr` });
        expect(d, id).toMatchObject({ status: 'failed', attempts: 1, last_status_code: null });
        expect(d!.last_error, id).toBe(reason);
        expect(r.reason, id).toBe(reason);
      }
      expect(rcv.requests).toHaveLength(0);

      // The same delivery on a worker that allows private addresses (the engine's) arrives.
      await startDelivery({ ...deps, config: e.config }, input('p-allowed', rcv.url('/x')));
      const r = await e.client.workflow.getHandle(callbackWorkflowId('p-allowed', 'cdr')).result();
      expect(r.status).toBe('delivered');
      expect(rcv.requests.map((x) => x.key)).toEqual(['p-allowed:cdr']);
      // Starting it again is a no-op (same workflow id): nothing is sent twice.
      await startDelivery({ ...deps, config: e.config }, input('p-allowed', rcv.url('/x')));
      await new Promise((res) => setTimeout(res, 500));
      expect(rcv.requests).toHaveLength(1);
    });
  });

  it('a tenant made before callbacks gets one secret on first use, the same for concurrent callers', async () => {
    const _id = 'legacy-tenant';
    await tenantsOf(e.mongo.db).insertOne({ _id, domain_uuid: _id, name: 'legacy', time_zone: 'Asia/Ho_Chi_Minh', created_at: new Date() });
    const [a, b] = await Promise.all([tenantCallbackSecret(e.mongo.db, _id), tenantCallbackSecret(e.mongo.db, _id)]);
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(b).toBe(a);
    expect((await tenantsOf(e.mongo.db).findOne({ _id }))!.callback_secret).toBe(a);
  });
});
