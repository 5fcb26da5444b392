// A lead held back by a contact limit (docs/compliance.md): no call was placed, so it is not an
// attempt. The lead gives its slot back (the run notes it is waiting), says so in its state
// (`waiting_limit`, next_attempt_at, search attribute LeadStatus) and sleeps on a durable timer
// until the next allowed moment; then it asks for a slot again. If its run stops first (the run
// tells it), the lead is recorded `skipped`.
import { condition, getExternalWorkflowHandle, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { releaseSlotSignal, type LeadState } from './contract.ts';

const store = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 ms', maximumInterval: '5 seconds' },
});

/** 'again': the moment came, ask for a slot; 'skipped': the run stopped first (recorded). */
export async function holdForLimit(
  run: ReturnType<typeof getExternalWorkflowHandle>,
  state: LeadState,
  nextAt: number,
  stopped: () => boolean,
): Promise<'again' | 'skipped'> {
  try {
    await run.signal(releaseSlotSignal, { lead_uuid: state.lead_uuid, disposition: '', final: false, called: false, limited: true });
  } catch {
    // The run is gone: nothing holds the slot; the lead still waits, then finds no run and parks.
  }
  state.status = 'waiting_limit';
  state.next_attempt_at = nextAt;
  upsertSearchAttributes({ LeadStatus: ['waiting_limit'] });
  if (await condition(stopped, Math.max(1, nextAt - Date.now()))) {
    await store.skipLead({ lead_uuid: state.lead_uuid, reason: 'contact_limit', next_at: nextAt });
    state.status = 'skipped';
    upsertSearchAttributes({ LeadStatus: ['skipped'] });
    return 'skipped';
  }
  return 'again';
}
