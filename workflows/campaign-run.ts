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
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { currentClosing, isOpen, nextOpening } from '../domain/schedule.ts';
import {
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
  type CarriedState,
  type LeadRef,
  type Progress,
  type RunConfig,
  type RunStatus,
} from './contract.ts';

const act = proxyActivities<Activities>({
  startToCloseTimeout: '60 seconds',
  retry: { initialInterval: '200 ms', maximumInterval: '5 seconds' },
});
// Starting a batch of lead workflows takes well under a second: a worker that died holding it
// delays the run by at most this much (a retry starts each lead once per claim, activities/leads.ts).
const starter = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 ms', maximumInterval: '5 seconds' },
});

/** concurrent_call 0 or missing: one call at a time (never unlimited: it protects the trunk). */
export const capOf = (cfg: RunConfig): number => (cfg.concurrent_call > 0 ? cfg.concurrent_call : 1);

export async function campaignRunWorkflow(input: CampaignRunInput): Promise<Progress> {
  const opts = input.options ?? {};
  const pollMs = opts.pollLeadsMs ?? 5_000;
  const maxEvents = opts.maxHistoryEvents ?? 4_000;
  const c = input.carried;
  let status: RunStatus = c?.status ?? 'start';
  const active: Record<string, LeadRef> = { ...(c?.active ?? {}) };
  let waiting: LeadRef[] = [...(c?.waiting ?? [])];
  let hopper: LeadRef[] = [...(c?.hopper ?? [])];
  const lastGrantAt: Record<string, number> = { ...(c?.lastGrantAt ?? {}) };
  const progress: Progress = c?.progress ?? {
    campaign_uuid: input.campaign_uuid,
    status,
    window_open: true,
    next_opening: null,
    dialing: 0,
    waiting: 0,
    hopper: 0,
    started: 0,
    calls: 0,
    done: 0,
    by_disposition: {},
    max_dialing: 0,
  };
  let changes = 0;
  let reload = false;
  let wantClaim = true;
  let exhausted = false;
  const stopNotices: string[] = [];
  const activeCount = () => Object.keys(active).length;

  const snapshot = (): Progress => {
    progress.status = status;
    progress.dialing = activeCount();
    progress.waiting = waiting.length;
    progress.hopper = hopper.length;
    return { ...progress, by_disposition: { ...progress.by_disposition } };
  };
  const setStatus = (s: RunStatus) => {
    if (status === 'stop') return; // a stopped run only winds down
    status = s;
    changes++;
  };
  setHandler(pauseSignal, () => setStatus('pause'));
  setHandler(resumeSignal, () => setStatus('start'));
  setHandler(stopSignal, () => setStatus('stop'));
  setHandler(configChangedSignal, () => {
    reload = true;
    changes++;
  });
  setHandler(leadsAddedSignal, () => {
    wantClaim = true;
    exhausted = false;
    changes++;
  });
  setHandler(requestSlotSignal, ({ lead }) => {
    if (status === 'stop') stopNotices.push(lead.lead_uuid);
    else if (!active[lead.lead_uuid] && !waiting.some((w) => w.lead_uuid === lead.lead_uuid)) waiting.push(lead);
    changes++;
  });
  setHandler(releaseSlotSignal, (p) => {
    // Sent by the recordCall activity: a retried activity may send it twice; only the first counts.
    if (!active[p.lead_uuid]) return;
    delete active[p.lead_uuid];
    if (p.called) {
      progress.calls++;
      if (p.disposition) progress.by_disposition[p.disposition] = (progress.by_disposition[p.disposition] ?? 0) + 1;
    }
    if (p.final) progress.done++;
    changes++;
  });
  setHandler(progressQuery, snapshot);
  setHandler(setStatusUpdate, (s) => {
    setStatus(s);
    return snapshot();
  });

  let cfg = await act.loadRunConfig({ campaign_uuid: input.campaign_uuid, domain_uuid: input.domain_uuid });
  if (!cfg) return snapshot();
  if (!c) upsertMemo({ campaign_name: cfg.campaign_name });
  let saStatus = '';
  const syncStatusAttr = () => {
    if (saStatus !== status) {
      saStatus = status;
      upsertSearchAttributes({ CampaignUuid: [input.campaign_uuid], TenantUuid: [input.domain_uuid], CampaignStatus: [status] });
    }
  };
  let nextPollAt = 0;

  for (;;) {
    syncStatusAttr();
    const seen = changes;
    if (reload) {
      reload = false;
      const fresh = await act.loadRunConfig({ campaign_uuid: input.campaign_uuid, domain_uuid: input.domain_uuid });
      if (!fresh) setStatus('stop');
      else cfg = fresh;
      continue;
    }
    while (stopNotices.length) {
      const id = stopNotices.shift()!;
      await getExternalWorkflowHandle(leadWorkflowId(id)).signal(runStoppedSignal).catch(() => undefined);
    }

    if (status === 'stop') {
      if (hopper.length) {
        const ids = hopper.map((l) => l.lead_uuid);
        hopper = [];
        await act.unclaimLeads({ lead_uuids: ids });
      }
      if (waiting.length) {
        const w = waiting;
        waiting = [];
        await Promise.all(w.map((l) => getExternalWorkflowHandle(leadWorkflowId(l.lead_uuid)).signal(runStoppedSignal).catch(() => undefined)));
      }
      if (activeCount() === 0) break;
      await condition(() => changes !== seen);
      continue;
    }
    if (status === 'pause') {
      await condition(() => changes !== seen);
      continue;
    }

    const now = Date.now();
    if (!isOpen(cfg.window, now, cfg.time_zone)) {
      const next = nextOpening(cfg.window, now, cfg.time_zone);
      progress.window_open = false;
      progress.next_opening = next;
      // A durable timer to the opening (or a day, then look again), cut short by any signal.
      await condition(() => changes !== seen, Math.max(1, Math.min(next === null ? 86_400_000 : next - now, 86_400_000)));
      continue;
    }
    progress.window_open = true;
    progress.next_opening = null;

    // Refill the hopper.
    if (hopper.length < Math.ceil(cfg.hopper / 2) && (wantClaim || !exhausted || now >= nextPollAt)) {
      wantClaim = false;
      const got = await act.claimLeads({
        campaign_uuid: input.campaign_uuid,
        domain_uuid: input.domain_uuid,
        limit: cfg.hopper - hopper.length,
        descending: cfg.customer_order === 'desc',
        // Deterministic per claim: a retried activity returns the leads this claim already took.
        token: uuid4(),
      });
      hopper.push(...got);
      exhausted = got.length === 0;
      if (exhausted) nextPollAt = Date.now() + pollMs;
    }

    // Grant slots.
    const cap = capOf(cfg);
    const perNetwork: Record<string, number> = {};
    for (const l of Object.values(active)) perNetwork[l.network] = (perNetwork[l.network] ?? 0) + 1;
    const fresh: LeadRef[] = [];
    const recalls: LeadRef[] = [];
    let cpsWait = 0;
    const recallFirst = cfg.priority_recall === 'recall';
    const t = Date.now();
    // Candidates in order, sorted once per round: recalls first when priority_recall = recall,
    // else oldest ready first. One pass grants every candidate that fits the caps.
    const pool = [...waiting.map((l) => ({ recall: true, l })), ...hopper.map((l) => ({ recall: false, l }))];
    if (!recallFirst) pool.sort((a, b) => a.l.readyAt - b.l.readyAt);
    for (const cand of pool) {
      if (activeCount() >= cap) break;
      const ncap = cfg.network[cand.l.network] ?? 0;
      if (ncap > 0 && (perNetwork[cand.l.network] ?? 0) >= ncap) continue;
      const cps = cfg.carrier_cps[cand.l.carrier_uuid] ?? 0;
      if (cps > 0) {
        const gap = 1000 / cps;
        const last = lastGrantAt[cand.l.carrier_uuid] ?? 0;
        if (t - last < gap) {
          cpsWait = cpsWait ? Math.min(cpsWait, last + gap - t) : last + gap - t;
          continue;
        }
        lastGrantAt[cand.l.carrier_uuid] = Math.max(t, last + gap);
      }
      (cand.recall ? recalls : fresh).push(cand.l);
      active[cand.l.lead_uuid] = cand.l;
      perNetwork[cand.l.network] = (perNetwork[cand.l.network] ?? 0) + 1;
    }
    if (recalls.length) {
      const taken = new Set(recalls);
      waiting = waiting.filter((x) => !taken.has(x));
    }
    if (fresh.length) {
      const taken = new Set(fresh);
      hopper = hopper.filter((x) => !taken.has(x));
    }
    progress.max_dialing = Math.max(progress.max_dialing, activeCount());
    if (fresh.length || recalls.length) {
      progress.started += fresh.length;
      await Promise.all([
        fresh.length
          ? starter.startLeads({
              leads: fresh,
              campaign_uuid: input.campaign_uuid,
              domain_uuid: input.domain_uuid,
              campaign_name: cfg.campaign_name,
              run_id: workflowInfo().firstExecutionRunId,
              granted_at: Date.now(),
              options: opts,
            })
          : Promise.resolve(0),
        ...recalls.map((l) =>
          getExternalWorkflowHandle(leadWorkflowId(l.lead_uuid))
            .signal(slotGrantedSignal)
            .catch(() => {
              delete active[l.lead_uuid]; // the lead is gone
            }),
        ),
      ]);
    }

    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > maxEvents) {
      await condition(allHandlersFinished);
      const carried: CarriedState = { status, active, waiting, hopper, progress: snapshot(), lastGrantAt };
      await continueAsNew<typeof campaignRunWorkflow>({ ...input, carried });
    }

    // Wait for a change, the CPS gap, the next poll for leads or the window closing.
    const waits: number[] = [];
    if (cpsWait > 0) waits.push(cpsWait);
    if (hopper.length < Math.ceil(cfg.hopper / 2)) waits.push(exhausted ? Math.max(1, nextPollAt - Date.now()) : 1);
    const closing = currentClosing(cfg.window, Date.now(), cfg.time_zone);
    if (closing !== null) waits.push(Math.max(1, closing - Date.now()));
    if (fresh.length || recalls.length) continue; // look again at once: more may fit
    if (waits.length) await condition(() => changes !== seen, Math.min(...waits));
    else await condition(() => changes !== seen);
  }
  return snapshot();
}
