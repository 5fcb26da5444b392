// One MongoDB connection per process. Works against a real mongod and FerretDB 1.24 alike, so
// only features both support are used (no transactions, no change streams, no $lookup pipelines);
// `isDuplicateKey` reads a unique-index refusal as either server reports it.
import { MongoClient, type Db } from 'mongodb';
import type { Config } from '../config/index.ts';

export interface Mongo {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

export async function connectMongo(config: Pick<Config, 'MONGODB_URI' | 'MONGODB_DB'>): Promise<Mongo> {
  const client = new MongoClient(config.MONGODB_URI, {
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
    appName: 'campaign-runner',
  });
  await client.connect();
  const db = client.db(config.MONGODB_DB);
  return { client, db, close: () => client.close() };
}

/** Round-trip latency of a `ping`, or the error that stopped it. */
export async function pingMongo(db: Db): Promise<{ up: boolean; latency_ms: number; error?: string }> {
  const t0 = performance.now();
  try {
    await db.command({ ping: 1 });
    return { up: true, latency_ms: round(performance.now() - t0) };
  } catch (err) {
    return { up: false, latency_ms: round(performance.now() - t0), error: (err as Error).message };
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * A unique index refused the write. MongoDB (and FerretDB on inserts) say code 11000; FerretDB
 * 1.24 on SQLite reports an update that breaks a unique index as InternalError (code 1) with
 * SQLite's "UNIQUE constraint failed" in the message.
 */
export function isDuplicateKey(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  return code === 11000 || (code === 1 && typeof message === 'string' && message.includes('UNIQUE constraint failed'));
}
