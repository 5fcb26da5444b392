// The types every API module shares: what the app is built from (AppDeps), what a request carries
// (AppEnv: the deps and, behind the bearer token, the tenant) and the app itself. Kept apart from
// app.ts so that routers, auth and the app import them without importing each other.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Logger } from 'pino';
import type { ControlDeps } from '../control/run.ts';
import type { Tenant } from '../storage/tenants.ts';

/** What run control needs (config, db, Temporal client, engine options for the runs the API starts) and a logger. */
export interface AppDeps extends ControlDeps {
  logger: Logger;
}

/** `tenant` is set by the bearer-token middleware on /v1, /v2, /v3 and /api routes. */
export type AppEnv = { Variables: { deps: AppDeps; tenant: Tenant } };
export type App = OpenAPIHono<AppEnv>;
