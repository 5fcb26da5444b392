// Activities of a campaign run: its configuration, the hopper (claiming leads from MongoDB) and
// handing claimed leads to their lead workflows.
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Db } from 'mongodb';
import { toDialWindow } from '../domain/schedule.ts';
import { networkCaps, type CampaignDoc } from '../domain/campaign.ts';
import { campaignsOf } from '../storage/campaigns.ts';
import { carriersOf, type CarrierDoc } from '../storage/directory.ts';
import { claimLeads as claim, leadMaxAttempts, leadsOf, unclaimLeads as unclaim } from '../storage/leads.ts';
import { DEFAULT_TIME_ZONE, tenantsOf } from '../storage/tenants.ts';
import { leadWorkflowId, type EngineOptions, type LeadInput, type LeadRef, type NetworkName, type RunConfig } from '../workflows/contract.ts';
import type { ActivityDeps } from './index.ts';

/** Default hopper when the campaign has none (autocall campaigns usually leave it 0). */
export const DEFAULT_HOPPER = 100;

/**
 * The carrier a number goes out on: the campaign's carrier when it serves the number's network
 * (an empty `networks` list serves all), else the tenant's first other carrier that does, else the
 * campaign's carrier anyway (the carrier decides), else none.
 */
export function chooseCarrier(carriers: CarrierDoc[], preferred: string, network: string): CarrierDoc | undefined {
  const serves = (c: CarrierDoc) => !c.networks?.length || c.networks.includes(network as NetworkName);
  const own = carriers.find((c) => c.carrier_uuid === preferred);
  if (own && serves(own)) return own;
  const other = [...carriers].sort((a, b) => a.carrier_name.localeCompare(b.carrier_name)).find(serves);
  return other ?? own;
}

export async function tenantCarriers(db: Db, domain_uuid: string): Promise<CarrierDoc[]> {
  return carriersOf(db).find({ domain_uuid }).toArray();
}

export function temporalClient(deps: ActivityDeps): Client {
  return deps.temporal ?? Context.current().client;
}

export function createLeadActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    /** The campaign as the run needs it; null when it no longer exists. */
    async loadRunConfig(input: { campaign_uuid: string; domain_uuid: string }): Promise<RunConfig | null> {
      const c: CampaignDoc | null = await campaignsOf(db).findOne({ _id: input.campaign_uuid, domain_uuid: input.domain_uuid });
      if (!c) return null;
      const tenant = await tenantsOf(db).findOne({ _id: input.domain_uuid });
      const carriers = await tenantCarriers(db, input.domain_uuid);
      let window: RunConfig['window'];
      try {
        window = toDialWindow({ schedules: c.schedules as never, local_start_time: c.local_start_time, local_end_time: c.local_end_time });
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
        time_zone: tenant?.time_zone ?? DEFAULT_TIME_ZONE,
        hopper: c.hopper > 0 ? c.hopper : DEFAULT_HOPPER,
        priority_recall: c.priority_recall ?? '',
        customer_order: c.customer_order ?? '',
        carrier_cps: Object.fromEntries(carriers.map((k) => [k.carrier_uuid, k.cps ?? 0])),
      };
    },

    /** Claim up to `limit` new leads in dial order (new → queued). */
    async claimLeads(input: { campaign_uuid: string; domain_uuid: string; limit: number; descending: boolean; token?: string }): Promise<LeadRef[]> {
      const campaign = await campaignsOf(db).findOne({ _id: input.campaign_uuid }, { projection: { carrier_uuid: 1 } });
      const carriers = await tenantCarriers(db, input.domain_uuid);
      const leads = await claim(db, input.campaign_uuid, input.limit, input.descending, input.token);
      const now = Date.now();
      return leads.map((l) => ({
        lead_uuid: l.lead_uuid,
        network: (l.network || 'offnet') as NetworkName,
        carrier_uuid: chooseCarrier(carriers, campaign?.carrier_uuid ?? '', l.network)?.carrier_uuid ?? '',
        readyAt: now,
        masked: l.masked,
        lead: {
          phone_number: l.phone_number,
          phones: l.phones,
          network: l.network,
          masked: l.masked,
          next_call_id: l.next_call_id,
          attempts: l.attempts,
          first_attempt_at: l.first_attempt_at ? l.first_attempt_at.getTime() : null,
          ...(leadMaxAttempts(l.param) ? { max_attempts: leadMaxAttempts(l.param)! } : {}),
        },
      }));
    },

    /** Give claimed, never-started leads back (queued → new). */
    async unclaimLeads(input: { lead_uuids: string[] }): Promise<number> {
      return unclaim(db, input.lead_uuids);
    },

    /** A lead goes back to `new` (its run stopped before it could dial again). */
    async parkLead(input: { lead_uuid: string }): Promise<void> {
      const lead = await leadsOf(db).findOne({ _id: input.lead_uuid }, { projection: { status: 1 } });
      if (lead?.status !== 'queued' && lead?.status !== 'waiting_recall') return;
      await leadsOf(db).updateOne({ _id: input.lead_uuid }, { $set: { status: 'new', claim: '', updated_at: new Date() } });
    },

    /**
     * Start the lead workflows of granted leads (each already holds its slot). Idempotent: an
     * existing running workflow with the id is the one a previous try started.
     */
    async startLeads(input: {
      leads: Array<LeadRef & { masked?: string }>;
      campaign_uuid: string;
      domain_uuid: string;
      campaign_name: string;
      run_id?: string;
      /** When the run granted the slots (workflow time). */
      granted_at?: number;
      options?: EngineOptions;
    }): Promise<number> {
      const client = temporalClient(deps);
      const taskQueue = Context.current().info.taskQueue;
      await Promise.all(
        input.leads.map(async (l) => {
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
            await client.workflow.start('leadWorkflow', {
              taskQueue,
              workflowId: leadWorkflowId(l.lead_uuid),
              args,
              workflowIdReusePolicy: 'ALLOW_DUPLICATE',
              workflowIdConflictPolicy: 'USE_EXISTING',
              searchAttributes: { CampaignUuid: [input.campaign_uuid], TenantUuid: [input.domain_uuid], LeadStatus: ['dialing'] },
              memo: { campaign_name: input.campaign_name, number: l.masked ?? '' },
            });
          } catch (err) {
            if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          }
        }),
      );
      return input.leads.length;
    },
  };
}
