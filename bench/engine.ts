// Benchmark: end-to-end dial throughput of the engine (campaign run → lead workflows → originate
// on the simulator) for N leads with short calls, beside a bare ESL loop (EslClient on modesl, the
// same cap) against the same simulator: the limit.
//
//   npx tsx bench/engine.ts [--leads 2000] [--cap 500]
//
// Servers: TEMPORAL_ADDRESS / MONGODB_URI if set, else the dev server and store started here.
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { parseConfig } from '../config/index.ts';
import { ensureIndexes } from '../storage/indexes.ts';
import { leadsOf } from '../storage/leads.ts';
import { connectMongo } from '../storage/mongo.ts';
import { createTenant } from '../storage/tenants.ts';
import { EslClient } from '../telephony/esl/index.ts';
import { startSimulator } from '../simulator/server.ts';
import { ensureReportCompactor } from '../worker/report-compactor.ts';
import { callsOf } from '../storage/calls.ts';
import { campaignRunWorkflowId, progressQuery } from '../workflows/contract.ts';
import {
  benchEnv,
  benchLog as log,
  pct,
  startBenchServers,
  startBenchWorker,
  storeBenchLeads,
  benchCarrier,
  benchAutocall,
} from './lib.ts';

const { values: opt } = parseArgs({
  options: {
    leads: { type: 'string', default: '2000' },
    cap: { type: 'string', default: '500' },
    // The simulator's sessions-per-second limit (FreeSWITCH `sessions-per-second`): 0 = none.
    sps: { type: 'string', default: '0' },
    skip: { type: 'string', default: '' },
  },
});
const N = Number(opt.leads);
const CAP = Number(opt.cap);
const SPS = Number(opt.sps);
const skip = new Set(opt.skip.split(',').filter(Boolean));

const servers = await startBenchServers({ temporal: true, store: true, tmpPrefix: 'cr-bench-' });
const sim = await startSimulator({
  port: 0,
  rules: {
    default: { action: 'answer', ringMs: 20, talkMs: 50 },
    limits: { maxSessions: 100_000, sessionsPerSecond: SPS > 0 ? SPS : 1_000_000 },
  },
});
const config = parseConfig({ ...process.env, ...benchEnv(servers, sim.port) });

function stats(entries: Array<{ at: number }>, t0: number) {
  const ats = entries.map((e) => e.at).sort((a, b) => a - b);
  const secs = (ats[ats.length - 1]! - ats[0]!) / 1000;
  return { calls: ats.length, calls_per_s: Math.round(ats.length / Math.max(secs, 0.001)), first_after_ms: ats[0]! - t0, span_s: secs };
}

log(`simulator: answer after 20 ms, talk 50 ms, sessions-per-second ${SPS > 0 ? SPS : 'unlimited'}; ${N} leads, concurrent_call ${CAP}`);

// 1. The limit: a bare loop on one ESL connection, CAP originates in flight.
if (!skip.has('bare')) {
  const c = new EslClient({ host: '127.0.0.1', port: sim.port, password: sim.password });
  await c.start();
  sim.callLog.clear();
  const t0 = Date.now();
  let next = 0;
  const one = async (): Promise<void> => {
    while (next < N) {
      const i = next++;
      const u = randomUUID();
      await c.bgapi(
        `originate {origination_uuid=${u},campaign_uuid=bare,originate_timeout=30}sofia/gateway/gw/0986${String(i).padStart(6, '0')} &park()`,
        { jobUuid: u },
      );
    }
  };
  await Promise.all(Array.from({ length: CAP }, one));
  const s = stats(sim.callLog.entries(), t0);
  log(`bare ESL loop: ${JSON.stringify({ ...s, max_concurrent: sim.callLog.peakConcurrency() })}`);
  await c.close();
}

// 2. and 3.: the worker, as the product runs it.
const mongo = await connectMongo(config);
await ensureIndexes(mongo.db);
const { tenant } = await createTenant(mongo.db, { name: 'bench' });
const carrier = await benchCarrier(mongo.db, tenant.domain_uuid);
const campaign = await benchAutocall(mongo.db, tenant.domain_uuid, carrier, { campaign_name: 'bench', concurrent_call: CAP, hopper: 1000 });
await storeBenchLeads(
  mongo.db,
  { domain_uuid: tenant.domain_uuid, campaign_uuid: campaign.campaign_uuid },
  N,
  (i) => `0987${String(i).padStart(6, '0')}`,
);
const workerRun = await startBenchWorker(config, mongo.db);
const { client } = workerRun;
await ensureReportCompactor(client, config.TEMPORAL_TASK_QUEUE);

// 2. A trivial workflow on the same dev server and worker: pingWorkflow (one activity), N of them,
//    CAP in flight — what Temporal itself does per second here.
if (!skip.has('trivial')) {
  const t0 = Date.now();
  let next = 0;
  const one = async (): Promise<void> => {
    while (next < N) {
      const i = next++;
      await client.workflow.execute('pingWorkflow', {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workflowId: `bench-ping-${i}-${randomUUID()}`,
        args: ['x'],
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(CAP, N) }, one));
  const secs = (Date.now() - t0) / 1000;
  log(`trivial workflow: ${JSON.stringify({ workflows: N, per_s: Math.round(N / secs), span_s: secs })}`);
}

// 3. The engine.
if (skip.has('engine')) {
  await workerRun.stop();
  await servers.stop();
  process.exit(0);
}
sim.callLog.clear();
const t0 = Date.now();
await client.workflow.start('campaignRunWorkflow', {
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  workflowId: campaignRunWorkflowId(campaign.campaign_uuid),
  args: [{ campaign_uuid: campaign.campaign_uuid, domain_uuid: tenant.domain_uuid, options: { pollLeadsMs: 500 } }],
});
const run = client.workflow.getHandle(campaignRunWorkflowId(campaign.campaign_uuid));
for (;;) {
  const p = await run.query(progressQuery).catch(() => null);
  if (p && p.done >= N) break;
  if (Date.now() - t0 > 600_000) throw new Error(`${p?.done ?? 0} of ${N} leads done after 10 min`);
  await new Promise((r) => setTimeout(r, 250));
}
const tDone = Date.now();
if (process.env.BENCH_HISTORY) {
  // Where a lead's time goes: its workflow history, event times relative to its start.
  const sample = await leadsOf(mongo.db)
    .find({ campaign_uuid: campaign.campaign_uuid })
    .sort({ order: 1 })
    .skip(Math.floor(N / 2))
    .limit(1)
    .toArray();
  const h = await client.workflow.getHandle(`lead:${sample[0]!._id}`).fetchHistory();
  const t = (e: { eventTime?: unknown }) => {
    const ts = e.eventTime as { seconds?: { toNumber(): number }; nanos?: number };
    return (ts.seconds?.toNumber() ?? 0) * 1000 + (ts.nanos ?? 0) / 1e6;
  };
  const start = t(h.events![0]!);
  for (const e of h.events!)
    log(
      `  +${(t(e) - start).toFixed(0)} ms ${e.eventType} ${Object.entries(e).find(([k, v]) => k.endsWith('Attributes') && v)?.[0] ?? ''}`,
    );
}
const s = stats(sim.callLog.entries(), t0);
// Ready (the run granted the slot) → originate sent, from the call records.
const recs = await callsOf(mongo.db)
  .find({ campaign_uuid: campaign.campaign_uuid }, { projection: { slot_granted_at: 1, originate_sent_at: 1 } })
  .toArray();
const lat = recs.flatMap((r) =>
  r.slot_granted_at && r.originate_sent_at ? [r.originate_sent_at.getTime() - r.slot_granted_at.getTime()] : [],
);
log(
  `engine: ${JSON.stringify({
    ...s,
    all_done_s: (tDone - t0) / 1000,
    max_concurrent: sim.callLog.peakConcurrency(),
    ready_to_originate_ms: { n: lat.length, p50: pct(lat, 50), p99: pct(lat, 99), max: Math.max(...lat) },
  })}`,
);
await run.terminate('bench done');
await workerRun.stop();
await mongo.db.dropDatabase();
await mongo.close();
await sim.close();
await servers.stop();
process.exit(0);
