// Start a workflow unless one with its id is already open: the singletons every worker ensures at
// start (node listeners, report compactor, recording retention) and the work a retried request or
// activity must start once (a v2 import, a recording's upload). The id decides; the one open wins.
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowStartOptions } from '@temporalio/client';

export async function startOnce(client: Client, workflowType: string, options: WorkflowStartOptions): Promise<void> {
  try {
    await client.workflow.start(workflowType, options);
  } catch (e) {
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
  }
}
