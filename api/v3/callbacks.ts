// Callback delivery state (callbacks/): what was POSTed to a campaign's callback_url /
// answer_callback_url, and how it went. Tenant-scoped like every v3 route: another tenant's
// campaign or call is 404 {"error":"Not Found"}.
//   GET /v3/campaign/{uuid}/callbacks?status=&kind=&limit=&offset=  newest first
//   GET /v3/callbacks/{call_id}                                      the call's deliveries (cdr, answer, history)
import { createRoute, z, type RouteConfig } from '@hono/zod-openapi';
import { deliveryId } from '../../callbacks/contract.ts';
import { deliveriesOf, normalizeDelivery, type CallbackDeliveryDoc } from '../../callbacks/store.ts';
import { formatTimestamp } from '../../domain/campaign.ts';
import { getCampaign } from '../../storage/campaigns.ts';
import type { App } from '../types.ts';
import { notFound } from './campaigns.ts';
import { ErrorBody, PageQuery, UuidParam } from './schemas.ts';

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const err = (description: string) => json(ErrorBody, description);
const tags = ['v3 callbacks'];

const KINDS = ['cdr', 'answer', 'history'] as const;
const STATUSES = ['pending', 'delivered', 'failed'] as const;
const ts = z
  .string()
  .nullable()
  .openapi({ description: "RFC 3339 in the tenant's time zone, null when not yet", example: '2023-03-06T17:57:54.65+07:00' });

export const CallbackDelivery = z
  .object({
    call_id: z.string(),
    kind: z.enum(KINDS).openapi({
      description:
        '`cdr`: the call record POSTed to callback_url when the call ended; `answer`: POSTed to answer_callback_url when it was answered; `history`: voice-bot campaigns only, the "call history" body POSTed to callback_url beside the `cdr` one',
    }),
    idempotency_key: z.string().openapi({ description: 'the Idempotency-Key header of every attempt: `<call_id>:<kind>`' }),
    url: z.string(),
    status: z
      .enum(STATUSES)
      .openapi({ description: '`pending` (being retried), `delivered` (a 2xx answer), `failed` (refused or retries exhausted)' }),
    attempts: z.number().int(),
    last_status_code: z.number().int().nullable().openapi({ description: 'HTTP status of the last answer; null when none came' }),
    last_error: z.string().openapi({ description: 'why the last attempt (or the delivery) failed; "" after a success' }),
    campaign_uuid: z.string(),
    lead_uuid: z.string(),
    created_at: ts,
    updated_at: ts,
    last_attempt_at: ts,
    delivered_at: ts,
    failed_at: ts,
    deadline_at: ts.openapi({ description: 'retries stop at this time' }),
  })
  .openapi('CallbackDelivery');

const CallbackList = z
  .object({ data: z.array(CallbackDelivery), limit: z.number().int(), offset: z.number().int(), total: z.number().int() })
  .openapi('CallbackDeliveryList');
const CallCallbacks = z.object({ call_id: z.string(), data: z.array(CallbackDelivery) }).openapi('CallCallbackDeliveries');

const ListQuery = PageQuery.extend({
  status: z.enum(STATUSES).optional().openapi({ description: 'only deliveries in this state' }),
  kind: z.enum(KINDS).optional().openapi({ description: 'only this kind' }),
});
const CallIdParam = z.object({
  call_id: z.string().openapi({
    param: { name: 'call_id', in: 'path' },
    description: "a call's id; unknown, malformed or another tenant's: 404 `Not Found`",
    example: 'f3c5a4de-0c9e-4a4f-9f57-5a1d0c6b7e21',
  }),
});

const routes = {
  list: createRoute({
    method: 'get',
    path: '/campaign/{uuid}/callbacks',
    tags,
    summary: "The campaign's callback deliveries, newest first",
    request: { params: UuidParam, query: ListQuery },
    responses: {
      200: json(CallbackList, 'a page of deliveries'),
      400: err('bad query'),
      401: err('missing or invalid bearer token'),
      404: err('{"error":"Not Found"}'),
    },
  }),
  call: createRoute({
    method: 'get',
    path: '/callbacks/{call_id}',
    tags,
    summary: "One call's callback deliveries (cdr, answer, history)",
    request: { params: CallIdParam },
    responses: {
      200: json(CallCallbacks, "the call's deliveries"),
      401: err('missing or invalid bearer token'),
      404: err('{"error":"Not Found"}'),
    },
  }),
} satisfies Record<string, RouteConfig>;

function view(raw: CallbackDeliveryDoc, timeZone: string): z.infer<typeof CallbackDelivery> {
  const d = normalizeDelivery(raw);
  const t = (x: Date | null) => (x ? formatTimestamp(new Date(x), timeZone) : null);
  return {
    call_id: d.call_id,
    kind: d.kind,
    idempotency_key: d._id,
    url: d.url,
    status: d.status,
    attempts: d.attempts,
    last_status_code: d.last_status_code,
    last_error: d.last_error,
    campaign_uuid: d.campaign_uuid,
    lead_uuid: d.lead_uuid,
    created_at: t(d.created_at),
    updated_at: t(d.updated_at),
    last_attempt_at: t(d.last_attempt_at),
    delivered_at: t(d.delivered_at),
    failed_at: t(d.failed_at),
    deadline_at: t(d.deadline_at),
  };
}

export function mountCallbacks(app: App): void {
  app.openapi(routes.list, async (c) => {
    const { db } = c.get('deps');
    const tenant = c.get('tenant');
    const { uuid } = c.req.valid('param');
    const q = c.req.valid('query');
    const campaign = await getCampaign(db, tenant.domain_uuid, uuid.toLowerCase());
    if (!campaign) throw notFound();
    const filter = {
      campaign_uuid: campaign.campaign_uuid,
      domain_uuid: tenant.domain_uuid,
      ...(q.status ? { status: q.status } : {}),
      ...(q.kind ? { kind: q.kind } : {}),
    };
    const col = deliveriesOf(db);
    const [docs, total] = await Promise.all([
      col.find(filter).sort({ created_at: -1, _id: 1 }).skip(q.offset).limit(q.limit).toArray(),
      col.countDocuments(filter),
    ]);
    return c.json({ data: docs.map((d) => view(d, tenant.time_zone)), limit: q.limit, offset: q.offset, total }, 200);
  });

  app.openapi(routes.call, async (c) => {
    const { db } = c.get('deps');
    const tenant = c.get('tenant');
    const { call_id } = c.req.valid('param');
    const col = deliveriesOf(db);
    // One lookup by `_id` per kind (the only filter FerretDB 1.24 serves from an index).
    const docs = (await Promise.all(KINDS.map((k) => col.findOne({ _id: deliveryId(call_id, k) })))).filter(
      (d): d is CallbackDeliveryDoc => !!d && d.domain_uuid === tenant.domain_uuid,
    );
    if (!docs.length) throw notFound();
    return c.json({ call_id, data: docs.map((d) => view(d, tenant.time_zone)) }, 200);
  });
}
