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

/**
 * The predictive pace (queue setting `predictive`): the ratio counts every Available agent, talking
 * ones too, as VICIdial's dial level does — lines in use (ringing, waiting and talking: every slot
 * held) are kept at available agents × level %. At 100 it is one line per agent (a customer is dialed
 * only for a free agent, as above); above 100 customers are dialed for agents still talking, so one
 * is ringing or waiting when they finish. No Available agent: no new call. Never above
 * `concurrent_call` when it is > 0.
 */
export function predictiveAllowance(a: { agents: AgentsNow; held: number; levelPct: number; concurrentCall: number }): number {
  if (a.agents.available === 0) return 0;
  let n = Math.floor((a.agents.available * a.levelPct) / 100) - a.held;
  if (a.concurrentCall > 0) n = Math.min(n, a.concurrentCall - a.held);
  return Math.max(0, n);
}

/** Where the adaptive ratio starts: the configured ratio, or 100 (one line per agent) for the
 *  predictive pace, which climbs from there while agents sit free and drops stay under the target. */
export const startRatio = (configured: number, predictive: boolean): number => (predictive ? Math.min(100, configured) : configured);

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
