// What an autocall plays on answer: from the campaign's `type_autocall`, its template and the
// lead's `param` to the FreeSWITCH application of the originate (`&playback(…)` or
// `&play_and_get_digits(…)`). Two pure steps and one that synthesises and fetches:
//   callContent(type, template, param) → prompts (texts to speak, audio to play, pauses) + digits
//   applicationString(content, locate, locateAudio) → the application, given where each prompt's audio is
//   callApplication(deps, type, template, param) → synthesises the texts (media/tts.ts), locates
//     the audio (media/upload.ts, media/fetch-audio.ts) and joins both
// Errors (a missing placeholder value, no audio file, no OTP code, a text too long to say, an
// audio_file or digits option the rules refuse, media/audio-rules.ts) are ContentError, so the
// import endpoints can refuse the lead instead of placing a silent call, and a call of a template
// stored before the rules fails its attempt instead of dialing. Bounds: media/limits.ts.
import type { Config } from '../config/index.ts';
import type { TypeAutocall } from '../domain/campaign.ts';
import type { DigitsOptions, TemplateContent } from '../domain/template.ts';
import { readDigits, readValue, renderTemplate, templatePlaceholders } from '../domain/vietnamese.ts';
import { DIGITS_VARIABLE } from '../workflows/contract.ts';
import { maybeTrimAudioCache } from './audio-cache.ts';
import { digitsProblems, hasExpansion, parseAudioFile, UNPLAYABLE_CHARS, type AudioSource } from './audio-rules.ts';
import { audioLocation, storedAudioLocation } from './audio-url.ts';
import { AudioFetchError, audioFetcherFor, type AudioFetcher } from './fetch-audio.ts';
import { estimateSpeechMs, formatDuration, MAX_AUDIO_MS, MAX_SPOKEN_CHARS, MAX_TEMPLATE_CHARS } from './limits.ts';
import type { Tts } from './tts.ts';
import { uploadedAudio } from './upload.ts';

export type { DigitsOptions, TemplateContent };
export { UNPLAYABLE_CHARS };

/** Pause between repeats of an OTP message. */
export const REPEAT_PAUSE_MS = 700;

/** `audio`: the template's audio_file (an uploaded id or an https:// URL the product fetches, media/audio-rules.ts). */
export type Prompt = { kind: 'tts'; text: string } | { kind: 'audio'; source: AudioSource } | { kind: 'silence'; ms: number };

export interface CallContent {
  prompts: Prompt[];
  digits: DigitsOptions | null;
}

export type ContentErrorCode =
  'missing_params' | 'missing_audio' | 'missing_otp' | 'empty_content' | 'unknown_template' | 'too_long' | 'unplayable';

export class ContentError extends Error {
  override readonly name = 'ContentError';
  constructor(
    readonly code: ContentErrorCode,
    message: string,
    readonly params: string[] = [],
    /** The problem in the import's list shape (`{"param":"…"}`), when the code alone does not say it. */
    readonly problem?: Record<string, string>,
  ) {
    super(message);
  }
}

/** What the call plays. `type` is the campaign's type_autocall (the template's when empty). */
export function callContent(type: TypeAutocall | '', template: TemplateContent, param: Record<string, unknown>): CallContent {
  const kind = type || template.type_autocall;
  const digits = template.digits ?? null;
  const dp = digitsProblems(digits);
  if (dp.length)
    throw new ContentError('unplayable', `the template's ${dp.map(([f, m]) => `${f} ${m}`).join('; ')}`, [], Object.fromEntries(dp));
  if (kind === 'autocall_audio') {
    if (!String(template.audio_file ?? '').trim()) throw new ContentError('missing_audio', 'the template has no audio_file');
    // The form only: a literal address is checked with the configuration (import, fetch).
    const a = parseAudioFile(template.audio_file, { allowPrivate: true });
    if (!a.ok) throw new ContentError('unplayable', `audio_file ${a.problem}`, [], { audio_file: a.problem });
    return { prompts: [{ kind: 'audio', source: a.source }], digits };
  }
  const content = String(template.content ?? '');
  if (content.length > MAX_TEMPLATE_CHARS) {
    throw new ContentError(
      'too_long',
      `the template text is ${content.length} characters; at most ${MAX_SPOKEN_CHARS} once its values are read`,
    );
  }
  let params = param;
  if (kind === 'autocall_voice_otp') {
    const code = param[template.otp_param];
    const digitsOfCode = code === null || code === undefined ? '' : readDigits(String(code));
    if (!digitsOfCode)
      throw new ContentError('missing_otp', `param ${template.otp_param} must hold the OTP code (digits)`, [template.otp_param]);
    // The digits, spaced: read one by one whatever the code's form (domain/vietnamese.ts reads
    // spaced digits digit by digit, where `123456` alone would be an amount).
    params = { ...param, [template.otp_param]: String(code).replace(/\D/g, '').split('').join(' ') };
  }
  // Each value's reading alone first: rendering a long one into every placeholder would build a
  // text of (placeholders × value) characters before it could be measured.
  const tooLong: string[] = [];
  for (const name of templatePlaceholders(content)) {
    const v = params[name];
    if (v === null || v === undefined) continue;
    const n = readValue(v).length;
    if (n > MAX_SPOKEN_CHARS) tooLong.push(name);
  }
  if (tooLong.length) {
    throw new ContentError(
      'too_long',
      `param ${tooLong.join(', ')}: read as more than ${MAX_SPOKEN_CHARS} characters`,
      tooLong,
      Object.fromEntries(
        tooLong.map((n) => [
          `param.${n}`,
          `is read as more than ${MAX_SPOKEN_CHARS} characters; the message may be at most ${MAX_SPOKEN_CHARS}`,
        ]),
      ),
    );
  }
  const { text, missing } = renderTemplate(content, params);
  if (missing.length) throw new ContentError('missing_params', `missing template parameters: ${missing.join(', ')}`, missing);
  const spoken = text.replace(/\s+/g, ' ').trim();
  if (!spoken) throw new ContentError('empty_content', 'the template text is empty once rendered');
  if (spoken.length > MAX_SPOKEN_CHARS) {
    const message = `the message is ${spoken.length} characters once its values are read; at most ${MAX_SPOKEN_CHARS}`;
    throw new ContentError('too_long', message, [], { param: message });
  }
  const repeats = kind === 'autocall_voice_otp' ? Math.max(1, Math.min(10, Math.trunc(Number(template.otp_repeat)) || 1)) : 1;
  const estimate = repeats * estimateSpeechMs(spoken) + (repeats - 1) * REPEAT_PAUSE_MS;
  if (estimate > MAX_AUDIO_MS) {
    const message = `the message would take about ${formatDuration(estimate)} to say${repeats > 1 ? ` (${repeats} times)` : ''}; at most ${formatDuration(MAX_AUDIO_MS)}`;
    throw new ContentError('too_long', message, [], { param: message });
  }
  if (kind === 'autocall_voice_otp') {
    const prompts: Prompt[] = [];
    for (let i = 0; i < repeats; i++) {
      if (i) prompts.push({ kind: 'silence', ms: REPEAT_PAUSE_MS });
      prompts.push({ kind: 'tts', text: spoken });
    }
    return { prompts, digits };
  }
  return { prompts: [{ kind: 'tts', text: spoken }], digits };
}

/** A location or argument that reaches the originate: nothing its splitter acts on, no `${`. */
export function assertPlayable(part: string, what: string): void {
  if (UNPLAYABLE_CHARS.test(part) || hasExpansion(part))
    throw new ContentError('unplayable', `${what} not playable in an originate: ${part}`);
}

/**
 * The originate's application. `locate` gives the playable location of a `tts` prompt (the cached
 * audio's `http_cache://` URL or path), `locateAudio` that of an `audio` prompt (the product's own
 * copy: media/upload.ts, media/fetch-audio.ts). Several prompts are joined with
 * `file_string://a!b`. Arguments with spaces (play_and_get_digits) are single-quoted, as originate
 * splits its arguments on spaces outside quotes. Every part and every digits option is checked
 * again here (no `${`, nothing the splitter acts on).
 */
export function applicationString(
  content: CallContent,
  locate: (text: string) => string,
  locateAudio?: (source: AudioSource) => string,
): string {
  const parts = content.prompts.map((p) => {
    if (p.kind === 'tts') return locate(p.text);
    if (p.kind === 'silence') {
      if (!Number.isInteger(p.ms) || p.ms < 0 || p.ms > MAX_AUDIO_MS) throw new ContentError('unplayable', `silence of ${p.ms} ms`);
      return `silence_stream://${p.ms}`;
    }
    if (!locateAudio) throw new ContentError('missing_audio', 'the audio file has no location');
    return locateAudio(p.source);
  });
  if (!parts.length) throw new ContentError('empty_content', 'nothing to play');
  for (const part of parts) assertPlayable(part, 'audio location');
  const file = parts.length === 1 ? parts[0]! : `file_string://${parts.join('!')}`;
  const d = content.digits;
  if (!d) return `&playback(${file})`;
  const dp = digitsProblems(d);
  if (dp.length) throw new ContentError('unplayable', `digits: ${dp.map(([f, m]) => `${f} ${m}`).join('; ')}`);
  const args = [
    d.min,
    d.max,
    d.tries,
    d.timeout_ms,
    d.terminators || 'none',
    file,
    'silence_stream://250',
    DIGITS_VARIABLE,
    d.regexp,
    d.digit_timeout_ms,
  ].map(String);
  for (const a of args) if (hasExpansion(a)) throw new ContentError('unplayable', `argument not playable in an originate: ${a}`);
  return `'&play_and_get_digits(${args.join(' ')})'`;
}

/**
 * Synthesise the texts, locate the audio (an upload of the tenant `domain_uuid`, or the product's
 * copy of an https:// URL, fetched now when not cached) and build the application (for the
 * originate). Throws ContentError when the content cannot be played (the attempt fails, not dialed).
 */
export async function callApplication(
  deps: { tts: Tts; config: Config; audio?: AudioFetcher },
  type: TypeAutocall | '',
  template: TemplateContent & { domain_uuid?: string },
  param: Record<string, unknown>,
  opts: { domain_uuid?: string } = {},
): Promise<string> {
  const content = callContent(type, template, param);
  const located = new Map<string, string>();
  const audio = new Map<string, string>();
  let totalMs = 0;
  for (const p of content.prompts) {
    if (p.kind === 'silence') totalMs += p.ms;
    else if (p.kind === 'tts') {
      const r = await deps.tts.synthesize(p.text);
      located.set(p.text, audioLocation(deps.config, r.contentHash));
      totalMs += r.durationMs;
    } else if (p.source.kind === 'upload') {
      const domain_uuid = opts.domain_uuid ?? template.domain_uuid;
      const u = domain_uuid ? await uploadedAudio(deps.config, domain_uuid, p.source.id) : null;
      if (!u) throw new ContentError('missing_audio', `audio_file ${p.source.id} not found`);
      audio.set(p.source.id, storedAudioLocation(deps.config, { key: u.key, store: 'uploads' }));
      totalMs += u.duration_ms;
    } else {
      let f;
      try {
        f = await (deps.audio ?? audioFetcherFor(deps.config)).fetch(p.source.url);
      } catch (err) {
        if (err instanceof AudioFetchError) throw new ContentError('missing_audio', err.message);
        throw err;
      }
      audio.set(p.source.url, storedAudioLocation(deps.config, { key: f.key, ext: f.ext }));
      totalMs += f.durationMs;
    }
  }
  maybeTrimAudioCache(deps.config);
  if (totalMs > MAX_AUDIO_MS)
    throw new ContentError('too_long', `the call would play ${formatDuration(totalMs)}; at most ${formatDuration(MAX_AUDIO_MS)}`);
  return applicationString(
    content,
    (text) => located.get(text)!,
    (source) => audio.get(source.kind === 'upload' ? source.id : source.url)!,
  );
}
