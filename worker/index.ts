// The worker process: connects to MongoDB, Temporal and the FreeSWITCH nodes, logs the health of
// every dependency, then runs the Temporal worker (workflows, activities, the node listeners) until
// SIGINT/SIGTERM (the SDK drains running activities first).
import { getPriority, setPriority } from 'node:os';
import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfigOrExit } from '../config/index.ts';
import { createLogger } from '../config/log.ts';
import { connectMongo } from '../storage/mongo.ts';
import { ensureIndexes } from '../storage/indexes.ts';
import { checkHealth } from '../control/health.ts';
import { createDialPool, createWorker, ensureNodeListeners, installRuntime } from './create.ts';
import { ensureReportCompactor } from './report-compactor.ts';
import { ensureRecordingRetention } from './recording-retention.ts';
import { sdkMetricsBind, startWorkerMetrics } from './metrics.ts';

const config = loadConfigOrExit();
const logger = createLogger('worker', config.LOG_LEVEL);
// Below the API's priority (WORKER_NICE, config/index.ts), set before the SDK's threads start so
// they inherit it. Only ever lowered: that needs no privilege, and a worker started lower stays so.
try {
  if (getPriority() < config.WORKER_NICE) setPriority(config.WORKER_NICE);
} catch (err) {
  logger.warn({ nice: config.WORKER_NICE, err: (err as Error).message }, 'worker priority not set');
}
installRuntime('WARN', await sdkMetricsBind(config, logger));
startWorkerMetrics(config, logger); // GET /metrics on WORKER_METRICS_PORT (worker/metrics.ts)

const mongo = await connectMongo(config).catch((err: Error) => {
  logger.fatal({ uri: config.MONGODB_URI, err: err.message }, 'cannot reach MongoDB');
  process.exit(1);
});
await ensureIndexes(mongo.db).catch((err: Error) => logger.warn({ err: err.message }, 'indexes not ensured'));
const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS }).catch((err: Error) => {
  logger.fatal({ address: config.TEMPORAL_ADDRESS, err: err.message }, 'cannot reach Temporal');
  process.exit(1);
});
// One connection for the worker and this client (the singletons' starts below). The activities use
// the worker's own client on it (the activity context's), so lead workflows start eagerly
// (activities/run.ts) — as in the tests and benches, which build the worker the same way.
const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });

const health = await checkHealth({ config, db: mongo.db, temporal: connection });
logger[health.status === 'ok' ? 'info' : 'warn'](health, 'dependencies at start');

// ESL: a node that is down now is retried in the background (the client reconnects).
const esl = createDialPool(config, logger);
esl.on('error', (err: Error) => logger.warn({ err: err.message }, 'esl error'));
void esl.start().then((r) => logger.info({ nodes: r.map((x) => ({ node: x.node, ok: x.ok })) }, 'esl nodes'));

const worker = await createWorker(connection, { config, db: mongo.db, logger, esl });
logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE }, 'worker running');
// Singletons, started once whichever worker comes first: one listener per FreeSWITCH node (the
// event path, activities/listen.ts) and the report's single writer (storage/report.ts).
await ensureNodeListeners(client, config).catch((err: Error) => logger.warn({ err: err.message }, 'node listeners not started'));
await ensureReportCompactor(client, config.TEMPORAL_TASK_QUEUE).catch((err: Error) =>
  logger.warn({ err: err.message }, 'report compactor not started'),
);
// Recordings past RECORDING_RETENTION_DAYS are deleted every hour (media/recordings.ts).
await ensureRecordingRetention(client, config.TEMPORAL_TASK_QUEUE).catch((err: Error) =>
  logger.warn({ err: err.message }, 'recording retention not started'),
);
await worker.run(); // resolves after a shutdown signal, once in-flight tasks are done
await Promise.allSettled([esl.close(), connection.close(), mongo.close()]);
logger.info('worker stopped');
