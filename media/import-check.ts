// Import-time checks of what a lead's call will play, so a bad lead is refused at
// `POST /v3/autocall/import` or goes to `fail` in the v2 queue import instead of placing a silent
// call: the campaign's template must exist, an `autocall_audio` file must be there (checked when
// FreeSWITCH shares our disk, AUDIO_DELIVERY=path; URLs and other machines' paths are FreeSWITCH's
// to fetch and are not probed from here), and every placeholder (the OTP code) must have a value.
// No speech is synthesised here (that happens when the call is placed).
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { Config } from '../config/index.ts';
import type { TypeAutocall } from '../domain/campaign.ts';
import { callContent, ContentError, UNPLAYABLE_CHARS, type TemplateContent } from './playback.ts';

/** One problem in the gojsonschema-like list shape: `{"param":"due_amount is required"}`. */
export type FieldProblem = Record<string, string>;

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
      return [v === undefined || v === null ? { param: `${name} is required` } : { [`param.${name}`]: 'must contain the digits of the OTP code' }];
    }
    return [{ '(root)': err.message }];
  }
}

/** A template's audio file that is known to be missing: the error message, else null. */
export function audioFileProblem(config: Pick<Config, 'AUDIO_DELIVERY'>, type: TypeAutocall | '', template: TemplateContent): string | null {
  if ((type || template.type_autocall) !== 'autocall_audio') return null;
  const file = template.audio_file.trim();
  if (!file) return 'the template has no audio_file';
  if (UNPLAYABLE_CHARS.test(file)) return `audio_file ${file} cannot be played by an originate (spaces, quotes, parentheses or ! in it)`;
  if (config.AUDIO_DELIVERY === 'path' && isAbsolute(file) && !existsSync(file)) return `audio_file ${file} not found`;
  return null;
}
