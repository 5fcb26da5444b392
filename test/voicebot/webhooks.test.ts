// The voice-bot webhooks end to end: a campaign created by POST /api/campaign/create runs on the
// simulator and every call arrives at a real local receiver in both documented shapes (autocall
// history as kind `cdr`, call history as kind `history`), signed, once per Idempotency-Key, with the
// status codes of docs/api-contract.md §4: 200 answered, 3 busy, 2 no answer, 101 unknown number, 102 no carrier
// for the number's network, 106 network not supported.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { voiceBotTime } from '../../callbacks/payload.ts';
import { carriersOf } from '../../storage/directory.ts';
import { getCampaign } from '../../storage/campaigns.ts';
import { tenantCallbackSecret } from '../../storage/tenants.ts';
import { campaignByIntegerId } from '../../storage/voicebot.ts';
import { startEngine, waitFor, type Engine } from '../engine/harness.ts';
import { apiOf, campaignFinished, sleep } from '../callbacks/common.ts';
import { startReceiver, verifyCallback, type Receiver } from '../callbacks/receiver.ts';

const RULES = {
  default: { action: 'answer' as const, ringMs: 20, talkMs: 100 },
  numbers: {
    '0981300001': { action: 'answer' as const, ringMs: 20, talkMs: 1_200 },
    '0981300002': { action: 'busy' as const, ringMs: 20 },
    '0981300003': { action: 'noanswer' as const },
    '0981300004': { action: 'unallocated' as const, ringMs: 10 },
  },
};
const ZONE = 'Asia/Ho_Chi_Minh';

// phone → [autocall status, call-history disposition]
const EXPECTED: Record<string, [number, string]> = {
  '0981300001': [200, 'ANSWER'],
  '0981300002': [3, 'BUSY'],
  '0981300003': [2, 'NOANSWER'],
  '0981300004': [101, 'CHANUNAVAIL'],
  '02873009999': [102, 'CHANUNAVAIL'], // a fixed line: no carrier of the tenant serves `tel`
  '0921300005': [106, 'CHANUNAVAIL'], // Vietnamobile (`offnet`): a network no carrier supports
};

describe('voice-bot webhooks', () => {
  let e: Engine;
  let rcv: Receiver;
  let secret: string;

  beforeAll(async () => {
    e = await startEngine(RULES, {
      env: {
        CALLBACK_ALLOW_PRIVATE: 'true',
        CALLBACK_TIMEOUT_MS: '400',
        CALLBACK_RETRY_INITIAL_MS: '100',
        CALLBACK_RETRY_MAX_INTERVAL_MS: '400',
      },
    });
    rcv = await startReceiver();
    secret = await tenantCallbackSecret(e.mongo.db, e.tenant.domain_uuid);
    // The tenant's one carrier serves the three mobile networks only.
    await carriersOf(e.mongo.db).updateOne({ _id: e.carrier_uuid }, { $set: { networks: ['viettel', 'mobi', 'vina'] } });
  });
  afterAll(async () => {
    await rcv?.close();
    await e?.close();
  });

  it('both shapes, signed, with the documented status codes', async () => {
    // The template: no carrier of its own (the tenant's carriers by network), the webhook URL.
    const template = await e.campaign({
      carrier_uuid: '',
      carrier_name: '',
      concurrent_call: 6,
      recall_times: 0,
      call_timeout: 3,
      callback_url: rcv.url('/vbot'),
    });
    const t = (await getCampaign(e.mongo.db, e.tenant.domain_uuid, template))!;
    const api = apiOf(e);
    const phones = Object.keys(EXPECTED).map((phone, i) => ({
      fields: [
        { key: 'phone', value: phone },
        ...(i === 0
          ? [
              { key: 'name', value: 'Nguyễn Văn A' },
              { key: 'description', value: 'nhắc hạn' },
            ]
          : []),
      ],
    }));
    const res = await api.post('/api/campaign/create', {
      vbotId: 'vb1',
      groupCode: 'G1',
      campaignId: t.campaign_id,
      name: 'vb-run',
      phones,
    });
    expect(res).toEqual({ status: 200, body: { status: 1, error: 0, msg: 'success', data: res.body.data } });
    const c = (await campaignByIntegerId(e.mongo.db, e.tenant.domain_uuid, res.body.data))!;

    const calls = await campaignFinished(e, c.campaign_uuid);
    expect(calls.map((x) => x.phone_number).sort()).toEqual(Object.keys(EXPECTED).sort());
    const keys = new Set(calls.flatMap((x) => [`${x.call_id}:cdr`, `${x.call_id}:history`]));
    await waitFor(() => [...keys].every((k) => rcv.accepted().has(k)), 60_000, 'both shapes of every call');
    await sleep(1_000);
    const byKey = rcv.byKey();
    expect(new Set(byKey.keys())).toEqual(keys);
    for (const [k, list] of byKey) expect(list.length, k).toBe(1);

    for (const call of calls) {
      const [status, disposition] = EXPECTED[call.phone_number]!;
      const auto = byKey.get(`${call.call_id}:cdr`)![0]!;
      const hist = byKey.get(`${call.call_id}:history`)![0]!;
      for (const r of [auto, hist]) {
        expect(r.path).toBe('/vbot');
        expect(verifyCallback(secret, r.headers, r.body)).toBe(true);
      }
      expect(auto.kind).toBe('cdr');
      expect(hist.kind).toBe('history');
      const first = call.phone_number === '0981300001';
      // The record the body came from, should they disagree (a busy number once came as 2 on a loaded run).
      const stored = (({ hangup_cause, disposition, answered, reconciled, dialed, attempt }) => ({
        hangup_cause,
        disposition,
        answered,
        reconciled,
        dialed,
        attempt,
      }))(call);
      const why = `${call.phone_number}: ${JSON.stringify(stored)}`;
      expect(JSON.parse(auto.body), why).toEqual({
        campaign_id: c.campaign_id,
        create_at: voiceBotTime(call.created_at, ZONE),
        hotline: call.caller_number,
        phone: call.phone_number,
        name: first ? 'Nguyễn Văn A' : '',
        description: first ? 'nhắc hạn' : '',
        status,
        time_call: call.billsec,
        postage: 0,
        service_charge: 0,
        action_log: '[]',
        event_data: 'autocall_history',
      });
      const answered = status === 200;
      expect(JSON.parse(hist.body), call.phone_number).toEqual({
        status: answered ? '1' : '0',
        data: call.call_id,
        hotline_number: call.caller_number,
        date_create: voiceBotTime(call.created_at, ZONE),
        time_call: String(call.billsec),
        type_call: 'CALLOUT',
        caller: call.caller_number,
        callee: call.phone_number,
        postage: '0',
        source: 'autocall',
        event_data: 'call_history',
        disposition,
        record_file: '',
        message: answered ? '' : call.hangup_cause,
        error: answered ? 0 : status,
      });
    }
    // Dialed: the three mobiles with a carrier; not dialed: no carrier for tel / offnet.
    const dialed = Object.fromEntries(calls.map((x) => [x.phone_number, x.dialed]));
    expect(dialed).toMatchObject({ '0981300001': true, '02873009999': false, '0921300005': false });
    expect(calls.find((x) => x.phone_number === '0981300001')!.billsec).toBeGreaterThanOrEqual(1);
    // Local times (+07:00): a create_at is the UTC time shifted by 7 hours.
    expect(voiceBotTime(new Date('2024-01-02T20:04:05Z'), ZONE)).toBe('2024-01-03 03:04:05');
  });
});
