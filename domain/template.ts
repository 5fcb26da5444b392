// A script template's content: the fields that decide what its calls play (stored on the template,
// storage/directory.ts; turned into the call's prompts by media/playback.ts) and the names of its
// `{{placeholders}}`. Pure.
import type { TypeAutocall } from './campaign.ts';
import { templatePlaceholders } from './vietnamese.ts';

/** Key presses a template asks for (FreeSWITCH `play_and_get_digits`). */
export interface DigitsOptions {
  min: number;
  max: number;
  /** Times the prompt is played when nothing valid is pressed. */
  tries: number;
  /** Wait for the first digit after the prompt, ms. */
  timeout_ms: number;
  /** Keys that end the input, e.g. `#` (`none` for none). */
  terminators: string;
  /** A valid input (FreeSWITCH regular expression), e.g. `^[12]$`. */
  regexp: string;
  /** Wait between digits, ms. */
  digit_timeout_ms: number;
}

/** The template fields that decide what is played (stored in `templates`, storage/directory.ts). */
export interface TemplateContent {
  type_autocall: TypeAutocall;
  /** Text read by text-to-speech, with `{{placeholders}}` filled from each lead's `param`. */
  content: string;
  /** Audio file played by `autocall_audio` (a path FreeSWITCH can play, or an http(s) URL). */
  audio_file: string;
  /** For `autocall_voice_otp`: the param holding the code, read digit by digit. */
  otp_param: string;
  /** How many times the OTP code is repeated. */
  otp_repeat: number;
  /** Key presses asked for after the message (play_and_get_digits); null or absent: none. */
  digits?: DigitsOptions | null;
}

/** A placeholder name the v3 API lists and accepts as `otp_param`: ASCII letters, digits and `_`. */
const PARAM_NAME = /^[A-Za-z0-9_]+$/;

/**
 * The `{{placeholders}}` of a template text that name a param (PARAM_NAME), in order of first
 * appearance: the template's `params` in the v3 API and the OTP check. Found by the same pattern
 * the call's text is rendered with (domain/vietnamese.ts), which also fills placeholders with
 * other names (`{{tên}}`, `{{due amount}}`, `{{a-b}}`); those are not listed here.
 */
export function placeholders(text: string): string[] {
  return templatePlaceholders(text).filter((name) => PARAM_NAME.test(name));
}
