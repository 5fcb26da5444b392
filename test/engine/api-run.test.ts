// POST /v1/campaign/{uuid}/run/start|pause|stop and POST /v3/autocall/import on the real engine.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../api/app.ts';
import { mountRoutes } from '../../api/routes.ts';
import { campaignsOf } from '../../storage/campaigns.ts';
import { createTenant } from '../../storage/tenants.ts';
import { campaignRunWorkflowId } from '../../workflows/contract.ts';
import { callsOfCampaign, leadsOfCampaign, originatesOf, startEngine, waitFor, type Engine } from './harness.ts';

const RULES = { default: { action: 'answer' as const, ringMs: 20, talkMs: 250 } };

describe('run and import endpoints', () => {
  let e: Engine;
  let app: App;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}, token?: string) => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${token ?? e.token}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  beforeAll(async () => {
    e = await startEngine(RULES);
    app = createApp({ config: e.config, db: e.mongo.db, temporal: e.client, logger: pino({ level: 'silent' }) }, mountRoutes);
  });
  afterAll(async () => {
    await e?.close();
  });

  it('import: documented (root) errors, 404 for an unknown campaign, idempotency key', async () => {
    const campaign = await e.campaign({ concurrent_call: 1 });
    expect(await call('POST', '/v3/autocall/import', { phone_number: '0981000001', param: {} })).toEqual({
      status: 400,
      body: { error: [{ '(root)': 'campaign_uuid is required' }] },
    });
    expect((await call('POST', '/v3/autocall/import', { campaign_uuid: campaign, param: {} })).body).toEqual({
      error: [{ '(root)': 'phone_number is required' }],
    });
    expect((await call('POST', '/v3/autocall/import', { campaign_uuid: campaign, phone_number: '0981000001' })).body).toEqual({
      error: [{ '(root)': 'param is required' }],
    });
    expect(
      await call('POST', '/v3/autocall/import', {
        campaign_uuid: '00000000-0000-0000-0000-000000000000',
        phone_number: '0981000001',
        param: {},
      }),
    ).toEqual({
      status: 404,
      body: { error: 'Not Found' },
    });
    const body = { campaign_uuid: campaign, phone_number: '0981000001', param: { ten: 'A' } };
    const a = await call('POST', '/v3/autocall/import', body, { 'idempotency-key': 'k1' });
    const b = await call('POST', '/v3/autocall/import', body, { 'idempotency-key': 'k1' });
    expect(a.status).toBe(200);
    expect(a.body.message).toBe('success');
    expect(b.body).toEqual(a.body);
    const other = await createTenant(e.mongo.db, { name: 'other' });
    expect((await call('POST', `/v1/campaign/${campaign}/run/start`, {}, {}, other.token)).status).toBe(404);
    expect((await call('POST', '/v3/autocall/import', body, {}, other.token)).status).toBe(404);
  });

  it('start, pause, resume: imported leads dialed with their call_id; nothing dialed while paused', async () => {
    const campaign = await e.campaign({ concurrent_call: 2 });
    const imported = [];
    for (let i = 0; i < 8; i++) {
      const r = await call('POST', '/v3/autocall/import', {
        campaign_uuid: campaign,
        phone_number: `09820000${String(i).padStart(2, '0')}`,
        param: {},
      });
      expect(r.status).toBe(200);
      imported.push(r.body as { call_id: string; lead_uuid: string });
    }
    const bad = await call('POST', '/v3/autocall/import', { campaign_uuid: campaign, phone_number: 'abc', param: {} });
    expect(bad.status).toBe(200);

    expect(await call('POST', `/v1/campaign/${campaign}/run/start`, {})).toEqual({ status: 200, body: { campaign_uuid: campaign } });
    const doc = await campaignsOf(e.mongo.db).findOne({ _id: campaign });
    expect(doc?.status).toBe('start');
    expect(doc?.run_id).toMatch(/^[0-9a-f-]{36}$/);

    await waitFor(() => originatesOf(e, campaign).length >= 2, 60_000, 'first calls');
    expect(await call('POST', `/v1/campaign/${campaign}/run/pause`, {})).toEqual({ status: 200, body: { campaign_uuid: campaign } });
    expect((await campaignsOf(e.mongo.db).findOne({ _id: campaign }))?.status).toBe('pause');
    const paused = await waitFor(async () => {
      const p = await e.progress(campaign);
      return p.status === 'pause' && p.dialing === 0 ? p : undefined;
    });
    const dialedAtPause = originatesOf(e, campaign).length;
    expect(dialedAtPause).toBeLessThan(8);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(originatesOf(e, campaign).length).toBe(dialedAtPause);
    expect(paused.calls).toBe(dialedAtPause);

    expect((await call('POST', `/v1/campaign/${campaign}/run/start`, {})).status).toBe(200);
    await waitFor(
      async () => (await leadsOfCampaign(e, campaign)).every((l) => l.status === 'done' || l.status === 'invalid'),
      60_000,
      'all leads done',
    );
    const log = originatesOf(e, campaign);
    expect(log.length).toBe(8);
    expect(e.sim.callLog.peakConcurrency((x) => x.variables.campaign_uuid === campaign)).toBeLessThanOrEqual(2);
    // call_id = origination uuid of the first attempt.
    const dialedIds = new Set(log.map((x) => x.variables.cr_call_id));
    for (const i of imported) expect(dialedIds.has(i.call_id)).toBe(true);
    const calls = await callsOfCampaign(e, campaign);
    const invalid = calls.find((c) => c.call_id === bad.body.call_id);
    expect(invalid).toMatchObject({ dialed: false, disposition: 'invalid-number' });
  });

  it('stop: no new calls, claimed leads back to new, the run ends', async () => {
    const campaign = await e.campaign({ concurrent_call: 1 });
    for (let i = 0; i < 6; i++) {
      await call('POST', '/v3/autocall/import', {
        campaign_uuid: campaign,
        phone_number: `09830000${String(i).padStart(2, '0')}`,
        param: {},
      });
    }
    expect((await call('POST', `/v1/campaign/${campaign}/run/start`, {})).status).toBe(200);
    await waitFor(() => originatesOf(e, campaign).length >= 1, 60_000, 'first call');
    expect(await call('POST', `/v1/campaign/${campaign}/run/stop`, {})).toEqual({ status: 200, body: { campaign_uuid: campaign } });
    const handle = e.client.workflow.getHandle(campaignRunWorkflowId(campaign));
    const result = await handle.result();
    expect(result.status).toBe('stop');
    expect(result.dialing).toBe(0);
    const dialed = originatesOf(e, campaign).length;
    expect(dialed).toBeLessThan(6);
    const leads = await leadsOfCampaign(e, campaign);
    expect(leads.filter((l) => l.status === 'new').length).toBe(6 - dialed);
    expect(leads.filter((l) => l.status === 'done').length).toBe(dialed);
    expect((await campaignsOf(e.mongo.db).findOne({ _id: campaign }))?.status).toBe('stop');
  });
});
