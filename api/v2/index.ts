// The v2 API (mounted at V2_PREFIX, /v2): queues of customers (queues.ts). Every path under /v2
// gets a body limit (the queue import its own, larger one) answered in the v2 shape
// (`{"code":413,"content":…}`) and the bearer token (401 in the shared shape, as documented);
// bodies are parsed by the handlers, so that bad input answers in the v2 shape; the errors the
// handlers know answer in the v2 shape (onV2Error), anything else and unknown paths in the shared one.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { requireTenant } from '../auth.ts';
import { limitBody } from '../body-limit.ts';
import { notFoundOrNotAllowed, onApiError, sendError } from '../errors.ts';
import type { App, AppDeps, AppEnv } from '../types.ts';
import { gojsonHook } from '../validation.ts';
import { mountV2Queues, onV2Error, V2_QUEUE_BODY_LIMIT_BYTES, V2_QUEUE_PATH } from './queues.ts';

/** Where routes.ts mounts the v2 API. */
export const V2_PREFIX = '/v2';

// The bare prefix (POST /v2: no route) has always answered 413 in the shared shape; every path below it in v2's.
const tooLarge = (c: Context, code: 413, content: string) =>
  c.req.path === V2_PREFIX ? sendError(c, code, content) : c.json({ code, content }, code);

export function v2App(deps: AppDeps): App {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: gojsonHook });
  const limit = limitBody(deps.config.API_BODY_LIMIT_BYTES, tooLarge);
  // Queue imports carry whole customer lists (10,000 customers ≈ 2.5 MB): that one path has its own limit.
  const importPath = V2_PREFIX + V2_QUEUE_PATH;
  const importLimit = limitBody(Math.max(deps.config.API_BODY_LIMIT_BYTES, V2_QUEUE_BODY_LIMIT_BYTES), tooLarge);
  app.use('*', (c, next) => (c.req.path === importPath ? importLimit(c, next) : limit(c, next)));
  app.use('*', requireTenant);
  // v2 queues (docs/api-contract.md §3): a queue is a campaign managed by queue_code.
  mountV2Queues(app);
  app.all('*', notFoundOrNotAllowed(app));
  app.onError(onV2Error(onApiError(deps.logger)));
  return app;
}
