// GET /v1/autocall/report on stored call records, over real HTTP against the real store: numbers
// equal a direct count of the `calls` collection, buckets add up, tenant scoping, the 400 shapes,
// invalid numbers from the import count, and exactness while the compactor runs.
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_BUCKETS, type ReportBucket } from '../../domain/causes.ts';
import { defaultSettings } from '../../domain/campaign.ts';
import { createCampaign } from '../../storage/campaigns.ts';
import { callsOf, emptyCallRecord, type CallDoc } from '../../storage/calls.ts';
import { addInto, compactOnce, emptyTotals, mongoReportStore, noteForReport, pendingOf, type ReportTotals } from '../../storage/report.ts';
import pino from 'pino';
import { createRecordActivities, type RecordCallInput } from '../../activities/record.ts';
import { startApi, type Harness } from '../api/harness.ts';

const VN = 'Asia/Ho_Chi_Minh';
const fmt = (t: number, zone = VN) => DateTime.fromSeconds(t, { zone }).toFormat('yyyy-MM-dd HH:mm:ss');

let h: Harness;
let campaign: string;
const NOW = Math.floor(Date.now() / 1000);
/** Records over the last 40 days (the campaign was created 60 days ago). */
const SPAN = 40 * 86_400;
const BASE = NOW - SPAN;

async function newCampaign(domain_uuid: string): Promise<string> {
  const doc = await createCampaign(
    h.mongo.db,
    domain_uuid,
    {
      ...defaultSettings('autocall'),
      campaign_name: `r-${Math.random().toString(36).slice(2)}`,
      type: 'autocall',
      active: true,
      template_name: '',
      carrier_name: '',
    },
    new Date((NOW - 60 * 86_400) * 1000),
  );
  return doc.campaign_uuid;
}

let seq = 0;
function record(campaign_uuid: string, domain_uuid: string, t: number, bucket: ReportBucket): CallDoc {
  const i = seq++;
  const answered = bucket === 'answered';
  return {
    ...emptyCallRecord({ call_id: `rc-${process.pid}-${i}`, lead_uuid: `lead-${i}`, campaign_uuid, domain_uuid }),
    state: 'done',
    dialed: true,
    answered,
    report: bucket,
    duration: 5 + (i % 40),
    billsec: answered ? 1 + (i % 30) : 0,
    waitsec: i % 4,
    created_at: new Date(t * 1000 + (i % 1000)),
  };
}

/** Store records as the engine does: the record, then noteForReport. */
async function store(records: CallDoc[]) {
  await callsOf(h.mongo.db).insertMany(records);
  for (const r of records) await noteForReport(h.mongo.db, r);
}

/** The report computed straight from `calls`. */
async function direct(campaign_uuid: string, from: number, to: number): Promise<ReportTotals> {
  const t = emptyTotals();
  for (const c of await callsOf(h.mongo.db).find({ campaign_uuid }).toArray()) {
    const s = Math.floor(c.created_at.getTime() / 1000);
    if (s < from || s >= to) continue;
    addInto(t, {
      _id: c._id,
      campaign_uuid,
      domain_uuid: c.domain_uuid,
      t: s,
      bucket: (REPORT_BUCKETS as readonly string[]).includes(c.report) ? (c.report as ReportBucket) : 'failed',
      duration: c.duration,
      billsec: c.billsec,
      waitsec: c.waitsec,
    });
  }
  return t;
}

const report = (campaign_uuid: string, start: string, end: string, token?: string | null) =>
  h.call(
    'GET',
    `/v1/autocall/report?campaign_uuid=${campaign_uuid}&start_date=${encodeURIComponent(start)}&end_date=${encodeURIComponent(end)}`,
    undefined,
    { token },
  );

const sumBuckets = (d: ReportTotals) => REPORT_BUCKETS.reduce((s, b) => s + d.status[b], 0);

describe('GET /v1/autocall/report', () => {
  beforeAll(async () => {
    h = await startApi();
    campaign = await newCampaign(h.tenant.domain_uuid);
    const other = await newCampaign(h.tenant.domain_uuid);
    // 1,200 calls over 40 days, clustered on some seconds, every bucket; a few for another campaign.
    const recs: CallDoc[] = [];
    for (let i = 0; i < 1200; i++) {
      const t = BASE + Math.floor((i * 7919) % SPAN) - (i % 3 === 0 ? i % 86_400 : 0);
      recs.push(record(campaign, h.tenant.domain_uuid, Math.max(BASE, t), REPORT_BUCKETS[(i * 5) % 6]!));
    }
    for (let i = 0; i < 50; i++) recs.push(record(other, h.tenant.domain_uuid, BASE + i * 3600, 'answered'));
    await store(recs.slice(0, 900));
    // Most of it compacted, the rest still pending.
    const s = mongoReportStore(h.mongo.db);
    while ((await pendingOf(h.mongo.db).countDocuments()) > 0) await compactOnce(s, { batch: 400 });
    await store(recs.slice(900));
  }, 180_000);
  afterAll(async () => {
    await h?.close();
  });

  it('equals a direct count of the call records, for many ranges; buckets add up', async () => {
    const ranges: Array<[number, number]> = [
      [BASE - 86_400, NOW + 60], // everything
      [BASE + 86_400 * 3, BASE + 86_400 * 4 - 1], // one day (not local-aligned)
      [NOW - 7 * 86_400, NOW], // a week to now
      [BASE + 10 * 86_400 + 37_043, BASE + 10 * 86_400 + 60_129], // odd edges 10:17:23 → 16:42:09 style
      [BASE + 12345, BASE + 12345], // one second
    ];
    // Local-aligned days in the tenant's zone as well.
    const day0 = DateTime.fromSeconds(BASE, { zone: VN }).startOf('day').plus({ days: 5 });
    ranges.push([day0.toSeconds(), day0.plus({ days: 1 }).toSeconds() - 1]);
    ranges.push([day0.set({ hour: 10, minute: 17, second: 23 }).toSeconds(), day0.set({ hour: 16, minute: 42, second: 9 }).toSeconds()]);
    for (const [a, b] of ranges) {
      const res = await report(campaign, fmt(a), fmt(b));
      expect(res.status, res.text).toBe(200);
      const want = await direct(campaign, a, b + 1); // end inclusive to the second
      expect(res.body.data, `${fmt(a)} → ${fmt(b)}`).toEqual(want);
      expect(sumBuckets(res.body.data)).toBe(res.body.data.total_calls);
      expect(Object.keys(res.body.data.status)).toEqual([...REPORT_BUCKETS]);
      expect(Object.keys(res.body.data)).toEqual(['status', 'total_calls', 'total_duration', 'total_billsec', 'total_waitsec']);
    }
    const all = await report(campaign, fmt(BASE - 86_400), fmt(NOW + 60));
    expect(all.body.data.total_calls).toBe(1200);
  });

  it('an empty range and a campaign without calls are zeros', async () => {
    const empty = await newCampaign(h.tenant.domain_uuid);
    const res = await report(empty, '2022-01-01 10:00:00', '2022-01-01 10:00:00');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: {
        status: { answered: 0, busy: 0, not_available: 0, no_answer: 0, cancel: 0, failed: 0 },
        total_calls: 0,
        total_duration: 0,
        total_billsec: 0,
        total_waitsec: 0,
      },
    });
  });

  it("another tenant's campaign and an unknown one: 404 campaign is not found", async () => {
    const other = await h.newTenant(`other-${Math.random()}`);
    const res = await report(campaign, fmt(BASE), fmt(NOW), other.token);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'campaign is not found' });
    const unknown = await report('7bbe986b-8a6e-404c-840b-781102b5aa07', fmt(BASE), fmt(NOW));
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: 'campaign is not found' });
    const noToken = await report(campaign, fmt(BASE), fmt(NOW), null);
    expect(noToken.status).toBe(401);
  });

  it('bad dates: 400 in the validation list shape', async () => {
    const cases: Array<[string, string, unknown]> = [
      ['2022-01-01', '2022-01-02 00:00:00', [{ start_date: "Does not match format 'YYYY-MM-DD HH:mm:ss'" }]],
      ['2022-01-01 00:00:00', '2022-01-01T10:00:00', [{ end_date: "Does not match format 'YYYY-MM-DD HH:mm:ss'" }]],
      ['2022-02-30 00:00:00', '2022-03-01 00:00:00', [{ start_date: expect.stringContaining('is not a valid date') }]],
      ['2022-01-02 00:00:00', '2022-01-01 23:59:59', [{ end_date: 'end_date is before start_date' }]],
    ];
    for (const [s, e, want] of cases) {
      const res = await report(campaign, s, e);
      expect(res.status, `${s} ${e}`).toBe(400);
      expect(res.body, `${s} ${e}`).toEqual({ error: want });
    }
    const noCampaign = await h.call('GET', `/v1/autocall/report?start_date=2022-01-01%2000:00:00&end_date=2022-01-01%2000:00:00`);
    expect(noCampaign.status).toBe(400);
    expect(noCampaign.body).toEqual({ error: [{ '(root)': 'campaign_uuid is required' }] });
  });

  it('dates are optional: an absent or empty date leaves that end open (seed 001 leaves both not required)', async () => {
    const q = (qs: string) => h.call('GET', `/v1/autocall/report?campaign_uuid=${campaign}${qs}`);
    const all = await direct(campaign, 0, NOW + 86_400);
    expect(all.total_calls).toBe(1200);
    const none = await q('');
    expect(none.status, none.text).toBe(200);
    expect(none.body.data).toEqual(all);
    expect((await q('&start_date=&end_date=')).body.data).toEqual(all);
    const mid = BASE + 20 * 86_400;
    const onlyStart = await q(`&start_date=${encodeURIComponent(fmt(mid))}`);
    expect(onlyStart.status, onlyStart.text).toBe(200);
    expect(onlyStart.body.data).toEqual(await direct(campaign, mid, NOW + 86_400));
    const onlyEnd = await q(`&end_date=${encodeURIComponent(fmt(mid))}`);
    expect(onlyEnd.status, onlyEnd.text).toBe(200);
    expect(onlyEnd.body.data).toEqual(await direct(campaign, 0, mid + 1));
    expect(onlyStart.body.data.total_calls + onlyEnd.body.data.total_calls).toBe(1200 + (await direct(campaign, mid, mid + 1)).total_calls);
    // A bad date is still a 400 when the other is absent.
    const bad = await q('&start_date=2022-02-30%2000:00:00');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: [{ start_date: expect.stringContaining('is not a valid date') }] });
  });

  it('an unknown or foreign campaign is 404 campaign is not found whatever the dates', async () => {
    const other = await h.newTenant(`foreign-${Math.random()}`);
    const unknown = '7bbe986b-8a6e-404c-840b-781102b5aa07';
    const cases: Array<[string, string | undefined]> = [
      [`campaign_uuid=${unknown}`, undefined], // the documented call without dates
      [`campaign_uuid=${unknown}&start_date=2022-01-01`, undefined], // a malformed date
      [`campaign_uuid=${unknown}&start_date=2022-01-02%2000:00:00&end_date=2022-01-01%2000:00:00`, undefined], // end before start
      [`campaign_uuid=${'x'.repeat(65)}`, undefined], // longer than any uuid
      [`campaign_uuid=${campaign}&end_date=2022-01-01T10:00:00`, other.token], // another tenant's
      [`campaign_uuid=${campaign}`, other.token],
    ];
    for (const [qs, token] of cases) {
      const res = await h.call('GET', `/v1/autocall/report?${qs}`, undefined, { token });
      expect(res.status, qs).toBe(404);
      expect(res.body, qs).toEqual({ error: 'campaign is not found' });
    }
  });

  it("dates are the tenant's local time (Asia/Kolkata, +05:30)", async () => {
    const ind = await h.newTenant(`kolkata-${Math.random()}`, 'Asia/Kolkata');
    const c = await newCampaign(ind.tenant.domain_uuid);
    const day = DateTime.fromSeconds(NOW - 3 * 86_400, { zone: 'Asia/Kolkata' }).startOf('day');
    const at = (hh: number, mm: number, ss: number) => day.set({ hour: hh, minute: mm, second: ss }).toSeconds();
    // Just inside and just outside the local day and the 10:17:23 → 16:42:09 window.
    const times = [
      at(0, 0, 0),
      at(23, 59, 59),
      at(0, 0, 0) - 1,
      at(23, 59, 59) + 1,
      at(10, 17, 22),
      at(10, 17, 23),
      at(16, 42, 9),
      at(16, 42, 10),
    ];
    await store(times.map((t) => record(c, ind.tenant.domain_uuid, t, 'busy')));
    await compactOnce(mongoReportStore(h.mongo.db));
    const whole = await report(c, day.toFormat('yyyy-MM-dd') + ' 00:00:00', day.toFormat('yyyy-MM-dd') + ' 23:59:59', ind.token);
    expect(whole.body.data.status.busy).toBe(6);
    const odd = await report(c, day.toFormat('yyyy-MM-dd') + ' 10:17:23', day.toFormat('yyyy-MM-dd') + ' 16:42:09', ind.token);
    expect(odd.body.data.total_calls).toBe(2);
  });

  it('an invalid number imported through the API counts as failed', async () => {
    const c = await newCampaign(h.tenant.domain_uuid);
    const imp = await h.call('POST', '/v3/autocall/import', { campaign_uuid: c, phone_number: '12345', param: {} });
    expect(imp.status, imp.text).toBe(200);
    const res = await report(c, fmt(NOW - 3600), fmt(NOW + 3600));
    expect(res.body.data.status.failed).toBe(1);
    expect(res.body.data.total_calls).toBe(1);
  });

  it('a call recorded again with other times (a retried workflow task) keeps its first record, and the report agrees with it', async () => {
    const c = await newCampaign(h.tenant.domain_uuid);
    const { recordCall } = createRecordActivities({ config: h.config, db: h.mongo.db, logger: pino({ level: 'silent' }) });
    const t0 = (NOW - 600) * 1000;
    // A call settled by the workflow's clock (no hangup event): a retried task computes it later.
    const attempt = (endedAfterS: number): RecordCallInput => ({
      call_id: `retried-${c}`,
      lead_uuid: `lead-${c}`,
      campaign_uuid: c,
      domain_uuid: h.tenant.domain_uuid,
      attempt: 1,
      phone_number: '0981234567',
      dialed: true,
      answered: true,
      hangup_cause: 'NORMAL_CLEARING',
      q850: 16,
      disposition: 'answered',
      report: 'answered',
      voice_bot_status: 0,
      billsec: endedAfterS - 2,
      duration: endedAfterS,
      waitsec: 2,
      reconciled: true,
      answered_uuid: '',
      network: 'viettel',
      carrier_uuid: '',
      caller_number: '',
      gateway: '',
      digits: '',
      delivery_error: '',
      leg_uuids: [],
      node: 'fs1',
      dial_string: '',
      queue_wait: 0,
      talk_time: 0,
      abandoned: false,
      cancel_reason: '',
      sent_at: t0,
      answered_at: t0 + 2000,
      ended_at: t0 + endedAfterS * 1000,
      first_attempt_at: t0,
      lead_status: 'done',
      next_attempt_at: null,
    });
    await recordCall(attempt(10));
    await recordCall(attempt(11));
    const stored = await callsOf(h.mongo.db).findOne({ _id: `retried-${c}` });
    expect(stored).toMatchObject({ state: 'done', duration: 10, billsec: 8, ended_at: new Date(t0 + 10_000) });
    const res = await report(c, fmt(NOW - 3600), fmt(NOW + 3600));
    expect(res.body.data).toMatchObject({ total_calls: 1, total_duration: 10, total_billsec: 8 });
  });

  it('exact while the compactor runs, with calls noted again (retries) in between', async () => {
    const c = await newCampaign(h.tenant.domain_uuid);
    const recs = Array.from({ length: 600 }, (_, i) => record(c, h.tenant.domain_uuid, NOW - 5000 + (i % 97) * 13, REPORT_BUCKETS[i % 6]!));
    await store(recs);
    const from = NOW - 6000;
    const to = NOW;
    const want = await direct(c, from, to + 1);
    const s = mongoReportStore(h.mongo.db);
    let stop = false;
    let passes = 0;
    const compactor = (async () => {
      while (!stop) {
        const r = await compactOnce(s, { batch: 40 });
        passes++;
        // A retried recordCall notes a call again (sometimes after it was compacted).
        await noteForReport(h.mongo.db, recs[(passes * 37) % recs.length]!);
        if (r.counted + r.duplicates === 0) await new Promise((res) => setTimeout(res, 5));
      }
    })();
    let reads = 0;
    try {
      for (; reads < 40; reads++) {
        const res = await report(c, fmt(from), fmt(to));
        expect(res.status, res.text).toBe(200);
        expect(res.body.data, `read ${reads}, pass ${passes}`).toEqual(want);
      }
    } finally {
      stop = true;
      await compactor;
    }
    expect(passes).toBeGreaterThan(5);
    // And after everything is compacted.
    while ((await pendingOf(h.mongo.db).countDocuments()) > 0) await compactOnce(s);
    expect((await report(c, fmt(from), fmt(to))).body.data).toEqual(want);
  }, 180_000);
});
