// The delivery activities. `deliverCallback` is one attempt (Temporal retries it with backoff until
// the deadline); it records the attempt before sending and its outcome after, by `_id`.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ActivityDeps } from '../activities/deps.ts';
import { tenantCallbackSecret } from '../storage/tenants.ts';
import { CALLBACK_HTTP_ERROR, CALLBACK_REFUSED, deliveryId, deliveryIdentity, type CallbackDeliveryInput } from './contract.ts';
import { postCallback } from './http.ts';
import { deliveryHeaders } from './sign.ts';
import { httpStatusError, publicError } from './public-error.ts';
import { deliveriesOf } from './store.ts';
import { CallbackRefusedError, redactUrl, resolveTarget } from './url.ts';
import { bindCall } from '../config/call-context.ts';
import { callbackAttempt, callbackGivenUp } from '../config/metrics.ts';

/** Time kept free before the deadline, so an attempt ends (and is recorded) before Temporal gives up. */
const DEADLINE_MARGIN_MS = 250;

/** Which attempt this is (1 = the first POST) and when the delivery gives up (ms; null = never). */
export interface AttemptAt {
  attempt: number;
  deadline: number | null;
}

/**
 * One attempt of a delivery: recorded before it is sent and its outcome after, by `_id`. Throws
 * unless the receiver answered 2xx (a refused URL as a non-retryable `CALLBACK_REFUSED`). Used by
 * the delivery activity and, for a call record's callbacks, inline by `recordCall`
 * (callbacks/schedule.ts).
 */
export function createDeliveryAttempt(deps: Pick<ActivityDeps, 'db' | 'logger' | 'config'>) {
  const { db } = deps;
  const logger = deps.logger.child({ component: 'callbacks' });
  return async function attemptDelivery(
    input: CallbackDeliveryInput & { timeoutMs: number },
    at: AttemptAt,
  ): Promise<{ status_code: number }> {
    bindCall(input); // every log line of this call carries its ids (config/call-context.ts)
    const _id = deliveryId(input.call_id, input.kind);
    const now = new Date();
    const col = deliveriesOf(db);
    await col.updateOne(
      { _id },
      {
        $set: {
          ...deliveryIdentity(input),
          status: 'pending',
          attempts: at.attempt,
          created_at: new Date(input.scheduled_at),
          updated_at: now,
          last_attempt_at: now,
          deadline_at: at.deadline === null ? null : new Date(at.deadline),
        },
      },
      { upsert: true },
    );
    const outcome = async (set: { last_status_code?: number | null; last_error: string; delivered?: boolean }) => {
      const t = new Date();
      callbackAttempt(input, set);
      await col.updateOne(
        { _id },
        {
          $set: {
            last_error: set.last_error,
            updated_at: t,
            ...(set.last_status_code !== undefined ? { last_status_code: set.last_status_code } : {}),
            ...(set.delivered ? { status: 'delivered' as const, delivered_at: t } : {}),
          },
        },
      );
    };
    const log = {
      call_id: input.call_id,
      campaign_uuid: input.campaign_uuid,
      kind: input.kind,
      attempt: at.attempt,
      url: redactUrl(input.url),
    };

    let status: number;
    try {
      const target = await resolveTarget(input.url, deps.config.CALLBACK_ALLOW_PRIVATE);
      const secret = await tenantCallbackSecret(db, input.domain_uuid);
      const headers = deliveryHeaders({ secret, idempotencyKey: _id, kind: input.kind, attempt: at.attempt, body: input.body });
      const left = at.deadline === null ? Infinity : at.deadline - Date.now() - DEADLINE_MARGIN_MS;
      const timeoutMs = Math.max(50, Math.min(input.timeoutMs, left));
      ({ status } = await postCallback(target, input.body, headers, timeoutMs));
    } catch (err) {
      // The tenant sees a fixed phrase (callbacks/public-error.ts); the detail is for operators.
      const detail = (err as Error).message || String(err);
      const reason = publicError(err);
      logger.warn(
        { ...log, err: detail, code: (err as { code?: string }).code, reason },
        err instanceof CallbackRefusedError ? 'callback refused' : 'callback attempt failed',
      );
      await outcome({ last_status_code: null, last_error: reason });
      if (err instanceof CallbackRefusedError)
        throw ApplicationFailure.create({ message: reason, type: CALLBACK_REFUSED, nonRetryable: true, details: [detail] });
      throw err;
    }
    if (status >= 200 && status < 300) {
      await outcome({ last_status_code: status, last_error: '', delivered: true });
      return { status_code: status };
    }
    const message = httpStatusError(status);
    logger.info({ ...log, status }, 'callback answered non-2xx');
    await outcome({ last_status_code: status, last_error: message });
    throw ApplicationFailure.create({ message: `receiver answered ${message}`, type: CALLBACK_HTTP_ERROR });
  };
}

export function createCallbackActivities(deps: ActivityDeps) {
  const { db } = deps;
  const attemptDelivery = createDeliveryAttempt(deps);
  return {
    /** One attempt of a delivery (Temporal retries it). An inline first attempt, when there was one, counts. */
    async deliverCallback(input: CallbackDeliveryInput & { timeoutMs: number }): Promise<{ status_code: number }> {
      const info = Context.current().info;
      return attemptDelivery(input, {
        attempt: info.attempt + (input.attempts_before ?? 0),
        deadline: info.scheduleToCloseTimeoutMs ? info.scheduledTimestampMs + info.scheduleToCloseTimeoutMs : null,
      });
    },

    /** Retries are over: the delivery is `failed` (unless a last attempt got through after all). */
    async markCallbackFailed(input: Omit<CallbackDeliveryInput, 'body' | 'timing'> & { reason: string }): Promise<void> {
      const _id = deliveryId(input.call_id, input.kind);
      const col = deliveriesOf(db);
      const d = await col.findOne({ _id }, { projection: { status: 1, last_error: 1 } });
      if (d?.status === 'delivered') return;
      callbackGivenUp(input);
      const t = new Date();
      const last = d?.last_error ?? '';
      await col.updateOne(
        { _id },
        {
          $set: {
            ...deliveryIdentity(input),
            created_at: new Date(input.scheduled_at),
            status: 'failed',
            failed_at: t,
            updated_at: t,
            last_error: !last || last === input.reason ? input.reason : `${input.reason}; last error: ${last}`,
          },
        },
        { upsert: true },
      );
    },
  };
}
