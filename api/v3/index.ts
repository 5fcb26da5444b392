// The v3 API (mounted at /v3): campaigns (campaigns.ts), the directory they refer to (directory.ts:
// templates, carriers, users), the autocall import (autocall.ts) and callback delivery state
// (callbacks.ts). Every path under /v3 gets the default body limit, the bearer token, JSON bodies
// parsed by jsonBody (schema errors: the gojsonschema list), and errors and 404s in the shared shape.
import { OpenAPIHono } from '@hono/zod-openapi';
import { requireTenant } from '../auth.ts';
import { limitBody } from '../body-limit.ts';
import { notFound, onApiError, sendError } from '../errors.ts';
import type { App, AppDeps, AppEnv } from '../types.ts';
import { gojsonHook, jsonBody } from '../validation.ts';
import { mountAgents } from './agents.ts';
import { mountAutocall } from './autocall.ts';
import { mountCallbacks } from './callbacks.ts';
import { mountCampaigns } from './campaigns.ts';
import { mountDirectory } from './directory.ts';

export function v3App(deps: AppDeps): App {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: gojsonHook });
  app.use('*', limitBody(deps.config.API_BODY_LIMIT_BYTES, sendError));
  app.use('*', requireTenant);
  app.use('*', jsonBody);
  // v3 campaigns (API.md §1) and the directory they refer to (templates, carriers, users).
  mountCampaigns(app);
  mountDirectory(app);
  // The autocall import (API.md §2).
  mountAutocall(app);
  // Callback delivery state (callbacks/).
  mountCallbacks(app);
  // The autodialer: agent statuses, a campaign's agents now, its queue settings (docs/autodialer.md).
  mountAgents(app);
  app.all('*', notFound);
  app.onError(onApiError(deps.logger));
  return app;
}
