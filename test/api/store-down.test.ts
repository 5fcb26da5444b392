// The store down (its process SIGKILLed): every API generation answers 503 in its own shape with
// Retry-After, never 500; once the store is back, the import sent again with the same
// Idempotency-Key stores its one lead. A store of the test's own (the shared one stays up).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../api/app.ts';
import { mountRoutes } from '../../api/routes.ts';
import { parseConfig } from '../../config/index.ts';
import { defaultSettings } from '../../domain/campaign.ts';
import { freePort, type Proc } from '../../scripts/lib/procs.ts';
import { startMongoStore } from '../../scripts/lib/stack.ts';
import { createCampaign } from '../../storage/campaigns.ts';
import { ensureIndexes } from '../../storage/indexes.ts';
import { leadsOf } from '../../storage/leads.ts';
import { connectMongo, type Mongo } from '../../storage/mongo.ts';
import { createTenant } from '../../storage/tenants.ts';
import { testConfig } from '../helpers/env.ts';

describe('the store down', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cr-store-down-'));
  let port: number;
  let store: Proc;
  let mongo: Mongo;
  let app: App;
  let token: string;
  let campaign: string;
  const start = async () =>
    (store = (
      await startMongoStore({
        port,
        dataDir: join(dir, 'data'),
        cacheDir: parseConfig(process.env).TOOLS_CACHE_DIR,
        logDir: join(dir, 'logs'),
        log: () => {},
      })
    ).proc);
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as unknown };
  };

  beforeAll(async () => {
    port = await freePort();
    await start();
    const config = testConfig({ MONGODB_URI: `mongodb://127.0.0.1:${port}/` });
    mongo = await connectMongo(config);
    await ensureIndexes(mongo.db);
    ({ token } = await createTenant(mongo.db, { name: 'store-down' }).then((r) => ({ token: r.token, tenant: r.tenant })));
    const tenant = (await mongo.db.collection('tenants').findOne({}))!;
    campaign = (
      await createCampaign(mongo.db, tenant._id as unknown as string, {
        ...defaultSettings('autocall'),
        campaign_name: 'sd',
        type: 'autocall',
        template_name: '',
        carrier_name: '',
      })
    ).campaign_uuid;
    app = createApp({ config, db: mongo.db, logger: pino({ level: 'silent' }) }, mountRoutes);
  }, 180_000);
  afterAll(async () => {
    await mongo?.close();
    await store?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After in each shape, and a retried keyed import stores one lead', async () => {
    const importBody = { campaign_uuid: campaign, phone_number: '0981234567', param: {} };
    expect((await call('GET', `/v3/campaign/${campaign}`)).status).toBe(200);

    await store.crash();
    // Reads may be served from the short-lived campaign cache for a moment; then the store is asked.
    let read = await call('GET', `/v3/campaign/${campaign}`);
    for (let i = 0; i < 50 && read.status === 200; i++) {
      await new Promise((r) => setTimeout(r, 200));
      read = await call('GET', `/v3/campaign/${campaign}`);
    }
    expect(read).toEqual({ status: 503, retryAfter: '5', body: { error: 'the store is not available; retry later' } });
    const imported = await call('POST', '/v3/autocall/import', importBody, { 'idempotency-key': 'k-1' });
    expect(imported).toEqual({ status: 503, retryAfter: '5', body: { error: 'the store is not available; retry later' } });
    const v2 = await call('POST', '/v2/autocall/queue/stop', { queue_code: 'Q' });
    expect(v2).toEqual({ status: 503, retryAfter: '5', body: { code: 503, content: 'the store is not available; retry later' } });
    const report = await call(
      'GET',
      `/v1/autocall/report?campaign_uuid=${campaign}&start_date=2026-01-01%2000:00:00&end_date=2026-12-31%2000:00:00`,
    );
    expect(report.status).toBe(503);
    expect(report.retryAfter).toBe('5');

    await start();
    const again = await call('POST', '/v3/autocall/import', importBody, { 'idempotency-key': 'k-1' });
    expect(again.status).toBe(200);
    const twice = await call('POST', '/v3/autocall/import', importBody, { 'idempotency-key': 'k-1' });
    expect(twice.body).toEqual(again.body);
    expect(await leadsOf(mongo.db).countDocuments({ campaign_uuid: campaign })).toBe(1);
  }, 120_000);
});
