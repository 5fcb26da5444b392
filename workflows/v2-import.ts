// A staged v2 queue import (storage/v2-imports.ts): its chunks stored one at a time, in order, one
// activity each, so the store sees at most one chunk's work (1,000 leads) from an import at a time
// and other tenants' requests interleave between chunks (each chunk's writes are paced inside it:
// storage/v2-imports.ts IMPORT_WRITE_PAUSE_MS). Id `v2-import:<import id>` (started by the API, once
// per import: a retried post finds it running). Each chunk wakes the queue's run (leadsAdded); the
// run polls for leads anyway, so nothing is lost if a signal is.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

const { v2ImportPlan, v2ImportChunk, v2ImportDone } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export interface V2ImportInput {
  import_id: string;
  campaign_uuid: string;
}

export async function v2ImportWorkflow(input: V2ImportInput): Promise<void> {
  const plan = await v2ImportPlan({ import_id: input.import_id });
  if (!plan) return;
  for (let n = plan.next; n <= plan.chunks; n++) {
    await v2ImportChunk({ import_id: input.import_id, n, campaign_uuid: input.campaign_uuid });
  }
  await v2ImportDone({ import_id: input.import_id });
}
