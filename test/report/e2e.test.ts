// End to end: leads imported through the API, dialed by the engine against the simulator with
// mixed outcomes, the report compacted by the real compactor workflow — and GET /v1/autocall/report
// equals the simulator's own call log: calls per bucket (from what the far end did) and total
// billsec (from the log's answer and hangup times, whole epoch seconds as FreeSWITCH counts them).
import { DateTime } from 'luxon';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../api/app.ts';
import { mountRoutes } from '../../api/routes.ts';
import { causeInfo, REPORT_BUCKETS, type ReportBucket } from '../../domain/causes.ts';
import { pendingOf } from '../../storage/report.ts';
import type { CallLogEntry } from '../../simulator/calllog.ts';
import { callsOfCampaign, leadsOfCampaign, originatesOf, startEngine, waitFor, type Engine } from '../engine/harness.ts';

const ANSWER = { action: 'answer' as const, ringMs: 30, talkMs: 1100 };
const RULES = {
  default: ANSWER,
  numbers: {
    '09830001*': { action: 'busy' as const, ringMs: 20 },
    '09830002*': { action: 'noanswer' as const },
    '09830003*': { action: 'unallocated' as const, ringMs: 10 },
    '09830004*': { action: 'rejected' as const, ringMs: 10 },
    '09830005*': { action: 'congestion' as const, ringMs: 10 },
    // busy, then answered on the recall
    '0983000601': [
      { action: 'busy' as const, ringMs: 20 },
      { ...ANSWER, talkMs: 2100 },
    ],
  },
};

const NUMBERS = [
  ...Array.from({ length: 6 }, (_, i) => `098300000${i + 1}`),
  '0983000101',
  '0983000102',
  '0983000201',
  '0983000301',
  '0983000401',
  '0983000501',
  '0983000601',
];

/** What the far end did with one originate, as the report's bucket. */
function bucketOf(x: CallLogEntry): ReportBucket {
  if (x.outcome === 'answered') return 'answered';
  return causeInfo(x.cause ?? x.legs[0]?.cause).report;
}

/** Whole-second billsec of an answered originate from the log (end − answer, epoch seconds). */
function billsecOf(x: CallLogEntry): number {
  const leg = x.legs.find((l) => l.answeredAt !== undefined);
  if (!leg || leg.hangupAt === undefined) return 0;
  return Math.floor(leg.hangupAt / 1000) - Math.floor(leg.answeredAt! / 1000);
}

describe('report equals the simulator call log', () => {
  let e: Engine;
  let app: App;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${e.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  beforeAll(async () => {
    e = await startEngine(RULES);
    app = createApp({ config: e.config, db: e.mongo.db, temporal: e.client, logger: pino({ level: 'silent' }) }, mountRoutes);
  });
  afterAll(async () => {
    await e?.close();
  });

  it('buckets and total billsec from the log; the same before and after compaction', async () => {
    const campaign = await e.campaign({
      concurrent_call: 4,
      recall_times: 1,
      schedule_recall: 'after',
      call_timeout: 30,
      recall_status: ['busy'],
    });
    for (const n of [...NUMBERS, '12345']) {
      const r = await call('POST', '/v3/autocall/import', { campaign_uuid: campaign, phone_number: n, param: {} });
      expect(r.status).toBe(200);
    }
    await e.startRun(campaign, { recallFloorMs: 300, reconcileAfterMs: 5_000, pollLeadsMs: 300 });
    await waitFor(
      async () => {
        const ls = await leadsOfCampaign(e, campaign);
        return ls.length === NUMBERS.length + 1 && ls.every((l) => l.status === 'done' || l.status === 'invalid');
      },
      90_000,
      'every lead done',
    );
    const log = originatesOf(e, campaign);
    await waitFor(
      async () => (await callsOfCampaign(e, campaign)).filter((c) => c.state === 'done' && c.dialed).length === log.length,
      30_000,
      'every call recorded',
    );

    // Expected, from the simulator's log (plus the one invalid number, never dialed: failed).
    const status = Object.fromEntries(REPORT_BUCKETS.map((b) => [b, 0])) as Record<ReportBucket, number>;
    for (const x of log) status[bucketOf(x)]++;
    status.failed++;
    const billsec = log.reduce((s, x) => s + billsecOf(x), 0);
    // The scenario really is mixed.
    expect(status.answered).toBe(7);
    expect(status.busy).toBeGreaterThanOrEqual(4);
    expect(status.no_answer + status.not_available).toBeGreaterThanOrEqual(1);
    expect(status.failed).toBeGreaterThanOrEqual(3);
    expect(billsec).toBeGreaterThanOrEqual(7);

    const zone = e.tenant.time_zone;
    const start = DateTime.now().setZone(zone).minus({ hours: 1 }).toFormat('yyyy-MM-dd HH:mm:ss');
    const end = DateTime.now().setZone(zone).plus({ minutes: 5 }).toFormat('yyyy-MM-dd HH:mm:ss');
    const url = `/v1/autocall/report?campaign_uuid=${campaign}&start_date=${encodeURIComponent(start)}&end_date=${encodeURIComponent(end)}`;

    // Whatever the compactor has done so far.
    const now = await call('GET', url);
    expect(now.status).toBe(200);
    expect(now.body.data.status).toEqual(status);
    expect(now.body.data.total_calls).toBe(log.length + 1);
    expect(now.body.data.total_billsec).toBe(billsec);

    // Once the compactor workflow has folded everything.
    await waitFor(async () => (await pendingOf(e.mongo.db).countDocuments()) === 0, 30_000, 'report compacted');
    const after = await call('GET', url);
    expect(after.body).toEqual(now.body);
    // Duration and waitsec as the call records say.
    const calls = await callsOfCampaign(e, campaign);
    expect(after.body.data.total_duration).toBe(calls.reduce((s, c) => s + c.duration, 0));
    expect(after.body.data.total_waitsec).toBe(calls.reduce((s, c) => s + c.waitsec, 0));
  }, 150_000);
});
