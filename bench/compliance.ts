// Benchmark: calling within the rules (docs/compliance.md).
//   A. POST /v3/dnc with 100,000 numbers in one request (time; the process's heap and RSS peak) and
//      its replay; the dial-time DNC lookup against that list.
//   B. The contact-limit check per dial (storage/contact-slots.ts reserveContact): allowed (a fresh
//      number), refused (a number at its limit), eight dials racing for one number's last call.
//   C. Engine calls/s for N leads without a policy and with one (1 call per number per 24 h).
//
//   npx tsx bench/compliance.ts [--dnc 100000] [--checks 2000] [--leads 1000] [--cap 200] [--skip engine] [--write]
//
// Servers: TEMPORAL_ADDRESS / MONGODB_URI if set, else the dev server and store started here.
// `--write` replaces the "## Compliance" section of BENCHMARKS.md.
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import http from 'node:http';
import { serve } from '@hono/node-server';
import pino from 'pino';
import { createApp } from '../api/app.ts';
import { mountRoutes } from '../api/routes.ts';
import { parseConfig } from '../config/index.ts';
import { defaultSettings } from '../domain/campaign.ts';
import { NO_POLICY } from '../domain/compliance.ts';
import { startSimulator } from '../simulator/server.ts';
import { createCampaign, type NewCampaign } from '../storage/campaigns.ts';
import { reserveContact } from '../storage/contact-slots.ts';
import { ensureIndexes } from '../storage/indexes.ts';
import { connectMongo } from '../storage/mongo.ts';
import { putTenantPolicy } from '../storage/policy.ts';
import { anyOnDnc } from '../storage/tenant-dnc.ts';
import { createTenant } from '../storage/tenants.ts';
import { campaignRunWorkflowId, progressQuery } from '../workflows/contract.ts';
import {
  benchEnv,
  benchLog as log,
  pct,
  startBenchServers,
  startBenchWorker,
  storeBenchLeads,
  writeBenchSection,
  benchCarrier,
} from './lib.ts';

const { values: opt } = parseArgs({
  options: {
    dnc: { type: 'string', default: '100000' },
    checks: { type: 'string', default: '2000' },
    leads: { type: 'string', default: '1000' },
    cap: { type: 'string', default: '200' },
    skip: { type: 'string', default: '' },
    write: { type: 'boolean', default: false },
  },
});
const DNC = Number(opt.dnc);
const CHECKS = Number(opt.checks);
const N = Number(opt.leads);
const CAP = Number(opt.cap);
const skip = new Set(opt.skip.split(',').filter(Boolean));
const out: string[] = [];
const note = (s: string) => {
  log(s);
  out.push(s);
};
const mb = (b: number) => `${(b / 1_048_576).toFixed(0)} MiB`;
const ms = (x: number) => (x < 1 ? `${(x * 1000).toFixed(0)} µs` : `${x.toFixed(2)} ms`);

const servers = await startBenchServers({ temporal: !skip.has('engine'), store: true, tmpPrefix: 'cr-bench-compliance-' });
const sim = await startSimulator({
  port: 0,
  rules: { default: { action: 'answer', ringMs: 20, talkMs: 50 }, limits: { maxSessions: 100_000, sessionsPerSecond: 1_000_000 } },
});
const config = parseConfig({ ...process.env, ...benchEnv(servers, sim.port) });
const mongo = await connectMongo(config);
const db = mongo.db;
const load0 = loadavg()[0]!.toFixed(2);

// ---- A. the DNC import ----------------------------------------------------------------------------
await ensureIndexes(db);
const { tenant, token } = await createTenant(db, { name: 'bench' });
{
  const app = createApp({ config, db, logger: pino({ level: 'silent' }) }, mountRoutes);
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as { port: number }).port;
  const numbers = Array.from({ length: DNC }, (_, i) => `09${String(10_000_000 + i).slice(-8)}`);
  const body = JSON.stringify({ numbers, reason: 'bench', expires_at: null });
  const post = async (payload = body) => {
    global.gc?.();
    const m0 = process.memoryUsage();
    let peakRss = m0.rss;
    let peakHeap = m0.heapUsed;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 20);
    const t0 = performance.now();
    // node:http, not fetch: fetch gives up on an answer that takes over 300 s.
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const rq = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/v3/dnc',
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        },
        (r) => {
          let text = '';
          r.setEncoding('utf8');
          r.on('data', (c: string) => (text += c));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, text }));
        },
      );
      rq.on('error', reject);
      rq.end(payload);
    });
    const json = JSON.parse(res.text) as Record<string, number>;
    const secs = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    return { status: res.status, json, secs, heap: peakHeap - m0.heapUsed, rss: peakRss - m0.rss, rssPeak: peakRss };
  };
  const first = await post();
  note(
    `DNC import, ${DNC} numbers in one POST (${mb(body.length)} body): ${first.secs.toFixed(1)} s (${Math.round(DNC / first.secs)} numbers/s), ` +
      `status ${first.status} ${JSON.stringify({ added: first.json.added, rejected: first.json.rejected })}; ` +
      `API process (in this process): heap +${mb(first.heap)}, RSS +${mb(first.rss)} (peak ${mb(first.rssPeak)})`,
  );
  const again = await post();
  note(
    `the same POST again (a replay): ${again.secs.toFixed(1)} s, ${JSON.stringify({ added: again.json.added, unchanged: again.json.unchanged })}, heap +${mb(again.heap)}`,
  );
  // The dial-time check: one `_id` lookup per number, never cached.
  const lat: number[] = [];
  for (let i = 0; i < CHECKS; i++) {
    const n = `+849${String(10_000_000 + ((i * 7919) % (DNC * 2))).slice(-8)}`;
    const t0 = performance.now();
    await anyOnDnc(db, tenant.domain_uuid, [n]);
    lat.push(performance.now() - t0);
  }
  note(`dial-time DNC lookup on that list: p50 ${ms(pct(lat, 50))}, p99 ${ms(pct(lat, 99))} (${CHECKS} lookups, half listed)`);
  // A page of the list (GET /v3/dnc reads every bucket of the tenant and sorts).
  const t0 = performance.now();
  const page = await fetch(`http://127.0.0.1:${port}/v3/dnc?limit=100&offset=${Math.floor(DNC / 2)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const listed = (await page.json()) as { total: number };
  note(
    `GET /v3/dnc?limit=100&offset=${Math.floor(DNC / 2)} on that list: ${((performance.now() - t0) / 1000).toFixed(2)} s (total ${listed.total})`,
  );
  // Other numbers into the same list: every bucket read and rewritten.
  const others = Array.from({ length: DNC }, (_, i) => `039${String(10_000_000 + i).slice(-7)}`);
  const second = await post(JSON.stringify({ numbers: others, reason: 'bench', expires_at: null }));
  note(
    `${DNC} other numbers into that list (every bucket read and rewritten): ${second.secs.toFixed(1)} s, ${JSON.stringify({ added: second.json.added, unchanged: second.json.unchanged })}, heap +${mb(second.heap)}`,
  );
  server.close();
}

// ---- B. the contact-limit check -------------------------------------------------------------------
{
  const policy = { ...NO_POLICY, max_calls_per_number_24h: 1 };
  const req = (e164: string) => ({
    domain_uuid: tenant.domain_uuid,
    campaign_uuid: 'bench',
    e164,
    call_id: randomUUID(),
    policy,
    time_zone: 'Asia/Ho_Chi_Minh',
    now: Date.now(),
  });
  const timed = async (f: () => Promise<unknown>) => {
    const t0 = performance.now();
    await f();
    return performance.now() - t0;
  };
  const nums = Array.from({ length: CHECKS }, (_, i) => `+8498${String(i).padStart(7, '0')}`);
  const allowed: number[] = [];
  for (const n of nums) allowed.push(await timed(() => reserveContact(db, req(n))));
  const refused: number[] = [];
  for (const n of nums) refused.push(await timed(() => reserveContact(db, req(n))));
  const day3 = { ...NO_POLICY, max_calls_per_number_day: 3 };
  const third: number[] = [];
  for (const n of nums.slice(0, 500)) {
    await reserveContact(db, { ...req(`${n}1`), policy: day3 });
    await reserveContact(db, { ...req(`${n}1`), policy: day3 });
    third.push(await timed(() => reserveContact(db, { ...req(`${n}1`), policy: day3 })));
  }
  note(
    `limit check per dial (reserveContact, sequential): allowed, fresh number, 1/24 h: p50 ${ms(pct(allowed, 50))}, p99 ${ms(pct(allowed, 99))}; ` +
      `refused (at its limit): p50 ${ms(pct(refused, 50))}, p99 ${ms(pct(refused, 99))}; 3rd call with 3/day (2 read back): p50 ${ms(pct(third, 50))}, p99 ${ms(pct(third, 99))}`,
  );
  let wins = 0;
  const race: number[] = [];
  for (let i = 0; i < 50; i++) {
    const n = `+8497${String(i).padStart(7, '0')}`;
    const t0 = performance.now();
    const r = await Promise.all(Array.from({ length: 8 }, () => reserveContact(db, req(n))));
    race.push(performance.now() - t0);
    wins += r.filter((x) => x.ok).length;
  }
  note(`8 dials racing for one number's only call, 50 numbers: ${wins} allowed in all (one per number), ${ms(pct(race, 50))} p50 per race`);
}

// ---- C. engine calls/s without and with a policy --------------------------------------------------
if (!skip.has('engine')) {
  const carrier = await benchCarrier(db, tenant.domain_uuid);
  const worker = await startBenchWorker(config, db);
  const runOnce = async (label: string, prefix: string) => {
    const input: NewCampaign = {
      ...defaultSettings('autocall'),
      campaign_name: `bench-${label}`,
      type: 'autocall',
      concurrent_call: CAP,
      hopper: 1000,
      carrier_uuid: carrier.carrier_uuid,
      template_name: '',
      carrier_name: 'b',
    };
    const campaign = await createCampaign(db, tenant.domain_uuid, input);
    const c = campaign.campaign_uuid;
    await storeBenchLeads(db, { domain_uuid: tenant.domain_uuid, campaign_uuid: c }, N, (i) => `${prefix}${String(i).padStart(6, '0')}`);
    const t0 = Date.now();
    await worker.client.workflow.start('campaignRunWorkflow', {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowId: campaignRunWorkflowId(c),
      args: [{ campaign_uuid: c, domain_uuid: tenant.domain_uuid, options: { pollLeadsMs: 500 } }],
    });
    const run = worker.client.workflow.getHandle(campaignRunWorkflowId(c));
    for (;;) {
      const p = await run.query(progressQuery).catch(() => null);
      if (p && p.done >= N) break;
      if (Date.now() - t0 > 600_000) throw new Error(`${p?.done ?? 0} of ${N} leads done after 10 min`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const ats = sim.callLog
      .byVariable('campaign_uuid', c)
      .map((e) => e.at)
      .sort((a, b) => a - b);
    const secs = (ats[ats.length - 1]! - ats[0]!) / 1000;
    await run.terminate('bench done');
    return { calls: ats.length, per_s: Math.round(ats.length / secs), all_done_s: (Date.now() - t0) / 1000 };
  };
  await putTenantPolicy(db, tenant.domain_uuid, NO_POLICY);
  await db.collection('tenant_policies').deleteMany({});
  const without = await runOnce('without', '0986');
  await putTenantPolicy(db, tenant.domain_uuid, { ...NO_POLICY, max_calls_per_number_24h: 1 });
  const withPolicy = await runOnce('with', '0988');
  note(
    `engine, ${N} leads, concurrent_call ${CAP}, calls of 20 ms ring + 50 ms talk: without a policy ${without.per_s} calls/s (all done in ${without.all_done_s.toFixed(1)} s); ` +
      `with 1 call per number per 24 h ${withPolicy.per_s} calls/s (${withPolicy.all_done_s.toFixed(1)} s), ${withPolicy.calls} calls`,
  );
  await worker.stop();
}

const machine = `${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average ${load0} at the start and ${loadavg()[0]!.toFixed(2)} at the end; store: ${servers.storeKind}`;
note(`machine: ${machine}`);
if (opt.write) {
  writeBenchSection(
    '## Compliance',
    [
      '## Compliance',
      '',
      '`npx tsx bench/compliance.ts --write` (issue 17; docs/compliance.md). Method: A. the API in the bench process, one',
      `\`POST /v3/dnc\` of ${DNC} distinct numbers (\`{"numbers":[…],"reason","expires_at"}\`) over HTTP on loopback, timed`,
      'from send to answer; heap and RSS sampled every 20 ms (peak − before); then the same body again (a replay),',
      `then ${CHECKS} dial-time lookups (\`anyOnDnc\`, in sequence), one page of \`GET /v3/dnc\`, and ${DNC} other numbers into`,
      'the same list. B. `reserveContact` called in sequence against the store (what placeCall adds per',
      'dial when the tenant has a policy); eight concurrent calls for one number limited to 1 per 24 h. C. the worker as',
      'the product runs it against the simulator, one campaign without a policy, then one with (fresh numbers each).',
      'Machine state: nproc = 2, shared with three other agents building and testing at the same time, so absolute',
      'numbers are noisy; compare the rows of one run.',
      '',
      ...out.map((l) => `- ${l}`),
      '',
    ].join('\n'),
  );
}
await mongo.db.dropDatabase().catch(() => {});
await mongo.close();
await sim.close();
await servers.stop();
process.exit(0);
