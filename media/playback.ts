// What an autocall plays on answer: from the campaign's `type_autocall`, its template and the
// lead's `param` to the FreeSWITCH application of the originate (`&playback(…)` or
// `&play_and_get_digits(…)`). Two pure steps and one that synthesises:
//   callContent(type, template, param) → prompts (texts to speak, files to play, pauses) + digits
//   applicationString(content, locate) → the application, given where each prompt's audio is
//   callApplication(deps, type, template, param) → synthesises the texts (media/tts.ts) and joins both
// Errors (a missing placeholder value, no audio file, no OTP code) are ContentError, so the
// import endpoints can refuse the lead instead of placing a silent call.
import type { Config } from '../config/index.ts';
import type { TypeAutocall } from '../domain/campaign.ts';
import type { DigitsOptions, TemplateContent } from '../domain/template.ts';
import { readDigits, renderTemplate } from '../domain/vietnamese.ts';
import { audioLocation } from './audio-url.ts';
import type { Tts } from './tts.ts';

export type { DigitsOptions, TemplateContent };

import { DIGITS_VARIABLE } from '../workflows/contract.ts';
/** Pause between repeats of an OTP message. */
export const REPEAT_PAUSE_MS = 700;

export type Prompt = { kind: 'tts'; text: string } | { kind: 'file'; file: string } | { kind: 'silence'; ms: number };

export interface CallContent {
  prompts: Prompt[];
  digits: DigitsOptions | null;
}

export type ContentErrorCode = 'missing_params' | 'missing_audio' | 'missing_otp' | 'empty_content' | 'unknown_template';

export class ContentError extends Error {
  override readonly name = 'ContentError';
  constructor(
    readonly code: ContentErrorCode,
    message: string,
    readonly params: string[] = [],
  ) {
    super(message);
  }
}

/** What the call plays. `type` is the campaign's type_autocall (the template's when empty). */
export function callContent(type: TypeAutocall | '', template: TemplateContent, param: Record<string, unknown>): CallContent {
  const kind = type || template.type_autocall;
  const digits = template.digits ?? null;
  if (kind === 'autocall_audio') {
    if (!template.audio_file.trim()) throw new ContentError('missing_audio', 'the template has no audio_file');
    return { prompts: [{ kind: 'file', file: template.audio_file.trim() }], digits };
  }
  let params = param;
  if (kind === 'autocall_voice_otp') {
    const code = param[template.otp_param];
    const digitsOfCode = code === null || code === undefined ? '' : readDigits(String(code));
    if (!digitsOfCode) throw new ContentError('missing_otp', `param ${template.otp_param} must hold the OTP code (digits)`, [template.otp_param]);
    // The digits, spaced: read one by one whatever the code's form (domain/vietnamese.ts reads
    // spaced digits digit by digit, where `123456` alone would be an amount).
    params = { ...param, [template.otp_param]: String(code).replace(/\D/g, '').split('').join(' ') };
  }
  const { text, missing } = renderTemplate(template.content, params);
  if (missing.length) throw new ContentError('missing_params', `missing template parameters: ${missing.join(', ')}`, missing);
  const spoken = text.replace(/\s+/g, ' ').trim();
  if (!spoken) throw new ContentError('empty_content', 'the template text is empty once rendered');
  if (kind === 'autocall_voice_otp') {
    const prompts: Prompt[] = [];
    for (let i = 0; i < Math.max(1, template.otp_repeat); i++) {
      if (i) prompts.push({ kind: 'silence', ms: REPEAT_PAUSE_MS });
      prompts.push({ kind: 'tts', text: spoken });
    }
    return { prompts, digits };
  }
  return { prompts: [{ kind: 'tts', text: spoken }], digits };
}

/** Characters that break a location in an originate: `!` separates file_string parts; quotes, parentheses and spaces split or end the application. */
export const UNPLAYABLE_CHARS = /[\s'"()!]/;

/** Where FreeSWITCH finds an `autocall_audio` file: http(s) URLs through its HTTP cache. */
export function fileLocation(file: string): string {
  return /^https?:\/\//i.test(file) ? `http_cache://${file}` : file;
}

/**
 * The originate's application. `locate` gives the playable location of a `tts` prompt (the cached
 * audio's `http_cache://` URL or path). Several prompts are joined with `file_string://a!b`.
 * Arguments with spaces (play_and_get_digits) are single-quoted, as originate splits its
 * arguments on spaces outside quotes.
 */
export function applicationString(content: CallContent, locate: (text: string) => string): string {
  const parts = content.prompts.map((p) =>
    p.kind === 'tts' ? locate(p.text) : p.kind === 'file' ? fileLocation(p.file) : `silence_stream://${p.ms}`,
  );
  if (!parts.length) throw new ContentError('empty_content', 'nothing to play');
  for (const part of parts) {
    if (UNPLAYABLE_CHARS.test(part)) throw new ContentError('missing_audio', `audio location not playable in an originate: ${part}`);
  }
  const file = parts.length === 1 ? parts[0]! : `file_string://${parts.join('!')}`;
  const d = content.digits;
  if (!d) return `&playback(${file})`;
  const args = [d.min, d.max, d.tries, d.timeout_ms, d.terminators || 'none', file, 'silence_stream://250', DIGITS_VARIABLE, d.regexp, d.digit_timeout_ms];
  return `'&play_and_get_digits(${args.join(' ')})'`;
}

/** Synthesise the texts and build the application (for the originate). */
export async function callApplication(
  deps: { tts: Tts; config: Config },
  type: TypeAutocall | '',
  template: TemplateContent,
  param: Record<string, unknown>,
): Promise<string> {
  const content = callContent(type, template, param);
  const located = new Map<string, string>();
  for (const p of content.prompts) {
    if (p.kind === 'tts' && !located.has(p.text)) {
      const r = await deps.tts.synthesize(p.text);
      located.set(p.text, audioLocation(deps.config, r.contentHash));
    }
  }
  return applicationString(content, (text) => located.get(text)!);
}
