// The predictive pace (domain/pacing.ts): talk times seen, answer rate, agents expected free, the
// allowance and the level's abandon feedback.
import { describe, expect, it } from 'vitest';
import {
  adaptLevel,
  answerRate,
  autodialerAllowance,
  newPredictive,
  noteCall,
  observeAgents,
  predictiveAllowance,
  soonFree,
  type AdaptiveState,
} from '../../domain/pacing.ts';

const S = 1_000;

describe('observeAgents', () => {
  it('times each talk from the first look in a queue call to the first look out of it', () => {
    const a = (state: string, name = 'agent-a') => [{ agent_name: name, state }];
    let s = observeAgents(newPredictive(), a('Waiting'), 0);
    expect(s.talkingSince).toEqual({});
    s = observeAgents(s, a('In a queue call'), 5 * S);
    s = observeAgents(s, a('In a queue call'), 20 * S); // still talking: the clock keeps its start
    expect(s.talkingSince).toEqual({ 'agent-a': 5 * S });
    s = observeAgents(s, a('Waiting'), 35 * S);
    expect(s.talks).toEqual([30 * S]);
    expect(s.talkingSince).toEqual({});
    // An agent gone from the list ends its talk too.
    s = observeAgents(observeAgents(s, a('In a queue call', 'agent-b'), 40 * S), [], 50 * S);
    expect(s.talks).toEqual([30 * S, 10 * S]);
  });

  it('keeps the last 200 talks', () => {
    let s = newPredictive();
    for (let i = 0; i < 250; i++) {
      s = observeAgents(s, [{ agent_name: 'x', state: 'In a queue call' }], 2 * i * S);
      s = observeAgents(s, [], (2 * i + 1) * S);
    }
    expect(s.talks).toHaveLength(200);
  });
});

describe('answerRate', () => {
  it('starts as if every customer answered, then follows the calls that ended', () => {
    expect(answerRate([], 0, 0)).toBe(1);
    let s = newPredictive();
    for (let i = 0; i < 100; i++) s = noteCall(s, i, i % 2 === 0);
    expect(answerRate(s.calls, 0, 100)).toBeCloseTo((50 + 20) / (100 + 20));
  });

  it('counts the customers answered and still up, and only calls within the window', () => {
    const calls = Array.from({ length: 80 }, (_, i) => ({ at: 1_000_000 + i, answered: false }));
    expect(answerRate(calls, 40, 1_000_100)).toBeCloseTo((40 + 20) / (80 + 40 + 20));
    expect(answerRate(calls, 0, 1_000_000 + 11 * 60_000)).toBe(1); // all older than 10 minutes
  });
});

describe('soonFree', () => {
  const talks = (...s: number[]) => s.map((x) => x * S);
  it('no talk seen yet, or nobody talking: 0', () => {
    expect(soonFree([10 * S], [], 10 * S)).toBe(0);
    expect(soonFree([], talks(20, 30), 10 * S)).toBe(0);
  });

  it('P(talk ≤ e + horizon | talk > e), summed over the agents talking', () => {
    // Every talk seen lasted 30 s: an agent at 25 s finishes within 10 s, one at 5 s does not.
    const t30 = talks(...Array.from({ length: 20 }, () => 30));
    expect(soonFree([25 * S], t30, 10 * S)).toBe(1);
    expect(soonFree([5 * S], t30, 10 * S)).toBe(0);
    expect(soonFree([25 * S, 25 * S, 5 * S], t30, 10 * S)).toBe(2);
    // Talks of 20, 30, 40, 50, 60 s: at 25 s, 2 of the 4 still going end within 10 s (30 and 40 s).
    expect(soonFree([25 * S], talks(20, 30, 40, 50, 60), 15 * S)).toBeCloseTo(0.5);
  });

  it('counts the talks under way (censored): they are still at risk, not ended', () => {
    // Ended 10 s and 20 s; one agent at 15 s: S(10) = 2/3, then 1 at risk at 20 s → S(20) = 0.
    expect(soonFree([15 * S], talks(10, 20), 10 * S)).toBeCloseTo(1);
    // Early in a run only short talks have ended: agents already past them count 0, not 1.
    expect(soonFree([25 * S, 25 * S], talks(20, 21, 22), 10 * S)).toBe(0);
  });
});

describe('predictiveAllowance', () => {
  const agents = (free: number, talking = 0, waiting = 0, available = free + talking) => ({ free, talking, waiting, available });
  const base = { soon: 0, answerRate: 1, levelPct: 100, ceilingPct: 300, concurrentCall: 0 };
  it.each([
    // free, talking, waiting, held, soon, answer rate, level, ceiling, concurrent_call → new calls
    [3, 0, 0, 0, 0, 1, 100, 300, 0, 3], // all free, everyone answers: one line per free agent
    [3, 0, 0, 0, 0, 0.5, 100, 300, 0, 6], // half answer: two lines per free agent
    [0, 10, 0, 10, 2, 0.5, 100, 300, 0, 4], // ten talking, two expected free soon
    [0, 10, 1, 11, 4, 0.5, 100, 300, 0, 6], // (4 − 1 waiting) ÷ 0.5
    [0, 10, 0, 14, 4, 0.5, 100, 300, 0, 4], // 8 − 4 ringing
    [0, 10, 0, 10, 4, 0.5, 150, 300, 0, 12], // level 150: 1.5 × 4 ÷ 0.5
    [0, 10, 0, 10, 10, 0.5, 100, 150, 0, 5], // lines ≤ Available × ceiling (15)
    [0, 10, 0, 10, 4, 0.5, 100, 300, 12, 2], // concurrent_call caps it
    [0, 0, 0, 0, 5, 0.5, 100, 300, 0, 0], // no Available agent: nothing, whatever the estimate
    [0, 10, 6, 16, 4, 0.5, 100, 300, 0, 0], // more waiting than agents expected: nothing, never negative
  ])(
    'free %i talking %i waiting %i held %i soon %f rate %f level %i ceiling %i cap %i → %i',
    (free, talking, waiting, held, soon, answerRate, levelPct, ceilingPct, concurrentCall, n) =>
      expect(
        predictiveAllowance({ agents: agents(free, talking, waiting), held, soon, answerRate, levelPct, ceilingPct, concurrentCall }),
      ).toBe(n),
  );

  it('nothing expected soon, everyone answering, level 100: never more than the plain ratio 100', () => {
    for (let free = 0; free <= 5; free++)
      for (let talking = 0; talking <= 5; talking++)
        for (let ringing = 0; ringing <= 5; ringing++) {
          const a = { agents: agents(free, talking), held: talking + ringing, concurrentCall: 0 };
          expect(predictiveAllowance({ ...base, ...a })).toBeLessThanOrEqual(autodialerAllowance({ ...a, ratioPct: 100 }));
        }
  });
});

describe('adaptLevel', () => {
  const now = 1_000_000;
  const outcomes = (n: number, dropped: number, at = (i: number) => now - 1_000 * i) =>
    Array.from({ length: n }, (_, i) => ({ at: at(i), abandoned: i < dropped }));
  const st = (level: number, o: AdaptiveState['outcomes'], lastAdjustAt = now - 5_000): AdaptiveState => ({
    ratio: 0,
    outcomes: o,
    lastAdjustAt: 0,
    predictive: { ...newPredictive(), level, lastAdjustAt },
  });
  const a = (free: number, waiting: number, soon = 0) => ({
    now,
    ceiling: 300,
    targetPct: 3,
    soon,
    agents: { free, waiting, talking: 10 - free, available: 10 },
  });
  const level = (s: AdaptiveState) => s.predictive!.level;

  it('new drops with the rate above the target: × 0.8, never below 50', () => {
    expect(level(adaptLevel(st(200, outcomes(50, 5)), a(0, 0)))).toBe(160);
    expect(level(adaptLevel(st(55, outcomes(50, 5)), a(0, 0)))).toBe(50);
  });

  it('no drop since the last step (old ones still in the window): no cut', () => {
    const old = outcomes(50, 5, (i) => now - 60_000 - 1_000 * i);
    expect(level(adaptLevel(st(200, old), a(0, 0)))).toBe(200);
    expect(level(adaptLevel(st(200, old), a(3, 0)))).toBe(215); // agents idle: climbs
  });

  it('too few answered customers to judge: no cut', () => {
    expect(level(adaptLevel(st(200, outcomes(10, 5)), a(0, 0)))).toBe(200);
  });

  it('climbs by 5 × (free − waiting), at most 25, while more agents are free than customers wait, up to the ceiling', () => {
    expect(level(adaptLevel(st(100, outcomes(50, 0)), a(3, 1)))).toBe(110);
    expect(level(adaptLevel(st(100, outcomes(50, 0)), a(8, 0)))).toBe(125);
    let s = st(100, outcomes(50, 0));
    const seen: number[] = [];
    for (let i = 0; i < 50; i++) {
      s = adaptLevel(s, { ...a(2, 1), now: now + i * 5_000 });
      seen.push(level(s));
    }
    expect(seen.slice(0, 3)).toEqual([105, 110, 115]);
    expect(Math.max(...seen)).toBe(300);
  });

  it('eases off by 5 when more customers wait than agents are free or expected free', () => {
    expect(level(adaptLevel(st(150, outcomes(50, 0)), a(1, 4, 2)))).toBe(145);
    expect(level(adaptLevel(st(150, outcomes(50, 0)), a(1, 3, 2)))).toBe(150);
  });

  it('moves at most every 5 s (× the scale), and prunes the windows', () => {
    const s = st(150, [...outcomes(50, 5), { at: now - 20 * 60_000, abandoned: true }], now - 1_000);
    const next = adaptLevel(s, a(5, 0));
    expect(level(next)).toBe(150);
    expect(next.outcomes).toHaveLength(50);
    expect(level(adaptLevel(s, { ...a(5, 0), scale: 0.1 }))).toBe(120); // 0.5 s is a step at 0.1: a cut
  });
});
