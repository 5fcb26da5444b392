// The dialing engine on real servers: the simulator (in this process, free port), the Temporal dev
// server and the store from the global setup, and the worker (in-process, or a child process for
// the SIGKILL test). Helpers create a tenant, a carrier, a campaign and leads straight in MongoDB.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/app.ts';
import { mountRoutes } from '../../api/routes.ts';
import { freePort } from '../../scripts/lib/procs.ts';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createLogger } from '../../config/log.ts';
import type { Config } from '../../config/index.ts';
import { defaultSettings } from '../../domain/campaign.ts';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import type { RulesInput } from '../../simulator/rules.ts';
import { createCampaign, type NewCampaign } from '../../storage/campaigns.ts';
import { carriers } from '../../storage/directory.ts';
import { ensureIndexes } from '../../storage/indexes.ts';
import { buildLead, insertLead, leadsOf, type LeadDoc } from '../../storage/leads.ts';
import { callsOf } from '../../storage/calls.ts';
import { connectMongo, type Mongo } from '../../storage/mongo.ts';
import { createTenant, type Tenant } from '../../storage/tenants.ts';
import { createDialPool, createWorker, ensureNodeListeners, installRuntime } from '../../worker/create.ts';
import { ensureReportCompactor } from '../../worker/report-compactor.ts';
import type { EslPool } from '../../telephony/esl/index.ts';
import { campaignRunWorkflowId, progressQuery, type EngineOptions, type Progress } from '../../workflows/contract.ts';
import { testConfig } from '../helpers/env.ts';

export const GATEWAY = 'gw-test';

export interface Engine {
  config: Config;
  sim: Simulator;
  mongo: Mongo;
  client: Client;
  tenant: Tenant;
  token: string;
  carrier_uuid: string;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  campaign(settings: Partial<NewCampaign>): Promise<string>;
  addLeads(campaign_uuid: string, numbers: string[]): Promise<LeadDoc[]>;
  startRun(campaign_uuid: string, options?: EngineOptions): Promise<void>;
  progress(campaign_uuid: string): Promise<Progress>;
  close(): Promise<void>;
}

export async function startEngine(
  rules: RulesInput,
  opts: {
    inProcessWorker?: boolean;
    timeScale?: number;
    /** more configuration variables */
    env?: Record<string, string>;
    /** The simulator posts CDRs (mod_json_cdr) to the API, served on a port of its own. */
    cdr?: boolean;
    /** The simulator's mod_callcenter takes its queues from the API's mod_xml_curl gateway. */
    callcenter?: boolean;
  } = {},
): Promise<Engine> {
  installRuntime();
  const withApi = opts.cdr || opts.callcenter;
  const cdrPort = withApi ? await freePort() : 0;
  const cdrPassword = 'cdr-password-for-tests';
  const sim = await startSimulator({
    port: 0,
    rules,
    timeScale: opts.timeScale ?? 0.01,
    ...(opts.cdr
      ? { cdr: { url: `http://127.0.0.1:${cdrPort}/freeswitch/cdr`, cred: `freeswitch:${cdrPassword}`, retries: 2, delayMs: 200 } }
      : {}),
    ...(opts.callcenter ? { xmlCurlUrl: `http://freeswitch:${cdrPassword}@127.0.0.1:${cdrPort}/freeswitch/xml` } : {}),
  });
  const config = testConfig({
    ...opts.env,
    ESL_HOST: '127.0.0.1',
    ESL_PORT: String(sim.port),
    ESL_PASSWORD: sim.password,
    ...(withApi ? { FREESWITCH_HTTP_PASSWORD: cdrPassword } : {}),
  });
  const mongo = await connectMongo(config);
  await ensureIndexes(mongo.db);
  const { tenant, token } = await createTenant(mongo.db, { name: 'engine' });
  const carrier = await carriers(mongo.db).create(tenant.domain_uuid, {
    carrier_name: 'test carrier',
    gateway: GATEWAY,
    caller_numbers: ['02873001234'],
    networks: [],
    cps: 0,
    description: '',
  });
  const conn = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection: conn, namespace: config.TEMPORAL_NAMESPACE });
  const logger = createLogger('engine-test', config.LOG_LEVEL);
  // The API, for FreeSWITCH's CDR posts (the routes are the product's own).
  const api = withApi
    ? serve({
        fetch: createApp({ config, db: mongo.db, temporal: client, logger }, mountRoutes).fetch,
        hostname: '127.0.0.1',
        port: cdrPort,
      })
    : undefined;

  let running: { worker: Worker; done: Promise<void>; native: NativeConnection; pool: EslPool } | undefined;

  const engine: Engine = {
    config,
    sim,
    mongo,
    client,
    tenant,
    token,
    carrier_uuid: carrier.carrier_uuid,
    async startWorker() {
      const native = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
      const pool = createDialPool(config);
      pool.on('error', () => {});
      await pool.start();
      // Its activities use the worker's own client (the activity context's), as the worker process's do.
      const worker = await createWorker(native, { config, db: mongo.db, logger, esl: pool });
      const done = worker.run();
      running = { worker, done, native, pool };
      await ensureNodeListeners(client, config);
      await ensureReportCompactor(client, config.TEMPORAL_TASK_QUEUE, { everyMs: 200 });
    },
    async stopWorker() {
      if (!running) return;
      const r = running;
      running = undefined;
      r.worker.shutdown();
      await r.done.catch(() => {});
      await Promise.allSettled([r.pool.close(), r.native.close()]);
    },
    async campaign(settings) {
      const doc = await createCampaign(mongo.db, tenant.domain_uuid, {
        ...defaultSettings('autocall'),
        campaign_name: `c-${Math.random().toString(36).slice(2)}`,
        type: 'autocall',
        active: true,
        carrier_uuid: carrier.carrier_uuid,
        template_name: '',
        carrier_name: carrier.carrier_name,
        ...settings,
      });
      return doc.campaign_uuid;
    },
    async addLeads(campaign_uuid, numbers) {
      const out: LeadDoc[] = [];
      for (const n of numbers) {
        const lead = buildLead({ domain_uuid: tenant.domain_uuid, campaign_uuid, phone_number: n, param: {}, source: 'v3_import' });
        await insertLead(mongo.db, lead);
        out.push(lead);
      }
      return out;
    },
    async startRun(campaign_uuid, options) {
      await client.workflow.start('campaignRunWorkflow', {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workflowId: campaignRunWorkflowId(campaign_uuid),
        args: [{ campaign_uuid, domain_uuid: tenant.domain_uuid, options }],
      });
    },
    progress(campaign_uuid) {
      return client.workflow.getHandle(campaignRunWorkflowId(campaign_uuid)).query(progressQuery);
    },
    async close() {
      await engine.stopWorker();
      await mongo.db.dropDatabase().catch(() => {});
      await Promise.allSettled([conn.close(), mongo.close(), sim.close(), new Promise((r) => (api ? api.close(r) : r(undefined)))]);
    },
  };
  if (opts.inProcessWorker !== false) await engine.startWorker();
  return engine;
}

/** Poll until `check` returns a truthy value (or throw with the last value after `timeoutMs`). */
export async function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 60_000, what = 'condition'): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await check();
      if (last) return last as NonNullable<T>;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const leadsOfCampaign = (e: Engine, campaign_uuid: string) => leadsOf(e.mongo.db).find({ campaign_uuid }).toArray();
export const callsOfCampaign = (e: Engine, campaign_uuid: string) => callsOf(e.mongo.db).find({ campaign_uuid }).toArray();

/** Every originate of a campaign in the simulator's log. */
export const originatesOf = (e: Engine, campaign_uuid: string) => e.sim.callLog.byVariable('campaign_uuid', campaign_uuid);

export interface WorkerProcess {
  child: ChildProcess;
  /** The last of what it printed (for failure messages). */
  output: () => string;
  exited: () => Promise<void>;
}

/** The worker as a child process with this configuration (SIGKILL tests); `env` adds variables
 *  (e.g. CR_FAILPOINTS). Its output is kept for failure messages. */
export function spawnWorkerProcess(config: Config, env: Record<string, string> = {}): WorkerProcess {
  let out = '';
  // The configuration as the environment it came from (scalar settings only).
  const fromConfig = Object.fromEntries(
    Object.entries(config).flatMap(([k, v]) =>
      /^[A-Z0-9_]+$/.test(k) && ['string', 'number', 'boolean'].includes(typeof v) ? [[k, String(v)]] : [],
    ),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/index.ts'], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    // WORKER_NICE 1: the worker lowers its priority as in production, but stays near the tests'
    // own processes on a busy CI machine (10 would starve it beside vitest's other workers).
    env: { ...process.env, ...fromConfig, LOG_LEVEL: 'warn', WORKER_NICE: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = () =>
    new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
  return { child, output: () => out.slice(-3000), exited };
}

/** The worker as a child process on the engine's servers. */
export function spawnWorker(e: Engine, env: Record<string, string> = {}): WorkerProcess {
  return spawnWorkerProcess(e.config, env);
}
