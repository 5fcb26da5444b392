// Import-time checks of what a lead's call will play, so a bad lead is refused at
// `POST /v3/autocall/import` (400), goes to `fail` in the v2 queue import, or fails the voice-bot
// create (error 201), instead of placing a silent call: the campaign's template must exist, its
// audio and digits must follow the rules (media/audio-rules.ts: an uploaded audio id the tenant
// has, or an https:// URL of a public host; no `${`, nothing the originate's splitter acts on),
// every placeholder (the OTP code) must have a value, and the message must be short enough to say
// (media/limits.ts: 2,000 characters once its values are read, about 5 minutes). Audio URLs are
// not fetched here (the worker fetches them when a call is placed); no speech is synthesised here.
import type { Config } from '../config/index.ts';
import type { TypeAutocall } from '../domain/campaign.ts';
import { digitsProblems, parseAudioFile, type FieldProblem } from './audio-rules.ts';
import { callContent, ContentError, type TemplateContent } from './playback.ts';
import { hasUploadedAudio } from './upload.ts';

export type { FieldProblem };

/** The problems of one lead's `param` with the template: [] when the call can be played. */
export function paramProblems(type: TypeAutocall | '', template: TemplateContent, param: Record<string, unknown>): FieldProblem[] {
  try {
    callContent(type, template, param);
    return [];
  } catch (err) {
    if (!(err instanceof ContentError)) throw err;
    if (err.code === 'missing_params') return err.params.map((p) => ({ param: `${p} is required` }));
    if (err.code === 'missing_otp') {
      const name = template.otp_param;
      const v = param[name];
      return [
        v === undefined || v === null ? { param: `${name} is required` } : { [`param.${name}`]: 'must contain the digits of the OTP code' },
      ];
    }
    if (err.problem) return Object.entries(err.problem).map(([k, v]) => ({ [k]: v }));
    return [{ '(root)': err.message }];
  }
}

/**
 * What keeps a template from being played, whatever the lead: the message, else null. (The name
 * is historical: it checks every template field that reaches the originate.) `digits.*` options;
 * for `autocall_audio`, the audio_file rule and — for an uploaded audio id, when the template
 * carries its tenant (`domain_uuid`, as stored templates do) — that the tenant uploaded it
 * (`audio_file <id> not found`). A URL is not fetched here.
 */
export function audioFileProblem(
  config: Pick<Config, 'DATA_DIR'> & Partial<Pick<Config, 'AUDIO_FETCH_ALLOW_PRIVATE'>>,
  type: TypeAutocall | '',
  template: TemplateContent & { domain_uuid?: string },
): string | null {
  const dp = digitsProblems(template.digits);
  if (dp.length) return dp.map(([field, message]) => `${field} ${message}`).join('; ');
  if ((type || template.type_autocall) !== 'autocall_audio') return null;
  const file = String(template.audio_file ?? '').trim();
  if (!file) return 'the template has no audio_file';
  const a = parseAudioFile(file, { allowPrivate: config.AUDIO_FETCH_ALLOW_PRIVATE ?? false });
  if (!a.ok) return `audio_file ${a.problem}`;
  if (a.source.kind === 'upload' && template.domain_uuid && !hasUploadedAudio(config, template.domain_uuid, a.source.id))
    return `audio_file ${a.source.id} not found`;
  return null;
}
