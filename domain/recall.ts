// The recall rule: after a lead's call ends, is it called again, and when?
// Pure: the caller passes the campaign settings, the lead's attempt count and first-attempt time,
// the classified last call (domain/causes.ts) and `nowMs` (when that call ended).
//
// Decisions (docs/decisions.md, Pure rules):
// - recall_times (v3) / max_recall_count (v2) count RECALLS, not calls: 3 means up to 4 calls.
//   0 or missing = never recall (the seed's campaigns default to 0).
// - A human-answered call is a success, unless min_recall_duration > 0 and its billsec is shorter:
//   then it is recalled like a failure (v2: "answered but shorter than this is called again"),
//   whatever recall_status says — recall_status has no word for answered calls.
// - recall_status lists which unsuccessful outcomes are recalled. EMPTY OR MISSING = every
//   unsuccessful outcome: an operator who sets recall_times 3 and ticks no box expects recalls, and
//   the v2 API (no recall_status at all) documents "recalls when a call does not succeed".
//   Unknown words in the list are ignored.
// - invalid-number (UNALLOCATED_NUMBER, NUMBER_CHANGED, INVALID_NUMBER_FORMAT) is never recalled,
//   even if the list names it: the same digits cannot reach anyone.
// - schedule_recall 'minute' waits schedule_recall_duration minutes. 'after' ("recall at once")
//   and anything else waits a small floor (AFTER_FLOOR_MS, 30 s) so a busy line or a just-rejected
//   call is not redialed in the same second; the campaign then dials as soon as a slot is free.
//   'minute' with a duration of 0 or less behaves as 'after'.
// - limit_recall_duration (seconds since the lead's FIRST attempt; 0/missing = no limit): a recall
//   due after that deadline is not made.
// - The recall time ignores the dialing window: the campaign workflow waits for the window anyway.

import { RECALL_WORDS, type CallDisposition, type RecallWord } from './causes.ts';

export const AFTER_FLOOR_MS = 30_000;

export interface RecallSettings {
  recall_times?: number | null;
  max_recall_count?: number | null;
  recall_status?: readonly string[] | null;
  schedule_recall?: string | null;
  /** minutes */
  schedule_recall_duration?: number | null;
  /** seconds since the lead's first attempt; 0 = no limit */
  limit_recall_duration?: number | null;
  /** seconds of billsec below which an answered call counts as unsuccessful */
  min_recall_duration?: number | null;
}

export interface RecallInput {
  settings: RecallSettings;
  /** Calls placed for this lead so far, the last one included (≥ 1). */
  attempts: number;
  firstAttemptAtMs: number;
  lastCall: Pick<CallDisposition, 'status' | 'human' | 'retryable'> & { billsec?: number | null };
  /** When the last call ended. */
  nowMs: number;
}

export type NoRecallReason =
  | 'success'
  | 'invalid_number'
  | 'not_retryable'
  | 'recall_disabled'
  | 'max_recalls_reached'
  | 'status_not_selected'
  | 'recall_limit_passed';

export type RecallDecision =
  | { recall: false; reason: NoRecallReason }
  | {
      recall: true;
      atMs: number;
      reason: 'unsuccessful' | 'short_answer';
      /** 1 for the first recall. */
      recallNumber: number;
    };

const num = (v: number | null | undefined): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

/** recall_times, else max_recall_count, as a whole number ≥ 0. */
export function maxRecalls(s: RecallSettings): number {
  return Math.floor(num(s.recall_times ?? s.max_recall_count));
}

/** The recall_status words that mean something; empty = every unsuccessful outcome. */
export function recallWords(s: RecallSettings): RecallWord[] {
  const known = new Set<string>(RECALL_WORDS);
  const out: RecallWord[] = [];
  for (const w of s.recall_status ?? []) {
    const x = typeof w === 'string' ? w.trim().toLowerCase() : '';
    if (known.has(x) && !out.includes(x as RecallWord)) out.push(x as RecallWord);
  }
  return out;
}

/** Delay before a recall, ms. */
export function recallDelayMs(s: RecallSettings, afterFloorMs = AFTER_FLOOR_MS): number {
  const minutes = num(s.schedule_recall_duration);
  if (s.schedule_recall === 'minute' && minutes > 0) return Math.max(Math.round(minutes * 60_000), afterFloorMs);
  return afterFloorMs;
}

export function decideRecall(input: RecallInput, opts: { afterFloorMs?: number } = {}): RecallDecision {
  const { settings: s, lastCall, attempts, firstAttemptAtMs, nowMs } = input;

  let reason: 'unsuccessful' | 'short_answer' = 'unsuccessful';
  if (lastCall.status === 'answered' || lastCall.human) {
    const min = num(s.min_recall_duration);
    if (min === 0 || num(lastCall.billsec) >= min) return { recall: false, reason: 'success' };
    reason = 'short_answer';
  } else {
    if (lastCall.status === 'invalid-number') return { recall: false, reason: 'invalid_number' };
    if (!lastCall.retryable) return { recall: false, reason: 'not_retryable' };
  }

  const max = maxRecalls(s);
  if (max === 0) return { recall: false, reason: 'recall_disabled' };
  const recallsDone = Math.max(0, Math.floor(attempts) - 1);
  if (recallsDone >= max) return { recall: false, reason: 'max_recalls_reached' };

  if (reason === 'unsuccessful') {
    const words = recallWords(s);
    if (words.length > 0 && !words.includes(lastCall.status as RecallWord)) return { recall: false, reason: 'status_not_selected' };
  }

  const atMs = nowMs + recallDelayMs(s, opts.afterFloorMs);
  const limitS = num(s.limit_recall_duration);
  if (limitS > 0 && atMs > firstAttemptAtMs + limitS * 1000) return { recall: false, reason: 'recall_limit_passed' };

  return { recall: true, atMs, reason, recallNumber: recallsDone + 1 };
}
