// The callback delivery's public interface: workflow id, input, timings, error types. Pure (no
// Node imports): the workflow bundle imports it.

/** `cdr`: the call record when a call ends (callback_url); `answer`: when it is answered (answer_callback_url);
 *  `history`: voice-bot campaigns only, the "call history" shape beside the `cdr` one (callbacks/voicebot.ts). */
export type CallbackKind = 'cdr' | 'answer' | 'history';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** `<call_id>:<kind>`: the delivery's `_id`, its Idempotency-Key, and (prefixed) its workflow id. */
export const deliveryId = (call_id: string, kind: CallbackKind): string => `${call_id}:${kind}`;
export const callbackWorkflowId = (call_id: string, kind: CallbackKind): string => `callback:${deliveryId(call_id, kind)}`;

export interface DeliveryTiming {
  /** One POST: no response within this → the attempt failed. */
  timeoutMs: number;
  /** Retry backoff: first interval, doubled per attempt up to maxIntervalMs. */
  initialIntervalMs: number;
  maxIntervalMs: number;
  /** Given up (status `failed`) this long after the first attempt was scheduled. */
  deadlineMs: number;
}

export const DEFAULT_TIMING: DeliveryTiming = {
  timeoutMs: 10_000,
  initialIntervalMs: 1_000,
  maxIntervalMs: 600_000,
  deadlineMs: 86_400_000,
};

/** Which delivery: the fields that identify it, in its input and on its stored record. */
export interface DeliveryIdentity {
  call_id: string;
  kind: CallbackKind;
  domain_uuid: string;
  campaign_uuid: string;
  lead_uuid: string;
  url: string;
}

/** The identity fields of `d`, alone (for a record's `$set`). */
export const deliveryIdentity = (d: DeliveryIdentity): DeliveryIdentity => ({
  call_id: d.call_id,
  kind: d.kind,
  domain_uuid: d.domain_uuid,
  campaign_uuid: d.campaign_uuid,
  lead_uuid: d.lead_uuid,
  url: d.url,
});

export interface CallbackDeliveryInput extends DeliveryIdentity {
  /** The exact JSON body sent on every attempt (the signature covers it). */
  body: string;
  /** When the delivery was scheduled (ms): the record's created_at. */
  scheduled_at: number;
  timing?: Partial<DeliveryTiming>;
  /** Attempts already made before this workflow (the inline first attempt of a call record's
   *  callback): its attempts are numbered after them. */
  attempts_before?: number;
}

export interface CallbackDeliveryResult {
  status: 'delivered' | 'failed';
  reason?: string;
}

/** A delivery that can never succeed as configured (scheme, private address): not retried. */
export const CALLBACK_REFUSED = 'CallbackRefused';
/** The receiver answered, but not 2xx: retried. */
export const CALLBACK_HTTP_ERROR = 'CallbackHttpError';
