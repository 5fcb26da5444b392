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
