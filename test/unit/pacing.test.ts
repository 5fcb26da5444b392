// The grant round (domain/pacing.ts): cap, per-network caps, carrier cps spacing, order.
import { describe, expect, it } from 'vitest';
import {
  abandonRate,
  adaptRatio,
  autodialerAllowance,
  capOf,
  configuredRatio,
  grantSlots,
  type SlotCandidate,
  type SlotLimits,
} from '../../domain/pacing.ts';

const lead = (id: string, o: Partial<SlotCandidate> = {}): SlotCandidate => ({
  lead_uuid: id,
  network: 'viettel',
  carrier_uuid: 'c1',
  readyAt: 0,
  ...o,
});
const limits = (o: Partial<SlotLimits> = {}): SlotLimits => ({ cap: 10, networkCaps: {}, carrierCps: {}, ...o });
const ids = (xs: SlotCandidate[]) => xs.map((x) => x.lead_uuid);
const grant = (o: Partial<Parameters<typeof grantSlots>[0]>) =>
  grantSlots({ limits: limits(), held: [], recalls: [], fresh: [], recallFirst: false, now: 10_000, lastGrantAt: {}, ...o });

describe('capOf', () => {
  it.each([
    [0, 1],
    [-3, 1],
    [1, 1],
    [7, 7],
    [500, 500],
  ])('concurrent_call %i → cap %i', (cc, cap) => expect(capOf(cc)).toBe(cap));
});

describe('grantSlots', () => {
  it('grants up to the cap, counting the slots already held', () => {
    const r = grant({ limits: limits({ cap: 3 }), held: [lead('h1')], fresh: [lead('a'), lead('b'), lead('c')] });
    expect(ids(r.fresh)).toEqual(['a', 'b']);
    expect(r.recalls).toEqual([]);
  });

  it('grants nothing when the cap is already reached', () => {
    const r = grant({ limits: limits({ cap: 2 }), held: [lead('h1'), lead('h2')], fresh: [lead('a')], recalls: [lead('r')] });
    expect(r.fresh).toEqual([]);
    expect(r.recalls).toEqual([]);
  });

  it('oldest ready first across recalls and fresh leads, unless recalls go first', () => {
    const recalls = [lead('r1', { readyAt: 300 }), lead('r2', { readyAt: 100 })];
    const fresh = [lead('f1', { readyAt: 200 }), lead('f2', { readyAt: 50 })];
    const byAge = grant({ limits: limits({ cap: 3 }), recalls, fresh });
    expect([...ids(byAge.recalls), ...ids(byAge.fresh)].sort()).toEqual(['f1', 'f2', 'r2']);
    const recallFirst = grant({ limits: limits({ cap: 3 }), recalls, fresh, recallFirst: true });
    expect(ids(recallFirst.recalls)).toEqual(['r1', 'r2']);
    expect(ids(recallFirst.fresh)).toEqual(['f1']);
  });

  it('keeps arrival order among recalls when they go first (no sort)', () => {
    const r = grant({
      limits: limits({ cap: 2 }),
      recalls: [lead('late', { readyAt: 900 }), lead('early', { readyAt: 1 })],
      recallFirst: true,
    });
    expect(ids(r.recalls)).toEqual(['late', 'early']);
  });

  it('holds a network at its cap and lets other networks through', () => {
    const r = grant({
      limits: limits({ cap: 10, networkCaps: { viettel: 2, mobi: 0 } }),
      held: [lead('h', { network: 'viettel' })],
      fresh: [lead('v1'), lead('v2'), lead('m1', { network: 'mobi' }), lead('m2', { network: 'mobi' }), lead('o1', { network: 'offnet' })],
    });
    expect(ids(r.fresh)).toEqual(['v1', 'm1', 'm2', 'o1']);
  });

  it('spaces grants on a carrier by 1000 / cps ms and says how long to wait', () => {
    const first = grant({ limits: limits({ carrierCps: { c1: 4 } }), fresh: [lead('a'), lead('b')], now: 10_000 });
    expect(ids(first.fresh)).toEqual(['a']);
    expect(first.cpsWaitMs).toBe(250);
    expect(first.lastGrantAt).toEqual({ c1: 10_000 });
    const early = grant({ limits: limits({ carrierCps: { c1: 4 } }), fresh: [lead('b')], now: 10_100, lastGrantAt: first.lastGrantAt });
    expect(early.fresh).toEqual([]);
    expect(early.cpsWaitMs).toBe(150);
    const onTime = grant({ limits: limits({ carrierCps: { c1: 4 } }), fresh: [lead('b')], now: 10_250, lastGrantAt: first.lastGrantAt });
    expect(ids(onTime.fresh)).toEqual(['b']);
    expect(onTime.lastGrantAt).toEqual({ c1: 10_250 });
  });

  it('never grants two calls on one carrier closer than the gap, over many rounds', () => {
    let last: Record<string, number> = {};
    const grantedAt: number[] = [];
    for (let now = 0; now < 5_000; now += 37) {
      const r = grant({ limits: limits({ carrierCps: { c1: 3 } }), fresh: [lead(`x${now}`)], now, lastGrantAt: last });
      last = r.lastGrantAt;
      if (r.fresh.length) grantedAt.push(now);
    }
    for (let i = 1; i < grantedAt.length; i++) expect(grantedAt[i]! - grantedAt[i - 1]!).toBeGreaterThanOrEqual(1000 / 3);
    expect(grantedAt.length).toBeGreaterThanOrEqual(13); // one per 370 ms (the first 37 ms step past the 333 ms gap) for 5 s
  });

  it('a carrier held by cps does not hold another carrier', () => {
    const r = grant({
      limits: limits({ carrierCps: { c1: 1 } }),
      lastGrantAt: { c1: 9_800 },
      fresh: [lead('a'), lead('b', { carrier_uuid: 'c2' }), lead('c', { carrier_uuid: '' })],
    });
    expect(ids(r.fresh)).toEqual(['b', 'c']);
    expect(r.cpsWaitMs).toBe(800);
  });

  it('does not change its inputs', () => {
    const last = { c1: 1 };
    const fresh = [lead('a', { readyAt: 5 }), lead('b', { readyAt: 1 })];
    grant({ limits: limits({ carrierCps: { c1: 100 } }), fresh, lastGrantAt: last });
    expect(last).toEqual({ c1: 1 });
    expect(ids(fresh)).toEqual(['a', 'b']);
  });
});

describe('autodialerAllowance', () => {
  const agents = (free: number, talking = 0, waiting = 0, available = free + talking) => ({ free, talking, waiting, available });
  it.each([
    // free, talking, waiting, held, ratio, concurrent_call → new calls
    [3, 0, 0, 0, 100, 0, 3],
    [3, 0, 0, 2, 100, 0, 1], // two ringing already
    [3, 2, 0, 2, 100, 0, 3], // the two held are talking: not in flight
    [3, 0, 0, 0, 200, 0, 6],
    [3, 0, 1, 4, 200, 0, 2], // 4 held (1 waiting, 3 ringing) of 6
    [3, 0, 0, 0, 250, 0, 7], // custom ratio 2.5
    [3, 0, 0, 0, 200, 4, 4], // concurrent_call caps it
    [3, 0, 0, 4, 200, 4, 0],
    [0, 3, 0, 3, 400, 0, 0], // no free agent: nothing
    [1, 0, 0, 9, 300, 0, 0], // more in flight than the target: nothing, never negative
  ])('free %i talking %i waiting %i held %i ratio %i cap %i → %i', (free, talking, waiting, held, ratioPct, concurrentCall, n) =>
    expect(autodialerAllowance({ agents: agents(free, talking, waiting), held, ratioPct, concurrentCall })).toBe(n),
  );

  it('configuredRatio: custom_ratio over ratio, 100 by default', () => {
    expect(configuredRatio({ ratio: 200, custom_ratio: 0 })).toBe(200);
    expect(configuredRatio({ ratio: 200, custom_ratio: 250 })).toBe(250);
    expect(configuredRatio({})).toBe(100);
  });
});

describe('adaptRatio', () => {
  const now = 1_000_000;
  const outcomes = (n: number, dropped: number) => Array.from({ length: n }, (_, i) => ({ at: now - 1_000 * i, abandoned: i < dropped }));
  const a = (free: number, waiting: number, available: number) => ({
    now,
    configured: 300,
    targetPct: 3,
    agents: { free, waiting, talking: available - free, available },
  });

  it('halves the ratio when abandonment is above the target, never below 100', () => {
    expect(adaptRatio({ ratio: 300, outcomes: outcomes(50, 5), lastAdjustAt: 0 }, a(2, 0, 10)).ratio).toBe(150);
    expect(adaptRatio({ ratio: 150, outcomes: outcomes(50, 5), lastAdjustAt: 0 }, a(2, 0, 10)).ratio).toBe(100);
    expect(adaptRatio({ ratio: 100, outcomes: outcomes(50, 5), lastAdjustAt: 0 }, a(2, 0, 10)).ratio).toBe(100);
  });

  it('climbs back while agents sit free and nobody waits, never above the configured ratio', () => {
    let s = { ratio: 100, outcomes: outcomes(50, 0), lastAdjustAt: 0 };
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) {
      s = adaptRatio(s, { ...a(5, 0, 10), now: now + i * 5_000 });
      seen.push(s.ratio);
    }
    expect(seen[0]).toBe(125);
    expect(Math.max(...seen)).toBe(300);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]!);
  });

  it('eases off when customers wait for agents', () => {
    expect(adaptRatio({ ratio: 200, outcomes: outcomes(50, 0), lastAdjustAt: 0 }, a(0, 4, 10)).ratio).toBe(160);
  });

  it('too few answered calls to judge: no halving; changes at most every 5 s', () => {
    expect(adaptRatio({ ratio: 300, outcomes: outcomes(10, 5), lastAdjustAt: 0 }, a(0, 0, 10)).ratio).toBe(300);
    expect(adaptRatio({ ratio: 200, outcomes: outcomes(50, 10), lastAdjustAt: now - 1_000 }, a(0, 0, 10)).ratio).toBe(200);
  });

  it('abandonRate over the window', () => {
    expect(abandonRate(outcomes(100, 3), now)).toEqual({ pct: 3, answered: 100 });
    expect(abandonRate([{ at: now - 11 * 60_000, abandoned: true }], now)).toEqual({ pct: 0, answered: 0 });
  });
});
