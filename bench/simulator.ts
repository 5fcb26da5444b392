// Benchmark of the FreeSWITCH simulator: live channels held and originates per second sustained.
//   npx tsx bench/simulator.ts [--rates 500,1000,2000] [--seconds 10] [--hold 2000] [--conns 4]
// The simulator runs in its own process (npm run sim), the load generator here: several ESL
// connections, each subscribed to the channel events in json (so the simulator pays for building and
// serialising every event), sending `bgapi originate` at a fixed rate with our own Job-UUIDs and
// timing each one until its BACKGROUND_JOB.
import { execSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { pct } from './lib.ts';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '500,1000,2000' },
    seconds: { type: 'string', default: '10' },
    hold: { type: 'string', default: '2000' },
    conns: { type: 'string', default: '4' },
    talkMs: { type: 'string', default: '2000' },
  },
});
const RATES = values.rates!.split(',').map(Number);
const SECONDS = Number(values.seconds);
const HOLD = Number(values.hold);
const CONNS = Number(values.conns);
const TALK = Number(values.talkMs);
const EVENTS = 'CHANNEL_CREATE CHANNEL_PROGRESS CHANNEL_ANSWER CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE CHANNEL_DESTROY BACKGROUND_JOB';

const dir = mkdtempSync(join(tmpdir(), 'sim-bench-'));
const rulesFile = join(dir, 'rules.json');
writeFileSync(
  rulesFile,
  JSON.stringify({
    limits: { maxSessions: 100000, sessionsPerSecond: 100000 },
    numbers: { 'hold*': { action: 'answer', ringMs: 20, talkMs: null }, 'talk*': { action: 'answer', ringMs: 100, talkMs: TALK } },
  }),
);

// ------------------------------------------------------------------ simulator process
const child = spawn('npx', ['tsx', 'simulator/cli.ts', '--port', '0', '--control-port=-1', '--rules', rulesFile, '--quiet'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const port = await new Promise<number>((resolve, reject) => {
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d.toString();
    const m = /listening on [\d.]+:(\d+)/.exec(out);
    if (m) resolve(Number(m[1]));
  });
  child.on('exit', (code) => reject(new Error(`simulator exited ${code}`)));
});
const simPid = await childPid(child.pid!);

// ------------------------------------------------------------------ load connections
class Conn {
  sock: net.Socket;
  buf: Buffer = Buffer.alloc(0);
  events = 0;
  bytes = 0;
  jobs = new Map<string, number>();
  latencies: number[] = [];
  failures = 0;
  apiWaiters: Array<(s: string) => void> = [];
  replies: Array<() => void> = [];
  constructor() {
    this.sock = net.connect(port, '127.0.0.1');
    this.sock.setNoDelay(true);
    this.sock.on('data', (d) => this.onData(d));
  }
  private onData(d: Buffer) {
    this.bytes += d.length;
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    for (;;) {
      const end = this.buf.indexOf('\n\n');
      if (end < 0) return;
      const head = this.buf.subarray(0, end).toString();
      const m = /Content-Length: (\d+)/.exec(head);
      const len = m ? Number(m[1]) : 0;
      if (this.buf.length < end + 2 + len) return;
      const body = this.buf.subarray(end + 2, end + 2 + len);
      this.buf = this.buf.subarray(end + 2 + len);
      if (head.includes('text/event-json')) {
        this.events++;
        if (body.subarray(0, 40).toString().includes('BACKGROUND_JOB')) {
          const s = body.toString();
          const job = /"Job-UUID":"([^"]+)"/.exec(s)?.[1];
          const t = job ? this.jobs.get(job) : undefined;
          if (job && t !== undefined) {
            this.jobs.delete(job);
            this.latencies.push(performance.now() - t);
            if (!s.includes('"_body":"+OK')) this.failures++;
          }
        }
      } else if (head.includes('api/response')) this.apiWaiters.shift()?.(body.toString());
      else if (head.includes('command/reply') || head.includes('auth/request')) this.replies.shift()?.();
    }
  }
  cmd(line: string): Promise<void> {
    return new Promise((r) => {
      this.replies.push(r);
      this.sock.write(line + '\n\n');
    });
  }
  api(line: string): Promise<string> {
    return new Promise((r) => {
      this.apiWaiters.push(r);
      this.sock.write(`api ${line}\n\n`);
    });
  }
  originate(number: string) {
    const job = randomUUID();
    this.jobs.set(job, performance.now());
    this.sock.write(
      `bgapi originate {origination_uuid=${randomUUID()},originate_timeout=30,ignore_early_media=true,campaign_uuid=bench}sofia/gateway/gw1/${number} &park()\nJob-UUID: ${job}\n\n`,
    );
  }
}

async function connect(): Promise<Conn> {
  const c = new Conn();
  await new Promise<void>((r) => c.replies.push(r)); // auth/request
  await c.cmd('auth ClueCon');
  await c.cmd(`event json ${EVENTS}`);
  return c;
}

const conns = await Promise.all(Array.from({ length: CONNS }, connect));
const control = conns[0]!;
const liveCount = async () => Number(/(\d+) total/.exec(await control.api('show channels count'))![1]);

async function cpuTicks(pid: number): Promise<number> {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime (clock ticks, 100/s)
}

async function childPid(npxPid: number): Promise<number> {
  // npx -> tsx -> node: the deepest descendant is the simulator
  let pid = npxPid;
  for (let i = 0; i < 5; i++) {
    const kids = execSync(`ps -o pid= --ppid ${pid} || true`).toString().trim().split(/\s+/).filter(Boolean);
    if (!kids.length) break;
    pid = Number(kids[kids.length - 1]);
  }
  return pid;
}

const results: Record<string, unknown>[] = [];
const rss = async () => {
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${simPid}/status`, 'utf8'))![1]) / 1024);
};

// ------------------------------------------------------------------ phase 1: hold N live channels
{
  const t0 = performance.now();
  const cpu0 = await cpuTicks(simPid);
  let sent = 0;
  while (sent < HOLD) {
    for (const c of conns) if (sent < HOLD) c.originate(`hold${sent++}`);
    if (sent % 200 === 0) await new Promise((r) => setImmediate(r));
  }
  while (conns.some((c) => c.jobs.size)) await new Promise((r) => setTimeout(r, 5));
  const secs = (performance.now() - t0) / 1000;
  const live = await liveCount();
  const lat = conns.flatMap((c) => c.latencies.splice(0));
  results.push({
    phase: `hold ${HOLD} (burst)`,
    live,
    seconds: secs.toFixed(2),
    originatesPerSec: Math.round(HOLD / secs),
    p50ms: pct(lat, 50).toFixed(1),
    p99ms: pct(lat, 99).toFixed(1),
    failed: conns.reduce((s, c) => s + c.failures, 0),
    simCpu: `${(((await cpuTicks(simPid)) - cpu0) / secs).toFixed(0)}%`,
    simRssMB: await rss(),
  });
  // keep them up while we measure a ping
  const t = performance.now();
  await control.api('status');
  results[results.length - 1]!.apiWithLiveMs = (performance.now() - t).toFixed(1);
  await control.api('hupall');
  while ((await liveCount()) > 0) await new Promise((r) => setTimeout(r, 20));
}

// ------------------------------------------------------------------ phase 2: sustained rates
for (const rate of RATES) {
  for (const c of conns) {
    c.latencies = [];
    c.failures = 0;
    c.events = 0;
  }
  const cpu0 = await cpuTicks(simPid);
  const t0 = performance.now();
  const total = rate * SECONDS;
  let sent = 0;
  let peakLive = 0;
  const tick = 10; // ms
  await new Promise<void>((resolve) => {
    const iv = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
      while (sent < due) conns[sent % CONNS]!.originate(`talk${sent++}`);
      if (sent >= total) {
        clearInterval(iv);
        resolve();
      }
    }, tick);
  });
  const sendSecs = (performance.now() - t0) / 1000;
  const sampler = setInterval(() => void liveCount().then((n) => (peakLive = Math.max(peakLive, n))), 250);
  while (conns.some((c) => c.jobs.size)) await new Promise((r) => setTimeout(r, 5));
  const doneSecs = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  peakLive = Math.max(peakLive, await liveCount());
  const lat = conns.flatMap((c) => c.latencies);
  const events = conns.reduce((s, c) => s + c.events, 0);
  results.push({
    phase: `${rate}/s for ${SECONDS}s (answer after 100 ms, talk ${TALK} ms)`,
    originates: total,
    achievedPerSec: Math.round(total / doneSecs),
    sendSecs: sendSecs.toFixed(2),
    p50ms: pct(lat, 50).toFixed(1),
    p99ms: pct(lat, 99).toFixed(1),
    maxms: pct(lat, 100).toFixed(1),
    failed: conns.reduce((s, c) => s + c.failures, 0),
    peakLive,
    eventsPerSec: Math.round(events / doneSecs),
    simCpu: `${(((await cpuTicks(simPid)) - cpu0) / doneSecs).toFixed(0)}%`,
    simRssMB: await rss(),
  });
  await control.api('hupall');
  while ((await liveCount()) > 0) await new Promise((r) => setTimeout(r, 20));
}

console.log(`node ${process.version}, ${cpus().length} x ${cpus()[0]?.model}, ${CONNS} ESL connections, json events`);
console.table(results);
for (const c of conns) c.sock.destroy();
child.kill('SIGTERM');
