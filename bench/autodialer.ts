// Benchmark: the autodialer with 50 simulated agents (talk 20–60 s, answer delays 1–5 s) and a
// realistic customer mix, at a fixed ratio 200, at the adaptive pace (ratio 300 ceiling) and at the
// predictive pace (ratio 300 ceiling), for 10 simulated minutes each. Reports agent occupancy (share
// of logged-in agent time talking: every bridge of the campaign's queue within the run, the ones
// still up at the end counted to the end; also without the first simulated minute), the abandon
// rate (abandoned ÷ answered customers), the customers' queue wait p50/p99 and the 1-minute load
// average before and after.
//
//   npx tsx bench/autodialer.ts [--agents 50] [--minutes 10] [--scale 0.1]
//     [--runs ratio200,adaptive,predictive] [--wrap-up 5] [--agent-answer 1-5]
//
// Time scale: every time the simulation is made of is multiplied by `--scale` — customer ring and
// talk times, agent answer delays, the queue's second-based limits (the simulator's timeScale) and
// the pacing's own times (EngineOptions.pacingScale) — so 10 simulated minutes take 1 real minute
// at 0.1. What does not scale: the engine's own latencies (Temporal, the store, ESL round trips),
// which are therefore 10× larger in simulated time than in production; the numbers are a lower
// bound on what real time gives.
import { serve } from '@hono/node-server';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createApp } from '../api/app.ts';
import { mountRoutes } from '../api/routes.ts';
import { parseConfig } from '../config/index.ts';
import { defaultSettings } from '../domain/campaign.ts';
import type { AgentEndpointRule } from '../simulator/rules.ts';
import { startSimulator } from '../simulator/server.ts';
import { setAgentStatus } from '../storage/agents.ts';
import { callsOf } from '../storage/calls.ts';
import { createCampaign } from '../storage/campaigns.ts';
import { carriers, users } from '../storage/directory.ts';
import { ensureIndexes } from '../storage/indexes.ts';
import { connectMongo } from '../storage/mongo.ts';
import { updateQueueSettings } from '../storage/queue-settings.ts';
import { createTenant } from '../storage/tenants.ts';
import { freePort } from '../scripts/lib/procs.ts';
import { campaignRunWorkflowId, progressQuery } from '../workflows/contract.ts';
import { benchEnv, benchLog as log, pct, startBenchServers, startBenchWorker, storeBenchLeads } from './lib.ts';

const { values: opt } = parseArgs({
  options: {
    agents: { type: 'string', default: '50' },
    minutes: { type: 'string', default: '10' },
    scale: { type: 'string', default: '0.1' },
    // Which runs, in order: fixed ratio 200, adaptive (ratio-300 ceiling), predictive (ceiling 300).
    runs: { type: 'string', default: 'ratio200,adaptive,predictive' },
    'wrap-up': { type: 'string', default: '5' },
    // Seconds an agent takes to answer an offer, a range (1–5: picks up by hand; 0.5–1.5: auto-answer).
    'agent-answer': { type: 'string', default: '1-5' },
  },
});
const AGENTS = Number(opt.agents);
const SIM_MS = Number(opt.minutes) * 60_000;
const SCALE = Number(opt.scale);
const s = (ms: number) => Math.round(ms * SCALE);
const PASSWORD = 'bench-freeswitch-password';

const servers = await startBenchServers({ temporal: true, store: true, tmpPrefix: 'cr-bench-ad-' });
const apiPort = await freePort();
// A seeded pseudo-random source, so both runs meet the same agents.
let seed = 42;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const endpoints: Record<string, AgentEndpointRule> = {};
const [answerMin, answerMax] = opt['agent-answer'].split('-').map((x) => Number(x) * 1000) as [number, number];
const WRAP_UP_S = Number(opt['wrap-up']);
for (let i = 0; i < AGENTS; i++)
  endpoints[String(3000 + i)] = { action: 'answer', ringMs: s(answerMin + rnd() * (answerMax - answerMin)), talkMs: null };
const sim = await startSimulator({
  port: 0,
  timeScale: SCALE,
  xmlCurlUrl: `http://freeswitch:${PASSWORD}@127.0.0.1:${apiPort}/freeswitch/xml`,
  rules: {
    mediaMs: s(4_000),
    missingMedia: 'play',
    // Customers: about 55 % answer after ringing 3–15 s and talk 20–60 s (with the agent: the
    // talk ends the call), the rest busy, unanswered or unreachable.
    mix: {
      weights: { answer: 55, busy: 15, noanswer: 20, unallocated: 10 },
      ringMs: [s(3_000), s(15_000)],
      talkMs: [s(20_000), s(60_000)],
    },
    limits: { maxSessions: 100_000, sessionsPerSecond: 1_000_000 },
    callcenter: { endpoints },
  },
});
const config = parseConfig({
  ...process.env,
  ...benchEnv(servers, sim.port),
  FREESWITCH_HTTP_PASSWORD: PASSWORD,
  AUDIO_DELIVERY: 'path',
  LOG_LEVEL: 'warn',
});
const mongo = await connectMongo(config);
await ensureIndexes(mongo.db);
const api = serve({
  fetch: createApp({ config, db: mongo.db, logger: pino({ level: 'silent' }) }, mountRoutes).fetch,
  hostname: '127.0.0.1',
  port: apiPort,
});
const { tenant } = await createTenant(mongo.db, { name: 'bench' });
const carrier = await carriers(mongo.db).create(tenant.domain_uuid, {
  carrier_name: 'b',
  gateway: 'gw',
  caller_numbers: [],
  networks: [],
  cps: 0,
  description: '',
});
const agentIds: string[] = [];
for (let i = 0; i < AGENTS; i++) {
  const u = await users(mongo.db).create(tenant.domain_uuid, {
    username: `a${i}`,
    extension: String(3000 + i),
    display_name: `A${i}`,
    enabled: true,
  });
  agentIds.push(u.user_uuid);
  await setAgentStatus(mongo.db, tenant.domain_uuid, u.user_uuid, 'Available');
}
const worker = await startBenchWorker(config, mongo.db);

log(
  `${AGENTS} agents, ${opt.minutes} simulated minutes per run at scale ${SCALE}; wrap-up ${WRAP_UP_S} s, agents answer in ${opt['agent-answer']} s; store ${servers.storeKind}`,
);

async function runOnce(label: string, ratio: number, adaptive: boolean, predictive = false): Promise<void> {
  const campaign = await createCampaign(mongo.db, tenant.domain_uuid, {
    ...defaultSettings('autodialer'),
    campaign_name: `bench-${label}`,
    type: 'autodialer',
    active: true,
    ratio: ratio <= 400 ? ratio : 0,
    custom_ratio: ratio > 400 ? ratio : 0,
    carrier_uuid: carrier.carrier_uuid,
    carrier_name: carrier.carrier_name,
    template_name: '',
    users: agentIds,
    call_center_queue_strategy: 'longest-idle-agent',
    call_timeout: 20,
  });
  const uuid = campaign.campaign_uuid;
  await updateQueueSettings(mongo.db, tenant.domain_uuid, uuid, {
    wrap_up_time: WRAP_UP_S,
    agent_ring_timeout: 15,
    max_wait_time: 20,
    max_wait_time_with_no_agent: 10,
    adaptive,
    predictive,
    abandon_target_percent: 3,
  });
  const digit = { ratio200: '8', adaptive: '7', predictive: '6' }[label] ?? '5';
  await storeBenchLeads(
    mongo.db,
    { domain_uuid: tenant.domain_uuid, campaign_uuid: uuid },
    20_000,
    (i) => `09${digit}${String(i).padStart(7, '0')}`,
  );
  const loadBefore = loadavg()[0]!.toFixed(2);
  const t0 = Date.now();
  const agentsBefore = sim.callLog.callcenter.agentStats();
  await worker.client.workflow.start('campaignRunWorkflow', {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowId: campaignRunWorkflowId(uuid),
    args: [
      {
        campaign_uuid: uuid,
        domain_uuid: tenant.domain_uuid,
        options: { pollLeadsMs: 300, reconcileAfterMs: s(60_000) + 5_000, pacingScale: SCALE },
      },
    ],
  });
  const h = worker.client.workflow.getHandle(campaignRunWorkflowId(uuid));
  const end = Date.now() + s(SIM_MS);
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, Math.min(5_000, end - Date.now())));
    if (process.env.BENCH_DEBUG) {
      // A progress line every 5 s (a query the worker may be too busy to answer: skipped then).
      try {
        const p = await h.query(progressQuery);
        const live = (await h.query('agents')) as Array<{ status: string; state: string }>;
        log(
          `  t+${Math.round((Date.now() - t0) / 1000)}s dialing ${p.dialing} hopper ${p.hopper} calls ${p.calls} ratio ${p.ratio} agents ${JSON.stringify(live.reduce((m: Record<string, number>, a) => ((m[a.state] = (m[a.state] ?? 0) + 1), m), {}))}`,
        );
      } catch (err) {
        log(`  t+${Math.round((Date.now() - t0) / 1000)}s (query: ${(err as Error).message})`);
      }
    }
  }
  const progress = await h.query(progressQuery).catch(() => undefined); // a busy worker may not answer
  await h.signal('stop');
  const tEnd = Date.now();
  // Occupancy: agents' talk time within [t0, tEnd] — every bridge of the campaign's queue, the ones
  // still up at the end counted to tEnd — ÷ agents × the run's length. Also from the end of the
  // first simulated minute (the ramp-up left out), and the earlier measure (calls ended by tEnd only).
  const q = `campaign-${uuid}`;
  const talkWithin = (from: number, to: number) =>
    sim.callLog.callcenter
      .offers()
      .filter((o) => o.queue === q && o.bridgedAt !== undefined)
      .reduce((sum, o) => {
        const end = o.talkMs !== undefined ? o.bridgedAt! + o.talkMs : to;
        return sum + Math.max(0, Math.min(end, to) - Math.max(o.bridgedAt!, from));
      }, 0);
  const occupancy = talkWithin(t0, tEnd) / (AGENTS * (tEnd - t0));
  const tSteady = t0 + s(60_000);
  const occupancySteady = talkWithin(tSteady, tEnd) / (AGENTS * (tEnd - tSteady));
  const after = sim.callLog.callcenter.agentStats();
  let endedTalkMs = 0;
  for (const [name, st] of Object.entries(after)) endedTalkMs += st.talkMs - (agentsBefore[name]?.talkMs ?? 0);
  const occupancyEnded = endedTalkMs / (AGENTS * (tEnd - t0));
  const members = sim.callLog.callcenter.members().filter((m) => m.queue === q && m.joinedAt >= t0);
  const answeredCustomers = members.length;
  const abandoned = members.filter((m) => m.result === 'cancel').length;
  const waits = members.filter((m) => m.leftAt).map((m) => (m.leftAt! - m.joinedAt) / SCALE / 1000);
  const calls = await callsOf(mongo.db).countDocuments({ campaign_uuid: uuid });
  log(
    `${label}: ${JSON.stringify({
      ratio_configured: ratio,
      ratio_at_end: progress?.ratio,
      calls_placed: calls,
      customers_answered: answeredCustomers,
      abandoned,
      abandon_rate_pct: Math.round((1000 * abandoned) / Math.max(1, answeredCustomers)) / 10,
      occupancy_pct: Math.round(1000 * occupancy) / 10,
      occupancy_after_1st_min_pct: Math.round(1000 * occupancySteady) / 10,
      occupancy_ended_calls_only_pct: Math.round(1000 * occupancyEnded) / 10,
      queue_wait_s: { p50: pct(waits, 50), p99: pct(waits, 99) },
      load_average_1min: { before: loadBefore, after: loadavg()[0]!.toFixed(2) },
    })}`,
  );
  // Let the calls up end before the next run (the agents must be free).
  await new Promise((r) => setTimeout(r, s(70_000)));
}

const RUNS: Record<string, () => Promise<void>> = {
  ratio200: () => runOnce('ratio200', 200, false),
  adaptive: () => runOnce('adaptive', 300, true),
  predictive: () => runOnce('predictive', 300, true, true),
};
for (const r of opt.runs.split(',')) await RUNS[r]!();
await worker.stop();
await new Promise((r) => api.close(r));
await mongo.db.dropDatabase();
await mongo.close();
await sim.close();
await servers.stop();
