// recordCall (activities/record.ts) run twice for one call with different outcomes — what happens
// when the lead's last workflow task is refused because a hangup signal came while it ran, and the
// task runs again having seen it: the first record stands, and the lead document and the lead
// workflow (through the returned KeptOutcome, workflows/call-outcome.ts leadAfterRecord) follow it
// instead of the second outcome. On the real store.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecordActivities, type RecordCallInput } from '../../activities/record.ts';
import { createLogger } from '../../config/log.ts';
import { callsOf, emptyCallRecord } from '../../storage/calls.ts';
import { buildLead, insertLead, leadsOf } from '../../storage/leads.ts';
import { connectMongo, type Mongo } from '../../storage/mongo.ts';
import { leadAfterRecord } from '../../workflows/call-outcome.ts';
import { testConfig } from '../helpers/env.ts';

const config = testConfig();
let mongo: Mongo;
let recordCall: ReturnType<typeof createRecordActivities>['recordCall'];
beforeAll(async () => {
  mongo = await connectMongo(config);
  recordCall = createRecordActivities({ config, db: mongo.db, logger: createLogger('record-call-test', 'silent') }).recordCall;
});
afterAll(async () => {
  await mongo?.db.dropDatabase();
  await mongo?.close();
});

const T0 = Date.UTC(2026, 11, 2, 3, 0, 0);

/** A lead stored as the claim leaves it, and the ids of its first call. */
async function aLead() {
  const lead = buildLead({
    domain_uuid: 'tenant-rc',
    campaign_uuid: randomUUID(),
    phone_number: '0987000001',
    param: {},
    source: 'v3_import',
  });
  await insertLead(mongo.db, lead);
  return { call_id: randomUUID(), lead_uuid: lead._id, campaign_uuid: lead.campaign_uuid, domain_uuid: lead.domain_uuid };
}

type Ids = Awaited<ReturnType<typeof aLead>>;

/** The first version: no hangup came in time, reconciliation found the channels gone — unknown,
 *  never recalled. */
function reconciledDone(ids: Ids): RecordCallInput {
  const { _id, state, created_at, answered_at, ended_at, originate_sent_at, slot_granted_at, action_log, record_url, ...r } =
    emptyCallRecord(ids);
  return {
    ...r,
    attempt: 1,
    phone_number: '0987000001',
    dialed: true,
    hangup_cause: 'NORMAL_CLEARING',
    disposition: 'failed',
    report: 'failed',
    reconciled: true,
    sent_at: T0,
    answered_at: null,
    ended_at: T0 + 40_000,
    first_attempt_at: T0,
    lead_status: 'done',
    next_attempt_at: null,
  };
}

/** The second version: the same task run again with the hangup it had not seen — busy, recalled. */
function busyRecalled(ids: Ids): RecordCallInput {
  return {
    ...reconciledDone(ids),
    hangup_cause: 'USER_BUSY',
    q850: 17,
    disposition: 'busy',
    report: 'busy',
    reconciled: false,
    ended_at: T0 + 5_000,
    lead_status: 'waiting_recall',
    next_attempt_at: T0 + 65_000,
  };
}

describe('recordCall run again for a recorded call', () => {
  it('stores the first outcome once; the second run returns it and leaves the lead as the first left it', async () => {
    const ids = await aLead();
    const first = reconciledDone(ids);
    expect(await recordCall(first)).toBeNull();
    const second = busyRecalled(ids);
    const kept = await recordCall(second);
    expect(kept).toEqual({ disposition: 'failed', lead_status: 'done', next_attempt_at: null });

    const call = await callsOf(mongo.db).findOne({ _id: ids.call_id });
    expect(call).toMatchObject({ disposition: 'failed', reconciled: true, hangup_cause: 'NORMAL_CLEARING', state: 'done' });
    const lead = await leadsOf(mongo.db).findOne({ _id: ids.lead_uuid });
    expect(lead).toMatchObject({ status: 'done', disposition: 'failed', next_attempt_at: null, call_ids: [ids.call_id] });
    // The workflow follows the record that stands: done, not recalled at T0 + 65 s.
    expect(leadAfterRecord(second, kept)).toEqual({ disposition: 'failed', recallAtMs: null });
  });

  it('the other way round: a stored recall is kept over a later done', async () => {
    const ids = await aLead();
    expect(await recordCall(busyRecalled(ids))).toBeNull();
    const kept = await recordCall(reconciledDone(ids));
    expect(kept).toEqual({ disposition: 'busy', lead_status: 'waiting_recall', next_attempt_at: T0 + 65_000 });
    const lead = await leadsOf(mongo.db).findOne({ _id: ids.lead_uuid });
    expect(lead).toMatchObject({ status: 'waiting_recall', disposition: 'busy', next_attempt_at: new Date(T0 + 65_000) });
    expect(leadAfterRecord(reconciledDone(ids), kept)).toEqual({ disposition: 'busy', recallAtMs: T0 + 65_000 });
  });

  it('a run that stopped between the record and the lead: the retry completes the lead with its own outcome', async () => {
    const ids = await aLead();
    // The record stored, the lead not yet updated (the activity died between the two writes).
    await callsOf(mongo.db).insertOne({ ...emptyCallRecord(ids), state: 'done', disposition: 'busy' });
    const retry = busyRecalled(ids);
    expect(await recordCall(retry)).toBeNull();
    const lead = await leadsOf(mongo.db).findOne({ _id: ids.lead_uuid });
    expect(lead).toMatchObject({ status: 'waiting_recall', disposition: 'busy', call_ids: [ids.call_id] });
  });
});
