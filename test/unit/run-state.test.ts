// The campaign run's state and decisions (workflows/run-state.ts), without Temporal.
import { describe, expect, it } from 'vitest';
import { CampaignRun } from '../../workflows/run-state.ts';
import type { AgentLive, LeadRef, RunConfig } from '../../workflows/contract.ts';

const cfg = (o: Partial<RunConfig> = {}): RunConfig => ({
  campaign_uuid: 'c',
  domain_uuid: 'd',
  campaign_name: 'n',
  status: 'start',
  concurrent_call: 2,
  network: { viettel: 0, mobi: 0, vina: 0, tel: 0, offnet: 0 },
  window: { kind: 'always' },
  time_zone: 'Asia/Ho_Chi_Minh',
  hopper: 4,
  priority_recall: '',
  customer_order: '',
  carrier_cps: {},
  ...o,
});
const ref = (id: string, readyAt = 0): LeadRef => ({ lead_uuid: id, network: 'viettel', carrier_uuid: 'k', readyAt });

describe('CampaignRun', () => {
  it('claims when the hopper is half empty, grants within the cap, frees on release', () => {
    const run = new CampaignRun('c');
    expect(run.claimLimit(cfg(), 0)).toBe(4);
    run.claimed([ref('a'), ref('b'), ref('c')], 0, 5_000);
    expect(run.claimLimit(cfg(), 0)).toBe(0); // 3 of 4: not half empty
    const g = run.grant(cfg(), 0);
    expect(g.fresh.map((l) => l.lead_uuid)).toEqual(['a', 'b']);
    expect(run.dialing).toBe(2);
    expect(run.hopper.map((l) => l.lead_uuid)).toEqual(['c']);
    expect(run.grant(cfg(), 0).fresh).toEqual([]); // cap 2 held
    run.releaseSlot({ lead_uuid: 'a', disposition: 'answered', final: true, called: true });
    run.releaseSlot({ lead_uuid: 'a', disposition: 'answered', final: true, called: true }); // a retried activity's second signal
    expect(run.snapshot()).toMatchObject({
      dialing: 1,
      calls: 1,
      done: 1,
      started: 2,
      max_dialing: 2,
      by_disposition: { answered: 1 },
      hopper: 1,
    });
    expect(run.grant(cfg(), 0).fresh.map((l) => l.lead_uuid)).toEqual(['c']);
  });

  it('keeps the hopper at what the pacing wants when that is more than `hopper` (at most 1,000)', () => {
    const run = new CampaignRun('c');
    const wide = cfg({ concurrent_call: 30 });
    expect(run.claimLimit(wide, 0)).toBe(4); // nothing asked for yet: the campaign's hopper
    run.claimed(
      ['a', 'b', 'c', 'd'].map((x) => ref(x)),
      0,
      5_000,
    );
    expect(run.grant(wide, 0).fresh).toHaveLength(4); // 30 slots open, 4 leads at hand
    expect(run.claimLimit(wide, 0)).toBe(30); // keep as many ready as there were slots open
    run.claimed(
      Array.from({ length: 30 }, (_, i) => ref(`n${i}`)),
      0,
      5_000,
    );
    expect(run.grant(wide, 0).fresh).toHaveLength(26); // the cap: 30 in flight
    expect(run.claimLimit(wide, 0)).toBe(22); // 26 were wanted, 4 are left: claim 22
    const huge = cfg({ concurrent_call: 50_000 });
    run.grant(huge, 0);
    expect(run.claimLimit(huge, 0)).toBe(1_000); // one claim is one dial-queue page at most
  });

  it('claims at most 10 first when nothing is claimed and no call is up, then fills the hopper', () => {
    const run = new CampaignRun('c');
    const big = cfg({ concurrent_call: 50, hopper: 100 });
    expect(run.claimLimit(big, 0)).toBe(10); // a run's start: the first calls out at once
    run.claimed(
      Array.from({ length: 10 }, (_, i) => ref(`f${i}`)),
      0,
      5_000,
    );
    expect(run.grant(big, 0).fresh).toHaveLength(10);
    expect(run.claimLimit(big, 0)).toBe(100); // calls up: the whole level
    run.claimed(
      Array.from({ length: 100 }, (_, i) => ref(`n${i}`)),
      0,
      5_000,
    );
    expect(run.grant(big, 0).fresh).toHaveLength(40); // the cap: 50 in flight
    for (let i = 0; i < 10; i++) run.releaseSlot({ lead_uuid: `f${i}`, disposition: 'busy', final: true, called: true });
    expect(run.claimLimit(big, 0)).toBe(0); // 60 at hand: not half empty
    // A hopper below 10 is claimed whole.
    expect(new CampaignRun('c').claimLimit(cfg({ hopper: 4 }), 0)).toBe(4);
    // After an empty spell (nothing at hand, nothing up) the first claim is small again.
    const idle = new CampaignRun('c');
    idle.claimed([], 0, 5_000);
    idle.leadsAdded();
    expect(idle.claimLimit(big, 1)).toBe(10);
  });

  it('after an empty claim, polls again only after the poll interval or a leadsAdded signal', () => {
    const run = new CampaignRun('c');
    expect(run.claimLimit(cfg(), 1_000)).toBe(4);
    run.claimed([], 1_000, 5_000);
    expect(run.claimLimit(cfg(), 3_000)).toBe(0);
    expect(run.idleMs(cfg(), 3_000, 0, null)).toBe(3_000); // until the next poll
    expect(run.claimLimit(cfg(), 6_000)).toBe(4);
    run.claimed([], 6_000, 5_000);
    run.leadsAdded();
    expect(run.claimLimit(cfg(), 6_001)).toBe(4);
  });

  it('recalls wait once each, and are told to stop after a stop', () => {
    const run = new CampaignRun('c');
    run.requestSlot(ref('r'));
    run.requestSlot(ref('r'));
    expect(run.waiting).toHaveLength(1);
    run.setStatus('stop');
    run.setStatus('start'); // a stopped run only winds down
    expect(run.status).toBe('stop');
    run.requestSlot(ref('late'));
    expect(run.stopNotices).toEqual(['late']);
    run.claimed([ref('h')], 0, 1);
    expect(run.drain()).toEqual({ unclaim: ['h'], tell: [ref('r')] });
    expect(run.hopper).toEqual([]);
    expect(run.waiting).toEqual([]);
  });

  it('a granted recall whose workflow is gone frees its slot', () => {
    const run = new CampaignRun('c');
    run.requestSlot(ref('r'));
    expect(run.grant(cfg(), 0).recalls.map((l) => l.lead_uuid)).toEqual(['r']);
    run.lost('r');
    expect(run.dialing).toBe(0);
  });

  it('idle wait: the soonest of the cps gap, the refill and the window closing; none → until a signal', () => {
    const run = new CampaignRun('c');
    run.claimed([ref('a'), ref('b'), ref('c')], 0, 5_000);
    expect(run.idleMs(cfg(), 0, 0, null)).toBeUndefined();
    expect(run.idleMs(cfg(), 0, 120, null)).toBe(120);
    expect(run.idleMs(cfg(), 1_000, 0, 1_500)).toBe(500);
    run.grant(cfg({ concurrent_call: 3 }), 0); // hopper empties: a refill is due at once
    expect(run.idleMs(cfg(), 0, 300, null)).toBe(1);
  });

  it('carries its state through continue-as-new', () => {
    const run = new CampaignRun('c');
    run.claimed([ref('a'), ref('b'), ref('c')], 0, 1);
    run.grant(cfg(), 0);
    run.requestSlot(ref('r'));
    run.setStatus('pause');
    const next = new CampaignRun('c', JSON.parse(JSON.stringify(run.carried())));
    expect(next.snapshot()).toEqual(run.snapshot());
    expect(next.status).toBe('pause');
    expect(Object.keys(next.active)).toEqual(['a', 'b']);
    expect(next.waiting.map((l) => l.lead_uuid)).toEqual(['r']);
  });

  it('autodialer: plain ratio paces on free agents; predictive starts at one line per free agent', () => {
    const ad = (predictive: boolean, adaptive = true) =>
      cfg({ concurrent_call: 0, hopper: 50, autodialer: { ratio: 200, adaptive, predictive, abandon_target_percent: 3 } });
    const fill = (run: CampaignRun) =>
      run.claimed(
        Array.from({ length: 50 }, (_, i) => ref(`l${i}`)),
        0,
        5_000,
      );
    // Ten agents, eight talking (eight slots held), two free.
    const busy = (run: CampaignRun) => {
      for (let i = 0; i < 8; i++) run.active[`t${i}`] = ref(`t${i}`);
      run.queueRead({ free: 2, talking: 8, waiting: 0, available: 10 }, []);
    };
    const plain = new CampaignRun('c');
    fill(plain);
    busy(plain);
    expect(plain.grant(ad(false), 0).fresh).toHaveLength(4); // 2 free × 200 %
    expect(plain.snapshot().ratio).toBe(200);

    // Predictive: nothing known yet (no talk seen, every customer taken to answer): one line per
    // free agent, level 100.
    const pred = new CampaignRun('c');
    fill(pred);
    busy(pred);
    expect(pred.grant(ad(true), 0).fresh).toHaveLength(2);
    expect(pred.snapshot().ratio).toBe(100);
    const fixed = new CampaignRun('c');
    fill(fixed);
    busy(fixed);
    expect(fixed.grant(ad(true, false), 0).fresh).toHaveLength(2); // not adaptive: level 100 all along
  });

  it('autodialer, predictive: learns talk times and the answer rate, dials for agents about to finish', () => {
    const c = cfg({
      concurrent_call: 0,
      hopper: 50,
      autodialer: { ratio: 300, adaptive: false, predictive: true, abandon_target_percent: 3 },
    });
    const run = new CampaignRun('c');
    run.claimed(
      Array.from({ length: 50 }, (_, i) => ref(`l${i}`)),
      0,
      5_000,
    );
    const live = (talking: number[]): AgentLive[] =>
      Array.from({ length: 10 }, (_, i) => ({
        agent_name: `a${i}`,
        status: 'Available',
        state: talking.includes(i) ? 'In a queue call' : 'Waiting',
        calls_answered: 0,
        talk_time: 0,
        last_bridge_end: 0,
        no_answer_count: 0,
      }));
    const view = (talking: number, free: number) => ({ free, talking, waiting: 0, available: 10 });
    const first5 = [0, 1, 2, 3, 4];
    // t = 0: agents 0–4 talk (their customers hold slots t0–t4), 5–9 are free.
    for (const i of first5) run.active[`t${i}`] = ref(`t${i}`);
    run.queueRead(view(5, 5), live(first5), 0);
    expect(run.grant(c, 0).fresh).toHaveLength(5); // one customer per free agent
    // t = 5 s: those five customers talk with agents 5–9.
    run.queueRead(view(10, 0), live([...first5, 5, 6, 7, 8, 9]), 5_000);
    expect(run.grant(c, 5_000).fresh).toHaveLength(0); // no talk has ended: nobody expected free
    // Ten other calls ended unanswered, then at 30 s agents 0–4 end their 30 s talks.
    for (let i = 0; i < 10; i++) {
      run.active[`b${i}`] = ref(`b${i}`);
      run.releaseSlot({ lead_uuid: `b${i}`, disposition: 'busy', final: true, called: true, answered: false });
    }
    for (const i of first5) run.releaseSlot({ lead_uuid: `t${i}`, disposition: 'answered', final: true, called: true, answered: true });
    run.queueRead(view(5, 5), live([5, 6, 7, 8, 9]), 30_000);
    expect(run.adaptive.predictive?.talks).toEqual([30_000, 30_000, 30_000, 30_000, 30_000]);
    // Agents 5–9 have talked 25 s: every talk seen lasted 30 s, so they finish within the 10 s
    // horizon — 5 free + 5 soon. Answer rate (5 answered + 5 up + 20) ÷ (15 ended + 5 up + 20) =
    // 0.75: ⌊10 ÷ 0.75⌋ = 13 customers, none ringing (the plain ratio 300 would dial 15 for the
    // free five alone and nothing for the others).
    expect(run.grant(c, 30_000).fresh).toHaveLength(13);
    expect(run.dialing).toBe(5 + 13);
  });

  it('window state shows in progress', () => {
    const run = new CampaignRun('c');
    run.windowClosed(123);
    expect(run.snapshot()).toMatchObject({ window_open: false, next_opening: 123 });
    run.windowOpen();
    expect(run.snapshot()).toMatchObject({ window_open: true, next_opening: null });
  });
});
