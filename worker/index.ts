// The worker process: connects to MongoDB and Temporal, logs the health of every dependency,
// then runs the Temporal worker until SIGINT/SIGTERM (the SDK drains running activities first).
import { NativeConnection } from '@temporalio/worker';
import { loadConfigOrExit } from '../config/index.ts';
import { createLogger } from '../config/log.ts';
import { connectMongo } from '../storage/mongo.ts';
import { checkHealth } from '../api/health.ts';
import { createWorker, installRuntime } from './create.ts';

const config = loadConfigOrExit();
const logger = createLogger('worker', config.LOG_LEVEL);
installRuntime();

const mongo = await connectMongo(config).catch((err: Error) => {
  logger.fatal({ uri: config.MONGODB_URI, err: err.message }, 'cannot reach MongoDB');
  process.exit(1);
});
const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS }).catch((err: Error) => {
  logger.fatal({ address: config.TEMPORAL_ADDRESS, err: err.message }, 'cannot reach Temporal');
  process.exit(1);
});

const health = await checkHealth({ config, db: mongo.db, temporal: connection });
logger[health.status === 'ok' ? 'info' : 'warn'](health, 'dependencies at start');

const worker = await createWorker(connection, { config, db: mongo.db, logger });
logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE }, 'worker running');
await worker.run(); // resolves after a shutdown signal, once in-flight tasks are done
await Promise.allSettled([connection.close(), mongo.close()]);
logger.info('worker stopped');
