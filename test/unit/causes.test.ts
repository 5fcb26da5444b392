import { describe, expect, it } from 'vitest';
import {
  CAUSES,
  HANGUP_CAUSES,
  RECALL_WORDS,
  REPORT_BUCKETS,
  UNKNOWN_CAUSE,
  VOICEBOT_DISPOSITIONS,
  causeFromQ850,
  causeInfo,
  classifyCall,
  normaliseCause,
  sipStatusToCause,
  wasAnswered,
  type CallStatus,
  type ReportBucket,
} from '../../domain/causes.ts';

// [cause, q850, fs code, status, report, voice-bot status, disposition, retryable]
const expected: Array<[string, number, number, CallStatus, ReportBucket, number, string, boolean]> = [
  ['UNALLOCATED_NUMBER', 1, 1, 'invalid-number', 'failed', 101, 'CHANUNAVAIL', false],
  ['NO_ROUTE_DESTINATION', 3, 3, 'failed', 'failed', 100, 'CHANUNAVAIL', true],
  ['NORMAL_CLEARING', 16, 16, 'no-answered', 'no_answer', 2, 'NOANSWER', true],
  ['USER_BUSY', 17, 17, 'busy', 'busy', 3, 'BUSY', true],
  ['NO_USER_RESPONSE', 18, 18, 'not-available', 'not_available', 2, 'CHANUNAVAIL', true],
  ['NO_ANSWER', 19, 19, 'no-answered', 'no_answer', 2, 'NOANSWER', true],
  ['SUBSCRIBER_ABSENT', 20, 20, 'not-available', 'not_available', 2, 'CHANUNAVAIL', true],
  ['CALL_REJECTED', 21, 21, 'phone-block', 'busy', 3, 'BUSY', true],
  ['NUMBER_CHANGED', 22, 22, 'invalid-number', 'failed', 101, 'CHANUNAVAIL', false],
  ['DESTINATION_OUT_OF_ORDER', 27, 27, 'not-available', 'not_available', 2, 'CHANUNAVAIL', true],
  ['INVALID_NUMBER_FORMAT', 28, 28, 'invalid-number', 'failed', 101, 'CHANUNAVAIL', false],
  ['NORMAL_CIRCUIT_CONGESTION', 34, 34, 'congestion', 'failed', 100, 'CONGESTION', true],
  ['NETWORK_OUT_OF_ORDER', 38, 38, 'congestion', 'failed', 100, 'CONGESTION', true],
  ['NORMAL_TEMPORARY_FAILURE', 41, 41, 'failed', 'failed', 100, 'CHANUNAVAIL', true],
  ['SWITCH_CONGESTION', 42, 42, 'congestion', 'failed', 100, 'CONGESTION', true],
  ['OUTGOING_CALL_BARRED', 52, 52, 'phone-block', 'failed', 100, 'CHANUNAVAIL', true],
  ['INCOMING_CALL_BARRED', 54, 54, 'phone-block', 'failed', 100, 'CHANUNAVAIL', true],
  ['RECOVERY_ON_TIMER_EXPIRE', 102, 102, 'not-available', 'not_available', 2, 'CHANUNAVAIL', true],
  ['ORIGINATOR_CANCEL', 16, 487, 'no-answered', 'cancel', 4, 'CANCEL', true],
  ['MANAGER_REQUEST', 16, 703, 'no-answered', 'cancel', 4, 'CANCEL', true],
  ['ALLOTTED_TIMEOUT', 16, 802, 'no-answered', 'no_answer', 2, 'NOANSWER', true],
  ['PROGRESS_TIMEOUT', 16, 807, 'not-available', 'not_available', 2, 'CHANUNAVAIL', true],
  ['INVALID_GATEWAY', 16, 808, 'failed', 'failed', 100, 'CHANUNAVAIL', true],
  ['GATEWAY_DOWN', 16, 809, 'failed', 'failed', 100, 'CHANUNAVAIL', true],
  ['INVALID_PROFILE', 16, 811, 'failed', 'failed', 100, 'CHANUNAVAIL', true],
];

describe('cause table', () => {
  it('has exactly the expected causes', () => {
    expect([...HANGUP_CAUSES].sort()).toEqual(expected.map((e) => e[0]).sort());
  });

  it.each(expected)('%s unanswered', (cause, q850, code, status, report, vbStatus, disp, retryable) => {
    const row = CAUSES[cause as keyof typeof CAUSES];
    expect(row.q850).toBe(q850);
    expect(row.code).toBe(code);
    const d = classifyCall({ hangupCause: cause, answered: false });
    expect(d).toMatchObject({
      cause,
      knownCause: true,
      q850,
      answered: false,
      human: false,
      status,
      report,
      voiceBotStatus: vbStatus,
      voiceBotDisposition: disp,
      retryable,
    });
  });

  it.each(expected)('%s answered is answered', (cause) => {
    const d = classifyCall({ hangupCause: cause, answered: true });
    expect(d).toMatchObject({
      status: 'answered',
      report: 'answered',
      voiceBotStatus: 200,
      voiceBotDisposition: 'ANSWER',
      human: true,
      answered: true,
    });
  });

  it.each(expected)('%s answered by a machine is voicemail', (cause) => {
    const d = classifyCall({ hangupCause: cause, answered: true, amdResult: 'MACHINE' });
    expect(d).toMatchObject({ status: 'voicemail', report: 'no_answer', voiceBotStatus: 2, human: false, retryable: true });
  });

  it('FreeSWITCH-only causes report q850 16 and codes above 127', () => {
    for (const c of HANGUP_CAUSES) {
      const r = CAUSES[c];
      if (r.code > 127) expect(r.q850).toBe(16);
      else expect(r.q850).toBe(r.code);
    }
  });

  it('every report bucket and every recall word except voicemail is reachable from a cause', () => {
    const buckets = new Set(HANGUP_CAUSES.map((c) => CAUSES[c].report));
    for (const b of REPORT_BUCKETS) if (b !== 'answered') expect(buckets.has(b), b).toBe(true);
    const words = new Set(HANGUP_CAUSES.map((c) => CAUSES[c].status));
    for (const w of RECALL_WORDS) if (w !== 'voicemail') expect(words.has(w), w).toBe(true);
  });

  it('only invalid-number causes are not retryable', () => {
    for (const c of HANGUP_CAUSES) expect(CAUSES[c].retryable, c).toBe(CAUSES[c].status !== 'invalid-number');
  });

  it('dispositions are voice-bot words', () => {
    for (const c of HANGUP_CAUSES) expect(VOICEBOT_DISPOSITIONS).toContain(CAUSES[c].voiceBotDisposition);
  });

  it('gateway/profile faults are local', () => {
    for (const c of ['INVALID_GATEWAY', 'GATEWAY_DOWN', 'INVALID_PROFILE', 'MANAGER_REQUEST', 'ORIGINATOR_CANCEL'] as const)
      expect(CAUSES[c].fault).toBe('local');
    expect(CAUSES.USER_BUSY.fault).toBe('callee');
  });
});

describe('AMD', () => {
  it.each([
    ['MACHINE', 'voicemail'],
    ['machine', 'voicemail'],
    [' MACHINE ', 'voicemail'],
    ['HUMAN', 'answered'],
    ['NOTSURE', 'answered'],
    ['', 'answered'],
    [null, 'answered'],
    [undefined, 'answered'],
    ['something', 'answered'],
  ] as const)('answered with amd %j → %s', (amd, status) => {
    expect(classifyCall({ hangupCause: 'NORMAL_CLEARING', answered: true, amdResult: amd }).status).toBe(status);
  });

  it('AMD is ignored when unanswered', () => {
    expect(classifyCall({ hangupCause: 'NO_ANSWER', answered: false, amdResult: 'MACHINE' }).status).toBe('no-answered');
  });
});

describe('unknown and messy causes', () => {
  it.each([
    ['-ERR USER_BUSY\n', 'USER_BUSY', 'busy'],
    ['  user_busy ', 'USER_BUSY', 'busy'],
    ['-err no_answer', 'NO_ANSWER', 'no-answered'],
    ['SOMETHING_NEW', 'SOMETHING_NEW', 'failed'],
    ['', 'UNKNOWN', 'failed'],
    [null, 'UNKNOWN', 'failed'],
    [undefined, 'UNKNOWN', 'failed'],
    ['toString', 'TOSTRING', 'failed'],
    ['__proto__', '__PROTO__', 'failed'],
  ] as const)('%j → %s', (raw, cause, status) => {
    const d = classifyCall({ hangupCause: raw, answered: false });
    expect(d.cause).toBe(cause);
    expect(d.status).toBe(status);
  });

  it('unknown fallback', () => {
    const d = classifyCall({ hangupCause: 'MEDIA_TIMEOUT', answered: false });
    expect(d).toMatchObject({
      knownCause: false,
      status: UNKNOWN_CAUSE.status,
      report: 'failed',
      voiceBotStatus: -100,
      retryable: true,
    });
    expect(causeInfo('MEDIA_TIMEOUT').known).toBe(false);
  });

  it('normaliseCause', () => {
    expect(normaliseCause('-ERR  GATEWAY_DOWN \n')).toBe('GATEWAY_DOWN');
    expect(normaliseCause(undefined)).toBe('');
  });
});

describe('SIP status → cause (FreeSWITCH mod_sofia)', () => {
  it.each([
    [486, 'USER_BUSY'],
    [600, 'USER_BUSY'],
    [480, 'NO_USER_RESPONSE'],
    [404, 'UNALLOCATED_NUMBER'],
    [408, 'RECOVERY_ON_TIMER_EXPIRE'],
    [504, 'RECOVERY_ON_TIMER_EXPIRE'],
    [403, 'CALL_REJECTED'],
    [603, 'CALL_REJECTED'],
    [401, 'CALL_REJECTED'],
    [503, 'NORMAL_TEMPORARY_FAILURE'],
    [500, 'NORMAL_TEMPORARY_FAILURE'],
    [487, 'ORIGINATOR_CANCEL'],
    [484, 'INVALID_NUMBER_FORMAT'],
    [410, 'NUMBER_CHANGED'],
    [485, 'NO_ROUTE_DESTINATION'],
    [604, 'NO_ROUTE_DESTINATION'],
    [502, 'NETWORK_OUT_OF_ORDER'],
    [200, 'NORMAL_CLEARING'],
    ['486', 'USER_BUSY'],
    [999, undefined],
    [183, undefined],
    ['abc', undefined],
  ] as const)('%j → %s', (sip, cause) => {
    expect(sipStatusToCause(sip)).toBe(cause);
  });

  it('every mapped SIP cause classifies', () => {
    for (let s = 100; s < 700; s++) {
      const c = sipStatusToCause(s);
      if (c) expect(causeInfo(c).known).toBe(true);
    }
  });
});

describe('causeFromQ850', () => {
  it.each([
    [1, 'UNALLOCATED_NUMBER'],
    [16, 'NORMAL_CLEARING'],
    [17, 'USER_BUSY'],
    [19, 'NO_ANSWER'],
    [102, 'RECOVERY_ON_TIMER_EXPIRE'],
    [487, undefined],
    [99, undefined],
  ] as const)('%d → %s', (q, c) => expect(causeFromQ850(q)).toBe(c));
});

describe('wasAnswered', () => {
  it.each([
    [{ billsec: 10 }, true],
    [{ billsec: '10' }, true],
    [{ billsec: 0 }, false],
    [{ billsec: '0' }, false],
    [{ billsec: 0, answerEpoch: 1700000000 }, true],
    [{ billsec: 0, answerEpoch: '0' }, false],
    [{ billsec: null, answerEpoch: null }, false],
    [{}, false],
    [{ billsec: 'x' }, false],
    [{ billsec: '', answerEpoch: '' }, false],
  ])('%j → %s', (v, a) => expect(wasAnswered(v)).toBe(a));
});
