// The call record, completed once per call (`_id` = call_id), and the lead's state after it.
import { classifyCall } from '../domain/causes.ts';
import { callsOf, type CallDoc } from '../storage/calls.ts';
import { leadsOf } from '../storage/leads.ts';
import { isDuplicateKey } from '../storage/tenants.ts';
import type { ActivityDeps } from './index.ts';

/** What the lead workflow knows when a call ends: the record's outcome fields (times as epoch ms,
 *  workflow-safe) and what becomes of the lead. */
export type RecordCallInput = Pick<
  CallDoc,
  | 'call_id' | 'lead_uuid' | 'campaign_uuid' | 'domain_uuid' | 'attempt' | 'phone_number' | 'dialed' | 'answered'
  | 'hangup_cause' | 'disposition' | 'report' | 'voice_bot_status' | 'billsec' | 'duration' | 'waitsec' | 'reconciled'
> & {
  ended_at: number;
  lead_status: 'done' | 'waiting_recall';
  next_attempt_at: number | null;
};

export function createCallActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    async recordCall(input: RecordCallInput): Promise<void> {
      const set: Partial<CallDoc> = {
        state: 'done',
        // The leg that answered (or decided the outcome): with serial/parallel dialing not
        // necessarily the first number the record was created with.
        phone_number: input.phone_number,
        answered: input.answered,
        hangup_cause: input.hangup_cause,
        disposition: input.disposition,
        report: input.report,
        voice_bot_status: input.voice_bot_status,
        billsec: input.billsec,
        duration: input.duration,
        waitsec: input.waitsec,
        reconciled: input.reconciled,
        ended_at: new Date(input.ended_at),
      };
      try {
        await callsOf(db).updateOne(
          { _id: input.call_id, state: { $ne: 'done' } },
          {
            $set: set,
            $setOnInsert: {
              call_id: input.call_id,
              lead_uuid: input.lead_uuid,
              campaign_uuid: input.campaign_uuid,
              domain_uuid: input.domain_uuid,
              attempt: input.attempt,
              dial_string: '',
              gateway: '',
              leg_uuids: [],
              node: '',
              dialed: input.dialed,
              originate_sent_at: null,
              originate_result: '',
              answered_uuid: '',
              created_at: new Date(),
            },
          },
          { upsert: true },
        );
      } catch (err) {
        if (!isDuplicateKey(err)) throw err; // already done: recorded by an earlier try
      }
      await leadsOf(db).updateOne(
        { _id: input.lead_uuid, current_call_id: input.call_id },
        {
          $set: {
            status: input.lead_status,
            disposition: input.disposition,
            current_call_id: '',
            next_attempt_at: input.next_attempt_at === null ? null : new Date(input.next_attempt_at),
            updated_at: new Date(),
          },
        },
      );
    },
  };
}

/** The record of a lead whose number cannot be dialed (stored at import; never dialed). */
export function invalidCallRecord(lead: { lead_uuid: string; campaign_uuid: string; domain_uuid: string; phone_number: string; next_call_id: string }): CallDoc {
  const d = classifyCall({ hangupCause: 'INVALID_NUMBER_FORMAT', answered: false });
  const now = new Date();
  return {
    _id: lead.next_call_id,
    call_id: lead.next_call_id,
    lead_uuid: lead.lead_uuid,
    campaign_uuid: lead.campaign_uuid,
    domain_uuid: lead.domain_uuid,
    attempt: 0,
    phone_number: lead.phone_number,
    dial_string: '',
    gateway: '',
    leg_uuids: [],
    node: '',
    state: 'done',
    dialed: false,
    originate_sent_at: null,
    originate_result: '',
    answered_uuid: '',
    answered: false,
    hangup_cause: d.cause,
    disposition: d.status,
    report: d.report,
    voice_bot_status: d.voiceBotStatus,
    billsec: 0,
    duration: 0,
    waitsec: 0,
    reconciled: false,
    created_at: now,
    ended_at: now,
  };
}
