// The voice-bot API (mounted at /api): POST /api/campaign/create (campaigns.ts), integer campaign
// ids. Every path under /api gets the default body limit and the bearer token (413 and 401 in the
// shared shape, as documented); the body is parsed by the handler, which answers every outcome in
// the vendor's envelope; what escapes it, and unknown paths, answer in the shared shape.
import { OpenAPIHono } from '@hono/zod-openapi';
import { requireTenant } from '../auth.ts';
import { limitBody } from '../body-limit.ts';
import { notFoundOrNotAllowed, onApiError, sendError } from '../errors.ts';
import type { App, AppDeps, AppEnv } from '../types.ts';
import { gojsonHook } from '../validation.ts';
import { mountVoiceBot } from './campaigns.ts';

export function voiceBotApp(deps: AppDeps): App {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: gojsonHook });
  app.use('*', limitBody(deps.config.API_BODY_LIMIT_BYTES, sendError));
  app.use('*', requireTenant);
  // The voice-bot API (docs/api-contract.md §4): POST /api/campaign/create, integer campaign ids.
  mountVoiceBot(app);
  app.all('*', notFoundOrNotAllowed(app));
  app.onError(onApiError(deps.logger));
  return app;
}
