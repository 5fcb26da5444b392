// The worker's GET /metrics (Prometheus text): the product's metrics of this process
// (config/metrics.ts: calls, latencies, claims, callbacks, ESL) on WORKER_METRICS_HOST:
// WORKER_METRICS_PORT (0 = off). The Temporal SDK's own worker metrics are served by its runtime's
// exporter on TEMPORAL_SDK_METRICS_PORT (worker/create.ts installRuntime). A port already taken is
// a warning, not a reason to stop dialing.
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import { metricsText } from '../config/metrics.ts';

export function startWorkerMetrics(config: Pick<Config, 'WORKER_METRICS_HOST' | 'WORKER_METRICS_PORT'>, logger: Logger): Server | null {
  if (!config.WORKER_METRICS_PORT) return null;
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found\n');
      return;
    }
    metricsText().then(
      ({ body, contentType }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  server.on('error', (err: NodeJS.ErrnoException) =>
    logger.warn(
      { err: err.message, port: config.WORKER_METRICS_PORT },
      err.code === 'EADDRINUSE'
        ? `worker metrics: port ${config.WORKER_METRICS_PORT} (WORKER_METRICS_PORT) is taken; no /metrics here`
        : 'worker metrics: cannot listen',
    ),
  );
  server.listen(config.WORKER_METRICS_PORT, config.WORKER_METRICS_HOST, () =>
    logger.info({ url: `http://${config.WORKER_METRICS_HOST}:${config.WORKER_METRICS_PORT}/metrics` }, 'worker metrics'),
  );
  server.unref();
  return server;
}

/** Where the Temporal SDK's Prometheus exporter listens (`host:port`), or undefined: off
 *  (TEMPORAL_SDK_METRICS_PORT 0) or the port is taken (the runtime would not start: warned). */
export async function sdkMetricsBind(
  config: Pick<Config, 'WORKER_METRICS_HOST' | 'TEMPORAL_SDK_METRICS_PORT'>,
  logger: Logger,
): Promise<string | undefined> {
  const port = config.TEMPORAL_SDK_METRICS_PORT;
  if (!port) return undefined;
  const free = await new Promise<boolean>((resolve) => {
    const probe = createNetServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, config.WORKER_METRICS_HOST, () => probe.close(() => resolve(true)));
  });
  if (!free) {
    logger.warn(
      { port },
      `Temporal SDK metrics: port ${port} (TEMPORAL_SDK_METRICS_PORT) is taken; the SDK's metrics are off in this worker`,
    );
    return undefined;
  }
  return `${config.WORKER_METRICS_HOST}:${port}`;
}
