// The types every API module shares: what the app is built from (AppDeps), what a request carries
// (AppEnv: the deps and, behind the bearer token, the tenant) and the app itself. Kept apart from
// app.ts so that routers, auth and the app import them without importing each other.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import type { Tenant } from '../storage/tenants.ts';
import type { EngineOptions } from '../workflows/contract.ts';

export interface AppDeps {
  config: Config;
  db: Db;
  temporal?: Client;
  logger: Logger;
  /** Engine knobs for runs the API starts (tests and benchmarks: short recall floor, fast polls). */
  engineOptions?: EngineOptions;
}

/** `tenant` is set by the bearer-token middleware on /v1, /v2, /v3 and /api routes. */
export type AppEnv = { Variables: { deps: AppDeps; tenant: Tenant } };
export type App = OpenAPIHono<AppEnv>;
