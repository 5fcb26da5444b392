// Activities of a campaign run: its configuration, the hopper (claiming leads from MongoDB) and
// handing claimed leads to their lead workflows (once per claim).
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { failpoint } from '../config/failpoints.ts';
import { DEFAULT_TIME_ZONE, toDialWindow } from '../domain/schedule.ts';
import { networkCaps, type CampaignDoc } from '../domain/campaign.ts';
import { chooseCarrier } from '../domain/carrier.ts';
import { configuredRatio } from '../domain/pacing.ts';
import { getQueueSettings } from '../storage/queue-settings.ts';
import { campaignsOf } from '../storage/campaigns.ts';
import { tenantCarriers } from '../storage/directory.ts';
import { claimLeads as claim, leadMaxAttempts, unclaimLeads as unclaim, type LeadDoc } from '../storage/leads.ts';
import { tenantsOf } from '../storage/tenants.ts';
import { complianceWindow } from './compliance.ts';
import {
  leadWorkflowId,
  WORKFLOW_TASK_TIMEOUT,
  type EngineOptions,
  type LeadInput,
  type LeadRef,
  type NetworkName,
  type RunConfig,
} from '../workflows/contract.ts';
import { temporalClient, withHeartbeat, type ActivityDeps } from './deps.ts';
import { leadsClaimed } from '../config/metrics.ts';

/** Default hopper when the campaign has none (autocall campaigns usually leave it 0). */
export const DEFAULT_HOPPER = 100;

/** Whether the lead's latest execution was started for this claim (it may have finished since). */
async function startedForClaim(client: Client, workflowId: string, claim: string | undefined): Promise<boolean> {
  if (!claim) return false;
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    return d.memo?.claim === claim;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

export function createRunActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    /** The campaign as the run needs it; null when it no longer exists. */
    async loadRunConfig(input: { campaign_uuid: string; domain_uuid: string }): Promise<RunConfig | null> {
      const c: CampaignDoc | null = await campaignsOf(db).findOne({ _id: input.campaign_uuid, domain_uuid: input.domain_uuid });
      if (!c) return null;
      const tenant = await tenantsOf(db).findOne({ _id: input.domain_uuid });
      const carriers = await tenantCarriers(db, input.domain_uuid);
      const cfg = runConfigOf(c, tenant?.time_zone ?? DEFAULT_TIME_ZONE, carriers);
      // The tenant's allowed hours narrow the window; its holidays close it (docs/compliance.md).
      cfg.window = await complianceWindow(deps, cfg);
      if (c.type !== 'autodialer') return cfg;
      const s = await getQueueSettings(db, c.campaign_uuid);
      return {
        ...cfg,
        autodialer: {
          ratio: configuredRatio(c),
          adaptive: s.adaptive,
          predictive: s.predictive,
          abandon_target_percent: s.abandon_target_percent,
        },
      };
    },

    /** Claim up to `limit` new leads in dial order (new → queued). */
    async claimLeads(input: {
      campaign_uuid: string;
      domain_uuid: string;
      limit: number;
      descending: boolean;
      token?: string;
    }): Promise<LeadRef[]> {
      return withHeartbeat(async () => {
        const campaign = await campaignsOf(db).findOne({ _id: input.campaign_uuid }, { projection: { carrier_uuid: 1 } });
        const carriers = await tenantCarriers(db, input.domain_uuid);
        const leads = await claim(db, input.campaign_uuid, input.limit, input.descending, input.token);
        leadsClaimed(input.campaign_uuid, leads.length);
        const now = Date.now();
        return leads.map((l) =>
          leadRefOf(l, chooseCarrier(carriers, campaign?.carrier_uuid ?? '', l.network)?.carrier_uuid ?? '', now, input.token),
        );
      });
    },

    /** Give claimed, never-started leads back (queued → new). */
    async unclaimLeads(input: { lead_uuids: string[] }): Promise<number> {
      return unclaim(db, input.lead_uuids);
    },

    /** A lead goes back to `new` (its run stopped before it could dial again). */
    async parkLead(input: { lead_uuid: string }): Promise<void> {
      await unclaim(db, [input.lead_uuid], true); // back in its campaign's dial queue
    },

    /**
     * Start the lead workflows of granted leads (each already holds its slot), once per claim: a
     * running workflow with the id is the one an earlier try started (USE_EXISTING); a closed one
     * is started again only for a new claim of the lead (a lead parked by a stopped run and claimed
     * again). A retried activity checks which claim the closed execution served (its memo), so a
     * lead that finished meanwhile is left alone instead of dialed again.
     */
    async startLeads(input: StartLeadsInput): Promise<number> {
      const client = temporalClient(deps);
      const { taskQueue, attempt } = Context.current().info;
      await withHeartbeat(() => Promise.all(input.leads.map((l) => startLeadWorkflow(client, taskQueue, attempt, l, input))));
      return input.leads.length;
    },
  };
}

export interface StartLeadsInput {
  leads: LeadRef[];
  campaign_uuid: string;
  domain_uuid: string;
  campaign_name: string;
  run_id?: string;
  /** When the run granted the slots (workflow time). */
  granted_at?: number;
  options?: EngineOptions;
}

/**
 * Eager start: the server hands the lead's first workflow task back with the start, to this very
 * worker, instead of through matching — one trip less per call and the originate sooner
 * (BENCHMARKS.md). It needs the worker's own NativeConnection (the activity context's client, or
 * one built on it); a client on another connection starts the usual way.
 */
function eagerStartable(client: Client): boolean {
  return client.connection instanceof NativeConnection;
}

/** Start one granted lead's workflow, once per claim (see startLeads). */
async function startLeadWorkflow(client: Client, taskQueue: string, attempt: number, l: LeadRef, input: StartLeadsInput): Promise<void> {
  const workflowId = leadWorkflowId(l.lead_uuid);
  if (attempt > 1 && (await startedForClaim(client, workflowId, l.claim))) return;
  const args: [LeadInput] = [
    {
      lead_uuid: l.lead_uuid,
      campaign_uuid: input.campaign_uuid,
      domain_uuid: input.domain_uuid,
      ...(input.run_id ? { run_id: input.run_id } : {}),
      ...(l.lead ? { lead: l.lead } : {}),
      slotGranted: true,
      granted_at: input.granted_at ?? Date.now(),
      options: input.options,
    },
  ];
  try {
    await client.workflow.start('leadWorkflowV2', {
      taskQueue,
      workflowId,
      args,
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
      requestEagerStart: eagerStartable(client),
      searchAttributes: { CampaignUuid: [input.campaign_uuid], TenantUuid: [input.domain_uuid], LeadStatus: ['dialing'] },
      memo: { campaign_name: input.campaign_name, number: l.masked ?? '', ...(l.claim ? { claim: l.claim } : {}) },
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  failpoint('startLeads.started');
}

/** The campaign as a run needs it. A schedule that cannot be read dials always (it was accepted
 *  by an older version; the API refuses such schedules now). */
function runConfigOf(c: CampaignDoc, time_zone: string, carriers: Array<{ carrier_uuid: string; cps?: number }>): RunConfig {
  let window: RunConfig['window'];
  try {
    window = toDialWindow({ schedules: c.schedules, local_start_time: c.local_start_time, local_end_time: c.local_end_time });
  } catch {
    window = { kind: 'always' };
  }
  return {
    campaign_uuid: c.campaign_uuid,
    domain_uuid: c.domain_uuid,
    campaign_name: c.campaign_name,
    status: c.status,
    concurrent_call: c.concurrent_call ?? 0,
    network: networkCaps(c.network),
    window,
    time_zone,
    hopper: c.hopper > 0 ? c.hopper : DEFAULT_HOPPER,
    priority_recall: c.priority_recall ?? '',
    customer_order: c.customer_order ?? '',
    carrier_cps: Object.fromEntries(carriers.map((k) => [k.carrier_uuid, k.cps ?? 0])),
  };
}

/** A claimed lead as the run holds it, with what its first attempt needs (no read per call). */
function leadRefOf(l: LeadDoc, carrier_uuid: string, now: number, claim: string | undefined): LeadRef {
  const max_attempts = leadMaxAttempts(l.param);
  return {
    lead_uuid: l.lead_uuid,
    network: (l.network || 'offnet') as NetworkName,
    carrier_uuid,
    readyAt: now,
    masked: l.masked,
    ...(claim ? { claim } : {}),
    lead: {
      phone_number: l.phone_number,
      phones: l.phones,
      network: l.network,
      masked: l.masked,
      next_call_id: l.next_call_id,
      attempts: l.attempts,
      first_attempt_at: l.first_attempt_at ? l.first_attempt_at.getTime() : null,
      ...(max_attempts ? { max_attempts } : {}),
    },
  };
}
