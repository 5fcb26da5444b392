// Every API generation, mounted in one place so a newcomer sees the whole surface at a glance. Each
// is a sub-app of its own (api/*/index.ts) that answers every path under its prefix: its body
// limit, bearer token, body parsing, error shapes and 404s. The rest (/healthz, /openapi.json,
// /docs, /audio) is the app's (app.ts).
import type { App, AppDeps } from './types.ts';
import { v1App } from './v1/index.ts';
import { V2_PREFIX, v2App } from './v2/index.ts';
import { v3App } from './v3/index.ts';
import { voiceBotApp } from './voicebot/index.ts';
import { consoleApp } from './console/index.ts';
import { adminApp } from './admin/index.ts';

export function mountRoutes(app: App, deps: AppDeps): void {
  // v3 campaigns, directory, autocall import, callback state (docs/api-contract.md §1, §2).
  app.route('/v3', v3App(deps));
  // Running autocall (docs/api-contract.md §2): run start/pause/stop, the report.
  app.route('/v1', v1App(deps));
  // v2 queues (docs/api-contract.md §3).
  app.route(V2_PREFIX, v2App(deps));
  // The voice-bot API (docs/api-contract.md §4).
  app.route('/api', voiceBotApp(deps));
  // The live campaign console and its JSON for the console and the ops CLI (tenant token).
  app.route('/console', consoleApp(deps));
  // The operator API: tenant administration (ADMIN_TOKEN only).
  app.route('/admin', adminApp(deps));
}
