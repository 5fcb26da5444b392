// The live campaign console (mounted at /console): the page and its assets (open: they hold no
// data; served from console/ and node_modules, no CDN) and its JSON under /console/api, behind the
// tenant's bearer token — the same small endpoints the ops CLI (cli/ctl.ts) polls. Outside the
// documented prefixes: the customer APIs' answers do not change. Errors in the shared shape.
//   GET  /console                                   the page (docs/console.md)
//   GET  /console/api/campaigns                     campaigns with status and lead progress
//   GET  /console/api/campaigns/{uuid}              one campaign, live (polled every 2 s)
//   GET  /console/api/campaigns/{uuid}/calls        latest calls; ?ended_after= a tail
//   POST /console/api/campaigns/{uuid}/{start|pause|resume|stop}
//   POST /console/api/campaigns/{uuid}/callbacks/retry
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { setCampaignRunStatus, startCampaignRun } from '../../control/run.ts';
import type { CampaignDoc } from '../../domain/campaign.ts';
import { REPORT_BUCKETS } from '../../domain/causes.ts';
import { DEFAULT_TIME_ZONE } from '../../domain/schedule.ts';
import { ensureCampaignId } from '../../storage/voicebot.ts';
import { getCampaign, listCampaigns } from '../../storage/campaigns.ts';
import { requireTenant } from '../auth.ts';
import { limitBody } from '../body-limit.ts';
import { ApiError, notFound, onApiError, sendError } from '../errors.ts';
import type { App, AppDeps, AppEnv } from '../types.ts';
import { gojsonHook, jsonBody } from '../validation.ts';
import { ErrorBody, UuidParam } from '../v3/schemas.ts';
import {
  agentsOf,
  finishedLeads,
  leadCounts,
  leadsOfCampaign,
  outcomesOverTime,
  recentCalls,
  runState,
  undeliveredCallbacks,
  windowOf,
} from './live.ts';
import { retryFailedCallbacks } from './retry-callbacks.ts';

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const err = (description: string) => json(ErrorBody, description);
const tags = ['console'];
const common = { 401: err('missing or invalid bearer token (a tenant token)'), 404: err('{"error":"Not Found"}') };

const LeadCounts = z
  .object({
    total: z.number().int(),
    new: z.number().int(),
    queued: z.number().int(),
    waiting_recall: z.number().int(),
    done: z.number().int(),
    invalid: z.number().int(),
    do_not_call: z.number().int(),
    finished: z.number().int(),
  })
  .openapi('ConsoleLeadCounts', {
    description: 'leads by status; `finished` = done + invalid + do_not_call + skipped (never dialed again)',
  });

const CampaignSummary = z
  .object({
    campaign_uuid: z.string(),
    campaign_name: z.string(),
    campaign_id: z.number().int().openapi({ description: "the voice-bot API's integer id of the campaign (`campaignId`)" }),
    type: z.string(),
    status: z.string().openapi({ description: '`start`, `pause`, `stop` or "" (never started)' }),
    active: z.boolean(),
    concurrent_call: z.number().int(),
    template_name: z.string(),
    carrier_name: z.string(),
    created_at: z.string(),
    leads: LeadCounts,
  })
  .openapi('ConsoleCampaign');

const Progress = z
  .object({
    status: z.string(),
    window_open: z.boolean(),
    next_opening: z.number().nullable(),
    dialing: z.number().int(),
    waiting: z.number().int(),
    hopper: z.number().int(),
    started: z.number().int(),
    calls: z.number().int(),
    done: z.number().int(),
    by_disposition: z.record(z.string(), z.number()),
    max_dialing: z.number().int(),
  })
  .passthrough()
  .openapi('ConsoleRunProgress', { description: "the run workflow's `progress` query (docs/engine.md)" });

const CallRow = z
  .object({
    call_id: z.string(),
    lead_uuid: z.string(),
    attempt: z.number().int(),
    number: z.string().openapi({ description: 'masked' }),
    state: z.enum(['sending', 'done']),
    dialed: z.boolean(),
    answered: z.boolean(),
    disposition: z.string(),
    report: z.string(),
    hangup_cause: z.string(),
    billsec: z.number(),
    duration: z.number(),
    digits: z.string(),
    delivery_error: z.string(),
    created_at: z.string(),
    answered_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    callback: z.string().openapi({ description: 'the cdr callback: pending, delivered, failed, or "" (none)' }),
  })
  .openapi('ConsoleCall');

const Live = z
  .object({
    campaign: CampaignSummary,
    time_zone: z.string(),
    run: z.object({
      open: z.boolean().nullable().openapi({ description: 'null: the workflow engine did not answer' }),
      workflow_id: z.string(),
      run_id: z.string(),
      temporal_ui_url: z.string(),
      progress: Progress.nullable(),
      error: z.string().optional(),
    }),
    live_calls: z.number().int(),
    cap: z.number().int().openapi({ description: 'concurrent_call (0 means one call at a time)' }),
    window: z.object({ open: z.boolean(), next_opening: z.string().nullable() }),
    outcomes: z
      .object({ minutes: z.array(z.number().int()), series: z.record(z.string(), z.array(z.number().int())) })
      .openapi({ description: 'calls per minute (by start) and report bucket, last 60 minutes' }),
    recent_calls: z.array(CallRow),
    callbacks: z.object({
      pending: z.number().int(),
      failed: z.number().int(),
      latest: z.array(
        z.object({
          call_id: z.string(),
          kind: z.string(),
          status: z.string(),
          attempts: z.number().int(),
          last_status_code: z.number().int().nullable(),
          last_error: z.string(),
          updated_at: z.string(),
        }),
      ),
    }),
    agents: z.array(
      z.object({
        user_uuid: z.string(),
        username: z.string(),
        extension: z.string(),
        display_name: z.string(),
        enabled: z.boolean(),
        state: z.string(),
      }),
    ),
    at: z.string(),
  })
  .openapi('ConsoleLive');

const CallsQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .optional()
    .openapi({ param: { name: 'limit', in: 'query' }, example: 50 }),
  ended_after: z
    .string()
    .datetime({ offset: true })
    .optional()
    .openapi({ param: { name: 'ended_after', in: 'query' }, description: 'only calls that ended after this time, oldest first (a tail)' }),
});
const ActionParam = UuidParam.extend({
  action: z.enum(['start', 'pause', 'resume', 'stop']).openapi({ param: { name: 'action', in: 'path' } }),
});
const RetryBody = z.object({ call_ids: z.array(z.string().min(1).max(64)).max(1000).optional() }).openapi('ConsoleRetryCallbacks');

const routes = {
  list: createRoute({
    method: 'get',
    path: '/api/campaigns',
    tags,
    summary: "The tenant's campaigns with status and lead progress",
    responses: { 200: json(z.object({ data: z.array(CampaignSummary) }), 'newest first'), ...common },
  }),
  live: createRoute({
    method: 'get',
    path: '/api/campaigns/{uuid}',
    tags,
    summary: 'One campaign, live: progress, live calls against the cap, outcomes over time, recent calls, callbacks, window, agents',
    request: { params: UuidParam },
    responses: { 200: json(Live, 'now'), ...common },
  }),
  calls: createRoute({
    method: 'get',
    path: '/api/campaigns/{uuid}/calls',
    tags,
    summary: 'Latest call records (newest first), or with ended_after those that ended since (oldest first)',
    request: { params: UuidParam, query: CallsQuery },
    responses: { 200: json(z.object({ data: z.array(CallRow) }), 'calls'), ...common },
  }),
  action: createRoute({
    method: 'post',
    path: '/api/campaigns/{uuid}/{action}',
    tags,
    summary: 'Start, pause, resume (= start) or stop the campaign’s run (control/run.ts, as /v1/campaign/{uuid}/run/*)',
    request: { params: ActionParam },
    responses: {
      200: json(z.object({ campaign_uuid: z.string(), status: z.string() }), 'done'),
      ...common,
      503: err('the workflow engine is not available'),
    },
  }),
  retry: createRoute({
    method: 'post',
    path: '/api/campaigns/{uuid}/callbacks/retry',
    tags,
    summary:
      'Send failed callback deliveries again (all of the campaign’s, or those of call_ids), with their original bodies, to the campaign’s current URLs',
    request: { params: UuidParam, body: { required: false, content: { 'application/json': { schema: RetryBody } } } },
    responses: {
      200: json(z.object({ retried: z.array(z.string()), skipped: z.array(z.object({ id: z.string(), reason: z.string() })) }), 'done'),
      ...common,
      503: err('the workflow engine is not available'),
    },
  }),
};

async function campaignOr404(deps: AppDeps, domain_uuid: string, uuid: string): Promise<CampaignDoc> {
  const c = await getCampaign(deps.db, domain_uuid, uuid.toLowerCase());
  if (!c) throw new ApiError(404, { error: 'Not Found' });
  return c;
}

async function summary(deps: AppDeps, c: CampaignDoc, counts: Awaited<ReturnType<typeof leadCounts>>) {
  const l = leadsOfCampaign(counts, c.campaign_uuid);
  return {
    campaign_uuid: c.campaign_uuid,
    campaign_name: c.campaign_name,
    campaign_id: await ensureCampaignId(deps.db, c),
    type: c.type,
    status: c.status ?? '',
    active: Boolean(c.active),
    concurrent_call: c.concurrent_call ?? 0,
    template_name: c.template_name ?? '',
    carrier_name: c.carrier_name ?? '',
    created_at: (c.created_at instanceof Date ? c.created_at : new Date(c.created_at)).toISOString(),
    leads: {
      total: l.total,
      new: l.new,
      queued: l.queued,
      waiting_recall: l.waiting_recall,
      done: l.done,
      invalid: l.invalid,
      do_not_call: l.do_not_call,
      finished: finishedLeads(l),
    },
  };
}

export function consoleApp(deps: AppDeps): App {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: gojsonHook });
  app.use('*', limitBody(deps.config.API_BODY_LIMIT_BYTES, sendError));
  app.use('/api/*', requireTenant);
  app.use('/api/*', jsonBody);

  app.openapi(routes.list, async (c) => {
    const tenant = c.get('tenant');
    const [{ docs }, counts] = await Promise.all([
      listCampaigns(deps.db, tenant.domain_uuid, { limit: 1000, offset: 0 }),
      leadCounts(deps.db, tenant.domain_uuid),
    ]);
    const data = [];
    for (const d of docs) data.push(await summary(deps, d, counts));
    return c.json({ data }, 200);
  });

  app.openapi(routes.live, async (c) => {
    const tenant = c.get('tenant');
    const doc = await campaignOr404(deps, tenant.domain_uuid, c.req.valid('param').uuid);
    const tz = tenant.time_zone || DEFAULT_TIME_ZONE;
    const [counts, run, outcomes, calls, callbacks, agents] = await Promise.all([
      leadCounts(deps.db, tenant.domain_uuid, doc.campaign_uuid),
      runState(deps, doc.campaign_uuid, doc.run_id),
      outcomesOverTime(deps.db, doc.campaign_uuid),
      recentCalls(deps.db, tenant.domain_uuid, doc.campaign_uuid, { limit: 20 }),
      undeliveredCallbacks(deps.db, doc.campaign_uuid),
      doc.type === 'autodialer' ? agentsOf(deps.db, doc) : Promise.resolve([]),
    ]);
    const p = run.progress;
    const w = p ? { open: p.window_open, next_opening: p.next_opening } : windowOf(doc, tz);
    for (const b of REPORT_BUCKETS) outcomes.series[b] ??= [];
    return c.json(
      {
        campaign: await summary(deps, doc, counts),
        time_zone: tz,
        run: { ...run, progress: p ? { ...p } : null },
        live_calls: p?.dialing ?? 0,
        cap: Math.max(1, doc.concurrent_call ?? 0),
        window: { open: w.open, next_opening: w.next_opening ? new Date(w.next_opening).toISOString() : null },
        outcomes,
        recent_calls: calls,
        callbacks,
        agents,
        at: new Date().toISOString(),
      },
      200,
    );
  });

  app.openapi(routes.calls, async (c) => {
    const tenant = c.get('tenant');
    const doc = await campaignOr404(deps, tenant.domain_uuid, c.req.valid('param').uuid);
    const q = c.req.valid('query');
    const data = await recentCalls(deps.db, tenant.domain_uuid, doc.campaign_uuid, {
      limit: q.limit ?? 50,
      ...(q.ended_after ? { endedAfter: new Date(q.ended_after) } : {}),
    });
    return c.json({ data }, 200);
  });

  app.openapi(routes.action, async (c) => {
    const tenant = c.get('tenant');
    const { uuid, action } = c.req.valid('param');
    const doc = await campaignOr404(deps, tenant.domain_uuid, uuid);
    if (action === 'start' || action === 'resume') {
      await startCampaignRun(deps, tenant.domain_uuid, doc);
      return c.json({ campaign_uuid: doc.campaign_uuid, status: 'start' }, 200);
    }
    if (!(await setCampaignRunStatus(deps, tenant.domain_uuid, doc.campaign_uuid, action))) throw new ApiError(404, { error: 'Not Found' });
    return c.json({ campaign_uuid: doc.campaign_uuid, status: action }, 200);
  });

  app.openapi(routes.retry, async (c) => {
    const tenant = c.get('tenant');
    const doc = await campaignOr404(deps, tenant.domain_uuid, c.req.valid('param').uuid);
    const body = (c.req.header('content-type') ? (c.req.valid('json') as z.infer<typeof RetryBody> | undefined) : undefined) ?? {};
    return c.json(await retryFailedCallbacks(deps, doc, body.call_ids), 200);
  });

  // The page and its assets: no token (the page asks for one and keeps it in sessionStorage).
  app.get('/', (c) => c.html(page(), 200, SECURITY_HEADERS));
  app.get('/assets/:file', (c) => {
    const a = asset(c.req.param('file'));
    if (!a) return notFound(c);
    return c.body(a.body, 200, { 'content-type': a.type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
  });

  app.all('*', notFound);
  app.onError(onApiError(deps.logger));
  return app;
}

/** The page runs only its own scripts; nothing is framed or fetched from elsewhere. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

const consoleDir = fileURLToPath(new URL('../../console/', import.meta.url));
const require = createRequire(import.meta.url);
const uplotDir = require.resolve('uplot/package.json').replace(/package\.json$/, 'dist/');

/** Only these names are served: our files and uPlot's build from node_modules. */
const ASSETS: Record<string, { path: string; type: string }> = {
  'console.js': { path: consoleDir + 'console.js', type: 'text/javascript; charset=utf-8' },
  'i18n.js': { path: consoleDir + 'i18n.js', type: 'text/javascript; charset=utf-8' },
  'console.css': { path: consoleDir + 'console.css', type: 'text/css; charset=utf-8' },
  'uPlot.iife.min.js': { path: uplotDir + 'uPlot.iife.min.js', type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { path: uplotDir + 'uPlot.min.css', type: 'text/css; charset=utf-8' },
};

const cache = new Map<string, string>();
function asset(name: string): { body: string; type: string } | null {
  const a = ASSETS[name];
  if (!a) return null;
  let body = cache.get(name);
  // Our own files are read on each request in development (edit and reload); uPlot once.
  if (body === undefined || !name.startsWith('uPlot')) {
    body = readFileSync(a.path, 'utf8');
    cache.set(name, body);
  }
  return { body, type: a.type };
}

function page(): string {
  return readFileSync(consoleDir + 'index.html', 'utf8');
}
