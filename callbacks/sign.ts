// Signing: every delivery carries `X-Timestamp: <unix seconds>` and
// `X-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`, made with the tenant's
// callback secret. docs/callbacks.md shows the receiver's side (the same as verifySignature below).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Signature';
export const TIMESTAMP_HEADER = 'X-Timestamp';
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const KIND_HEADER = 'X-Callback-Kind';
export const ATTEMPT_HEADER = 'X-Callback-Attempt';

/** `sha256=<hex>` over `<timestamp>.<body>`. */
export function signBody(secret: string, timestamp: number | string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/**
 * Does the signature match, and is the timestamp within `toleranceSec` of now (replay guard)?
 * Constant-time comparison.
 */
export function verifySignature(
  secret: string,
  input: { timestamp: string | undefined; signature: string | undefined; body: string },
  opts: { toleranceSec?: number; nowSec?: number } = {},
): boolean {
  const { timestamp, signature, body } = input;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  const now = opts.nowSec ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (opts.toleranceSec ?? 300)) return false;
  const expected = Buffer.from(signBody(secret, timestamp, body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Every header of one attempt. */
export function deliveryHeaders(opts: {
  secret: string;
  idempotencyKey: string;
  kind: string;
  attempt: number;
  body: string;
  nowSec?: number;
}): Record<string, string> {
  const ts = opts.nowSec ?? Math.floor(Date.now() / 1000);
  return {
    'content-type': 'application/json',
    'user-agent': 'campaign-runner-callbacks/1',
    [IDEMPOTENCY_HEADER.toLowerCase()]: opts.idempotencyKey,
    [KIND_HEADER.toLowerCase()]: opts.kind,
    [ATTEMPT_HEADER.toLowerCase()]: String(opts.attempt),
    [TIMESTAMP_HEADER.toLowerCase()]: String(ts),
    [SIGNATURE_HEADER.toLowerCase()]: signBody(opts.secret, ts, opts.body),
  };
}
