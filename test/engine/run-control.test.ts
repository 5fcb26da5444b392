// The run's own machinery on the real engine, proven from the simulator's call log: the carrier's
// calls-per-second spacing, a run that continues-as-new many times without losing or repeating a
// lead or its slots, and a configuration change (PUT → configChanged) reaching a running run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateCampaign } from '../../storage/campaigns.ts';
import { buildLead, insertLead } from '../../storage/leads.ts';
import { carriers } from '../../storage/directory.ts';
import { campaignRunWorkflowId, configChangedSignal } from '../../workflows/contract.ts';
import { leadsOfCampaign, originatesOf, startEngine, waitFor, type Engine } from './harness.ts';

const RULES = {
  default: { action: 'answer' as const, ringMs: 20, talkMs: 100 },
  numbers: {
    '09830*': { action: 'answer' as const, ringMs: 20, talkMs: 800 },
    // five numbers of one customer: the first four busy, the fifth answers
    '098400000*': { action: 'busy' as const, ringMs: 20 },
    '0984000014': { action: 'answer' as const, ringMs: 20, talkMs: 100 },
    '09850*': { action: 'busy' as const, ringMs: 20 },
  },
};
const opts = { recallFloorMs: 300, reconcileAfterMs: 10_000, pollLeadsMs: 300 };

const allDone = (e: Engine, campaign: string, n: number) =>
  waitFor(
    async () => {
      const ls = await leadsOfCampaign(e, campaign);
      return ls.length === n && ls.every((l) => l.status === 'done') ? ls : undefined;
    },
    90_000,
    'every lead done',
  );

const numbers = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);

describe('run control', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await startEngine(RULES);
  });
  afterAll(async () => {
    await e?.close();
  });

  it("carrier cps 4: originates spaced by the carrier's rate, never more than 4 in any second", async () => {
    const slow = await carriers(e.mongo.db).create(e.tenant.domain_uuid, {
      carrier_name: 'cps-4',
      gateway: 'gw-cps',
      caller_numbers: [],
      networks: [],
      cps: 4,
      description: '',
    });
    const campaign = await e.campaign({
      concurrent_call: 10,
      recall_times: 0,
      carrier_uuid: slow.carrier_uuid,
      carrier_name: 'cps-4',
    });
    await e.addLeads(campaign, numbers('09810000', 10));
    await e.startRun(campaign, opts);
    await allDone(e, campaign, 10);
    const at = originatesOf(e, campaign)
      .map((x) => x.at)
      .sort((a, b) => a - b);
    expect(at.length).toBe(10);
    // 10 grants 250 ms apart span at least 2.25 s; the activity's own latency can bunch two
    // originates a little, so the sliding-window count allows one more than the rate.
    expect(at[at.length - 1]! - at[0]!).toBeGreaterThanOrEqual(2_000);
    const maxInOneSecond = Math.max(...at.map((t) => at.filter((u) => u >= t && u < t + 1000).length));
    expect(maxInOneSecond).toBeLessThanOrEqual(5);
  });

  it('continue-as-new every few events: every lead dialed exactly once, the cap held across runs', async () => {
    const campaign = await e.campaign({ concurrent_call: 3, recall_times: 0, hopper: 4 });
    const list = numbers('09820000', 24);
    await e.addLeads(campaign, list);
    await e.startRun(campaign, { ...opts, maxHistoryEvents: 40 });
    const first = await e.client.workflow.getHandle(campaignRunWorkflowId(campaign)).describe();
    await allDone(e, campaign, 24);
    const log = originatesOf(e, campaign);
    const dialed = log.map((x) => x.legs[0]!.number).sort();
    expect(dialed).toEqual([...list].sort()); // each exactly once
    expect(e.sim.callLog.peakConcurrency((x) => log.includes(x))).toBeLessThanOrEqual(3);
    const now = await e.client.workflow.getHandle(campaignRunWorkflowId(campaign)).describe();
    expect(now.runId).not.toBe(first.runId); // it did continue-as-new
    // The store says done before the run has read the last releaseSlot signal: wait for the run.
    const p = await waitFor(
      async () => {
        const q = await e.progress(campaign);
        return q.done === 24 && q.dialing === 0 ? q : undefined;
      },
      15_000,
      'the run counting every lead done',
    );
    expect(p.done).toBe(24);
    expect(p.calls).toBe(24);
    expect(p.started).toBe(24);
    expect(p.dialing).toBe(0);
  });

  it('a configuration change reaches the running run: concurrent_call 1 → 3', async () => {
    const campaign = await e.campaign({ concurrent_call: 1, recall_times: 0 });
    const list = numbers('09830000', 9); // 800 ms calls
    await e.addLeads(campaign, list);
    await e.startRun(campaign, opts);
    // Two calls at cap 1, then the change.
    await waitFor(
      () => (originatesOf(e, campaign).filter((x) => x.outcome !== 'pending').length >= 2 ? true : undefined),
      30_000,
      'two calls',
    );
    const before = originatesOf(e, campaign).length;
    const changedAt = Date.now();
    await updateCampaign(e.mongo.db, e.tenant.domain_uuid, campaign, { concurrent_call: 3 });
    await e.client.workflow.getHandle(campaignRunWorkflowId(campaign)).signal(configChangedSignal);
    await allDone(e, campaign, 9);
    const log = originatesOf(e, campaign);
    const early = log.filter((x) => x.at < changedAt);
    const late = log.filter((x) => x.at >= changedAt);
    expect(early.length).toBe(before);
    expect(e.sim.callLog.peakConcurrency((x) => early.includes(x))).toBe(1);
    expect(e.sim.callLog.peakConcurrency((x) => late.includes(x))).toBeGreaterThanOrEqual(2);
    expect(e.sim.callLog.peakConcurrency((x) => log.includes(x))).toBeLessThanOrEqual(3);
  });

  it('mode_call serial with five numbers: every number is a leg of the one attempt, the fifth answers', async () => {
    const campaign = await e.campaign({ concurrent_call: 1, recall_times: 0, mode_call: 'serial' });
    const nums = ['0984000000', '0984000001', '0984000002', '0984000003', '0984000014'];
    await insertLead(
      e.mongo.db,
      buildLead({
        domain_uuid: e.tenant.domain_uuid,
        campaign_uuid: campaign,
        phone_number: nums[0]!,
        more_numbers: nums.slice(1),
        param: {},
        source: 'v3_import',
      }),
    );
    await e.startRun(campaign, opts);
    const [lead] = await allDone(e, campaign, 1);
    expect(lead!.disposition).toBe('answered');
    const log = originatesOf(e, campaign);
    expect(log.length).toBe(1);
    expect(log[0]!.legs.map((l) => l.number)).toEqual(nums);
    expect(new Set(log[0]!.legs.map((l) => l.uuid)).size).toBe(5);
  });

  it("a lead's own numberCall replaces the campaign's recall count", async () => {
    const campaign = await e.campaign({
      concurrent_call: 2,
      recall_times: 0,
      schedule_recall: 'after',
      schedule_recall_duration: 1,
    });
    const add = (phone_number: string, param: Record<string, unknown>) =>
      insertLead(
        e.mongo.db,
        buildLead({ domain_uuid: e.tenant.domain_uuid, campaign_uuid: campaign, phone_number, param, source: 'voice_bot' }),
      );
    await add('0985000001', { numberCall: 3 });
    await add('0985000002', {});
    await e.startRun(campaign, opts);
    await allDone(e, campaign, 2);
    expect(e.sim.callLog.byNumber('0985000001').length).toBe(3); // busy each time: 3 attempts
    expect(e.sim.callLog.byNumber('0985000002').length).toBe(1); // the campaign's recall_times 0
  });
});
