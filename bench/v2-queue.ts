// Benchmark: POST /v2/autocall/queue with 10,000 customers (goal: accepted in ≤ 2 s) and the time
// from sending it to the first originate the simulator sees for that queue (dialing must not wait
// for the whole list).
//
//   npx tsx bench/v2-queue.ts [--customers 10000] [--runs 5] [--write]
//
// Servers: TEMPORAL_ADDRESS / MONGODB_URI if set, else the Temporal dev server and the store
// (FerretDB, or mongod when on PATH) started here. The API runs as its own process
// (`tsx api/server.ts`), as in production; the worker and the FreeSWITCH simulator run in this
// process. Each run posts a new queue (10,000 customers, 2 mobiles and the documented fields
// each), which starts dialing at once (concurrent_call 50, calls of 50 ms); the queue is stopped
// before the next run, so the leads collection grows by 10,000 per run, as on a busy system.
// A last request re-posts the last list (every customer a duplicate). `--write` replaces the
// "## v2 queue import" section of BENCHMARKS.md.
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { parseConfig } from '../config/index.ts';
import { freePort } from '../scripts/lib/procs.ts';
import { carriers, templates } from '../storage/directory.ts';
import { ensureIndexes } from '../storage/indexes.ts';
import { connectMongo } from '../storage/mongo.ts';
import { findQueue } from '../storage/v2-queues.ts';
import { createTenant } from '../storage/tenants.ts';
import { startSimulator } from '../simulator/server.ts';
import { benchEnv, benchLog as log, startBenchServers, startBenchWorker, stopChild, waitUntil, writeBenchSection } from './lib.ts';

const { values: opt } = parseArgs({
  options: {
    customers: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '5' },
    write: { type: 'boolean', default: false },
  },
});
const N = Number(opt.customers);
const RUNS = Number(opt.runs);

const cleanup: Array<() => Promise<unknown>> = [];
const servers = await startBenchServers({ temporal: true, store: true, tmpPrefix: 'cr-bench-v2-' });
const { storeKind } = servers;
const sim = await startSimulator({
  port: 0,
  rules: { default: { action: 'answer', ringMs: 20, talkMs: 50 }, limits: { maxSessions: 100_000, sessionsPerSecond: 100_000 } },
});
const env = benchEnv(servers, sim.port);
const config = parseConfig({ ...process.env, ...env });

const mongo = await connectMongo(config);
await ensureIndexes(mongo.db);
const { tenant, token } = await createTenant(mongo.db, { name: 'bench' });
await carriers(mongo.db).create(tenant.domain_uuid, {
  carrier_name: 'b',
  gateway: 'gw',
  caller_numbers: ['02873001234'],
  networks: [],
  cps: 0,
  description: '',
});
await templates(mongo.db).create(tenant.domain_uuid, {
  template_name: 'IVR-1',
  type_autocall: 'autocall_voice_tts',
  content: 'Hợp đồng {{contract_number}} đến hạn {{due_date}}',
  audio_file: '',
  otp_param: '',
  otp_repeat: 2,
  description: '',
});

const workerRun = await startBenchWorker(config, mongo.db);

const apiPort = await freePort();
const api = spawn(process.execPath, ['--import', 'tsx', 'api/server.ts'], {
  env: { ...process.env, ...env, API_PORT: String(apiPort), LOG_LEVEL: 'info' },
  stdio: ['ignore', 'pipe', process.env.BENCH_API_LOG ? 'inherit' : 'ignore'],
});
// The API's own account of each import (phases in ms), from its JSON log lines.
const phases: string[] = [];
let apiOut = '';
api.stdout!.on('data', (d: Buffer) => {
  apiOut += d.toString();
  let nl: number;
  while ((nl = apiOut.indexOf('\n')) >= 0) {
    const line = apiOut.slice(0, nl);
    apiOut = apiOut.slice(nl + 1);
    if (line.includes('"v2 queue import"')) {
      const ms = JSON.parse(line).ms;
      phases.push(JSON.stringify(ms));
      log(`API phases: ${JSON.stringify(ms)}`);
    }
  }
});
cleanup.push(() => stopChild(api));
const baseUrl = `http://127.0.0.1:${apiPort}`;
await waitUntil(async () => (await fetch(`${baseUrl}/healthz`)).status === 200, 60_000, 'the API');

function body(code: string, run: number): string {
  const customers = Array.from({ length: N }, (_, i) => ({
    id: `CUS-${run}-${i}`,
    mobiles: [`09${(80 + run) % 100}${String(i).padStart(6, '0')}`, `03${(50 + run) % 100}${String(i).padStart(6, '0')}`],
    contract_number: `HD${run}${String(i).padStart(6, '0')}`,
    upcoming_due_date: '2021-07-13',
    upcoming_amount: 5000000 + i,
    due_date: '2021-07-13',
    dpd: i % 30,
    number_of_ovd_inst: 6,
    total_ovd_amount: 3211100,
  }));
  return JSON.stringify({
    queue_code: code,
    template: 'IVR-1',
    concurrent_call: 50,
    max_recall_count: 0,
    min_recall_duration: 3,
    customers,
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function post(path: string, payload: string): Promise<{ status: number; json: any; ms: number }> {
  const t = performance.now();
  const res = await fetch(baseUrl + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: payload,
  });
  const json = await res.json();
  return { status: res.status, json, ms: performance.now() - t };
}

interface Run {
  run: string;
  bytes: number;
  status: number;
  success: number;
  fail: number;
  post_ms: number;
  first_originate_ms: number | null;
}
const rows: Run[] = [];
const loadStart = loadavg()[0]!.toFixed(1);
let lastPayload = '';
let lastCode = '';
try {
  for (let r = 1; r <= RUNS; r++) {
    const code = `bench-${r}`;
    const payload = body(code, r);
    const sentAt = Date.now();
    const res = await post('/v2/autocall/queue', payload);
    const q = await findQueue(mongo.db, tenant.domain_uuid, code);
    let first: number | null = null;
    if (q) {
      await waitUntil(() => sim.callLog.byVariable('campaign_uuid', q.campaign_uuid).length > 0, 60_000, 'the first originate').catch(
        () => {},
      );
      const e = sim.callLog.byVariable('campaign_uuid', q.campaign_uuid)[0];
      first = e ? e.at - sentAt : null;
    }
    const row: Run = {
      run: `${r}: new queue, ${(r - 1) * N} leads already stored`,
      bytes: payload.length,
      status: res.status,
      success: res.json?.data?.success?.length ?? 0,
      fail: res.json?.data?.fail?.length ?? 0,
      post_ms: res.ms,
      first_originate_ms: first,
    };
    rows.push(row);
    log(JSON.stringify(row));
    await post('/v2/autocall/queue/stop', JSON.stringify({ queue_code: code }));
    lastPayload = payload;
    lastCode = code;
    await new Promise((res) => setTimeout(res, 2_000)); // let the stopped run settle
  }
  const dup = await post('/v2/autocall/queue', lastPayload);
  const dupRow: Run = {
    run: `re-post of ${lastCode} (all duplicates)`,
    bytes: lastPayload.length,
    status: dup.status,
    success: dup.json?.data?.success?.length ?? 0,
    fail: dup.json?.data?.fail?.length ?? 0,
    post_ms: dup.ms,
    first_originate_ms: null,
  };
  rows.push(dupRow);
  log(JSON.stringify(dupRow));

  await new Promise((res) => setTimeout(res, 500)); // the API's log line of the last request
  const report = render(rows);
  process.stdout.write(`${report}\n`);
  if (opt.write) writeBenchSection('## v2 queue import', report);
} finally {
  for (const c of cleanup) await c().catch(() => {});
  await workerRun.stop().catch(() => {});
  await mongo.db.dropDatabase().catch(() => {});
  await mongo.close();
  await sim.close();
  await servers.stop();
}
process.exit(0);

function render(list: Run[]): string {
  const fresh = list.filter((x) => x.first_originate_ms !== null || x.run.includes('new queue'));
  const posts = fresh.map((x) => x.post_ms).sort((a, b) => a - b);
  const firsts = fresh.flatMap((x) => (x.first_originate_ms === null ? [] : [x.first_originate_ms])).sort((a, b) => a - b);
  const p50 = (xs: number[]) => xs[Math.floor((xs.length - 1) / 2)] ?? NaN;
  const max = (xs: number[]) => xs[xs.length - 1] ?? NaN;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return [
    '## v2 queue import',
    '',
    `Run with \`npx tsx bench/v2-queue.ts${opt.write ? ' --write' : ''}\`: ${RUNS} runs, each \`POST /v2/autocall/queue\` with ${N.toLocaleString('en-US')} customers ` +
      '(2 mobiles and the documented fields each) to a new queue, which dials at once (concurrent_call 50, 50 ms calls); the API is its own process, ' +
      'the worker and the FreeSWITCH simulator run in the bench process. "POST" is send → answer at the client; "first originate" is send → the first ' +
      "originate of that queue in the simulator's call log. Each queue is stopped before the next run, so the leads collection grows by " +
      `${N.toLocaleString('en-US')} per run. Goal: the POST ≤ 2 s.`,
    '',
    `Store: ${storeKind}. Machine: ${cpus().length} × ${cpu}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; ` +
      `load average at start ${loadStart}, at end ${loadavg()[0]!.toFixed(1)} (the machine is shared: other processes compete for the 2 cores).`,
    '',
    '| run | body | HTTP | success / fail | POST ms | first originate ms | API phases ms (parse, validate+build, queue, store, run) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...list.map((x, i) => {
      const p = phases[i] ? (JSON.parse(phases[i]!) as Record<string, number>) : null;
      const ph = p ? [p.read_parse, p.validate_build, p.queue, p.store, p.run].join(' / ') : '–';
      return `| ${x.run} | ${(x.bytes / 1e6).toFixed(2)} MB | ${x.status} | ${x.success} / ${x.fail} | ${x.post_ms.toFixed(0)} | ${x.first_originate_ms === null ? '–' : x.first_originate_ms.toFixed(0)} | ${ph} |`;
    }),
    '',
    `New queues: POST p50 ${p50(posts).toFixed(0)} ms, max ${max(posts).toFixed(0)} ms (goal ≤ 2,000 ms: ${max(posts) <= 2000 ? 'met' : 'not met'}); ` +
      `first originate p50 ${p50(firsts).toFixed(0)} ms, max ${max(firsts).toFixed(0)} ms.`,
    '',
  ].join('\n');
}
