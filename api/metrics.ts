// GET /metrics on the API (Prometheus text, open like /healthz): this process's metrics
// (config/metrics.ts: requests by route and status) and the campaign gauges read at scrape time —
// each open run's live calls, cap, recalls waiting, hopper and window (its `progress` query), and
// callback deliveries pending and failed — refreshed at most every GAUGE_TTL_MS whatever the
// number of scrapers, and a store ping (campaign_runner_store_ping_seconds / _store_degraded, as
// /healthz judges it: control/health.ts). The worker serves its own (worker/metrics.ts).
import type { App, AppDeps } from './types.ts';
import { httpRequest, metricsText, setDeliveryGauges, setRunGauges } from '../config/metrics.ts';
import { deliveriesOf } from '../callbacks/store.ts';
import { runGauges } from './console/live.ts';
import { checkStore } from '../control/health.ts';

const GAUGE_TTL_MS = 5_000;

export function mountMetrics(app: App, deps: AppDeps): void {
  // Every request, by the route that answered it (its pattern: bounded labels), after it is done.
  app.use('*', async (c, next) => {
    const t0 = performance.now();
    try {
      await next();
    } finally {
      const route =
        c.req.routePath && c.req.routePath !== '/*' && c.req.routePath !== '*'
          ? c.req.routePath
          : c.res.status === 404
            ? 'unmatched'
            : c.req.routePath || 'unmatched';
      httpRequest(c.req.method, route, c.res.status, (performance.now() - t0) / 1000);
    }
  });

  let refreshed = 0;
  let refreshing: Promise<void> | null = null;
  const refresh = () => {
    if (Date.now() - refreshed < GAUGE_TTL_MS) return Promise.resolve();
    refreshing ??= (async () => {
      const [runs, pending, failed] = await Promise.allSettled([
        checkStore(deps.db, deps.config.STORE_DEGRADED_MS).then(() => runGauges(deps)),
        deliveriesOf(deps.db).countDocuments({ status: 'pending' }),
        deliveriesOf(deps.db).countDocuments({ status: 'failed' }),
      ]);
      if (runs.status === 'fulfilled') setRunGauges(runs.value);
      else deps.logger.warn({ err: (runs.reason as Error).message }, 'metrics: campaign runs not read');
      if (pending.status === 'fulfilled' && failed.status === 'fulfilled')
        setDeliveryGauges({ pending: pending.value, failed: failed.value });
      refreshed = Date.now();
    })().finally(() => (refreshing = null));
    return refreshing;
  };

  app.get('/metrics', async (c) => {
    await refresh();
    const { body, contentType } = await metricsText();
    return c.body(body, 200, { 'content-type': contentType, 'cache-control': 'no-store' });
  });
}
