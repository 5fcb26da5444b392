// The state of one campaign run and every decision on it, without I/O: the run workflow
// (campaign-run.ts) holds one, feeds it signals and activity results, and does what it says.
// Kept apart so it reads as plain logic and is unit-tested (test/unit/run-state.test.ts).
import {
  adaptLevel,
  ADAPT_WINDOW_MS,
  adaptRatio,
  answerRate,
  autodialerAllowance,
  capOf,
  grantSlots,
  newPredictive,
  noteCall,
  observeAgents,
  PREDICT_HORIZON_MS,
  predictiveAllowance,
  soonFree,
  type AdaptiveState,
  type AgentsNow,
} from '../domain/pacing.ts';
import type { AgentLive, CarriedState, LeadRef, Progress, ReleaseSlotPayload, RunConfig, RunStatus } from './contract.ts';

/** The autodialer looks at its queue this often while it has someone to dial. */
export const AUTODIALER_TICK_MS = 1_000;
/** …and brings mod_callcenter in step with the store at least this often. */
export const QUEUE_RESYNC_MS = 30_000;
/** A claim takes at most this many leads (one dial-queue page). */
export const MAX_HOPPER = 1_000;
/** …and the first claim of a run (or after an empty spell) at most this many. */
export const FIRST_CLAIM = 10;

export class CampaignRun {
  status: RunStatus;
  /** Leads holding a slot, by lead uuid. */
  active: Record<string, LeadRef>;
  /** Recalls waiting for a slot, in arrival order. */
  waiting: LeadRef[];
  /** Claimed fresh leads not yet started. */
  hopper: LeadRef[];
  /** Leads held back by a contact limit (no slot held), told when the run stops. */
  limited: Set<string>;
  lastGrantAt: Record<string, number>;
  readonly progress: Progress;
  /** Bumped by every signal: the loop waits for it to move. */
  changes = 0;
  /** The campaign changed: load it again. */
  reload = false;
  /** Leads were added: claim now instead of at the next poll. */
  private wantClaim = true;
  /** Slots the pacing could fill at the last grant (the hopper is kept at least this full). */
  private demand = 0;
  /** The last claim found nothing: poll again at `nextPollAt`. */
  private exhausted = false;
  private nextPollAt = 0;
  /** Recalls that asked for a slot after the stop: they are told the run stopped. */
  readonly stopNotices: string[] = [];
  /** Autodialer: the adaptive ratio and the outcomes it is computed from. */
  adaptive: AdaptiveState;
  /** Autodialer: the queue and its agents as last read (for pacing and the `agents` query). */
  agentsNow: AgentsNow | undefined;
  agents: AgentLive[] = [];
  private queueSync = { due: true, at: 0, core: '' };

  /** Autodialer pacing's times × this (EngineOptions.pacingScale, benchmarks). */
  private readonly pacingScale: number;

  constructor(campaign_uuid: string, carried?: CarriedState, opts: { pacingScale?: number } = {}) {
    this.pacingScale = opts.pacingScale ?? 1;
    this.status = carried?.status ?? 'start';
    this.active = { ...(carried?.active ?? {}) };
    this.waiting = [...(carried?.waiting ?? [])];
    this.hopper = [...(carried?.hopper ?? [])];
    this.limited = new Set(carried?.limited ?? []);
    this.lastGrantAt = { ...(carried?.lastGrantAt ?? {}) };
    this.adaptive = carried?.adaptive ?? { ratio: Number.MAX_SAFE_INTEGER, outcomes: [], lastAdjustAt: 0 };
    this.progress = carried?.progress ?? {
      campaign_uuid,
      status: this.status,
      window_open: true,
      next_opening: null,
      dialing: 0,
      waiting: 0,
      hopper: 0,
      started: 0,
      calls: 0,
      done: 0,
      by_disposition: {},
      max_dialing: 0,
    };
  }

  get dialing(): number {
    return Object.keys(this.active).length;
  }

  // ---- signals --------------------------------------------------------------------------------

  /** pause / resume / stop; a stopped run only winds down. */
  setStatus(s: RunStatus): void {
    if (this.status === 'stop') return;
    this.status = s;
    this.changes++;
  }

  configChanged(): void {
    this.reload = true;
    this.queueSync.due = true;
    this.changes++;
  }

  leadsAdded(): void {
    this.wantClaim = true;
    this.exhausted = false;
    this.changes++;
  }

  requestSlot(lead: LeadRef): void {
    this.limited.delete(lead.lead_uuid);
    if (this.status === 'stop') this.stopNotices.push(lead.lead_uuid);
    else if (!this.active[lead.lead_uuid] && !this.waiting.some((w) => w.lead_uuid === lead.lead_uuid)) this.waiting.push(lead);
    this.changes++;
  }

  /** Sent by the recordCall activity: a retried activity may send it twice; only the first counts. */
  releaseSlot(p: ReleaseSlotPayload): void {
    if (!this.active[p.lead_uuid]) return;
    delete this.active[p.lead_uuid];
    if (p.limited) this.limited.add(p.lead_uuid);
    if (p.called) {
      this.progress.calls++;
      if (p.disposition) this.progress.by_disposition[p.disposition] = (this.progress.by_disposition[p.disposition] ?? 0) + 1;
    }
    if (p.final) this.progress.done++;
    if (p.answered) this.adaptive.outcomes.push({ at: Date.now(), abandoned: !!p.abandoned });
    // The predictive pace's answer rate: every placed call that ended, answered or not.
    if (p.called && this.adaptive.predictive) this.adaptive.predictive = noteCall(this.adaptive.predictive, Date.now(), !!p.answered);
    this.changes++;
  }

  snapshot(): Progress {
    const p = this.progress;
    p.status = this.status;
    p.dialing = this.dialing;
    p.waiting = this.waiting.length;
    p.hopper = this.hopper.length;
    if (this.limited.size || p.waiting_limit !== undefined) p.waiting_limit = this.limited.size;
    return { ...p, by_disposition: { ...p.by_disposition } };
  }

  carried(): CarriedState {
    return {
      status: this.status,
      active: this.active,
      waiting: this.waiting,
      hopper: this.hopper,
      progress: this.snapshot(),
      lastGrantAt: this.lastGrantAt,
      adaptive: this.adaptive,
      ...(this.limited.size ? { limited: [...this.limited] } : {}),
    };
  }

  // ---- the loop's decisions ---------------------------------------------------------------------

  windowClosed(nextOpening: number | null): void {
    this.progress.window_open = false;
    this.progress.next_opening = nextOpening;
  }

  windowOpen(): void {
    this.progress.window_open = true;
    this.progress.next_opening = null;
  }

  /** The hopper's level: the campaign's `hopper`, or what the pacing asked for at the last grant
   *  when that is more (an autodialer with 50 free agents at ratio 200 wants 100 customers in flight:
   *  a hopper of 10 would starve it), at most MAX_HOPPER. */
  private hopperLevel(cfg: RunConfig): number {
    // The predictive pace dials a few at a time as agents near the end of their calls: its hopper
    // holds a lead per Available agent, so a burst never waits for a claim.
    const perAgent = cfg.autodialer?.predictive ? (this.agentsNow?.available ?? 0) : 0;
    return Math.min(MAX_HOPPER, Math.max(cfg.hopper, this.demand, perAgent));
  }

  private hopperLow(cfg: RunConfig): boolean {
    return this.hopper.length < Math.max(Math.ceil(this.hopperLevel(cfg) / 2), Math.min(MAX_HOPPER, this.demand));
  }

  /** How many leads to claim now (0: not now). A hopper below half its level (or below what the
   *  pacing wants) is refilled when leads were added, when the last claim found some, or when the
   *  poll interval has passed. */
  claimLimit(cfg: RunConfig, now: number): number {
    if (!this.hopperLow(cfg) || !(this.wantClaim || !this.exhausted || now >= this.nextPollAt)) return 0;
    this.wantClaim = false;
    const want = this.hopperLevel(cfg) - this.hopper.length;
    // Nothing claimed and no call up (a run's start, or leads after an empty spell): a small claim
    // first — a claim costs a read and a write per lead — so the first calls go out at once; the
    // run loops straight back (it granted some) and fills the hopper.
    return this.hopper.length === 0 && this.dialing === 0 ? Math.min(want, FIRST_CLAIM) : want;
  }

  claimed(leads: LeadRef[], now: number, pollMs: number): void {
    this.hopper.push(...leads);
    this.exhausted = leads.length === 0;
    if (this.exhausted) this.nextPollAt = now + pollMs;
  }

  /** One grant round: the granted leads now hold slots (fresh ones leave the hopper, recalls the
   *  waiting list). */
  grant(cfg: RunConfig, now: number): { fresh: LeadRef[]; recalls: LeadRef[]; cpsWaitMs: number } {
    const cap = this.slotCap(cfg, now);
    this.demand = Math.max(0, cap - this.dialing);
    const r = grantSlots({
      limits: { cap, networkCaps: cfg.network, carrierCps: cfg.carrier_cps },
      held: Object.values(this.active),
      recalls: this.waiting,
      fresh: this.hopper,
      recallFirst: cfg.priority_recall === 'recall',
      now,
      lastGrantAt: this.lastGrantAt,
    });
    this.lastGrantAt = r.lastGrantAt;
    for (const l of [...r.recalls, ...r.fresh]) this.active[l.lead_uuid] = l;
    if (r.recalls.length) this.waiting = without(this.waiting, r.recalls);
    if (r.fresh.length) this.hopper = without(this.hopper, r.fresh);
    this.progress.started += r.fresh.length;
    this.progress.max_dialing = Math.max(this.progress.max_dialing, this.dialing);
    return { fresh: r.fresh, recalls: r.recalls, cpsWaitMs: r.cpsWaitMs };
  }

  /** Autodialer: the queue as just read (activities/callcenter.ts queueState), at `now`. The
   *  predictive pace times its agents' talks from these looks. */
  queueRead(agentsNow: AgentsNow, agents: AgentLive[], now = Date.now()): void {
    this.agentsNow = agentsNow;
    this.agents = agents;
    if (this.adaptive.predictive) this.adaptive.predictive = observeAgents(this.adaptive.predictive, agents, now);
  }

  /** Slots the run may hold now: `concurrent_call` for autocall; for the autodialer, those held
   *  plus what the free agents × the (adaptive) ratio allow — or, predictive, what the predictive
   *  pace allows — nothing until the queue was read. */
  private slotCap(cfg: RunConfig, now: number): number {
    const ad = cfg.autodialer;
    if (!ad) return capOf(cfg.concurrent_call);
    if (!this.agentsNow) return 0;
    if (ad.predictive === true) return this.dialing + this.predictive(cfg, now);
    if (this.adaptive.ratio === Number.MAX_SAFE_INTEGER) this.adaptive = { ...this.adaptive, ratio: ad.ratio };
    this.adaptive = ad.adaptive
      ? adaptRatio(this.adaptive, {
          now,
          configured: ad.ratio,
          targetPct: ad.abandon_target_percent,
          agents: this.agentsNow,
          scale: this.pacingScale,
        })
      : { ...this.adaptive, ratio: ad.ratio };
    this.progress.ratio = this.adaptive.ratio;
    return (
      this.dialing +
      autodialerAllowance({
        agents: this.agentsNow,
        held: this.dialing,
        ratioPct: this.adaptive.ratio,
        concurrentCall: cfg.concurrent_call,
      })
    );
  }

  /** The predictive pace (domain/pacing.ts predictiveAllowance): agents free now and expected free
   *  within the horizon (talking ones by the talk times seen, those in wrap-up), the answer rate,
   *  and the level — adapted to the abandon rate when `adaptive` is on, else 100. */
  private predictive(cfg: RunConfig, now: number): number {
    const ad = cfg.autodialer!;
    const q = this.agentsNow!;
    if (!this.adaptive.predictive) this.adaptive = { ...this.adaptive, predictive: observeAgents(newPredictive(), this.agents, now) };
    const p = this.adaptive.predictive!;
    const horizon = PREDICT_HORIZON_MS * this.pacingScale;
    const elapsed = Object.values(p.talkingSince).map((since) => now - since);
    // Available, Waiting but not free: in wrap-up (mod_callcenter does not show it, capture 39).
    const idle = this.agents.filter((a) => a.status.startsWith('Available') && a.state === 'Waiting').length;
    const soon = soonFree(elapsed, p.talks, horizon) + Math.max(0, idle - q.free);
    if (ad.adaptive)
      this.adaptive = adaptLevel(this.adaptive, {
        now,
        ceiling: ad.ratio,
        targetPct: ad.abandon_target_percent,
        agents: q,
        soon,
        scale: this.pacingScale,
      });
    else this.adaptive = { ...this.adaptive, predictive: { ...p, level: Math.min(100, ad.ratio) } };
    const { level, calls } = this.adaptive.predictive!;
    this.progress.ratio = level;
    return predictiveAllowance({
      agents: q,
      held: this.dialing,
      soon,
      answerRate: answerRate(calls, q.talking + q.waiting, now, ADAPT_WINDOW_MS * this.pacingScale),
      levelPct: level,
      ceilingPct: ad.ratio,
      concurrentCall: cfg.concurrent_call,
    });
  }

  /** A granted recall whose workflow is gone: its slot is free again. */
  lost(lead_uuid: string): void {
    delete this.active[lead_uuid];
  }

  /** On stop: the claimed, never-started leads to give back, and the recalls to tell. */
  drain(): { unclaim: string[]; tell: LeadRef[] } {
    const out = { unclaim: this.hopper.map((l) => l.lead_uuid), tell: this.waiting };
    this.hopper = [];
    this.waiting = [];
    return out;
  }

  /** On stop: the leads held back by a contact limit, to tell (they record themselves skipped). */
  drainLimited(): string[] {
    const out = [...this.limited];
    this.limited.clear();
    return out;
  }

  /** How long to sleep when nothing was granted: the cps gap, the next claim or poll, or the
   *  window's closing, whichever comes first; undefined = until a signal. */
  idleMs(cfg: RunConfig, now: number, cpsWaitMs: number, closing: number | null): number | undefined {
    const waits: number[] = [];
    if (cpsWaitMs > 0) waits.push(cpsWaitMs);
    if (this.hopperLow(cfg)) waits.push(this.exhausted ? Math.max(1, this.nextPollAt - now) : 1);
    if (closing !== null) waits.push(Math.max(1, closing - now));
    // The autodialer follows its agents: look at the queue again within a second while there is
    // someone to dial.
    if (cfg.autodialer && (this.hopper.length || this.waiting.length)) waits.push(AUTODIALER_TICK_MS * this.pacingScale);
    return waits.length ? Math.min(...waits) : undefined;
  }

  /** Autodialer: is mod_callcenter to be brought in step with the store (syncQueue) now? At start,
   *  after a config change, when the node's Core-UUID changed (FreeSWITCH restarted), every 30 s. */
  queueSyncDue(coreNow: string | undefined, now: number): boolean {
    return (
      this.queueSync.due ||
      now - this.queueSync.at >= QUEUE_RESYNC_MS * this.pacingScale ||
      (coreNow !== undefined && coreNow !== this.queueSync.core)
    );
  }

  queueSynced(core: string, now: number): void {
    this.queueSync = { due: false, at: now, core };
  }
}

function without<T>(list: T[], taken: T[]): T[] {
  const s = new Set(taken);
  return list.filter((x) => !s.has(x));
}
