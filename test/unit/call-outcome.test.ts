// What an attempt came to (workflows/call-outcome.ts): the record fields and the recall decision
// from the originate's result and the hangup event (or their absence).
import { describe, expect, it } from 'vitest';
import { hangupFromRecord, leadAfterRecord, settleAttempt, type AttemptSeen } from '../../workflows/call-outcome.ts';
import type { AttemptPlan, CallEventPayload, OriginateResult } from '../../workflows/contract.ts';
import { CALL_RECORD_FIELDS, callRecordOf, emptyCallRecord, type CallDoc } from '../../storage/calls.ts';

const plan: AttemptPlan = {
  skip: false,
  call_id: 'call-1',
  leg_uuids: ['call-1', 'leg-2'],
  attempt: 1,
  first_attempt_at: 1_000,
  numbers: ['0981000001', '0981000002'],
  separator: '|',
  gateway: 'gw',
  carrier_uuid: 'k',
  caller_number: '0280000000',
  call_timeout: 30,
  network: 'viettel',
  masked: '098****001',
  phone_number: '0981000001',
  recall: {
    recall_times: 2,
    recall_status: ['busy'],
    schedule_recall: 'after',
    schedule_recall_duration: 60,
    limit_recall_duration: 0,
  } as AttemptPlan['recall'],
};
const input = { lead_uuid: 'l', campaign_uuid: 'c', domain_uuid: 'd', slotGranted: true };
const hangup = (o: Partial<CallEventPayload>): CallEventPayload => ({
  event: 'CHANNEL_HANGUP_COMPLETE',
  call_id: 'call-1',
  uuid: 'call-1',
  at: 50_000,
  ...o,
});
const seen = (result: Partial<OriginateResult>, o: Partial<AttemptSeen> = {}): AttemptSeen => ({
  input,
  plan,
  result: { outcome: 'answered', node: 'fs1', sent_at: 10_000, answered_uuid: 'call-1', ...result },
  hangup: undefined,
  reconciled: false,
  grantedAt: 9_000,
  now: 60_000,
  ...o,
});

describe('settleAttempt', () => {
  it('an answered call: the hangup gives cause, billsec, answer time and the end', () => {
    const { record, decision } = settleAttempt(
      seen(
        {},
        {
          hangup: hangup({
            hangup_cause: 'NORMAL_CLEARING',
            billsec: 12,
            duration: 15,
            answer_epoch: 38,
            digits: '1',
            read_result: 'success',
          }),
        },
      ),
    );
    expect(record).toMatchObject({
      answered: true,
      disposition: 'answered',
      report: 'answered',
      hangup_cause: 'NORMAL_CLEARING',
      q850: 16,
      billsec: 12,
      duration: 15,
      answered_at: 38_000,
      ended_at: 50_000,
      phone_number: '0981000001',
      dialed: true,
      reconciled: false,
      lead_status: 'done',
      next_attempt_at: null,
      digits: '1',
    });
    expect(record.action_log).toEqual([
      { at: 50_000, action: 'digits', detail: '1' },
      { at: 50_000, action: 'read_result', detail: 'success' },
    ]);
    expect(record.release).toEqual({
      lead_uuid: 'l',
      disposition: 'answered',
      final: true,
      called: true,
      answered: true,
      abandoned: false,
    });
    expect(decision.recall).toBe(false);
  });

  it('a busy second leg: its number on the record, recalled after the delay', () => {
    const { record, decision } = settleAttempt(
      seen({ outcome: 'failed', cause: 'USER_BUSY' }, { hangup: hangup({ uuid: 'leg-2', hangup_cause: 'USER_BUSY', billsec: 0 }) }),
    );
    expect(record).toMatchObject({
      answered: false,
      disposition: 'busy',
      phone_number: '0981000002',
      answered_uuid: 'leg-2',
      lead_status: 'waiting_recall',
    });
    expect(decision).toMatchObject({ recall: true });
    expect(record.next_attempt_at).toBe(decision.recall ? decision.atMs : -1);
    expect(record.release?.final).toBe(false);
  });

  it('a failed originate without an event: the originate cause; duration from the send', () => {
    const { record } = settleAttempt(seen({ outcome: 'failed', cause: 'NO_ANSWER', answered_uuid: undefined }, { now: 40_400 }));
    expect(record).toMatchObject({
      answered: false,
      hangup_cause: 'NO_ANSWER',
      disposition: 'no-answered',
      duration: 30,
      ended_at: 40_400,
    });
  });

  it('an answered call whose channels vanished without an event: unknown, marked reconciled', () => {
    const { record } = settleAttempt(seen({}, { reconciled: true }));
    expect(record).toMatchObject({ answered: true, hangup_cause: 'UNKNOWN', reconciled: true, answered_at: null });
  });

  it('never dialed (no gateway): not dialed on the record', () => {
    const { record } = settleAttempt(seen({ outcome: 'failed', cause: 'INVALID_GATEWAY', node: '' }, { plan: { ...plan, gateway: '' } }));
    expect(record).toMatchObject({ dialed: false, hangup_cause: 'INVALID_GATEWAY' });
  });

  it('a recorded outcome read back as its hangup gives the same record fields', () => {
    const h = hangupFromRecord('call-1', {
      answered: true,
      hangup_cause: 'NORMAL_CLEARING',
      billsec: 42,
      duration: 45,
      waitsec: 0,
      answered_uuid: '',
      answered_at: 38_000,
      ended_at: 80_000,
      digits: '',
      reconciled: false,
    });
    expect(h).toEqual({
      event: 'CHANNEL_HANGUP_COMPLETE',
      call_id: 'call-1',
      uuid: 'call-1',
      at: 80_000,
      hangup_cause: 'NORMAL_CLEARING',
      billsec: 42,
      duration: 45,
      waitsec: 0,
      answer_epoch: 38,
    });
    const { record } = settleAttempt(seen({ outcome: 'recorded' }, { hangup: h }));
    expect(record).toMatchObject({
      answered: true,
      billsec: 42,
      duration: 45,
      answered_at: 38_000,
      ended_at: 80_000,
      disposition: 'answered',
    });
  });

  it('autodialer: bridged to an agent — the agent, the queue wait, the talk time; waitsec is the queue wait', () => {
    const cc = {
      cause: 'answered',
      cancel_reason: '',
      agent: 'agent-u1',
      joined_epoch: 40,
      answered_epoch: 43,
      canceled_epoch: 0,
      bridge_epoch: 43,
    };
    const { record } = settleAttempt(
      seen({}, { hangup: hangup({ hangup_cause: 'NORMAL_CLEARING', billsec: 10, answer_epoch: 40, waitsec: 5, cc }) }),
    );
    expect(record).toMatchObject({
      answered: true,
      disposition: 'answered',
      agent_name: 'agent-u1',
      queue_wait: 3,
      talk_time: 7,
      waitsec: 3,
      abandoned: false,
      cancel_reason: '',
    });
    expect(record.release).toMatchObject({ answered: true, abandoned: false });
  });

  it('autodialer: abandoned — cancel in the report, failed for the recall rule, recalled; the abandon message is not a content failure', () => {
    const cc = {
      cause: 'cancel',
      cancel_reason: 'TIMEOUT',
      agent: '',
      joined_epoch: 40,
      answered_epoch: 0,
      canceled_epoch: 48,
      bridge_epoch: 0,
    };
    const { record, decision } = settleAttempt(
      seen(
        {},
        {
          plan: { ...plan, recall: { ...plan.recall, recall_status: ['failed'] } },
          hangup: hangup({
            hangup_cause: 'NORMAL_CLEARING',
            billsec: 9,
            answer_epoch: 40,
            cc,
            content_error: 'playback: FILE NOT FOUND (x)',
          }),
        },
      ),
    );
    expect(record).toMatchObject({
      answered: true,
      abandoned: true,
      cancel_reason: 'TIMEOUT',
      disposition: 'failed',
      report: 'cancel',
      queue_wait: 8,
      talk_time: 0,
      agent_name: '',
    });
    expect(decision.recall).toBe(true);
    expect(record.release).toMatchObject({ answered: true, abandoned: true });
  });

  // Issue 14 §3: FreeSWITCH's event clock and the worker's differ by milliseconds.
  it.each([
    ['the hangup stamped before the send', { at: 9_986, answer_epoch: undefined, billsec: 0 }, false],
    ['the answer stamped before the send', { at: 20_000, answer_epoch: 9.99, billsec: 10 }, true],
    ['answer and hangup both before the send', { at: 9_995, answer_epoch: 9.99, billsec: 0 }, true],
    ['the hangup stamped before the answer', { at: 12_000, answer_epoch: 12.5, billsec: 1 }, true],
  ])('skewed clocks (%s): created ≤ answered ≤ ended', (_name, h, answered) => {
    const { record } = settleAttempt(
      seen({}, { hangup: hangup({ hangup_cause: answered ? 'NORMAL_CLEARING' : 'USER_BUSY', duration: 0, ...h }) }),
    );
    expect(record.answered).toBe(answered);
    expect(record.ended_at).toBeGreaterThanOrEqual(record.sent_at);
    if (answered) {
      expect(record.answered_at).toBeGreaterThanOrEqual(record.sent_at);
      expect(record.ended_at).toBeGreaterThanOrEqual(record.answered_at!);
    } else expect(record.answered_at).toBeNull();
  });

  // Issue 14 §4: the stored record has the documented fields only, in their one definition.
  it('the stored record keeps the documented fields only: no workflow internals', () => {
    const { record } = settleAttempt(seen({}, { hangup: hangup({ hangup_cause: 'NORMAL_CLEARING', billsec: 5, answer_epoch: 20 }) }));
    const stored = callRecordOf({ ...emptyCallRecord(record), ...(record as unknown as CallDoc) });
    expect(Object.keys(stored)).toEqual(CALL_RECORD_FIELDS);
    for (const k of ['release', 'lead_status', 'next_attempt_at', 'sent_at', 'granted_at', 'first_attempt_at'])
      expect(Object.keys(stored), k).not.toContain(k);
    expect(CALL_RECORD_FIELDS).toEqual(expect.arrayContaining(['call_id', 'answered_at', 'ended_at', 'delivery_error', 'action_log']));
  });
});

describe('leadAfterRecord', () => {
  const done = { disposition: 'answered', lead_status: 'done' as const, next_attempt_at: null };
  const recall = { disposition: 'busy', lead_status: 'waiting_recall' as const, next_attempt_at: 90_000 };

  it.each([
    ['its own outcome when it stored the record: done', done, null, { disposition: 'answered', recallAtMs: null }],
    ['its own outcome when it stored the record: recalled', recall, undefined, { disposition: 'busy', recallAtMs: 90_000 }],
    ['the stored recall over its own done (an earlier run saw the busy hangup)', done, recall, { disposition: 'busy', recallAtMs: 90_000 }],
    ['the stored done over its own recall (an earlier run decided the call)', recall, done, { disposition: 'answered', recallAtMs: null }],
    ['the same outcome again (a plain retry)', recall, recall, { disposition: 'busy', recallAtMs: 90_000 }],
    [
      'a stored recall without its time: done, never a recall at an unknown moment',
      done,
      { ...recall, next_attempt_at: null },
      { disposition: 'busy', recallAtMs: null },
    ],
  ] as const)('%s', (_, own, kept, want) => {
    expect(leadAfterRecord(own, kept)).toEqual(want);
  });

  it('follows what settleAttempt decided when nothing was stored before', () => {
    const { record, decision } = settleAttempt(seen({}, { hangup: hangup({ hangup_cause: 'USER_BUSY' }) }));
    expect(decision.recall).toBe(true);
    expect(leadAfterRecord(record, null)).toEqual({
      disposition: record.disposition,
      recallAtMs: decision.recall ? decision.atMs : null,
    });
  });
});
