// The worker as the worker process builds it, on the real dev server and store: a workflow runs
// an activity that touches MongoDB.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../config/log.ts';
import { connectMongo } from '../../storage/mongo.ts';
import { createWorker, installRuntime } from '../../worker/create.ts';
import { testConfig } from '../helpers/env.ts';

describe('worker', () => {
  it('runs the workflow bundle and its activities', async () => {
    const config = testConfig();
    installRuntime();
    const mongo = await connectMongo(config);
    const native = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    const worker = await createWorker(native, { config, db: mongo.db, logger: createLogger('test', 'silent') });
    const conn = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    try {
      const client = new Client({ connection: conn, namespace: config.TEMPORAL_NAMESPACE });
      const result = await worker.runUntil(
        client.workflow.execute('pingWorkflow', {
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          workflowId: `ping-${config.MONGODB_DB}`,
          args: ['hello'],
        }),
      );
      expect(result).toBe('pong: hello');
    } finally {
      await Promise.allSettled([conn.close(), native.close(), mongo.close()]);
    }
  });
});
