// A whole stack for fault runs, every part real and killable: the Temporal dev server and the store
// (the shared ones, or the test's own when the test kills them), two FreeSWITCH simulators (two
// nodes, posting CDRs), the API (in this process, on a port: CDR posts and the report), workers as
// child processes (SIGKILL), and a callback receiver. `check()` proves the invariants from the
// simulators' call logs, the store, the report and the receiver.
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import pino from 'pino';
import { expect } from 'vitest';
import { createApp } from '../../api/app.ts';
import { mountRoutes } from '../../api/routes.ts';
import { parseConfig, type Config } from '../../config/index.ts';
import { defaultSettings, type CampaignSettings } from '../../domain/campaign.ts';
import { freePort, type Proc } from '../../scripts/lib/procs.ts';
import { startMongoStore, startTemporal } from '../../scripts/lib/stack.ts';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import type { RulesInput } from '../../simulator/rules.ts';
import type { CallLogEntry } from '../../simulator/calllog.ts';
import { callsOf } from '../../storage/calls.ts';
import { createCampaign } from '../../storage/campaigns.ts';
import { carriers } from '../../storage/directory.ts';
import { ensureIndexes } from '../../storage/indexes.ts';
import { buildLead, insertLead, leadsOf } from '../../storage/leads.ts';
import { connectMongo, type Mongo } from '../../storage/mongo.ts';
import { createTenant, type Tenant } from '../../storage/tenants.ts';
import { campaignRunWorkflowId, type EngineOptions } from '../../workflows/contract.ts';
import { startReceiver, type Receiver } from '../callbacks/receiver.ts';
import { testConfig } from '../helpers/env.ts';
import { spawnWorkerProcess, waitFor, type WorkerProcess } from '../engine/harness.ts';

const CDR_PASSWORD = 'chaos-cdr-password-0123';

export interface ChaosStack {
  config: Config;
  sims: Simulator[];
  mongo: Mongo;
  client: Client;
  tenant: Tenant;
  token: string;
  receiver: Receiver;
  temporalProc?: Proc;
  storeProc?: Proc;
  workers: WorkerProcess[];
  startWorker(): WorkerProcess;
  /** Restart the test's own Temporal or store after a crash (same data). */
  restartTemporal(): Promise<void>;
  restartStore(): Promise<void>;
  campaign(settings: Partial<CampaignSettings>, numbers: string[], options?: EngineOptions): Promise<string>;
  originates(campaign: string): CallLogEntry[];
  close(): Promise<void>;
}

export async function chaosStack(rules: RulesInput, opts: { ownTemporal?: boolean; ownStore?: boolean } = {}): Promise<ChaosStack> {
  const dir = mkdtempSync(join(tmpdir(), 'cr-chaos-'));
  const base = { cacheDir: parseConfig(process.env).TOOLS_CACHE_DIR, logDir: join(dir, 'logs'), log: () => {} };
  const temporalPort = opts.ownTemporal ? await freePort() : 0;
  const storePort = opts.ownStore ? await freePort() : 0;
  let temporalProc = opts.ownTemporal
    ? await startTemporal({ ...base, port: temporalPort, namespace: 'default', dbFile: join(dir, 'temporal.db') })
    : undefined;
  let storeProc = opts.ownStore ? (await startMongoStore({ ...base, port: storePort, dataDir: join(dir, 'data') })).proc : undefined;
  const apiPort = await freePort();
  const cdr = { url: `http://127.0.0.1:${apiPort}/freeswitch/cdr`, cred: `freeswitch:${CDR_PASSWORD}`, retries: 3, delayMs: 500 };
  const sims = [
    await startSimulator({ port: 0, rules, timeScale: 0.05, cdr, hostname: 'fs1' }),
    await startSimulator({ port: 0, rules, timeScale: 0.05, cdr, hostname: 'fs2' }),
  ];
  const config = testConfig({
    ...(opts.ownTemporal ? { TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`, TEMPORAL_NAMESPACE: 'default' } : {}),
    ...(opts.ownStore ? { MONGODB_URI: `mongodb://127.0.0.1:${storePort}/` } : {}),
    ESL_NODES: sims.map((s) => `127.0.0.1:${s.port}:${s.password}`).join(','),
    FREESWITCH_HTTP_PASSWORD: CDR_PASSWORD,
    CALLBACK_ALLOW_PRIVATE: 'true',
    CALLBACK_RETRY_INITIAL_MS: '200',
    CALLBACK_RETRY_MAX_INTERVAL_MS: '1000',
  });
  const mongo = await connectMongo(config);
  await ensureIndexes(mongo.db);
  const { tenant, token } = await createTenant(mongo.db, { name: 'chaos' });
  const carrier = await carriers(mongo.db).create(tenant.domain_uuid, {
    carrier_name: 'c',
    gateway: 'gw',
    caller_numbers: ['02873001234'],
    networks: [],
    cps: 0,
    description: '',
  });
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const api = serve({
    fetch: createApp({ config, db: mongo.db, temporal: client, logger: pino({ level: 'silent' }) }, mountRoutes).fetch,
    hostname: '127.0.0.1',
    port: apiPort,
  });
  const receiver = await startReceiver();
  const workers: WorkerProcess[] = [];

  const stack: ChaosStack = {
    config,
    sims,
    mongo,
    client,
    tenant,
    token,
    receiver,
    get temporalProc() {
      return temporalProc;
    },
    get storeProc() {
      return storeProc;
    },
    workers,
    startWorker() {
      const w = spawnWorkerProcess(config);
      workers.push(w);
      return w;
    },
    async restartTemporal() {
      temporalProc = await startTemporal({ ...base, port: temporalPort, namespace: 'default', dbFile: join(dir, 'temporal.db') });
    },
    async restartStore() {
      storeProc = (await startMongoStore({ ...base, port: storePort, dataDir: join(dir, 'data') })).proc;
    },
    async campaign(settings, numbers, options) {
      const doc = await createCampaign(mongo.db, tenant.domain_uuid, {
        ...defaultSettings('autocall'),
        campaign_name: `chaos-${Math.random().toString(36).slice(2)}`,
        type: 'autocall',
        active: true,
        carrier_uuid: carrier.carrier_uuid,
        carrier_name: carrier.carrier_name,
        template_name: '',
        callback_url: receiver.url('/cdr'),
        answer_callback_url: receiver.url('/answer'),
        ...settings,
      });
      for (const n of numbers)
        await insertLead(
          mongo.db,
          buildLead({ domain_uuid: tenant.domain_uuid, campaign_uuid: doc.campaign_uuid, phone_number: n, param: {}, source: 'v3_import' }),
        );
      await client.workflow.start('campaignRunWorkflow', {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workflowId: campaignRunWorkflowId(doc.campaign_uuid),
        args: [{ campaign_uuid: doc.campaign_uuid, domain_uuid: tenant.domain_uuid, options }],
      });
      return doc.campaign_uuid;
    },
    originates: (campaign) => sims.flatMap((s) => s.callLog.byVariable('campaign_uuid', campaign)).sort((a, b) => a.at - b.at),
    async close() {
      for (const w of workers) w.child.kill('SIGKILL');
      await Promise.allSettled(workers.map((w) => w.exited()));
      await Promise.allSettled([
        connection.close(),
        mongo.close(),
        receiver.close(),
        ...sims.map((s) => s.close()),
        new Promise((r) => api.close(r)),
      ]);
      await Promise.allSettled([temporalProc?.stop(), storeProc?.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return stack;
}

/** Wait until every lead of the campaign is done and every call record final. */
export async function settled(s: ChaosStack, campaign: string, n: number, timeoutMs = 120_000): Promise<void> {
  await waitFor(
    async () => {
      const ls = await leadsOf(s.mongo.db).find({ campaign_uuid: campaign }).toArray();
      if (ls.length !== n || !ls.every((l) => l.status === 'done')) return false;
      const cs = await callsOf(s.mongo.db).find({ campaign_uuid: campaign }).toArray();
      return cs.length > 0 && cs.every((c) => c.state === 'done');
    },
    timeoutMs,
    'every lead done and every call recorded',
  );
}

/** The first originate of the campaign at or after `t` (ms), or undefined. */
export const firstOriginateAfter = (s: ChaosStack, campaign: string, t: number): number | undefined =>
  s.originates(campaign).find((x) => x.at >= t)?.at;

/**
 * The invariants after a fault: no lead lost, no call id dialed twice, no answered customer dialed
 * again, the cap held (both nodes together), every call recorded with the outcome FreeSWITCH saw,
 * the report equal to the records, every callback delivered once.
 */
export async function checkInvariants(s: ChaosStack, campaign: string, cap: number): Promise<void> {
  const log = s.originates(campaign);
  const ids = log.map((x) => x.variables.cr_call_id!);
  expect(new Set(ids).size, 'no call id dialed twice').toBe(ids.length);
  const answeredAt = new Map<string, number>();
  for (const x of log) {
    const n = x.legs[0]!.number;
    const earlier = answeredAt.get(n);
    expect(earlier === undefined || earlier > x.at, `${n} dialed again after it answered`).toBe(true);
    if (x.outcome === 'answered') answeredAt.set(n, x.at);
  }
  // Cap: calls up at once across both nodes, from the logs.
  const edges = log.flatMap((x) => [
    { t: x.at, d: 1 },
    { t: x.endedAt ?? x.completedAt ?? Date.now(), d: -1 },
  ]);
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let up = 0;
  let peak = 0;
  for (const e of edges) peak = Math.max(peak, (up += e.d));
  expect(peak, 'cap held').toBeLessThanOrEqual(cap);

  const calls = await callsOf(s.mongo.db).find({ campaign_uuid: campaign }).toArray();
  const logged = new Set(ids);
  const extra = calls.filter((c) => !logged.has(c.call_id) && c.dialed);
  expect(
    extra.map((c) => ({ n: c.phone_number, cause: c.hangup_cause, dialed: c.dialed, reconciled: c.reconciled, attempt: c.attempt })),
    'records without an originate',
  ).toEqual([]);
  expect(calls.length, 'every originate recorded').toBe(log.length);
  const byId = new Map(calls.map((c) => [c.call_id, c]));
  for (const x of log) {
    const c = byId.get(x.variables.cr_call_id!);
    expect(c, `record of ${x.variables.cr_call_id}`).toBeDefined();
    expect(c!.answered, `${c!.phone_number}: answered as FreeSWITCH saw it`).toBe(x.outcome === 'answered');
  }

  const zone = s.tenant.time_zone;
  const from = DateTime.now().setZone(zone).minus({ hours: 1 }).toFormat('yyyy-MM-dd HH:mm:ss');
  const to = DateTime.now().setZone(zone).plus({ minutes: 5 }).toFormat('yyyy-MM-dd HH:mm:ss');
  const app = createApp({ config: s.config, db: s.mongo.db, logger: pino({ level: 'silent' }) }, mountRoutes);
  const res = await app.request(
    `/v1/autocall/report?campaign_uuid=${campaign}&start_date=${encodeURIComponent(from)}&end_date=${encodeURIComponent(to)}`,
    { headers: { authorization: `Bearer ${s.token}` } },
  );
  const report = (await res.json()) as { data: { total_calls: number; status: { answered: number } } };
  expect(report.data.total_calls, 'report = records').toBe(calls.length);
  expect(report.data.status.answered, 'report answered = records').toBe(calls.filter((c) => c.answered).length);

  // Every callback delivered, each under one Idempotency-Key with one body: a delivery whose
  // worker died after the receiver's 200 is sent again with the same key (at least once, deduplicated
  // by the key), never as a second, different callback.
  const keys = [...calls.map((c) => `${c.call_id}:cdr`), ...calls.filter((c) => c.answered).map((c) => `${c.call_id}:answer`)];
  await waitFor(() => keys.every((k) => s.receiver.accepted().has(k)), 60_000, 'every callback delivered');
  const expected = new Set(keys);
  for (const [k, reqs] of s.receiver.byKey()) {
    expect(expected.has(k), `unexpected callback ${k}`).toBe(true);
    expect(new Set(reqs.map((r) => r.body)).size, `callback ${k}: one body`).toBe(1);
  }
}
