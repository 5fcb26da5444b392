// What the benchmarks share: the `[bench]` log line, the servers they start unless given
// (TEMPORAL_ADDRESS / MONGODB_URI), the worker as the product runs it, waiting for something to come
// up, stopping a child process, a percentile, and replacing one section of BENCHMARKS.md.
import type { ChildProcess } from 'node:child_process';
import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { Db } from 'mongodb';
import type { Config } from '../config/index.ts';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../config/index.ts';
import { buildLead, storeLeads } from '../storage/leads.ts';
import { carriers } from '../storage/directory.ts';
import { createCampaign, type NewCampaign } from '../storage/campaigns.ts';
import { defaultSettings } from '../domain/campaign.ts';
import { freePort, type Proc } from '../scripts/lib/procs.ts';
import { startMongoStore, startTemporal } from '../scripts/lib/stack.ts';

export const benchLog = (s: string): void => void process.stderr.write(`[bench] ${s}\n`);

export interface BenchServers {
  /** TEMPORAL_ADDRESS, else the dev server started here ('' when `temporal` was not asked for). */
  temporalAddress: string;
  /** MONGODB_URI, else the store started here ('' when `store` was not asked for). */
  mongoUri: string;
  /** For the report: 'given by MONGODB_URI', 'FerretDB 1.24 (SQLite)' or 'mongod'. */
  storeKind: string;
  /** The temp dir (logs, data) of the servers started here. */
  tmp: string;
  /** Stops what was started here and removes the temp dir. */
  stop(): Promise<void>;
}

/**
 * The Temporal dev server (in memory, namespace `default`) unless TEMPORAL_ADDRESS is set, and the
 * store (mongod when on PATH, else FerretDB) unless MONGODB_URI is set, each when asked for; logs and
 * data in a new temp dir named `<tmpPrefix>…`.
 */
export async function startBenchServers(o: { temporal: boolean; store: boolean; tmpPrefix: string }): Promise<BenchServers> {
  const tmp = mkdtempSync(join(tmpdir(), o.tmpPrefix));
  const started: Proc[] = [];
  const stop = async () => {
    await Promise.allSettled(started.map((p) => p.stop()));
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    const stack = { cacheDir: parseConfig(process.env).TOOLS_CACHE_DIR, logDir: join(tmp, 'logs'), log: benchLog };
    let temporalAddress = '';
    if (o.temporal) {
      temporalAddress = process.env.TEMPORAL_ADDRESS ?? '';
      if (!temporalAddress) {
        const port = await freePort();
        started.push(await startTemporal({ ...stack, port, namespace: 'default' }));
        temporalAddress = `127.0.0.1:${port}`;
      }
    }
    let mongoUri = '';
    let storeKind = 'given by MONGODB_URI';
    if (o.store) {
      mongoUri = process.env.MONGODB_URI ?? '';
      if (!mongoUri) {
        const store = await startMongoStore({ ...stack, port: await freePort(), dataDir: join(tmp, 'data') });
        started.push(store.proc);
        mongoUri = store.uri;
        storeKind = store.kind === 'ferretdb' ? 'FerretDB 1.24 (SQLite)' : 'mongod';
      }
    }
    return { temporalAddress, mongoUri, storeKind, tmp, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The product's environment in a bench: these servers, a fresh database and task queue, and the
 *  simulator on `eslPort` as the one ESL node. */
export function benchEnv(s: Pick<BenchServers, 'temporalAddress' | 'mongoUri'>, eslPort: number): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: s.temporalAddress,
    MONGODB_URI: s.mongoUri,
    MONGODB_DB: `bench_${randomUUID().slice(0, 8)}`,
    TEMPORAL_TASK_QUEUE: `bench-${randomUUID().slice(0, 8)}`,
    ESL_HOST: '127.0.0.1',
    ESL_PORT: String(eslPort),
    ESL_NODES: '',
  };
}

export interface BenchWorker {
  client: Client;
  worker: Worker;
  /** The worker's run (rejects if the worker fails). */
  running: Promise<void>;
  /** Shuts the worker down and waits for its run to end, then closes the connections. */
  stop(): Promise<void>;
}

/**
 * The worker as the product runs it, on `config`'s Temporal and ESL nodes, with its node listeners. The
 * worker's modules are loaded here, so a bench without a worker does not load them.
 */
export async function startBenchWorker(config: Config, db: Db): Promise<BenchWorker> {
  const [
    { Client, Connection },
    { NativeConnection },
    { default: pino },
    { createDialPool, createWorker, ensureNodeListeners, installRuntime },
  ] = await Promise.all([import('@temporalio/client'), import('@temporalio/worker'), import('pino'), import('../worker/create.ts')]);
  installRuntime();
  const conn = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection: conn });
  const native = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const pool = createDialPool(config);
  await pool.start();
  const logger = pino({ level: 'warn' });
  const worker = await createWorker(native, { config, db, logger, esl: pool }); // activities: the worker's own client
  const running = worker.run();
  await ensureNodeListeners(client, config);
  return {
    client,
    worker,
    running,
    async stop() {
      worker.shutdown();
      try {
        await running;
      } finally {
        await Promise.allSettled([pool.close(), native.close(), conn.close()]);
      }
    },
  };
}

/** Polls `check` every `everyMs` until it is true (a throw counts as not yet); throws after `ms`. */
export async function waitUntil(check: () => Promise<boolean> | boolean, ms: number, what: string, everyMs = 20): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** SIGTERM, then SIGKILL after 5 s; resolves when the child has exited. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

/** The p-th percentile (0–100) of `xs`, nearest rank below; NaN when empty. */
export function pct(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** Replaces (or appends) the section of BENCHMARKS.md that starts with `heading`; other sections stay as they are. */
export function writeBenchSection(heading: string, section: string): void {
  const file = 'BENCHMARKS.md';
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = text.indexOf(heading);
  if (start >= 0) {
    const next = text.indexOf('\n## ', start + 1);
    text = text.slice(0, start) + section.trimEnd() + '\n' + (next >= 0 ? text.slice(next) : '');
  } else {
    text = `${text.trimEnd()}\n\n${section.trimEnd()}\n`;
  }
  writeFileSync(file, text);
  benchLog(`wrote the section to ${file}`);
}

/** `n` leads of a campaign, lead `i` dialing `number(i)`, stored and listed in its dial queue as an
 *  import stores them (storage/leads.ts storeLeads: leads written any other way are never dialed). */
export async function storeBenchLeads(
  db: Db,
  ids: { domain_uuid: string; campaign_uuid: string },
  n: number,
  number: (i: number) => string,
): Promise<void> {
  const docs = Array.from({ length: n }, (_, i) => buildLead({ ...ids, phone_number: number(i), param: {}, source: 'v3_import' }));
  await storeLeads(db, docs);
}

/** The benches' one carrier: gateway `gw`, no caller numbers, no networks, no cps limit. */
export function benchCarrier(db: Db, domain_uuid: string) {
  return carriers(db).create(domain_uuid, { carrier_name: 'b', gateway: 'gw', caller_numbers: [], networks: [], cps: 0, description: '' });
}

/** An autocall campaign on the bench carrier, no template (the callee hears `park`), the given settings on top. */
export function benchAutocall(
  db: Db,
  domain_uuid: string,
  carrier: { carrier_uuid: string; carrier_name: string },
  settings: Partial<NewCampaign> & Pick<NewCampaign, 'campaign_name'>,
) {
  return createCampaign(db, domain_uuid, {
    ...defaultSettings('autocall'),
    type: 'autocall',
    carrier_uuid: carrier.carrier_uuid,
    carrier_name: carrier.carrier_name,
    template_name: '',
    ...settings,
  });
}
