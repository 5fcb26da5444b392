// Which call a log line is about. Every line written while a call's activity runs (the originate,
// the record, a callback delivery) carries `campaign_uuid`, `lead_uuid` and `call_id`: the activity
// binds them once (`bindCall`, one line at its start) and the logger's mixin (config/log.ts) adds
// them to each line, including lines of child loggers and of the functions it calls. The ids are
// kept per activity execution (Temporal's activity Context, itself scoped to the activity and its
// async continuations), so they never leak into another activity's lines. Code outside an
// activity uses `withCall(ids, fn)` or `callLogger(logger, ids)` (a pino child logger).
import { AsyncLocalStorage } from 'node:async_hooks';
import { Context } from '@temporalio/activity';
import type { Logger } from 'pino';

export interface CallIds {
  campaign_uuid: string;
  lead_uuid: string;
  call_id: string;
}

const byActivity = new WeakMap<object, CallIds>();
const scoped = new AsyncLocalStorage<CallIds>();

function activityContext(): object | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // not inside an activity
  }
}

/** The call the running code is about, if it bound one. */
export function currentCall(): CallIds | undefined {
  const s = scoped.getStore();
  if (s) return s;
  const ctx = activityContext();
  return ctx ? byActivity.get(ctx) : undefined;
}

/**
 * Bind the call to the running activity (for the rest of it). Takes an activity's input:
 * `call_id` or `plan.call_id`, with `campaign_uuid` and `lead_uuid`. Outside an activity: nothing.
 */
export function bindCall(input: { campaign_uuid: string; lead_uuid: string; call_id?: string; plan?: { call_id: string } }): void {
  const ctx = activityContext();
  if (ctx)
    byActivity.set(ctx, {
      campaign_uuid: input.campaign_uuid,
      lead_uuid: input.lead_uuid,
      call_id: input.call_id ?? input.plan?.call_id ?? '',
    });
}

/** Run `fn` with the call bound (code outside an activity, e.g. an event handler). */
export function withCall<T>(ids: CallIds, fn: () => T): T {
  return scoped.run(ids, fn);
}

/** A child logger whose every line carries the call's ids. */
export function callLogger(logger: Logger, ids: CallIds): Logger {
  return logger.child({ campaign_uuid: ids.campaign_uuid, lead_uuid: ids.lead_uuid, call_id: ids.call_id });
}
