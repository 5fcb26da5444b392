// The Hono application: shared middleware, health, the OpenAPI document and its docs page, and
// one router per API generation (mounted in `routes.ts`). Built by a factory so tests run the
// same app in-process against real servers.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { TemporalUnavailableError } from '../control/errors.ts';
import { checkHealth } from '../control/health.ts';
import { AUTH_PREFIXES, requireTenant } from './auth.ts';
import { ApiError, sendError } from './errors.ts';
import type { App, AppDeps, AppEnv } from './types.ts';
import { gojsonHook, jsonBody } from './validation.ts';
import { V2_QUEUE_BODY_LIMIT_BYTES, V2_QUEUE_PATH } from './v2/queues.ts';

export type { App, AppDeps, AppEnv };

export function createApp(deps: AppDeps, mount: (app: App) => void = () => {}): App {
  // Every route's failed schema check answers 400 with the gojsonschema-worded list (validation.ts).
  const app = new OpenAPIHono<AppEnv>({ defaultHook: gojsonHook });

  app.use('*', async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  const limit = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: (c) => {
        const message = `request body is larger than ${maxSize} bytes`;
        return c.req.path.startsWith('/v2/') ? c.json({ code: 413, content: message }, 413) : sendError(c, 413, message);
      },
    });
  const defaultLimit = limit(deps.config.API_BODY_LIMIT_BYTES);
  // v2 queue imports carry whole customer lists (10,000 customers ≈ 2.5 MB).
  const queueLimit = limit(Math.max(deps.config.API_BODY_LIMIT_BYTES, V2_QUEUE_BODY_LIMIT_BYTES));
  app.use('*', (c, next) => (c.req.path === V2_QUEUE_PATH ? queueLimit(c, next) : defaultLimit(c, next)));

  app.get('/healthz', async (c) => {
    const health = await checkHealth({ config: deps.config, db: deps.db, temporal: deps.temporal?.connection });
    return c.json(health, health.status === 'ok' ? 200 : 503);
  });

  // Customer APIs: a bearer token names the tenant; JSON bodies are parsed once, with a clear 400
  // for malformed JSON (see validation.ts). Health, the OpenAPI document and the docs stay open.
  for (const prefix of AUTH_PREFIXES) {
    app.use(prefix, requireTenant);
    // v2 and the voice-bot API (/api) parse their bodies themselves: bad JSON answers in their shapes.
    if (prefix !== '/v2/*' && prefix !== '/api/*') app.use(prefix, jsonBody);
  }

  mount(app);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'campaign-runner',
      version: '0.1.0',
      description: 'Outbound call campaigns: v3 campaigns, v1/v3 autocall, v2 queues, voice-bot API.',
    },
    security: [{ bearer: [] }],
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.get('/docs', (c) => c.html(docsPage));
  app.get('/docs/assets/:file{swagger-ui\\.css|swagger-ui-bundle\\.js}', (c) => {
    const file = c.req.param('file');
    return c.body(readAsset(file), 200, { 'content-type': file.endsWith('.css') ? 'text/css' : 'text/javascript', 'cache-control': 'max-age=86400' });
  });

  app.notFound((c) => sendError(c, 404, 'Not Found'));
  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(err.body as object, err.status);
    if (err instanceof TemporalUnavailableError) return sendError(c, 503, err.message);
    // Framework errors (e.g. 415 from a route's media-type check) keep their 4xx status.
    if (err instanceof HTTPException && err.status < 500) return sendError(c, err.status as 400, err.message || 'bad request');
    deps.logger.error({ err, path: c.req.path, method: c.req.method }, 'unhandled error');
    return sendError(c, 500, 'internal server error');
  });
  return app;
}

// Swagger UI is served from the installed package, not a CDN: call centres often run offline.
const require = createRequire(import.meta.url);
const assetDir = require.resolve('swagger-ui-dist/package.json').replace(/package\.json$/, '');
const assets = new Map<string, string>();
function readAsset(file: string): string {
  let b = assets.get(file);
  if (!b) assets.set(file, (b = readFileSync(assetDir + file, 'utf8')));
  return b;
}

const docsPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>campaign-runner API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui' });</script></body></html>`;
