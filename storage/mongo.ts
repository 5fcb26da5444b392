// One MongoDB connection per process. Works against a real mongod and FerretDB 1.24 alike, so
// only features both support are used (no transactions, no change streams, no $lookup pipelines).
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
