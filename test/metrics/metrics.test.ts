// GET /metrics on the API and the worker, against real calls: every counter, histogram and gauge
// this names must move (or read the run) as the campaign dials — a hook that stopped counting
// fails here. The simulator answers, refuses and keeps one call ringing (a live call for the
// gauges); one campaign's callbacks are delivered, another's answered 500 until given up.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MongoClient } from 'mongodb';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { bindCall, currentCall, withCall } from '../../config/call-context.ts';
import { createLogger } from '../../config/log.ts';
import { callRecorded, metricsText } from '../../config/metrics.ts';
import { freePort } from '../../scripts/lib/procs.ts';
import { startWorkerMetrics } from '../../worker/metrics.ts';
import { waitFor } from '../engine/harness.ts';
import { startOps, type Ops } from '../console/harness.ts';
import { metric, parseMetrics, type Sample } from './parse.ts';

describe('metrics', () => {
  let ops: Ops;
  let receiver: Server;
  let receiverUrl: string;
  let workerMetrics: Server | null;
  let workerPort: number;
  const scrape = async (url = `${ops.url}/metrics`) => parseMetrics(await (await fetch(url)).text());
  let before: Sample[];
  let good: string;
  let bad: string;

  beforeAll(async () => {
    ops = await startOps(
      {
        default: { action: 'answer', ringMs: 50, talkMs: 200 },
        numbers: { '0913000002': { action: 'busy', ringMs: 50 }, '0913000009': { action: 'answer', ringMs: 25_000, talkMs: null } },
      },
      {
        CALLBACK_ALLOW_PRIVATE: 'true',
        CALLBACK_RETRY_INITIAL_MS: '50',
        CALLBACK_RETRY_MAX_INTERVAL_MS: '200',
        CALLBACK_RETRY_FOR_MS: '1500',
      },
      1,
    );
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(req.url === '/fail' ? 500 : 200).end('ok'));
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    workerPort = await freePort();
    workerMetrics = startWorkerMetrics(
      { WORKER_METRICS_HOST: '127.0.0.1', WORKER_METRICS_PORT: workerPort },
      createLogger('metrics-test', 'silent'),
    );
    before = await scrape();
    const create = async (name: string, callback_url: string, concurrent_call: number) =>
      (
        await ops.api('/v3/campaign', {
          method: 'POST',
          body: { campaign_name: name, type: 'autocall', active: true, carrier_uuid: ops.carrier_uuid, concurrent_call, callback_url },
        })
      ).body.campaign_uuid as string;
    good = await create('metrics A', `${receiverUrl}/ok`, 5);
    bad = await create('metrics B', `${receiverUrl}/fail`, 1);
    for (const n of ['0913000001', '0913000002', '0913000003', '0913000004', '0913000009']) {
      expect(
        (await ops.api('/v3/autocall/import', { method: 'POST', body: { campaign_uuid: good, phone_number: n, param: {} } })).status,
      ).toBe(200);
    }
    expect(
      (await ops.api('/v3/autocall/import', { method: 'POST', body: { campaign_uuid: bad, phone_number: '0913000005', param: {} } }))
        .status,
    ).toBe(200);
    for (const c of [good, bad]) expect((await ops.api(`/v1/campaign/${c}/run/start`, { method: 'POST', body: {} })).status).toBe(200);
    await waitFor(
      async () => (await ops.api(`/console/api/campaigns/${good}`)).body.campaign.leads.finished === 4,
      60_000,
      'four calls of A recorded',
    );
  }, 180_000);

  afterAll(async () => {
    workerMetrics?.close();
    receiver?.close();
    await ops?.close();
  });

  it('counts originates, calls by disposition and answered calls, per campaign and carrier', async () => {
    const m = await scrape();
    const l = { campaign_uuid: good, carrier_uuid: ops.carrier_uuid };
    expect(metric(m, 'campaign_runner_calls_originated_total', l)).toBe(5);
    expect(metric(m, 'campaign_runner_calls_total', { ...l, disposition: 'answered', report: 'answered' })).toBe(3);
    expect(metric(m, 'campaign_runner_calls_total', { ...l, disposition: 'busy', report: 'busy' })).toBe(1);
    expect(metric(m, 'campaign_runner_calls_answered_total', l)).toBe(3);
    expect(metric(m, 'campaign_runner_call_billsec_seconds_count', { campaign_uuid: good })).toBe(3);
  });

  it('observes slot → originate and import → originate latencies, and claims', async () => {
    const m = await waitFor(
      async () => {
        const s = await scrape();
        return metric(s, 'campaign_runner_import_to_originate_seconds_count', { campaign_uuid: good }) === 4 ? s : null;
      },
      10_000,
      'import → originate observed',
    );
    expect(metric(m, 'campaign_runner_slot_to_originate_seconds_count', { campaign_uuid: good })).toBe(4);
    expect(metric(m, 'campaign_runner_slot_to_originate_seconds_sum', { campaign_uuid: good })).toBeLessThan(20);
    expect(metric(m, 'campaign_runner_leads_claimed_total', { campaign_uuid: good })).toBe(5);
    expect(metric(m, 'campaign_runner_claim_batches_total', { campaign_uuid: good })).toBeGreaterThanOrEqual(1);
  });

  it('shows the ESL node up and the command latencies', async () => {
    const m = await scrape();
    const node = ops.config.eslNodes[0]!.name;
    expect(metric(m, 'campaign_runner_esl_node_up', { node })).toBe(1);
    expect(
      metric(m, 'campaign_runner_esl_command_seconds_count', { node, command: 'bgapi originate' }) -
        metric(before, 'campaign_runner_esl_command_seconds_count', { node, command: 'bgapi originate' }),
    ).toBeGreaterThanOrEqual(5);
  });

  it('reads live calls against the cap, recalls waiting and the window from the open runs', async () => {
    // Read from the runs at most every 5 s: the first scrape saw no run yet.
    const m = await waitFor(
      async () => {
        const s = await scrape();
        return metric(s, 'campaign_runner_call_cap', { campaign_uuid: good }) ? s : null;
      },
      10_000,
      'the run in the gauges',
    );
    expect(metric(m, 'campaign_runner_live_calls', { campaign_uuid: good })).toBe(1); // the call still ringing
    expect(metric(m, 'campaign_runner_call_cap', { campaign_uuid: good })).toBe(5);
    expect(metric(m, 'campaign_runner_recalls_waiting', { campaign_uuid: good })).toBe(0);
    expect(metric(m, 'campaign_runner_window_open', { campaign_uuid: good })).toBe(1);
    expect(metric(m, 'campaign_runner_run_paused', { campaign_uuid: good })).toBe(0);
  });

  it('counts callback attempts by outcome, delivery latency, deliveries given up, and those failed or pending', async () => {
    const delivered = (s: Sample[]) => metric(s, 'campaign_runner_callback_attempts_total', { kind: 'cdr', outcome: 'delivered' });
    await waitFor(async () => delivered(await scrape()) - delivered(before) >= 4, 20_000, 'four cdr callbacks delivered');
    const m = await waitFor(
      async () => {
        const s = await scrape();
        return metric(s, 'campaign_runner_callback_deliveries_failed_total', { kind: 'cdr' }) >= 1 ? s : null;
      },
      30_000,
      'the failing delivery given up',
    );
    expect(metric(m, 'campaign_runner_callback_attempts_total', { kind: 'cdr', outcome: 'http_error' })).toBeGreaterThanOrEqual(2);
    expect(
      metric(m, 'campaign_runner_callback_delivery_seconds_count', { kind: 'cdr' }) -
        metric(before, 'campaign_runner_callback_delivery_seconds_count', { kind: 'cdr' }),
    ).toBeGreaterThanOrEqual(4);
    // The API's gauge of stored deliveries (refreshed at most every 5 s).
    await waitFor(
      async () => metric(await scrape(), 'campaign_runner_callback_deliveries', { status: 'failed' }) >= 1,
      15_000,
      'the failed delivery in the gauge',
    );
  });

  it('counts API requests by route pattern and status', async () => {
    const m = await scrape();
    const imports = (s: Sample[]) =>
      metric(s, 'campaign_runner_http_requests_total', { method: 'POST', route: '/v3/autocall/import', status: '200' });
    expect(imports(m) - imports(before)).toBe(6);
    expect(metric(m, 'campaign_runner_http_requests_total', { route: '/v1/campaign/:uuid/run/start' })).toBeGreaterThanOrEqual(2);
    expect(m.some((s) => s.name === 'campaign_runner_http_requests_total' && s.labels.route?.includes(good))).toBe(false);
  });

  it("serves the worker's /metrics on its own port", async () => {
    const res = await fetch(`http://127.0.0.1:${workerPort}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(metric(parseMetrics(await res.text()), 'campaign_runner_calls_originated_total', { campaign_uuid: good })).toBe(5);
    expect((await fetch(`http://127.0.0.1:${workerPort}/other`)).status).toBe(404);
  });
});

describe('log lines of a call', () => {
  it('carry campaign_uuid, lead_uuid and call_id once the activity bound them, its own fields winning, and never leak', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const stream = { write: (s: string) => void lines.push(JSON.parse(s)) };
    // The mixin of config/log.ts createLogger, on a stream the test reads.
    const log = pino({ mixin: () => ({ ...currentCall() }) }, stream);
    const env = new MockActivityEnvironment();
    await env.run(async () => {
      bindCall({ campaign_uuid: 'c-1', lead_uuid: 'l-1', plan: { call_id: 'k-1' } });
      await new Promise((r) => setTimeout(r, 1));
      log.info('sent');
      log.child({ node: 'n' }).warn({ call_id: 'other' }, 'child');
    });
    await new MockActivityEnvironment().run(async () => log.info('another activity'));
    log.info('outside');
    withCall({ campaign_uuid: 'c-2', lead_uuid: 'l-2', call_id: 'k-2' }, () => log.info('scoped'));
    expect(lines[0]).toMatchObject({ campaign_uuid: 'c-1', lead_uuid: 'l-1', call_id: 'k-1', msg: 'sent' });
    expect(lines[1]).toMatchObject({ campaign_uuid: 'c-1', lead_uuid: 'l-1', call_id: 'other', node: 'n' });
    expect(lines[2]).not.toHaveProperty('call_id');
    expect(lines[3]).not.toHaveProperty('call_id');
    expect(lines[4]).toMatchObject({ call_id: 'k-2' });
    expect(createLogger('x', 'silent')).toBeDefined();
  });
});

describe('callRecorded', () => {
  // Never connected: a call that was not dialed reads no lead, so callRecorded does not touch it.
  const unusedDb = new MongoClient('mongodb://127.0.0.1:1').db('unused');
  it('counts an abandoned autodialer call, once per call id', async () => {
    const call = {
      call_id: `abandon-${Date.now()}`,
      campaign_uuid: 'c-abandon',
      lead_uuid: 'l',
      carrier_uuid: 'k',
      attempt: 2,
      dialed: false,
      answered: true,
      abandoned: true,
      disposition: 'answered',
      report: 'answered',
      billsec: 3,
      slot_granted_at: null,
      originate_sent_at: null,
    };
    callRecorded(unusedDb, call);
    callRecorded(unusedDb, call); // a retried recordCall
    const m = parseMetrics((await metricsText()).body);
    expect(metric(m, 'campaign_runner_calls_abandoned_total', { campaign_uuid: 'c-abandon' })).toBe(1);
    expect(metric(m, 'campaign_runner_calls_answered_total', { campaign_uuid: 'c-abandon' })).toBe(1);
  });
});
