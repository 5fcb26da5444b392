// POST /v1/campaign/{uuid}/run/start|pause|stop (API.md §2): the campaign's run workflow
// (`campaign-run:<uuid>`) is started (signal-with-start semantics: start it when none runs, else
// signal `resume`), paused or stopped, and the campaign's `status` (and `run_id` on a new run) is
// written to MongoDB. Body `{}` → `{"campaign_uuid"}`; unknown or another tenant's → 404.
import { createRoute, z } from '@hono/zod-openapi';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { getCampaign, updateCampaign } from '../../storage/campaigns.ts';
import {
  campaignRunWorkflowId,
  pauseSignal,
  resumeSignal,
  stopSignal,
  type CampaignRunInput,
} from '../../workflows/contract.ts';
import type { CampaignDoc } from '../../domain/campaign.ts';
import type { App, AppDeps } from '../types.ts';
import { ApiError } from '../errors.ts';
import { CampaignRef, ErrorBody, UuidParam } from '../v3/schemas.ts';

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const err = (description: string) => json(ErrorBody, description);
const tags = ['v1 autocall'];
const EmptyBody = z.object({}).passthrough().openapi('EmptyBody', { example: {} });

const route = (action: 'start' | 'pause' | 'stop', summary: string) =>
  createRoute({
    method: 'post',
    path: `/v1/campaign/{uuid}/run/${action}`,
    tags,
    summary,
    request: { params: UuidParam, body: { required: false, content: { 'application/json': { schema: EmptyBody } } } },
    responses: {
      200: json(CampaignRef, 'done'),
      404: err('{"error":"Not Found"}'),
      401: err('missing or invalid bearer token'),
      503: err('Temporal is not reachable'),
    },
  });

const notFound = () => new ApiError(404, { error: 'Not Found' });

export function temporalOf(deps: AppDeps): Client {
  if (!deps.temporal) throw new ApiError(503, { error: 'the workflow engine is not available' });
  return deps.temporal;
}

/** Signal the campaign's run if one is open (no run: nothing to tell). */
export async function notifyRun(client: Client | undefined, campaign_uuid: string, signal: 'configChanged' | 'leadsAdded' | 'pause' | 'stop'): Promise<void> {
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
export async function startCampaignRun(deps: AppDeps, domain_uuid: string, doc: Pick<CampaignDoc, 'campaign_uuid' | 'campaign_name' | 'run_id'>): Promise<void> {
  const uuid = doc.campaign_uuid;
  const client = temporalOf(deps);
  let run_id = doc.run_id;
  const input: CampaignRunInput = { campaign_uuid: uuid, domain_uuid, ...(deps.engineOptions ? { options: deps.engineOptions } : {}) };
  try {
    const h = await client.workflow.start('campaignRunWorkflow', {
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      workflowId: campaignRunWorkflowId(uuid),
      args: [input],
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
  await updateCampaign(deps.db, domain_uuid, uuid, { status: 'start', ...(run_id ? { run_id } : {}) } as never);
}

/** Pause or stop the campaign's run (no run open: only the status is written); null = not the tenant's. */
export async function setCampaignRunStatus(deps: AppDeps, domain_uuid: string, uuid: string, action: 'pause' | 'stop'): Promise<CampaignDoc | null> {
  const doc = await updateCampaign(deps.db, domain_uuid, uuid, { status: action } as never);
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

export function mountRun(app: App): void {
  app.openapi(route('start', 'Start (or resume) dialing an autocall campaign'), async (c) => {
    const deps = c.get('deps');
    const tenant = c.get('tenant');
    const { uuid } = c.req.valid('param');
    const doc = await getCampaign(deps.db, tenant.domain_uuid, uuid);
    if (!doc) throw notFound();
    await startCampaignRun(deps, tenant.domain_uuid, doc);
    return c.json({ campaign_uuid: uuid }, 200);
  });

  for (const action of ['pause', 'stop'] as const) {
    app.openapi(route(action, action === 'pause' ? 'Pause dialing (calls up finish)' : 'Stop the run (calls up finish; claimed leads go back)'), async (c) => {
      const deps = c.get('deps');
      const tenant = c.get('tenant');
      const { uuid } = c.req.valid('param');
      if (!(await setCampaignRunStatus(deps, tenant.domain_uuid, uuid, action))) throw notFound();
      return c.json({ campaign_uuid: uuid }, 200);
    });
  }
}
