// The workflow bundle the worker loads: Temporal workflow code only (deterministic, no I/O).
// Every workflow type the product runs is exported from here.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

export { campaignRunWorkflow } from './campaign-run.ts';
export { leadWorkflow, leadWorkflowV2 } from './lead.ts';
export { callbackDeliveryWorkflow } from './callback.ts';
export { reportCompactorWorkflow } from './report-compactor.ts';
export { nodeListenerWorkflow } from './node-listener.ts';
export { recordingRetentionWorkflow } from './recording-retention.ts';
export { recordingUploadWorkflow } from './recording-upload.ts';
export { v2ImportWorkflow } from './v2-import.ts';

const { ping } = proxyActivities<Activities>({ startToCloseTimeout: '10 seconds' });

/** End-to-end check of the worker: a workflow that runs one activity. Used by tests and ops. */
export async function pingWorkflow(message: string): Promise<string> {
  return await ping(message);
}
