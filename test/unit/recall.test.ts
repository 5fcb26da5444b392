import { describe, expect, it } from 'vitest';
import { CAUSES, HANGUP_CAUSES, RECALL_WORDS, classifyCall } from '../../domain/causes.ts';
import {
  AFTER_FLOOR_MS,
  decideRecall,
  maxRecalls,
  recallDelayMs,
  recallWords,
  type RecallInput,
  type RecallSettings,
} from '../../domain/recall.ts';

const T0 = Date.UTC(2024, 0, 1, 2, 0); // first attempt
const END = T0 + 60_000; // last call ended
const call = (cause: string, answered = false, billsec = answered ? 30 : 0, amdResult?: string) => ({
  ...classifyCall({ hangupCause: cause, answered, amdResult }),
  billsec,
});
const BUSY = call('USER_BUSY');
const NOANS = call('NO_ANSWER');
const base: RecallSettings = { recall_times: 3, recall_status: [], schedule_recall: 'after' };
const decide = (settings: RecallSettings, lastCall: RecallInput['lastCall'] = BUSY, attempts = 1, nowMs = END) =>
  decideRecall({ settings, lastCall, attempts, firstAttemptAtMs: T0, nowMs });

describe('success and never-recalled outcomes', () => {
  it.each([
    ['answered, no min', { ...base }, call('NORMAL_CLEARING', true, 30), 'success'],
    ['answered with billsec 0 (sub-second), no min', { ...base }, call('NORMAL_CLEARING', true, 0), 'success'],
    ['answered ≥ min', { ...base, min_recall_duration: 3 }, call('NORMAL_CLEARING', true, 3), 'success'],
    ['answered, hung up by us', { ...base }, call('MANAGER_REQUEST', true, 12), 'success'],
    ['unallocated', { ...base }, call('UNALLOCATED_NUMBER'), 'invalid_number'],
    ['number changed', { ...base }, call('NUMBER_CHANGED'), 'invalid_number'],
    ['invalid format', { ...base }, call('INVALID_NUMBER_FORMAT'), 'invalid_number'],
    ['invalid-number even when selected', { ...base, recall_status: ['invalid-number'] }, call('UNALLOCATED_NUMBER'), 'invalid_number'],
  ] as const)('%s → no recall (%s)', (_n, settings, lastCall, reason) => {
    expect(decide(settings, lastCall)).toEqual({ recall: false, reason });
  });

  it('a non-retryable outcome with another word is not recalled', () => {
    expect(decide(base, { status: 'failed', human: false, retryable: false })).toEqual({ recall: false, reason: 'not_retryable' });
  });
});

describe('short answered calls (min_recall_duration)', () => {
  it.each([
    [0, 3, true],
    [1, 3, true],
    [2, 3, true],
    [3, 3, false],
    [10, 3, false],
    [0, 0, false],
    [5, 10, true],
  ])('billsec %d, min %d → recall %s', (billsec, min, recall) => {
    const d = decide({ ...base, min_recall_duration: min }, call('NORMAL_CLEARING', true, billsec));
    expect(d.recall).toBe(recall);
    if (d.recall) expect(d.reason).toBe('short_answer');
  });

  it('short answer is recalled whatever recall_status says', () => {
    const d = decide({ ...base, min_recall_duration: 5, recall_status: ['busy'] }, call('NORMAL_CLEARING', true, 2));
    expect(d).toMatchObject({ recall: true, reason: 'short_answer' });
  });

  it('still bounded by recall_times', () => {
    const d = decide({ ...base, min_recall_duration: 5 }, call('NORMAL_CLEARING', true, 2), 4);
    expect(d).toEqual({ recall: false, reason: 'max_recalls_reached' });
  });

  it('v2 queue settings (max_recall_count 3, min_recall_duration 3)', () => {
    const v2: RecallSettings = { max_recall_count: 3, min_recall_duration: 3 };
    expect(decide(v2, call('NORMAL_CLEARING', true, 2))).toMatchObject({ recall: true, reason: 'short_answer' });
    expect(decide(v2, BUSY)).toMatchObject({ recall: true });
    expect(decide(v2, call('NORMAL_CLEARING', true, 3))).toEqual({ recall: false, reason: 'success' });
  });
});

describe('recall_times / max_recall_count', () => {
  it.each([
    // settings, attempts so far, recall?, reason/recallNumber
    [{ recall_times: 0 }, 1, false, 'recall_disabled'],
    [{ recall_times: null }, 1, false, 'recall_disabled'],
    [{}, 1, false, 'recall_disabled'],
    [{ recall_times: -2 }, 1, false, 'recall_disabled'],
    [{ recall_times: 1 }, 1, true, 1],
    [{ recall_times: 1 }, 2, false, 'max_recalls_reached'],
    [{ recall_times: 3 }, 1, true, 1],
    [{ recall_times: 3 }, 2, true, 2],
    [{ recall_times: 3 }, 3, true, 3],
    [{ recall_times: 3 }, 4, false, 'max_recalls_reached'],
    [{ recall_times: 3 }, 9, false, 'max_recalls_reached'],
    [{ recall_times: 2.7 }, 3, false, 'max_recalls_reached'],
    [{ max_recall_count: 2 }, 2, true, 2],
    [{ max_recall_count: 2 }, 3, false, 'max_recalls_reached'],
    [{ recall_times: 1, max_recall_count: 5 }, 2, false, 'max_recalls_reached'],
    [{ recall_times: null, max_recall_count: 5 }, 2, true, 2],
  ] as const)('%j after %d attempts', (settings, attempts, recall, extra) => {
    const d = decide({ ...settings, schedule_recall: 'after' }, BUSY, attempts);
    expect(d.recall).toBe(recall);
    if (d.recall) expect(d.recallNumber).toBe(extra);
    else expect(d.reason).toBe(extra);
  });

  it('maxRecalls', () => {
    expect(maxRecalls({ recall_times: 3 })).toBe(3);
    expect(maxRecalls({ max_recall_count: 4 })).toBe(4);
    expect(maxRecalls({ recall_times: Number.NaN })).toBe(0);
  });
});

describe('recall_status words', () => {
  // Each unsuccessful outcome, with its word.
  const outcomes = [
    ['busy', call('USER_BUSY')],
    ['failed', call('NORMAL_TEMPORARY_FAILURE')],
    ['no-answered', call('NO_ANSWER')],
    ['not-available', call('SUBSCRIBER_ABSENT')],
    ['voicemail', call('NORMAL_CLEARING', true, 20, 'MACHINE')],
    ['phone-block', call('CALL_REJECTED')],
    ['congestion', call('SWITCH_CONGESTION')],
  ] as const;

  it.each(outcomes)('%s is recalled when listed, not when another word is listed', (word, lastCall) => {
    expect(lastCall.status).toBe(word);
    expect(decide({ ...base, recall_status: [word] }, lastCall)).toMatchObject({ recall: true, reason: 'unsuccessful' });
    const others = RECALL_WORDS.filter((w) => w !== word);
    expect(decide({ ...base, recall_status: others }, lastCall)).toEqual({ recall: false, reason: 'status_not_selected' });
  });

  it.each(outcomes)('%s is recalled when the list is empty, null or missing', (_w, lastCall) => {
    for (const recall_status of [[], null, undefined]) {
      expect(decide({ ...base, recall_status }, lastCall).recall).toBe(true);
    }
  });

  it('the seed list ["not-available","phone-block","congestion"]', () => {
    const s = { ...base, recall_status: ['not-available', 'phone-block', 'congestion'] };
    expect(decide(s, call('SUBSCRIBER_ABSENT')).recall).toBe(true);
    expect(decide(s, call('NO_USER_RESPONSE')).recall).toBe(true);
    expect(decide(s, call('CALL_REJECTED')).recall).toBe(true);
    expect(decide(s, call('NORMAL_CIRCUIT_CONGESTION')).recall).toBe(true);
    expect(decide(s, BUSY).recall).toBe(false);
    expect(decide(s, NOANS).recall).toBe(false);
  });

  it('every table cause with every-outcome recall: only invalid numbers are dropped', () => {
    for (const c of HANGUP_CAUSES) {
      const d = decide(base, call(c));
      expect(d.recall, c).toBe(CAUSES[c].status !== 'invalid-number');
    }
  });

  it('words are trimmed, case-folded, unknown ones ignored', () => {
    expect(recallWords({ recall_status: [' Busy ', 'BUSY', 'answered', 'nonsense', 'congestion'] })).toEqual(['busy', 'congestion']);
    // A list of only unknown words means "every outcome".
    expect(decide({ ...base, recall_status: ['whatever'] }, NOANS).recall).toBe(true);
  });
});

describe('timing', () => {
  it.each([
    [{ schedule_recall: 'after' }, AFTER_FLOOR_MS],
    [{ schedule_recall: 'after', schedule_recall_duration: 10 }, AFTER_FLOOR_MS],
    [{ schedule_recall: '' }, AFTER_FLOOR_MS],
    [{ schedule_recall: null }, AFTER_FLOOR_MS],
    [{}, AFTER_FLOOR_MS],
    [{ schedule_recall: 'minute', schedule_recall_duration: 1 }, 60_000],
    [{ schedule_recall: 'minute', schedule_recall_duration: 15 }, 15 * 60_000],
    [{ schedule_recall: 'minute', schedule_recall_duration: 1440 }, 86_400_000],
    [{ schedule_recall: 'minute', schedule_recall_duration: 0 }, AFTER_FLOOR_MS],
    [{ schedule_recall: 'minute', schedule_recall_duration: null }, AFTER_FLOOR_MS],
    [{ schedule_recall: 'minute', schedule_recall_duration: -5 }, AFTER_FLOOR_MS],
    [{ schedule_recall: 'minute', schedule_recall_duration: 0.25 }, AFTER_FLOOR_MS],
    [{ schedule_recall: 'minute', schedule_recall_duration: 1.5 }, 90_000],
  ] as const)('%j → +%d ms', (timing, delay) => {
    expect(recallDelayMs(timing)).toBe(delay);
    expect(decide({ ...base, ...timing })).toMatchObject({ recall: true, atMs: END + delay });
  });

  it('the floor is configurable', () => {
    expect(
      decideRecall({ settings: base, lastCall: BUSY, attempts: 1, firstAttemptAtMs: T0, nowMs: END }, { afterFloorMs: 0 }),
    ).toMatchObject({
      atMs: END,
    });
  });

  it('deterministic: no clock read', () => {
    const a = decide(base, BUSY, 1, 1_000);
    const b = decide(base, BUSY, 1, 1_000);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ atMs: 1_000 + AFTER_FLOOR_MS });
  });
});

describe('limit_recall_duration (seconds since the first attempt)', () => {
  const minute = { ...base, schedule_recall: 'minute', schedule_recall_duration: 10 };
  it.each([
    // limit s, now (ms after T0), recall?
    [0, 60_000, true],
    [null, 60_000, true],
    [3600, 60_000, true], // due T0+11min < T0+1h
    [660, 60_000, true], // due exactly at the limit
    [659, 60_000, false],
    [600, 60_000, false],
    [3600, 3_000_000, true], // due T0+60min exactly
    [3600, 3_000_001, false],
    [3600, 4_000_000, false],
  ] as const)('limit %j s, last call ended T0+%d ms → %s', (limit, after, recall) => {
    const d = decide({ ...minute, limit_recall_duration: limit }, BUSY, 1, T0 + after);
    expect(d.recall).toBe(recall);
    if (!d.recall) expect(d.reason).toBe('recall_limit_passed');
  });

  it('applies to short answers too', () => {
    const d = decide({ ...minute, min_recall_duration: 5, limit_recall_duration: 60 }, call('NORMAL_CLEARING', true, 1));
    expect(d).toEqual({ recall: false, reason: 'recall_limit_passed' });
  });
});
