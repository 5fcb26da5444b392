// POST /v1/campaign/{uuid}/run/start|pause|stop (API.md §2): the campaign's run workflow
// (`campaign-run:<uuid>`) is started (signal-with-start semantics: start it when none runs, else
// signal `resume`), paused or stopped, and the campaign's `status` (and `run_id` on a new run) is
// written to MongoDB (control/run.ts). Body `{}` → `{"campaign_uuid"}`; unknown or another tenant's → 404.
//
// DECISION: the body is not read. The contract's body is `{}` and carries nothing, so any body —
// none, `{}`, malformed JSON, another content type — is accepted and ignored (a 400 for a body
// nobody reads would fail a start, pause or stop that should happen). The OpenAPI document says so
// (an optional body of any shape); these routes are exempt from the JSON body parsing (index.ts).
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { setCampaignRunStatus, startCampaignRun } from '../../control/run.ts';
import { getCampaign } from '../../storage/campaigns.ts';
import type { App, AppEnv } from '../types.ts';
import { ApiError } from '../errors.ts';
import { CampaignRef, ErrorBody } from '../v3/schemas.ts';

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const err = (description: string) => json(ErrorBody, description);
const tags = ['v1 autocall'];
const ACTIONS = ['start', 'pause', 'stop'] as const;
type Action = (typeof ACTIONS)[number];

/** Whether a request is a run command (its body is not parsed: index.ts). */
export const isRunCommand = (c: Context): boolean =>
  c.req.method === 'POST' && /\/campaign\/[^/]+\/run\/(start|pause|stop)$/.test(c.req.path);

const AnyBody = z.unknown().openapi({
  description: 'Ignored: the documented body is `{}`; any body (or none) is accepted and not read',
  example: {},
});
const RunParam = z.object({
  uuid: z.string().openapi({
    param: { name: 'uuid', in: 'path' },
    description: "the campaign; unknown, malformed or another tenant's: 404 `Not Found`",
    example: '7bbe986b-8a6e-404c-840b-781102b5aa07',
  }),
});

const route = (action: Action, summary: string) =>
  createRoute({
    method: 'post',
    path: `/campaign/{uuid}/run/${action}`,
    tags,
    summary,
    request: { params: RunParam, body: { required: false, content: { 'application/json': { schema: AnyBody } } } },
    responses: {
      200: json(CampaignRef, 'done'),
      404: err('{"error":"Not Found"}'),
      401: err('missing or invalid bearer token'),
      503: err('Temporal is not reachable'),
    },
  });

const SUMMARY: Record<Action, string> = {
  start: 'Start (or resume) dialing an autocall campaign',
  pause: 'Pause dialing (calls up finish)',
  stop: 'Stop the run (calls up finish; claimed leads go back)',
};

const notFound = () => new ApiError(404, { error: 'Not Found' });

export function mountRun(app: App): void {
  for (const action of ACTIONS) {
    // Documented with the route above; served without its body validator (the body is not read).
    app.openAPIRegistry.registerPath(route(action, SUMMARY[action]));
    app.post(`/campaign/:uuid/run/${action}`, async (c: Context<AppEnv>) => {
      const deps = c.get('deps');
      const tenant = c.get('tenant');
      const uuid = c.req.param('uuid')!;
      if (action === 'start') {
        const doc = await getCampaign(deps.db, tenant.domain_uuid, uuid);
        if (!doc) throw notFound();
        await startCampaignRun(deps, tenant.domain_uuid, doc);
      } else if (!(await setCampaignRunStatus(deps, tenant.domain_uuid, uuid, action))) throw notFound();
      return c.json({ campaign_uuid: uuid }, 200);
    });
  }
}
