// Recording retention (issue 17; media/recordings.ts): the `purgeRecordings` activity deletes the
// recordings older than RECORDING_RETENTION_DAYS, every `everyMs` (default one hour), continuing as
// new every few hundred passes. Started idempotently by every worker at start
// (worker/recording-retention.ts), id `recording-retention:<task queue>`: one pass at a time.
import { continueAsNew, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

const { purgeRecordings } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', maximumInterval: '10 minutes' },
});

export interface RecordingRetentionInput {
  /** Pause between passes (default 3,600,000 ms). */
  everyMs?: number;
  /** Continue-as-new after this many passes (default 200). */
  passesPerRun?: number;
}

export const recordingRetentionWorkflowId = (taskQueue: string): string => `recording-retention:${taskQueue}`;

export async function recordingRetentionWorkflow(input: RecordingRetentionInput = {}): Promise<void> {
  const every = input.everyMs ?? 3_600_000;
  const limit = input.passesPerRun ?? 200;
  for (let i = 0; i < limit; i++) {
    await purgeRecordings();
    await sleep(every);
    if (workflowInfo().continueAsNewSuggested) break;
  }
  await continueAsNew<typeof recordingRetentionWorkflow>(input);
}
