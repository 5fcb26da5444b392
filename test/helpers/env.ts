// What integration tests need to reach the servers that test/global-setup.ts started (or that
// the environment configured): a validated Config, with a database name of the test's own so
// test files running in parallel never see each other's documents.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { parseConfig, type Config } from '../../config/index.ts';

export function testConfig(overrides: Record<string, string> = {}): Config {
  return parseConfig({
    ...process.env,
    MONGODB_URI: inject('MONGODB_URI'),
    TEMPORAL_ADDRESS: inject('TEMPORAL_ADDRESS'),
    TEMPORAL_NAMESPACE: inject('TEMPORAL_NAMESPACE'),
    MONGODB_DB: `test_${randomBytes(5).toString('hex')}`,
    TEMPORAL_TASK_QUEUE: `test-${randomBytes(5).toString('hex')}`,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    ...overrides,
  });
}

declare module 'vitest' {
  export interface ProvidedContext {
    MONGODB_URI: string;
    TEMPORAL_ADDRESS: string;
    TEMPORAL_NAMESPACE: string;
  }
}
