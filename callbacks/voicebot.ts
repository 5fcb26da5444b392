// The voice-bot webhooks (docs/api-contract.md §4) of a campaign made by POST /api/campaign/create
// (`callback_format: 'voice_bot'`): every final call record is POSTed twice to the campaign's
// callback_url (cloned from the template campaign), as two deliveries with their own retries,
// Idempotency-Key and signature:
//   kind `cdr`      the "autocall history" shape  (event_data "autocall_history")
//   kind `history`  the "call history" shape      (event_data "call_history")
// The receiver tells them apart by the X-Callback-Kind header or the body's event_data.
import type { Db } from 'mongodb';
import { tenantTimeZone } from '../storage/tenants.ts';
import { postageOf } from '../storage/billing.ts';
import { leadsOf } from '../storage/leads.ts';
import type { CallDoc } from '../storage/calls.ts';
import type { VoiceBotContext } from './payload.ts';

const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** What the two bodies need beyond the record: the campaign's integer id, the zone, the lead's name and description (one `_id` read). */
export async function voiceBotContext(db: Db, call: CallDoc, campaign_id: number | undefined): Promise<VoiceBotContext> {
  const [time_zone, lead, postage] = await Promise.all([
    tenantTimeZone(db, call.domain_uuid),
    leadsOf(db).findOne({ _id: call.lead_uuid }, { projection: { param: 1 } }),
    postageOf(db, call),
  ]);
  const param = (lead?.param ?? {}) as Record<string, unknown>;
  return { campaign_id: campaign_id ?? 0, time_zone, name: text(param.name), description: text(param.description), postage };
}
