// One campaign run: the gate and the semaphore. It dials only while its status is `start`, only
// inside the dialing window (a durable timer to the next opening), never above `concurrent_call`,
// the per-network caps or the carriers' calls per second; it claims leads in hopper-sized batches
// and starts a lead workflow for each granted lead; recalls ask for slots by signal. Slot state is
// workflow state, so it survives worker restarts and is carried through continue-as-new.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { currentClosing, isOpen, nextOpening } from '../domain/schedule.ts';
import {
  agentsQuery,
  configChangedSignal,
  leadsAddedSignal,
  leadWorkflowId,
  pauseSignal,
  progressQuery,
  releaseSlotSignal,
  requestSlotSignal,
  resumeSignal,
  runStoppedSignal,
  setStatusUpdate,
  slotGrantedSignal,
  stopSignal,
  type CampaignRunInput,
  type Progress,
  type RunStatus,
} from './contract.ts';
import { CampaignRun } from './run-state.ts';

// The run's activities heartbeat (activities/deps.ts withHeartbeat): a worker that died holding one
// delays the run by the heartbeat timeout, not a minute. A retried startLeads starts each lead once
// per claim (activities/run.ts).
const act = proxyActivities<Activities>({
  startToCloseTimeout: '60 seconds',
  heartbeatTimeout: '5 seconds',
  retry: { initialInterval: '200 ms', maximumInterval: '5 seconds' },
});
// The autodialer reads its queue every second: a local activity (a marker in the history, no task).
const local = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 ms', maximumInterval: '2 seconds' },
});

export async function campaignRunWorkflow(input: CampaignRunInput): Promise<Progress> {
  const opts = input.options ?? {};
  const pollMs = opts.pollLeadsMs ?? 5_000;
  const maxEvents = opts.maxHistoryEvents ?? 4_000;
  const ids = { campaign_uuid: input.campaign_uuid, domain_uuid: input.domain_uuid };
  const run = new CampaignRun(input.campaign_uuid, input.carried, { pacingScale: opts.pacingScale });
  handleMessages(run);

  let cfg = await act.loadRunConfig(ids);
  if (!cfg) return run.snapshot();
  if (!input.carried) upsertMemo({ campaign_name: cfg.campaign_name });
  const syncStatus = searchAttributeSync(ids);

  for (;;) {
    syncStatus(run.status);
    const seen = run.changes;
    const changed = () => run.changes !== seen;
    if (run.reload) {
      run.reload = false;
      const fresh = await act.loadRunConfig(ids);
      if (!fresh) run.setStatus('stop');
      else cfg = fresh;
      continue;
    }
    while (run.stopNotices.length) await tellStopped(run.stopNotices.shift()!);

    if (run.status === 'stop') {
      await windDown(run);
      if (run.dialing === 0) break;
      await condition(changed);
      continue;
    }
    if (run.status === 'pause') {
      await condition(changed);
      continue;
    }

    const now = Date.now();
    if (!isOpen(cfg.window, now, cfg.time_zone)) {
      const next = nextOpening(cfg.window, now, cfg.time_zone);
      run.windowClosed(next);
      // A durable timer to the opening (or a day, then look again), cut short by any signal.
      await condition(changed, Math.max(1, Math.min(next === null ? DAY_MS : next - now, DAY_MS)));
      continue;
    }
    run.windowOpen();

    const limit = run.claimLimit(cfg, now);
    if (limit > 0) {
      // Deterministic per claim: a retried activity returns the leads this claim already took.
      const got = await act.claimLeads({ ...ids, limit, descending: cfg.customer_order === 'desc', token: uuid4() });
      run.claimed(got, Date.now(), pollMs);
    }

    if (cfg.autodialer) await readQueue(run, ids);
    const { fresh, recalls, cpsWaitMs } = run.grant(cfg, Date.now());
    if (fresh.length || recalls.length) {
      await Promise.all([
        fresh.length
          ? act.startLeads({
              ...ids,
              leads: fresh,
              campaign_name: cfg.campaign_name,
              run_id: workflowInfo().firstExecutionRunId,
              granted_at: Date.now(),
              options: opts,
            })
          : Promise.resolve(0),
        ...recalls.map((l) =>
          getExternalWorkflowHandle(leadWorkflowId(l.lead_uuid))
            .signal(slotGrantedSignal)
            .catch(() => run.lost(l.lead_uuid)),
        ),
      ]);
    }

    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > maxEvents) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof campaignRunWorkflow>({ ...input, carried: run.carried() });
    }
    if (fresh.length || recalls.length) continue; // look again at once: more may fit
    // Wait for a change, the cps gap, the next poll for leads or the window closing.
    const t = Date.now();
    await condition(changed, run.idleMs(cfg, t, cpsWaitMs, currentClosing(cfg.window, t, cfg.time_zone)));
  }
  return run.snapshot();
}

const DAY_MS = 86_400_000;

/** Signals, the progress query and the status update, all applied to the run's state. */
function handleMessages(run: CampaignRun): void {
  setHandler(pauseSignal, () => run.setStatus('pause'));
  setHandler(resumeSignal, () => run.setStatus('start'));
  setHandler(stopSignal, () => run.setStatus('stop'));
  setHandler(configChangedSignal, () => run.configChanged());
  setHandler(leadsAddedSignal, () => run.leadsAdded());
  setHandler(requestSlotSignal, ({ lead }) => run.requestSlot(lead));
  setHandler(releaseSlotSignal, (p) => run.releaseSlot(p));
  setHandler(progressQuery, () => run.snapshot());
  setHandler(agentsQuery, () => run.agents);
  setHandler(setStatusUpdate, (s) => {
    run.setStatus(s);
    return run.snapshot();
  });
}

/** A stopped run gives its claimed leads back and tells its waiting recalls; calls up finish. */
async function windDown(run: CampaignRun): Promise<void> {
  const { unclaim, tell } = run.drain();
  if (unclaim.length) await act.unclaimLeads({ lead_uuids: unclaim });
  await Promise.all([...tell.map((l) => l.lead_uuid), ...run.drainLimited()].map((l) => tellStopped(l)));
}

/** Autodialer: bring mod_callcenter in step when due, then read the queue for pacing. */
async function readQueue(run: CampaignRun, ids: { campaign_uuid: string; domain_uuid: string }): Promise<void> {
  if (run.queueSyncDue(undefined, Date.now())) {
    const r = await act.syncQueue(ids);
    run.queueSynced(r.core_uuid, Date.now());
  }
  const st = await local.queueState({ campaign_uuid: ids.campaign_uuid });
  run.queueRead(st.view, st.agents);
  if (run.queueSyncDue(st.core_uuid, Date.now())) {
    // FreeSWITCH restarted (another Core-UUID): its queue, agents and tiers are gone; provision
    // them again before pacing on an empty view.
    const r = await act.syncQueue(ids);
    run.queueSynced(r.core_uuid, Date.now());
    const again = await local.queueState({ campaign_uuid: ids.campaign_uuid });
    run.queueRead(again.view, again.agents);
  }
}

/** Tell a lead workflow its run stopped (it parks its lead); a lead already gone is fine. */
async function tellStopped(lead_uuid: string): Promise<void> {
  await getExternalWorkflowHandle(leadWorkflowId(lead_uuid))
    .signal(runStoppedSignal)
    .catch(() => undefined);
}

/** Keeps the run's search attributes (campaign, tenant, status) current, writing only changes. */
function searchAttributeSync(ids: { campaign_uuid: string; domain_uuid: string }): (status: RunStatus) => void {
  let last = '';
  return (status) => {
    if (last === status) return;
    last = status;
    upsertSearchAttributes({ CampaignUuid: [ids.campaign_uuid], TenantUuid: [ids.domain_uuid], CampaignStatus: [status] });
  };
}
