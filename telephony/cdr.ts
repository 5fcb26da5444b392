// A call detail record as FreeSWITCH's mod_json_cdr posts it (test/fixtures/real-fs/cdr-*.http):
// `POST <url>?uuid=<leg uuid>`, `Content-Type: application/json`, a JSON object whose `variables`
// hold the channel variables as strings, URL-encoded (`encode-values`, on by default:
// `lead%3Atest`, `FILE%20NOT%20FOUND`). One post per leg, sent before CHANNEL_HANGUP_COMPLETE.
// Pure: turns a body into the same payload the hangup event gives (telephony/call-events.ts).
import type { CallEventPayload } from '../workflows/contract.ts';
import { callEventOf } from './call-events.ts';

export interface ParsedCdr {
  workflowId: string;
  payload: CallEventPayload;
  /** The FreeSWITCH process that sent it. */
  coreUuid: string;
}

/** Decode one value; a value that is not valid percent-encoding is kept as it came. */
function decode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/** The call's outcome from a mod_json_cdr body, or undefined when it is not one of our calls
 *  (no `cr_lead_wf`) or not a CDR at all. */
export function parseJsonCdr(body: unknown): ParsedCdr | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const vars = (body as { variables?: unknown }).variables;
  if (!vars || typeof vars !== 'object' || Array.isArray(vars)) return undefined;
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars as Record<string, unknown>)) if (typeof v === 'string') h[`variable_${k}`] = decode(v);
  const endUs = Number(h['variable_end_uepoch']);
  const at = Number.isFinite(endUs) && endUs > 0 ? Math.round(endUs / 1000) : Date.now();
  // answer_epoch "0" means never answered (an event leaves it out).
  if (h['variable_answer_epoch'] === '0') delete h['variable_answer_epoch'];
  const ev = callEventOf('CHANNEL_HANGUP_COMPLETE', h, { uuid: h['variable_uuid'], at });
  if (!ev) return undefined;
  const core = (body as { 'core-uuid'?: unknown })['core-uuid'];
  return { ...ev, coreUuid: typeof core === 'string' ? core : '' };
}
