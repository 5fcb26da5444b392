// Run control: a campaign's run workflow (`campaign-run:<uuid>`) is started (signal-with-start
// semantics: start it when none runs, else signal `resume`), paused, stopped or told of new leads
// and settings, and the campaign's `status` (and `run_id` of a new run) is written to MongoDB.
// Used by every API generation (api/v1/run.ts, v2 queues, v3 campaigns and import, voice-bot);
// knows nothing of HTTP: a missing Temporal client is TemporalUnavailableError (control/errors.ts).
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { Config } from '../config/index.ts';
import type { CampaignDoc } from '../domain/campaign.ts';
import { updateCampaign } from '../storage/campaigns.ts';
import {
  campaignRunWorkflowId,
  WORKFLOW_TASK_TIMEOUT,
  configChangedSignal,
  leadsAddedSignal,
  pauseSignal,
  resumeSignal,
  stopSignal,
  type CampaignRunInput,
  type EngineOptions,
} from '../workflows/contract.ts';
import { TemporalUnavailableError } from './errors.ts';

/** What run control needs. */
export interface ControlDeps {
  config: Config;
  db: Db;
  /** Absent (not connected): starting or resuming a run throws TemporalUnavailableError. */
  temporal?: Client;
  /** Engine knobs for the runs started here (tests and benchmarks: short recall floor, fast polls). */
  engineOptions?: EngineOptions;
}

export function requireTemporal(deps: Pick<ControlDeps, 'temporal'>): Client {
  if (!deps.temporal) throw new TemporalUnavailableError();
  return deps.temporal;
}

/** Signal the campaign's run if one is open (no run: nothing to tell). */
export async function notifyRun(
  client: Client | undefined,
  campaign_uuid: string,
  signal: 'configChanged' | 'leadsAdded' | 'pause' | 'stop',
): Promise<void> {
  if (!client) return;
  try {
    await client.workflow.getHandle(campaignRunWorkflowId(campaign_uuid)).signal(signal);
  } catch {
    /* no open run */
  }
}

/**
 * Start the campaign's run, or resume the open one; writes `status: start` (and `run_id` of a new
 * run). Shared by run/start and the v2 queue endpoints.
 */
export async function startCampaignRun(
  deps: ControlDeps,
  domain_uuid: string,
  doc: Pick<CampaignDoc, 'campaign_uuid' | 'campaign_name' | 'run_id'>,
): Promise<void> {
  const uuid = doc.campaign_uuid;
  const client = requireTemporal(deps);
  let run_id = doc.run_id;
  const input: CampaignRunInput = { campaign_uuid: uuid, domain_uuid, ...(deps.engineOptions ? { options: deps.engineOptions } : {}) };
  try {
    const h = await client.workflow.start('campaignRunWorkflow', {
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      workflowId: campaignRunWorkflowId(uuid),
      args: [input],
      workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
      searchAttributes: { CampaignUuid: [uuid], TenantUuid: [domain_uuid], CampaignStatus: ['start'] },
      memo: { campaign_name: doc.campaign_name },
    });
    run_id = h.firstExecutionRunId;
  } catch (e) {
    // A run is open: resume it.
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
    await client.workflow.getHandle(campaignRunWorkflowId(uuid)).signal(resumeSignal);
  }
  // A stale `doc` (another request started the run meanwhile) must not blank the stored run_id.
  await updateCampaign(deps.db, domain_uuid, uuid, { status: 'start', ...(run_id ? { run_id } : {}) });
}

/** Pause or stop the campaign's run (no run open: only the status is written); null = not the tenant's. */
export async function setCampaignRunStatus(
  deps: ControlDeps,
  domain_uuid: string,
  uuid: string,
  action: 'pause' | 'stop',
): Promise<CampaignDoc | null> {
  const doc = await updateCampaign(deps.db, domain_uuid, uuid, { status: action });
  if (!doc) return null;
  if (deps.temporal) {
    try {
      await deps.temporal.workflow.getHandle(campaignRunWorkflowId(uuid)).signal(action === 'pause' ? pauseSignal : stopSignal);
    } catch (e) {
      if (!(e instanceof WorkflowNotFoundError)) throw e;
    }
  }
  return doc;
}

/**
 * After an import: a new queue (or one never started) starts dialing; a running one is told to
 * look for leads now (and to reload changed settings); a paused or stopped one stays as it is.
 */
export async function wakeRun(
  deps: ControlDeps,
  q: Pick<CampaignDoc, 'domain_uuid' | 'campaign_uuid' | 'campaign_name' | 'run_id' | 'status'>,
  opts: { created: boolean; changed: boolean },
): Promise<void> {
  if (q.status === 'pause' || q.status === 'stop') return;
  if (opts.created || q.status === '') return startCampaignRun(deps, q.domain_uuid, q);
  const h = requireTemporal(deps).workflow.getHandle(campaignRunWorkflowId(q.campaign_uuid));
  try {
    if (opts.changed) await h.signal(configChangedSignal);
    await h.signal(leadsAddedSignal);
  } catch (e) {
    if (!(e instanceof WorkflowNotFoundError)) throw e;
    await startCampaignRun(deps, q.domain_uuid, q); // status start but no run open: open one
  }
}
