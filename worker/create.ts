// Builds the worker's parts on given connections, so the worker process, the integration tests and
// the benchmarks run the very same thing: the Temporal worker (workflows bundle + activities), the
// ESL pool it dials through, and the singletons every worker ensures at start (one listener per
// FreeSWITCH node, the report compactor).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker, Runtime, DefaultLogger, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities, type ActivityDeps } from '../activities/index.ts';
import type { Config } from '../config/index.ts';
import { startOnce } from '../control/start-once.ts';
import { EslPool } from '../telephony/esl/index.ts';
import { nodeListenerWorkflowId } from '../workflows/node-listener.ts';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

let runtimeInstalled = false;

/** Temporal's own logs go through at most `warn`, so they do not drown ours. `metricsBind`
 *  (`host:port`): the SDK's own worker metrics (task slots, poll and schedule-to-start latencies,
 *  sticky cache…) through its Prometheus exporter, at `/metrics` there (TEMPORAL_SDK_METRICS_PORT). */
export function installRuntime(level: LogLevel = 'WARN', metricsBind?: string): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    logger: new DefaultLogger(level),
    ...(metricsBind
      ? {
          telemetryOptions: {
            metrics: {
              prometheus: { bindAddress: metricsBind, countersTotalSuffix: true, useSecondsForDurations: true, unitSuffix: true },
            },
          },
        }
      : {}),
  });
}

/** Workflow tasks a worker holds at once (the SDK's default is 40). */
export const MAX_WORKFLOW_TASKS = 500;

export async function createWorker(connection: NativeConnection, deps: ActivityDeps): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: deps.config.TEMPORAL_NAMESPACE,
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    workflowBundle: await workflowBundle(deps.config.DATA_DIR),
    activities: createActivities(deps),
    // An originate activity waits for its call to be answered or to fail: many run at once, all
    // asynchronous I/O, so the limit is high.
    maxConcurrentActivityTaskExecutions: 2_000,
    // `recordCall` (a local activity) also makes the call's callback's first attempt: a slow
    // receiver holds it up to CALLBACK_TIMEOUT_MS. The SDK's 100 would queue every other call's
    // record behind a few seconds of slow receivers at tens of calls per second; the work is I/O.
    maxConcurrentLocalActivityExecutions: 2_000,
    // A lead's workflow task stays open while its `recordCall` runs (and with it the callback's
    // first attempt), so 40 slow receivers held all of the SDK's 40 slots and every other
    // workflow's tasks waited; a free slot is also what lets a lead start eagerly
    // (activities/run.ts). The SDK refuses more slots than cached workflows.
    maxConcurrentWorkflowTaskExecutions: Math.min(MAX_WORKFLOW_TASKS, deps.config.WORKER_MAX_CACHED_WORKFLOWS ?? MAX_WORKFLOW_TASKS),
    // A workflow cached on a worker that died goes back to the shared queue after this (default 10 s).
    stickyQueueScheduleToStartTimeout: '3 seconds',
    ...(deps.config.WORKER_MAX_CACHED_WORKFLOWS !== undefined ? { maxCachedWorkflows: deps.config.WORKER_MAX_CACHED_WORKFLOWS } : {}),
  });
}

/**
 * The workflow modules are evaluated once per worker thread and shared by every workflow it runs
 * (the SDK's `preloadModules`). Otherwise, with the V8 context reused across workflows, the SDK
 * gives each workflow its own evaluation of every module it imports (luxon, the cause table…), and
 * every lead with a call up stays cached: 135 KB per lead (BENCHMARKS.md, *Load*). Safe because
 * the bundle's modules hold no state (constants and functions; the SDK freezes their exports, and
 * eslint.config.js refuses module-level let/var/Map/Set there); test/engine/replay.test.ts replays
 * several workflows on one worker.
 */
export const PRELOADED_MODULES = [workflowsPath];

/** Folders whose sources may end up in the workflow bundle (and the lockfile: the SDK's version). */
const BUNDLE_SOURCES = ['workflows', 'domain', 'callbacks', 'activities', 'storage', 'media', 'telephony', 'config', 'control'];

/**
 * The workflow bundle, built once per version of the sources and kept under DATA_DIR: webpack
 * takes seconds, and a worker that restarts after a crash must be polling again within seconds.
 */
export async function workflowBundle(dataDir: string): Promise<{ code: string }> {
  const root = fileURLToPath(new URL('../', import.meta.url));
  const hash = createHash('sha256');
  const files = BUNDLE_SOURCES.flatMap((d) => listTs(join(root, d))).sort();
  for (const f of [...files, join(root, 'package-lock.json')]) hash.update(f).update(existsSync(f) ? readFileSync(f) : '');
  hash.update(JSON.stringify(PRELOADED_MODULES));
  const file = join(resolve(dataDir), 'workflow-bundles', `${hash.digest('hex').slice(0, 16)}.js`);
  if (existsSync(file)) return { code: readFileSync(file, 'utf8') };
  const { code } = await bundleWorkflowCode({ workflowsPath, preloadModules: PRELOADED_MODULES, logger: new DefaultLogger('WARN') });
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, file); // atomic: workers starting together never read half a file
  return { code };
}

function listTs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listTs(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The connections this worker originates through (one per node). It subscribes to no channel
 *  events: the node listeners do (activities/listen.ts); only its own bgapi results matter here. */
export function createDialPool(config: Pick<Config, 'eslNodes'>, logger?: Logger): EslPool {
  return new EslPool(config.eslNodes, { logger });
}

/** Start each node's listener workflow unless it runs (the first worker to ask wins). */
export async function ensureNodeListeners(client: Client, config: Pick<Config, 'eslNodes' | 'TEMPORAL_TASK_QUEUE'>): Promise<void> {
  await Promise.all(
    config.eslNodes.map((n) =>
      startOnce(client, 'nodeListenerWorkflow', {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        workflowId: nodeListenerWorkflowId(n.name),
        args: [{ node: n.name }],
      }),
    ),
  );
}
