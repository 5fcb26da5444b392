// The health of every dependency: MongoDB, Temporal and each ESL node, up/down with latency. The
// API answers it at GET /healthz (200 when all are up, 503 otherwise, so a load balancer or
// `npm start` can wait on it); the worker logs it at start.
import type { Db } from 'mongodb';
import type { ConnectionLike } from '@temporalio/client';
import type { Config } from '../config/index.ts';
import { pingMongo } from '../storage/mongo.ts';
import { probeEslNode, type ProbeResult } from '../telephony/probe.ts';

export interface Check {
  up: boolean;
  latency_ms: number;
  error?: string;
}

export interface Health {
  status: 'ok' | 'degraded';
  mongodb: Check;
  temporal: Check;
  esl: ProbeResult[];
}

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

export async function checkHealth(deps: { config: Config; db: Db; temporal?: ConnectionLike }): Promise<Health> {
  const [mongodb, temporal, esl] = await Promise.all([
    pingMongo(deps.db),
    pingTemporal(deps.temporal),
    Promise.all(deps.config.eslNodes.map((n) => probeEslNode(n))),
  ]);
  const up = mongodb.up && temporal.up && esl.every((e) => e.up);
  return { status: up ? 'ok' : 'degraded', mongodb, temporal, esl };
}
