// The v1 API (mounted at /v1): run control (run.ts) and the autocall report (report.ts). Every
// path under /v1 gets the default body limit, the bearer token, JSON bodies parsed by jsonBody, and
// errors and 404s in the shared shape (`{"error":…}`).
import { OpenAPIHono } from '@hono/zod-openapi';
import { requireTenant } from '../auth.ts';
import { limitBody } from '../body-limit.ts';
import { notFound, onApiError, sendError } from '../errors.ts';
import type { App, AppDeps, AppEnv } from '../types.ts';
import { gojsonHook, jsonBody } from '../validation.ts';
import { mountReport } from './report.ts';
import { mountRun } from './run.ts';

export function v1App(deps: AppDeps): App {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: gojsonHook });
  app.use('*', limitBody(deps.config.API_BODY_LIMIT_BYTES, sendError));
  app.use('*', requireTenant);
  app.use('*', jsonBody);
  // Running autocall (docs/api-contract.md §2): run start/pause/stop, the report.
  mountRun(app);
  mountReport(app);
  app.all('*', notFound);
  app.onError(onApiError(deps.logger));
  return app;
}
