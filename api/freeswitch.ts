// POST /freeswitch/cdr: FreeSWITCH's call detail records (mod_json_cdr), the durable copy of each
// leg's outcome (storage/cdrs.ts) that reconciliation reads when a hangup event was missed. Called
// by FreeSWITCH, not by tenants: HTTP Basic with FREESWITCH_HTTP_PASSWORD (any user name); off
// (404) when that is unset. mod_json_cdr posts BEFORE it fires CHANNEL_HANGUP_COMPLETE and waits
// for the answer, so this answers at once: one insert, nothing else. A body that is not one of our
// calls is accepted and dropped (FreeSWITCH would retry, then write it to its error directory).
import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { parseJsonCdr } from '../telephony/cdr.ts';
import { storeCdr } from '../storage/cdrs.ts';
import { sendError } from './errors.ts';
import type { App, AppEnv } from './types.ts';

export const CDR_PATH = '/freeswitch/cdr';

/** Does the request carry the configured password (Basic auth, any user)? */
function authorised(c: Context<AppEnv>, password: string): boolean {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(c.req.header('authorization') ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]!, 'base64').toString('utf8');
  const pass = Buffer.from(given.slice(given.indexOf(':') + 1));
  const want = Buffer.from(password);
  return pass.length === want.length && timingSafeEqual(pass, want);
}

export function mountFreeswitch(app: App): void {
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
