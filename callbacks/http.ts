// One POST of a callback. node:http(s) rather than fetch: the connection must go to the addresses
// resolveTarget checked (a `lookup` that answers with them), and redirects are not followed (a
// redirect could point anywhere, private addresses included): a 3xx is simply not a 2xx.
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedTarget } from './url.ts';

export class CallbackTimeoutError extends Error {
  override name = 'CallbackTimeoutError';
}

/** A lookup that answers with the already checked addresses, whatever DNS says now. */
export function pinnedLookup(addresses: ResolvedTarget['addresses']): LookupFunction {
  return ((_host: string, opts: { family?: number | string; all?: boolean }, cb: (...args: unknown[]) => void) => {
    const fam = opts?.family === 'IPv4' ? 4 : opts?.family === 'IPv6' ? 6 : Number(opts?.family) || 0;
    const list = fam ? addresses.filter((a) => a.family === fam) : addresses;
    if (!list.length) return cb(Object.assign(new Error(`no IPv${fam} address among those checked`), { code: 'ENOTFOUND' }));
    if (opts?.all)
      return cb(
        null,
        list.map((a) => ({ address: a.address, family: a.family })),
      );
    return cb(null, list[0]!.address, list[0]!.family);
  }) as unknown as LookupFunction;
}

/**
 * POST `body`; resolves with the status code once the response headers arrive (the body is read
 * and discarded). Rejects on a network error or when no response came within `timeoutMs`.
 */
export function postCallback(
  target: ResolvedTarget,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{ status: number }> {
  const mod = target.url.protocol === 'https:' ? https : http;
  const signal = AbortSignal.timeout(timeoutMs);
  // Never Basic auth from the URL (resolveTarget refuses such URLs; this is the second lock).
  const url = new URL(target.url);
  url.username = '';
  url.password = '';
  return new Promise((resolve, reject) => {
    const req = mod.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: pinnedLookup(target.addresses),
        signal,
      },
      (res) => {
        res.on('error', () => {});
        res.resume();
        resolve({ status: res.statusCode ?? 0 });
      },
    );
    req.on('error', (err) => reject(signal.aborted ? new CallbackTimeoutError(`no response within ${timeoutMs} ms`) : err));
    req.end(body);
  });
}
