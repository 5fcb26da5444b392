// Start the recording retention workflow unless it already runs (every worker calls this at start).
import type { Client } from '@temporalio/client';
import { startOnce } from '../control/start-once.ts';
import { recordingRetentionWorkflowId, type RecordingRetentionInput } from '../workflows/recording-retention.ts';

export async function ensureRecordingRetention(client: Client, taskQueue: string, input: RecordingRetentionInput = {}): Promise<void> {
  await startOnce(client, 'recordingRetentionWorkflow', { taskQueue, workflowId: recordingRetentionWorkflowId(taskQueue), args: [input] });
}
