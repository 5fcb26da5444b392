// What the console, CLI and metrics tests share: the engine on real servers (test/engine/harness.ts:
// the simulator, the worker in this process, the store and Temporal of the global setup) and the
// API itself on a free port, with the operator API on (ADMIN_TOKEN).
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from '../../api/app.ts';
import { mountRoutes } from '../../api/routes.ts';
import { createLogger } from '../../config/log.ts';
import type { RulesInput } from '../../simulator/rules.ts';
import { startEngine, type Engine } from '../engine/harness.ts';

export interface Ops extends Engine {
  url: string;
  adminToken: string;
  /** A request to the API with the tenant's token (or `token`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  api<T = any>(
    path: string,
    init?: { method?: string; body?: unknown; token?: string | null; headers?: Record<string, string> },
  ): Promise<{ status: number; body: T }>;
}

export async function startOps(rules: RulesInput, env: Record<string, string> = {}, timeScale = 0.05): Promise<Ops> {
  const adminToken = `cradm_${randomBytes(32).toString('base64url')}`;
  const e = await startEngine(rules, { timeScale, env: { ADMIN_TOKEN: adminToken, ...env } });
  const app = createApp(
    { config: e.config, db: e.mongo.db, temporal: e.client, logger: createLogger('ops-test', e.config.LOG_LEVEL) },
    mountRoutes,
  );
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => (server.listening ? r() : server.once('listening', () => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = e.close.bind(e);
  return Object.assign(e, {
    url,
    adminToken,
    async api(path: string, init: { method?: string; body?: unknown; token?: string | null; headers?: Record<string, string> } = {}) {
      const token = init.token === undefined ? e.token : init.token;
      const res = await fetch(url + path, {
        method: init.method ?? 'GET',
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...init.headers,
        },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* text */
      }
      return { status: res.status, body: body as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
    },
    async close() {
      await new Promise((r) => server.close(r));
      await close();
    },
  });
}
