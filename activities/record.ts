// The call record, completed once per call (`_id` = call_id), and the lead's state after it.
// Every write is by `_id` and the lead has one writer (its workflow), so no conditional filters:
// FerretDB indexes single-field `_id` filters only. What follows the record (stats, report,
// callbacks) is derived from the record that stands, so a retry cannot make them disagree.
import { scheduleCallDeliveries } from '../callbacks/schedule.ts';
import { callRecordOf, completeCallRecord, emptyCallRecord, type CallDoc } from '../storage/calls.ts';
import { leadsOf } from '../storage/leads.ts';
import { noteForReport } from '../storage/report.ts';
import { chargeCall } from '../storage/billing.ts';
import { WorkflowNotFoundError } from '@temporalio/client';
import { campaignRunWorkflowId, releaseSlotSignal, type ReleaseSlotPayload } from '../workflows/contract.ts';
import { temporalClient, type ActivityDeps } from './deps.ts';
import { bindCall } from '../config/call-context.ts';
import { callRecorded } from '../config/metrics.ts';
import { agentOfName } from '../storage/agents.ts';
import { noteAgentCall, statsDay } from '../storage/agent-stats.ts';
import { tenantTimeZone } from '../storage/tenants.ts';
import { recordingUrl } from '../media/recordings.ts';
import { startRecordingUpload } from './recordings.ts';

/** What the lead workflow knows when a call ends: the record's outcome fields (times as epoch ms,
 *  workflow-safe) and what becomes of the lead. */
export type RecordCallInput = Pick<
  CallDoc,
  | 'call_id'
  | 'lead_uuid'
  | 'campaign_uuid'
  | 'domain_uuid'
  | 'attempt'
  | 'phone_number'
  | 'dialed'
  | 'answered'
  | 'hangup_cause'
  | 'q850'
  | 'disposition'
  | 'report'
  | 'voice_bot_status'
  | 'billsec'
  | 'duration'
  | 'waitsec'
  | 'reconciled'
  | 'answered_uuid'
  | 'network'
  | 'carrier_uuid'
  | 'caller_number'
  | 'gateway'
  | 'digits'
  | 'delivery_error'
  | 'leg_uuids'
  | 'node'
  | 'dial_string'
  | 'queue_wait'
  | 'talk_time'
  | 'abandoned'
  | 'cancel_reason'
> & {
  /** Autodialer: mod_callcenter's name of the agent who took the call ('' = none). */
  agent_name?: string;
  /** The campaign records calls and this one was answered: the record gets its record_url. */
  recorded?: boolean;
  run_id?: string;
  granted_at?: number;
  /** When the originate was sent (ms); the record's created_at when the call was never sent. */
  sent_at: number;
  answered_at: number | null;
  ended_at: number;
  action_log?: Array<{ at: number; action: string; detail: string }>;
  /** First attempt of the lead (ms), kept on the lead for limit_recall_duration. */
  first_attempt_at: number;
  lead_status: 'done' | 'waiting_recall';
  next_attempt_at: number | null;
  /** Sent to the campaign run once everything is stored: the lead's slot is free. */
  release?: ReleaseSlotPayload;
};

/** What an earlier run of `recordCall` for the same call stored for the lead, returned when the
 *  call's record was already complete: the lead workflow follows it, so the lead, its record and
 *  what followed the record (report, stats, callback, the run's release) agree even when a workflow
 *  task re-ran with another outcome (docs/engine.md, *A re-run workflow task*). */
export interface KeptOutcome {
  disposition: string;
  lead_status: 'done' | 'waiting_recall';
  next_attempt_at: number | null;
}

/** The lead's state as a completed earlier run left it for `call_id`; null when that run did not
 *  get as far as the lead (it stops between the record and the lead's update). */
async function keptOutcome(db: ActivityDeps['db'], lead_uuid: string, call_id: string): Promise<KeptOutcome | null> {
  const lead = await leadsOf(db).findOne(
    { _id: lead_uuid },
    { projection: { status: 1, disposition: 1, next_attempt_at: 1, call_ids: 1 } },
  );
  if (!lead?.call_ids?.includes(call_id) || (lead.status !== 'done' && lead.status !== 'waiting_recall')) return null;
  return { disposition: lead.disposition, lead_status: lead.status, next_attempt_at: lead.next_attempt_at?.getTime() ?? null };
}

/** The lead after its call: status, disposition, attempts, the next attempt; the call among its calls. */
async function updateLead(db: ActivityDeps['db'], input: RecordCallInput): Promise<void> {
  await leadsOf(db).updateOne(
    { _id: input.lead_uuid },
    {
      $set: {
        status: input.lead_status,
        disposition: input.disposition,
        attempts: input.attempt,
        first_attempt_at: new Date(input.first_attempt_at),
        next_attempt_at: input.next_attempt_at === null ? null : new Date(input.next_attempt_at),
        updated_at: new Date(),
      },
      $addToSet: { call_ids: input.call_id },
    },
  );
}

export function createRecordActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    async recordCall(input: RecordCallInput): Promise<KeptOutcome | null> {
      bindCall(input); // every log line of this call carries its ids (config/call-context.ts)
      // The whole record from what the workflow knows; a retry keeps the first one stored
      // (completeCallRecord). The picked CallDoc fields pass through; times come as epoch ms.
      const {
        run_id,
        granted_at,
        sent_at,
        answered_at,
        ended_at,
        action_log,
        first_attempt_at,
        lead_status,
        next_attempt_at,
        release,
        agent_name,
        recorded,
        ...fields
      } = input;
      const agent = agent_name ? await agentOfName(db, input.domain_uuid, agent_name) : undefined;
      const record: CallDoc = callRecordOf({
        ...emptyCallRecord(input),
        ...fields,
        run_id: run_id ?? '',
        slot_granted_at: granted_at ? new Date(granted_at) : null,
        state: 'done',
        originate_sent_at: input.dialed ? new Date(sent_at) : null,
        created_at: new Date(sent_at),
        answered_at: answered_at === null ? null : new Date(answered_at),
        ended_at: new Date(ended_at),
        action_log: (action_log ?? []).map((a) => ({ ...a, at: new Date(a.at) })),
        ...(agent ? { agent_uuid: agent.user_uuid, agent_extension: agent.extension } : {}),
        record_url: recorded ? recordingUrl(deps.config, { call_id: input.call_id, domain_uuid: input.domain_uuid, ended_at }) : '',
      });
      if (record.delivery_error)
        deps.logger.warn(
          { call_id: record.call_id, campaign_uuid: record.campaign_uuid, error: record.delivery_error },
          'call answered but its content was not played',
        );
      const stored = await completeCallRecord(db, record);
      const kept = stored === record ? null : await keptOutcome(db, input.lead_uuid, input.call_id);
      if (!kept) await updateLead(db, input);
      const endedAt = stored.ended_at?.getTime() ?? ended_at;
      if (agent)
        await noteAgentCall(db, {
          user_uuid: agent.user_uuid,
          domain_uuid: record.domain_uuid,
          day: statsDay(endedAt, await tenantTimeZone(db, record.domain_uuid)),
          talk_s: stored.talk_time,
          at: endedAt,
          call_id: stored.call_id,
        });
      callRecorded(db, stored); // metrics: disposition, talk time, latencies (config/metrics.ts)
      await chargeCall(db, stored); // prepaid tenants: answered calls by billsec (storage/billing.ts)
      await noteForReport(db, stored);
      if (release) {
        try {
          await temporalClient(deps).workflow.getHandle(campaignRunWorkflowId(input.campaign_uuid)).signal(releaseSlotSignal, release);
        } catch (err) {
          // No run (stopped and ended): nothing holds the slot any more.
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      }
      // After the release: the next call does not wait for the callback (first attempt inline).
      await scheduleCallDeliveries(deps, stored, { inline: true });
      // With RECORDINGS_S3_BUCKET: the recording moves to the bucket in a workflow of its own.
      if (recorded) await startRecordingUpload(deps, { call_id: input.call_id, domain_uuid: input.domain_uuid });
      return kept;
    },
  };
}
