// Hangup causes as the simulator needs them: cause name <-> Q.850 code <-> the SIP status a callee
// (or FreeSWITCH) would have used. Taken from /work/shared/ESL.md; the product's own table lives in
// domain/causes.ts — this one is deliberately small and local so the simulator has no dependency on
// product code.

export interface CauseInfo {
  /** Q.850 code FreeSWITCH reports in `variable_hangup_cause_q850` (16 for FreeSWITCH-only causes). */
  q850: number;
  /** SIP status the far end sent for this outcome (`variable_sip_term_status`), if any. */
  sip?: number;
}

export const CAUSES: Record<string, CauseInfo> = {
  UNALLOCATED_NUMBER: { q850: 1, sip: 404 },
  NO_ROUTE_DESTINATION: { q850: 3, sip: 404 },
  NORMAL_CLEARING: { q850: 16, sip: 200 },
  USER_BUSY: { q850: 17, sip: 486 },
  NO_USER_RESPONSE: { q850: 18, sip: 480 },
  NO_ANSWER: { q850: 19 },
  SUBSCRIBER_ABSENT: { q850: 20, sip: 480 },
  CALL_REJECTED: { q850: 21, sip: 603 },
  NUMBER_CHANGED: { q850: 22, sip: 410 },
  DESTINATION_OUT_OF_ORDER: { q850: 27, sip: 502 },
  INVALID_NUMBER_FORMAT: { q850: 28, sip: 484 },
  NORMAL_CIRCUIT_CONGESTION: { q850: 34, sip: 503 },
  NORMAL_TEMPORARY_FAILURE: { q850: 41, sip: 503 },
  SWITCH_CONGESTION: { q850: 42, sip: 503 },
  OUTGOING_CALL_BARRED: { q850: 52, sip: 403 },
  RECOVERY_ON_TIMER_EXPIRE: { q850: 102, sip: 408 },
  // FreeSWITCH-only causes: their q850 reads 16.
  ORIGINATOR_CANCEL: { q850: 16, sip: 487 },
  LOSE_RACE: { q850: 16 },
  MANAGER_REQUEST: { q850: 16 },
  ALLOTTED_TIMEOUT: { q850: 16 },
  PROGRESS_TIMEOUT: { q850: 16 },
  INVALID_GATEWAY: { q850: 16 },
  GATEWAY_DOWN: { q850: 16 },
  INVALID_PROFILE: { q850: 16 },
  CHAN_NOT_IMPLEMENTED: { q850: 66 },
  CRASH: { q850: 16 },
};

/** SIP final response -> FreeSWITCH cause (sofia's mapping for the statuses a dialer meets). */
export const SIP_TO_CAUSE: Record<number, string> = {
  404: 'UNALLOCATED_NUMBER',
  403: 'CALL_REJECTED',
  603: 'CALL_REJECTED',
  408: 'RECOVERY_ON_TIMER_EXPIRE',
  480: 'NO_USER_RESPONSE',
  486: 'USER_BUSY',
  600: 'USER_BUSY',
  484: 'INVALID_NUMBER_FORMAT',
  410: 'NUMBER_CHANGED',
  487: 'ORIGINATOR_CANCEL',
  502: 'DESTINATION_OUT_OF_ORDER',
  503: 'NORMAL_TEMPORARY_FAILURE',
};

export function isCause(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(CAUSES, name);
}

export function q850Of(cause: string): number {
  return CAUSES[cause]?.q850 ?? 16;
}

export function sipOf(cause: string): number | undefined {
  return CAUSES[cause]?.sip;
}
