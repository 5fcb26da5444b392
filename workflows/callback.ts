// One callback delivery (`callback:<call_id>:<kind>`): the delivery activity, retried by Temporal
// with exponential backoff (initial interval, ×2, up to the maximum interval) until the deadline
// (scheduleToClose, 24 h by default); then the delivery is marked `failed`. A refused URL (not
// http(s), non-public address) is not retried. Timings come from the input (config, or tests).
import { ActivityFailure, ApplicationFailure, proxyActivities, TimeoutFailure } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { CALLBACK_REFUSED, DEFAULT_TIMING, type CallbackDeliveryInput, type CallbackDeliveryResult } from '../callbacks/contract.ts';

const { markCallbackFailed } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const human = (ms: number) => (ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

export async function callbackDeliveryWorkflow(input: CallbackDeliveryInput): Promise<CallbackDeliveryResult> {
  const t = { ...DEFAULT_TIMING, ...(input.timing ?? {}) };
  const { deliverCallback } = proxyActivities<Activities>({
    // The POST's own timeout ends an attempt first; this only catches a stuck worker.
    startToCloseTimeout: t.timeoutMs + 10_000,
    scheduleToCloseTimeout: t.deadlineMs,
    retry: {
      initialInterval: t.initialIntervalMs,
      backoffCoefficient: 2,
      maximumInterval: t.maxIntervalMs,
      nonRetryableErrorTypes: [CALLBACK_REFUSED],
    },
  });
  try {
    await deliverCallback({ ...input, timeoutMs: t.timeoutMs });
    return { status: 'delivered' };
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    let reason: string;
    if (cause instanceof ApplicationFailure && cause.type === CALLBACK_REFUSED) reason = cause.message;
    else if (cause instanceof TimeoutFailure) reason = `gave up: not delivered within ${human(t.deadlineMs)}`;
    else reason = `gave up after retrying for up to ${human(t.deadlineMs)}`;
    const { body: _body, timing: _timing, ...ids } = input;
    await markCallbackFailed({ ...ids, reason });
    return { status: 'failed', reason };
  }
}
