// Which call a log line is about. Every line written while a call's activity runs (the originate,
// the record, a callback delivery) carries `campaign_uuid`, `lead_uuid` and `call_id`: the activity
// binds them once (`bindCall`, one line at its start) and the logger's mixin (config/log.ts) adds
// them to each line, including lines of child loggers and of functions it calls. Code that is not
// inside such an activity uses `callLogger(logger, ids)`, a pino child logger with the same fields.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';

export interface CallIds {
  campaign_uuid: string;
  lead_uuid: string;
  call_id: string;
}

const store = new AsyncLocalStorage<CallIds>();

/** The call ids of the running activity, if it bound them. */
export function currentCall(): CallIds | undefined {
  return store.getStore();
}

/**
 * Bind the call for the rest of the running activity (its async continuations included). Takes an
 * activity's input: `call_id` or `plan.call_id`, with `campaign_uuid` and `lead_uuid`.
 */
export function bindCall(input: { campaign_uuid: string; lead_uuid: string; call_id?: string; plan?: { call_id: string } }): void {
  const call_id = input.call_id ?? input.plan?.call_id ?? '';
  store.enterWith({ campaign_uuid: input.campaign_uuid, lead_uuid: input.lead_uuid, call_id });
}

/** Run `fn` with the call bound (for code outside an activity, e.g. an event handler). */
export function withCall<T>(ids: CallIds, fn: () => T): T {
  return store.run(ids, fn);
}

/** A child logger whose every line carries the call's ids. */
export function callLogger(logger: Logger, ids: CallIds): Logger {
  return logger.child({ campaign_uuid: ids.campaign_uuid, lead_uuid: ids.lead_uuid, call_id: ids.call_id });
}
