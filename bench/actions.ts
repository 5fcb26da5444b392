// Benchmark (issue 19): what a call costs in Temporal, counted from the workflow histories.
// For an autocall call with one callback (the cdr callback to `callback_url`), with 1 and with 2
// workers: Temporal Cloud actions and history events per call, split by workflow (lead, callback,
// the campaign run's share), beside the trivial one-activity workflow (pingWorkflow) on the same
// dev server in the same run, and each run's rate.
//
//   npx tsx bench/actions.ts [--leads 300] [--cap 50] [--ping 600] [--write]
//
// Actions are counted from history events the way Temporal Cloud bills them (docs.temporal.io,
// "Temporal Cloud Actions"): a workflow started (also by continue-as-new), an activity scheduled or
// retried (ActivityTaskStarted attempt > 1), local activities (one per workflow task that records
// any), a timer, a signal received, a search-attribute or memo upsert, an update accepted.
// Heartbeats and queries are actions too but leave no history event: heartbeats are reported
// apart (an estimate), queries are not made per call.
// Background workflows (node listener, report compactor) cost per second, not per call: their
// actions during the run are reported apart.
// Servers: TEMPORAL_ADDRESS / MONGODB_URI if set, else the dev server and store started here.
// `--write` replaces the "## Temporal actions per call" section of BENCHMARKS.md.
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { parseConfig } from '../config/index.ts';
import { ensureIndexes } from '../storage/indexes.ts';
import { connectMongo } from '../storage/mongo.ts';
import { callsOf } from '../storage/calls.ts';
import { createTenant } from '../storage/tenants.ts';
import { startSimulator } from '../simulator/server.ts';
import { ensureReportCompactor } from '../worker/report-compactor.ts';
import { campaignRunWorkflowId, progressQuery } from '../workflows/contract.ts';
import {
  benchAutocall,
  benchCarrier,
  benchEnv,
  benchLog as log,
  startBenchServers,
  startBenchWorker,
  storeBenchLeads,
  waitUntil,
  writeBenchSection,
  type BenchWorker,
} from './lib.ts';

const { values: opt } = parseArgs({
  options: {
    leads: { type: 'string', default: '300' },
    cap: { type: 'string', default: '50' },
    ping: { type: 'string', default: '600' },
    write: { type: 'boolean', default: false },
  },
});
const N = Number(opt.leads);
const CAP = Number(opt.cap);
const PING = Number(opt.ping);

const benchStart = Date.now();
const servers = await startBenchServers({ temporal: true, store: true, tmpPrefix: 'cr-bench-actions-' });
const sim = await startSimulator({
  port: 0,
  rules: { default: { action: 'answer', ringMs: 20, talkMs: 50 }, limits: { maxSessions: 100_000, sessionsPerSecond: 1_000_000 } },
});
// The callback receiver: answers 200 to every POST.
let received = 0;
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const receiverPort = (receiver.address() as { port: number }).port;
const config = parseConfig({ ...process.env, ...benchEnv(servers, sim.port), CALLBACK_ALLOW_PRIVATE: 'true' });
const mongo = await connectMongo(config);
await ensureIndexes(mongo.db);
const { tenant } = await createTenant(mongo.db, { name: 'bench' });
const carrier = await benchCarrier(mongo.db, tenant.domain_uuid);

// ---------------------------------------------------------------- counting

interface Tally {
  actions: number;
  events: number;
  byAction: Record<string, number>;
  /** Executions started eagerly (their first workflow task went back with the start). */
  eager: number;
}
const empty = (): Tally => ({ actions: 0, events: 0, byAction: {}, eager: 0 });
function add(t: Tally, kind: string, n = 1): void {
  t.actions += n;
  t.byAction[kind] = (t.byAction[kind] ?? 0) + n;
}
function merge(into: Tally, t: Tally): void {
  into.actions += t.actions;
  into.events += t.events;
  into.eager += t.eager;
  for (const [k, v] of Object.entries(t.byAction)) into.byAction[k] = (into.byAction[k] ?? 0) + v;
}

/** Actions and events of one execution's history. */
async function tallyRun(client: Client, workflowId: string, runId?: string): Promise<Tally> {
  const h = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const t = empty();
  if (h.events?.[0]?.workflowExecutionStartedEventAttributes?.eagerExecutionAccepted) t.eager = 1;
  const laTasks = new Set<string>();
  for (const e of h.events ?? []) {
    t.events++;
    const type = String(e.eventType);
    if (e.workflowExecutionStartedEventAttributes) add(t, 'workflow started');
    else if (e.activityTaskScheduledEventAttributes) add(t, 'activity');
    else if (e.activityTaskStartedEventAttributes && (e.activityTaskStartedEventAttributes.attempt ?? 1) > 1) add(t, 'activity retry');
    else if (e.markerRecordedEventAttributes) {
      const wft = String(e.markerRecordedEventAttributes.workflowTaskCompletedEventId ?? '');
      if (!laTasks.has(wft)) {
        laTasks.add(wft);
        add(t, 'local activities (per workflow task)');
      }
    } else if (e.timerStartedEventAttributes) add(t, 'timer');
    else if (e.workflowExecutionSignaledEventAttributes) add(t, `signal ${e.workflowExecutionSignaledEventAttributes.signalName}`);
    else if (e.upsertWorkflowSearchAttributesEventAttributes) add(t, 'search attributes upsert');
    else if (e.workflowPropertiesModifiedEventAttributes) add(t, 'memo upsert');
    else if (e.workflowExecutionUpdateAcceptedEventAttributes) add(t, 'update');
    else if (e.startChildWorkflowExecutionInitiatedEventAttributes) add(t, 'child workflow');
    else if (type === 'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW' || e.workflowExecutionContinuedAsNewEventAttributes) {
      /* the next run's start counts */
    }
  }
  return t;
}

/** Every run (continue-as-new included) of the executions a visibility query finds. */
async function tallyQuery(client: Client, query: string): Promise<{ tally: Tally; executions: number }> {
  const tally = empty();
  let executions = 0;
  const runs: Array<{ workflowId: string; runId: string }> = [];
  for await (const w of client.workflow.list({ query })) runs.push({ workflowId: w.workflowId, runId: w.runId });
  for (let i = 0; i < runs.length; i += 20) {
    const ts = await Promise.all(runs.slice(i, i + 20).map((r) => tallyRun(client, r.workflowId, r.runId)));
    for (const t of ts) {
      merge(tally, t);
      executions++;
    }
  }
  return { tally, executions };
}

const fmt = (t: Tally, per: number) =>
  `${(t.actions / per).toFixed(2)} actions, ${(t.events / per).toFixed(1)} events (${Object.entries(t.byAction)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${(v / per).toFixed(2)}`)
    .join(', ')})`;

const lines: string[] = [];
const out = (s: string) => {
  lines.push(s);
  log(s);
};

// ---------------------------------------------------------------- runs

async function trivial(client: Client): Promise<number> {
  const t0 = Date.now();
  let next = 0;
  const ids: string[] = [];
  const one = async (): Promise<void> => {
    while (next < PING) {
      const id = `bench-ping-${next++}-${randomUUID()}`;
      ids.push(id);
      await client.workflow.execute('pingWorkflow', { taskQueue: config.TEMPORAL_TASK_QUEUE, workflowId: id, args: ['x'] });
    }
  };
  await Promise.all(Array.from({ length: Math.min(CAP, PING) }, one));
  const perS = PING / ((Date.now() - t0) / 1000);
  const t = await tallyRun(client, ids[0]!);
  out(
    `trivial workflow (pingWorkflow, one activity), ${PING}, ${CAP} in flight: ${perS.toFixed(1)} workflows/s; per workflow ${fmt(t, 1)}`,
  );
  return perS;
}

async function engine(client: Client, workers: number): Promise<number> {
  const campaign = await benchAutocall(mongo.db, tenant.domain_uuid, carrier, {
    campaign_name: `bench-${workers}w`,
    concurrent_call: CAP,
    callback_url: `http://127.0.0.1:${receiverPort}/cdr`,
  });
  const c = campaign.campaign_uuid;
  await storeBenchLeads(
    mongo.db,
    { domain_uuid: tenant.domain_uuid, campaign_uuid: c },
    N,
    (i) => `0987${String(workers * 100_000 + i).padStart(6, '0')}`,
  );
  const receivedBefore = received;
  const tStart = new Date();
  sim.callLog.clear();
  const t0 = Date.now();
  await client.workflow.start('campaignRunWorkflow', {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowId: campaignRunWorkflowId(c),
    args: [{ campaign_uuid: c, domain_uuid: tenant.domain_uuid, options: { pollLeadsMs: 500 } }],
  });
  const run = client.workflow.getHandle(campaignRunWorkflowId(c));
  await waitUntil(async () => ((await run.query(progressQuery))?.done ?? 0) >= N, 600_000, 'every lead done', 250);
  const tDone = Date.now();
  await waitUntil(() => received - receivedBefore >= N, 120_000, 'every callback delivered', 100);
  const ats = sim.callLog
    .entries()
    .map((e) => e.at)
    .sort((a, b) => a - b);
  const callsPerS = ats.length / Math.max(0.001, (ats.at(-1)! - ats[0]!) / 1000);
  await new Promise((r) => setTimeout(r, 3_000)); // callback workflows close, visibility catches up
  await run.terminate('bench done');
  const tEnd = new Date();
  const calls = await callsOf(mongo.db).countDocuments({ campaign_uuid: c });
  const leads = await tallyQuery(client, `WorkflowType IN ('leadWorkflow', 'leadWorkflowV2') AND CampaignUuid = '${c}'`);
  const runT = await tallyQuery(client, `WorkflowId = '${campaignRunWorkflowId(c)}'`);
  const startIso = tStart.toISOString();
  const endIso = tEnd.toISOString();
  const cbs = await tallyQuery(
    client,
    `WorkflowType = 'callbackDeliveryWorkflow' AND StartTime >= '${startIso}' AND StartTime <= '${endIso}'`,
  );
  const bg = await tallyQuery(client, `WorkflowType IN ('nodeListenerWorkflow', 'reportCompactorWorkflow')`);
  const total = empty();
  merge(total, leads.tally);
  merge(total, runT.tally);
  merge(total, cbs.tally);
  out(
    `engine, ${workers} worker(s), ${N} leads, concurrent_call ${CAP}, one callback per call: ${calls} calls, ${callsPerS.toFixed(1)} calls/s ` +
      `(all done in ${((tDone - t0) / 1000).toFixed(1)} s), ${received - receivedBefore} callbacks received`,
  );
  out(`  per call, total: ${fmt(total, calls)}`);
  out(`  per call, lead workflow (${leads.executions} executions, ${leads.tally.eager} started eagerly): ${fmt(leads.tally, calls)}`);
  out(`  per call, callback workflow (${cbs.executions} executions): ${fmt(cbs.tally, calls)}`);
  out(`  per call, the campaign run's share (${runT.executions} runs): ${fmt(runT.tally, calls)}`);
  out(
    `  background (node listeners, report compactor), per second since the servers started: ${fmt(bg.tally, (Date.now() - benchStart) / 1000)}`,
  );
  return callsPerS;
}

let extra: BenchWorker | undefined;
const w1 = await startBenchWorker(config, mongo.db);
try {
  await ensureReportCompactor(w1.client, config.TEMPORAL_TASK_QUEUE);
  const ping1 = await trivial(w1.client);
  const e1 = await engine(w1.client, 1);
  out(`  engine ÷ trivial rate, 1 worker: ${(e1 / ping1).toFixed(2)}`);
  extra = await startBenchWorker(config, mongo.db);
  const e2 = await engine(w1.client, 2);
  const ping2 = await trivial(w1.client);
  out(`  engine ÷ trivial rate, 2 workers (one process): ${(e2 / ping2).toFixed(2)}`);
  out(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} at the end`,
  );
  const report = `## Temporal actions per call\n\n${lines.map((l) => `- ${l}`).join('\n')}\n`;
  process.stdout.write(`${report}\n`);
  if (opt.write) writeBenchSection('## Temporal actions per call', report);
} finally {
  await extra?.stop().catch(() => {});
  await w1.stop().catch(() => {});
  await mongo.db.dropDatabase().catch(() => {});
  await mongo.close();
  await sim.close();
  receiver.close();
  await servers.stop();
}
process.exit(0);
