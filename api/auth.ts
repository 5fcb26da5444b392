// `Authorization: Bearer <token>` → the tenant. Every customer API generation (/v1, /v2, /v3,
// /api: api/*/index.ts) applies it to every path under its prefix; /healthz, /openapi.json, /docs
// and /audio stay open. Missing or unknown token → 401 with the documented error shape (the same
// under every prefix); handlers read the tenant with `c.get('tenant')`.
import type { MiddlewareHandler } from 'hono';
import { tenantForToken } from '../storage/tenants.ts';
import type { AppEnv } from './types.ts';

export const requireTenant: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header('authorization');
  if (!header) return unauthorized(c, 'missing Authorization: Bearer <token> header');
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) return unauthorized(c, 'Authorization header must be "Bearer <token>"');
  const tenant = await tenantForToken(c.get('deps').db, m[1]!);
  if (!tenant) return unauthorized(c, 'invalid token');
  c.set('tenant', tenant);
  await next();
};

function unauthorized(c: Parameters<MiddlewareHandler<AppEnv>>[0], message: string) {
  c.header('WWW-Authenticate', 'Bearer');
  return c.json({ error: message }, 401);
}
