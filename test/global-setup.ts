// Starts the servers the integration tests share, once per `vitest run`: the Temporal dev server
// (in memory, headless, free port) and the MongoDB-compatible store (FerretDB on SQLite in a temp
// directory, or mongod). A server named by TEMPORAL_ADDRESS or MONGODB_URI in the environment is
// used as it is instead. Whatever was started is stopped at the end, also when tests fail.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { parseConfig } from '../config/index.ts';
import { freePort, type Proc } from '../scripts/lib/procs.ts';
import { startMongoStore, startTemporal } from '../scripts/lib/stack.ts';

export default async function setup(project: TestProject) {
  const config = parseConfig(process.env);
  const tmp = mkdtempSync(join(tmpdir(), 'campaign-runner-test-'));
  const log = (line: string) => process.stderr.write(`[test setup] ${line}\n`);
  const base = { cacheDir: config.TOOLS_CACHE_DIR, logDir: join(tmp, 'logs'), log };
  const started: Proc[] = [];

  const teardown = async () => {
    await Promise.allSettled(started.map((p) => p.stop()));
    if (process.env.KEEP_TEST_LOGS) log(`logs kept in ${tmp}/logs`);
    else rmSync(tmp, { recursive: true, force: true });
  };

  try {
    const [temporalAddress, mongoUri] = await Promise.all([
      process.env.TEMPORAL_ADDRESS
        ? Promise.resolve(process.env.TEMPORAL_ADDRESS)
        : freePort().then(async (port) => {
            started.push(await startTemporal({ ...base, port, namespace: config.TEMPORAL_NAMESPACE }));
            return `127.0.0.1:${port}`;
          }),
      process.env.MONGODB_URI
        ? Promise.resolve(process.env.MONGODB_URI)
        : freePort().then(async (port) => {
            const store = await startMongoStore({ ...base, port, dataDir: join(tmp, 'data') });
            started.push(store.proc);
            return store.uri;
          }),
    ]);
    project.provide('TEMPORAL_ADDRESS', temporalAddress);
    project.provide('TEMPORAL_NAMESPACE', config.TEMPORAL_NAMESPACE);
    project.provide('MONGODB_URI', mongoUri);
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}
