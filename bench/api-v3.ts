// Benchmark: GET /v3/campaign/{uuid} and GET /v3/campaign latency at a fixed 300 requests/s with
// 10,000 campaigns stored (goal: p99 ≤ 20 ms). Open loop: requests are scheduled on a fixed
// clock and latency counts from the scheduled time, so a slow server cannot slow the load down
// and hide its own queueing (no coordinated omission).
//
//   npx tsx bench/api-v3.ts [--rate 300] [--seconds 20] [--campaigns 10000] [--write]
//
// The store: MONGODB_URI if set, else FerretDB (or mongod) started in a temp dir. The API runs as
// its own process (`tsx api/server.ts`), as in production, so the load generator does not share
// its event loop. `--write` replaces the "## v3 campaign API" section of BENCHMARKS.md.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { CAMPAIGN_TYPES, defaultSettings, type CampaignDoc } from '../domain/campaign.ts';
import { bumpVersion } from '../storage/campaign-cache.ts';
import { campaignsOf } from '../storage/campaigns.ts';
import { ensureIndexes } from '../storage/indexes.ts';
import { connectMongo } from '../storage/mongo.ts';
import { createTenant } from '../storage/tenants.ts';
import { freePort } from '../scripts/lib/procs.ts';
import { benchLog as log, startBenchServers, stopChild, waitUntil, writeBenchSection } from './lib.ts';

const { values: opt } = parseArgs({
  options: {
    rate: { type: 'string', default: '300' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    campaigns: { type: 'string', default: '10000' },
    write: { type: 'boolean', default: false },
  },
});
const RATE = Number(opt.rate);
const SECONDS = Number(opt.seconds);
const WARMUP = Number(opt.warmup);
const N = Number(opt.campaigns);

const cleanup: (() => Promise<unknown>)[] = [];

async function main() {
  const servers = await startBenchServers({ temporal: false, store: true, tmpPrefix: 'bench-api-v3-' });
  cleanup.unshift(() => servers.stop());
  const { mongoUri: uri, storeKind } = servers;
  const dbName = `bench_${Date.now()}`;
  const mongo = await connectMongo({ MONGODB_URI: uri, MONGODB_DB: dbName });
  cleanup.unshift(async () => {
    await mongo.db.dropDatabase().catch(() => {});
    await mongo.close();
  });
  await ensureIndexes(mongo.db);
  const { tenant, token } = await createTenant(mongo.db, { name: 'bench' });

  log(`storing ${N} campaigns…`);
  const t0 = performance.now();
  const uuids: string[] = [];
  const start = Date.now() - N * 1000;
  for (let i = 0; i < N; i += 500) {
    const batch: CampaignDoc[] = [];
    for (let j = i; j < Math.min(N, i + 500); j++) {
      const type = CAMPAIGN_TYPES[j % CAMPAIGN_TYPES.length]!;
      const id = randomUUID();
      uuids.push(id);
      const at = new Date(start + j * 1000);
      batch.push({
        ...defaultSettings(type),
        ratio: type === 'autodialer' ? 100 : 0,
        campaign_name: `campaign ${j}`,
        type,
        description: `benchmark campaign number ${j}`,
        _id: id,
        domain_uuid: tenant.domain_uuid,
        campaign_uuid: id,
        call_center_queue_uuid: randomUUID(),
        dialplan_uuid: randomUUID(),
        template_name: '',
        carrier_name: '',
        run_id: '',
        orig_campaign_uuid: '',
        recall_status: ['busy', 'no-answered'],
        created_at: at,
        updated_at: at,
      });
    }
    await campaignsOf(mongo.db).insertMany(batch, { ordered: false });
  }
  await bumpVersion(mongo.db, tenant.domain_uuid); // written behind the API's back: say so
  log(`stored in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const apiPort = await freePort();
  const api = spawn(process.execPath, ['--import', 'tsx', 'api/server.ts'], {
    env: { ...process.env, MONGODB_URI: uri, MONGODB_DB: dbName, API_PORT: String(apiPort), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', process.env.BENCH_API_LOG ? 'inherit' : 'ignore'],
  });
  cleanup.unshift(() => stopChild(api));
  const baseUrl = `http://127.0.0.1:${apiPort}`;
  await waitUntil(async () => (await get(baseUrl, '/v3/campaign?limit=1', token)).status === 200, 30_000, 'the API', 200);

  const scenarios: { name: string; path: () => string }[] = [
    { name: 'GET /v3/campaign/{uuid}', path: () => `/v3/campaign/${uuids[Math.floor(Math.random() * uuids.length)]}` },
    { name: 'GET /v3/campaign (first page)', path: () => '/v3/campaign' },
    {
      name: 'GET /v3/campaign?type=…&limit=10&offset=0–990',
      path: () =>
        `/v3/campaign?type=${CAMPAIGN_TYPES[Math.floor(Math.random() * 4)]}&limit=10&offset=${10 * Math.floor(Math.random() * 100)}`,
    },
  ];
  const results: Row[] = [];
  for (const s of scenarios) {
    log(`${s.name}: warm-up ${WARMUP} s, then ${SECONDS} s at ${RATE} req/s`);
    await openLoop(baseUrl, token, s.path, RATE, WARMUP);
    const r = await openLoop(baseUrl, token, s.path, RATE, SECONDS);
    results.push({ name: s.name, ...r });
    log(`${s.name}: p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms, errors ${r.errors}`);
  }
  const report = render(results, storeKind);
  process.stdout.write(`${report}\n`);
  if (opt.write) writeBenchSection('## v3 campaign API', report);
}

interface Row {
  name: string;
  sent: number;
  achieved: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function get(baseUrl: string, path: string, token: string): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get(baseUrl + path, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Fire requests at fixed intervals for `seconds`; latency from each request's scheduled time. */
async function openLoop(baseUrl: string, token: string, path: () => string, rate: number, seconds: number): Promise<Omit<Row, 'name'>> {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const lat: number[] = [];
  let errors = 0;
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      get(baseUrl, path(), token).then(
        (res) => {
          if (res.status !== 200) errors++;
          lat.push(performance.now() - due);
        },
        () => {
          errors++;
        },
      ),
    );
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  return { sent: total, achieved: total / elapsed, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: lat[lat.length - 1] ?? NaN, errors };
}

function render(rows: Row[], store: string): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '## v3 campaign API',
    '',
    `Run with \`npx tsx bench/api-v3.ts${opt.write ? ' --write' : ''}\` (${RATE} req/s open loop, ${SECONDS} s per scenario after a ${WARMUP} s warm-up, ` +
      `${N.toLocaleString('en-US')} campaigns of one tenant stored, API as its own process, keep-alive connections). ` +
      `Latency counts from each request's scheduled send time. Goal: p99 ≤ 20 ms.`,
    '',
    `Store: ${store}. Machine: ${cpus().length} × ${cpu}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| request | sent | achieved req/s | p50 ms | p90 ms | p99 ms | max ms | errors | p99 ≤ 20 ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.sent} | ${r.achieved.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p90.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(1)} | ${r.errors} | ${r.p99 <= 20 ? 'yes' : 'no'} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

try {
  await main();
} finally {
  agent.destroy();
  for (const c of cleanup) await c().catch(() => {});
}
