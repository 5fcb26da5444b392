// The autodialer's API side (docs/autodialer.md): agents' statuses, a campaign's agents as they are
// now, and a campaign's queue settings. Tenant-scoped like every v3 route.
//   PUT /v3/user/{uuid}/status             {"status":"Available"|"On Break"|"Logged Out"}
//   GET /v3/campaign/{uuid}/agents         the assigned agents: stored status, live state, today
//   GET /v3/campaign/{uuid}/queue_settings the queue's settings (storage/queue-settings.ts)
//   PUT /v3/campaign/{uuid}/queue_settings a partial change
// A change the runs must apply (a status, a setting) signals `configChanged` to the run of every
// running or paused autodialer campaign concerned; their provisioning (activities/callcenter.ts)
// reconciles mod_callcenter with the store at once.
import type { Client } from '@temporalio/client';
import { createRoute, z, type RouteConfig } from '@hono/zod-openapi';
import type { Db } from 'mongodb';
import { formatTimestamp, type CampaignDoc } from '../../domain/campaign.ts';
import { notifyRun } from '../../control/run.ts';
import { agentStatsToday, statsDay, type AgentDayStats } from '../../storage/agent-stats.ts';
import { AGENT_STATUSES, agentName, campaignAgents, setAgentStatus, type AgentRef } from '../../storage/agents.ts';
import { tenantCampaigns } from '../../storage/campaign-cache.ts';
import { campaignsOf, getCampaign } from '../../storage/campaigns.ts';
import {
  abandonMessageProblem,
  agentContactProblem,
  getQueueSettings,
  QUEUE_SETTINGS_BOUNDS,
  updateQueueSettings,
  type QueueSettings,
} from '../../storage/queue-settings.ts';
import { agentsQuery, campaignRunWorkflowId, type AgentLive } from '../../workflows/contract.ts';
import { ApiError } from '../errors.ts';
import type { App } from '../types.ts';
import { zInt } from '../validation.ts';
import { notFound } from './campaigns.ts';
import { ErrorBody, UuidParam } from './schemas.ts';

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const err = (description: string) => json(ErrorBody, description);
const body = <T>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });
const common = { 401: err('missing or invalid bearer token') } as const;

/** 400 for the autodialer-only endpoints on a campaign of another type. */
export const NOT_AUTODIALER = 'campaign is not an autodialer';
/** How long the agents list waits for the run's answer before saying `unknown`. */
export const LIVE_DEADLINE_MS = 2_000;
/** A notification of one run may take this long (Temporal slow or down: the request still answers). */
const NOTIFY_DEADLINE_MS = 2_000;

// ---------------------------------------------------------------- schemas

export const AgentStatusBody = z
  .object({
    status: z.enum(AGENT_STATUSES).openapi({ description: "mod_callcenter's words: `Available`, `On Break`, `Logged Out`" }),
  })
  .openapi('AgentStatusBody', { example: { status: 'Available' } });

const AgentStatusResult = z
  .object({ user_uuid: z.string(), extension: z.string(), display_name: z.string(), status: z.string() })
  .openapi('AgentStatus');

const ts = z
  .string()
  .nullable()
  .openapi({ description: "RFC 3339 in the tenant's time zone; null when none", example: '2023-03-06T17:57:54.65+07:00' });

const CampaignAgent = z
  .object({
    user_uuid: z.string(),
    extension: z.string(),
    display_name: z.string(),
    status: z.string().openapi({ description: 'the stored status (PUT /v3/user/{uuid}/status)' }),
    state: z.string().openapi({
      description:
        "mod_callcenter's state now: `Waiting`, `Receiving`, `In a queue call`, `Idle`; `unknown` when no run is open or it did not answer",
    }),
    live_status: z.string().nullable().openapi({
      description: "mod_callcenter's status now (e.g. `On Break` after max_no_answer offers left unanswered); null when unknown",
    }),
    calls_answered_today: z.number().int().openapi({ description: "calls talked on today (the tenant's day)" }),
    talk_time_today: z.number().int().openapi({ description: 'seconds talked today' }),
    last_call_at: ts.openapi({ description: 'when the last call ended' }),
    current_call: z
      .object({
        call_id: z.string().nullable(),
        since: ts.openapi({ description: 'when the agent was bridged' }),
      })
      .nullable()
      .openapi({ description: 'the call the agent is on (state `In a queue call`), else null' }),
  })
  .openapi('CampaignAgent');

const CampaignAgents = z
  .object({
    campaign_uuid: z.string(),
    day: z.string().openapi({ description: "today in the tenant's time zone (YYYY-MM-DD): the day the *_today counters count" }),
    live: z.boolean().openapi({ description: "true when the campaign's run answered with mod_callcenter's view" }),
    data: z.array(CampaignAgent),
  })
  .openapi('CampaignAgents');

const b = QUEUE_SETTINGS_BOUNDS;
const intIn = (k: keyof typeof b, description: string) =>
  zInt()
    .min(b[k][0])
    .max(b[k][1])
    .openapi({ description: `${description} (${b[k][0]}–${b[k][1]})` });
const checked = (problem: (s: string) => string | null, allowEmpty: boolean) =>
  z.string().superRefine((s, ctx) => {
    if (allowEmpty && s === '') return;
    const p = problem(s);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  });

const queueSettingsFields = {
  wrap_up_time: intIn('wrap_up_time', 'seconds an agent rests after a call before the next offer'),
  max_no_answer: intIn('max_no_answer', 'offers an agent may leave unanswered in a row before mod_callcenter puts it On Break (0 = never)'),
  agent_ring_timeout: intIn('agent_ring_timeout', "seconds an agent's phone rings before the offer fails"),
  no_answer_delay_time: intIn('no_answer_delay_time', 'seconds after an unanswered offer before the agent is offered again'),
  max_wait_time: intIn('max_wait_time', 'seconds an answered customer waits for an agent before being abandoned; 0 = no limit'),
  max_wait_time_with_no_agent: intIn('max_wait_time_with_no_agent', 'seconds a customer waits when no agent is logged in'),
  abandon_target_percent: z
    .number()
    .min(b.abandon_target_percent[0])
    .max(b.abandon_target_percent[1])
    .openapi({ description: 'abandoned ÷ answered (percent, decimals allowed) the pace keeps at or under (0–100)' }),
  adaptive: z.boolean().openapi({ description: 'lower the ratio while abandonment runs above the target, let it climb back after' }),
  predictive: z.boolean().openapi({
    description:
      'dial for the agents expected free within a ring time, by the talk times seen and the answer rate: (level × (free + expected free) − waiting) ÷ answer rate − ringing; lines in use ≤ Available agents × ratio % (the ratio is the ceiling); docs/autodialer.md, Predictive pace',
  }),
  abandon_message: checked(abandonMessageProblem, true).openapi({
    description:
      'what an abandoned customer hears (spoken by the TTS voice); "" = the default message; ≤ 500 characters, no `${`, no control characters',
  }),
  agent_contact: checked(agentContactProblem, true).openapi({
    description:
      'how an agent\'s phone is reached: a dial string with {extension}, {user_uuid}, {domain_uuid}; "" = AGENT_CONTACT_TEMPLATE. ≤ 200 characters, no `${`, spaces, quotes, `[ ] { }` outside the placeholders, `,` or `|`',
    example: 'sofia/internal/{extension}%pbx.example.com',
  }),
} satisfies Record<keyof QueueSettings, z.ZodType>;

export const QueueSettingsView = z.object(queueSettingsFields).openapi('QueueSettings');
export const QueueSettingsChange = z
  .strictObject(
    Object.fromEntries(Object.entries(queueSettingsFields).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof queueSettingsFields]: z.ZodOptional<(typeof queueSettingsFields)[K]>;
    },
  )
  .openapi('QueueSettingsChange', {
    description: 'Any of the settings; the others keep their value',
    example: { wrap_up_time: 15, max_wait_time: 30 },
  });

const routes = {
  status: createRoute({
    method: 'put',
    path: '/user/{uuid}/status',
    tags: ['v3 autodialer'],
    summary: "Set an agent's status (the runs of its running autodialer campaigns apply it at once)",
    request: { params: UuidParam, body: body(AgentStatusBody) },
    responses: {
      200: json(AgentStatusResult, 'the user and its status'),
      400: err('{"error":[{"status":"status must be one of the following: \\"Logged Out\\", \\"Available\\", \\"On Break\\""}]}'),
      404: err('{"error":"Not Found"}'),
      ...common,
    },
  }),
  agents: createRoute({
    method: 'get',
    path: '/campaign/{uuid}/agents',
    tags: ['v3 autodialer'],
    summary: "An autodialer campaign's agents now: status, mod_callcenter's state, today's calls and talk time, the current call",
    request: { params: UuidParam },
    responses: {
      200: json(CampaignAgents, 'the agents, in the order they were assigned'),
      400: err('{"error":"campaign is not an autodialer"}'),
      404: err('{"error":"Not Found"}'),
      ...common,
    },
  }),
  getSettings: createRoute({
    method: 'get',
    path: '/campaign/{uuid}/queue_settings',
    tags: ['v3 autodialer'],
    summary: "An autodialer campaign's queue settings (defaults filled in)",
    request: { params: UuidParam },
    responses: {
      200: json(QueueSettingsView, 'the settings'),
      400: err('{"error":"campaign is not an autodialer"}'),
      404: err('{"error":"Not Found"}'),
      ...common,
    },
  }),
  putSettings: createRoute({
    method: 'put',
    path: '/campaign/{uuid}/queue_settings',
    tags: ['v3 autodialer'],
    summary: 'Change some of the queue settings (a running campaign applies them at once)',
    request: { params: UuidParam, body: body(QueueSettingsChange) },
    responses: {
      200: json(QueueSettingsView, 'the settings after the change'),
      400: err('{"error":[{"wrap_up_time":"Must be less than or equal to 600"}]}, or {"error":"campaign is not an autodialer"}'),
      404: err('{"error":"Not Found"}'),
      ...common,
    },
  }),
} satisfies Record<string, RouteConfig>;

// ---------------------------------------------------------------- helpers

/** A campaign whose run may be open and provisioning agents: status start or pause. */
export const runsAgents = (c: Pick<CampaignDoc, 'type' | 'status'>): boolean =>
  c.type === 'autodialer' && (c.status === 'start' || c.status === 'pause');

/** The tenant's running or paused autodialer campaigns that have this user. */
export async function runningCampaignsOfUser(db: Db, domain_uuid: string, user_uuid: string): Promise<CampaignDoc[]> {
  const e = await tenantCampaigns(db, domain_uuid, campaignsOf(db));
  return [...e.byId.values()].filter((c) => runsAgents(c) && (c.users ?? []).includes(user_uuid));
}

/** Signal `configChanged` to these campaigns' runs (no run: nothing), each bounded in time. */
export async function notifyRuns(temporal: Client | undefined, campaign_uuids: string[]): Promise<void> {
  if (!temporal) return;
  await Promise.all(
    campaign_uuids.map((u) =>
      temporal.withDeadline(Date.now() + NOTIFY_DEADLINE_MS, () => notifyRun(temporal, u, 'configChanged')).catch(() => {}),
    ),
  );
}

/** The run's view of its agents: null when no run is open, Temporal is away, or the run does not answer in time. */
export async function liveAgents(temporal: Client | undefined, campaign_uuid: string): Promise<AgentLive[] | null> {
  if (!temporal) return null;
  try {
    return await temporal.withDeadline(Date.now() + LIVE_DEADLINE_MS, async () => {
      const h = temporal.workflow.getHandle(campaignRunWorkflowId(campaign_uuid));
      const d = await h.describe();
      if (d.status.name !== 'RUNNING') return null;
      const rows = await h.query(agentsQuery);
      return Array.isArray(rows) ? rows : null;
    });
  } catch {
    return null; // WorkflowNotFoundError (no run ever), a deadline, a run that does not answer the query
  }
}

const STATE_RANK: Record<string, number> = { 'In a queue call': 4, Receiving: 3, Waiting: 2, Idle: 1 };

/** One agent's rows (one per FreeSWITCH node) as one: the busiest state, the latest times. */
export function mergeLive(rows: AgentLive[]): AgentLive | undefined {
  if (!rows.length) return undefined;
  const top = [...rows].sort((a, b) => (STATE_RANK[b.state] ?? 0) - (STATE_RANK[a.state] ?? 0))[0]!;
  return {
    ...top,
    calls_answered: rows.reduce((n, r) => n + (Number(r.calls_answered) || 0), 0),
    talk_time: rows.reduce((n, r) => n + (Number(r.talk_time) || 0), 0),
    last_bridge_end: Math.max(...rows.map((r) => Number(r.last_bridge_end) || 0)),
    no_answer_count: Math.max(...rows.map((r) => Number(r.no_answer_count) || 0)),
  };
}

/** One row of GET /v3/campaign/{uuid}/agents. */
export function agentRow(ref: AgentRef, live: AgentLive | undefined, liveKnown: boolean, stats: AgentDayStats | undefined, tz: string) {
  const lastEnd = live && live.last_bridge_end > 0 ? new Date(live.last_bridge_end * 1000) : null;
  const stored = stats?.last_call_at ?? null;
  const last = lastEnd && (!stored || lastEnd > stored) ? lastEnd : stored;
  const inCall = live?.state === 'In a queue call';
  const since = inCall && live.last_bridge_start && live.last_bridge_start > 0 ? new Date(live.last_bridge_start * 1000) : null;
  return {
    user_uuid: ref.user_uuid,
    extension: ref.extension,
    display_name: ref.display_name,
    status: ref.status,
    state: liveKnown && live ? live.state : 'unknown',
    live_status: liveKnown && live ? live.status : null,
    calls_answered_today: stats?.calls_answered ?? 0,
    talk_time_today: stats?.talk_time ?? 0,
    last_call_at: last ? formatTimestamp(last, tz) : null,
    current_call: inCall ? { call_id: live.call_id || null, since: since ? formatTimestamp(since, tz) : null } : null,
  };
}

async function autodialerOf(db: Db, domain_uuid: string, uuid: string): Promise<CampaignDoc> {
  const doc = await getCampaign(db, domain_uuid, uuid);
  if (!doc) throw notFound();
  if (doc.type !== 'autodialer') throw new ApiError(400, { error: NOT_AUTODIALER });
  return doc;
}

// ---------------------------------------------------------------- routes

export function mountAgents(app: App): void {
  app.openapi(routes.status, async (c) => {
    const { db, temporal } = c.get('deps');
    const tenant = c.get('tenant');
    const { uuid } = c.req.valid('param');
    const { status } = c.req.valid('json');
    const ref = await setAgentStatus(db, tenant.domain_uuid, uuid, status);
    if (!ref) throw notFound();
    const campaigns = await runningCampaignsOfUser(db, tenant.domain_uuid, uuid);
    await notifyRuns(
      temporal,
      campaigns.map((x) => x.campaign_uuid),
    );
    return c.json({ user_uuid: ref.user_uuid, extension: ref.extension, display_name: ref.display_name, status: ref.status }, 200);
  });

  app.openapi(routes.agents, async (c) => {
    const { db, temporal } = c.get('deps');
    const tenant = c.get('tenant');
    const { uuid } = c.req.valid('param');
    const campaign = await autodialerOf(db, tenant.domain_uuid, uuid);
    const day = statsDay(new Date(), tenant.time_zone);
    const refs = await campaignAgents(db, campaign);
    const [stats, live] = await Promise.all([
      agentStatsToday(
        db,
        refs.map((r) => r.user_uuid),
        day,
      ),
      refs.length ? liveAgents(temporal, uuid) : Promise.resolve(null),
    ]);
    const byName = new Map<string, AgentLive[]>();
    for (const row of live ?? []) {
      if (!row || typeof row.agent_name !== 'string') continue;
      byName.set(row.agent_name, [...(byName.get(row.agent_name) ?? []), row]);
    }
    const data = refs.map((r) =>
      agentRow(r, mergeLive(byName.get(agentName(r.user_uuid)) ?? []), live !== null, stats.get(r.user_uuid), tenant.time_zone),
    );
    return c.json({ campaign_uuid: uuid, day, live: live !== null, data }, 200);
  });

  app.openapi(routes.getSettings, async (c) => {
    const { db } = c.get('deps');
    const tenant = c.get('tenant');
    const { uuid } = c.req.valid('param');
    await autodialerOf(db, tenant.domain_uuid, uuid);
    return c.json(await getQueueSettings(db, uuid), 200);
  });

  app.openapi(routes.putSettings, async (c) => {
    const { db, temporal } = c.get('deps');
    const tenant = c.get('tenant');
    const { uuid } = c.req.valid('param');
    const change = c.req.valid('json');
    await autodialerOf(db, tenant.domain_uuid, uuid);
    const set = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) as Partial<QueueSettings>;
    if (!Object.keys(set).length) return c.json(await getQueueSettings(db, uuid), 200);
    const settings = await updateQueueSettings(db, tenant.domain_uuid, uuid, set);
    await notifyRuns(temporal, [uuid]); // no run open: nothing to tell
    return c.json(settings, 200);
  });
}
