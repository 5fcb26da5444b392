// The v3 API (mounted at /v3): campaigns (campaigns.ts), the directory they refer to (directory.ts:
// templates, carriers, users), the autocall import (autocall.ts) and callback delivery state
// (callbacks.ts). Every path under /v3 gets the default body limit, the bearer token, JSON bodies
// parsed by jsonBody (schema errors: the gojsonschema list), and errors and 404s in the shared shape.
import { OpenAPIHono } from '@hono/zod-openapi';
import { requireTenant } from '../auth.ts';
import { limitBody } from '../body-limit.ts';
import { notFoundOrNotAllowed, onApiError, sendError } from '../errors.ts';
import type { App, AppDeps, AppEnv } from '../types.ts';
import { gojsonHook, jsonBody } from '../validation.ts';
import { mountAgents } from './agents.ts';
import { isAudioUpload, mountAudioUploads } from './audio.ts';
import { mountAutocall } from './autocall.ts';
import { mountCallbacks } from './callbacks.ts';
import { mountCampaigns } from './campaigns.ts';
import { DNC_BODY_LIMIT_BYTES, isDncImport, mountCompliance } from './compliance.ts';
import { mountDirectory } from './directory.ts';
import { isSignedRecording, mountRecordings } from './recordings.ts';

export function v3App(deps: AppDeps): App {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: gojsonHook });
  const limit = limitBody(deps.config.API_BODY_LIMIT_BYTES, sendError);
  // The do-not-call import takes up to 100,000 numbers in one body (api/v3/compliance.ts).
  const dncLimit = limitBody(DNC_BODY_LIMIT_BYTES, sendError);
  app.use('*', (c, next) => (isAudioUpload(c) ? next() : isDncImport(c) ? dncLimit(c, next) : limit(c, next)));
  app.use('*', (c, next) => (isSignedRecording(c) ? next() : requireTenant(c, next)));
  app.use('*', (c, next) => (isAudioUpload(c) ? next() : jsonBody(c, next)));
  // v3 campaigns (docs/api-contract.md §1) and the directory they refer to (templates, carriers, users).
  mountCampaigns(app);
  mountDirectory(app);
  // The autocall import (docs/api-contract.md §2).
  mountAutocall(app);
  // Callback delivery state (callbacks/).
  mountCallbacks(app);
  // A tenant's uploaded audio, played by templates (media/upload.ts).
  mountAudioUploads(app);
  // The autodialer: agent statuses, a campaign's agents now, its queue settings (docs/autodialer.md).
  mountAgents(app);
  // Calling within the rules: policy, do-not-call list, holidays (docs/compliance.md).
  mountCompliance(app);
  // Call recordings: a signed URL (no token) or the tenant's token (media/recordings.ts).
  mountRecordings(app);
  app.all('*', notFoundOrNotAllowed(app));
  app.onError(onApiError(deps.logger));
  return app;
}
