// The state of one campaign run and every decision on it, without I/O: the run workflow
// (campaign-run.ts) holds one, feeds it signals and activity results, and does what it says.
// Kept apart so it reads as plain logic and is unit-tested (test/unit/run-state.test.ts).
import { capOf, grantSlots } from '../domain/pacing.ts';
import type { CarriedState, LeadRef, Progress, ReleaseSlotPayload, RunConfig, RunStatus } from './contract.ts';

export class CampaignRun {
  status: RunStatus;
  /** Leads holding a slot, by lead uuid. */
  active: Record<string, LeadRef>;
  /** Recalls waiting for a slot, in arrival order. */
  waiting: LeadRef[];
  /** Claimed fresh leads not yet started. */
  hopper: LeadRef[];
  lastGrantAt: Record<string, number>;
  readonly progress: Progress;
  /** Bumped by every signal: the loop waits for it to move. */
  changes = 0;
  /** The campaign changed: load it again. */
  reload = false;
  /** Leads were added: claim now instead of at the next poll. */
  private wantClaim = true;
  /** The last claim found nothing: poll again at `nextPollAt`. */
  private exhausted = false;
  private nextPollAt = 0;
  /** Recalls that asked for a slot after the stop: they are told the run stopped. */
  readonly stopNotices: string[] = [];

  constructor(campaign_uuid: string, carried?: CarriedState) {
    this.status = carried?.status ?? 'start';
    this.active = { ...(carried?.active ?? {}) };
    this.waiting = [...(carried?.waiting ?? [])];
    this.hopper = [...(carried?.hopper ?? [])];
    this.lastGrantAt = { ...(carried?.lastGrantAt ?? {}) };
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
    this.changes++;
  }

  leadsAdded(): void {
    this.wantClaim = true;
    this.exhausted = false;
    this.changes++;
  }

  requestSlot(lead: LeadRef): void {
    if (this.status === 'stop') this.stopNotices.push(lead.lead_uuid);
    else if (!this.active[lead.lead_uuid] && !this.waiting.some((w) => w.lead_uuid === lead.lead_uuid)) this.waiting.push(lead);
    this.changes++;
  }

  /** Sent by the recordCall activity: a retried activity may send it twice; only the first counts. */
  releaseSlot(p: ReleaseSlotPayload): void {
    if (!this.active[p.lead_uuid]) return;
    delete this.active[p.lead_uuid];
    if (p.called) {
      this.progress.calls++;
      if (p.disposition) this.progress.by_disposition[p.disposition] = (this.progress.by_disposition[p.disposition] ?? 0) + 1;
    }
    if (p.final) this.progress.done++;
    this.changes++;
  }

  snapshot(): Progress {
    const p = this.progress;
    p.status = this.status;
    p.dialing = this.dialing;
    p.waiting = this.waiting.length;
    p.hopper = this.hopper.length;
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

  private hopperLow(cfg: RunConfig): boolean {
    return this.hopper.length < Math.ceil(cfg.hopper / 2);
  }

  /** How many leads to claim now (0: not now). A half-empty hopper is refilled when leads were
   *  added, when the last claim found some, or when the poll interval has passed. */
  claimLimit(cfg: RunConfig, now: number): number {
    if (!this.hopperLow(cfg) || !(this.wantClaim || !this.exhausted || now >= this.nextPollAt)) return 0;
    this.wantClaim = false;
    return cfg.hopper - this.hopper.length;
  }

  claimed(leads: LeadRef[], now: number, pollMs: number): void {
    this.hopper.push(...leads);
    this.exhausted = leads.length === 0;
    if (this.exhausted) this.nextPollAt = now + pollMs;
  }

  /** One grant round: the granted leads now hold slots (fresh ones leave the hopper, recalls the
   *  waiting list). */
  grant(cfg: RunConfig, now: number): { fresh: LeadRef[]; recalls: LeadRef[]; cpsWaitMs: number } {
    const r = grantSlots({
      limits: { cap: capOf(cfg.concurrent_call), networkCaps: cfg.network, carrierCps: cfg.carrier_cps },
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

  /** How long to sleep when nothing was granted: the cps gap, the next claim or poll, or the
   *  window's closing, whichever comes first; undefined = until a signal. */
  idleMs(cfg: RunConfig, now: number, cpsWaitMs: number, closing: number | null): number | undefined {
    const waits: number[] = [];
    if (cpsWaitMs > 0) waits.push(cpsWaitMs);
    if (this.hopperLow(cfg)) waits.push(this.exhausted ? Math.max(1, this.nextPollAt - now) : 1);
    if (closing !== null) waits.push(Math.max(1, closing - now));
    return waits.length ? Math.min(...waits) : undefined;
  }
}

function without<T>(list: T[], taken: T[]): T[] {
  const s = new Set(taken);
  return list.filter((x) => !s.has(x));
}
