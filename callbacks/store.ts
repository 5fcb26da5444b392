// Delivery state (collection `callback_deliveries`, `_id` = `<call_id>:<kind>`). One writer per
// document: the delivery's own workflow (its activities run one after another), always by `_id`.
import type { Collection, Db } from 'mongodb';
import { registerIndexes } from '../storage/indexes.ts';
import type { DeliveryIdentity, DeliveryStatus } from './contract.ts';
import { publicLastError } from './public-error.ts';

export interface CallbackDeliveryDoc extends DeliveryIdentity {
  _id: string; // `${call_id}:${kind}` = the Idempotency-Key
  status: DeliveryStatus;
  /** Attempts started so far. */
  attempts: number;
  /** HTTP status of the last answer (null: none yet, or no answer). */
  last_status_code: number | null;
  /** Why the last attempt failed ('' after a success): a phrase of callbacks/public-error.ts. */
  last_error: string;
  created_at: Date;
  updated_at: Date;
  last_attempt_at: Date | null;
  delivered_at: Date | null;
  failed_at: Date | null;
  /** When retrying stops. */
  deadline_at: Date | null;
}

export const deliveriesOf = (db: Db): Collection<CallbackDeliveryDoc> => db.collection<CallbackDeliveryDoc>('callback_deliveries');

registerIndexes('callback_deliveries', [
  // GET /v3/campaign/{uuid}/callbacks, optionally by status.
  { key: { campaign_uuid: 1, created_at: 1 }, name: 'campaign_created' },
  { key: { campaign_uuid: 1, status: 1, created_at: 1 }, name: 'campaign_status_created' },
]);

/**
 * A delivery as a tenant may see it (the v3 API's view): every field filled (absent fields of an
 * early write read as their defaults), and `last_error` in the fixed vocabulary of
 * callbacks/public-error.ts (records written before it held raw network errors).
 */
export function normalizeDelivery(d: Partial<CallbackDeliveryDoc> & { _id: string }): CallbackDeliveryDoc {
  const full: CallbackDeliveryDoc = {
    call_id: '',
    kind: 'cdr',
    domain_uuid: '',
    campaign_uuid: '',
    lead_uuid: '',
    url: '',
    status: 'pending',
    attempts: 0,
    last_status_code: null,
    last_error: '',
    created_at: new Date(0),
    updated_at: new Date(0),
    last_attempt_at: null,
    delivered_at: null,
    failed_at: null,
    deadline_at: null,
    ...d,
  };
  return { ...full, last_error: publicLastError(full.last_error) };
}
