// FreeSWITCH's side of the hangup causes, as the FreeSWITCH simulator (simulator/, a test tool)
// emits them: which causes it knows, the SIP status a callee's refusal carries for each, and which
// cause a SIP status becomes. Q.850 values are CAUSES' (causes.ts); only the FreeSWITCH-only causes
// the product never classifies carry theirs here. Pure: no I/O, imports only causes.ts.
import { CAUSES, isHangupCause, sipStatusToCause, type HangupCause } from './causes.ts';

/**
 * The causes the simulator knows (accepts from rules, uuid_kill, hupall and the hangup app), each
 * with the SIP final response the far end sent for it (variable_sip_term_status); null when no SIP
 * response produces it. CAUSES' NETWORK_OUT_OF_ORDER and INCOMING_CALL_BARRED are not simulated.
 */
export const FS_CAUSES = {
  UNALLOCATED_NUMBER: 404,
  NO_ROUTE_DESTINATION: 404,
  NORMAL_CLEARING: 200,
  USER_BUSY: 486,
  NO_USER_RESPONSE: 480,
  NO_ANSWER: null,
  SUBSCRIBER_ABSENT: 480,
  CALL_REJECTED: 603,
  NUMBER_CHANGED: 410,
  DESTINATION_OUT_OF_ORDER: 502,
  INVALID_NUMBER_FORMAT: 484,
  NORMAL_CIRCUIT_CONGESTION: 503,
  NORMAL_TEMPORARY_FAILURE: 503,
  SWITCH_CONGESTION: 503,
  OUTGOING_CALL_BARRED: 403,
  RECOVERY_ON_TIMER_EXPIRE: 408,
  ORIGINATOR_CANCEL: 487,
  LOSE_RACE: null,
  MANAGER_REQUEST: null,
  ALLOTTED_TIMEOUT: null,
  PROGRESS_TIMEOUT: null,
  INVALID_GATEWAY: null,
  GATEWAY_DOWN: null,
  INVALID_PROFILE: null,
  CHAN_NOT_IMPLEMENTED: null,
  CRASH: null,
} as const satisfies Record<string, number | null>;
export type FsCause = keyof typeof FS_CAUSES;

/** The FreeSWITCH causes outside CAUSES (no call of ours is classified by them): their Q.850 value. */
const FS_ONLY_Q850: Readonly<Record<Exclude<FsCause, HangupCause>, number>> = {
  LOSE_RACE: 16,
  CHAN_NOT_IMPLEMENTED: 66,
  CRASH: 16,
};

/**
 * SIP final response -> cause for the statuses the simulator maps: sipStatusToCause's (sofia's)
 * for these, except 502, which the simulator reports as DESTINATION_OUT_OF_ORDER (sofia:
 * NETWORK_OUT_OF_ORDER, a cause the simulator does not know).
 */
const FS_SIP_TO_CAUSE: Readonly<Record<number, string>> = {
  ...Object.fromEntries([403, 404, 408, 410, 480, 484, 486, 487, 503, 600, 603].map((s) => [s, sipStatusToCause(s)!])),
  502: 'DESTINATION_OUT_OF_ORDER',
};

export function isFsCause(name: string): name is FsCause {
  return Object.prototype.hasOwnProperty.call(FS_CAUSES, name);
}

/** variable_hangup_cause_q850 of a cause; 16 for a cause the simulator does not know. */
export function fsQ850(cause: string): number {
  if (!isFsCause(cause)) return 16;
  return isHangupCause(cause) ? CAUSES[cause].q850 : FS_ONLY_Q850[cause];
}

/** The SIP status a refusal with this cause carries; undefined when none. */
export function fsSipStatus(cause: string): number | undefined {
  return isFsCause(cause) ? (FS_CAUSES[cause] ?? undefined) : undefined;
}

/** The cause a SIP final response becomes; undefined for a status the simulator does not map. */
export function fsCauseOfSip(status: number): string | undefined {
  return FS_SIP_TO_CAUSE[status];
}
