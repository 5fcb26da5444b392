// Bounds of what one call may say or play (issue 20: a 5,000-character template of placeholders
// rendered 37 KB of text and a 72 MB WAV). Fixed numbers, the same at import (media/import-check.ts,
// which has no configuration) and at call time (media/playback.ts, media/tts.ts). Pure.

/** Longest text spoken in one prompt, counted after the values are read (numbers in words) and spaces collapsed. */
export const MAX_SPOKEN_CHARS = 2_000;

/** Longest audio a call plays: one synthesised prompt, an uploaded or fetched file, all repeats of an OTP message. */
export const MAX_AUDIO_MS = 5 * 60_000;

/** A stored template text longer than this is not even rendered (the API accepts 5,000). */
export const MAX_TEMPLATE_CHARS = 20_000;

// Speech length estimate, to refuse at import what would be longer than MAX_AUDIO_MS once spoken.
// Measured with espeak-ng 1.51 (vi, default rate) on 2,000-character texts: ordinary sentences
// ~210 ms a word, digits read one by one ~210 ms, one-letter words ~160 ms, `a; ` ~480 ms a word
// with its pause, a 12-digit number left as digits in the text ~1.1 s. The estimate is above each.
const MS_PER_WORD = 250;
const MS_PER_PAUSE = 350;
const WORDS_PER_DIGIT = 2;
const LETTERS_PER_WORD = 8;

/**
 * An upper estimate of how long `text` takes to say (ms): a word per token (one more per 8 letters
 * of a long token), two per digit the engine reads itself, and a pause per punctuation mark.
 */
export function estimateSpeechMs(text: string): number {
  let words = 0;
  for (const token of text.split(/\s+/)) {
    if (!token) continue;
    const digits = token.replace(/\D/g, '').length;
    const rest = token.length - digits;
    words += WORDS_PER_DIGIT * digits + (rest > 0 ? Math.max(1, Math.ceil(rest / LETTERS_PER_WORD)) : 0);
  }
  const pauses = (text.match(/[,.;:!?…]/g) ?? []).length;
  return words * MS_PER_WORD + pauses * MS_PER_PAUSE;
}

/** `1 min 40 s`, `45 s`. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}` : `${s} s`;
}
