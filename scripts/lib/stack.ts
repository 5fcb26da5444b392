// Starting the real servers of the local stack. `npm start` persists under DATA_DIR; the test
// setup gives each run temporary directories, free ports and an in-memory Temporal.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.ts';
import { ensureTool } from './tools.ts';
import { portOpen, startProc, waitReady, type Proc } from './procs.ts';

export interface StackOpts {
  cacheDir: string;
  logDir: string;
  log: (line: string) => void;
}

export interface TemporalOpts extends StackOpts {
  port: number;
  uiPort?: number; // omitted: headless
  namespace: string;
  dbFile?: string; // omitted: in memory
}

export async function startTemporal(o: TemporalOpts): Promise<Proc> {
  const bin = await ensureTool(o.cacheDir, 'temporal', o.log);
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(o.port), '--log-level', 'error'];
  args.push(...(o.uiPort ? ['--ui-port', String(o.uiPort)] : ['--headless']));
  if (o.dbFile) {
    mkdirSync(join(o.dbFile, '..'), { recursive: true });
    args.push('--db-filename', o.dbFile);
  }
  if (o.namespace !== 'default') args.push('--namespace', o.namespace);
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  // Workflow updates and a faster poll answer for short test timers.
  args.push('--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true');
  // One task-queue partition (one worker process polls here; four partitions only add forwarding)
  // and eager activity dispatch (an activity scheduled by a workflow task goes back with its
  // completion): +10 % and +20 % workflows/s on the 2-core bench machine (BENCHMARKS.md).
  args.push('--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1');
  args.push('--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1');
  args.push('--dynamic-config-value', 'system.enableActivityEagerExecution=true');
  const proc = startProc('temporal', bin, args, { logDir: o.logDir });
  await waitReady(proc, 'Temporal dev server', () => temporalReady(`127.0.0.1:${o.port}`, o.namespace), 90_000);
  return proc;
}

/** Ready when the namespace answers and carries every search attribute we register. */
export async function temporalReady(address: string, namespace: string): Promise<boolean> {
  const [host, port] = address.split(':');
  if (!(await portOpen(Number(port), host))) return false;
  const conn = await Connection.connect({ address, connectTimeout: 2000 });
  try {
    const res = await conn.operatorService.listSearchAttributes({ namespace });
    const have = res.customAttributes ?? {};
    return Object.keys(SEARCH_ATTRIBUTES).every((k) => k in have);
  } finally {
    await conn.close();
  }
}

export interface MongoOpts extends StackOpts {
  port: number;
  dataDir: string;
}

/** A real mongod when one is on PATH, else FerretDB on SQLite. Returns the process and its URI. */
export async function startMongoStore(o: MongoOpts): Promise<{ proc: Proc; uri: string; kind: 'mongod' | 'ferretdb' }> {
  const uri = `mongodb://127.0.0.1:${o.port}/`;
  let proc: Proc;
  let kind: 'mongod' | 'ferretdb';
  if (hasMongod()) {
    kind = 'mongod';
    const dbpath = join(o.dataDir, 'mongod');
    mkdirSync(dbpath, { recursive: true });
    proc = startProc('mongod', 'mongod', ['--dbpath', dbpath, '--port', String(o.port), '--bind_ip', '127.0.0.1', '--quiet'], {
      logDir: o.logDir,
    });
  } else {
    kind = 'ferretdb';
    const bin = await ensureTool(o.cacheDir, 'ferretdb', o.log);
    const dir = join(o.dataDir, 'ferretdb');
    mkdirSync(dir, { recursive: true });
    proc = startProc(
      'ferretdb',
      bin,
      [
        '--handler=sqlite',
        `--sqlite-url=file:${dir}/`,
        `--state-dir=${dir}`,
        `--listen-addr=127.0.0.1:${o.port}`,
        '--debug-addr=-',
        '--telemetry=disable',
        '--log-level=error',
      ],
      { logDir: o.logDir },
    );
  }
  await waitReady(proc, kind, () => mongoReady(uri), 60_000);
  return { proc, uri, kind };
}

export function hasMongod(): boolean {
  return spawnSync('mongod', ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function mongoReady(uri: string): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1000, connectTimeoutMS: 1000 });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    return true;
  } finally {
    await client.close();
  }
}
