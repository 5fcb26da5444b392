// Retries after a crash at the worst moment (failpoints, config/failpoints.ts), on real servers:
// - the worker dies right after the run's startLeads activity started a lead workflow; the lead
//   finishes on the next worker before the activity is retried: the retry must leave it alone;
// - the API dies after a v2 import stored its customers and before it started the queue; the
//   client re-posts the same import: every customer is a success and is dialed once.
import { DateTime } from 'luxon';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/procs.ts';
import { callsOf, emptyCallRecord } from '../../storage/calls.ts';
import { templates } from '../../storage/directory.ts';
import { leadWorkflowId } from '../../workflows/contract.ts';
import { apiOf, expectedKeys } from '../callbacks/common.ts';
import { startReceiver, type Receiver } from '../callbacks/receiver.ts';
import { callsOfCampaign, leadsOfCampaign, originatesOf, spawnWorker, startEngine, waitFor, type Engine } from './harness.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ANSWER = { action: 'answer' as const, ringMs: 30, talkMs: 300 };

describe('a retried startLeads after its lead finished', () => {
  let e: Engine;
  let rcv: Receiver;
  let worker: ReturnType<typeof spawnWorker> | undefined;

  beforeAll(async () => {
    // CDRs posted as in production: a hangup event sent while the dead worker still held the node's
    // listener (up to its 5 s heartbeat timeout) is recovered from the CDR, not recorded unknown.
    e = await startEngine({ default: ANSWER }, { inProcessWorker: false, cdr: true, env: { CALLBACK_ALLOW_PRIVATE: 'true' } });
    rcv = await startReceiver();
  });
  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await rcv?.close();
    await e?.close();
  });

  it('starts each lead workflow once per claim and keeps the answered record', async () => {
    const campaign = await e.campaign({
      concurrent_call: 2,
      recall_times: 2,
      schedule_recall: 'after',
      recall_status: ['busy', 'failed', 'no-answered', 'not-available', 'congestion'],
      callback_url: rcv.url('/cdr'),
    });
    const leads = await e.addLeads(campaign, ['0986300001', '0986300002', '0986300003', '0986300004']);
    // The first worker dies right after startLeads started the first lead workflow.
    worker = spawnWorker(e, { CR_FAILPOINTS: 'startLeads.started', CALLBACK_ALLOW_PRIVATE: 'true' });
    await e.startRun(campaign, { reconcileAfterMs: 2_000, recallFloorMs: 300, pollLeadsMs: 300 });
    await worker.exited();
    expect(worker.child.signalCode).toBe('SIGKILL');
    // The next worker runs that lead to its end long before the activity's retry.
    worker = spawnWorker(e, { CALLBACK_ALLOW_PRIVATE: 'true' });
    const done = await waitFor(
      async () => {
        const ls = await leadsOfCampaign(e, campaign);
        return ls.length === leads.length && ls.every((l) => l.status === 'done') ? ls : undefined;
      },
      90_000,
      'every lead done',
    );
    const calls = await waitFor(async () => {
      const cs = await callsOfCampaign(e, campaign);
      return cs.length >= leads.length && cs.every((c) => c.state === 'done') ? cs : undefined;
    });

    // One execution per lead workflow, one call per lead, every call answered as the callee did.
    for (const l of done) {
      const runs: string[] = [];
      for await (const x of e.client.workflow.list({ query: `WorkflowId = "${leadWorkflowId(l.lead_uuid)}"` })) runs.push(x.runId);
      expect(runs, `executions of ${l.lead_uuid}`).toHaveLength(1);
      expect(l.attempts).toBe(1);
    }
    expect(originatesOf(e, campaign)).toHaveLength(leads.length);
    expect(calls).toHaveLength(leads.length);
    expect(calls.every((c) => c.disposition === 'answered' && !c.reconciled)).toBe(true);
    const progress = await e.progress(campaign);
    expect(progress.done).toBe(leads.length);

    // The report, the records and the delivered callbacks agree.
    const api = apiOf(e);
    const zone = e.tenant.time_zone;
    const from = DateTime.now().setZone(zone).minus({ hours: 1 }).toFormat('yyyy-MM-dd HH:mm:ss');
    const to = DateTime.now().setZone(zone).plus({ minutes: 5 }).toFormat('yyyy-MM-dd HH:mm:ss');
    const report = await api.get(
      `/v1/autocall/report?campaign_uuid=${campaign}&start_date=${encodeURIComponent(from)}&end_date=${encodeURIComponent(to)}`,
    );
    expect(report.body.data.total_calls).toBe(leads.length);
    expect(report.body.data.status.answered).toBe(leads.length);
    const keys = expectedKeys(calls, { answers: false });
    await waitFor(() => [...keys].every((k) => rcv.accepted().has(k)), 30_000, 'every cdr callback delivered');
    for (const k of keys) {
      const got = rcv.accepted().get(k)!;
      expect(got).toHaveLength(1);
      expect(JSON.parse(got[0]!.body)).toMatchObject({ call_id: k.split(':')[0] });
    }
  }, 150_000);
});

describe('a call already recorded when an attempt meets it', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await startEngine({ default: { action: 'busy', ringMs: 20 } });
  });
  afterAll(async () => {
    await e?.close();
  });

  it('keeps the stored outcome: no second dial, no less-informed record, no recall', async () => {
    const campaign = await e.campaign({
      concurrent_call: 1,
      recall_times: 3,
      schedule_recall: 'after',
      recall_status: ['busy', 'failed'],
    });
    const [lead] = await e.addLeads(campaign, ['0986320001']);
    // What an earlier execution of this lead stored for its first call: answered, 42 s.
    const at = Math.floor(Date.now() / 1000) * 1000 - 60_000; // whole seconds, as FreeSWITCH's answer_epoch
    const stored = {
      ...emptyCallRecord({
        call_id: lead!.next_call_id,
        lead_uuid: lead!.lead_uuid,
        campaign_uuid: campaign,
        domain_uuid: e.tenant.domain_uuid,
      }),
      attempt: 1,
      phone_number: '0986320001',
      state: 'done' as const,
      dialed: true,
      answered: true,
      answered_uuid: lead!.next_call_id,
      hangup_cause: 'NORMAL_CLEARING',
      q850: 16,
      disposition: 'answered',
      report: 'answered',
      billsec: 42,
      duration: 45,
      created_at: new Date(at),
      answered_at: new Date(at + 3_000),
      ended_at: new Date(at + 45_000),
    };
    await callsOf(e.mongo.db).insertOne(stored);
    await e.startRun(campaign, { reconcileAfterMs: 1_000, recallFloorMs: 300, pollLeadsMs: 300 });
    await waitFor(async () => (await leadsOfCampaign(e, campaign))[0]?.status === 'done', 30_000, 'the lead done');
    expect(originatesOf(e, campaign)).toHaveLength(0);
    const calls = await callsOfCampaign(e, campaign);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      answered: true,
      disposition: 'answered',
      billsec: 42,
      hangup_cause: 'NORMAL_CLEARING',
      reconciled: false,
    });
    expect(calls[0]!.answered_at).toEqual(stored.answered_at);
    expect((await leadsOfCampaign(e, campaign))[0]).toMatchObject({ attempts: 1, disposition: 'answered' });
  }, 60_000);
});

describe('a v2 import re-posted after the API died before starting the queue', () => {
  let e: Engine;
  let api: { stop(): Promise<void> } | undefined;

  beforeAll(async () => {
    // missingMedia: the message's URL points at an API that is not up while it plays mediaMs, as before the simulator fetched audio
    e = await startEngine({ mediaMs: 60_000, missingMedia: 'play', default: ANSWER });
    await templates(e.mongo.db).create(e.tenant.domain_uuid, {
      template_name: 'IVR-R',
      type_autocall: 'autocall_voice_tts',
      content: 'Xin chào',
      audio_file: '',
      otp_param: '',
      otp_repeat: 2,
      description: '',
    });
  });
  afterAll(async () => {
    await api?.stop();
    await e?.close();
  });

  /** The API as its own process (so it can die), on the engine's servers. */
  async function startApi(port: number, env: Record<string, string> = {}) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'api/server.ts'], {
      cwd: root,
      env: {
        ...process.env,
        API_PORT: String(port),
        MONGODB_URI: e.config.MONGODB_URI,
        MONGODB_DB: e.config.MONGODB_DB,
        TEMPORAL_ADDRESS: e.config.TEMPORAL_ADDRESS,
        TEMPORAL_NAMESPACE: e.config.TEMPORAL_NAMESPACE,
        TEMPORAL_TASK_QUEUE: e.config.TEMPORAL_TASK_QUEUE,
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: 'ignore',
    });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status > 0, 30_000, 'the API up');
    const exited = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
    return {
      child,
      exited,
      async stop() {
        child.kill('SIGTERM');
        await exited;
      },
    };
  }

  it('answers every customer as a success and dials each once', async () => {
    const customers = Array.from({ length: 40 }, (_, i) => ({
      id: `K${i}`,
      mobiles: [`09863100${String(i).padStart(2, '0')}`],
      amount: i * 1000,
    }));
    const body = JSON.stringify({ queue_code: 'Q-retry', template: 'IVR-R', concurrent_call: 5, customers });
    const post = (port: number) =>
      fetch(`http://127.0.0.1:${port}/v2/autocall/queue`, {
        method: 'POST',
        headers: { authorization: `Bearer ${e.token}`, 'content-type': 'application/json' },
        body,
      });

    const port = await freePort();
    const dying = await startApi(port, { CR_FAILPOINTS: 'v2import.stored' });
    await expect(post(port)).rejects.toThrow(); // the connection drops: no answer
    await dying.exited;
    const queue = await waitFor(() =>
      e.mongo.db.collection('campaigns').findOne({ domain_uuid: e.tenant.domain_uuid, queue_code: 'Q-retry' }),
    );
    expect(await leadsOfCampaign(e, queue.campaign_uuid)).toHaveLength(customers.length); // stored…
    await new Promise((r) => setTimeout(r, 500));
    expect(originatesOf(e, queue.campaign_uuid)).toHaveLength(0); // …and not dialed: the queue was never started

    api = await startApi(port);
    const res = await post(port);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ code: 200, content: 'successfully', data: { fail: [], success: customers.map((c) => c.id) } });
    await waitFor(
      async () => (await leadsOfCampaign(e, queue.campaign_uuid)).every((l) => l.status === 'done'),
      60_000,
      'every customer called',
    );
    expect(await leadsOfCampaign(e, queue.campaign_uuid)).toHaveLength(customers.length);
    for (const c of customers) expect(e.sim.callLog.byNumber(c.mobiles[0]!), c.id).toHaveLength(1);
  }, 120_000);
});
