// POST /v1/campaign/{uuid}/run/start|pause|stop (docs/api-contract.md §2): the campaign's run workflow
// (`campaign-run:<uuid>`) is started (signal-with-start semantics: start it when none runs, else
// signal `resume`), paused or stopped, and the campaign's `status` (and `run_id` on a new run) is
// written to MongoDB (control/run.ts). Body `{}` → `{"campaign_uuid"}`; unknown or another tenant's → 404.
import { createRoute, z } from '@hono/zod-openapi';
import { setCampaignRunStatus, startCampaignRun } from '../../control/run.ts';
import { getCampaign } from '../../storage/campaigns.ts';
import type { App } from '../types.ts';
import { ApiError } from '../errors.ts';
import { CampaignRef, ErrorBody, UuidParam } from '../v3/schemas.ts';

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const err = (description: string) => json(ErrorBody, description);
const tags = ['v1 autocall'];
const EmptyBody = z.object({}).passthrough().openapi('EmptyBody', { example: {} });

const route = (action: 'start' | 'pause' | 'stop', summary: string) =>
  createRoute({
    method: 'post',
    path: `/campaign/{uuid}/run/${action}`,
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
    app.openapi(
      route(action, action === 'pause' ? 'Pause dialing (calls up finish)' : 'Stop the run (calls up finish; claimed leads go back)'),
      async (c) => {
        const deps = c.get('deps');
        const tenant = c.get('tenant');
        const { uuid } = c.req.valid('param');
        if (!(await setCampaignRunStatus(deps, tenant.domain_uuid, uuid, action))) throw notFound();
        return c.json({ campaign_uuid: uuid }, 200);
      },
    );
  }
}
