// The operator API (/admin) in-process on the real store: off without ADMIN_TOKEN, the admin
// token and tenant tokens never cross, a callback secret rotation switches at its time (and the
// deliveries' signing follows), a top-up lifts a prepaid tenant's BALANCE_TOO_LOW, and the new
// surfaces are in /openapi.json while the documented ones keep their paths.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { mountRoutes } from '../../api/routes.ts';
import { createLogger } from '../../config/log.ts';
import { BALANCE_TOO_LOW, billingOf, billingRefusal, BILLING_TTL_MS } from '../../storage/billing.ts';
import { ensureIndexes } from '../../storage/indexes.ts';
import { connectMongo, type Mongo } from '../../storage/mongo.ts';
import { createTenant, tenantCallbackSecret, tenantsOf, type Tenant } from '../../storage/tenants.ts';
import { testConfig } from '../helpers/env.ts';

const ADMIN = `cradm_${randomBytes(32).toString('base64url')}`;
let mongo: Mongo;
let app: ReturnType<typeof createApp>;
let off: ReturnType<typeof createApp>;
let tenant: Tenant;
let token: string;

const call = async (a: typeof app, path: string, init: { method?: string; body?: unknown; bearer?: string } = {}) => {
  const res = await a.request(path, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.bearer ? { authorization: `Bearer ${init.bearer}` } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as ReturnType<typeof JSON.parse> };
};

beforeAll(async () => {
  const config = testConfig({ ADMIN_TOKEN: ADMIN });
  mongo = await connectMongo(config);
  await ensureIndexes(mongo.db);
  ({ tenant, token } = await createTenant(mongo.db, { name: 'prepaid' }));
  const logger = createLogger('admin-test', 'silent');
  app = createApp({ config, db: mongo.db, logger }, mountRoutes);
  off = createApp({ config: { ...config, ADMIN_TOKEN: undefined }, db: mongo.db, logger }, mountRoutes);
});

afterAll(async () => {
  await mongo?.db.dropDatabase().catch(() => {});
  await mongo?.close();
});

describe('the operator API', () => {
  it('is off (404) without ADMIN_TOKEN', async () => {
    expect((await call(off, '/admin/tenants', { bearer: ADMIN })).status).toBe(404);
  });

  it('takes only the admin token, and the admin token works on no tenant route', async () => {
    expect(await call(app, '/admin/tenants')).toMatchObject({
      status: 401,
      body: { error: 'missing Authorization: Bearer <ADMIN_TOKEN> header' },
    });
    expect(await call(app, '/admin/tenants', { bearer: token })).toMatchObject({ status: 401, body: { error: 'invalid admin token' } });
    expect((await call(app, '/admin/tenants', { bearer: ADMIN })).status).toBe(200);
    for (const path of [
      '/v3/campaign',
      '/console/api/campaigns',
      '/v1/autocall/report?campaign_uuid=x&start_date=2020-01-01%2000:00:00&end_date=2020-01-02%2000:00:00',
    ]) {
      expect((await call(app, path, { bearer: ADMIN })).status, path).toBe(401);
    }
  });

  it('rotates the callback secret with an overlap: the current one signs until then, the new one after', async () => {
    const before = await tenantCallbackSecret(mongo.db, tenant.domain_uuid);
    const r = await call(app, `/admin/tenants/${tenant.domain_uuid}/callback-secret`, {
      method: 'POST',
      bearer: ADMIN,
      body: { overlap_seconds: 3600 },
    });
    expect(r.status).toBe(200);
    const from = Date.parse(r.body.active_from);
    expect(r.body.callback_secret).toMatch(/^whsec_/);
    expect(await tenantCallbackSecret(mongo.db, tenant.domain_uuid, Date.now())).toBe(before);
    expect(await tenantCallbackSecret(mongo.db, tenant.domain_uuid, from + 1)).toBe(r.body.callback_secret);
    expect((await call(app, `/admin/tenants/${tenant.name}`, { bearer: ADMIN })).body.callback_secret_rotation).toEqual({
      active_from: r.body.active_from,
    });
    // No overlap: the next rotation signs at once (and the secret it replaces is the pending one's predecessor).
    const now = await call(app, `/admin/tenants/${tenant.name}/callback-secret`, {
      method: 'POST',
      bearer: ADMIN,
      body: { overlap_seconds: 0 },
    });
    expect(await tenantCallbackSecret(mongo.db, tenant.domain_uuid, Date.now() + 1)).toBe(now.body.callback_secret);
    const stored = await tenantsOf(mongo.db).findOne({ _id: tenant.domain_uuid });
    expect(stored?.callback_secret).toBe(before);
  });

  it('tops up a prepaid tenant with insert-only entries: a tenant out of money may dial again', async () => {
    await billingOf(mongo.db).updateOne({ _id: tenant.domain_uuid }, { $set: { balance: 0 } });
    await new Promise((r) => setTimeout(r, BILLING_TTL_MS + 50));
    expect(await billingRefusal(mongo.db, tenant.domain_uuid)).toBe(BALANCE_TOO_LOW);
    const r = await call(app, `/admin/tenants/${tenant.name}/credits`, {
      method: 'POST',
      bearer: ADMIN,
      body: { amount: 50000, note: 'nạp tiền' },
    });
    expect(r).toMatchObject({
      status: 200,
      body: { created: true, billing: { prepaid: true, opening_balance: 0, topped_up: 50000, remaining: 50000 } },
    });
    await new Promise((r) => setTimeout(r, BILLING_TTL_MS + 50));
    expect(await billingRefusal(mongo.db, tenant.domain_uuid)).toBeNull();
    expect((await call(app, `/admin/tenants/${tenant.name}/credits`, { method: 'POST', bearer: ADMIN, body: { amount: -5 } })).status).toBe(
      400,
    );
    expect((await call(app, `/admin/tenants/${tenant.name}/credits`, { bearer: ADMIN })).body.data).toHaveLength(1);
  });

  it('sets the time zone, plan expiry and postage, and refuses bad values', async () => {
    const r = await call(app, `/admin/tenants/${tenant.name}`, {
      method: 'PATCH',
      bearer: ADMIN,
      body: { time_zone: 'Asia/Bangkok', plan_expires_at: null, postage: { mobi: 700 } },
    });
    expect(r).toMatchObject({
      status: 200,
      body: { time_zone: 'Asia/Bangkok', billing: { plan_expires_at: null, postage: { mobi: 700 } } },
    });
    expect(
      (await call(app, `/admin/tenants/${tenant.name}`, { method: 'PATCH', bearer: ADMIN, body: { time_zone: 'Mars/Base' } })).status,
    ).toBe(400);
    expect(
      (await call(app, `/admin/tenants/${tenant.name}`, { method: 'PATCH', bearer: ADMIN, body: { plan_expires_at: 'none' } })).body
        .billing,
    ).not.toHaveProperty('plan_expires_at');
    expect((await call(app, '/admin/tenants/nobody', { bearer: ADMIN })).status).toBe(404);
  });

  it('is in /openapi.json with the console, and the documented paths are still there', async () => {
    const doc = (await call(app, '/openapi.json')).body;
    const paths = Object.keys(doc.paths);
    for (const p of [
      '/admin/tenants',
      '/admin/tenants/{tenant}/credits',
      '/console/api/campaigns',
      '/console/api/campaigns/{uuid}',
      '/v3/campaign',
      '/v1/autocall/report',
      '/v3/autocall/import',
      '/api/campaign/create',
    ]) {
      expect(paths, p).toContain(p);
    }
    expect(doc.paths['/admin/tenants'].get.security).toEqual([{ admin: [] }]);
    expect(doc.components.securitySchemes.admin).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});
