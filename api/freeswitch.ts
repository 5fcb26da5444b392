// POST /freeswitch/cdr: FreeSWITCH's call detail records (mod_json_cdr), the durable copy of each
// leg's outcome (storage/cdrs.ts) that reconciliation reads when a hangup event was missed. Called
// by FreeSWITCH, not by tenants: HTTP Basic with FREESWITCH_HTTP_PASSWORD (any user name); off
// (404) when that is unset. mod_json_cdr posts BEFORE it fires CHANNEL_HANGUP_COMPLETE and waits
// for the answer, so this answers at once: one insert, nothing else. A body that is not one of our
// calls is accepted and dropped (FreeSWITCH would retry, then write it to its error directory).
//
// POST /freeswitch/xml: mod_xml_curl's configuration gateway (deploy/freeswitch/xml_curl.conf.xml),
// same password. mod_callcenter asks for `callcenter.conf` with `CC-Queue=<q>` when it loads a queue
// (`queue load`, `tier add`, `&callcenter(q)`): an autodialer campaign's queue (`campaign-<uuid>`)
// is answered with that one queue (telephony/callcenter.ts queueConfigXml, the campaign's strategy
// and queue settings); anything else gets mod_xml_curl's "not found", so FreeSWITCH falls back to
// its own XML. FreeSWITCH waits for the answer (the `&callcenter()` of an answered customer too):
// campaign lookups come from memory after the first (storage/campaign-cache.ts).
import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import type { Db } from 'mongodb';
import { parseJsonCdr } from '../telephony/cdr.ts';
import { campaignOfQueue, NOT_FOUND_XML, queueConfigXml } from '../telephony/callcenter.ts';
import { storeCdr } from '../storage/cdrs.ts';
import { tenantCampaigns } from '../storage/campaign-cache.ts';
import { campaignsOf } from '../storage/campaigns.ts';
import { getQueueSettings } from '../storage/queue-settings.ts';
import { sendError } from './errors.ts';
import type { App, AppEnv } from './types.ts';

export const CDR_PATH = '/freeswitch/cdr';
export const XML_PATH = '/freeswitch/xml';

/** Does the request carry the configured password (Basic auth, any user)? */
function authorised(c: Context<AppEnv>, password: string): boolean {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(c.req.header('authorization') ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]!, 'base64').toString('utf8');
  const pass = Buffer.from(given.slice(given.indexOf(':') + 1));
  const want = Buffer.from(password);
  return pass.length === want.length && timingSafeEqual(pass, want);
}

/** A campaign's tenant (never changes), remembered per process: the first lookup by _id alone. */
const tenantOfCampaign = new WeakMap<Db, Map<string, string>>();
async function campaignTenant(db: Db, campaign_uuid: string): Promise<string | undefined> {
  let m = tenantOfCampaign.get(db);
  if (!m) tenantOfCampaign.set(db, (m = new Map()));
  const hit = m.get(campaign_uuid);
  if (hit) return hit;
  const doc = await campaignsOf(db).findOne({ _id: campaign_uuid }, { projection: { domain_uuid: 1 } });
  if (!doc) return undefined; // not remembered: the campaign may be created later
  if (m.size >= 100_000) m.clear();
  m.set(campaign_uuid, doc.domain_uuid);
  return doc.domain_uuid;
}

/** The mod_xml_curl answer for a form FreeSWITCH posted: one of our queues, or "not found". */
export async function configurationXml(db: Db, form: Record<string, unknown>): Promise<string> {
  const field = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : '');
  if (field('section') !== 'configuration' || field('key_value') !== 'callcenter.conf') return NOT_FOUND_XML;
  const name = field('CC-Queue');
  const uuid = campaignOfQueue(name);
  if (!uuid) return NOT_FOUND_XML; // agent reload / tier reload (no CC-Queue), or a queue not ours
  const domain_uuid = await campaignTenant(db, uuid);
  if (!domain_uuid) return NOT_FOUND_XML;
  const campaign = (await tenantCampaigns(db, domain_uuid, campaignsOf(db))).byId.get(uuid);
  if (!campaign || campaign.type !== 'autodialer') return NOT_FOUND_XML;
  const s = await getQueueSettings(db, uuid);
  return queueConfigXml({
    name,
    strategy: campaign.call_center_queue_strategy || 'ring-all',
    max_wait_time: s.max_wait_time,
    max_wait_time_with_no_agent: s.max_wait_time_with_no_agent,
  });
}

export function mountFreeswitch(app: App): void {
  app.post(XML_PATH, async (c) => {
    const deps = c.get('deps');
    const password = deps.config.FREESWITCH_HTTP_PASSWORD;
    if (!password) return sendError(c, 404, 'Not Found');
    if (!authorised(c, password)) {
      c.header('WWW-Authenticate', 'Basic realm="freeswitch"');
      return sendError(c, 401, 'invalid credentials');
    }
    let form: Record<string, unknown> = {};
    try {
      form = (await c.req.parseBody()) as Record<string, unknown>;
    } catch {
      /* not a form: not found */
    }
    const xml = await configurationXml(deps.db, form);
    return c.body(xml, 200, { 'content-type': 'text/xml' });
  });

  app.post(CDR_PATH, async (c) => {
    const deps = c.get('deps');
    const password = deps.config.FREESWITCH_HTTP_PASSWORD;
    if (!password) return sendError(c, 404, 'Not Found');
    if (!authorised(c, password)) {
      c.header('WWW-Authenticate', 'Basic realm="freeswitch"');
      return sendError(c, 401, 'invalid credentials');
    }
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return sendError(c, 400, 'the body must be a JSON call detail record (mod_json_cdr)');
    }
    const cdr = parseJsonCdr(body);
    if (!cdr) return c.json({ stored: false }, 200);
    await storeCdr(deps.db, {
      _id: cdr.payload.uuid,
      call_id: cdr.payload.call_id,
      workflow_id: cdr.workflowId,
      event: cdr.payload,
      received_at: new Date(),
    });
    return c.json({ stored: true }, 200);
  });
}
