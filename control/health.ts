// The health of every dependency: MongoDB, Temporal and each ESL node, up/down with latency. The
// API answers it at GET /healthz (200 when all are up, 503 otherwise, so a load balancer or
// `npm start` can wait on it); the worker logs it at start.
// A store that answers but slowly (a ping slower than STORE_DEGRADED_MS, default 1 s: e.g. one
// tenant's huge import saturating FerretDB) is up but `degraded`: `mongodb.degraded: true` and
// `status: "degraded"`, still 200 (the API serves; taking it out of a load balancer would not
// make the store faster). Every ping is also in the metrics (campaign_runner_store_ping_seconds,
// campaign_runner_store_degraded).
import type { Db } from 'mongodb';
import type { ConnectionLike } from '@temporalio/client';
import { DEFAULT_STORE_DEGRADED_MS, type Config } from '../config/index.ts';
import { storePinged } from '../config/metrics.ts';
import { pingMongo } from '../storage/mongo.ts';
import { probeEslNode, type ProbeResult } from '../telephony/probe.ts';

export interface Check {
  up: boolean;
  latency_ms: number;
  error?: string;
}

export interface Health {
  status: 'ok' | 'degraded';
  mongodb: Check & { degraded: boolean };
  temporal: Check;
  esl: ProbeResult[];
}

/** Default STORE_DEGRADED_MS (the configuration's). */
export const STORE_DEGRADED_MS = DEFAULT_STORE_DEGRADED_MS;

export async function pingTemporal(connection: ConnectionLike | undefined): Promise<Check> {
  const t0 = performance.now();
  const latency = () => Math.round((performance.now() - t0) * 10) / 10;
  if (!connection) return { up: false, latency_ms: 0, error: 'not connected' };
  try {
    await connection.workflowService.getSystemInfo({});
    return { up: true, latency_ms: latency() };
  } catch (err) {
    return { up: false, latency_ms: latency(), error: (err as Error).message };
  }
}

/** The store check with its degradation: down, or up but slower than `thresholdMs`. */
export function storeCheck(ping: Check, thresholdMs: number = STORE_DEGRADED_MS): Check & { degraded: boolean } {
  return { ...ping, degraded: !ping.up || ping.latency_ms > thresholdMs };
}

/** Ping the store, record it in the metrics, and judge it (also used by GET /metrics). */
export async function checkStore(db: Db, thresholdMs: number = STORE_DEGRADED_MS): Promise<Check & { degraded: boolean }> {
  const check = storeCheck(await pingMongo(db), thresholdMs);
  storePinged(check.latency_ms / 1000, check.degraded);
  return check;
}

/** HTTP status of a health answer: 503 only when a dependency is down (a slow store is up). */
export function healthStatusCode(h: Health): 200 | 503 {
  return h.mongodb.up && h.temporal.up && h.esl.every((e) => e.up) ? 200 : 503;
}

export async function checkHealth(deps: { config: Config; db: Db; temporal?: ConnectionLike }): Promise<Health> {
  const [mongodb, temporal, esl] = await Promise.all([
    checkStore(deps.db, deps.config.STORE_DEGRADED_MS),
    pingTemporal(deps.temporal),
    Promise.all(deps.config.eslNodes.map((n) => probeEslNode(n))),
  ]);
  const up = mongodb.up && temporal.up && esl.every((e) => e.up);
  return { status: up && !mongodb.degraded ? 'ok' : 'degraded', mongodb, temporal, esl };
}
