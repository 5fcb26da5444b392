// The rules for what a template may put into a call (issue 20: a template's `audio_file` reached
// FreeSWITCH unchecked — `http_cache://http://169.254.169.254/…`, `file:///etc/passwd`,
// `../../../etc/shadow`, `shout://…`, `{absolute_codec_string=PCMU}/etc/passwd`, `/tmp/${cr_call_id}.wav`
// — and a `digits.regexp` of `^${cr_app}[12]$` reached the originate; FreeSWITCH expands `${…}` in
// application data and fetches `http_cache://` URLs from its own network). Pure: the API calls
// these when a template is written, the import checks (media/import-check.ts) when leads are
// imported, and media/playback.ts again when a call is placed (a template stored before the rules
// fails the attempt instead of dialing).
//
// audio_file is one of:
//   - an audio id: the 64 hex digits (sha256 of the bytes) that uploading a WAV answered
//     (media/upload.ts); the file is the tenant's own, stored under DATA_DIR/uploads;
//   - an https:// URL whose host is public (callbackUrlProblem, as for a callback URL): the
//     product fetches it (media/fetch-audio.ts: bounded size, WAV/MP3 content check, cached under
//     DATA_DIR/audio) and serves it to FreeSWITCH from its own /audio route. FreeSWITCH never
//     fetches a tenant's URL.
// Nothing else: no path, no other scheme, no `${`.
import { callbackUrlProblem } from '../callbacks/url.ts';
import type { DigitsOptions, TemplateContent } from '../domain/template.ts';
import { renderTemplate } from '../domain/vietnamese.ts';
import { estimateSpeechMs, formatDuration, MAX_AUDIO_MS, MAX_SPOKEN_CHARS, MAX_TEMPLATE_CHARS } from './limits.ts';

/** An uploaded audio file's id: sha256 of its bytes, lowercase hex. */
export const AUDIO_ID_RE = /^[0-9a-f]{64}$/;

/** Longest audio_file URL. */
export const MAX_AUDIO_URL_CHARS = 2048;

/** Where a template's audio comes from. */
export type AudioSource = { kind: 'upload'; id: string } | { kind: 'url'; url: string };

/** FreeSWITCH expands `${var}` (and `$${var}`) in application data: never let one through. */
export const hasExpansion = (s: string): boolean => s.includes('${');

/**
 * Characters the originate's argument splitter or the applications act on: whitespace and quotes
 * split or quote arguments, parentheses end the application, `!` separates file_string parts.
 */
export const UNPLAYABLE_CHARS = /[\s'"()!]/;

export interface AudioRuleOptions {
  /** Allow a URL whose literal host is a non-public address (AUDIO_FETCH_ALLOW_PRIVATE). Default false. */
  allowPrivate?: boolean;
}

/** The source an audio_file names, or what is wrong with it (a message without the field name). */
export function parseAudioFile(
  raw: string,
  opts: AudioRuleOptions = {},
): { ok: true; source: AudioSource } | { ok: false; problem: string } {
  const v = String(raw ?? '').trim();
  const no = (problem: string) => ({ ok: false as const, problem });
  if (!v) return no('is required');
  if (hasExpansion(v)) return no('must not contain ${');
  if (AUDIO_ID_RE.test(v)) return { ok: true, source: { kind: 'upload', id: v } };
  if (/^https:\/\//i.test(v)) {
    if (v.length > MAX_AUDIO_URL_CHARS) return no(`must be at most ${MAX_AUDIO_URL_CHARS} characters`);
    // eslint-disable-next-line no-control-regex
    if (/[\s\u0000-\u001f\u007f]/.test(v)) return no('must not contain spaces or control characters');
    const problem = callbackUrlProblem(v, { allowPrivate: opts.allowPrivate ?? false, httpsOnly: true });
    if (problem) return no(problem);
    return { ok: true, source: { kind: 'url', url: new URL(v).toString() } };
  }
  if (/^[0-9a-f]{64}$/i.test(v)) return no('must be an audio id in lowercase hex');
  if (/^http:\/\//i.test(v)) return no('must be an https:// URL (http:// is not fetched)');
  if (/^[a-z][a-z0-9+._-]*:/i.test(v))
    return no('must be the id of an uploaded audio file or an https:// URL (other schemes are not played)');
  return no('must be the id of an uploaded audio file or an https:// URL (paths are not played)');
}

const isInt = (v: unknown, min: number, max: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** A digits.regexp the originate passes through unchanged: no spaces, quotes, parentheses or the escapes it rewrites. */
const REGEXP_RE = /^(?:[^\s'"()\\]|\\[^\s'"()\\ntrs])+$/;

/**
 * The problems of a template's `digits` (every field reaches the originate's
 * play_and_get_digits): `[field, message]`, [] when fine or absent.
 */
export function digitsProblems(d: DigitsOptions | null | undefined): Array<[field: string, message: string]> {
  if (d === null || d === undefined) return [];
  if (typeof d !== 'object') return [['digits', 'must be an object or null']];
  const out: Array<[string, string]> = [];
  const int = (f: keyof DigitsOptions, min: number, max: number) => {
    if (!isInt(d[f], min, max)) out.push([`digits.${f}`, `must be an integer from ${min} to ${max}`]);
  };
  int('min', 1, 32);
  int('max', 1, 32);
  int('tries', 1, 10);
  int('timeout_ms', 500, 60_000);
  int('digit_timeout_ms', 500, 60_000);
  if (isInt(d.min, 1, 32) && isInt(d.max, 1, 32) && d.min > d.max) out.push(['digits.max', 'must be greater than or equal to digits.min']);
  if (typeof d.terminators !== 'string' || !/^([0-9*#]{1,4}|none)$/.test(d.terminators))
    out.push(['digits.terminators', 'must be 1 to 4 of 0-9 * # or none']);
  const r = d.regexp;
  if (typeof r !== 'string' || r.length < 1 || r.length > 200) out.push(['digits.regexp', 'must be 1 to 200 characters']);
  else if (hasExpansion(r)) out.push(['digits.regexp', 'must not contain ${']);
  else if (!REGEXP_RE.test(r))
    out.push([
      'digits.regexp',
      "must not contain spaces, quotes, parentheses or the escapes \\s \\t \\n \\r \\\\ \\' (write ^[12]$, not ^(1|2)$)",
    ]);
  return out;
}

/** The template text alone (no values) and its estimated speech: a message when too long, else null. */
export function templateTextProblem(content: string): string | null {
  if (content.length > MAX_TEMPLATE_CHARS) return `is ${content.length} characters; at most ${MAX_SPOKEN_CHARS} once its values are read`;
  const bare = renderTemplate(content, {}).text.replace(/\s+/g, ' ').trim();
  if (bare.length > MAX_SPOKEN_CHARS)
    return `is ${bare.length} characters without its values; at most ${MAX_SPOKEN_CHARS} once its values are read`;
  const ms = estimateSpeechMs(bare);
  if (ms > MAX_AUDIO_MS) return `would take about ${formatDuration(ms)} to say without its values; at most ${formatDuration(MAX_AUDIO_MS)}`;
  return null;
}

/** One problem per field, in the gojsonschema-like list shape of the API: `{"digits.regexp":"must not contain ${"}`. */
export type FieldProblem = Record<string, string>;

/**
 * Every rule a template breaks, for the API's template create/update: `[]` when it may be
 * stored. `audio_file` (required for autocall_audio, checked whenever set; an uploaded id's
 * existence is the import's check, media/import-check.ts), `digits.*`, and `content` (too long to
 * say even without its values).
 */
export function templateProblems(
  template: Pick<TemplateContent, 'type_autocall' | 'content' | 'audio_file' | 'digits'>,
  opts: AudioRuleOptions = {},
): FieldProblem[] {
  const out: FieldProblem[] = [];
  // Checked whenever set: a campaign's type_autocall may play a template of another type.
  if (template.type_autocall === 'autocall_audio' || String(template.audio_file ?? '').trim()) {
    const a = parseAudioFile(template.audio_file, opts);
    if (!a.ok) out.push({ audio_file: a.problem });
  }
  if (template.content) {
    const t = templateTextProblem(template.content);
    if (t) out.push({ content: t });
  }
  for (const [field, message] of digitsProblems(template.digits)) out.push({ [field]: message });
  return out;
}
