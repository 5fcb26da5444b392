// `Authorization: Bearer <token>` → the tenant. Applied to every customer API prefix (/v1, /v2,
// /v3, /api); /healthz, /openapi.json and /docs stay open. Missing or unknown token → 401 with
// the documented error shape; handlers read the tenant with `c.get('tenant')`.
import type { MiddlewareHandler } from 'hono';
import { tenantForToken } from '../storage/tenants.ts';
import type { AppEnv } from './types.ts';

export const AUTH_PREFIXES = ['/v1/*', '/v2/*', '/v3/*', '/api/*'] as const;

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
