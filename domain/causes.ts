// The one table from FreeSWITCH hangup causes to every outcome vocabulary we speak:
// the v3 `recall_status` words, the six buckets of GET /v1/autocall/report, the voice-bot
// autocall status codes and call-history dispositions, and whether a later attempt may succeed.
// Everything else (recall rule, reports, webhooks, simulator) must read from here.
//
// Numbers: `q850` is what FreeSWITCH puts in variable_hangup_cause_q850 (FreeSWITCH-only causes
// above 127 report 16, see switch_channel_cause_q850); `code` is FreeSWITCH's own enum value
// (switch_types.h, 1.10), equal to the Q.850 value for the Q.850 causes.
//
// Each row describes a call that was NOT answered with that cause. An answered call is `answered`
// whatever the cause (the cause then only says who hung up), unless answering-machine detection
// said MACHINE, which makes it `voicemail` — see classifyCall.

/** The `recall_status` words of the v3 campaign (seed 000/002), plus `answered`. */
export const RECALL_WORDS = [
  'busy',
  'failed',
  'no-answered',
  'not-available',
  'voicemail',
  'invalid-number',
  'phone-block',
  'congestion',
] as const;
export type RecallWord = (typeof RECALL_WORDS)[number];
export type CallStatus = 'answered' | RecallWord;

/** The six keys of `data.status` in GET /v1/autocall/report. */
export const REPORT_BUCKETS = ['answered', 'busy', 'not_available', 'no_answer', 'cancel', 'failed'] as const;
export type ReportBucket = (typeof REPORT_BUCKETS)[number];

/** Voice-bot autocall-history `status` codes (seed 004). */
export const VOICEBOT_STATUS = {
  ANSWER: 200,
  NO_ANSWER: 2,
  BUSY: 3,
  CANCEL: 4,
  SYSTEM_ERROR: 100,
  UNKNOWN_ERROR: -100,
  UNKNOWN_NUMBER: 101,
  NO_HOTLINE_FOR_NETWORK: 102,
  BALANCE_TOO_LOW: 103,
  ERROR_104: 104,
  PLAN_EXPIRED: 105,
  NETWORK_NOT_SUPPORTED: 106,
} as const;
export type VoiceBotStatus = (typeof VOICEBOT_STATUS)[keyof typeof VOICEBOT_STATUS];

/** Voice-bot call-history `disposition` words (seed 004; Asterisk DIALSTATUS vocabulary). */
export const VOICEBOT_DISPOSITIONS = [
  'ANSWER',
  'BUSY',
  'NOANSWER',
  'CANCEL',
  'MISSCALL',
  'SOMEONEANSWERED',
  'LOGOUT',
  'INCALL',
  'CONGESTION',
  'CHANUNAVAIL',
  'DONTCALL',
  'TORTURE',
  'INVALIDARGS',
  'NORMAL_CLEARING',
  'MORE',
] as const;
export type VoiceBotDisposition = (typeof VOICEBOT_DISPOSITIONS)[number];

/**
 * Whose side failed: `callee` (the customer's phone or line), `network` (carriers in between),
 * `local` (our gateway/profile/trunk config or our own hangup). A `local` failure says nothing about
 * the customer; the caller may choose not to charge the lead an attempt and to raise an alarm.
 */
export type FaultSide = 'callee' | 'network' | 'local';

export interface CauseRow {
  q850: number;
  code: number;
  status: RecallWord;
  report: ReportBucket;
  voiceBotStatus: VoiceBotStatus;
  voiceBotDisposition: VoiceBotDisposition;
  /** Could a later attempt to the same number plausibly succeed? */
  retryable: boolean;
  fault: FaultSide;
}

const row = (
  q850: number,
  code: number,
  status: RecallWord,
  report: ReportBucket,
  voiceBotStatus: VoiceBotStatus,
  voiceBotDisposition: VoiceBotDisposition,
  retryable: boolean,
  fault: FaultSide,
): CauseRow => ({ q850, code, status, report, voiceBotStatus, voiceBotDisposition, retryable, fault });

const VB = VOICEBOT_STATUS;

export const CAUSES = {
  // The number does not exist: never worth another try (Asterisk reports it as CHANUNAVAIL).
  UNALLOCATED_NUMBER: row(1, 1, 'invalid-number', 'failed', VB.UNKNOWN_NUMBER, 'CHANUNAVAIL', false, 'callee'),
  // Q.850: "the network does not serve the destination". A routing fault between carriers, not proof
  // the number is bad (SIP 485/604 also land here), so it stays retryable as `failed`.
  NO_ROUTE_DESTINATION: row(3, 3, 'failed', 'failed', VB.SYSTEM_ERROR, 'CHANUNAVAIL', true, 'network'),
  // Unanswered NORMAL_CLEARING: the far end cleared while ringing or after an early-media
  // announcement (Vietnamese carriers play "thuê bao quý khách vừa gọi..." then clear with 16).
  // Nobody answered, so it is a no-answer.
  NORMAL_CLEARING: row(16, 16, 'no-answered', 'no_answer', VB.NO_ANSWER, 'NOANSWER', true, 'callee'),
  USER_BUSY: row(17, 17, 'busy', 'busy', VB.BUSY, 'BUSY', true, 'callee'),
  // SIP 480 Temporarily Unavailable: handset off or out of coverage, hence not-available.
  NO_USER_RESPONSE: row(18, 18, 'not-available', 'not_available', VB.NO_ANSWER, 'CHANUNAVAIL', true, 'callee'),
  NO_ANSWER: row(19, 19, 'no-answered', 'no_answer', VB.NO_ANSWER, 'NOANSWER', true, 'callee'),
  SUBSCRIBER_ABSENT: row(20, 20, 'not-available', 'not_available', VB.NO_ANSWER, 'CHANUNAVAIL', true, 'callee'),
  // SIP 403/603. A person declining (603) looks like busy to an operator (Asterisk chan_sip maps 603
  // to BUSY, so do the report and voice-bot columns); the recall word is phone-block because carrier
  // spam-blocking and barred lines (403) also arrive as CALL_REJECTED.
  CALL_REJECTED: row(21, 21, 'phone-block', 'busy', VB.BUSY, 'BUSY', true, 'callee'),
  // SIP 410 Gone: the subscriber moved to another number; this one will not reach them again.
  NUMBER_CHANGED: row(22, 22, 'invalid-number', 'failed', VB.UNKNOWN_NUMBER, 'CHANUNAVAIL', false, 'callee'),
  // Q.850 27: the callee's equipment cannot be reached (seen on the real FreeSWITCH).
  DESTINATION_OUT_OF_ORDER: row(27, 27, 'not-available', 'not_available', VB.NO_ANSWER, 'CHANUNAVAIL', true, 'callee'),
  // SIP 484 Address Incomplete: the digits are wrong; redialing the same digits cannot help.
  INVALID_NUMBER_FORMAT: row(28, 28, 'invalid-number', 'failed', VB.UNKNOWN_NUMBER, 'CHANUNAVAIL', false, 'callee'),
  NORMAL_CIRCUIT_CONGESTION: row(34, 34, 'congestion', 'failed', VB.SYSTEM_ERROR, 'CONGESTION', true, 'network'),
  // SIP 502 Bad Gateway.
  NETWORK_OUT_OF_ORDER: row(38, 38, 'congestion', 'failed', VB.SYSTEM_ERROR, 'CONGESTION', true, 'network'),
  // SIP 503/500/400 and an unreachable SIP peer (seen on the real FreeSWITCH as "unreachable").
  NORMAL_TEMPORARY_FAILURE: row(41, 41, 'failed', 'failed', VB.SYSTEM_ERROR, 'CHANUNAVAIL', true, 'network'),
  SWITCH_CONGESTION: row(42, 42, 'congestion', 'failed', VB.SYSTEM_ERROR, 'CONGESTION', true, 'network'),
  // Our trunk may not call out (account barred, often a prepaid trunk out of credit). phone-block
  // is the nearest word; it is our side, so `local`.
  OUTGOING_CALL_BARRED: row(52, 52, 'phone-block', 'failed', VB.SYSTEM_ERROR, 'CHANUNAVAIL', true, 'local'),
  // The customer's line is barred for incoming calls (e.g. one-way locked for unpaid bills).
  INCOMING_CALL_BARRED: row(54, 54, 'phone-block', 'failed', VB.SYSTEM_ERROR, 'CHANUNAVAIL', true, 'callee'),
  // SIP 408/504: no final answer in time: the handset was not reachable.
  RECOVERY_ON_TIMER_EXPIRE: row(102, 102, 'not-available', 'not_available', VB.NO_ANSWER, 'CHANUNAVAIL', true, 'network'),
  // We (or the A leg) cancelled before answer: the customer was not really tried. There is no
  // `cancel` recall word, so it is no-answered for the recall rule and `cancel` in the report.
  ORIGINATOR_CANCEL: row(16, 487, 'no-answered', 'cancel', VB.CANCEL, 'CANCEL', true, 'local'),
  // uuid_kill / hupall by us (pause, stop, do-not-call) before answer: as ORIGINATOR_CANCEL.
  MANAGER_REQUEST: row(16, 703, 'no-answered', 'cancel', VB.CANCEL, 'CANCEL', true, 'local'),
  // A leg_timeout / sched_hangup fired before answer: the ring timeout, so no-answer.
  ALLOTTED_TIMEOUT: row(16, 802, 'no-answered', 'no_answer', VB.NO_ANSWER, 'NOANSWER', true, 'local'),
  // progress_timeout: not even ringing came back; the handset is unreachable.
  PROGRESS_TIMEOUT: row(16, 807, 'not-available', 'not_available', VB.NO_ANSWER, 'CHANUNAVAIL', true, 'network'),
  // Our configuration: no call left the box. System error for the voice-bot.
  INVALID_GATEWAY: row(16, 808, 'failed', 'failed', VB.SYSTEM_ERROR, 'CHANUNAVAIL', true, 'local'),
  GATEWAY_DOWN: row(16, 809, 'failed', 'failed', VB.SYSTEM_ERROR, 'CHANUNAVAIL', true, 'local'),
  INVALID_PROFILE: row(16, 811, 'failed', 'failed', VB.SYSTEM_ERROR, 'CHANUNAVAIL', true, 'local'),
} as const satisfies Record<string, CauseRow>;

export type HangupCause = keyof typeof CAUSES;
export const HANGUP_CAUSES = Object.keys(CAUSES) as HangupCause[];

/**
 * Any cause not in the table (new FreeSWITCH causes, garbage): `failed`, retryable so the lead is
 * not lost, voice-bot -100 "unknown error" (100 is kept for known system faults).
 */
export const UNKNOWN_CAUSE: CauseRow = row(0, 0, 'failed', 'failed', VB.UNKNOWN_ERROR, 'CHANUNAVAIL', true, 'network');

/**
 * The product's own causes, for calls whose end FreeSWITCH never reported (not FreeSWITCH causes;
 * q850 0). Unanswered they are `failed` and retryable (the customer did not talk); answered they
 * are `answered` like any answered call.
 * - NODE_LOST: the FreeSWITCH node holding the call died or restarted while the call was up (the
 *   call ended no later than the node's connection dropped).
 */
export const PRODUCT_CAUSES = {
  NODE_LOST: row(0, 0, 'failed', 'failed', VB.SYSTEM_ERROR, 'CHANUNAVAIL', true, 'local'),
} as const satisfies Record<string, CauseRow>;
export type ProductCause = keyof typeof PRODUCT_CAUSES;

export function isHangupCause(s: string): s is HangupCause {
  return Object.prototype.hasOwnProperty.call(CAUSES, s);
}

/** Normalise what FreeSWITCH gives: `-ERR USER_BUSY\n`, ` user_busy `, `USER_BUSY`. */
export function normaliseCause(raw: string | null | undefined): string {
  if (!raw) return '';
  return raw
    .trim()
    .replace(/^-ERR\s+/i, '')
    .trim()
    .toUpperCase();
}

/** The row for a cause name (normalised first); UNKNOWN_CAUSE when not in the table. */
export function causeInfo(raw: string | null | undefined): CauseRow & { cause: string; known: boolean } {
  const cause = normaliseCause(raw);
  if (isHangupCause(cause)) return { cause, known: true, ...CAUSES[cause] };
  if (Object.prototype.hasOwnProperty.call(PRODUCT_CAUSES, cause)) return { cause, known: true, ...PRODUCT_CAUSES[cause as ProductCause] };
  return { cause: cause || 'UNKNOWN', known: false, ...UNKNOWN_CAUSE };
}

/** A Q.850 value (variable_hangup_cause_q850) back to our cause name, when it is a true Q.850 cause. */
export function causeFromQ850(q850: number): HangupCause | undefined {
  if (q850 < 1 || q850 > 127) return undefined;
  return HANGUP_CAUSES.find((c) => CAUSES[c].code === q850);
}

// SIP final response -> FreeSWITCH cause: ESL.md, completed from sofia_glue_sip_cause_to_freeswitch
// (mod_sofia, RFC 4497 §8.4.4) for the codes whose cause is in our table.
const SIP_TO_CAUSE: Readonly<Record<number, HangupCause>> = {
  200: 'NORMAL_CLEARING',
  400: 'NORMAL_TEMPORARY_FAILURE',
  401: 'CALL_REJECTED',
  402: 'CALL_REJECTED',
  403: 'CALL_REJECTED',
  404: 'UNALLOCATED_NUMBER',
  407: 'CALL_REJECTED',
  408: 'RECOVERY_ON_TIMER_EXPIRE',
  410: 'NUMBER_CHANGED',
  480: 'NO_USER_RESPONSE',
  481: 'NORMAL_TEMPORARY_FAILURE',
  484: 'INVALID_NUMBER_FORMAT',
  485: 'NO_ROUTE_DESTINATION',
  486: 'USER_BUSY',
  487: 'ORIGINATOR_CANCEL',
  500: 'NORMAL_TEMPORARY_FAILURE',
  502: 'NETWORK_OUT_OF_ORDER',
  503: 'NORMAL_TEMPORARY_FAILURE',
  504: 'RECOVERY_ON_TIMER_EXPIRE',
  600: 'USER_BUSY',
  603: 'CALL_REJECTED',
  604: 'NO_ROUTE_DESTINATION',
};

/** SIP status (variable_sip_term_status) to cause; undefined for codes not mapped above. */
export function sipStatusToCause(status: number | string): HangupCause | undefined {
  const n = typeof status === 'string' ? Number.parseInt(status, 10) : status;
  return Number.isInteger(n) ? SIP_TO_CAUSE[n] : undefined;
}

/** mod_amd's amd_result. Callers translate mod_avmd's beep to MACHINE. */
export type AmdResult = 'HUMAN' | 'MACHINE' | 'NOTSURE';

export interface ClassifyInput {
  hangupCause: string | null | undefined;
  /** billsec > 0 or an answer time was seen — see wasAnswered. */
  answered: boolean;
  amdResult?: AmdResult | string | null;
  /** Answered, but the call's content could not be played (FILE NOT FOUND): the customer heard
   *  nothing, so the call did not deliver its message. */
  notDelivered?: boolean;
  /** Autodialer: answered, but no agent took the customer in time (or the customer hung up while
   *  waiting): an abandoned call. */
  abandoned?: boolean;
}

export interface CallDisposition {
  /** Normalised cause name ('UNKNOWN' when empty). */
  cause: string;
  knownCause: boolean;
  q850: number;
  answered: boolean;
  /** Reached a person: answered and not a machine. The recall rule adds min_recall_duration. */
  human: boolean;
  status: CallStatus;
  report: ReportBucket;
  voiceBotStatus: VoiceBotStatus;
  voiceBotDisposition: VoiceBotDisposition;
  retryable: boolean;
  fault: FaultSide;
}

/**
 * The one classification of a finished call.
 * - answered + AMD MACHINE → `voicemail`: the customer was not reached, so the report counts it as
 *   no_answer and the voice-bot sees NO_ANSWER; it is retryable (recall if `voicemail` is chosen).
 * - answered otherwise (HUMAN, NOTSURE, no AMD) → `answered`, whatever the hangup cause.
 * - not answered → the cause's row.
 */
export function classifyCall(input: ClassifyInput): CallDisposition {
  const info = causeInfo(input.hangupCause);
  const base = { cause: info.cause, knownCause: info.known, q850: info.q850, answered: input.answered };
  if (input.answered && input.abandoned) {
    // Reached a person and dropped them: `cancel` in the report (we ended it), `failed` for the
    // recall rule (recalled when the campaign recalls failed calls), CANCEL for the voice-bot.
    return {
      ...base,
      human: false,
      status: 'failed',
      report: 'cancel',
      voiceBotStatus: VB.CANCEL,
      voiceBotDisposition: 'CANCEL',
      retryable: true,
      fault: 'local',
    };
  }
  if (input.answered && input.notDelivered) {
    // Picked up, heard silence: not a reached customer. `failed` (recallable when the campaign
    // recalls failed calls), counted in the report's failed bucket, a system error for the voice-bot.
    return {
      ...base,
      human: false,
      status: 'failed',
      report: 'failed',
      voiceBotStatus: VB.SYSTEM_ERROR,
      voiceBotDisposition: 'CHANUNAVAIL',
      retryable: true,
      fault: 'local',
    };
  }
  if (input.answered) {
    const machine = typeof input.amdResult === 'string' && input.amdResult.trim().toUpperCase() === 'MACHINE';
    if (machine) {
      return {
        ...base,
        human: false,
        status: 'voicemail',
        report: 'no_answer',
        voiceBotStatus: VB.NO_ANSWER,
        voiceBotDisposition: 'NOANSWER',
        retryable: true,
        fault: 'callee',
      };
    }
    return {
      ...base,
      human: true,
      status: 'answered',
      report: 'answered',
      voiceBotStatus: VB.ANSWER,
      voiceBotDisposition: 'ANSWER',
      retryable: false,
      fault: 'callee',
    };
  }
  return {
    ...base,
    human: false,
    status: info.status,
    report: info.report,
    voiceBotStatus: info.voiceBotStatus,
    voiceBotDisposition: info.voiceBotDisposition,
    retryable: info.retryable,
    fault: info.fault,
  };
}

/**
 * Was the call answered? billsec is whole seconds, so a call answered and dropped within a second
 * has billsec 0: the answer time (variable_answer_epoch, or answersec/answer µs) decides then.
 */
export function wasAnswered(v: { billsec?: number | string | null; answerEpoch?: number | string | null }): boolean {
  const num = (x: number | string | null | undefined): number => {
    if (x === null || x === undefined || x === '') return 0;
    const n = typeof x === 'number' ? x : Number(x);
    return Number.isFinite(n) ? n : 0;
  };
  return num(v.billsec) > 0 || num(v.answerEpoch) > 0;
}
