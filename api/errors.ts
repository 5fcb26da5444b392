// The error bodies every router shares. The documented shapes are `{"error":"…"}` and, for
// schema validation, `{"error":[{"<field>":"<gojsonschema message>"}]}`; nothing else leaks out.
import type { Context, ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import { dependencyDown, RETRY_AFTER_S } from '../control/errors.ts';

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly body: unknown,
  ) {
    super(typeof body === 'object' ? JSON.stringify(body) : String(body));
  }
}

export const errorBody = (message: string) => ({ error: message });

export function sendError(c: Context, status: ContentfulStatusCode, message: string) {
  return c.json(errorBody(message), status);
}

/** 404 in the shared shape: an unknown path anywhere, under every prefix. */
export const notFound = (c: Context) => sendError(c, 404, 'Not Found');

/** What a sub-app exposes of its routes (Hono's `app.routes`). */
interface RouteTable {
  routes: ReadonlyArray<{ method: string; path: string }>;
}

/** A Hono route path (`/campaign/:uuid`, `/audio/:name{…}`) as an anchored regular expression. */
function pathRegExp(path: string): RegExp {
  let re = '';
  for (const part of path.split(/(:[A-Za-z0-9_]+(?:\{(?:[^{}]|\{[^{}]*\})*\})?\??)/)) {
    if (!part) continue;
    if (part.startsWith(':')) {
      const custom = /\{(.*)\}\??$/.exec(part);
      re += custom ? `(?:${custom[1]})` : '[^/]+';
    } else re += part.replace(/[.*+?^${}()|[\]\\]/g, (ch) => (ch === '*' ? '.*' : `\\${ch}`));
  }
  return new RegExp(`^${re}$`);
}

/**
 * The catch-all of a sub-app (`app.all('*', notFoundOrNotAllowed(app))`): a path the sub-app
 * serves with other methods is 405 `{"error":"Method Not Allowed"}` with `Allow` (TRACE, OPTIONS,
 * a PATCH where only PUT is served…); any other path 404 `{"error":"Not Found"}`. The sub-app's
 * mount prefix comes from the catch-all's own route path (`/v3/*`).
 */
export function notFoundOrNotAllowed(app: RouteTable) {
  let table: Array<{ re: RegExp; method: string }> | undefined;
  return (c: Context) => {
    table ??= app.routes
      .filter((r) => r.method !== 'ALL' && !r.path.endsWith('*'))
      .map((r) => ({ re: pathRegExp(r.path), method: r.method.toUpperCase() }));
    const prefix = c.req.routePath.replace(/\/?\*$/, '');
    const path = prefix && c.req.path.startsWith(prefix) ? c.req.path.slice(prefix.length) || '/' : c.req.path;
    const methods = new Set(table.filter((r) => r.re.test(path)).map((r) => r.method));
    if (methods.size === 0 || methods.has(c.req.method)) return notFound(c);
    if (methods.has('GET')) methods.add('HEAD');
    const order = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
    c.header('Allow', [...methods].sort((a, b) => order.indexOf(a) - order.indexOf(b)).join(', '));
    return sendError(c, 405, 'Method Not Allowed');
  };
}

/**
 * The shared error handler (the app's, v1's, v3's, the voice-bot API's; v2 answers its own errors
 * first): an ApiError as thrown, a dependency that is down (the store, Temporal: control/errors.ts
 * dependencyDown) as 503 with Retry-After, a framework 4xx with its status, anything else 500
 * `{"error":"internal server error"}` (logged; nothing leaks out).
 */
export function onApiError(logger: Logger): ErrorHandler {
  return (err, c) => {
    if (err instanceof ApiError) return c.json(err.body as object, err.status);
    const down = dependencyDown(err);
    if (down) {
      logger.warn({ err: (err as Error).message, path: c.req.path, method: c.req.method }, 'a dependency is down: 503');
      c.header('Retry-After', String(RETRY_AFTER_S));
      return sendError(c, 503, down);
    }
    // Framework errors (e.g. 415 from a route's media-type check) keep their 4xx status.
    if (err instanceof HTTPException && err.status < 500) return sendError(c, err.status as 400, err.message || 'bad request');
    logger.error({ err, path: c.req.path, method: c.req.method }, 'unhandled error');
    return sendError(c, 500, 'internal server error');
  };
}
