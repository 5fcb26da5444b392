// POST /v3/autocall/import (docs/api-contract.md §2): store one lead and dial it promptly when the campaign runs.
// → `{"call_id","lead_uuid","message":"success"}`; `call_id` is the origination uuid of the lead's
// first call (fixed now). A number that cannot be dialed is stored as `invalid` with a call record
// (invalid-number) and never dialed. Idempotency: an `Idempotency-Key` header makes a replay of the
// same import (same tenant, campaign and key) answer the first lead instead of adding another —
// also after a first try that died midway; without the header every request adds a lead.
import { createRoute, z } from '@hono/zod-openapi';
import { getCampaign } from '../../storage/campaigns.ts';
import { callsOf, invalidCallRecord } from '../../storage/calls.ts';
import { noteForReport } from '../../storage/report.ts';
import { buildLead, importKeyLeadId, insertOrFindLead } from '../../storage/leads.ts';
import { isDuplicateKey } from '../../storage/mongo.ts';
import { scheduleCallDeliveries } from '../../callbacks/schedule.ts';
import { audioFileProblem, paramProblems } from '../../media/import-check.ts';
import { templates } from '../../storage/directory.ts';
import { notifyRun } from '../../control/run.ts';
import type { App } from '../types.ts';
import { ApiError } from '../errors.ts';
import { ErrorBody, type OpenApi31Schema } from './schemas.ts';

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });

/** Most keys one lead's `param` may have. */
export const MAX_PARAM_KEYS = 100;
/** Longest `param` key. */
export const MAX_PARAM_KEY_CHARS = 100;
/** Longest `param` string value (a value's reading is bounded again at import, media/limits.ts). */
export const MAX_PARAM_VALUE_CHARS = 10_000;
/** Largest `param` as JSON (UTF-8 bytes). */
export const MAX_PARAM_BYTES = 64 * 1024;
/** A key the store accepts and a template placeholder can name: no leading `$`, no `.`, no NUL (as regex source). */
export const PARAM_KEY_PATTERN = '^[^$.\\u0000][^.\\u0000]*$';

// Typed as an OpenAPI 3.1 schema: `propertyNames` is 3.1's (schemas.ts, OpenApi31Schema).
const paramDoc: OpenApi31Schema = {
  description:
    `The lead's values, read into the template's {{placeholders}}: a flat object of string (≤ ${MAX_PARAM_VALUE_CHARS} characters), ` +
    `number, boolean or null values; keys 1–${MAX_PARAM_KEY_CHARS} characters, no leading \`$\`, no \`.\`, no NUL; at most ` +
    `${MAX_PARAM_KEYS} keys and ${MAX_PARAM_BYTES} bytes as JSON. Else 400 in the validation list shape.`,
  propertyNames: { type: 'string', minLength: 1, maxLength: MAX_PARAM_KEY_CHARS, pattern: PARAM_KEY_PATTERN },
  maxProperties: MAX_PARAM_KEYS,
  example: { ten: 'Nguyễn Văn A', sdt: '0331111111' },
};

/**
 * One lead's values, as the v2 and voice-bot imports take them: flat (string, number, boolean or
 * null), safe keys, bounded (issue 20: `$where`, `a.b`, NUL keys and nested arrays were a 500 —
 * the store's `invalid key` — and lost the lead).
 */
export const ParamSchema = z
  .record(
    z.string().min(1).max(MAX_PARAM_KEY_CHARS).regex(new RegExp(PARAM_KEY_PATTERN)),
    z.union([z.string().max(MAX_PARAM_VALUE_CHARS), z.number(), z.boolean(), z.null()]),
  )
  .superRefine((p, ctx) => {
    const keys = Object.keys(p).length;
    if (keys > MAX_PARAM_KEYS) ctx.addIssue({ code: 'custom', path: [], message: `Must have at most ${MAX_PARAM_KEYS} properties` });
    const bytes = Buffer.byteLength(JSON.stringify(p));
    if (bytes > MAX_PARAM_BYTES)
      ctx.addIssue({ code: 'custom', path: [], message: `Must be at most ${MAX_PARAM_BYTES} bytes as JSON, given: ${bytes}` });
  })
  .openapi(paramDoc);

export const ImportBody = z
  .object({
    campaign_uuid: z.string().min(1),
    phone_number: z.string().min(1),
    param: ParamSchema,
  })
  .openapi('AutocallImport', {
    example: {
      campaign_uuid: '7bbe986b-8a6e-404c-840b-781102b5aa07',
      phone_number: '0331111111',
      param: { ten: 'Nguyễn Văn A', sdt: '0331111111' },
    },
  });

const ImportResult = z.object({ call_id: z.string(), lead_uuid: z.string(), message: z.string() }).openapi('AutocallImportResult');

const route = createRoute({
  method: 'post',
  path: '/autocall/import',
  tags: ['v3 autocall'],
  summary: "Add one lead to an autocall campaign; it is dialed by the campaign's run",
  request: {
    body: { required: true, content: { 'application/json': { schema: ImportBody } } },
    headers: z.object({ 'idempotency-key': z.string().max(200).optional() }),
  },
  responses: {
    200: json(ImportResult, 'stored'),
    400: json(
      ErrorBody,
      '{"error":[{"(root)":"campaign_uuid is required"}]}; a bad param: {"error":[{"param":"Property name of \\"$where\\" does not match: Does not match pattern \'…\'"}]}, {"error":[{"param.a":"Invalid type. Expected: string, number, boolean or null, given: array"}]}; a template value missing: {"error":[{"param":"due_amount is required"}]}; {"error":"template_uuid … not found"}, {"error":"audio_file … not found"}; a body nested deeper than 32 levels: {"error":"JSON body is nested deeper than 32 levels (arrays and objects)"}',
    ),
    401: json(ErrorBody, 'missing or invalid bearer token'),
    404: json(ErrorBody, '{"error":"Not Found"}'),
    503: json(
      ErrorBody,
      '{"error":"the store is not available; retry later"} with Retry-After: the store or the workflow engine is down. Safe to send again: with the same Idempotency-Key the retry answers the one lead it stores',
    ),
  },
});

export function mountAutocall(app: App): void {
  app.openapi(route, async (c) => {
    const deps = c.get('deps');
    const tenant = c.get('tenant');
    const b = c.req.valid('json');
    const key = c.req.header('idempotency-key');
    const campaign = await getCampaign(deps.db, tenant.domain_uuid, b.campaign_uuid.toLowerCase());
    if (!campaign) throw new ApiError(404, { error: 'Not Found' });
    if (campaign.template_uuid) {
      // What the call will play must be playable (media/import-check.ts): else a 400, no lead.
      const template = await templates(deps.db).get(tenant.domain_uuid, campaign.template_uuid);
      if (!template) throw new ApiError(400, { error: `template_uuid ${campaign.template_uuid} not found` });
      const audio = audioFileProblem(deps.config, campaign.type_autocall, template);
      if (audio) throw new ApiError(400, { error: audio });
      const problems = paramProblems(campaign.type_autocall, template, b.param);
      if (problems.length) throw new ApiError(400, { error: problems });
    }
    const built = buildLead({
      domain_uuid: tenant.domain_uuid,
      campaign_uuid: campaign.campaign_uuid,
      phone_number: b.phone_number,
      param: b.param,
      source: 'v3_import',
    });
    // With a key the lead's id is derived from it: the key is stored with the lead, in one write,
    // and a replay finds that lead (and finishes what a first try that died left undone).
    if (key) built._id = built.lead_uuid = importKeyLeadId(campaign.campaign_uuid, key);
    const { lead } = await insertOrFindLead(deps.db, built);
    if (lead.status === 'invalid') {
      const record = invalidCallRecord(lead);
      await callsOf(deps.db)
        .insertOne(record)
        .catch((err: unknown) => {
          if (!isDuplicateKey(err)) throw err;
        });
      await noteForReport(deps.db, record); // the report counts it (failed); idempotent
      await scheduleCallDeliveries(deps, record); // and its callback is sent, as for every call record; idempotent
    } else await notifyRun(deps.temporal, campaign.campaign_uuid, 'leadsAdded');
    return c.json({ call_id: lead.next_call_id, lead_uuid: lead.lead_uuid, message: 'success' }, 200);
  });
}
