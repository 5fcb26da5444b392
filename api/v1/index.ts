// The v1 API (mounted at /v1): run control (run.ts) and the autocall report (report.ts). Every
// path under /v1 gets the default body limit, the bearer token, JSON bodies parsed by jsonBody
// (but the run commands, whose `{}` body is not read), and errors, 404s and 405s in the shared
// shape (`{"error":…}`).
import { OpenAPIHono } from '@hono/zod-openapi';
import { requireTenant } from '../auth.ts';
import { limitBody } from '../body-limit.ts';
import { notFoundOrNotAllowed, onApiError, sendError } from '../errors.ts';
import type { App, AppDeps, AppEnv } from '../types.ts';
import { gojsonHook, jsonBody } from '../validation.ts';
import { mountReport } from './report.ts';
import { isRunCommand, mountRun } from './run.ts';

export function v1App(deps: AppDeps): App {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: gojsonHook });
  app.use('*', limitBody(deps.config.API_BODY_LIMIT_BYTES, sendError));
  app.use('*', requireTenant);
  // The run commands' body (`{}`) is not read, so not parsed either (run.ts).
  app.use('*', (c, next) => (isRunCommand(c) ? next() : jsonBody(c, next)));
  // Running autocall (docs/api-contract.md §2): run start/pause/stop, the report.
  mountRun(app);
  mountReport(app);
  app.all('*', notFoundOrNotAllowed(app));
  app.onError(onApiError(deps.logger));
  return app;
}
