// The ops CLI's HTTP side: where the API is, which token to send, and one request function whose
// failures carry the exit code a script can rely on (docs in README, *CLI*). The CLI only speaks
// the REST API, so it works against any deployment.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/index.ts';

/** Exit codes: stable, documented (README, *CLI*). */
export const EXIT = {
  ok: 0,
  /** The API refused the request (a 4xx other than below) or failed (500). */
  failed: 1,
  /** Bad arguments or configuration. */
  usage: 2,
  /** No such campaign, tenant or call. */
  notFound: 3,
  /** No token, or the API does not accept it. */
  unauthorized: 4,
  /** The API cannot be reached, or a dependency of it is down (503): try again. */
  unavailable: 5,
  /** An import left rows out (their errors are in the errors file). */
  partial: 6,
} as const;

export class CtlError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface Target {
  url: string;
  token: () => string;
  adminToken: () => string;
}

/** The API and tokens: --url / CTL_API_URL / API_HOST:API_PORT; CTL_TOKEN or DATA_DIR/dev-token;
 *  ADMIN_TOKEN or DATA_DIR/admin-token. Tokens never come from the command line (they would show
 *  in the process list and the shell history). */
export function target(config: Config, url?: string): Target {
  const host = config.API_HOST === '0.0.0.0' || config.API_HOST === '::' ? '127.0.0.1' : config.API_HOST;
  const base = (url ?? config.CTL_API_URL ?? `http://${host}:${config.API_PORT}`).replace(/\/+$/, '');
  const fromFile = (name: string) => {
    const f = resolve(join(config.DATA_DIR, name));
    return existsSync(f) ? readFileSync(f, 'utf8').trim() : '';
  };
  return {
    url: base,
    token: () => {
      const t = config.CTL_TOKEN ?? fromFile('dev-token');
      if (!t)
        throw new CtlError(
          `no token: set CTL_TOKEN (a tenant's API token)${config.CTL_API_URL ? '' : `, or run npm start once (it keeps the dev token in ${join(config.DATA_DIR, 'dev-token')})`}`,
          EXIT.unauthorized,
        );
      return t;
    },
    adminToken: () => {
      const t = config.ADMIN_TOKEN ?? fromFile('admin-token');
      if (!t) throw new CtlError(`no admin token: set ADMIN_TOKEN (the operator API's token)`, EXIT.unauthorized);
      return t;
    },
  };
}

export interface RequestOpts {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  admin?: boolean;
  /** Statuses answered as values instead of errors. */
  accept?: number[];
}

/** One API request; a failure is a CtlError with the exit code of its kind. */
export async function request<T>(t: Target, path: string, opts: RequestOpts = {}): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { authorization: `Bearer ${opts.admin ? t.adminToken() : t.token()}`, ...opts.headers };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(t.url + path, {
      method: opts.method ?? 'GET',
      headers,
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new CtlError(`cannot reach the API at ${t.url} (${cause}); is it running? (npm start, or set CTL_API_URL)`, EXIT.unavailable);
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: kept as text */
  }
  if (res.ok || opts.accept?.includes(res.status)) return { status: res.status, body: body as T };
  const msg = errorText(body) || `HTTP ${res.status}`;
  if (res.status === 401) throw new CtlError(`the API refused the ${opts.admin ? 'admin ' : ''}token: ${msg}`, EXIT.unauthorized, 401);
  if (res.status === 404) throw new CtlError(msg === 'Not Found' ? `not found: ${path}` : msg, EXIT.notFound, 404);
  if (res.status === 503) throw new CtlError(`the API is up but cannot serve this now: ${msg}`, EXIT.unavailable, 503);
  throw new CtlError(msg, EXIT.failed, res.status);
}

/** The message of an error body in any of the API's shapes. */
export function errorText(body: unknown): string {
  if (!body || typeof body !== 'object') return typeof body === 'string' ? body.slice(0, 300) : '';
  const e = (body as { error?: unknown }).error;
  if (typeof e === 'string') return e;
  if (Array.isArray(e))
    return e
      .map((x) =>
        Object.entries(x as Record<string, string>)
          .map(([k, v]) => `${k}: ${v}`)
          .join(', '),
      )
      .join('; ');
  return JSON.stringify(body).slice(0, 300);
}
