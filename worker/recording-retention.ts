// Start the recording retention workflow unless it already runs (every worker calls this at start).
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { recordingRetentionWorkflowId, type RecordingRetentionInput } from '../workflows/recording-retention.ts';

export async function ensureRecordingRetention(client: Client, taskQueue: string, input: RecordingRetentionInput = {}): Promise<void> {
  try {
    await client.workflow.start('recordingRetentionWorkflow', {
      taskQueue,
      workflowId: recordingRetentionWorkflowId(taskQueue),
      args: [input],
    });
  } catch (e) {
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
  }
}
