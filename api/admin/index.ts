// The operator API (mounted at /admin): tenant administration, so nothing is done by hand in the
// database — create a tenant, issue or rotate its token, its time zone, its callback secret
// (rotated with an overlap), prepaid credit (insert-only top-ups), plan expiry and postage, and its
// campaigns' voice-bot ids. Guarded by ADMIN_TOKEN alone (`Authorization: Bearer <ADMIN_TOKEN>`,
// compared in constant time): a tenant token never works here, and the admin token is no tenant's
// (it is not in api_tokens), so it never works on the tenant routes. Without ADMIN_TOKEN every
// /admin path is 404. The ops CLI's `admin` commands use it (cli/ctl.ts).
import { createHash, timingSafeEqual } from 'node:crypto';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { listCampaigns } from '../../storage/campaigns.ts';
import { billingSummary, BillingError, listCredits, NETWORKS, setBilling, topUp, type BillingSummary } from '../../storage/billing.ts';
import {
  createTenant,
  findTenant,
  listTenants,
  rotateCallbackSecret,
  rotateToken,
  setTenantTimeZone,
  TenantError,
  tokenCount,
  type TenantDoc,
} from '../../storage/tenants.ts';
import { ensureCampaignId } from '../../storage/voicebot.ts';
import { limitBody } from '../body-limit.ts';
import { ApiError, notFound, onApiError, sendError } from '../errors.ts';
import type { App, AppDeps, AppEnv } from '../types.ts';
import { gojsonHook, jsonBody } from '../validation.ts';
import { ErrorBody } from '../v3/schemas.ts';

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const err = (description: string) => json(ErrorBody, description);
const tags = ['admin'];
const security = [{ admin: [] }];
const common = {
  401: err('missing or invalid admin token'),
  404: err('{"error":"Not Found"} (no such tenant; every path when ADMIN_TOKEN is not set)'),
};

const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** `Bearer <ADMIN_TOKEN>`, compared in constant time (of equal-length digests). */
export function requireAdmin(adminToken: string | undefined): MiddlewareHandler<AppEnv> {
  const want = adminToken ? sha(adminToken) : null;
  return async (c, next) => {
    if (!want) return sendError(c, 404, 'Not Found');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
    if (!m || !timingSafeEqual(sha(m[1]!), want)) {
      c.header('WWW-Authenticate', 'Bearer realm="admin"');
      return sendError(c, 401, m ? 'invalid admin token' : 'missing Authorization: Bearer <ADMIN_TOKEN> header');
    }
    await next();
  };
}

const Billing = z
  .object({
    prepaid: z.boolean(),
    opening_balance: z.number(),
    topped_up: z.number(),
    charged: z.number(),
    remaining: z.number().nullable(),
    plan_expires_at: z
      .string()
      .nullable()
      .optional()
      .openapi({ description: 'absent: no plan check; null: no plan (calls refused, voice-bot 105)' }),
    postage: z.record(z.string(), z.number()),
  })
  .openapi('AdminBilling');

const Tenant = z
  .object({
    domain_uuid: z.string(),
    name: z.string(),
    time_zone: z.string(),
    created_at: z.string(),
    tokens: z.number().int(),
    callback_secret_rotation: z
      .object({ active_from: z.string() })
      .nullable()
      .openapi({ description: 'a rotated callback secret and when it starts signing' }),
    billing: Billing,
  })
  .openapi('AdminTenant');

const TenantParam = z.object({
  tenant: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'tenant', in: 'path' }, description: 'domain_uuid or name', example: 'development' }),
});
const CreateBody = z
  .object({ name: z.string().min(1).max(200), time_zone: z.string().optional() })
  .openapi('AdminCreateTenant', { example: { name: 'acme', time_zone: 'Asia/Ho_Chi_Minh' } });
const PatchBody = z
  .object({
    time_zone: z.string().optional(),
    plan_expires_at: z
      .union([z.string().datetime({ offset: true }), z.null(), z.literal('none')])
      .optional()
      .openapi({ description: 'an RFC 3339 time; null = no plan (refused); "none" = no plan check' }),
    postage: z
      .partialRecord(z.enum(NETWORKS as unknown as [string, ...string[]]), z.number().min(0))
      .optional()
      .openapi({ description: 'price per minute of an answered call, by network (merged)' }),
  })
  .openapi('AdminPatchTenant', {
    example: { time_zone: 'Asia/Ho_Chi_Minh', plan_expires_at: '2026-12-31T23:59:59+07:00', postage: { viettel: 600, vina: 650 } },
  });
const TokenBody = z.object({ revoke_others: z.boolean().optional() }).openapi('AdminRotateToken');
const SecretBody = z
  .object({
    overlap_seconds: z
      .number()
      .int()
      .min(0)
      .max(30 * 86_400)
      .optional(),
  })
  .openapi('AdminRotateCallbackSecret', { example: { overlap_seconds: 86_400 } });
const CreditBody = z
  .object({ amount: z.number().positive(), note: z.string().max(500).optional() })
  .openapi('AdminTopUp', { example: { amount: 500000, note: 'bank transfer 2026-01-05' } });
const Credit = z.object({ id: z.string(), amount: z.number(), note: z.string(), created_at: z.string() }).openapi('AdminCredit');

const r = {
  list: createRoute({
    method: 'get',
    path: '/tenants',
    tags,
    security,
    summary: 'Every tenant, with its billing',
    responses: { 200: json(z.object({ data: z.array(Tenant) }), 'by name'), ...common },
  }),
  create: createRoute({
    method: 'post',
    path: '/tenants',
    tags,
    security,
    summary: 'Create a tenant: its token and callback secret are shown once, here',
    request: { body: { required: true, content: { 'application/json': { schema: CreateBody } } } },
    responses: {
      200: json(z.object({ tenant: Tenant, token: z.string(), callback_secret: z.string() }), 'created'),
      400: err('bad name or time zone'),
      409: err('a tenant with this name exists'),
      ...common,
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/tenants/{tenant}',
    tags,
    security,
    summary: 'One tenant',
    request: { params: TenantParam },
    responses: { 200: json(Tenant, 'the tenant'), ...common },
  }),
  patch: createRoute({
    method: 'patch',
    path: '/tenants/{tenant}',
    tags,
    security,
    summary: 'Time zone, plan expiry, postage',
    request: { params: TenantParam, body: { required: true, content: { 'application/json': { schema: PatchBody } } } },
    responses: { 200: json(Tenant, 'the tenant now'), 400: err('bad value'), ...common },
  }),
  token: createRoute({
    method: 'post',
    path: '/tenants/{tenant}/tokens',
    tags,
    security,
    summary: 'Issue a new API token (shown once); revoke_others ends every other token of the tenant (within the 10 s token cache)',
    request: { params: TenantParam, body: { required: false, content: { 'application/json': { schema: TokenBody } } } },
    responses: { 200: json(z.object({ token: z.string() }), 'issued'), ...common },
  }),
  secret: createRoute({
    method: 'post',
    path: '/tenants/{tenant}/callback-secret',
    tags,
    security,
    summary:
      'Rotate the callback secret: the new one (shown once) signs from active_from on; the current one until then (overlap_seconds, default 86400)',
    request: { params: TenantParam, body: { required: false, content: { 'application/json': { schema: SecretBody } } } },
    responses: { 200: json(z.object({ callback_secret: z.string(), active_from: z.string() }), 'rotated'), ...common },
  }),
  topUp: createRoute({
    method: 'post',
    path: '/tenants/{tenant}/credits',
    tags,
    security,
    summary:
      'Top up prepaid credit: an insert-only ledger entry (Idempotency-Key: a retry adds nothing twice); a tenant not prepaid becomes prepaid',
    request: {
      params: TenantParam,
      headers: z.object({ 'idempotency-key': z.string().max(200).optional() }),
      body: { required: true, content: { 'application/json': { schema: CreditBody } } },
    },
    responses: {
      200: json(z.object({ credit: Credit, created: z.boolean(), billing: Billing }), 'added (created: false for a retried key)'),
      400: err('bad amount'),
      ...common,
    },
  }),
  credits: createRoute({
    method: 'get',
    path: '/tenants/{tenant}/credits',
    tags,
    security,
    summary: 'The top-up ledger, newest first',
    request: { params: TenantParam },
    responses: { 200: json(z.object({ data: z.array(Credit) }), 'ledger'), ...common },
  }),
  campaigns: createRoute({
    method: 'get',
    path: '/tenants/{tenant}/campaigns',
    tags,
    security,
    summary: "The tenant's campaigns with their voice-bot integer ids (campaignId)",
    request: { params: TenantParam },
    responses: {
      200: json(
        z.object({
          data: z.array(
            z.object({
              campaign_uuid: z.string(),
              campaign_name: z.string(),
              campaign_id: z.number().int(),
              type: z.string(),
              status: z.string(),
            }),
          ),
        }),
        'newest first',
      ),
      ...common,
    },
  }),
};

const billingView = (b: BillingSummary) => ({
  ...b,
  ...(b.plan_expires_at === undefined ? {} : { plan_expires_at: b.plan_expires_at ? b.plan_expires_at.toISOString() : null }),
  postage: b.postage as Record<string, number>,
});

async function view(deps: AppDeps, t: TenantDoc) {
  const [tokens, billing] = await Promise.all([tokenCount(deps.db, t.domain_uuid), billingSummary(deps.db, t.domain_uuid)]);
  const next = t.callback_secret_next_at ? new Date(t.callback_secret_next_at) : null;
  return {
    domain_uuid: t.domain_uuid,
    name: t.name,
    time_zone: t.time_zone,
    created_at: new Date(t.created_at).toISOString(),
    tokens,
    callback_secret_rotation: t.callback_secret_next && next && next.getTime() > Date.now() ? { active_from: next.toISOString() } : null,
    billing: billingView(billing),
  };
}

export function adminApp(deps: AppDeps): App {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: gojsonHook });
  app.openAPIRegistry.registerComponent('securitySchemes', 'admin', {
    type: 'http',
    scheme: 'bearer',
    description: 'ADMIN_TOKEN (the operator API only)',
  });
  app.use('*', limitBody(deps.config.API_BODY_LIMIT_BYTES, sendError));
  app.use('*', requireAdmin(deps.config.ADMIN_TOKEN));
  app.use('*', jsonBody);

  const tenantOr404 = async (ref: string) => {
    const t = await findTenant(deps.db, ref);
    if (!t) throw new ApiError(404, { error: 'Not Found' });
    return t;
  };
  const bad = (e: unknown) => {
    if (e instanceof TenantError || e instanceof BillingError)
      throw new ApiError(/already exists/.test(e.message) ? 409 : 400, { error: e.message });
    throw e;
  };

  app.openapi(r.list, async (c) => {
    const all = await listTenants(deps.db);
    return c.json({ data: await Promise.all(all.map((t) => view(deps, t))) }, 200);
  });
  app.openapi(r.create, async (c) => {
    const b = c.req.valid('json');
    const made = await createTenant(deps.db, { name: b.name, ...(b.time_zone ? { time_zone: b.time_zone } : {}) }).catch(bad);
    return c.json(
      {
        tenant: await view(deps, (await findTenant(deps.db, made.tenant.domain_uuid))!),
        token: made.token,
        callback_secret: made.callback_secret,
      },
      200,
    );
  });
  app.openapi(r.get, async (c) => c.json(await view(deps, await tenantOr404(c.req.valid('param').tenant)), 200));
  app.openapi(r.patch, async (c) => {
    const t = await tenantOr404(c.req.valid('param').tenant);
    const b = c.req.valid('json');
    try {
      if (b.time_zone !== undefined) await setTenantTimeZone(deps.db, t.domain_uuid, b.time_zone);
      const plan =
        b.plan_expires_at === undefined
          ? undefined
          : b.plan_expires_at === null || b.plan_expires_at === 'none'
            ? b.plan_expires_at
            : new Date(b.plan_expires_at);
      await setBilling(deps.db, t.domain_uuid, {
        ...(plan !== undefined ? { plan_expires_at: plan } : {}),
        ...(b.postage ? { postage: b.postage } : {}),
      });
    } catch (e) {
      bad(e);
    }
    return c.json(await view(deps, (await findTenant(deps.db, t.domain_uuid))!), 200);
  });
  app.openapi(r.token, async (c) => {
    const t = await tenantOr404(c.req.valid('param').tenant);
    const b = (c.req.header('content-type') ? c.req.valid('json') : undefined) ?? {};
    const { token } = await rotateToken(deps.db, t.name, Boolean(b.revoke_others));
    return c.json({ token }, 200);
  });
  app.openapi(r.secret, async (c) => {
    const t = await tenantOr404(c.req.valid('param').tenant);
    const b = (c.req.header('content-type') ? c.req.valid('json') : undefined) ?? {};
    const s = await rotateCallbackSecret(deps.db, t.domain_uuid, (b.overlap_seconds ?? 86_400) * 1000);
    return c.json({ callback_secret: s.callback_secret, active_from: s.active_from.toISOString() }, 200);
  });
  app.openapi(r.topUp, async (c) => {
    const t = await tenantOr404(c.req.valid('param').tenant);
    const b = c.req.valid('json');
    const key = c.req.header('idempotency-key');
    const { credit, created } = await topUp(deps.db, t.domain_uuid, b.amount, b.note ?? '', key).catch(bad);
    return c.json(
      {
        credit: { id: credit._id, amount: credit.amount, note: credit.note, created_at: credit.created_at.toISOString() },
        created,
        billing: billingView(await billingSummary(deps.db, t.domain_uuid)),
      },
      200,
    );
  });
  app.openapi(r.credits, async (c) => {
    const t = await tenantOr404(c.req.valid('param').tenant);
    const data = (await listCredits(deps.db, t.domain_uuid)).map((x) => ({
      id: x._id,
      amount: x.amount,
      note: x.note,
      created_at: x.created_at.toISOString(),
    }));
    return c.json({ data }, 200);
  });
  app.openapi(r.campaigns, async (c) => {
    const t = await tenantOr404(c.req.valid('param').tenant);
    const { docs } = await listCampaigns(deps.db, t.domain_uuid, { limit: 10_000, offset: 0 });
    const data = [];
    for (const d of docs)
      data.push({
        campaign_uuid: d.campaign_uuid,
        campaign_name: d.campaign_name,
        campaign_id: await ensureCampaignId(deps.db, d),
        type: d.type,
        status: d.status ?? '',
      });
    return c.json({ data }, 200);
  });

  app.all('*', notFound);
  app.onError(onApiError(deps.logger));
  return app;
}
