// Benchmark (issue 19): big lists. With `--stored` leads (default 1,000,000) in other campaigns of
// the tenant, measure
//   1. the claim: the old query (one `find` over `leads`, filter + sort + limit 100: what
//      claimLeads did before the dial queue) beside the new claimLeads (dial queue, `_id` only),
//      on a 1,000-lead campaign, with 10,000 leads stored and with all of them;
//   2. POST /v2/autocall/queue with `--customers` (default 100,000) to a new queue: the answer's
//      time, the time until the staged import is stored (GET /v2/autocall/queue/import: done), the
//      API process's peak RSS (until then), the first originate of that queue after the answer
//      (from the simulator's call log), and another tenant's GET /v3/user latency (p50/p99) for
//      10 s before the post and from the post until the import is stored;
//   3. claims as a campaign drains: claimLeads(100) timed at every tenth of a `--drain`-lead
//      campaign (default 20,000), claimed away in between.
//
//   npx tsx bench/big-lists.ts [--stored 1000000] [--customers 100000] [--drain 20000] [--old-max] [--write]
//
// `--old-max` also times the old query with all `--stored` leads (a full scan: minutes on FerretDB).
// Servers: TEMPORAL_ADDRESS / MONGODB_URI if set, else the Temporal dev server and the store started
// here. The API runs as its own process; the worker and the FreeSWITCH simulator in this one.
// `--write` replaces the "## Big lists" section of BENCHMARKS.md.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { parseConfig } from '../config/index.ts';
import { freePort } from '../scripts/lib/procs.ts';
import { carriers, templates } from '../storage/directory.ts';
import { ensureIndexes } from '../storage/indexes.ts';
import { buildLead, claimLeads, leadsOf, storeLeads, type LeadDoc } from '../storage/leads.ts';
import { connectMongo } from '../storage/mongo.ts';
import { findQueue } from '../storage/v2-queues.ts';
import { createTenant } from '../storage/tenants.ts';
import { startSimulator } from '../simulator/server.ts';
import { campaignRunWorkflowId, leadWorkflowId } from '../workflows/contract.ts';
import { benchEnv, benchLog as log, pct, startBenchServers, startBenchWorker, stopChild, waitUntil, writeBenchSection } from './lib.ts';

const { values: opt } = parseArgs({
  options: {
    stored: { type: 'string', default: '1000000' },
    customers: { type: 'string', default: '100000' },
    drain: { type: 'string', default: '20000' },
    'old-max': { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
  },
});
const STORED = Number(opt.stored);
const CUSTOMERS = Number(opt.customers);
const DRAIN = Number(opt.drain);

const servers = await startBenchServers({ temporal: true, store: true, tmpPrefix: 'cr-bench-big-' });
const sim = await startSimulator({
  port: 0,
  rules: { default: { action: 'answer', ringMs: 20, talkMs: 50 }, limits: { maxSessions: 100_000, sessionsPerSecond: 100_000 } },
});
const env = benchEnv(servers, sim.port);
const config = parseConfig({ ...process.env, ...env });
const mongo = await connectMongo(config);
const db = mongo.db;
await ensureIndexes(db);
const { tenant, token } = await createTenant(db, { name: 'bench' });
await carriers(db).create(tenant.domain_uuid, {
  carrier_name: 'b',
  gateway: 'gw',
  caller_numbers: ['02873001234'],
  networks: [],
  cps: 0,
  description: '',
});
await templates(db).create(tenant.domain_uuid, {
  template_name: 'IVR-1',
  type_autocall: 'autocall_voice_tts',
  content: 'Hợp đồng {{contract_number}} đến hạn {{due_date}}',
  audio_file: '',
  otp_param: '',
  otp_repeat: 2,
  description: '',
});

const ms = (t0: number) => Math.round(performance.now() - t0);
const lines: string[] = [];
const out = (s: string) => {
  lines.push(s);
  log(s);
};

/** `n` leads of a campaign (not a run's: nothing dials them), stored as the importers store them. */
async function seed(campaign_uuid: string, n: number, from = 0): Promise<void> {
  for (let i = 0; i < n; i += 10_000) {
    const docs: LeadDoc[] = [];
    for (let k = i; k < Math.min(n, i + 10_000); k++) {
      docs.push(
        buildLead({
          domain_uuid: tenant.domain_uuid,
          campaign_uuid,
          phone_number: `09${String(10_000_000 + ((from + k) % 90_000_000)).slice(0, 8)}`,
          param: { contract_number: `HD${from + k}`, due_date: '2021-07-13', amount: 5_000_000 + k },
          source: 'v2_queue',
        }),
      );
    }
    await storeLeads(db, docs);
  }
}

/** The claim as it was before the dial queue: one query over `leads` (read only here). */
async function oldClaimQuery(campaign_uuid: string): Promise<number> {
  const t0 = performance.now();
  await leadsOf(db)
    .find({ campaign_uuid, $or: [{ status: 'new' }, { status: 'queued', claim: randomUUID() }] })
    .sort({ order: 1 })
    .limit(100)
    .toArray();
  return ms(t0);
}
async function newClaim(campaign_uuid: string, n = 100): Promise<number> {
  const t0 = performance.now();
  const got = await claimLeads(db, campaign_uuid, n);
  if (got.length === 0) throw new Error('claimed nothing');
  return ms(t0);
}

/**
 * Where the time to the first originate goes: the run's and the first lead's workflow histories,
 * each step's end in ms after the answer (workflow tasks, activities by name, the lead's start),
 * then the originate as the simulator received it.
 */
async function firstOriginatePath(campaign_uuid: string, lead_uuid: string, answeredAt: number, originateAt: number): Promise<string> {
  const at = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
    t ? Math.round(Number(t.seconds) * 1000 + (t.nanos ?? 0) / 1e6) - answeredAt : NaN;
  const steps = async (workflowId: string, label: string): Promise<string[]> => {
    const { events } = await workerRun.client.workflow.getHandle(workflowId).fetchHistory();
    const names = new Map<string, string>(); // scheduled event id → activity name
    const out: string[] = [];
    for (const ev of events ?? []) {
      const t = at(ev.eventTime);
      if (t > originateAt - answeredAt) continue; // after it (a started event is written with its completion)
      if (ev.workflowExecutionStartedEventAttributes) out.push(`${label} started ${t}`);
      else if (ev.workflowTaskCompletedEventAttributes) out.push(`${label} task ${t}`);
      else if (ev.activityTaskScheduledEventAttributes)
        names.set(String(ev.eventId), ev.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
      else if (ev.activityTaskStartedEventAttributes)
        out.push(`${names.get(String(ev.activityTaskStartedEventAttributes.scheduledEventId)) ?? '?'} picked up ${t}`);
      else if (ev.activityTaskCompletedEventAttributes)
        out.push(`${names.get(String(ev.activityTaskCompletedEventAttributes.scheduledEventId)) ?? '?'} done ${t}`);
    }
    return out;
  };
  try {
    const run = await steps(campaignRunWorkflowId(campaign_uuid), 'run');
    const lead = lead_uuid ? await steps(leadWorkflowId(lead_uuid), 'lead') : [];
    return [...run, ...lead, `originate ${originateAt - answeredAt}`].join(', ');
  } catch (err) {
    return `(histories not read: ${(err as Error).message})`;
  }
}

const workerRun = await startBenchWorker(config, db);
const apiPort = await freePort();
const api = spawn(process.execPath, ['--import', 'tsx', 'api/server.ts'], {
  env: { ...process.env, ...env, API_PORT: String(apiPort), LOG_LEVEL: 'info' },
  stdio: ['ignore', 'pipe', 'ignore'],
});
let apiOut = '';
const phases: string[] = [];
api.stdout!.on('data', (d: Buffer) => {
  apiOut += d.toString();
  let nl: number;
  while ((nl = apiOut.indexOf('\n')) >= 0) {
    const line = apiOut.slice(0, nl);
    apiOut = apiOut.slice(nl + 1);
    if (line.includes('"v2 queue import"')) phases.push(JSON.stringify(JSON.parse(line).ms));
  }
});
const baseUrl = `http://127.0.0.1:${apiPort}`;
const rssMb = (field: 'VmRSS' | 'VmHWM') => {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${api.pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
};

try {
  await waitUntil(async () => (await fetch(`${baseUrl}/healthz`)).status === 200, 60_000, 'the API');
  const probe = randomUUID();
  await seed(probe, 1_000, 900_000_000);
  const others = Array.from({ length: 10 }, () => randomUUID());

  // 1. The claim, old query and new, at 10,000 stored and at all of them.
  await seed(others[0]!, 10_000 - 1_000);
  out(
    `claim of 100 on a 1,000-lead campaign, 10,000 leads stored: old query ${await oldClaimQuery(probe)} ms, new claim ${await newClaim(probe)} ms`,
  );
  const tSeed = performance.now();
  for (let i = 0; i < 10; i++) {
    const n = Math.floor((STORED - 10_000) / 10);
    await seed(others[i]!, n, (i + 1) * 1_000_000);
    log(`seeded ${(i + 1) * n + 10_000} leads (${ms(tSeed)} ms)`);
  }
  const stored = 10_000 + 10 * Math.floor((STORED - 10_000) / 10); // (a count is a scan on FerretDB: minutes)
  out(`seeded ${stored} leads in 11 campaigns in ${Math.round(ms(tSeed) / 1000)} s (storeLeads, batches of 1,000)`);
  const newAtMax = [await newClaim(probe), await newClaim(probe), await newClaim(probe)];
  out(`claim of 100 on the same campaign, ${stored} leads stored: new claim ${newAtMax.join(' / ')} ms (three claims)`);
  if (opt['old-max']) out(`  old query with ${stored} stored: ${await oldClaimQuery(probe)} ms`);

  // 2. A new v2 queue of CUSTOMERS customers, while another tenant reads.
  const other = await createTenant(db, { name: 'bench-other' });
  const reads = async (until: () => boolean): Promise<number[]> => {
    const out: number[] = [];
    while (!until()) {
      const t = performance.now();
      await fetch(`${baseUrl}/v3/user`, { headers: { authorization: `Bearer ${other.token}` } }).then((r) => r.arrayBuffer());
      out.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 100));
    }
    return out;
  };
  const tBefore = performance.now();
  const readsBefore = await reads(() => performance.now() - tBefore > 10_000);
  const customers = Array.from({ length: CUSTOMERS }, (_, i) => ({
    id: `BIG-${i}`,
    mobiles: [`09${String(80_000_000 + i).padStart(8, '0')}`, `03${String(50_000_000 + i).padStart(8, '0')}`],
    contract_number: `HD${String(i).padStart(7, '0')}`,
    upcoming_due_date: '2021-07-13',
    upcoming_amount: 5_000_000 + i,
    due_date: '2021-07-13',
    dpd: i % 30,
    number_of_ovd_inst: 6,
    total_ovd_amount: 3_211_100,
  }));
  const payload = JSON.stringify({ queue_code: 'big', template: 'IVR-1', concurrent_call: 50, max_recall_count: 0, customers });
  const rssBefore = rssMb('VmRSS');
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb('VmRSS'))), 50);
  let importDone = false;
  const readsDuring = reads(() => importDone);
  const t0 = performance.now();
  const res = await fetch(`${baseUrl}/v2/autocall/queue`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: payload,
  });
  const json = (await res.json()) as { data?: { success?: string[]; fail?: string[] } };
  const postMs = ms(t0);
  const answeredAt = Date.now();
  const q = await findQueue(db, tenant.domain_uuid, 'big');
  let firstMs: number | null = null;
  let firstPath = '';
  if (q) {
    await waitUntil(() => sim.callLog.byVariable('campaign_uuid', q.campaign_uuid).length > 0, 60_000, 'the first originate').catch(
      () => {},
    );
    const e = sim.callLog.byVariable('campaign_uuid', q.campaign_uuid)[0];
    firstMs = e ? e.at - answeredAt : null;
    if (e) firstPath = await firstOriginatePath(q.campaign_uuid, e.variables.lead_uuid ?? '', answeredAt, e.at);
  }
  // Until the staged import is stored (a post of ≤ 1,000 usable customers has none: stored already).
  let storedMs = postMs;
  let importState = 'none';
  await waitUntil(
    async () => {
      const r = await fetch(`${baseUrl}/v2/autocall/queue/import?queue_code=big`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await r.json()) as { data?: { state?: string; stored?: number } };
      importState = body.data?.state ?? 'none';
      return r.status === 404 || importState === 'done';
    },
    3_600_000,
    'the import stored',
  );
  storedMs = ms(t0);
  importDone = true;
  clearInterval(sampler);
  const during = await readsDuring;
  const stat = (xs: number[]) => `p50 ${Math.round(pct(xs, 50))} ms, p99 ${Math.round(pct(xs, 99))} ms (${xs.length} reads)`;
  out(
    `POST /v2/autocall/queue, ${CUSTOMERS} customers (${(payload.length / 1e6).toFixed(1)} MB), ${stored} leads stored: HTTP ${res.status}, ` +
      `${json.data?.success?.length ?? 0} success / ${json.data?.fail?.length ?? 0} fail, answer ${postMs} ms, ` +
      `API RSS ${rssBefore} → peak ${rssPeak} MB until stored (VmHWM ${rssMb('VmHWM')} MB), first originate ${firstMs} ms after the answer, ` +
      `all stored (import ${importState}) ${storedMs} ms after the post`,
  );
  out(`another tenant's GET /v3/user: before the post ${stat(readsBefore)}; from the post until stored ${stat(during)}`);
  if (firstPath) out(`  first originate, step by step (ms after the answer; from the histories): ${firstPath}`);
  await new Promise((r) => setTimeout(r, 300));
  if (phases.length) out(`  API phases (ms): ${phases.at(-1)}`);
  await fetch(`${baseUrl}/v2/autocall/queue/stop`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ queue_code: 'big' }),
  });

  // 3. Claims as a campaign drains.
  const drain = randomUUID();
  await seed(drain, DRAIN, 500_000_000);
  const samples: string[] = [];
  for (let left = DRAIN; left > 100;) {
    const t = await newClaim(drain);
    samples.push(`${DRAIN - left}: ${t}`);
    left -= 100;
    const skip = Math.min(left - 100, Math.floor(DRAIN / 10) - 100);
    if (skip > 0) {
      await claimLeads(db, drain, skip);
      left -= skip;
    } else break;
  }
  out(`claim of 100 as a ${DRAIN}-lead campaign drains (already claimed: ms): ${samples.join(', ')}`);
  out(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} at the end`,
  );
  const report = `## Big lists (issue 19)\n\n${lines.map((l) => `- ${l}`).join('\n')}\n`;
  process.stdout.write(`${report}\n`);
  if (opt.write) writeBenchSection('## Big lists', report);
} finally {
  await stopChild(api).catch(() => {});
  await workerRun.stop().catch(() => {});
  await mongo.db.dropDatabase().catch(() => {});
  await mongo.close();
  await sim.close();
  await servers.stop();
}
process.exit(0);
