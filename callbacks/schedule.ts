// Starting deliveries: one `callbackDeliveryWorkflow` per call and kind, started idempotently
// (workflow id `callback:<call_id>:<kind>`, a second start for the same id is a no-op), so the
// hooks below may run again for the same call (activity retries, event duplicates).
// - scheduleCallDeliveries: the call record is final (activities/record.ts recordCall, and the
//   API's invalid-number record) → POST to the campaign's callback_url; from recordCall the first
//   attempt is made inline and the workflow started only when it fails (deliverNowOrStart).
// - scheduleAnswerDelivery: CHANNEL_ANSWER seen by the node listener → POST to answer_callback_url
//   (and, as a backstop, again when an answered call is recorded: a no-op if it was started).
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import type { CampaignDoc } from '../domain/campaign.ts';
import { campaignsOf } from '../storage/campaigns.ts';
import { ttlCache } from '../storage/ttl-cache.ts';
import type { CallDoc } from '../storage/calls.ts';
import { createDeliveryAttempt } from './activities.ts';
import { deliveriesOf } from './store.ts';
import { callbackWorkflowId, deliveryId, type CallbackDeliveryInput, type CallbackKind, type DeliveryTiming } from './contract.ts';
import { answerBody, callBody, voiceBotCallHistoryPayload, voiceBotCallPayload, type AnswerInfo } from './payload.ts';
import { voiceBotContext } from './voicebot.ts';

export interface ScheduleDeps {
  config: Config;
  db: Db;
  logger: Logger;
  /** Default: the client of the running activity (none outside an activity: nothing is sent). */
  temporal?: Client;
}

type CallbackSettings = Pick<CampaignDoc, 'domain_uuid' | 'callback_url' | 'answer_callback_url' | 'callback_format' | 'campaign_id'>;

/**
 * How long a campaign's callback settings are reused: every call looks them up, and the engine's
 * throughput must not pay a read per call. A changed URL applies within this time.
 */
export const SETTINGS_TTL_MS = 2_000;
export const campaignCallbackSettings: (db: Db, campaign_uuid: string) => Promise<CallbackSettings | null> = ttlCache(
  SETTINGS_TTL_MS,
  (db, campaign_uuid) =>
    campaignsOf(db)
      .findOne(
        { _id: campaign_uuid },
        { projection: { domain_uuid: 1, callback_url: 1, answer_callback_url: 1, callback_format: 1, campaign_id: 1 } },
      )
      .then((d) =>
        d
          ? {
              domain_uuid: d.domain_uuid,
              callback_url: d.callback_url ?? '',
              answer_callback_url: d.answer_callback_url ?? '',
              callback_format: d.callback_format,
              campaign_id: d.campaign_id,
            }
          : null,
      ),
);

export const timingFromConfig = (c: Config): DeliveryTiming => ({
  timeoutMs: c.CALLBACK_TIMEOUT_MS,
  initialIntervalMs: c.CALLBACK_RETRY_INITIAL_MS,
  maxIntervalMs: c.CALLBACK_RETRY_MAX_INTERVAL_MS,
  deadlineMs: c.CALLBACK_RETRY_FOR_MS,
});

function clientOf(deps: ScheduleDeps): Client | undefined {
  if (deps.temporal) return deps.temporal;
  try {
    return Context.current().client;
  } catch {
    return undefined;
  }
}

/** Start the delivery workflow unless it exists (running or closed): idempotent. */
export async function startDelivery(deps: ScheduleDeps, input: CallbackDeliveryInput, opts: { startDelayMs?: number } = {}): Promise<void> {
  const client = clientOf(deps);
  if (!client) {
    deps.logger.warn({ call_id: input.call_id, kind: input.kind }, 'callback not scheduled: no Temporal client here');
    return;
  }
  try {
    await client.workflow.start('callbackDeliveryWorkflow', {
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      workflowId: callbackWorkflowId(input.call_id, input.kind),
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'USE_EXISTING',
      ...(opts.startDelayMs ? { startDelay: opts.startDelayMs } : {}),
      searchAttributes: { CampaignUuid: [input.campaign_uuid], TenantUuid: [input.domain_uuid] },
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/**
 * A call record's callback, from `recordCall`: its first attempt is made here, at once, and only when
 * it fails is the delivery workflow started — its attempts numbered after this one, its first after
 * the first backoff interval, as a workflow-only delivery would have retried. A delivered callback
 * then costs no workflow (two Temporal actions per call fewer: docs/engine.md). Run again for the
 * same call (a retried activity), a delivery already on record is not attempted inline again.
 */
export async function deliverNowOrStart(deps: ScheduleDeps, input: CallbackDeliveryInput): Promise<void> {
  const t = { ...timingFromConfig(deps.config), ...(input.timing ?? {}) };
  const prior = await deliveriesOf(deps.db).findOne(
    { _id: deliveryId(input.call_id, input.kind) },
    { projection: { status: 1, attempts: 1 } },
  );
  if (prior?.status === 'delivered') return;
  if (!prior) {
    try {
      await createDeliveryAttempt(deps)({ ...input, timeoutMs: t.timeoutMs }, { attempt: 1, deadline: input.scheduled_at + t.deadlineMs });
      return;
    } catch {
      // Recorded on the delivery; the workflow retries it.
    }
  }
  await startDelivery(deps, { ...input, attempts_before: prior?.attempts ?? 1 }, { startDelayMs: t.initialIntervalMs });
}

function deliveryInput(
  deps: ScheduleDeps,
  kind: CallbackKind,
  ids: { call_id: string; lead_uuid: string; campaign_uuid: string; domain_uuid: string },
  url: string,
  body: string,
): CallbackDeliveryInput {
  return { ...ids, kind, url, body, scheduled_at: Date.now(), timing: timingFromConfig(deps.config) };
}

/**
 * Called once a call record is final (may be called again for the same record: idempotent).
 * `inline`: the record's own callbacks get their first attempt at once (`deliverNowOrStart`).
 */
export async function scheduleCallDeliveries(deps: ScheduleDeps, call: CallDoc, opts: { inline?: boolean } = {}): Promise<void> {
  const deliver = opts.inline ? deliverNowOrStart : startDelivery;
  const s = await campaignCallbackSettings(deps.db, call.campaign_uuid);
  if (!s) return;
  // The answer callback as well: the answer event may never have been seen (the node's listener was
  // moving to another worker); if it was, this start is a no-op (one delivery per call and kind).
  if (call.answered && s.answer_callback_url) {
    const at = (call.answered_at ?? call.created_at).getTime();
    await scheduleAnswerDelivery(deps, {
      call_id: call.call_id,
      campaign_uuid: call.campaign_uuid,
      lead_uuid: call.lead_uuid,
      uuid: call.answered_uuid || call.call_id,
      phone_number: call.phone_number,
      answered_at: at,
    });
  }
  if (!s.callback_url) return;
  if (s.callback_format === 'voice_bot') {
    // Both voice-bot shapes, to the same URL (callbacks/voicebot.ts).
    const ctx = await voiceBotContext(deps.db, call, s.campaign_id);
    await deliver(deps, deliveryInput(deps, 'cdr', call, s.callback_url, JSON.stringify(voiceBotCallPayload(call, ctx))));
    await deliver(deps, deliveryInput(deps, 'history', call, s.callback_url, JSON.stringify(voiceBotCallHistoryPayload(call, ctx))));
    return;
  }
  await deliver(deps, deliveryInput(deps, 'cdr', call, s.callback_url, callBody(s.callback_format, call)));
}

/** A call was answered (CHANNEL_ANSWER): the answer callback, when the campaign has a URL. */
export async function scheduleAnswerDelivery(deps: ScheduleDeps, a: Omit<AnswerInfo, 'domain_uuid'>): Promise<boolean> {
  const s = await campaignCallbackSettings(deps.db, a.campaign_uuid);
  if (!s?.answer_callback_url) return false;
  const info: AnswerInfo = { ...a, domain_uuid: s.domain_uuid };
  await startDelivery(deps, deliveryInput(deps, 'answer', info, s.answer_callback_url, answerBody(s.callback_format, info)));
  return true;
}
