// The simulator's record of every originate: what was dialed, when, with which variables, and how
// it ended. Tests read it to prove "never dialed twice", "never outside the window", "never above
// the cap"; the control API serves it as JSON.
import { EventEmitter } from 'node:events';
import { CallCenterLog } from './callcenter-log.ts';

export interface CallLogLeg {
  target: string;
  number: string;
  gateway?: string;
  profile?: string;
  uuid?: string;
  /** Variables the leg got: global {} then its own [] (later wins). */
  variables: Record<string, string>;
  /** Which rule decided its fate (number:…, prefix:…, mix, default) and the action. */
  rule?: string;
  action?: string;
  /** Refused before a channel existed (limit, gateway, profile, duplicate uuid). */
  refused?: boolean;
  createdAt?: number;
  answeredAt?: number;
  hangupAt?: number;
  cause?: string;
  /** True once the leg's channel was counted against the session limit. */
  channel: boolean;
}

export interface CallLogEntry {
  id: number;
  /** ms since epoch when the originate command was received. */
  at: number;
  /** 'callcenter': an agent leg mod_callcenter placed (callcenter.ts; kept in callLog.callcenter, not in this list). */
  via: 'api' | 'bgapi' | 'control' | 'callcenter';
  connectionId?: number;
  jobUuid?: string;
  /** The full argument of `originate`. */
  command: string;
  dialString: string;
  app: string;
  variables: Record<string, string>;
  legs: CallLogLeg[];
  outcome: 'pending' | 'answered' | 'failed';
  /** Exactly what the originate returned (`+OK <uuid>\n` or `-ERR <CAUSE>\n`). */
  result?: string;
  cause?: string;
  completedAt?: number;
  /** When the answered call ended (any leg). */
  endedAt?: number;
}

export class CallLog extends EventEmitter {
  private list: CallLogEntry[] = [];
  /** mod_callcenter's members and agent offers (callcenter-log.ts). */
  readonly callcenter = new CallCenterLog();
  private nextId = 1;

  add(e: Omit<CallLogEntry, 'id'>): CallLogEntry {
    const entry = { ...e, id: this.nextId++ } as CallLogEntry;
    this.list.push(entry);
    this.emit('originate', entry);
    return entry;
  }

  complete(entry: CallLogEntry): void {
    this.emit('complete', entry);
  }

  /** All entries, oldest first (live objects: later fields fill in as calls progress). */
  entries(): CallLogEntry[] {
    return this.list.slice();
  }

  get size(): number {
    return this.list.length;
  }

  /** Entries with a leg to this number. */
  byNumber(number: string): CallLogEntry[] {
    return this.list.filter((e) => e.legs.some((l) => l.number === number));
  }

  /** Entries whose variables include name=value (e.g. campaign_uuid). */
  byVariable(name: string, value: string): CallLogEntry[] {
    return this.list.filter((e) => e.variables[name] === value || e.legs.some((l) => l.variables[name] === value));
  }

  /** Every number dialed (one per leg that got a channel), in order. */
  dialedNumbers(): string[] {
    return this.list.flatMap((e) => e.legs.filter((l) => l.channel).map((l) => l.number));
  }

  /** Highest number of simultaneously live channels seen in the log, optionally only among the
   *  originates `filter` accepts and, within them, the legs `legFilter` accepts (e.g. one network). */
  peakConcurrency(filter?: (e: CallLogEntry) => boolean, legFilter?: (l: CallLogLeg) => boolean): number {
    const points: Array<[number, number]> = [];
    for (const e of this.list) {
      if (filter && !filter(e)) continue;
      for (const l of e.legs) {
        if (!l.channel || l.createdAt === undefined || (legFilter && !legFilter(l))) continue;
        points.push([l.createdAt, 1]);
        points.push([l.hangupAt ?? Number.MAX_SAFE_INTEGER, -1]);
      }
    }
    points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let cur = 0;
    let peak = 0;
    for (const [, d] of points) {
      cur += d;
      peak = Math.max(peak, cur);
    }
    return peak;
  }

  clear(): void {
    this.list = [];
    this.callcenter.clear();
  }

  /** Resolves with the first entry (existing or future) that matches. */
  waitFor(pred: (e: CallLogEntry) => boolean, timeoutMs = 5000, event: 'originate' | 'complete' = 'originate'): Promise<CallLogEntry> {
    const found = this.list.find((e) => pred(e) && (event === 'originate' || e.outcome !== 'pending'));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onEv = (e: CallLogEntry) => {
        if (!pred(e)) return;
        clearTimeout(t);
        this.off(event, onEv);
        resolve(e);
      };
      const t = setTimeout(() => {
        this.off(event, onEv);
        reject(new Error(`call log: no matching ${event} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on(event, onEv);
    });
  }

  toJSON(): CallLogEntry[] {
    return this.list;
  }
}
