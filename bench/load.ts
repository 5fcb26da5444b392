// Benchmark (issue 19): the worker's memory with many calls up, and the API's latency while a
// campaign dials. The worker and the API run as their own processes (`worker/index.ts`,
// `api/server.ts`), as in production; the FreeSWITCH simulator in this process answers every call
// after `--ring-ms` and keeps it up `--talk-ms`, so `--calls` calls are up at once
// (`concurrent_call` = `--calls`). Measured:
//   1. GET /v3/campaign/{uuid} at `--rps` requests/s for `--seconds` before the run (baseline);
//   2. the same from the run's start while it dials up to `--calls` calls (the dialing rate);
//   3. the worker's RSS (VmRSS from /proc, every 250 ms) from its start, peak with the calls up.
//
//   npx tsx bench/load.ts [--calls 1000] [--rps 300] [--seconds 20] [--ring-ms 200] [--talk-ms 120000]
//                         [--worker-node-flags=--optimize-for-size] [--worker-env='MALLOC_ARENA_MAX=2']
//
// `--worker-node-flags`: node flags for the worker process only (its memory: BENCHMARKS.md "Load");
// `--worker-env 'K=V …'`: environment for the worker process only (e.g. MALLOC_ARENA_MAX=2);
// WORKER_MAX_CACHED_WORKFLOWS and WORKER_NICE in the environment reach the worker too (its niceness,
// read back from /proc, is reported: the API and the servers run at 0).
// Servers: TEMPORAL_ADDRESS / MONGODB_URI if set, else the dev server and the store started here.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, getPriority, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseConfig } from '../config/index.ts';
import { freePort } from '../scripts/lib/procs.ts';
import { startSimulator } from '../simulator/server.ts';
import { ensureIndexes } from '../storage/indexes.ts';
import { connectMongo } from '../storage/mongo.ts';
import { createTenant } from '../storage/tenants.ts';
import {
  benchEnv,
  benchLog as log,
  pct,
  startBenchServers,
  stopChild,
  storeBenchLeads,
  waitUntil,
  benchCarrier,
  benchAutocall,
} from './lib.ts';

const { values: opt } = parseArgs({
  options: {
    calls: { type: 'string', default: '1000' },
    rps: { type: 'string', default: '300' },
    seconds: { type: 'string', default: '20' },
    'ring-ms': { type: 'string', default: '200' },
    'talk-ms': { type: 'string', default: '120000' },
    'worker-node-flags': { type: 'string', default: '' },
    'worker-env': { type: 'string', default: '' },
  },
});
const CALLS = Number(opt.calls);
const RPS = Number(opt.rps);
const SECONDS = Number(opt.seconds);

const servers = await startBenchServers({ temporal: true, store: true, tmpPrefix: 'cr-bench-load-' });
const sim = await startSimulator({
  port: 0,
  rules: {
    default: { action: 'answer', ringMs: Number(opt['ring-ms']), talkMs: Number(opt['talk-ms']) },
    limits: { maxSessions: 100_000, sessionsPerSecond: 1_000_000 },
  },
});
const env = { ...benchEnv(servers, sim.port), LOG_LEVEL: 'warn' };
const config = parseConfig({ ...process.env, ...env });
const mongo = await connectMongo(config);
await ensureIndexes(mongo.db);
const { tenant, token } = await createTenant(mongo.db, { name: 'bench' });
const carrier = await benchCarrier(mongo.db, tenant.domain_uuid);
const campaign = await benchAutocall(mongo.db, tenant.domain_uuid, carrier, { campaign_name: 'bench-load', concurrent_call: CALLS });
await storeBenchLeads(
  mongo.db,
  { domain_uuid: tenant.domain_uuid, campaign_uuid: campaign.campaign_uuid },
  CALLS,
  (i) => `0986${String(i).padStart(6, '0')}`,
);

const children: ChildProcess[] = [];
const child = (script: string, extra: Record<string, string>, nodeFlags: string[] = []) => {
  const c = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', script], {
    env: { ...process.env, ...env, ...extra },
    stdio: 'ignore',
  });
  children.push(c);
  return c;
};
const rssMb = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};

// Each worker thread's V8 heap (the workflow thread's is part of the process's "native" memory).
const threadHeapDir = mkdtempSync(join(tmpdir(), 'cr-bench-thread-heap-'));
try {
  const metricsPort = await freePort();
  const worker = child(
    'worker/index.ts',
    {
      WORKER_METRICS_PORT: String(metricsPort),
      THREAD_HEAP_DIR: threadHeapDir,
      ...Object.fromEntries(
        opt['worker-env']!.split(' ')
          .filter(Boolean)
          .map((kv) => [kv.split('=')[0]!, kv.slice(kv.indexOf('=') + 1)]),
      ),
    },
    ['--require', fileURLToPath(new URL('./thread-heap.cjs', import.meta.url)), ...opt['worker-node-flags']!.split(' ').filter(Boolean)],
  );
  const threadHeaps = (): string =>
    readdirSync(threadHeapDir)
      .map((f) => JSON.parse(readFileSync(join(threadHeapDir, f), 'utf8')) as { total_heap_size: number; used_heap_size: number })
      .map((h) => `${(h.total_heap_size / 1048576).toFixed(0)} MB (used ${(h.used_heap_size / 1048576).toFixed(0)})`)
      .join(', ');
  /** Where the worker's memory is, from its own metrics (prom-client's default Node.js metrics). */
  const memory = async (): Promise<string> => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`).catch(() => null))?.text();
    if (!text) return '(no metrics)';
    const mb = (name: string, label = '') => {
      const m = new RegExp(`^${name}${label ? `\\{[^}]*${label}[^}]*\\}` : ''} ([0-9.e+]+)$`, 'm').exec(text);
      return m ? `${(Number(m[1]) / 1048576).toFixed(0)}` : '?';
    };
    return (
      `RSS ${mb('process_resident_memory_bytes')} MB = JS heap ${mb('nodejs_heap_size_total_bytes')} MB ` +
      `(used ${mb('nodejs_heap_size_used_bytes')}; old space ${mb('nodejs_heap_space_size_used_bytes', 'space="old"')}), ` +
      `external ${mb('nodejs_external_memory_bytes')} MB, worker threads' JS heaps ${threadHeaps() || '?'}, ` +
      `the rest native (the SDK's core, buffers)`
    );
  };
  const apiPort = await freePort();
  const api = child('api/server.ts', { API_PORT: String(apiPort) });
  const base = `http://127.0.0.1:${apiPort}`;
  await waitUntil(async () => (await fetch(`${base}/healthz`).catch(() => null))?.status === 200, 60_000, 'the API');
  const rss: Array<{ at: number; mb: number }> = [];
  const sampler = setInterval(() => rss.push({ at: Date.now(), mb: rssMb(worker.pid!) }), 250);
  await new Promise((r) => setTimeout(r, 5_000)); // the worker's start (bundle, pollers)
  const idleRss = rssMb(worker.pid!);
  const idleMemory = await memory();

  /** GET the campaign at RPS for SECONDS (open loop: a request every 1/RPS s whatever the answers). */
  const hammer = async (): Promise<{ p50: number; p99: number; max: number; n: number; errors: number }> => {
    const lat: number[] = [];
    let errors = 0;
    const inflight: Array<Promise<void>> = [];
    const t0 = performance.now();
    for (let i = 0; i < RPS * SECONDS; i++) {
      const due = t0 + (i * 1000) / RPS;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inflight.push(
        (async () => {
          const t = performance.now();
          const res = await fetch(`${base}/v3/campaign/${campaign.campaign_uuid}`, { headers: { authorization: `Bearer ${token}` } }).catch(
            () => null,
          );
          if (res?.status !== 200) errors++;
          await res?.arrayBuffer();
          lat.push(performance.now() - t);
        })(),
      );
    }
    await Promise.all(inflight);
    lat.sort((a, b) => a - b);
    return { p50: pct(lat, 50), p99: pct(lat, 99), max: lat.at(-1) ?? NaN, n: lat.length, errors };
  };

  const before = await hammer();
  log(`GET campaign at ${RPS}/s, before the run: ${JSON.stringify(before)}`);
  const tRun = Date.now();
  const run = await fetch(`${base}/v1/campaign/${campaign.campaign_uuid}/run/start`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{}',
  });
  log(`run start: HTTP ${run.status}`);
  const during = await hammer();
  log(`GET campaign at ${RPS}/s, while dialing: ${JSON.stringify(during)}`);
  await waitUntil(
    () => sim.callLog.byVariable('campaign_uuid', campaign.campaign_uuid).length >= CALLS,
    600_000,
    `${CALLS} calls placed`,
    250,
  );
  const allPlaced = Date.now();
  await new Promise((r) => setTimeout(r, 5_000)); // every call up a while
  const upMemory = await memory();
  clearInterval(sampler);
  const placed = sim.callLog.byVariable('campaign_uuid', campaign.campaign_uuid);
  const firstAt = Math.min(...placed.map((e) => e.at));
  const peak = Math.max(...rss.map((x) => x.mb));
  const withCallsUp = rss.filter((x) => x.at >= allPlaced).map((x) => x.mb);
  const out = [
    `- calls: ${placed.length} placed, all within ${((allPlaced - firstAt) / 1000).toFixed(1)} s of the first (${(placed.length / Math.max(0.001, (allPlaced - firstAt) / 1000)).toFixed(1)} calls/s), first ${firstAt - tRun} ms after the run's start; calls of ${opt['talk-ms']} ms, so all ${CALLS} are up together`,
    `- worker RSS: ${idleRss.toFixed(0)} MB idle → peak ${peak.toFixed(0)} MB; with all ${CALLS} calls up ${Math.min(...withCallsUp).toFixed(0)}–${Math.max(...withCallsUp).toFixed(0)} MB`,
    `- worker (cache ${process.env.WORKER_MAX_CACHED_WORKFLOWS ?? "the SDK's"}, node flags "${opt['worker-node-flags']}", env "${opt['worker-env']}", nice ${getPriority(worker.pid!)}) memory idle: ${idleMemory}; with the calls up: ${upMemory}`,
    `- GET /v3/campaign/{uuid} at ${RPS} req/s for ${SECONDS} s: before the run p50 ${before.p50.toFixed(1)} / p99 ${before.p99.toFixed(1)} / max ${before.max.toFixed(0)} ms (${before.errors} errors); from the run's start p50 ${during.p50.toFixed(1)} / p99 ${during.p99.toFixed(1)} / max ${during.max.toFixed(0)} ms (${during.errors} errors)`,
    `- machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}, load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} at the end`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  void api;
} finally {
  for (const c of children) await stopChild(c).catch(() => {});
  await mongo.db.dropDatabase().catch(() => {});
  await mongo.close();
  await sim.close();
  await servers.stop();
  rmSync(threadHeapDir, { recursive: true, force: true });
}
process.exit(0);
