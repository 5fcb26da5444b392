// The simulator's record of mod_callcenter's work, for tests and the control API: every member
// (customer leg in a queue: when it joined and left, why, which agent took it) and every offer
// (one agent leg mod_callcenter placed: ring, answer, bridge, talk, or how it failed). Times are
// wall-clock ms (Date.now()); *Epoch fields are the callcenter clock in seconds, the values the
// CC-*-Time headers carry (the same as wall-clock seconds at timeScale 1).
import { EventEmitter } from 'node:events';

function lastOf<T>(list: T[], pred: (x: T) => boolean): T | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (pred(list[i]!)) return list[i];
  return undefined;
}

export interface CcMemberRecord {
  /** mod_callcenter's member id (CC-Member-UUID, variable_cc_member_uuid). */
  memberUuid: string;
  /** The customer leg's uuid (CC-Member-Session-UUID = origination_uuid). */
  sessionUuid: string;
  queue: string;
  cidNumber: string;
  cidName: string;
  joinedAt: number;
  joinedEpoch: number;
  /** When the member left the queue: bridged to an agent, or cancelled. */
  leftAt?: number;
  leftEpoch?: number;
  /** 'answered' (bridged to an agent) or 'cancel'. */
  result?: 'answered' | 'cancel';
  /** NO_AGENT_TIMEOUT, TIMEOUT, BREAK_OUT… for result 'cancel'. */
  cancelReason?: string;
  /** The agent that took the call. */
  agent?: string;
  agentUuid?: string;
  bridgedAt?: number;
  /** The bridge ended (member-queue-end Terminated). */
  endedAt?: number;
  /** Offers made for this member (agent legs placed). */
  offers: number;
}

/**
 * bridged: answered and bridged; orphan: answered after another agent won the ring-all race (the leg
 * stays up, connected to nobody); unbridged: answered but a leg was gone before uuid_bridge;
 * failed: the originate failed (`cause`); member-gone: the member left before the agent was called.
 */
export type CcOfferResult = 'bridged' | 'orphan' | 'unbridged' | 'failed' | 'member-gone';

export interface CcOfferRecord {
  id: number;
  agent: string;
  queue: string;
  memberUuid: string;
  sessionUuid: string;
  /** The dial string as originated (variables expanded). */
  contact: string;
  /** The agent leg's uuid (no leg when it was refused before a channel existed). */
  legUuid?: string;
  offeredAt: number;
  offeredEpoch: number;
  answeredAt?: number;
  bridgedAt?: number;
  /** The agent leg hung up (or failed). */
  endedAt?: number;
  /** How the offer ended; unset while it rings or talks. */
  result?: CcOfferResult;
  /** For 'failed': the originate cause (ALLOTTED_TIMEOUT, LOSE_RACE, ORIGINATOR_CANCEL, USER_BUSY…). */
  cause?: string;
  /** Bridged talk time (bridge → first hangup), ms. */
  talkMs?: number;
}

export interface CcAgentStats {
  offers: number;
  /** Agent legs that answered (bridged or orphaned). */
  answers: number;
  bridged: number;
  orphans: number;
  /** Failed offers by cause. */
  failures: Record<string, number>;
  talkMs: number;
}

export class CallCenterLog extends EventEmitter {
  private memberList: CcMemberRecord[] = [];
  private offerList: CcOfferRecord[] = [];
  private nextOffer = 1;

  member(r: Omit<CcMemberRecord, 'offers'>): CcMemberRecord {
    const rec: CcMemberRecord = { ...r, offers: 0 };
    this.memberList.push(rec);
    this.emit('member', rec);
    return rec;
  }

  offer(r: Omit<CcOfferRecord, 'id'>): CcOfferRecord {
    const rec: CcOfferRecord = { ...r, id: this.nextOffer++ };
    this.offerList.push(rec);
    const m = lastOf(this.memberList, (x) => x.memberUuid === r.memberUuid);
    if (m) m.offers++;
    this.emit('offer', rec);
    return rec;
  }

  /** A record changed (left, bridged, ended, failed…). */
  changed(rec: CcMemberRecord | CcOfferRecord): void {
    this.emit('change', rec);
  }

  members(): CcMemberRecord[] {
    return this.memberList.slice();
  }

  offers(): CcOfferRecord[] {
    return this.offerList.slice();
  }

  /** Agents in the order they were offered calls, e.g. ['agentA', 'agentB', 'agentA']. */
  offerSequence(queue?: string): string[] {
    return this.offerList.filter((o) => !queue || o.queue === queue).map((o) => o.agent);
  }

  /** Per agent: offers, answers, bridges, orphaned answers, failures by cause, talk time. */
  agentStats(): Record<string, CcAgentStats> {
    const out: Record<string, CcAgentStats> = {};
    for (const o of this.offerList) {
      const s = (out[o.agent] ??= { offers: 0, answers: 0, bridged: 0, orphans: 0, failures: {}, talkMs: 0 });
      s.offers++;
      if (o.answeredAt !== undefined) s.answers++;
      if (o.result === 'bridged' || o.bridgedAt !== undefined) s.bridged++;
      if (o.result === 'orphan') s.orphans++;
      if (o.result === 'failed' && o.cause) s.failures[o.cause] = (s.failures[o.cause] ?? 0) + 1;
      s.talkMs += o.talkMs ?? 0;
    }
    return out;
  }

  /** The member record of a customer leg (by CC-Member-Session-UUID / origination_uuid). */
  bySession(sessionUuid: string): CcMemberRecord | undefined {
    return lastOf(this.memberList, (m) => m.sessionUuid === sessionUuid);
  }

  /** Resolves with the first member record (now or later) that satisfies pred. */
  waitForMember(pred: (m: CcMemberRecord) => boolean, timeoutMs = 5000): Promise<CcMemberRecord> {
    return this.waitFor(() => this.memberList.find(pred), timeoutMs, 'member');
  }

  /** Resolves with the first offer record (now or later) that satisfies pred. */
  waitForOffer(pred: (o: CcOfferRecord) => boolean, timeoutMs = 5000): Promise<CcOfferRecord> {
    return this.waitFor(() => this.offerList.find(pred), timeoutMs, 'offer');
  }

  private waitFor<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const hit = find();
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const check = () => {
        const h = find();
        if (!h) return;
        cleanup();
        resolve(h);
      };
      const cleanup = () => {
        clearTimeout(t);
        for (const e of ['member', 'offer', 'change']) this.off(e, check);
      };
      const t = setTimeout(() => {
        cleanup();
        reject(new Error(`callcenter log: no matching ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      for (const e of ['member', 'offer', 'change']) this.on(e, check);
    });
  }

  clear(): void {
    this.memberList = [];
    this.offerList = [];
  }

  toJSON(): { members: CcMemberRecord[]; offers: CcOfferRecord[]; agents: Record<string, CcAgentStats> } {
    return { members: this.memberList, offers: this.offerList, agents: this.agentStats() };
  }
}
