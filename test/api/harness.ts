// The API under test: the real app (createApp + mountRoutes) on the MongoDB-compatible store the
// global setup started, in a database of its own, served over real HTTP on a free port. Also
// exposes `app.request` for suites that only need the in-process path.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { createApp, type App } from '../../api/app.ts';
import { mountRoutes } from '../../api/routes.ts';
import type { Config } from '../../config/index.ts';
import { ensureIndexes } from '../../storage/indexes.ts';
import { connectMongo, type Mongo } from '../../storage/mongo.ts';
import { createTenant, type Tenant } from '../../storage/tenants.ts';
import { testConfig } from '../helpers/env.ts';

export interface Harness {
  config: Config;
  mongo: Mongo;
  app: App;
  baseUrl: string;
  tenant: Tenant;
  token: string;
  /** A request over HTTP with the tenant's token (unless `token` is given: null = none). */
  call(
    method: string,
    path: string,
    body?: unknown,
    opts?: { token?: string | null; raw?: boolean; headers?: Record<string, string> },
  ): Promise<Res>;
  /** Another tenant of the same API. */
  newTenant(name: string, time_zone?: string): Promise<{ tenant: Tenant; token: string }>;
  close(): Promise<void>;
}

export interface Res {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
  headers: Headers;
}

/**
 * `temporal`: give the app a Temporal client (the test server, a task queue of the test's own with
 * no worker: runs it starts are started and never dialed), as the real API has.
 */
export async function startApi(overrides: Record<string, string> = {}, opts: { temporal?: boolean } = {}): Promise<Harness> {
  const config = testConfig(overrides);
  const mongo = await connectMongo(config);
  await ensureIndexes(mongo.db);
  const { tenant, token } = await createTenant(mongo.db, { name: 'acme' });
  const connection = opts.temporal ? await Connection.connect({ address: config.TEMPORAL_ADDRESS! }) : undefined;
  const temporal = connection ? new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }) : undefined;
  const app = createApp({ config, db: mongo.db, temporal, logger: pino({ level: 'silent' }) }, mountRoutes);
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const call: Harness['call'] = async (method, path, body, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const tok = opts.token === undefined ? token : opts.token;
    if (tok !== null) headers.authorization = `Bearer ${tok}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = opts.raw ? String(body) : JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(baseUrl + path, { method, headers, body: payload });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  };

  return {
    config,
    mongo,
    app,
    baseUrl,
    tenant,
    token,
    call,
    newTenant: (name, time_zone) => createTenant(mongo.db, { name, time_zone }),
    async close() {
      const s = server as unknown as { close(cb: () => void): void; closeAllConnections?(): void };
      s.closeAllConnections?.();
      await new Promise<void>((r) => s.close(() => r()));
      await mongo.db.dropDatabase().catch(() => {});
      await mongo.close();
      await connection?.close();
    },
  };
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** Go RFC3339Nano in the tenant's offset, as documented: 2023-03-06T17:57:54.65043+07:00. */
export const TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
