// The limits a new session meets in FreeSWITCH: the core's sessions-per-second throttle and
// max-sessions, a gateway's max sessions and calls per second; and the session counters `status`
// reports (since startup, peak).
import type { GatewayConfig, Rules } from './rules.ts';
import type { ChannelRuntime } from './lifecycle.ts';

/** What the limits need from the simulator. */
export interface LimitsHost {
  readonly rules: Rules;
  readonly channels: Map<string, ChannelRuntime>;
  readonly startedAt: number;
  gatewayConfig(name: string): GatewayConfig | undefined;
}

export class SessionLimits {
  sessionsSinceStartup = 0;
  peakSessions = 0;
  private sessionCounter = 0;
  private spsWindow = -1;
  private spsLeft = 0;
  private gwWindows = new Map<string, { window: number; count: number }>();

  constructor(private readonly host: LimitsHost) {}

  /** FreeSWITCH core throttle: the per-second counter is reset to sessions-per-second each second and
   * a session is refused when the decremented counter reaches 0 (so at most sps-1 per second). */
  takeSessionSlot(): boolean {
    const { maxSessions, sessionsPerSecond } = this.host.rules.limits;
    const w = Math.floor((Date.now() - this.host.startedAt) / 1000);
    if (w !== this.spsWindow) {
      this.spsWindow = w;
      this.spsLeft = sessionsPerSecond;
    }
    const sps = --this.spsLeft;
    if (sps <= 0) return false;
    if (this.host.channels.size + 1 > maxSessions) return false;
    return true;
  }

  takeGatewaySlot(gw: string): boolean {
    const cfg = this.host.gatewayConfig(gw);
    if (!cfg) return false;
    if (cfg.maxSessions !== undefined) {
      let live = 0;
      for (const rt of this.host.channels.values()) if (rt.ch.gateway === gw) live++;
      if (live + 1 > cfg.maxSessions) return false;
    }
    if (cfg.cps !== undefined) {
      const w = Math.floor(Date.now() / 1000);
      const cur = this.gwWindows.get(gw);
      if (!cur || cur.window !== w) this.gwWindows.set(gw, { window: w, count: 0 });
      const slot = this.gwWindows.get(gw)!;
      if (slot.count >= cfg.cps) return false;
      slot.count++;
    }
    return true;
  }

  /** A session is created: its session id. */
  nextSession(): number {
    const sessionId = ++this.sessionCounter;
    this.sessionsSinceStartup++;
    return sessionId;
  }

  /** After a channel joined the live set. */
  countPeak(): void {
    this.peakSessions = Math.max(this.peakSessions, this.host.channels.size);
  }

  /** New rules: a new sessions-per-second value applies at once. */
  rulesChanged(): void {
    this.spsWindow = -1;
  }

  /** FreeSWITCH restarted: the counters start again (session ids do not). */
  restarted(): void {
    this.sessionsSinceStartup = 0;
    this.peakSessions = 0;
  }
}
