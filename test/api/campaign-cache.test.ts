// The campaign read cache across processes: two API instances (two connections, two caches) see
// each other's writes once VERSION_FRESH_MS has passed, and their own writes at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createApp } from '../../api/app.ts';
import { mountRoutes } from '../../api/routes.ts';
import { campaignsOf } from '../../storage/campaigns.ts';
import { bumpVersion, VERSION_FRESH_MS } from '../../storage/campaign-cache.ts';
import { connectMongo, type Mongo } from '../../storage/mongo.ts';
import { startApi, type Harness } from './harness.ts';

let h: Harness;
let second: Mongo;
beforeAll(async () => {
  h = await startApi();
  second = await connectMongo(h.config);
});
afterAll(async () => {
  await second?.close();
  await h?.close();
});

describe('campaign cache across processes', () => {
  it("instance B sees A's create, update, activation and delete at once", async () => {
    const b = createApp({ config: h.config, db: second.db, logger: pino({ level: 'silent' }) }, mountRoutes);
    const settle = () => new Promise((r) => setTimeout(r, VERSION_FRESH_MS + 20));
    const viaB = async (method: string, path: string, body?: unknown) => {
      if (method === 'GET') await settle();
      const res = await b.request(path, {
        method,
        headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    expect((await viaB('GET', '/v3/campaign')).body.total).toBe(0); // B caches the empty list
    const c = await h.call('POST', '/v3/campaign', { campaign_name: 'shared', type: 'autocall' });
    const id = c.body.campaign_uuid;
    expect((await viaB('GET', '/v3/campaign')).body.total).toBe(1);
    await h.call('PATCH', `/v3/campaign/${id}/active`, { active: true });
    expect((await viaB('GET', `/v3/campaign/${id}`)).body.active).toBe(true);
    // B writes, A reads
    await viaB('PATCH', `/v3/campaign/${id}/active`, { active: false });
    await settle();
    expect((await h.call('GET', `/v3/campaign/${id}`)).body.active).toBe(false);
    await h.call('DELETE', `/v3/campaign/${id}`);
    expect((await viaB('GET', `/v3/campaign/${id}`)).status).toBe(404);
  });

  it('a direct write followed by bumpVersion is seen', async () => {
    const c = await h.call('POST', '/v3/campaign', { campaign_name: 'direct', type: 'autocall' });
    await h.call('GET', `/v3/campaign/${c.body.campaign_uuid}`);
    await campaignsOf(second.db).updateOne({ _id: c.body.campaign_uuid }, { $set: { status: 'start', run_id: 'run-1' } });
    await bumpVersion(second.db, h.tenant.domain_uuid);
    await new Promise((r) => setTimeout(r, VERSION_FRESH_MS + 20));
    expect((await h.call('GET', `/v3/campaign/${c.body.campaign_uuid}`)).body).toMatchObject({ status: 'start', run_id: 'run-1' });
  });
});
