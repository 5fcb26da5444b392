// Calling within the rules (docs/compliance.md): the tenant's policy and each campaign's override,
// the tenant's do-not-call list, its holidays and restricted periods. Tenant-scoped like every v3
// route; bad input is a 400 in the documented shapes and nothing is stored half (each PUT is one
// document written whole; the DNC import stores its good rows and names the bad ones).
//   GET|PUT /v3/policy                       the tenant's policy
//   GET|PUT /v3/campaign/{uuid}/policy       a campaign's override (may only tighten)
//   POST|GET /v3/dnc, DELETE /v3/dnc/{number}
//   GET|PUT /v3/holidays
import { createRoute, z, type RouteConfig } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import { formatTimestamp } from '../../domain/campaign.ts';
import { effectivePolicy, holidayErrors, loosenedFields, MAX_LIMIT, policyErrors, type Policy } from '../../domain/compliance.ts';
import { parsePhone } from '../../domain/phone.ts';
import { vnPublicHolidays } from '../../domain/vn-holidays.ts';
import { notifyRun } from '../../control/run.ts';
import { campaignsOf, getCampaign } from '../../storage/campaigns.ts';
import { getHolidays, putHolidays } from '../../storage/holidays.ts';
import { getCampaignPolicy, getTenantPolicy, putCampaignPolicy, putTenantPolicy } from '../../storage/policy.ts';
import { deleteDnc, dncEntry, importDnc, listDnc, type DncRow, type TenantDncEntry } from '../../storage/tenant-dnc.ts';
import { ApiError } from '../errors.ts';
import type { App } from '../types.ts';
import { zInt } from '../validation.ts';
import { notFound } from './campaigns.ts';
import { ErrorBody, PageQuery, UuidParam } from './schemas.ts';

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const err = (description: string) => json(ErrorBody, description);
const body = <T>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });
const tags = ['v3 compliance'];
const common = { 401: err('missing or invalid bearer token') } as const;

/** Rows one DNC import may carry, and its body limit (the v3 default, 1 MiB, is too small). */
export const DNC_MAX_ROWS = 100_000;
export const DNC_BODY_LIMIT_BYTES = 16 * 1_048_576;
/** The DNC import is the one v3 request with a larger body limit (api/v3/index.ts). */
export const isDncImport = (c: { req: { method: string; path: string } }): boolean =>
  c.req.method === 'POST' && /^\/v3\/dnc\/?$/.test(c.req.path);

// ---------------------------------------------------------------- schemas

const limitField = (what: string) =>
  zInt()
    .min(1)
    .max(MAX_LIMIT)
    .nullable()
    .optional()
    .openapi({ description: `${what}; 1–${MAX_LIMIT}, null or absent = no limit`, example: 1 });
const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);
const AllowedHours = z
  .strictObject({ start: HHMM.openapi({ example: '08:00' }), end: HHMM.openapi({ example: '17:00' }) })
  .nullable()
  .optional()
  .openapi('AllowedHours', {
    description: 'calls only from `start` (inclusive) to `end` (exclusive), local time of the tenant, every day; end after start',
  });

const PolicyBody = z
  .strictObject({
    max_calls_per_number_24h: limitField('at most this many calls to one number in any 24 hours (rolling), over every campaign'),
    max_calls_per_number_day: limitField("at most this many calls to one number per calendar day in the tenant's time zone"),
    allowed_hours: AllowedHours,
  })
  .openapi('Policy', {
    description: 'The whole policy (PUT replaces it; an absent field is null)',
    example: { max_calls_per_number_24h: 1, max_calls_per_number_day: null, allowed_hours: { start: '08:00', end: '17:00' } },
  });
const PolicyView = z
  .object({
    max_calls_per_number_24h: z.number().int().nullable(),
    max_calls_per_number_day: z.number().int().nullable(),
    allowed_hours: z.object({ start: z.string(), end: z.string() }).nullable(),
  })
  .openapi('PolicyView');
const CampaignPolicyView = PolicyView.extend({
  campaign_uuid: z.string(),
  override: z.boolean().openapi({ description: 'false: the campaign has no override (the fields are null)' }),
  effective: PolicyView.openapi({ description: "what the campaign's calls follow: the tighter of the tenant's and the override" }),
}).openapi('CampaignPolicyView');

const expiresAt = z.iso
  .datetime({ offset: true })
  .nullable()
  .optional()
  .openapi({ description: 'RFC 3339; not honoured after it; null or absent = for ever', example: '2027-01-01T00:00:00+07:00' });
const reason = z
  .string()
  .max(200)
  .optional()
  .openapi({ description: 'why (at most 200 characters); default ""', example: 'customer request' });
const DncImport = z
  .strictObject({
    numbers: z.array(z.string()).max(DNC_MAX_ROWS).optional().openapi({ description: 'numbers, with the shared reason and expiry' }),
    entries: z
      .array(z.strictObject({ number: z.string(), reason, expires_at: expiresAt }))
      .max(DNC_MAX_ROWS)
      .optional()
      .openapi({ description: 'numbers each with its own reason and expiry (absent: the shared ones)' }),
    reason,
    expires_at: expiresAt,
  })
  .openapi('DncImport', {
    description: `numbers and/or entries, at most ${DNC_MAX_ROWS} rows in all (body up to 16 MiB); neither: nothing to add`,
    example: { numbers: ['0912345678', '+84 98 259 6021'], reason: 'customer request', expires_at: null },
  });
const DncRowError = z.object({ row: z.number().int(), number: z.string(), error: z.string() });
const DncImportResult = z
  .object({
    added: z.number().int(),
    updated: z.number().int().openapi({ description: 'already listed, reason or expiry changed' }),
    unchanged: z.number().int().openapi({ description: 'already listed as given (a replay)' }),
    rejected: z.number().int(),
    errors: z.array(DncRowError).openapi({ description: 'one per rejected row: its index (numbers first, then entries), the number, why' }),
  })
  .openapi('DncImportResult');
const DncEntry = z
  .object({
    number: z.string().openapi({ description: 'E.164', example: '+84912345678' }),
    national: z.string().openapi({ example: '0912345678' }),
    reason: z.string(),
    expires_at: z.string().nullable(),
    active: z.boolean().openapi({ description: 'false once expired' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('DncEntry');
const DncList = z
  .object({ data: z.array(DncEntry), limit: z.number().int(), offset: z.number().int(), total: z.number().int() })
  .openapi('DncList');
const DncQuery = PageQuery.extend({
  number: z
    .string()
    .optional()
    .openapi({ description: 'look one number up (any form the dialer reads; one it cannot read: an empty page)', example: '0912345678' }),
});
const NumberParam = z.object({
  number: z
    .string()
    .openapi({ param: { name: 'number', in: 'path' }, description: 'any form the dialer reads; not listed: 404', example: '0912345678' }),
});

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$/;
const HolidayEntry = z.strictObject({
  name: z.string().max(200).optional().openapi({ example: 'Tết Nguyên Đán' }),
  start: z
    .string()
    .regex(LOCAL_DATE)
    .openapi({ description: 'YYYY-MM-DD (whole days) or YYYY-MM-DDTHH:MM[:SS] (local)', example: '2026-02-14' }),
  end: z.string().regex(LOCAL_DATE).openapi({ description: 'YYYY-MM-DD inclusive, or a date-time (exclusive)', example: '2026-02-22' }),
});
const HolidaysBody = z
  .strictObject({
    holidays: z.array(HolidayEntry).max(1000),
    vn_public_holidays: z.boolean().optional().openapi({ description: "also close on Vietnam's statutory public holidays; default false" }),
  })
  .openapi('Holidays', {
    description: 'The whole list (PUT replaces it); entries must not overlap',
    example: { holidays: [{ name: 'Tết (nghỉ bù)', start: '2026-02-14', end: '2026-02-22' }], vn_public_holidays: true },
  });
const HolidaysView = z
  .object({
    holidays: z.array(z.object({ name: z.string(), start: z.string(), end: z.string() })),
    vn_public_holidays: z.boolean(),
    public_holidays: z
      .array(z.object({ name: z.string(), start: z.string(), end: z.string() }))
      .openapi({ description: 'with vn_public_holidays: the built-in list for this year and the next' }),
  })
  .openapi('HolidaysView');

const routes = {
  getPolicy: createRoute({
    method: 'get',
    path: '/policy',
    tags,
    summary: "The tenant's calling policy",
    responses: { 200: json(PolicyView, 'the policy'), ...common },
  }),
  putPolicy: createRoute({
    method: 'put',
    path: '/policy',
    tags,
    summary: "Replace the tenant's calling policy",
    request: { body: body(PolicyBody) },
    responses: { 200: json(PolicyView, 'stored'), 400: err('a value out of range or malformed: `{"error":[{"<field>":"…"}]}`'), ...common },
  }),
  getCampaignPolicy: createRoute({
    method: 'get',
    path: '/campaign/{uuid}/policy',
    tags,
    summary: "A campaign's policy override and what its calls follow",
    request: { params: UuidParam },
    responses: { 200: json(CampaignPolicyView, 'the override'), 404: err('{"error":"Not Found"}'), ...common },
  }),
  putCampaignPolicy: createRoute({
    method: 'put',
    path: '/campaign/{uuid}/policy',
    tags,
    summary: "Replace a campaign's override (it may only tighten the tenant's policy)",
    request: { params: UuidParam, body: body(PolicyBody) },
    responses: {
      200: json(CampaignPolicyView, 'stored'),
      400: err('a value looser than the tenant\'s, out of range or malformed: `{"error":[{"<field>":"…"}]}`'),
      404: err('{"error":"Not Found"}'),
      ...common,
    },
  }),
  importDnc: createRoute({
    method: 'post',
    path: '/dnc',
    tags,
    summary: "Add numbers to the tenant's do-not-call list (bulk; a replay adds nothing)",
    request: { body: body(DncImport) },
    responses: {
      200: json(DncImportResult, 'the good rows stored; malformed numbers listed in `errors`'),
      400: err('a malformed body (nothing stored): `{"error":[{"<field>":"…"}]}`'),
      413: err('body over 16 MiB'),
      ...common,
    },
  }),
  listDnc: createRoute({
    method: 'get',
    path: '/dnc',
    tags,
    summary: "The tenant's do-not-call list, by number (or one number)",
    request: { query: DncQuery },
    responses: { 200: json(DncList, 'a page'), 400: err('bad limit or offset'), ...common },
  }),
  deleteDnc: createRoute({
    method: 'delete',
    path: '/dnc/{number}',
    tags,
    summary: 'Take a number off the list',
    request: { params: NumberParam },
    responses: { 200: json(z.object({ number: z.string() }), 'removed'), 404: err('not listed'), ...common },
  }),
  getHolidays: createRoute({
    method: 'get',
    path: '/holidays',
    tags,
    summary: "The tenant's holidays and restricted periods",
    responses: { 200: json(HolidaysView, 'the list'), ...common },
  }),
  putHolidays: createRoute({
    method: 'put',
    path: '/holidays',
    tags,
    summary: "Replace the tenant's holidays and restricted periods (no campaign dials then)",
    request: { body: body(HolidaysBody) },
    responses: {
      200: json(HolidaysView, 'stored'),
      400: err('a malformed date or overlapping entries: `{"error":[{"holidays.<i>":"…"}]}`'),
      ...common,
    },
  }),
} satisfies Record<string, RouteConfig>;

// ---------------------------------------------------------------- handlers

type PolicyInput = z.infer<typeof PolicyBody>;
const policyOf = (b: PolicyInput): Policy => ({
  max_calls_per_number_24h: b.max_calls_per_number_24h ?? null,
  max_calls_per_number_day: b.max_calls_per_number_day ?? null,
  allowed_hours: b.allowed_hours ?? null,
});
const bad = (errors: Array<Record<string, string>>) => new ApiError(400, { error: errors });

/** A PUT/POST here needs a JSON object (every field being optional, no body would read as `{}`). */
async function requireBody(c: { req: { text(): Promise<string> } }): Promise<void> {
  if ((await c.req.text()).trim() === '') throw new ApiError(400, { error: 'request body is empty: expected a JSON object' });
}

/** Tell the tenant's open runs to load their configuration again (window, hours, holidays). */
async function notifyTenantRuns(db: Db, temporal: Client | undefined, domain_uuid: string): Promise<void> {
  if (!temporal) return;
  const open = await campaignsOf(db)
    .find({ domain_uuid, status: { $in: ['start', 'pause'] } }, { projection: { _id: 1 } })
    .toArray();
  await Promise.all(
    open.map((c) => temporal.withDeadline(Date.now() + 3_000, () => notifyRun(temporal, String(c._id), 'configChanged')).catch(() => {})),
  );
}

function dncView(d: TenantDncEntry, tz: string, now: number): z.infer<typeof DncEntry> {
  return {
    number: d.number,
    national: `0${d.number.slice(3)}`,
    reason: d.reason,
    expires_at: d.expires_at ? formatTimestamp(d.expires_at, tz) : null,
    active: d.expires_at === null || d.expires_at.getTime() > now,
    created_at: formatTimestamp(d.created_at, tz),
    updated_at: formatTimestamp(d.updated_at, tz),
  };
}

/** The import's rows: normalised numbers (the last row of a number wins), and the malformed ones. */
function dncRows(b: z.infer<typeof DncImport>): { rows: DncRow[]; errors: Array<z.infer<typeof DncRowError>> } {
  const all = [
    ...(b.numbers ?? []).map((number) => ({ number, reason: b.reason, expires_at: b.expires_at })),
    ...(b.entries ?? []).map((e) => ({
      number: e.number,
      reason: e.reason ?? b.reason,
      expires_at: e.expires_at === undefined ? b.expires_at : e.expires_at,
    })),
  ];
  if (all.length > DNC_MAX_ROWS) throw bad([{ '(root)': `at most ${DNC_MAX_ROWS} numbers per request, given ${all.length}` }]);
  const byNumber = new Map<string, DncRow>();
  const errors: Array<z.infer<typeof DncRowError>> = [];
  all.forEach((r, row) => {
    const p = parsePhone(r.number);
    if (!p.ok) errors.push({ row, number: r.number, error: p.message });
    else byNumber.set(p.e164, { number: p.e164, reason: r.reason ?? '', expires_at: r.expires_at ? new Date(r.expires_at) : null });
  });
  return { rows: [...byNumber.values()], errors };
}

async function holidaysView(db: Db, domain_uuid: string): Promise<z.infer<typeof HolidaysView>> {
  const h = await getHolidays(db, domain_uuid);
  const year = new Date().getUTCFullYear();
  return {
    holidays: h.holidays.map((x) => ({ name: x.name, start: x.start, end: x.end })),
    vn_public_holidays: h.vn_public_holidays,
    public_holidays: h.vn_public_holidays ? [...vnPublicHolidays(year), ...vnPublicHolidays(year + 1)] : [],
  };
}

export function mountCompliance(app: App): void {
  app.openapi(routes.getPolicy, async (c) => c.json((await getTenantPolicy(c.get('deps').db, c.get('tenant').domain_uuid)).policy, 200));

  app.openapi(routes.putPolicy, async (c) => {
    const { db, temporal } = c.get('deps');
    const tenant = c.get('tenant');
    await requireBody(c);
    const p = policyOf(c.req.valid('json'));
    const errs = policyErrors(p);
    if (errs.length) throw bad(errs);
    await putTenantPolicy(db, tenant.domain_uuid, p);
    await notifyTenantRuns(db, temporal, tenant.domain_uuid);
    return c.json(p, 200);
  });

  app.openapi(routes.getCampaignPolicy, async (c) => {
    const { db } = c.get('deps');
    const tenant = c.get('tenant');
    const campaign = await getCampaign(db, tenant.domain_uuid, c.req.valid('param').uuid.toLowerCase());
    if (!campaign) throw notFound();
    return c.json(await campaignPolicyView(db, tenant.domain_uuid, campaign.campaign_uuid), 200);
  });

  app.openapi(routes.putCampaignPolicy, async (c) => {
    const { db, temporal } = c.get('deps');
    const tenant = c.get('tenant');
    const campaign = await getCampaign(db, tenant.domain_uuid, c.req.valid('param').uuid.toLowerCase());
    if (!campaign) throw notFound();
    await requireBody(c);
    const p = policyOf(c.req.valid('json'));
    const own = policyErrors(p);
    if (own.length) throw bad(own);
    const looser = loosenedFields((await getTenantPolicy(db, tenant.domain_uuid)).policy, p);
    if (looser.length) throw bad(looser);
    await putCampaignPolicy(db, tenant.domain_uuid, campaign.campaign_uuid, p);
    await notifyRun(temporal, campaign.campaign_uuid, 'configChanged');
    return c.json(await campaignPolicyView(db, tenant.domain_uuid, campaign.campaign_uuid), 200);
  });

  app.openapi(routes.importDnc, async (c) => {
    const { db } = c.get('deps');
    await requireBody(c);
    const b = c.req.valid('json');
    const { rows, errors } = dncRows(b);
    const r = await importDnc(db, c.get('tenant').domain_uuid, rows);
    return c.json({ ...r, rejected: errors.length, errors }, 200);
  });

  app.openapi(routes.listDnc, async (c) => {
    const { db } = c.get('deps');
    const tenant = c.get('tenant');
    const q = c.req.valid('query');
    const now = Date.now();
    if (q.number !== undefined) {
      // A number the dialer cannot read is on no list: an empty page.
      const p = parsePhone(q.number);
      const d = p.ok ? await dncEntry(db, tenant.domain_uuid, p.e164, 0) : null;
      const data = d ? [dncView(d, tenant.time_zone, now)] : [];
      return c.json({ data, limit: q.limit, offset: 0, total: data.length }, 200);
    }
    const { data, total } = await listDnc(db, tenant.domain_uuid, q.limit, q.offset);
    return c.json({ data: data.map((d) => dncView(d, tenant.time_zone, now)), limit: q.limit, offset: q.offset, total }, 200);
  });

  app.openapi(routes.deleteDnc, async (c) => {
    const p = parsePhone(c.req.valid('param').number);
    if (!p.ok || !(await deleteDnc(c.get('deps').db, c.get('tenant').domain_uuid, p.e164))) throw notFound();
    return c.json({ number: p.e164 }, 200);
  });

  app.openapi(routes.getHolidays, async (c) => c.json(await holidaysView(c.get('deps').db, c.get('tenant').domain_uuid), 200));

  app.openapi(routes.putHolidays, async (c) => {
    const { db, temporal } = c.get('deps');
    const tenant = c.get('tenant');
    await requireBody(c);
    const b = c.req.valid('json');
    const holidays = b.holidays.map((h) => ({ name: h.name ?? '', start: h.start, end: h.end }));
    const errs = holidayErrors(holidays);
    if (errs.length) throw bad(errs);
    await putHolidays(db, tenant.domain_uuid, { holidays, vn_public_holidays: b.vn_public_holidays ?? false });
    await notifyTenantRuns(db, temporal, tenant.domain_uuid);
    return c.json(await holidaysView(db, tenant.domain_uuid), 200);
  });
}

async function campaignPolicyView(db: Db, domain_uuid: string, campaign_uuid: string): Promise<z.infer<typeof CampaignPolicyView>> {
  const [tenant, own] = await Promise.all([getTenantPolicy(db, domain_uuid), getCampaignPolicy(db, campaign_uuid)]);
  return { ...(own ?? policyOf({})), campaign_uuid, override: own !== null, effective: effectivePolicy(tenant.policy, own) };
}
