// Benchmark: GET /v1/autocall/report over 1,000,000 stored call records (goal: ≤ 1 s).
//
//   npx tsx bench/report.ts [--calls 1000000] [--campaigns 5] [--days 30] [--repeat 15] [--pending 2000] [--pass-seconds 2]
//
// 1. Stores `--calls` call records (full `calls` documents, insertMany in batches of 5,000) spread
//    over `--days` days, 08:00–20:00 local time, over `--campaigns` campaigns (the first gets 40 %).
// 2. Feeds the rollups with the compactor's own pure fold (`foldDeltas`, storage/report.ts) in bulk,
//    one campaign at a time, in passes of `--pass-seconds` of calls (what a compactor running every
//    second or two folds; a larger value gives the longer `absorbed` lists a backlog leaves), and
//    stores the rollups and the `report_counted` marks as a long-running
//    compactor would have left them. The last `--pending` calls go through the live path instead:
//    `noteForReport`, then one real `compactOnce` pass over half of them, so readers also meet
//    pending deltas and a freshly written `absorbed` list.
// 3. Times the endpoint in-process (`app.request` on the real Hono app, auth included) for several
//    ranges of the largest campaign, `--repeat` times each, and checks every answer against a
//    direct count: one streaming scan of that campaign's `calls` documents (also timed: the naive
//    way the rollups replace).
//
// The store: MONGODB_URI if set, else FerretDB (or mongod) started in a temp dir.
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import pino from 'pino';
import { createApp } from '../api/app.ts';
import { mountRoutes } from '../api/routes.ts';
import { parseConfig } from '../config/index.ts';
import { defaultSettings } from '../domain/campaign.ts';
import { REPORT_BUCKETS, type ReportBucket } from '../domain/causes.ts';
import { createCampaign } from '../storage/campaigns.ts';
import { callsOf, emptyCallRecord, type CallDoc } from '../storage/calls.ts';
import { ensureIndexes } from '../storage/indexes.ts';
import { connectMongo } from '../storage/mongo.ts';
import {
  addInto,
  compactOnce,
  countedOf,
  deltaOf,
  emptyTotals,
  foldDeltas,
  mongoReportStore,
  noteForReport,
  pendingOf,
  rollupsOf,
  type ReportDelta,
  type ReportTotals,
} from '../storage/report.ts';
import { createTenant } from '../storage/tenants.ts';
import { benchLog as log, pct, startBenchServers } from './lib.ts';

const { values: opt } = parseArgs({
  options: {
    calls: { type: 'string', default: '1000000' },
    campaigns: { type: 'string', default: '5' },
    days: { type: 'string', default: '30' },
    repeat: { type: 'string', default: '15' },
    pending: { type: 'string', default: '2000' },
    'pass-seconds': { type: 'string', default: '2' },
  },
});
const N = Number(opt.calls);
const CAMPAIGNS = Number(opt.campaigns);
const DAYS = Number(opt.days);
const REPEAT = Number(opt.repeat);
const PENDING = Number(opt.pending);
const PASS_SECONDS = Number(opt['pass-seconds']);
const ZONE = 'Asia/Ho_Chi_Minh';

const cleanup: (() => Promise<unknown>)[] = [];

// Seeded random (mulberry32, 32-bit integer arithmetic), so runs are comparable.
let seed = 12345;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
};

const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;

async function main() {
  const servers = await startBenchServers({ temporal: false, store: true, tmpPrefix: 'bench-report-' });
  cleanup.unshift(() => servers.stop());
  const { mongoUri: uri, storeKind } = servers;
  const config = parseConfig({ ...process.env, MONGODB_URI: uri, MONGODB_DB: `bench_report_${Date.now()}`, LOG_LEVEL: 'silent' });
  const mongo = await connectMongo(config);
  cleanup.unshift(async () => {
    await mongo.db.dropDatabase().catch(() => {});
    await mongo.close();
  });
  const db = mongo.db;
  await ensureIndexes(db);
  const { tenant, token } = await createTenant(db, { name: 'bench', time_zone: ZONE });

  // The range of days: the last DAYS local days, up to now.
  const today = DateTime.now().setZone(ZONE).startOf('day');
  const firstDay = today.minus({ days: DAYS - 1 });
  const campaigns: string[] = [];
  for (let i = 0; i < CAMPAIGNS; i++) {
    const doc = await createCampaign(
      db,
      tenant.domain_uuid,
      { ...defaultSettings('autocall'), campaign_name: `bench-${i}`, type: 'autocall', active: true, template_name: '', carrier_name: '' },
      firstDay.minus({ days: 2 }).toJSDate(),
    );
    campaigns.push(doc.campaign_uuid);
  }
  const main = campaigns[0]!;

  // ---- 1. the call records
  const nowS = Math.floor(Date.now() / 1000);
  const mkRecord = (i: number): CallDoc => {
    const campaign_uuid = rnd() < 0.4 || CAMPAIGNS === 1 ? main : campaigns[1 + Math.floor(rnd() * (CAMPAIGNS - 1))]!;
    const day = firstDay.plus({ days: Math.floor(rnd() * DAYS) });
    let t = Math.floor(day.toSeconds() + 8 * 3600 + rnd() * 12 * 3600);
    if (t > nowS) t = nowS - Math.floor(rnd() * 3600);
    if (i >= N - PENDING) t = nowS - Math.floor(rnd() * 600); // just-ended calls: the live path
    const r = rnd();
    const bucket: ReportBucket =
      r < 0.45 ? 'answered' : r < 0.6 ? 'busy' : r < 0.72 ? 'no_answer' : r < 0.84 ? 'not_available' : r < 0.9 ? 'cancel' : 'failed';
    const answered = bucket === 'answered';
    const waitsec = Math.floor(rnd() * 25);
    const billsec = answered ? 1 + Math.floor(rnd() * 180) : 0;
    const call_id = `bench-${i.toString(36)}-${Math.floor(rnd() * 1e9).toString(36)}`;
    const created_at = new Date(t * 1000 + Math.floor(rnd() * 1000));
    return {
      ...emptyCallRecord({ call_id, lead_uuid: `lead-${i}`, campaign_uuid, domain_uuid: tenant.domain_uuid }),
      attempt: 1,
      phone_number: `09${String(10_000_000 + (i % 89_999_999)).padStart(8, '0')}`,
      network: 'viettel',
      gateway: 'gw',
      state: 'done',
      dialed: true,
      answered,
      hangup_cause: answered ? 'NORMAL_CLEARING' : 'USER_BUSY',
      disposition: answered ? 'answered' : 'busy',
      report: bucket,
      billsec,
      waitsec,
      duration: waitsec + billsec,
      created_at,
      answered_at: answered ? new Date(created_at.getTime() + waitsec * 1000) : null,
      ended_at: new Date(created_at.getTime() + (waitsec + billsec) * 1000),
    };
  };

  log(`storing ${N.toLocaleString()} call records over ${DAYS} days, ${CAMPAIGNS} campaigns (${storeKind})…`);
  const deltasByCampaign = new Map<string, ReportDelta[]>(campaigns.map((c) => [c, []]));
  const live: CallDoc[] = []; // the last PENDING records: through noteForReport
  let t0 = performance.now();
  const BATCH = 5000;
  for (let i = 0; i < N; i += BATCH) {
    const batch: CallDoc[] = [];
    for (let j = i; j < Math.min(N, i + BATCH); j++) batch.push(mkRecord(j));
    await callsOf(db).insertMany(batch, { ordered: false });
    for (const [k, r] of batch.entries()) {
      if (i + k >= N - PENDING) live.push(r);
      else deltasByCampaign.get(r.campaign_uuid)!.push(deltaOf(r));
    }
    if ((i / BATCH) % 20 === 0) log(`  ${(i + batch.length).toLocaleString()} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  const insertCallsS = (performance.now() - t0) / 1000;
  log(`calls stored in ${insertCallsS.toFixed(0)} s`);

  // ---- 2. the rollups, by the compactor's fold
  t0 = performance.now();
  let rollupDocs = 0;
  for (const c of campaigns) {
    const ds = deltasByCampaign.get(c)!;
    // Fold in passes of PASS_SECONDS of calls, time-ordered — what a compactor running every
    // second or two folds — so the `absorbed` lists are the ones such passes leave; the docs are
    // carried from pass to pass in memory.
    ds.sort((a, b) => a.t - b.t);
    const docs = new Map<string, ReturnType<typeof foldDeltas>[number]>();
    for (let i = 0; i < ds.length;) {
      let j = i;
      while (j < ds.length && ds[j]!.t < ds[i]!.t + PASS_SECONDS) j++;
      for (const d of foldDeltas(ds.slice(i, j), docs)) docs.set(d._id, d);
      i = j;
    }
    const all = [...docs.values()];
    for (let i = 0; i < all.length; i += 5000) await rollupsOf(db).insertMany(all.slice(i, i + 5000), { ordered: false });
    rollupDocs += all.length;
    const ids = ds.map((d) => d._id);
    const at = new Date();
    for (let i = 0; i < ids.length; i += 10_000)
      await countedOf(db).insertMany(
        ids.slice(i, i + 10_000).map((_id) => ({ _id, at })),
        { ordered: false },
      );
    log(`  campaign ${c.slice(0, 8)}: ${ds.length.toLocaleString()} calls → ${all.length.toLocaleString()} rollup docs`);
  }
  const foldS = (performance.now() - t0) / 1000;
  // The live path for the newest calls, and one real pass over half of them.
  t0 = performance.now();
  for (const r of live) await noteForReport(db, r);
  const noteMs = (performance.now() - t0) / Math.max(1, live.length);
  t0 = performance.now();
  const pass = await compactOnce(mongoReportStore(db), { batch: Math.floor(PENDING / 2) });
  const passMs = performance.now() - t0;
  const pendingLeft = await pendingOf(db).countDocuments();
  log(
    `rollups: ${rollupDocs.toLocaleString()} docs in ${foldS.toFixed(0)} s; noteForReport ${noteMs.toFixed(1)} ms each; one pass of ${pass.counted} deltas ${passMs.toFixed(0)} ms; ${pendingLeft} pending left`,
  );

  // ---- 3. the report
  const app = createApp({ config, db, logger: pino({ level: 'silent' }) }, mountRoutes);
  const f = (d: DateTime) => d.toFormat('yyyy-MM-dd HH:mm:ss');
  const mid = today.minus({ days: Math.floor(DAYS / 2) });
  const ranges: Array<{ name: string; start: DateTime; end: DateTime }> = [
    { name: 'one local day', start: mid, end: mid.endOf('day').startOf('second') },
    { name: 'one week', start: mid.minus({ days: 6 }), end: mid.endOf('day').startOf('second') },
    { name: `${DAYS} days (everything)`, start: firstDay, end: today.endOf('day').startOf('second') },
    {
      name: 'odd edges 10:17:23 → 16:42:09',
      start: mid.set({ hour: 10, minute: 17, second: 23 }),
      end: mid.set({ hour: 16, minute: 42, second: 9 }),
    },
    {
      name: 'odd edges over 9 days',
      start: mid.minus({ days: 8 }).set({ hour: 10, minute: 17, second: 23 }),
      end: mid.set({ hour: 16, minute: 42, second: 9 }),
    },
    { name: 'today to now (meets pending)', start: today, end: DateTime.now().setZone(ZONE).plus({ minutes: 1 }).startOf('second') },
  ];

  log("direct count: one scan of the campaign's call records…");
  t0 = performance.now();
  const direct = ranges.map(() => emptyTotals());
  const bounds = ranges.map((r) => [Math.floor(r.start.toSeconds()), Math.floor(r.end.toSeconds()) + 1] as const);
  let scanned = 0;
  for await (const c of callsOf(db).find(
    { campaign_uuid: main },
    { projection: { created_at: 1, report: 1, duration: 1, billsec: 1, waitsec: 1 } },
  )) {
    scanned++;
    const s = Math.floor(c.created_at.getTime() / 1000);
    bounds.forEach(([a, b], i) => {
      if (s >= a && s < b)
        addInto(direct[i]!, {
          _id: '',
          campaign_uuid: main,
          domain_uuid: '',
          t: s,
          bucket: (REPORT_BUCKETS as readonly string[]).includes(c.report) ? (c.report as ReportBucket) : 'failed',
          duration: c.duration,
          billsec: c.billsec,
          waitsec: c.waitsec,
        });
    });
  }
  const scanS = (performance.now() - t0) / 1000;
  log(`scanned ${scanned.toLocaleString()} records in ${scanS.toFixed(1)} s`);

  const rows: string[] = [];
  let allOk = true;
  for (const [i, r] of ranges.entries()) {
    const url = `/v1/autocall/report?campaign_uuid=${main}&start_date=${encodeURIComponent(f(r.start))}&end_date=${encodeURIComponent(f(r.end))}`;
    const times: number[] = [];
    let body: { data: ReportTotals } | undefined;
    for (let k = 0; k < REPEAT + 1; k++) {
      const s = performance.now();
      const res = await app.request(url, { headers: { authorization: `Bearer ${token}` } });
      body = (await res.json()) as { data: ReportTotals };
      if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(body)}`);
      if (k > 0) times.push(performance.now() - s); // the first warms the campaign cache
    }
    const ok = JSON.stringify(body!.data) === JSON.stringify(direct[i]);
    allOk &&= ok;
    const row = `| ${r.name} | ${f(r.start)} → ${f(r.end)} | ${body!.data.total_calls.toLocaleString()} | ${ms(pct(times, 50))} | ${ms(Math.max(...times))} | ${ok ? 'yes' : 'NO'} |`;
    rows.push(row);
    log(row);
    if (!ok) log(`  report ${JSON.stringify(body!.data)}\n  direct ${JSON.stringify(direct[i])}`);
  }

  console.log(`
Store: ${storeKind}; ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}); ${N.toLocaleString()} call records over ${DAYS} days,
${CAMPAIGNS} campaigns (the measured one has ${scanned.toLocaleString()}); ${rollupDocs.toLocaleString()} rollup docs; ${pendingLeft} deltas pending.
Storing the records: ${insertCallsS.toFixed(0)} s; the fold + rollups + marks: ${foldS.toFixed(0)} s; noteForReport ${noteMs.toFixed(1)} ms per call;
one compactOnce pass of ${pass.counted} deltas (${pass.rollupsWritten} rollup docs written): ${passMs.toFixed(0)} ms.
Direct count (one streaming scan of the campaign's records): ${scanS.toFixed(1)} s.

| range | dates (${ZONE}) | calls | p50 | max | equals direct count |
| --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`);
  if (!allOk) process.exitCode = 1;
}

try {
  await main();
} finally {
  for (const c of cleanup) await c().catch(() => {});
}
