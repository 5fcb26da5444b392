// The v3 campaign endpoints (docs/api-contract.md §1), bodies exactly as documented.
// Statuses: 200 success, 400 validation (gojsonschema list) or bad reference, 401 no/bad token,
// 404 unknown uuid or another tenant's campaign, 409 name taken / delete of an active campaign.
import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import type { Db } from 'mongodb';
import { defaultSettings, toView, type CampaignDoc, type CampaignSettings } from '../../domain/campaign.ts';
import {
  createCampaign,
  deleteCampaign,
  DuplicateNameError,
  getCampaign,
  listCampaigns,
  updateCampaign,
  type NewCampaign,
} from '../../storage/campaigns.ts';
import { carriers, templates, unknownUsers, usersByExtension } from '../../storage/directory.ts';
import type { Tenant } from '../../storage/tenants.ts';
import { notifyRun } from '../../control/run.ts';
import { callbackUrlProblem } from '../../callbacks/url.ts';
import type { Config } from '../../config/index.ts';
import type { App } from '../types.ts';
import { ApiError } from '../errors.ts';
import { translateIssues, validationError, type FieldError } from '../validation.ts';
import {
  ActiveBody,
  ActiveResult,
  AssignExtensionBody,
  AssignExtensionResult,
  CampaignCreate,
  CampaignCreated,
  CampaignList,
  CampaignListQuery,
  CampaignRef,
  CampaignUpdate,
  CampaignView,
  ErrorBody,
  UuidParam,
  type CampaignCreateBody,
  type CampaignUpdateBody,
} from './schemas.ts';

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const err = (description: string) => json(ErrorBody, description);
const body = <T>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });
const common = { 401: err('missing or invalid bearer token') } as const;
const tags = ['v3 campaigns'];

export const notFound = () => new ApiError(404, { error: 'Not Found' });

const routes = {
  create: createRoute({
    method: 'post',
    path: '/campaign',
    tags,
    summary: 'Create a campaign (with its call-centre queue and dialplan)',
    request: { body: body(CampaignCreate) },
    responses: {
      200: json(CampaignCreated, 'created'),
      400: err('validation error, malformed JSON or unknown template/carrier/user'),
      409: err('{"error":"campaign_name is already taken"}'),
      ...common,
    },
  }),
  update: createRoute({
    method: 'put',
    path: '/campaign/{uuid}',
    tags,
    summary: 'Update a campaign (the whole campaign; fields left out keep their value)',
    request: { params: UuidParam, body: body(CampaignUpdate) },
    responses: {
      200: json(CampaignRef, 'updated'),
      400: err('validation error'),
      404: err('{"error":"Not Found"}'),
      409: err('{"error":"campaign_name is already taken"}'),
      ...common,
    },
  }),
  list: createRoute({
    method: 'get',
    path: '/campaign',
    tags,
    summary: "The tenant's campaigns, newest first",
    request: { query: CampaignListQuery },
    responses: { 200: json(CampaignList, 'a page of campaigns'), 400: err('bad query'), ...common },
  }),
  get: createRoute({
    method: 'get',
    path: '/campaign/{uuid}',
    tags,
    summary: 'One campaign',
    request: { params: UuidParam },
    responses: { 200: json(CampaignView, 'the campaign'), 404: err('{"error":"Not Found"}'), ...common },
  }),
  assign: createRoute({
    method: 'put',
    path: '/campaign/{uuid}/assign_extension',
    tags,
    summary: "Assign users to the campaign by their extensions (replaces the campaign's users)",
    request: { params: UuidParam, body: body(AssignExtensionBody) },
    responses: {
      200: json(AssignExtensionResult, 'the assigned users'),
      400: err('{"error":[{"extensions":"Invalid type. Expected: array, given: null"}]} or an unknown extension'),
      404: err('{"error":"Not Found"}'),
      ...common,
    },
  }),
  active: createRoute({
    method: 'patch',
    path: '/campaign/{uuid}/active',
    tags,
    summary: 'Activate or deactivate a campaign',
    request: { params: UuidParam, body: body(ActiveBody) },
    responses: {
      200: json(ActiveResult, 'the new state'),
      400: err('{"error":"active is missing"}'),
      404: err('{"error":"Not Found"}'),
      ...common,
    },
  }),
  delete: createRoute({
    method: 'delete',
    path: '/campaign/{uuid}',
    tags,
    summary: 'Delete an inactive campaign (its call records are kept)',
    request: { params: UuidParam },
    responses: {
      200: json(CampaignRef, 'deleted'),
      404: err('{"error":"Not Found"}'),
      409: err('{"error":"campaign must be deactive"}'),
      ...common,
    },
  }),
} satisfies Record<string, RouteConfig>;

/** Fields a client may write; everything else in a body (created_at, template_name, …) is ignored. */
const WRITABLE = Object.keys(defaultSettings('autocall')).concat([
  'campaign_name',
  'type',
  'amd',
  'record_calls',
]) as (keyof CampaignSettings)[];

function pickSettings(b: CampaignCreateBody | CampaignUpdateBody): Partial<CampaignSettings> {
  const out: Record<string, unknown> = {};
  for (const k of WRITABLE) {
    const v = (b as Record<string, unknown>)[k];
    if (v === undefined) continue;
    // users/groups/statuses: null means "leave as is" (the documented update example sends null;
    // it must not wipe agents assigned with assign_extension). [] clears.
    if (v === null && (k === 'users' || k === 'groups' || k === 'statuses')) continue;
    out[k] = v;
  }
  if (out.network) {
    const n = out.network as Record<string, number | undefined>;
    out.network = { viettel: n.viettel ?? 0, mobi: n.mobi ?? 0, vina: n.vina ?? 0, tel: n.tel ?? 0, offnet: n.offnet ?? 0 };
  }
  return out as Partial<CampaignSettings>;
}

/** The campaign fields that name a URL the product POSTs to (callbacks/). */
export const CALLBACK_URL_FIELDS = ['callback_url', 'answer_callback_url'] as const;

/**
 * A callback URL that can never be delivered is refused when written (400 in the list shape,
 * `{"error":[{"callback_url":"must not point at a loopback address (127.0.0.1)"}]}`): a user name
 * or password, a literal loopback, private or other non-public address or `localhost` (unless
 * CALLBACK_ALLOW_PRIVATE). A host name is checked when a delivery resolves it (DNS changes).
 */
export function callbackUrlProblems(config: Pick<Config, 'CALLBACK_ALLOW_PRIVATE'>, b: Record<string, unknown>): FieldError[] {
  const out: FieldError[] = [];
  for (const f of CALLBACK_URL_FIELDS) {
    const v = b[f];
    if (typeof v !== 'string' || v.trim() === '') continue;
    const problem = callbackUrlProblem(v, { allowPrivate: config.CALLBACK_ALLOW_PRIVATE });
    if (problem) out.push({ [f]: problem });
  }
  return out;
}

/**
 * Check template, carrier and users exist in the tenant's directory; returns the names to store.
 * `current` supplies the values the body leaves out (update).
 */
async function resolveReferences(
  db: Db,
  tenant: Tenant,
  s: Partial<CampaignSettings>,
  current?: CampaignDoc,
): Promise<{ template_name?: string; carrier_name?: string; type_autocall?: CampaignSettings['type_autocall'] }> {
  const out: { template_name?: string; carrier_name?: string; type_autocall?: CampaignSettings['type_autocall'] } = {};
  if (s.template_uuid !== undefined) {
    if (s.template_uuid === '') out.template_name = '';
    else {
      const t = await templates(db).get(tenant.domain_uuid, s.template_uuid.toLowerCase());
      if (!t) throw new ApiError(400, { error: `template_uuid ${s.template_uuid} is not a template of this tenant` });
      out.template_name = t.template_name;
      const wanted = s.type_autocall ?? current?.type_autocall ?? '';
      if (wanted === '') out.type_autocall = t.type_autocall;
      else if (wanted !== t.type_autocall) {
        throw new ApiError(400, {
          error: `type_autocall ${wanted} does not match template ${t.template_name} (${t.type_autocall})`,
        });
      }
    }
  }
  if (s.carrier_uuid !== undefined) {
    if (s.carrier_uuid === '') out.carrier_name = '';
    else {
      const cr = await carriers(db).get(tenant.domain_uuid, s.carrier_uuid.toLowerCase());
      if (!cr) throw new ApiError(400, { error: `carrier_uuid ${s.carrier_uuid} is not a carrier of this tenant` });
      out.carrier_name = cr.carrier_name;
    }
  }
  if (s.users && s.users.length) {
    const missing = await unknownUsers(db, tenant.domain_uuid, s.users);
    if (missing.length) throw new ApiError(400, { error: `unknown user_uuid: ${missing.join(', ')}` });
  }
  return out;
}

export function mountCampaigns(app: App): void {
  app.openapi(routes.create, async (c) => {
    const { db, config } = c.get('deps');
    const tenant = c.get('tenant');
    const b = c.req.valid('json');
    const urls = callbackUrlProblems(config, b);
    if (urls.length) throw validationError(urls);
    const s = pickSettings(b);
    if (s.template_uuid) s.template_uuid = s.template_uuid.toLowerCase();
    if (s.carrier_uuid) s.carrier_uuid = s.carrier_uuid.toLowerCase();
    const refs = await resolveReferences(db, tenant, s);
    const input: NewCampaign = {
      ...defaultSettings(b.type),
      ...s,
      campaign_name: b.campaign_name,
      type: b.type,
      template_name: refs.template_name ?? '',
      carrier_name: refs.carrier_name ?? '',
      ...(refs.type_autocall ? { type_autocall: refs.type_autocall } : {}),
    };
    const doc = await createCampaign(db, tenant.domain_uuid, input).catch(rethrowDuplicate);
    // Keys in the documented (Go map, alphabetical) order.
    return c.json(
      {
        call_center_queue_uuid: doc.call_center_queue_uuid,
        campaign_uuid: doc.campaign_uuid,
        created: true,
        dialplan_uuid: doc.dialplan_uuid,
      },
      200,
    );
  });

  app.openapi(routes.update, async (c) => {
    const { db, config } = c.get('deps');
    const tenant = c.get('tenant');
    const { uuid } = c.req.valid('param');
    const b = c.req.valid('json');
    const urls = callbackUrlProblems(config, b);
    if (urls.length) throw validationError(urls);
    if (b.campaign_uuid !== undefined && b.campaign_uuid !== '' && b.campaign_uuid !== uuid) {
      throw new ApiError(400, { error: 'campaign_uuid in the body does not match the campaign in the URL' });
    }
    const current = await getCampaign(db, tenant.domain_uuid, uuid);
    if (!current) throw notFound();
    const s = pickSettings(b);
    if (s.template_uuid) s.template_uuid = s.template_uuid.toLowerCase();
    if (s.carrier_uuid) s.carrier_uuid = s.carrier_uuid.toLowerCase();
    const refs = await resolveReferences(db, tenant, s, current);
    const set: Partial<NewCampaign> = { ...s, ...refs };
    const doc = await updateCampaign(db, tenant.domain_uuid, uuid, set).catch(rethrowDuplicate);
    if (!doc) throw notFound();
    // A running campaign's run reloads its settings (caps, window, recalls) at once.
    await notifyRun(c.get('deps').temporal, uuid, 'configChanged');
    return c.json({ campaign_uuid: doc.campaign_uuid }, 200);
  });

  app.openapi(routes.list, async (c) => {
    const { db } = c.get('deps');
    const tenant = c.get('tenant');
    const q = c.req.valid('query');
    const { docs, total } = await listCampaigns(db, tenant.domain_uuid, q);
    return c.json({ data: docs.map((d) => toView(d, tenant.time_zone)), limit: q.limit, offset: q.offset, total }, 200);
  });

  app.openapi(routes.get, async (c) => {
    const { db } = c.get('deps');
    const tenant = c.get('tenant');
    const doc = await getCampaign(db, tenant.domain_uuid, c.req.valid('param').uuid);
    if (!doc) throw notFound();
    return c.json(toView(doc, tenant.time_zone), 200);
  });

  app.openapi(routes.assign, async (c) => {
    const { db } = c.get('deps');
    const tenant = c.get('tenant');
    const { uuid } = c.req.valid('param');
    const { extensions } = c.req.valid('json');
    const current = await getCampaign(db, tenant.domain_uuid, uuid);
    if (!current) throw notFound();
    const unique = [...new Set(extensions)];
    const { found, missing } = await usersByExtension(db, tenant.domain_uuid, unique);
    if (missing.length) {
      throw new ApiError(400, {
        error: missing.length === 1 ? `extension ${missing[0]} not found` : `extensions not found: ${missing.join(', ')}`,
      });
    }
    const doc = await updateCampaign(db, tenant.domain_uuid, uuid, { users: found.map((u) => u.user_uuid) });
    if (!doc) throw notFound();
    // A running autodialer provisions the new agents (and drops the removed ones) in its queue now.
    await notifyRun(c.get('deps').temporal, uuid, 'configChanged');
    return c.json({ campaign_uuid: uuid, users: found }, 200);
  });

  app.openapi(
    routes.active,
    async (c) => {
      const { db } = c.get('deps');
      const tenant = c.get('tenant');
      const { uuid } = c.req.valid('param');
      const { active } = c.req.valid('json');
      const doc = await updateCampaign(db, tenant.domain_uuid, uuid, { active });
      if (!doc) throw notFound();
      return c.json({ active: doc.active, campaign_uuid: doc.campaign_uuid }, 200);
    },
    // The documented message for a body without `active`; other errors as usual.
    (result, c) => {
      if (result.success) return undefined;
      // The validator passes the input beside the failure (as gojsonHook reads it); its type omits it.
      const data = 'data' in result ? result.data : undefined;
      if (data && typeof data === 'object' && !Array.isArray(data) && !('active' in data)) {
        return c.json({ error: 'active is missing' }, 400);
      }
      return c.json({ error: translateIssues(result.error.issues, data) }, 400);
    },
  );

  app.openapi(routes.delete, async (c) => {
    const { db } = c.get('deps');
    const tenant = c.get('tenant');
    const { uuid } = c.req.valid('param');
    const outcome = await deleteCampaign(db, tenant.domain_uuid, uuid);
    if (outcome === 'not_found') throw notFound();
    if (outcome === 'active') throw new ApiError(409, { error: 'campaign must be deactive' });
    return c.json({ campaign_uuid: uuid }, 200);
  });
}

function rethrowDuplicate(err: unknown): never {
  if (err instanceof DuplicateNameError) throw new ApiError(409, { error: err.message });
  throw err;
}
