// The API process: configuration, MongoDB, a lazy Temporal client, the Hono app on Node's HTTP.
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { loadConfigOrExit } from '../config/index.ts';
import { createLogger } from '../config/log.ts';
import { ensureIndexes } from '../storage/indexes.ts';
import { connectMongo } from '../storage/mongo.ts';
import { createApp } from './app.ts';
import { mountRoutes } from './routes.ts';

const config = loadConfigOrExit();
const logger = createLogger('api', config.LOG_LEVEL);

const mongo = await connectMongo(config).catch((err: Error) => {
  logger.fatal({ uri: config.MONGODB_URI, err: err.message }, 'cannot reach MongoDB');
  process.exit(1);
});
await ensureIndexes(mongo.db).catch((err: Error) => {
  logger.fatal({ err: err.message }, 'cannot create MongoDB indexes');
  process.exit(1);
});
// Lazy: the API answers (and /healthz says "temporal down") even while Temporal is starting.
const connection = Connection.lazy({ address: config.TEMPORAL_ADDRESS });
const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });

const app = createApp({ config, db: mongo.db, temporal, logger }, mountRoutes);
const server = serve({ fetch: app.fetch, hostname: config.API_HOST, port: config.API_PORT }, (info) => {
  logger.info({ url: `http://${config.API_HOST}:${info.port}` }, 'API listening');
});
server.on('error', (err: NodeJS.ErrnoException) => {
  logger.fatal(
    { err: err.message, port: config.API_PORT },
    err.code === 'EADDRINUSE' ? `port ${config.API_PORT} (API_PORT) is taken` : 'cannot listen',
  );
  process.exit(1);
});

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal: sig }, 'API stopping');
    server.close();
    void Promise.allSettled([mongo.close(), connection.close()]).then(() => process.exit(0));
  });
}
