// The Hono application: the deps every request carries, one sub-app per API generation (mounted
// by `mount`, routes.ts: each owns its prefix — body limit, bearer token, body parsing, error
// shapes), and the rest, open and in the shared shape: health, the OpenAPI document and its docs
// page, audio for FreeSWITCH. Built by a factory so tests run the same app in-process against real
// servers.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { OpenAPIHono } from '@hono/zod-openapi';
import { checkHealth, healthStatusCode } from '../control/health.ts';
import { mountAudio } from './audio.ts';
import { mountFreeswitch } from './freeswitch.ts';
import { mountMetrics } from './metrics.ts';
import { limitBody } from './body-limit.ts';
import { notFound, onApiError, sendError } from './errors.ts';
import type { App, AppDeps, AppEnv } from './types.ts';
import { gojsonHook } from './validation.ts';

export type { App, AppDeps, AppEnv };

export function createApp(deps: AppDeps, mount: (app: App, deps: AppDeps) => void = () => {}): App {
  // Every route's failed schema check answers 400 with the gojsonschema-worded list (validation.ts).
  const app = new OpenAPIHono<AppEnv>({ defaultHook: gojsonHook });

  app.use('*', async (c, next) => {
    c.set('deps', deps);
    await next();
  });

  // Request metrics for every route, and GET /metrics (api/metrics.ts).
  mountMetrics(app, deps);

  // The API generations first: each answers every path under its prefix, so what is registered
  // below (the default body limit above all: the v2 import's is larger) never sees those paths.
  mount(app, deps);

  // The rest stays open: no token.
  app.use('*', limitBody(deps.config.API_BODY_LIMIT_BYTES, sendError));
  app.get('/healthz', async (c) => {
    const health = await checkHealth({ config: deps.config, db: deps.db, temporal: deps.temporal?.connection });
    return c.json(health, healthStatusCode(health));
  });
  // Text-to-speech audio for FreeSWITCH (media/): GET /audio/<hash>-<sig>.wav, signed, no token.
  mountAudio(app);
  // FreeSWITCH's call detail records (mod_json_cdr): POST /freeswitch/cdr, its own password.
  mountFreeswitch(app);

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
    return c.body(readAsset(file), 200, {
      'content-type': file.endsWith('.css') ? 'text/css' : 'text/javascript',
      'cache-control': 'max-age=86400',
    });
  });

  app.notFound(notFound);
  app.onError(onApiError(deps.logger));
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
