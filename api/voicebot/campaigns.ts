// The voice-bot API (docs/api-contract.md §4): POST /api/campaign/create clones a template campaign
// (named by its integer id, storage/campaign-ids.ts), imports the phones as leads and starts it.
// Answers are always the vendor's envelope:
//   {"status":1,"error":0,"msg":"success","data":<new campaign id>}                     HTTP 200
//   {"status":0,"error":201,"msg":"…","data":"-1"}  invalid parameters (also malformed JSON)  HTTP 200
//   {"status":0,"error":400,"msg":"…","data":"-1"}  any other refusal                        HTTP 200
//   {"status":0,"error":400,"msg":"…","data":"-1"}  a server fault (store, Temporal down)     HTTP 500
// The body is parsed here (not by the shared JSON middleware) so that bad JSON answers in this shape.
// The new campaign's calls are POSTed to its callback_url (cloned from the template) in the two
// voice-bot webhook shapes (callbacks/payload.ts).
import { createHash } from 'node:crypto';
import { dependencyDown, RETRY_AFTER_S } from '../../control/errors.ts';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { startCampaignRun } from '../../control/run.ts';
import type { CampaignDoc } from '../../domain/campaign.ts';
import { parsePhone } from '../../domain/phone.ts';
import { audioFileProblem, paramProblems } from '../../media/import-check.ts';
import { DuplicateNameError } from '../../storage/campaigns.ts';
import { templates } from '../../storage/directory.ts';
import { buildLead, nextOrder, voiceBotLeadId, type LeadDoc } from '../../storage/leads.ts';
import { insertLeads } from '../../storage/v2-queues.ts';
import { campaignByIntegerId, campaignOfRequest, cloneTemplateCampaign, ensureCampaignId } from '../../storage/voicebot.ts';
import type { App, AppEnv } from '../types.ts';
import { jsonProblem, parseJsonLenient } from '../validation.ts';
import { ErrorBody } from '../v3/schemas.ts';
import { callbackUrlProblems } from '../v3/campaigns.ts';

/** The create path under /api (index.ts). */
export const VOICEBOT_CREATE_PATH = '/campaign/create';
/** Most phones one request may carry. */
export const MAX_PHONES = 100_000;
/** Largest `numberCall` accepted (attempts for one lead). */
export const MAX_NUMBER_CALL = 100;

// ---------------------------------------------------------------- schemas (OpenAPI only: checked by hand below)

const Field = z.object({
  key: z.string().openapi({ example: 'phone' }),
  value: z.union([z.string(), z.number()]).openapi({ example: '0366255xxx' }),
});
const CreateBody = z
  .object({
    vbotId: z
      .union([z.string(), z.number()])
      .openapi({ description: "the customer's VBot id (stored on the campaign)", example: '44634xxxx' }),
    groupCode: z.string().openapi({ description: 'group (project) code (stored on the campaign)', example: 'PR20230307144xxxxx' }),
    campaignId: z.union([z.int(), z.string()]).openapi({ description: 'integer id of the template campaign', example: 2932 }),
    name: z.string().openapi({ description: 'name of the new campaign (unique per tenant)', example: 'campaign_name_new' }),
    phones: z.array(z.object({ fields: z.array(Field) })).openapi({
      description:
        'one entry per lead; field keys: `phone` (required), `description`, `numberCall` (number of call attempts for this lead), any template field',
    }),
  })
  .openapi('VoiceBotCreate', {
    example: {
      vbotId: '44634xxxx',
      groupCode: 'PR20230307144xxxxx',
      campaignId: 2932,
      name: 'campaign_name_new',
      phones: [
        {
          fields: [
            { key: 'phone', value: '0366255xxx' },
            { key: 'name', value: 'Nguyễn Văn x' },
          ],
        },
      ],
    },
  });
const Envelope = z
  .object({ status: z.number(), error: z.number(), msg: z.string(), data: z.union([z.number(), z.string()]) })
  .openapi('VoiceBotResult', { example: { status: 1, error: 0, msg: 'success', data: 1 } });

const route = createRoute({
  method: 'post',
  path: VOICEBOT_CREATE_PATH,
  tags: ['voice-bot'],
  summary: 'Clone a template campaign (by integer id), import the phones as leads and start dialing',
  request: { body: { required: true, content: { 'application/json': { schema: CreateBody } } } },
  responses: {
    200: {
      content: { 'application/json': { schema: Envelope } },
      description:
        '{"status":1,"error":0,"msg":"success","data":<new campaign id>}; or {"status":0,"error":201,"msg":"…","data":"-1"} (invalid parameters, malformed JSON) / error 400 (other refusals)',
    },
    401: { content: { 'application/json': { schema: ErrorBody } }, description: 'missing or invalid bearer token (the shared shape)' },
    500: {
      content: { 'application/json': { schema: Envelope } },
      description: '{"status":0,"error":400,"msg":"…","data":"-1"}: a server fault',
    },
    503: {
      content: { 'application/json': { schema: Envelope } },
      description:
        '{"status":0,"error":400,"msg":"the store is not available; retry later: …","data":"-1"} with Retry-After: a dependency is down. Safe to send the same request again (it answers the campaign it made)',
    },
  },
});

// ---------------------------------------------------------------- answers

type Ctx = Context<AppEnv>;
const success = (c: Ctx, id: number) => c.json({ status: 1, error: 0, msg: 'success', data: id }, 200);
const fail = (c: Ctx, error: 201 | 400, msg: string, http: 200 | 500 | 503 = 200) => c.json({ status: 0, error, msg, data: '-1' }, http);

/** A parameter problem: answered `error 201`. */
class Invalid extends Error {}

// ---------------------------------------------------------------- parsing

export interface CreateRequest {
  vbotId: string;
  groupCode: string;
  campaignId: number;
  name: string;
  phones: Array<{ phone: string; param: Record<string, string | number> }>;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
// eslint-disable-next-line no-control-regex -- a NUL in a key is what it refuses
const BAD_KEY = /^\$|\.|\u0000/;
/** A string of digits as its number; anything else unchanged (checked by the caller). */
const digitsAsNumber = (v: unknown): unknown => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v);

function str(body: Record<string, unknown>, key: string, max = 255): string {
  const v = body[key];
  if (v === undefined || v === null) throw new Invalid(`${key} is required`);
  const s = typeof v === 'number' && Number.isFinite(v) ? String(v) : typeof v === 'string' ? v.trim() : null;
  if (s === null) throw new Invalid(`${key} must be a string`);
  if (!s) throw new Invalid(`${key} must not be empty`);
  if (s.length > max) throw new Invalid(`${key} is longer than ${max} characters`);
  return s;
}

/** The request, checked; throws Invalid (error 201) naming the first problem. */
export function parseCreate(body: unknown): CreateRequest {
  if (!isObject(body)) throw new Invalid('the body must be a JSON object');
  const vbotId = str(body, 'vbotId');
  const groupCode = str(body, 'groupCode');
  const rawId = body.campaignId;
  if (rawId === undefined || rawId === null) throw new Invalid('campaignId is required');
  const campaignId = digitsAsNumber(rawId);
  if (typeof campaignId !== 'number' || !Number.isSafeInteger(campaignId) || campaignId < 1)
    throw new Invalid('campaignId must be a positive integer');
  const name = str(body, 'name');
  const phones = body.phones;
  if (phones === undefined || phones === null) throw new Invalid('phones is required');
  if (!Array.isArray(phones)) throw new Invalid('phones must be a list');
  if (phones.length === 0) throw new Invalid('phones must not be empty');
  if (phones.length > MAX_PHONES) throw new Invalid(`phones has more than ${MAX_PHONES} entries`);
  const out = phones.map((p, i) => {
    const at = `phones[${i}]`;
    if (!isObject(p)) throw new Invalid(`${at} must be an object with fields`);
    if (!Array.isArray(p.fields)) throw new Invalid(`${at}.fields is required (a list of {key, value})`);
    const param: Record<string, string | number> = {};
    p.fields.forEach((f, j) => {
      const fat = `${at}.fields[${j}]`;
      if (!isObject(f)) throw new Invalid(`${fat} must be {key, value}`);
      if (typeof f.key !== 'string' || !f.key.trim()) throw new Invalid(`${fat}.key is required`);
      const key = f.key.trim();
      if (BAD_KEY.test(key) || key.length > 100) throw new Invalid(`${fat}.key "${key}" is not a valid field name`);
      if (f.value === undefined || f.value === null) throw new Invalid(`${fat}.value is required`);
      if (typeof f.value !== 'string' && !(typeof f.value === 'number' && Number.isFinite(f.value)))
        throw new Invalid(`${fat}.value must be a string`);
      if (typeof f.value === 'string' && f.value.length > 10_000) throw new Invalid(`${fat}.value is too long`);
      if (Object.prototype.hasOwnProperty.call(param, key)) throw new Invalid(`${at}: field "${key}" is given twice`);
      param[key] = f.value;
    });
    const phone = param.phone;
    if (phone === undefined || String(phone).trim() === '') throw new Invalid(`${at} has no phone field`);
    if (!parsePhone(String(phone)).ok) throw new Invalid(`${at}: "${phone}" is not a valid phone number`);
    if (param.numberCall !== undefined) {
      const n = digitsAsNumber(param.numberCall);
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_NUMBER_CALL)
        throw new Invalid(`${at}: numberCall must be an integer from 1 to ${MAX_NUMBER_CALL}`);
      param.numberCall = n;
    }
    return { phone: String(phone).trim(), param };
  });
  return { vbotId, groupCode, campaignId, name, phones: out };
}

/** What identifies a create request: a retry of it has the same fingerprint. */
function fingerprint(req: CreateRequest): string {
  return createHash('sha256')
    .update(JSON.stringify([req.campaignId, req.name, req.vbotId, req.groupCode, req.phones]))
    .digest('hex');
}

// ---------------------------------------------------------------- the route

export function mountVoiceBot(app: App): void {
  app.openAPIRegistry.registerPath(route);

  app.post(VOICEBOT_CREATE_PATH, async (c) => {
    const deps = c.get('deps');
    const tenant = c.get('tenant');
    let req: CreateRequest;
    try {
      const text = await c.req.text();
      if (text.trim() === '') throw new Invalid('request body is empty: expected a JSON object');
      const v = parseJsonLenient(text);
      if (!v.ok) throw new Invalid(jsonProblem(v));
      req = parseCreate(v.value);
    } catch (err) {
      if (err instanceof Invalid) return fail(c, 201, err.message);
      throw err;
    }
    try {
      const template = await campaignByIntegerId(deps.db, tenant.domain_uuid, req.campaignId);
      if (!template) return fail(c, 201, `campaignId ${req.campaignId} is not a campaign of this account`);
      if (template.type === 'inbound' || template.type === 'manual')
        return fail(c, 400, `campaign ${req.campaignId} is ${template.type}: only autocall/autodialer campaigns can be cloned and run`);
      // The clone copies the template's callback URLs: one saved before they were checked on write
      // and that can never be delivered is refused (error 400, nothing created) rather than cloned
      // into a campaign whose every webhook fails.
      const urls = callbackUrlProblems(deps.config, template as unknown as Record<string, unknown>);
      if (urls.length) {
        const [field, problem] = Object.entries(urls[0]!)[0]!;
        return fail(c, 400, `campaign ${req.campaignId}: ${field} ${problem}; correct it with PUT /v3/campaign/${template.campaign_uuid}`);
      }
      if (template.template_uuid) {
        // What each call will play must be playable (media/import-check.ts): else 201, nothing created.
        const script = await templates(deps.db).get(tenant.domain_uuid, template.template_uuid);
        if (!script) return fail(c, 201, `template_uuid ${template.template_uuid} of campaign ${req.campaignId} not found`);
        const audio = audioFileProblem(deps.config, template.type_autocall, script);
        if (audio) return fail(c, 201, audio);
        for (const [i, p] of req.phones.entries()) {
          const problems = paramProblems(template.type_autocall, script, p.param);
          if (problems.length) return fail(c, 201, `phones[${i}]: ${problems.map((x) => Object.values(x)[0]).join('; ')}`);
        }
      }
      // A re-post of a request whose answer the client never got finds the campaign it made and
      // finishes the job: the same leads (ids from their place in the request), the run started.
      const request = fingerprint(req);
      let created: CampaignDoc;
      try {
        created = await cloneTemplateCampaign(deps.db, tenant.domain_uuid, template, {
          name: req.name,
          vbot_id: req.vbotId,
          group_code: req.groupCode,
          request,
        });
      } catch (err) {
        if (!(err instanceof DuplicateNameError)) throw err;
        const prior = await campaignOfRequest(deps.db, tenant.domain_uuid, req.name, request);
        if (!prior) return fail(c, 201, `name "${req.name}" is already taken`);
        created = prior;
      }
      const base = nextOrder();
      const now = new Date();
      const leads: LeadDoc[] = req.phones.map((p, i) => {
        const lead = buildLead(
          {
            domain_uuid: tenant.domain_uuid,
            campaign_uuid: created.campaign_uuid,
            phone_number: p.phone,
            param: p.param,
            source: 'voice_bot',
          },
          now,
        );
        const id = voiceBotLeadId(created.campaign_uuid, i);
        return { ...lead, _id: id, lead_uuid: id, order: base + i };
      });
      // Leads first, then the run: its hopper pulls them from the store. A campaign paused or
      // stopped since its creation stays so.
      await insertLeads(deps.db, leads);
      if (created.status === '' || created.status === 'start') await startCampaignRun(deps, tenant.domain_uuid, created);
      created.campaign_id ??= await ensureCampaignId(deps.db, created);
      deps.logger.info(
        { campaign_uuid: created.campaign_uuid, campaign_id: created.campaign_id, template: template.campaign_uuid, leads: leads.length },
        'voice-bot campaign created',
      );
      return success(c, created.campaign_id!);
    } catch (err) {
      const down = dependencyDown(err);
      deps.logger[down ? 'warn' : 'error']({ err, path: c.req.path }, 'voice-bot create failed');
      if (down) {
        c.header('Retry-After', String(RETRY_AFTER_S));
        return fail(c, 400, `${down}: nothing was lost, send the same request again`, 503);
      }
      return fail(c, 400, 'internal error: the campaign could not be created or started (try again)', 500);
    }
  });
}
