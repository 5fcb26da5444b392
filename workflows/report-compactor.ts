// The report compactor: the one writer of the report rollups (storage/report.ts). A loop of the
// `compactReport` activity every COMPACT_EVERY_MS, continuing as new every few hundred passes.
// Started idempotently by every worker at start (worker/report-compactor.ts), id
// `report-compactor:<task queue>`.
import { continueAsNew, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

const { compactReport } = proxyActivities<Activities>({
  startToCloseTimeout: '60 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export interface ReportCompactorInput {
  /** Pause between passes (default 1000 ms). */
  everyMs?: number;
  /** Continue-as-new after this many passes (default 300). */
  passesPerRun?: number;
}

export const reportCompactorWorkflowId = (taskQueue: string): string => `report-compactor:${taskQueue}`;

export async function reportCompactorWorkflow(input: ReportCompactorInput = {}): Promise<void> {
  const every = input.everyMs ?? 1_000;
  const limit = input.passesPerRun ?? 300;
  for (let i = 0; i < limit; i++) {
    await compactReport({});
    await sleep(every);
    if (workflowInfo().continueAsNewSuggested) break;
  }
  await continueAsNew<typeof reportCompactorWorkflow>(input);
}
