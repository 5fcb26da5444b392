// The originate's application for one lead (activities/dial.ts, on every first send of an
// attempt). Campaign without a template → `&park()` (as today);
// otherwise the template's content for the lead's `param` (media/playback.ts), its texts
// synthesised (cached) and served where FreeSWITCH fetches them (media/audio-url.ts).
// A template that became unplayable after the import (deleted, a value removed, an audio_file or
// digits option the rules of media/audio-rules.ts refuse, its audio gone or not fetchable) throws
// ContentError: the caller should fail the attempt rather than place a silent call.
import type { Db } from 'mongodb';
import type { Config } from '../config/index.ts';
import { getCampaign } from '../storage/campaigns.ts';
import { templates } from '../storage/directory.ts';
import { leadsOf } from '../storage/leads.ts';
import { assertPlayable, callApplication, ContentError } from './playback.ts';
import type { Tts } from './tts.ts';
import { audioLocation } from './audio-url.ts';
import { DEFAULT_ABANDON_MESSAGE, getQueueSettings } from '../storage/queue-settings.ts';
import { queueName } from '../telephony/callcenter.ts';

export const PARK = '&park()';

export async function originateApplication(
  deps: { db: Db; config: Config; tts: Tts },
  input: { domain_uuid: string; campaign_uuid: string; lead_uuid: string },
): Promise<string> {
  const campaign = await getCampaign(deps.db, input.domain_uuid, input.campaign_uuid);
  if (campaign?.type === 'autodialer') return autodialerApplication(deps, campaign.campaign_uuid);
  if (!campaign?.template_uuid) return PARK;
  const [template, lead] = await Promise.all([
    templates(deps.db).get(input.domain_uuid, campaign.template_uuid),
    leadsOf(deps.db).findOne({ _id: input.lead_uuid }, { projection: { param: 1 } }),
  ]);
  if (!template) throw new ContentError('unknown_template', `template_uuid ${campaign.template_uuid} not found`);
  return callApplication(deps, campaign.type_autocall, template, lead?.param ?? {}, { domain_uuid: input.domain_uuid });
}

/**
 * An autodialer call: the answered customer goes into the campaign's mod_callcenter queue; if they
 * leave it without an agent (the queue's max-wait-time, no agent logged in), the application
 * returns and the abandon message plays before the hang-up. After a bridge the channel is already
 * gone, so the message never follows a conversation. FreeSWITCH's inline dialplan: `app:arg,…`.
 */
async function autodialerApplication(deps: { db: Db; config: Config; tts: Tts }, campaign_uuid: string): Promise<string> {
  const settings = await getQueueSettings(deps.db, campaign_uuid);
  const spoken = await deps.tts.synthesize(settings.abandon_message || DEFAULT_ABANDON_MESSAGE);
  const message = audioLocation(deps.config, spoken.contentHash);
  assertPlayable(message, 'abandon message');
  return `callcenter:${queueName(campaign_uuid)},playback:${message},hangup inline`;
}

/**
 * The file a voicemail message plays after the beep (campaign `amd: leave_message`): the content's
 * file — `&playback(<file>)`'s argument, or play_and_get_digits' prompt (its 6th argument; a machine
 * presses no key). Null for content with no message of its own (park, the autodialer's queue): such
 * a call is hung up at the beep.
 */
export function voicemailMessage(app: string): string | null {
  const play = /^&playback\(([^()\s]+)\)$/.exec(app);
  if (play) return play[1]!;
  const digits = /^'&play_and_get_digits\(([^()]*)\)'$/.exec(app);
  const prompt = digits?.[1]!.split(' ')[5];
  return prompt && !/[\s,'"]/.test(prompt) ? prompt : null;
}
