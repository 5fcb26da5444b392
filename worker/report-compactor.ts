// Start the report compactor workflow unless it already runs (every worker calls this at start).
import type { Client } from '@temporalio/client';
import { startOnce } from '../control/start-once.ts';
import { reportCompactorWorkflowId, type ReportCompactorInput } from '../workflows/report-compactor.ts';

export async function ensureReportCompactor(client: Client, taskQueue: string, input: ReportCompactorInput = {}): Promise<void> {
  await startOnce(client, 'reportCompactorWorkflow', { taskQueue, workflowId: reportCompactorWorkflowId(taskQueue), args: [input] });
}
