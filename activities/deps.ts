// What every activity is created with: the worker's connections and settings. Its own module so
// the activity factories (activities/*.ts, callbacks/activities.ts) import it without importing
// activities/index.ts, which imports them.
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import type { Tts } from '../media/tts.ts';
import type { EslPool } from '../telephony/esl/index.ts';

export interface ActivityDeps {
  config: Config;
  db: Db;
  logger: Logger;
  /** FreeSWITCH nodes (dialing and reconciliation); absent in workers that do not dial. */
  esl?: EslPool;
  /** Client used to start lead workflows; default: the activity context's client. */
  temporal?: Client;
  /** Text-to-speech for the call content; default: from the configuration (media/tts.ts). */
  tts?: Tts;
}

/** The Temporal client activities use: the worker's, else the activity context's. */
export function temporalClient(deps: ActivityDeps): Client {
  return deps.temporal ?? Context.current().client;
}

/** How often a long activity tells Temporal it is alive; its heartbeat timeout is a few times this. */
export const HEARTBEAT_EVERY_MS = 1_000;

/**
 * Run `fn` while heartbeating, so a worker that dies holding the activity is noticed within the
 * activity's heartbeat timeout (seconds) instead of its start-to-close timeout (a minute). The
 * first beat comes after HEARTBEAT_EVERY_MS, not at once: the server's heartbeat timeout already
 * runs from the activity's start, and a call answered (or a batch done) within a second then costs
 * no heartbeat at all — one write less on the server per such call (BENCHMARKS.md).
 */
export async function withHeartbeat<T>(fn: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  const timer = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
