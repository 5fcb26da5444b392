// Pacing: which waiting leads get a call slot now. A campaign run holds one slot per call up and
// grants more only within `concurrent_call`, the per-network caps and each carrier's calls per
// second. Pure and deterministic (the run workflow calls it), so it is unit-tested on its own.

/** What a grant needs to know of a lead. */
export interface SlotCandidate {
  lead_uuid: string;
  network: string;
  /** Carrier the call goes out on ('' = none). */
  carrier_uuid: string;
  /** When it became ready to dial (ms): older first, unless recalls go first. */
  readyAt: number;
}

export interface SlotLimits {
  /** Calls up at once, at most. */
  cap: number;
  /** Per-network caps (0 or missing = no cap of its own). */
  networkCaps: Record<string, number>;
  /** Calls per second per carrier uuid (0 or missing = no limit). */
  carrierCps: Record<string, number>;
}

export interface GrantInput<T extends SlotCandidate> {
  limits: SlotLimits;
  /** Leads holding a slot now. */
  held: readonly SlotCandidate[];
  /** Recalls asking for a slot, in arrival order. */
  recalls: readonly T[];
  /** Claimed fresh leads, in dial order. */
  fresh: readonly T[];
  /** `priority_recall = recall`: every recall before any fresh lead; else oldest ready first. */
  recallFirst: boolean;
  now: number;
  /** When each carrier last got a call (ms), for cps spacing. */
  lastGrantAt: Readonly<Record<string, number>>;
}

export interface GrantResult<T> {
  recalls: T[];
  fresh: T[];
  /** How long until a lead held back only by a carrier's cps may go (0 = none held back). */
  cpsWaitMs: number;
  /** lastGrantAt after these grants. */
  lastGrantAt: Record<string, number>;
}

/** `concurrent_call` 0 or missing: one call at a time (never unlimited: it protects the trunk). */
export const capOf = (concurrent_call: number): number => (concurrent_call > 0 ? concurrent_call : 1);

/**
 * One grant round: candidates in order (sorted once), each granted if it fits the cap, its
 * network's cap and its carrier's cps spacing (1000 / cps ms between two grants on a carrier).
 */
export function grantSlots<T extends SlotCandidate>(input: GrantInput<T>): GrantResult<T> {
  const { limits, now } = input;
  const lastGrantAt = { ...input.lastGrantAt };
  const perNetwork: Record<string, number> = {};
  for (const l of input.held) perNetwork[l.network] = (perNetwork[l.network] ?? 0) + 1;
  let holding = input.held.length;
  const out: GrantResult<T> = { recalls: [], fresh: [], cpsWaitMs: 0, lastGrantAt };
  const pool = [...input.recalls.map((l) => ({ recall: true, l })), ...input.fresh.map((l) => ({ recall: false, l }))];
  if (!input.recallFirst) pool.sort((a, b) => a.l.readyAt - b.l.readyAt);
  for (const { recall, l } of pool) {
    if (holding >= limits.cap) break;
    const ncap = limits.networkCaps[l.network] ?? 0;
    if (ncap > 0 && (perNetwork[l.network] ?? 0) >= ncap) continue;
    const cps = limits.carrierCps[l.carrier_uuid] ?? 0;
    if (cps > 0) {
      const gap = 1000 / cps;
      const last = lastGrantAt[l.carrier_uuid] ?? 0;
      if (now - last < gap) {
        const wait = last + gap - now;
        out.cpsWaitMs = out.cpsWaitMs ? Math.min(out.cpsWaitMs, wait) : wait;
        continue;
      }
      lastGrantAt[l.carrier_uuid] = Math.max(now, last + gap);
    }
    (recall ? out.recalls : out.fresh).push(l);
    holding++;
    perNetwork[l.network] = (perNetwork[l.network] ?? 0) + 1;
  }
  return out;
}

// ---- the autodialer ---------------------------------------------------------------------------

/** The queue as pacing sees it (telephony/callcenter.ts queueView). */
export interface AgentsNow {
  /** Agents free for an offer now (Available, Waiting, not in wrap-up). */
  free: number;
  /** Agents in a call with a customer. */
  talking: number;
  /** Answered customers waiting for an agent. */
  waiting: number;
  /** Agents Available (free, offered or talking). */
  available: number;
}

/**
 * How many more customers to dial now. Customers in flight — ringing, plus answered and waiting in
 * the queue — are kept at free agents × ratio %: every slot held is a customer ringing, waiting or
 * talking, so in flight = held − talking. Never above `concurrent_call` when it is > 0. No free
 * agent: no new call.
 */
export function autodialerAllowance(a: { agents: AgentsNow; held: number; ratioPct: number; concurrentCall: number }): number {
  const target = Math.floor((a.agents.free * a.ratioPct) / 100);
  const inFlight = Math.max(0, a.held - a.agents.talking);
  let n = target - inFlight;
  if (a.concurrentCall > 0) n = Math.min(n, a.concurrentCall - a.held);
  return Math.max(0, n);
}

/** The ratio a campaign asks for, in percent: custom_ratio when set (250 = 2.5 customers per free
 *  agent), else ratio (100, 150, 200, 300, 400), else 100. */
export const configuredRatio = (c: { ratio?: number | null; custom_ratio?: number | null }): number =>
  (c.custom_ratio ?? 0) > 0 ? c.custom_ratio! : (c.ratio ?? 0) > 0 ? c.ratio! : 100;

export interface AdaptiveState {
  /** The ratio in force now (percent), ≤ the configured one. */
  ratio: number;
  /** Answered-by-a-person outcomes (bridged or abandoned), newest last. */
  outcomes: Array<{ at: number; abandoned: boolean }>;
  lastAdjustAt: number;
  /** The predictive pace's own state (queue setting `predictive`). */
  predictive?: PredictiveState;
}

export const ADAPT_EVERY_MS = 5_000;
export const ADAPT_WINDOW_MS = 10 * 60_000;
/** Fewer answered calls than this in the window: too few to judge the rate; no change. */
export const ADAPT_MIN_SAMPLE = 20;

/** Abandoned ÷ answered by a person over the window (percent), and how many were answered. */
export function abandonRate(
  outcomes: AdaptiveState['outcomes'],
  now: number,
  windowMs = ADAPT_WINDOW_MS,
): { pct: number; answered: number } {
  const recent = outcomes.filter((o) => o.at > now - windowMs);
  const dropped = recent.filter((o) => o.abandoned).length;
  return { pct: recent.length ? (100 * dropped) / recent.length : 0, answered: recent.length };
}

/**
 * The adaptive dial level (VICIdial's rule, in percent): every ADAPT_EVERY_MS, when the abandon rate
 * over the window is above the target, halve the ratio (never below 100: one customer per free
 * agent); else move it by (1 + (free − waiting) ÷ available agents), a step of at most ×1.25, never
 * above the configured ratio. Pure: the run workflow holds the state.
 */
export function adaptRatio(
  s: AdaptiveState,
  a: { now: number; configured: number; targetPct: number; agents: AgentsNow; /** times × this (benchmarks) */ scale?: number },
): AdaptiveState {
  const every = ADAPT_EVERY_MS * (a.scale ?? 1);
  const windowMs = ADAPT_WINDOW_MS * (a.scale ?? 1);
  const outcomes = s.outcomes.filter((o) => o.at > a.now - windowMs).slice(-500);
  if (a.now - s.lastAdjustAt < every) return { ...s, outcomes, ratio: Math.min(s.ratio, a.configured) };
  const { pct, answered } = abandonRate(outcomes, a.now, windowMs);
  let ratio = Math.min(s.ratio, a.configured);
  if (answered >= ADAPT_MIN_SAMPLE && pct > a.targetPct) ratio = Math.max(100, Math.floor(ratio / 2));
  else if (a.agents.available > 0) {
    const factor = Math.min(1.25, Math.max(0.8, 1 + (a.agents.free - a.agents.waiting) / a.agents.available));
    ratio = Math.round(Math.min(a.configured, Math.max(100, ratio * factor)));
  }
  return { ratio, outcomes, lastAdjustAt: a.now };
}

// ---- the predictive pace (queue setting `predictive`) ------------------------------------------

/** What the predictive pace learns as the run goes (carried in AdaptiveState.predictive). */
export interface PredictiveState {
  /** The level (percent): customers are dialed for this share of the agents expected free. Starts at
   *  100; moved by adaptLevel (abandon feedback), within 50 … the configured ratio. */
  level: number;
  /** Placed calls that ended: when, and whether a person answered. Newest last, ≤ 500. */
  calls: Array<{ at: number; answered: boolean }>;
  /** Agents' talk times as the run saw them (ms, first look in a queue call → first look out of
   *  it), newest last, ≤ 200. */
  talks: number[];
  /** Agents in a queue call now: agent name → when the run first saw them in it (ms). */
  talkingSince: Record<string, number>;
  lastAdjustAt: number;
}

export const newPredictive = (): PredictiveState => ({ level: 100, calls: [], talks: [], talkingSince: {}, lastAdjustAt: 0 });

/** Customers dialed now answer after ringing for about this long: agents free within it are the
 *  ones a customer dialed now can meet (× the pacing scale). */
export const PREDICT_HORIZON_MS = 10_000;
/** The answer rate before any call ended: as if these many calls had been answered (every customer
 *  answers: the safe side, no over-dial), outweighed as real outcomes come in. */
export const ANSWER_PRIOR = 20;
export const LEVEL_MIN = 50;
/** On new drops with the abandon rate above the target: level × this. */
export const LEVEL_DROP = 0.8;
/** More agents free than customers waiting: level + this × (free − waiting), at most × LEVEL_CLIMB_MAX; more customers waiting than agents about to be
 *  free: level − this. */
export const LEVEL_STEP = 5;
export const LEVEL_CLIMB_MAX = 5;
const MAX_TALKS = 200;
const MAX_CALLS = 500;

/** One look at the queue's agents: agents seen entering a queue call start a clock; agents seen
 *  leaving one add their talk time to the sample. */
export function observeAgents(
  s: PredictiveState,
  agents: ReadonlyArray<{ agent_name: string; state: string }>,
  now: number,
): PredictiveState {
  const talkingSince: Record<string, number> = {};
  const talks = [...s.talks];
  for (const a of agents) if (a.state === 'In a queue call') talkingSince[a.agent_name] = s.talkingSince[a.agent_name] ?? now;
  for (const [name, since] of Object.entries(s.talkingSince)) if (!(name in talkingSince)) talks.push(now - since);
  return { ...s, talkingSince, talks: talks.slice(-MAX_TALKS) };
}

/** A placed call ended (releaseSlot): kept for the answer rate. */
export function noteCall(s: PredictiveState, at: number, answered: boolean): PredictiveState {
  return { ...s, calls: [...s.calls, { at, answered }].slice(-MAX_CALLS) };
}

/**
 * Share of placed calls a person answers: (answered + answeredUp + ANSWER_PRIOR) ÷ (ended +
 * answeredUp + ANSWER_PRIOR), over the calls ended within the window plus the customers answered and
 * still up (talking or waiting: an answered call ends only after its talk, an unanswered one within
 * the ring timeout, so ended calls alone would under-count the answered ones). Calls still ringing
 * are not counted.
 */
export function answerRate(calls: PredictiveState['calls'], answeredUp: number, now: number, windowMs = ADAPT_WINDOW_MS): number {
  const recent = calls.filter((c) => c.at > now - windowMs);
  const answered = recent.filter((c) => c.answered).length;
  return (answered + answeredUp + ANSWER_PRIOR) / (recent.length + answeredUp + ANSWER_PRIOR);
}

/**
 * Agents talking now expected to finish within `horizonMs`: Σ over them of P(talk ≤ e + h | talk > e),
 * e = how long each has talked, from the Kaplan–Meier estimate of the talk-time distribution — the
 * talk times seen (ended) and the talks under way (censored at their e). No talk ended yet: 0 (no
 * agent is counted before the campaign shows how long its calls last); an agent past every talk seen
 * counts 0 too (the estimate says nothing there).
 */
export function soonFree(elapsed: readonly number[], talks: readonly number[], horizonMs: number): number {
  if (!elapsed.length || !talks.length) return 0;
  const ended = [...talks].sort((a, b) => a - b);
  const open = [...elapsed].sort((a, b) => a - b);
  // Survival after each distinct talk time, walking both lists once.
  const steps: Array<{ t: number; s: number }> = [];
  let s = 1;
  let i = 0;
  let j = 0;
  const total = ended.length + open.length;
  while (i < ended.length) {
    const t = ended[i]!;
    while (j < open.length && open[j]! < t) j++; // censored before t: no longer at risk
    const atRisk = total - i - j;
    let d = 0;
    for (; i < ended.length && ended[i] === t; i++) d++;
    s *= 1 - d / atRisk;
    steps.push({ t, s });
  }
  const S = (x: number): number => {
    let v = 1;
    for (const st of steps) {
      if (st.t > x) break;
      v = st.s;
    }
    return v;
  };
  let sum = 0;
  for (const e of elapsed) {
    const se = S(e);
    if (se > 0) sum += 1 - S(e + horizonMs) / se;
  }
  return sum;
}

/**
 * The predictive pace: how many customers to dial now. The customers to have ringing are
 * (level % × (free agents + agents expected free within the horizon) − customers waiting) ÷ the
 * answer rate; new calls = that − the calls ringing now (held − talking − waiting). Lines in use
 * (every slot held) never above Available agents × `ceilingPct` (the configured ratio), nor
 * `concurrent_call` when it is > 0; no Available agent: no new call.
 */
export function predictiveAllowance(a: {
  agents: AgentsNow;
  held: number;
  /** Agents expected free within the horizon (soonFree + agents in wrap-up). */
  soon: number;
  answerRate: number;
  levelPct: number;
  ceilingPct: number;
  concurrentCall: number;
}): number {
  if (a.agents.available === 0) return 0;
  const need = (a.levelPct / 100) * (a.agents.free + a.soon) - a.agents.waiting;
  const ringing = Math.max(0, a.held - a.agents.talking - a.agents.waiting);
  let n = Math.floor(need / Math.max(0.05, a.answerRate) - ringing);
  n = Math.min(n, Math.floor((a.agents.available * a.ceilingPct) / 100) - a.held);
  if (a.concurrentCall > 0) n = Math.min(n, a.concurrentCall - a.held);
  return Math.max(0, n);
}

/**
 * The predictive level's feedback, every ADAPT_EVERY_MS: customers dropped since the last step
 * with the abandon rate over the window above the target (at least ADAPT_MIN_SAMPLE answered) →
 * level × LEVEL_DROP; else more agents free than customers waiting (agents idle) → + LEVEL_STEP ×
 * (free − waiting), at most + 5 × LEVEL_STEP; else more customers waiting
 * than agents free or expected free within the horizon → − LEVEL_STEP. Within LEVEL_MIN … `ceiling`
 * (never above 100 when the ceiling is lower). Also prunes the windows.
 */
export function adaptLevel(
  s: AdaptiveState,
  a: { now: number; ceiling: number; targetPct: number; agents: AgentsNow; soon: number; scale?: number },
): AdaptiveState {
  const every = ADAPT_EVERY_MS * (a.scale ?? 1);
  const windowMs = ADAPT_WINDOW_MS * (a.scale ?? 1);
  const p = s.predictive ?? newPredictive();
  const outcomes = s.outcomes.filter((o) => o.at > a.now - windowMs).slice(-500);
  const calls = p.calls.filter((c) => c.at > a.now - windowMs);
  const floor = Math.min(LEVEL_MIN, a.ceiling);
  let level = Math.min(Math.max(p.level, floor), a.ceiling);
  let lastAdjustAt = p.lastAdjustAt;
  if (a.now - p.lastAdjustAt >= every) {
    const { pct, answered } = abandonRate(outcomes, a.now, windowMs);
    const newDrops = outcomes.some((o) => o.abandoned && o.at > p.lastAdjustAt);
    if (newDrops && answered >= ADAPT_MIN_SAMPLE && pct > a.targetPct) level = Math.max(floor, Math.round(level * LEVEL_DROP));
    else if (a.agents.free > a.agents.waiting)
      level = Math.min(a.ceiling, level + LEVEL_STEP * Math.min(LEVEL_CLIMB_MAX, a.agents.free - a.agents.waiting));
    else if (a.agents.waiting > a.agents.free + a.soon) level = Math.max(floor, level - LEVEL_STEP);
    lastAdjustAt = a.now;
  }
  return { ...s, outcomes, predictive: { ...p, calls, level, lastAdjustAt } };
}
