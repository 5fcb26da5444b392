// Start the report compactor workflow unless it already runs (every worker calls this at start).
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { reportCompactorWorkflowId, type ReportCompactorInput } from '../workflows/report-compactor.ts';

export async function ensureReportCompactor(client: Client, taskQueue: string, input: ReportCompactorInput = {}): Promise<void> {
  try {
    await client.workflow.start('reportCompactorWorkflow', {
      taskQueue,
      workflowId: reportCompactorWorkflowId(taskQueue),
      args: [input],
    });
  } catch (e) {
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
  }
}
