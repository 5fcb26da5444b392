// The events the simulated switch fires: the core headers every event carries (Core-UUID, dates,
// the calling file/function/line FreeSWITCH reports, Event-Sequence), delivery to every connection
// that listens and whose filters pass (plain or json, serialized once), and the event faults the
// control API sets (delay, seeded loss, drop the next n).
import { localStamp, nowUs, type Channel } from './channel.ts';
import type { Conn } from './connection.ts';
import { seededRandom } from './rules.ts';
import { eventFrame, serializeJson, serializePlain, type WireEvent } from './wire.ts';

/** Where each event says it was fired from (as in the captures). */
const CALLING: Record<string, [string, string, number]> = {
  CHANNEL_CREATE: ['switch_core_state_machine.c', 'switch_core_session_run', 626],
  CHANNEL_ORIGINATE: ['switch_ivr_originate.c', 'switch_ivr_originate', 3923],
  CHANNEL_OUTGOING: ['switch_core_session.c', 'switch_core_session_outgoing_channel', 762],
  CHANNEL_PROGRESS: ['switch_channel.c', 'switch_channel_perform_mark_ring_ready_value', 3505],
  CHANNEL_PROGRESS_MEDIA: ['switch_channel.c', 'switch_channel_perform_mark_pre_answered', 3698],
  CHANNEL_ANSWER: ['switch_channel.c', 'switch_channel_perform_mark_answered', 3846],
  CHANNEL_STATE: ['switch_channel.c', 'switch_channel_perform_set_running_state', 2187],
  CHANNEL_CALLSTATE: ['switch_channel.c', 'switch_channel_perform_set_callstate', 331],
  CHANNEL_EXECUTE: ['switch_core_session.c', 'switch_core_session_exec', 2945],
  CHANNEL_EXECUTE_COMPLETE: ['switch_core_session.c', 'switch_core_session_exec', 2987],
  CHANNEL_PARK: ['switch_ivr.c', 'switch_ivr_park', 1003],
  CHANNEL_UNPARK: ['switch_ivr.c', 'switch_ivr_park', 1301],
  CHANNEL_HANGUP: ['switch_channel.c', 'switch_channel_perform_hangup', 3445],
  CHANNEL_HANGUP_COMPLETE: ['switch_core_state_machine.c', 'switch_core_session_reporting_state', 943],
  CHANNEL_DESTROY: ['switch_core_session.c', 'switch_core_session_perform_destroy', 1584],
  BACKGROUND_JOB: ['mod_event_socket.c', 'api_exec', 1572],
  DTMF: ['switch_channel.c', 'switch_channel_queue_dtmf', 526],
  CUSTOM: ['mod_avmd.c', 'avmd_fire_event', 1095],
};

type LazyEvent = { name: string; subclass?: string; build: () => WireEvent };

export interface FaultState {
  eventDelayMs: number;
  eventLossRate: number;
  dropNext: Array<{ count: number; eventName?: string }>;
}

export interface SimStats {
  originates: number;
  refused: number;
  eventsFired: number;
  eventsSent: number;
  eventsLost: number;
}

/** What firing events needs from the simulator (read at each event: Core-UUID changes on restart). */
export interface EventHost {
  readonly conns: Iterable<Conn>;
  readonly coreUuid: string;
  readonly hostname: string;
  readonly stats: SimStats;
}

export class EventBus {
  faults: FaultState = { eventDelayMs: 0, eventLossRate: 0, dropNext: [] };
  private seq = 0;
  private lossRng: () => number;

  constructor(
    private readonly host: EventHost,
    seed: number,
  ) {
    this.lossRng = seededRandom(seed ^ 0x5eed);
  }

  reseed(seed: number): void {
    this.lossRng = seededRandom(seed ^ 0x5eed);
  }

  private coreHeaders(name: string, seq: number, us: number, file?: [string, string, number]): Array<[string, string]> {
    const [f, fn, line] = file ?? CALLING[name] ?? ['switch_event.c', 'switch_event_fire', 1];
    const ms = us / 1000;
    return [
      ['Event-Name', name],
      ['Core-UUID', this.host.coreUuid],
      ['FreeSWITCH-Hostname', this.host.hostname],
      ['FreeSWITCH-Switchname', this.host.hostname],
      ['FreeSWITCH-IPv4', '127.0.0.1'],
      ['FreeSWITCH-IPv6', '::1'],
      ['Event-Date-Local', localStamp(ms)],
      ['Event-Date-GMT', new Date(ms).toUTCString()],
      ['Event-Date-Timestamp', String(us)],
      ['Event-Calling-File', f],
      ['Event-Calling-Function', fn],
      ['Event-Calling-Line-Number', String(line)],
      ['Event-Sequence', String(seq)],
    ];
  }

  /** Fire an event: sequence number always advances; headers are built only if someone listens. */
  private fire(ev: LazyEvent): void {
    const stats = this.host.stats;
    stats.eventsFired++;
    const targets: Conn[] = [];
    for (const c of this.host.conns) if (c.sub.wants(ev.name, ev.subclass)) targets.push(c);
    if (!targets.length) return;
    const built = ev.build();
    let plain: string | undefined;
    let json: string | undefined;
    for (const c of targets) {
      if (!c.sub.passes(built.headers)) continue;
      if (this.shouldLose(ev.name)) {
        stats.eventsLost++;
        continue;
      }
      let frame: string;
      if (c.sub.format === 'json') frame = eventFrame('json', (json ??= serializeJson(built)));
      else frame = eventFrame('plain', (plain ??= serializePlain(built)));
      stats.eventsSent++;
      if (this.faults.eventDelayMs > 0) setTimeout(() => c.write(frame), this.faults.eventDelayMs);
      else c.write(frame);
    }
  }

  private shouldLose(name: string): boolean {
    for (const d of this.faults.dropNext) {
      if (d.count > 0 && (!d.eventName || d.eventName === name)) {
        d.count--;
        if (d.count === 0) this.faults.dropNext = this.faults.dropNext.filter((x) => x.count > 0);
        return true;
      }
    }
    return this.faults.eventLossRate > 0 && this.lossRng() < this.faults.eventLossRate;
  }

  fireChannel(
    ch: Channel,
    name: string,
    extra: Array<[string, string]> = [],
    opt: { subclass?: string; leadingCause?: boolean } = {},
  ): void {
    const seq = ++this.seq;
    const us = nowUs();
    this.fire({
      name,
      subclass: opt.subclass,
      build: () => {
        const h = this.coreHeaders(name, seq, us);
        if (opt.subclass) h.push(['Event-Subclass', opt.subclass]);
        if (opt.leadingCause && ch.hangupCause) h.push(['Hangup-Cause', ch.hangupCause]);
        h.push(...ch.headers());
        h.push(...extra);
        return { headers: h };
      },
    });
  }

  /**
   * A CUSTOM event as a module that copies it builds it (mod_avmd's avmd_fire_event: switch_event_dup,
   * fire the copy, queue the original on the session): Event-Subclass first, the core headers, the
   * module's own headers, and with `channel` the channel's headers after them (added when the
   * session delivers the original). `stamp` reuses an earlier copy's sequence number and time.
   */
  fireCustom(
    subclass: string,
    own: Array<[string, string]>,
    opt: { calling: [string, string, number]; channel?: Channel; stamp?: { seq: number; us: number }; us?: number },
  ): { seq: number; us: number } {
    const stamp = opt.stamp ?? { seq: ++this.seq, us: opt.us ?? nowUs() };
    this.fire({
      name: 'CUSTOM',
      subclass,
      build: () => {
        const h: Array<[string, string]> = [['Event-Subclass', subclass], ...this.coreHeaders('CUSTOM', stamp.seq, stamp.us, opt.calling)];
        h.push(...own);
        if (opt.channel) h.push(...opt.channel.headers());
        return { headers: h };
      },
    });
    return stamp;
  }

  fireBackgroundJob(jobUuid: string, command: string, arg: string | undefined, body: string): void {
    const seq = ++this.seq;
    const us = nowUs();
    this.fire({
      name: 'BACKGROUND_JOB',
      build: () => {
        const h = this.coreHeaders('BACKGROUND_JOB', seq, us);
        h.push(['Job-UUID', jobUuid], ['Job-Command', command]);
        if (arg !== undefined) h.push(['Job-Command-Arg', arg]);
        return { headers: h, body };
      },
    });
  }

  /**
   * mod_callcenter (callcenter.ts): an event whose headers the caller builds after the core ones
   * (callcenter::info with the channel data before the CC-* headers; CHANNEL_BRIDGE/UNBRIDGE with
   * Bridge-A/B-Unique-ID before the channel data). A subclass goes first, before Event-Name, as
   * switch_event_create_subclass puts it (captures 30-45).
   */
  fireBuilt(name: string, opt: { subclass?: string; calling: [string, string, number] }, build: () => Array<[string, string]>): void {
    const seq = ++this.seq;
    const us = nowUs();
    this.fire({
      name,
      subclass: opt.subclass,
      build: () => {
        const h: Array<[string, string]> = opt.subclass ? [['Event-Subclass', opt.subclass]] : [];
        h.push(...this.coreHeaders(name, seq, us, opt.calling), ...build());
        return { headers: h };
      },
    });
  }

  /** The core headers of an event created but not fired (REQUEST_PARAMS for xml_curl, agent legs' ovars). */
  coreOf(name: string, calling: [string, string, number]): Array<[string, string]> {
    return this.coreHeaders(name, ++this.seq, nowUs(), calling);
  }
}
