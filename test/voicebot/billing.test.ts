// Prepaid tenants on the real stack: answered calls are charged by billsec at the network's price
// per minute (insert-only charges, one per call), the next dial is refused once the balance is
// used up (voice-bot 103, never originated), and every dial is refused while the plan has expired
// (105). The voice-bot webhooks carry the codes and each call's postage.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCampaign } from '../../storage/campaigns.ts';
import { BILLING_TTL_MS, callPrice, chargeCall, chargesOf, remainingBalance } from '../../storage/billing.ts';
import { tenantsOf } from '../../storage/tenants.ts';
import { campaignByIntegerId } from '../../storage/voicebot.ts';
import { originatesOf, startEngine, waitFor, type Engine } from '../engine/harness.ts';
import { apiOf, campaignFinished, sleep } from '../callbacks/common.ts';
import { startReceiver, type Receiver } from '../callbacks/receiver.ts';

const RULES = { default: { action: 'answer' as const, ringMs: 20, talkMs: 1_300 } }; // billsec 1

describe('voice-bot: prepaid balance and plan', () => {
  let e: Engine;
  let rcv: Receiver;
  let api: ReturnType<typeof apiOf>;

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
    api = apiOf(e);
  });
  afterAll(async () => {
    await rcv?.close();
    await e?.close();
  });

  async function run(name: string, phones: string[]) {
    const template = await e.campaign({ concurrent_call: 1, recall_times: 0, callback_url: rcv.url(`/${name}`) });
    const t = (await getCampaign(e.mongo.db, e.tenant.domain_uuid, template))!;
    const res = await api.post('/api/campaign/create', {
      vbotId: 'v',
      groupCode: 'g',
      campaignId: t.campaign_id,
      name,
      phones: phones.map((p) => ({ fields: [{ key: 'phone', value: p }] })),
    });
    expect(res.body.status).toBe(1);
    const c = (await campaignByIntegerId(e.mongo.db, e.tenant.domain_uuid, res.body.data))!;
    const calls = (await campaignFinished(e, c.campaign_uuid)).sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
    await waitFor(
      () => calls.every((x) => rcv.accepted().has(`${x.call_id}:cdr`) && rcv.accepted().has(`${x.call_id}:history`)),
      60_000,
      'webhooks',
    );
    const auto = (id: string) => JSON.parse(rcv.accepted().get(`${id}:cdr`)![0]!.body);
    const hist = (id: string) => JSON.parse(rcv.accepted().get(`${id}:history`)![0]!.body);
    return { c, calls, auto, hist };
  }

  it('price: per minute of the network, by the second', () => {
    expect(callPrice({ postage: { viettel: 600 } }, 'viettel', 30)).toEqual({ price_per_minute: 600, amount: 300 });
    expect(callPrice({ postage: { viettel: 1000 } }, 'viettel', 1)).toEqual({ price_per_minute: 1000, amount: 16.67 });
    expect(callPrice({ postage: { viettel: 600 } }, 'mobi', 30)).toEqual({ price_per_minute: 0, amount: 0 });
  });

  it('103 once a small balance runs out: the answered call is charged once, later leads are never dialed', async () => {
    await tenantsOf(e.mongo.db).updateOne({ _id: e.tenant.domain_uuid }, { $set: { balance: 100, postage: { viettel: 6_000 } } });
    await sleep(BILLING_TTL_MS + 100);
    const { c, calls, auto, hist } = await run('vb-balance', ['0981400001', '0981400002', '0981400003']);
    expect(calls.length).toBe(3);
    const [first, ...rest] = calls;
    expect(first!.answered).toBe(true);
    const cost = callPrice({ postage: { viettel: 6_000 } }, 'viettel', first!.billsec).amount;
    expect(cost).toBeGreaterThanOrEqual(100);
    expect(auto(first!.call_id)).toMatchObject({ status: 200, postage: cost, time_call: first!.billsec });
    expect(hist(first!.call_id)).toMatchObject({ status: '1', postage: String(cost), disposition: 'ANSWER', error: 0 });
    for (const r of rest) {
      expect(r).toMatchObject({ dialed: false, answered: false, hangup_cause: 'BALANCE_TOO_LOW' });
      expect(auto(r.call_id)).toMatchObject({ status: 103, postage: 0, time_call: 0 });
      expect(hist(r.call_id)).toMatchObject({ status: '0', error: 103, message: 'BALANCE_TOO_LOW' });
    }
    expect(originatesOf(e, c.campaign_uuid).length).toBe(1);
    // One charge, by call id; charging the same call again adds nothing.
    const charges = await chargesOf(e.mongo.db).find({ domain_uuid: e.tenant.domain_uuid }).toArray();
    expect(charges.map((x) => [x._id, x.amount])).toEqual([[first!.call_id, cost]]);
    await chargeCall(e.mongo.db, first!);
    expect(await chargesOf(e.mongo.db).countDocuments({ domain_uuid: e.tenant.domain_uuid })).toBe(1);
    expect(await remainingBalance(e.mongo.db, e.tenant.domain_uuid)).toBe(100 - cost);
  });

  it('105 while the plan has expired (a top-up alone does not help)', async () => {
    await tenantsOf(e.mongo.db).updateOne(
      { _id: e.tenant.domain_uuid },
      { $set: { balance: 1_000_000, plan_expires_at: new Date(Date.now() - 60_000) } },
    );
    await sleep(BILLING_TTL_MS + 100);
    const { c, calls, auto } = await run('vb-plan', ['0981500001', '0981500002']);
    expect(calls.map((x) => auto(x.call_id).status)).toEqual([105, 105]);
    expect(calls.every((x) => !x.dialed && x.hangup_cause === 'PLAN_EXPIRED')).toBe(true);
    expect(originatesOf(e, c.campaign_uuid).length).toBe(0);
    // Renewed: dials again.
    await tenantsOf(e.mongo.db).updateOne({ _id: e.tenant.domain_uuid }, { $set: { plan_expires_at: new Date(Date.now() + 86_400_000) } });
    await sleep(BILLING_TTL_MS + 100);
    const again = await run('vb-plan-2', ['0981500003']);
    expect(again.calls.map((x) => again.auto(x.call_id).status)).toEqual([200]);
  });
});
