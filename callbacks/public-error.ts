// What a tenant is told about a failed delivery attempt (`last_error`, shown by
// GET /v3/campaign/{uuid}/callbacks and GET /v3/callbacks/{call_id}): one phrase of a small fixed
// vocabulary, never the text of a network error. The text of `Parse Error: Expected HTTP/` or
// `connect ECONNREFUSED 10.0.0.5:22` would let a tenant map ports and services behind the product;
// the detail goes to the operators' logs instead (callbacks/activities.ts, with call_id and
// campaign_uuid). Pure.
import { CallbackRefusedError, REFUSAL } from './url.ts';

/** The phrases a tenant can see (besides `HTTP <status>` and the refusals of REFUSAL). */
export const PUBLIC_ERRORS = {
  connection: 'connection failed',
  dns: 'name not resolved',
  timeout: 'timed out',
  tls: 'TLS error',
  invalid: 'invalid response',
} as const;

export const httpStatusError = (status: number): string => `HTTP ${status}`;

const FIXED = new Set<string>([...Object.values(PUBLIC_ERRORS), ...Object.values(REFUSAL)]);
const HTTP_RE = /^HTTP \d{3}$/;
/** Fixed texts of workflows/callback.ts that precede `; last error: …` (they carry only the configured deadline). */
const GAVE_UP_RE = /^(gave up(?: after retrying for up to|: not delivered within) \d+(?:\.\d+)? (?:h|s|ms))(?:; last error: ([\s\S]*))?$/;

const DNS_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'EAI_NODATA',
  'EAI_FAIL',
  'ESERVFAIL',
  'ENODATA',
  'ENONAME',
  'EREFUSED',
]);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'ABORT_ERR']);
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|EPROTO$|ERR_OSSL_)/;

/** The tenant-facing phrase of an error thrown by an attempt (resolveTarget, postCallback). */
export function publicError(err: unknown): string {
  if (err instanceof CallbackRefusedError) return err.publicReason;
  const e = err as { name?: string; code?: string; message?: string } | null;
  const code = String(e?.code ?? '');
  if (e?.name === 'CallbackTimeoutError' || e?.name === 'TimeoutError' || TIMEOUT_CODES.has(code)) return PUBLIC_ERRORS.timeout;
  if (DNS_CODES.has(code)) return PUBLIC_ERRORS.dns;
  if (code.startsWith('HPE_')) return PUBLIC_ERRORS.invalid;
  if (TLS_CODE.test(code)) return PUBLIC_ERRORS.tls;
  return PUBLIC_ERRORS.connection;
}

/** A phrase of the vocabulary (as stored since the vocabulary exists)? */
const isPublic = (s: string): boolean => s === '' || FIXED.has(s) || HTTP_RE.test(s);

/** One stored reason as the tenant may see it: kept when in the vocabulary, else classified. */
function publicReason(s: string): string {
  if (isPublic(s)) return s;
  // Records written before the vocabulary hold raw error texts: read them into it.
  const http = /HTTP (\d{3})\b/.exec(s);
  if (/^receiver answered HTTP \d{3}/.test(s) && http) return httpStatusError(Number(http[1]));
  if (/^refused:/.test(s))
    return /user name or password/.test(s) ? REFUSAL.credentials : /scheme|not a URL|no host/.test(s) ? REFUSAL.scheme : REFUSAL.address;
  if (/no response within|timed? ?out|ETIMEDOUT/i.test(s)) return PUBLIC_ERRORS.timeout;
  if (/Parse Error|HPE_/.test(s)) return PUBLIC_ERRORS.invalid;
  if (/ENOTFOUND|EAI_|resolved to no address/.test(s)) return PUBLIC_ERRORS.dns;
  if (/certificate|TLS|SSL|EPROTO/i.test(s)) return PUBLIC_ERRORS.tls;
  return PUBLIC_ERRORS.connection;
}

/**
 * A delivery's stored `last_error` as the tenant may see it. New records already hold phrases of
 * the vocabulary (kept as they are); older ones, raw error texts, are mapped into it, so nothing
 * from the network reaches a tenant whatever a record holds. `gave up …; last error: X` keeps its
 * fixed prefix with X mapped.
 */
export function publicLastError(stored: string): string {
  const s = String(stored ?? '');
  const g = GAVE_UP_RE.exec(s);
  if (g) return g[2] === undefined ? g[1]! : `${g[1]}; last error: ${publicReason(g[2])}`;
  return publicReason(s);
}
