// Retrying failed callback deliveries, on an operator's request (the console's button, `npm run
// ctl -- retry-callbacks`). A failed delivery's workflow (`callback:<call_id>:<kind>`) has ended;
// its first input — the exact body that was signed and sent — is read back from the workflow's
// history and a new execution of the same id is started with it (the same Idempotency-Key, so a
// receiver that did get an earlier attempt can tell), to the campaign's current URL for that kind
// (a receiver moved since is reached). The delivery record goes back to `pending` on its first
// attempt. Deliveries not failed are left alone; one whose history is gone (past the namespace's
// retention) is reported, not guessed.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { callbackWorkflowId, type CallbackDeliveryInput } from '../../callbacks/contract.ts';
import { timingFromConfig } from '../../callbacks/schedule.ts';
import { deliveriesOf } from '../../callbacks/store.ts';
import { requireTemporal } from '../../control/run.ts';
import type { CampaignDoc } from '../../domain/campaign.ts';
import type { AppDeps } from '../types.ts';

export interface RetryResult {
  retried: string[];
  /** Delivery ids (`<call_id>:<kind>`) not retried, with why. */
  skipped: Array<{ id: string; reason: string }>;
}

const MAX_PER_REQUEST = 1000;

export async function retryFailedCallbacks(deps: AppDeps, campaign: CampaignDoc, call_ids?: string[]): Promise<RetryResult> {
  const client = requireTemporal(deps);
  const filter = {
    campaign_uuid: campaign.campaign_uuid,
    domain_uuid: campaign.domain_uuid,
    status: 'failed' as const,
    ...(call_ids?.length ? { call_id: { $in: call_ids } } : {}),
  };
  const failed = await deliveriesOf(deps.db).find(filter).sort({ created_at: 1 }).limit(MAX_PER_REQUEST).toArray();
  const out: RetryResult = { retried: [], skipped: [] };
  for (const d of failed) {
    const workflowId = callbackWorkflowId(d.call_id, d.kind);
    let first: CallbackDeliveryInput | undefined;
    try {
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
      if (payload) first = defaultPayloadConverter.fromPayload<CallbackDeliveryInput>(payload);
    } catch {
      /* reported below */
    }
    if (!first?.body) {
      out.skipped.push({ id: d._id, reason: 'its first request is no longer kept (past the retention of the workflow history)' });
      continue;
    }
    const current = d.kind === 'answer' ? campaign.answer_callback_url : campaign.callback_url;
    const input: CallbackDeliveryInput = { ...first, url: current || first.url, timing: timingFromConfig(deps.config) };
    try {
      await client.workflow.start('callbackDeliveryWorkflow', {
        taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
        workflowId,
        args: [input],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
        searchAttributes: { CampaignUuid: [input.campaign_uuid], TenantUuid: [input.domain_uuid] },
      });
      out.retried.push(d._id);
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) out.skipped.push({ id: d._id, reason: 'a delivery is running' });
      else throw err;
    }
  }
  return out;
}
