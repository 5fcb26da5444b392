// Builds the worker's parts on given connections, so the worker process, the integration tests and
// the benchmarks run the very same thing: the Temporal worker (workflows bundle + activities), the
// ESL pool it dials through, and the singletons every worker ensures at start (one listener per
// FreeSWITCH node, the report compactor).
import { fileURLToPath } from 'node:url';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { NativeConnection, Worker, Runtime, DefaultLogger, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities, type ActivityDeps } from '../activities/index.ts';
import type { Config } from '../config/index.ts';
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

export async function createWorker(connection: NativeConnection, deps: ActivityDeps): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: deps.config.TEMPORAL_NAMESPACE,
    taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
    workflowsPath,
    activities: createActivities(deps),
    // An originate activity waits for its call to be answered or to fail: many run at once, all
    // asynchronous I/O, so the limit is high.
    maxConcurrentActivityTaskExecutions: 2_000,
    // A workflow cached on a worker that died goes back to the shared queue after this (default 10 s).
    stickyQueueScheduleToStartTimeout: '3 seconds',
  });
}

/** The connections this worker originates through (one per node). It subscribes to no channel
 *  events: the node listeners do (activities/listen.ts); only its own bgapi results matter here. */
export function createDialPool(config: Pick<Config, 'eslNodes'>, logger?: Logger): EslPool {
  return new EslPool(config.eslNodes, { logger });
}

/** Start each node's listener workflow unless it runs (the first worker to ask wins). */
export async function ensureNodeListeners(client: Client, config: Pick<Config, 'eslNodes' | 'TEMPORAL_TASK_QUEUE'>): Promise<void> {
  await Promise.all(
    config.eslNodes.map(async (n) => {
      try {
        await client.workflow.start('nodeListenerWorkflow', {
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          workflowId: nodeListenerWorkflowId(n.name),
          args: [{ node: n.name }],
        });
      } catch (e) {
        if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
      }
    }),
  );
}
