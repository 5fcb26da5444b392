// Builds the Temporal worker (workflows bundle + activities) on a given connection, so the worker
// process and the integration tests run the very same thing.
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, Runtime, DefaultLogger, type LogLevel } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.ts';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

let runtimeInstalled = false;

/** Temporal's own logs go through at most `warn`, so they do not drown ours. */
export function installRuntime(level: LogLevel = 'WARN'): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger(level) });
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
  });
}
