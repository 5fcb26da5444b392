// The store's degradation in /healthz (control/health.ts): a ping slower than the threshold
// (STORE_DEGRADED_MS, default 1 s) is `degraded` but up — 200, status "degraded"; down is 503.
import { describe, expect, it } from 'vitest';
import { healthStatusCode, storeCheck, STORE_DEGRADED_MS, type Health } from '../../control/health.ts';
import { parseConfig } from '../../config/index.ts';

const up = (latency_ms: number) => ({ up: true, latency_ms });
const health = (mongodb: Health['mongodb'], temporalUp = true): Health => ({
  status: mongodb.up && temporalUp && !mongodb.degraded ? 'ok' : 'degraded',
  mongodb,
  temporal: { up: temporalUp, latency_ms: 1 },
  esl: [],
});

describe('store degradation', () => {
  it('a ping above the threshold is degraded; at or below it is not; a store down is degraded', () => {
    expect(storeCheck(up(12))).toEqual({ up: true, latency_ms: 12, degraded: false });
    expect(storeCheck(up(STORE_DEGRADED_MS))).toMatchObject({ degraded: false });
    expect(storeCheck(up(STORE_DEGRADED_MS + 0.1))).toMatchObject({ degraded: true });
    expect(storeCheck(up(250), 200)).toMatchObject({ degraded: true });
    expect(storeCheck({ up: false, latency_ms: 3, error: 'ECONNREFUSED' })).toMatchObject({ up: false, degraded: true });
  });

  it('a slow store answers 200 (up, status degraded); a dependency down answers 503', () => {
    expect(healthStatusCode(health(storeCheck(up(5))))).toBe(200);
    const slow = health(storeCheck(up(4_000)));
    expect(slow.status).toBe('degraded');
    expect(healthStatusCode(slow)).toBe(200);
    expect(healthStatusCode(health(storeCheck({ up: false, latency_ms: 1 })))).toBe(503);
    expect(healthStatusCode(health(storeCheck(up(5)), false))).toBe(503);
  });

  it('STORE_DEGRADED_MS configures the threshold (default 1000 ms)', () => {
    expect(parseConfig({}).STORE_DEGRADED_MS).toBe(1000);
    expect(parseConfig({ STORE_DEGRADED_MS: '250' }).STORE_DEGRADED_MS).toBe(250);
    expect(() => parseConfig({ STORE_DEGRADED_MS: '0' })).toThrow(/STORE_DEGRADED_MS/);
  });
});
