// A FreeSWITCH 1.10 stand-in speaking inbound ESL over TCP: auth, event plain|json with filters,
// api/bgapi, originate with the real channel event lifecycle, limits, faults, and a call log.
// Bytes on the wire follow FreeSWITCH's Event Socket protocol as captured from a real FreeSWITCH 1.10.12.
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { Channel, localStamp, nowUs } from './channel.ts';
import { CallLog, type CallLogEntry, type CallLogLeg } from './calllog.ts';
import { fsCauseOfSip, fsSipStatus, isFsCause } from '../domain/fs-causes.ts';
import { parseOriginate, parseTarget, splitArgs, type Leg, type OriginateArgs } from './dialstring.ts';
import { parseRules, RuleBook, seededRandom, type CalleeRule, type GatewayConfig, type Rules, type RulesInput } from './rules.ts';
import {
  apiResponse,
  AUTH_REQUEST,
  bgapiReply,
  CommandParser,
  commandReply,
  disconnectNotice,
  eventFrame,
  headerCI,
  serializeJson,
  serializePlain,
  type ClientCommand,
  type WireEvent,
} from './wire.ts';

export interface SimulatorOptions {
  /** TCP port for ESL; 0 = any free port. Default 8021. */
  port?: number;
  host?: string;
  password?: string;
  rules?: RulesInput | Rules;
  /** Seed for the random mix and event-loss faults. */
  seed?: number;
  /** FreeSWITCH-Hostname / -Switchname on events. */
  hostname?: string;
  /**
   * Multiplies every timeout FreeSWITCH counts in seconds (originate_timeout, leg_timeout, the 7th
   * originate argument) and play_and_get_digits waits, so tests can run "no answer" in milliseconds.
   */
  timeScale?: number;
  log?: (line: string) => void;
}

/** FreeSWITCH event names the simulator knows (for `event` parsing; unknown names are ignored). */
const EVENT_NAMES = new Set([
  'CUSTOM', 'CLONE', 'CHANNEL_CREATE', 'CHANNEL_DESTROY', 'CHANNEL_STATE', 'CHANNEL_CALLSTATE', 'CHANNEL_ANSWER',
  'CHANNEL_HANGUP', 'CHANNEL_HANGUP_COMPLETE', 'CHANNEL_EXECUTE', 'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_HOLD',
  'CHANNEL_UNHOLD', 'CHANNEL_BRIDGE', 'CHANNEL_UNBRIDGE', 'CHANNEL_PROGRESS', 'CHANNEL_PROGRESS_MEDIA',
  'CHANNEL_OUTGOING', 'CHANNEL_PARK', 'CHANNEL_UNPARK', 'CHANNEL_APPLICATION', 'CHANNEL_ORIGINATE', 'CHANNEL_UUID',
  'API', 'LOG', 'INBOUND_CHAN', 'OUTBOUND_CHAN', 'STARTUP', 'SHUTDOWN', 'PUBLISH', 'UNPUBLISH', 'TALK', 'NOTALK',
  'SESSION_CRASH', 'MODULE_LOAD', 'MODULE_UNLOAD', 'DTMF', 'MESSAGE', 'PRESENCE_IN', 'NOTIFY_IN', 'PRESENCE_OUT',
  'PRESENCE_PROBE', 'MESSAGE_WAITING', 'MESSAGE_QUERY', 'ROSTER', 'CODEC', 'BACKGROUND_JOB', 'DETECTED_SPEECH',
  'DETECTED_TONE', 'PRIVATE_COMMAND', 'HEARTBEAT', 'TRAP', 'ADD_SCHEDULE', 'DEL_SCHEDULE', 'EXE_SCHEDULE',
  'RE_SCHEDULE', 'RELOADXML', 'NOTIFY', 'PHONE_FEATURE', 'PHONE_FEATURE_SUBSCRIBE', 'SEND_MESSAGE', 'RECV_MESSAGE',
  'REQUEST_PARAMS', 'CHANNEL_DATA', 'GENERAL', 'COMMAND', 'SESSION_HEARTBEAT', 'CLIENT_DISCONNECTED',
  'SERVER_DISCONNECTED', 'SEND_INFO', 'RECV_INFO', 'RECV_RTCP_MESSAGE', 'SEND_RTCP_MESSAGE', 'CALL_SECURE', 'NAT',
  'RECORD_START', 'RECORD_STOP', 'PLAYBACK_START', 'PLAYBACK_STOP', 'CALL_UPDATE', 'FAILURE', 'SOCKET_DATA',
  'MEDIA_BUG_START', 'MEDIA_BUG_STOP', 'CONFERENCE_DATA_QUERY', 'CONFERENCE_DATA', 'CALL_SETUP_REQ',
  'CALL_SETUP_RESULT', 'CALL_DETAIL', 'DEVICE_STATE', 'TEXT', 'SHUTDOWN_REQUESTED', 'ALL',
]);

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

interface ApiCtx {
  via: 'api' | 'bgapi' | 'control';
  conn?: Conn;
  jobUuid?: string;
  deliver?: (out: string) => void;
}

type LazyEvent = { name: string; subclass?: string; build: () => WireEvent };

class Conn {
  readonly id: number;
  authed = false;
  format: 'plain' | 'json' = 'plain';
  listening = false;
  all = false;
  names = new Set<string>();
  subclasses = new Set<string>();
  filters: Array<[string, string]> = [];
  /** While an `api` command runs the socket sends nothing else (mod_event_socket is synchronous). */
  holding = 0;
  held: string[] = [];
  closed = false;
  private parser = new CommandParser();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly sim: SimulatorImpl,
    readonly socket: net.Socket,
    id: number,
  ) {
    this.id = id;
    socket.setNoDelay(true);
    socket.on('data', (d) => {
      let cmds: ClientCommand[];
      try {
        cmds = this.parser.push(d);
      } catch {
        this.destroy();
        return;
      }
      for (const c of cmds) this.chain = this.chain.then(() => this.sim.handleCommand(this, c)).catch((e) => this.sim.logLine(`conn ${this.id}: ${String(e)}`));
    });
    socket.on('error', () => this.destroy());
    socket.on('close', () => {
      this.closed = true;
      this.sim.conns.delete(this);
    });
    this.write(AUTH_REQUEST);
  }

  write(s: string): void {
    if (this.closed || this.socket.destroyed) return;
    if (this.holding) this.held.push(s);
    else this.socket.write(s);
  }

  /** Write now even while holding (the api reply itself). */
  writeNow(s: string): void {
    if (!this.closed && !this.socket.destroyed) this.socket.write(s);
  }

  release(): void {
    if (--this.holding > 0) return;
    const h = this.held;
    this.held = [];
    if (h.length && !this.closed && !this.socket.destroyed) this.socket.write(h.join(''));
  }

  wants(name: string, subclass?: string): boolean {
    if (!this.listening) return false;
    if (this.all) return true;
    if (!this.names.has(name)) return false;
    if (name === 'CUSTOM' && subclass) return this.subclasses.has(subclass);
    return true;
  }

  /** mod_event_socket's filter loop: any matching `+` filter sends, a matching `-` filter vetoes. */
  passes(headers: Array<[string, string]>): boolean {
    if (!this.filters.length) return true;
    let send = false;
    for (const [name, value] of this.filters) {
      const lname = name.toLowerCase();
      const found = headers.find(([k]) => k.toLowerCase() === lname);
      if (!found) continue;
      let comp = value;
      let pos = true;
      while (comp.length && (comp[0] === '+' || comp[0] === '-' || comp[0] === ' ')) {
        if (comp[0] === '+') pos = true;
        else if (comp[0] === '-') pos = false;
        comp = comp.slice(1);
      }
      if (send && pos) continue;
      let cmp: boolean;
      if (value.startsWith('/')) {
        const body = comp.replace(/^\//, '').replace(/\/$/, '');
        try {
          cmp = new RegExp(body).test(found[1]);
        } catch {
          cmp = false;
        }
      } else cmp = found[1].toLowerCase() === comp.toLowerCase();
      if (cmp) {
        if (pos) send = true;
        else return false;
      }
    }
    return send;
  }

  sendDisconnect(): void {
    this.writeNow(disconnectNotice());
    this.socket.end();
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
    this.sim.conns.delete(this);
  }
}

interface AppStep {
  name: string;
  args: string;
  source: 'originate' | 'broadcast';
}

interface ChannelRuntime {
  ch: Channel;
  entry: CallLogEntry;
  apps: AppStep[];
  current?: AppStep;
  parked: boolean;
  /** The originate asked for an extension, not an app: park as the stand-in for the dialplan. */
  afterApps: 'hangup' | 'park';
  onResult?: (r: LegResult) => void;
}

type LegResult = { ok: true; rt: ChannelRuntime } | { ok: false; cause: string };

export interface ChannelInfo {
  uuid: string;
  number: string;
  gateway?: string;
  state: string;
  callState: string;
  answerState: string;
  createdAt: number;
  answeredAt?: number;
  variables: Record<string, string>;
  application?: string;
}

export interface FaultState {
  eventDelayMs: number;
  eventLossRate: number;
  dropNext: Array<{ count: number; eventName?: string }>;
}

export class SimulatorImpl {
  readonly callLog = new CallLog();
  readonly conns = new Set<Conn>();
  readonly channels = new Map<string, ChannelRuntime>();
  coreUuid = randomUUID();
  rules: Rules;
  ruleBook: RuleBook;
  password: string;
  hostname: string;
  timeScale: number;
  faults: FaultState = { eventDelayMs: 0, eventLossRate: 0, dropNext: [] };
  port = 0;
  host: string;
  startedAt = Date.now();
  private server: net.Server;
  private nextConnId = 1;
  private seq = 0;
  private sessionCounter = 0;
  private sessionsSinceStartup = 0;
  private peakSessions = 0;
  private spsWindow = -1;
  private spsLeft = 0;
  private gwWindows = new Map<string, { window: number; count: number }>();
  private lossRng: () => number;
  private seed: number;
  private logFn?: (line: string) => void;
  stats = { originates: 0, refused: 0, eventsFired: 0, eventsSent: 0, eventsLost: 0 };

  constructor(opts: SimulatorOptions) {
    this.password = opts.password ?? 'ClueCon';
    this.hostname = opts.hostname ?? 'sim';
    this.timeScale = opts.timeScale ?? 1;
    this.host = opts.host ?? '127.0.0.1';
    this.seed = opts.seed ?? 1;
    this.rules = parseRules(opts.rules ?? {});
    this.ruleBook = new RuleBook(this.rules, this.seed);
    this.lossRng = seededRandom(this.seed ^ 0x5eed);
    this.logFn = opts.log;
    this.server = net.createServer((s) => this.accept(s));
    this.server.on('error', (e) => this.logLine(`server error: ${String(e)}`));
  }

  logLine(l: string): void {
    this.logFn?.(l);
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onErr = (e: Error) => reject(e);
      this.server.once('error', onErr);
      this.server.listen(port, this.host, () => {
        this.server.off('error', onErr);
        const addr = this.server.address();
        if (addr && typeof addr === 'object') this.port = addr.port;
        resolve();
      });
    });
  }

  private accept(socket: net.Socket): void {
    const c = new Conn(this, socket, this.nextConnId++);
    this.conns.add(c);
  }

  setRules(r: RulesInput | Rules): void {
    this.rules = parseRules(r);
    this.ruleBook.rules = this.rules;
    this.spsWindow = -1; // a new sessions-per-second value applies at once
  }

  // ---------------------------------------------------------------- events

  private coreHeaders(name: string, seq: number, us: number, file?: [string, string, number]): Array<[string, string]> {
    const [f, fn, line] = file ?? CALLING[name] ?? ['switch_event.c', 'switch_event_fire', 1];
    const ms = us / 1000;
    return [
      ['Event-Name', name],
      ['Core-UUID', this.coreUuid],
      ['FreeSWITCH-Hostname', this.hostname],
      ['FreeSWITCH-Switchname', this.hostname],
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
  fire(ev: LazyEvent): void {
    this.stats.eventsFired++;
    const targets: Conn[] = [];
    for (const c of this.conns) if (c.wants(ev.name, ev.subclass)) targets.push(c);
    if (!targets.length) return;
    const built = ev.build();
    let plain: string | undefined;
    let json: string | undefined;
    for (const c of targets) {
      if (!c.passes(built.headers)) continue;
      if (this.shouldLose(ev.name)) {
        this.stats.eventsLost++;
        continue;
      }
      let frame: string;
      if (c.format === 'json') frame = eventFrame('json', (json ??= serializeJson(built)));
      else frame = eventFrame('plain', (plain ??= serializePlain(built)));
      this.stats.eventsSent++;
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

  fireChannel(ch: Channel, name: string, extra: Array<[string, string]> = [], opt: { subclass?: string; leadingCause?: boolean } = {}): void {
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

  // ---------------------------------------------------------------- commands

  async handleCommand(c: Conn, cmd: ClientCommand): Promise<void> {
    if (c.closed) return;
    const line = cmd.line.replace(/[\r\n]+$/, '');
    const lower = line.toLowerCase();
    if (lower.startsWith('exit') || lower.startsWith('...')) {
      c.write(commandReply('+OK bye'));
      c.sendDisconnect();
      return;
    }
    if (!c.authed) {
      if (lower.startsWith('auth ')) {
        if (line.slice(5) === this.password) {
          c.authed = true;
          c.write(commandReply('+OK accepted'));
        } else {
          c.write(commandReply('-ERR invalid'));
          c.sendDisconnect();
        }
        return;
      }
      c.write(commandReply('-ERR command not found'));
      return;
    }
    if (lower.startsWith('filter ')) return void c.write(commandReply(this.filterCommand(c, line.slice(7))));
    if (lower.startsWith('api ')) {
      const rest = line.slice(4).trim();
      const sp = rest.indexOf(' ');
      const name = sp < 0 ? rest : rest.slice(0, sp);
      const arg = sp < 0 ? undefined : rest.slice(sp + 1);
      c.holding++;
      try {
        await this.runApi(name, arg, { via: 'api', conn: c }, (out) => c.writeNow(apiResponse(out === '' ? '-ERR no reply\n' : out)));
      } finally {
        c.release();
      }
      return;
    }
    if (lower.startsWith('bgapi ')) {
      const rest = line.slice(6).trim();
      const sp = rest.indexOf(' ');
      const name = sp < 0 ? rest : rest.slice(0, sp);
      const arg = sp < 0 ? undefined : rest.slice(sp + 1);
      const jobUuid = headerCI(cmd.headers, 'job-uuid') ?? randomUUID();
      c.write(bgapiReply(jobUuid));
      setImmediate(() => {
        void this.runApi(name, arg, { via: 'bgapi', conn: c, jobUuid }, (out) =>
          this.fireBackgroundJob(jobUuid, name, arg, out === '' ? 'Command returned no output!' : out),
        );
      });
      return;
    }
    if (lower.startsWith('event')) return void c.write(commandReply(this.eventCommand(c, line)));
    if (lower.startsWith('nixevent')) return void c.write(commandReply(this.nixEventCommand(c, line)));
    if (lower.startsWith('noevents')) {
      if (c.listening) {
        c.listening = false;
        c.all = false;
        c.names.clear();
        c.subclasses.clear();
        c.write(commandReply('+OK no longer listening for events'));
      } else c.write(commandReply('-ERR not listening for events'));
      return;
    }
    c.write(commandReply('-ERR command not found'));
  }

  private eventCommand(c: Conn, line: string): string {
    const words = line.split(' ').slice(1).filter((w) => w !== '');
    let keys = 0;
    let custom = false;
    words.forEach((w, i) => {
      const lw = w.toLowerCase();
      if (i === 0 && (lw === 'plain' || lw === 'json' || lw === 'xml')) {
        c.format = lw === 'json' ? 'json' : 'plain'; // xml is not simulated; it falls back to plain
        return;
      }
      if (custom) {
        c.subclasses.add(w);
        return;
      }
      const up = w.toUpperCase().replace(/^SWITCH_EVENT_/, '');
      if (!EVENT_NAMES.has(up)) return;
      keys++;
      if (up === 'ALL') c.all = true;
      else c.names.add(up);
      if (up === 'CUSTOM') custom = true;
    });
    if (!keys) return '-ERR no keywords supplied';
    c.listening = true;
    return `+OK event listener enabled ${c.format}`;
  }

  private nixEventCommand(c: Conn, line: string): string {
    const words = line.split(' ').slice(1).filter((w) => w !== '');
    let keys = 0;
    let custom = false;
    for (const w of words) {
      if (custom) {
        c.subclasses.delete(w);
        continue;
      }
      const up = w.toUpperCase();
      if (!EVENT_NAMES.has(up)) continue;
      keys++;
      if (up === 'CUSTOM') custom = true;
      else if (up === 'ALL') {
        c.all = false;
        c.names.clear();
      } else {
        if (c.all) {
          c.all = false;
          for (const n of EVENT_NAMES) if (n !== 'ALL') c.names.add(n);
        }
        c.names.delete(up);
      }
    }
    if (!keys) return '-ERR no keywords supplied';
    c.listening = true;
    return '+OK events nixed';
  }

  private filterCommand(c: Conn, rest: string): string {
    let name = rest.replace(/^ +/, '');
    let val: string | undefined;
    const sp = name.indexOf(' ');
    if (sp >= 0) {
      val = name.slice(sp + 1);
      name = name.slice(0, sp);
    }
    if (name.toLowerCase() === 'delete' && val !== undefined) {
      let h = val;
      let v: string | undefined;
      const s2 = h.indexOf(' ');
      if (s2 >= 0) {
        v = h.slice(s2 + 1);
        h = h.slice(0, s2);
      }
      if (h.toLowerCase() === 'all') c.filters = [];
      else c.filters = c.filters.filter(([fh, fv]) => !(fh.toLowerCase() === h.toLowerCase() && (v === undefined || fv === v)));
      return `+OK filter deleted. [${h}][${v ?? ''}]`;
    }
    if (val !== undefined) {
      if (name.toLowerCase() === 'add') {
        const s2 = val.indexOf(' ');
        if (s2 < 0) return '-ERR invalid syntax';
        name = val.slice(0, s2);
        val = val.slice(s2 + 1);
      }
      c.filters.push([name, val]);
      return `+OK filter added. [${name}]=[${val}]`;
    }
    return '-ERR invalid syntax';
  }

  // ---------------------------------------------------------------- api commands

  /**
   * Run an api command and hand its output to `deliver` exactly once. originate delivers
   * synchronously at the moment its result is known, so BACKGROUND_JOB (or the api reply) lands
   * between the channel events exactly where FreeSWITCH puts it.
   */
  async runApi(name: string, arg: string | undefined, ctx: ApiCtx, deliver: (out: string) => void): Promise<void> {
    let delivered = false;
    const once = (out: string) => {
      if (delivered) return;
      delivered = true;
      deliver(out);
    };
    try {
      once(await this.executeApi(name, arg, { ...ctx, deliver: once }));
    } catch (e) {
      once(`-ERR ${String(e)}\n`);
    }
  }

  async executeApi(name: string, arg: string | undefined, ctx: ApiCtx): Promise<string> {
    const a = (arg ?? '').trim();
    switch (name.toLowerCase()) {
      case 'originate':
        return this.originate(a, ctx);
      case 'uuid_kill': {
        const [uuid, cause] = a.split(/\s+/);
        const rt = uuid ? this.channels.get(uuid) : undefined;
        if (!rt) return '-ERR No such channel!\n';
        const hc = cause && isFsCause(cause.toUpperCase()) ? cause.toUpperCase() : 'NORMAL_CLEARING';
        setImmediate(() => this.hangupChannel(rt, hc, 'send_bye'));
        return '+OK\n';
      }
      case 'uuid_exists':
        return this.channels.has(a.split(/\s+/)[0] ?? '') ? 'true' : 'false';
      case 'uuid_getvar': {
        const [uuid, v] = a.split(/\s+/);
        const rt = uuid ? this.channels.get(uuid) : undefined;
        if (!rt) return '-ERR No such channel!\n';
        return rt.ch.vars.get(v ?? '') ?? '_undef_';
      }
      case 'uuid_setvar': {
        const [uuid, v, ...val] = a.split(/\s+/);
        const rt = uuid ? this.channels.get(uuid) : undefined;
        if (!rt) return '-ERR No such channel!\n';
        if (v) rt.ch.vars.set(v, val.join(' '));
        return '+OK\n';
      }
      case 'uuid_broadcast':
        return this.broadcast(a);
      case 'show':
        return this.show(a);
      case 'status':
        return this.status();
      case 'sofia':
        return this.sofia(a);
      case 'hupall': {
        const [cause, v, val] = a.split(/\s+/).filter(Boolean);
        const hc = cause && isFsCause(cause.toUpperCase()) ? cause.toUpperCase() : 'MANAGER_REQUEST';
        for (const rt of [...this.channels.values()]) {
          if (v && rt.ch.vars.get(v) !== val) continue;
          this.hangupChannel(rt, hc, 'send_bye');
        }
        return v ? `+OK hangup all channels matching [${v}]=[${val ?? ''}] with cause: ${hc}\n` : `+OK hangup all channels with cause: ${hc}\n`;
      }
      case 'version':
        return 'FreeSWITCH Version 1.10.12-release~64bit (simulator)\n';
      default:
        return `-ERR ${name} Command not found!\n`;
    }
  }

  private show(a: string): string {
    const words = a.toLowerCase().split(/\s+/).filter(Boolean);
    const what = words[0];
    if (what !== 'channels' && what !== 'calls') return '-USAGE: [channels|calls|...] [as xml|json|delim <c>]\n';
    const live = [...this.channels.values()].filter((rt) => !rt.ch.gone);
    if (words[1] === 'count') return `\n${live.length} total.\n`;
    if (words[1] === 'as' && words[2] === 'json') {
      if (!live.length) return '{"row_count": 0}\n';
      const rows = live.map((rt) => (what === 'calls' ? rt.ch.callsRow(this.hostname) : rt.ch.channelsRow(this.hostname, rt.current?.name ?? (rt.parked ? 'park' : ''), rt.current?.args ?? '')));
      return JSON.stringify({ row_count: rows.length, rows });
    }
    // default text table (csv-like, as FreeSWITCH prints it)
    if (!live.length) return '\n0 total.\n';
    const rows = live.map((rt) => rt.ch.callsRow(this.hostname));
    const cols = Object.keys(rows[0]!);
    return cols.join(',') + '\n' + rows.map((r) => cols.map((k) => r[k]).join(',')).join('\n') + `\n\n${rows.length} total.\n`;
  }

  private status(): string {
    const up = Date.now() - this.startedAt;
    const s = Math.floor(up / 1000);
    const live = this.channels.size;
    return (
      `UP 0 years, ${Math.floor(s / 86400)} days, ${Math.floor((s % 86400) / 3600)} hours, ${Math.floor((s % 3600) / 60)} minutes, ${s % 60} seconds, ${up % 1000} milliseconds, 0 microseconds\n` +
      `FreeSWITCH (Version 1.10.12-release  64bit) is ready\n` +
      `${this.sessionsSinceStartup} session(s) since startup\n` +
      `${live} session(s) - peak ${this.peakSessions}, last 5min ${this.peakSessions} \n` +
      `0 session(s) per Sec out of max ${this.rules.limits.sessionsPerSecond}, peak 0, last 5min 0 \n` +
      `${this.rules.limits.maxSessions} session(s) max\n` +
      `min idle cpu 0.00/100.00\n` +
      `Current Stack Size/Max 240K/8192K\n`
    );
  }

  gatewayConfig(name: string): GatewayConfig | undefined {
    if (!this.rules.gateways) return { status: 'UP', profile: 'external' };
    return this.rules.gateways[name];
  }

  private sofia(a: string): string {
    const w = a.split(/\s+/).filter(Boolean);
    if (w[0] === 'status' && w[1] === 'gateway' && w[2]) {
      const gw = this.gatewayConfig(w[2]);
      if (!gw) return 'Invalid Gateway!\n';
      const live = [...this.channels.values()].filter((rt) => rt.ch.gateway === w[2]).length;
      const bar = '='.repeat(97);
      const proxy = gw.proxy ?? `${w[2]}.sim.invalid`;
      return (
        `${bar}\n` +
        `Name    \t${w[2]}\nProfile \t${gw.profile}\nScheme  \tDigest\nRealm   \t${proxy}\nUsername\t${w[2]}\nPassword\tyes\n` +
        `From    \t<sip:${w[2]}@${proxy}>\nContact \t<sip:gw+${w[2]}@127.0.0.1:5080;transport=udp;gw=${w[2]}>\nExten   \t${w[2]}\n` +
        `To      \tsip:${w[2]}@${proxy}\nProxy   \tsip:${proxy}\nContext \tpublic\nExpires \t3600\nFreq    \t3600\nPing    \t0\nPingFreq\t0\nPingState\t0/0/0\n` +
        `State   \t${gw.status === 'UP' ? 'REGED' : 'FAIL_WAIT'}\nStatus  \t${gw.status}\nUptime  \t${Math.floor((Date.now() - this.startedAt) / 1000)}s\n` +
        `CallsIN \t0\nCallsOUT\t${live}\nFailedCallsIN\t0\nFailedCallsOUT\t0\n${bar}\n`
      );
    }
    if (w[0] === 'status') {
      const bar = '='.repeat(97);
      let out = `${'Name'.padEnd(24)}\t${'Type'.padEnd(10)}\t${'Data'.padEnd(40)}\tState\n${bar}\n`;
      for (const p of this.rules.profiles) out += `${p.padEnd(24)}\tprofile   \tsip:mod_sofia@127.0.0.1:5080\tRUNNING (0)\n`;
      for (const [n, g] of Object.entries(this.rules.gateways ?? {})) out += `${(g.profile + '::' + n).padEnd(24)}\tgateway   \tsip:${n}@${g.proxy ?? n}\t${g.status === 'UP' ? 'REGED' : 'FAIL_WAIT'}\n`;
      return out + `${bar}\n`;
    }
    return '-ERR Usage: sofia status [gateway <name>]\n';
  }

  // ---------------------------------------------------------------- originate

  private async originate(arg: string, ctx: ApiCtx): Promise<string> {
    let parsed: OriginateArgs;
    try {
      parsed = parseOriginate(arg);
    } catch {
      return '-USAGE: <call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]\n';
    }
    this.stats.originates++;
    const gvars = Object.fromEntries(parsed.globalVars);
    const entry = this.callLog.add({
      at: Date.now(),
      via: ctx.via,
      connectionId: ctx.conn?.id,
      jobUuid: ctx.jobUuid,
      command: arg,
      dialString: parsed.dialString,
      app: parsed.app ? `&${parsed.app.name}(${parsed.app.args})` : (parsed.exten ?? ''),
      variables: gvars,
      legs: [],
      outcome: 'pending',
    });
    return new Promise<string>((resolve) => {
      const finish = (res: LegResult) => {
        entry.completedAt = Date.now();
        if (res.ok) {
          entry.outcome = 'answered';
          entry.result = `+OK ${res.rt.ch.uuid}\n`;
        } else {
          entry.outcome = 'failed';
          entry.cause = res.cause;
          entry.result = `-ERR ${res.cause}\n`;
          this.stats.refused += entry.legs.every((l) => l.refused) ? 1 : 0;
        }
        ctx.deliver?.(entry.result);
        this.callLog.complete(entry);
        resolve(entry.result);
        // The job's result goes out before the application starts (ANSWER, BACKGROUND_JOB, EXECUTE).
        if (res.ok) setImmediate(() => this.startApps(res.rt, parsed));
      };
      const runGroup = (gi: number, lastCause: string) => {
        const group = parsed.groups[gi];
        if (!group) return finish({ ok: false, cause: lastCause });
        this.runGroup(parsed, group, entry, (res) => {
          if (res.ok) finish(res);
          else runGroup(gi + 1, res.cause);
        });
      };
      runGroup(0, 'NO_ANSWER');
    });
  }

  /** Ring every leg of one `,` group; first answer wins, the others lose the race. */
  private runGroup(parsed: OriginateArgs, group: Leg[], entry: CallLogEntry, done: (r: LegResult) => void): void {
    const results: Array<LegResult | undefined> = new Array(group.length).fill(undefined);
    const runtimes: Array<ChannelRuntime | undefined> = [];
    let settled = false;
    const check = () => {
      if (settled) return;
      const win = results.find((r) => r?.ok);
      if (win && win.ok) {
        settled = true;
        for (const rt of runtimes) if (rt && rt !== win.rt && rt.ch.pending) this.failLeg(rt, 'LOSE_RACE', 'send_cancel', undefined);
        done(win);
        return;
      }
      if (results.every((r) => r !== undefined)) {
        settled = true;
        const first = results.find((r) => r && !r.ok) as { ok: false; cause: string } | undefined;
        done({ ok: false, cause: first?.cause ?? 'NORMAL_CLEARING' });
      }
    };
    group.forEach((leg, i) => {
      const rt = this.startLeg(parsed, leg, entry, (r) => {
        if (results[i] !== undefined) return;
        results[i] = r;
        if (settled && r.ok) return;
        check();
      });
      runtimes[i] = rt ?? undefined;
    });
    // Timeouts: originate_timeout / leg_timeout in seconds (scaled), per leg.
    for (const rt of runtimes) {
      if (!rt || !rt.ch.pending) continue;
      const legTimeout = Number(rt.ch.vars.get('leg_timeout') ?? NaN);
      const origTimeout = parsed.timeoutSec ?? Number(rt.ch.vars.get('originate_timeout') ?? 60);
      const sec = Number.isFinite(legTimeout) && legTimeout > 0 ? legTimeout : Number.isFinite(origTimeout) && origTimeout > 0 ? origTimeout : 60;
      rt.ch.after(Math.max(0, Math.round(sec * 1000 * this.timeScale)), () => {
        if (rt.ch.pending) this.failLeg(rt, 'NO_ANSWER', 'send_cancel', undefined);
      });
    }
    check();
  }

  /** Create one leg's channel (or refuse it before a channel exists) and schedule what the callee does. */
  private startLeg(parsed: OriginateArgs, leg: Leg, entry: CallLogEntry, onResult: (r: LegResult) => void): ChannelRuntime | null {
    const vars = new Map<string, string>([...parsed.globalVars, ...leg.vars]);
    const ep = parseTarget(leg.target);
    const number = 'number' in ep ? ep.number : '';
    const logLeg: CallLogLeg = { target: leg.target, number, variables: Object.fromEntries(vars), channel: false };
    if (ep.kind === 'gateway') logLeg.gateway = ep.gateway;
    entry.legs.push(logLeg);
    const refuse = (cause: string): null => {
      logLeg.refused = true;
      logLeg.cause = cause;
      onResult({ ok: false, cause });
      return null;
    };
    let profile = 'external';
    let host = '';
    let gateway: string | undefined;
    let rule: CalleeRule & { source: string };
    switch (ep.kind) {
      case 'error':
        return refuse(isFsCause(ep.cause) ? ep.cause : 'DESTINATION_OUT_OF_ORDER');
      case 'unknown':
        return refuse('CHAN_NOT_IMPLEMENTED');
      case 'gateway': {
        const gw = this.gatewayConfig(ep.gateway);
        if (!gw) return refuse('INVALID_GATEWAY');
        if (gw.status === 'DOWN') return refuse('GATEWAY_DOWN');
        profile = gw.profile;
        host = gw.proxy ?? ep.gateway;
        gateway = ep.gateway;
        break;
      }
      case 'profile':
        if (!this.rules.profiles.includes(ep.profile)) return refuse('INVALID_PROFILE');
        profile = ep.profile;
        host = ep.host || '127.0.0.1';
        break;
      default:
        host = '127.0.0.1';
    }
    logLeg.profile = profile;
    rule = this.ruleBook.resolve(number);
    logLeg.rule = rule.source;
    logLeg.action = rule.action;
    if (rule.action === 'gateway_down') return refuse('GATEWAY_DOWN');
    const uuid = vars.get('origination_uuid') ?? randomUUID();
    // switch_core_session_request_uuid: duplicate uuid, sessions-per-second, max-sessions -> NULL,
    // and sofia_outgoing_channel's default cause is DESTINATION_OUT_OF_ORDER. No channel, no events.
    if (this.channels.has(uuid)) return refuse('DESTINATION_OUT_OF_ORDER');
    if (!this.takeSessionSlot()) return refuse('DESTINATION_OUT_OF_ORDER');
    if (gateway && !this.takeGatewaySlot(gateway)) return refuse('DESTINATION_OUT_OF_ORDER');

    const sessionId = ++this.sessionCounter;
    this.sessionsSinceStartup++;
    const ch = new Channel({
      uuid,
      sessionId,
      number,
      profile,
      host,
      gateway,
      channelName: `sofia/${profile}/${number}@${host}`,
      dialVars: [...vars.entries()],
      rule,
      ignoreEarlyMedia: vars.get('ignore_early_media') === 'true',
      log: logLeg,
    });
    const rt: ChannelRuntime = { ch, entry, apps: [], parked: false, afterApps: 'hangup' };
    this.channels.set(uuid, rt);
    this.peakSessions = Math.max(this.peakSessions, this.channels.size);
    logLeg.uuid = uuid;
    logLeg.channel = true;
    logLeg.createdAt = Date.now();
    rt.onResult = onResult;

    this.fireChannel(ch, 'CHANNEL_CREATE');
    this.fireChannel(ch, 'CHANNEL_OUTGOING');
    this.setState(rt, 'CS_CONSUME_MEDIA', 7);

    const r = rule;
    const failing = ['busy', 'unallocated', 'rejected', 'congestion', 'fail'].includes(r.action);
    const progressAt = r.progressMs ?? (failing ? undefined : 0);
    const ringMs = r.ringMs ?? (failing ? 0 : 20);
    if (progressAt !== undefined && (r.action === 'noanswer' || progressAt <= ringMs)) {
      ch.after(progressAt, () => {
        if (!ch.pending) return;
        this.progress(rt);
        if (r.earlyMedia) this.progressMedia(rt);
      });
    }
    if (r.action !== 'noanswer') {
      ch.after(ringMs, () => {
        if (!ch.pending && !(ch.answerState === 'early' && !ch.answered && !ch.ignoreEarlyMedia)) return;
        if (r.action === 'answer' || r.action === 'machine') this.answer(rt);
        else {
          const cause = r.cause ?? actionCause(r.action);
          const sip = r.sipStatus ?? fsSipStatus(cause);
          this.failLeg(rt, r.sipStatus ? (fsCauseOfSip(r.sipStatus) && !r.cause ? fsCauseOfSip(r.sipStatus)! : cause) : cause, 'recv_refuse', sip);
        }
      });
    }
    return rt;
  }

  /** FreeSWITCH core throttle: the per-second counter is reset to sessions-per-second each second and
   * a session is refused when the decremented counter reaches 0 (so at most sps-1 per second). */
  private takeSessionSlot(): boolean {
    const { maxSessions, sessionsPerSecond } = this.rules.limits;
    const w = Math.floor((Date.now() - this.startedAt) / 1000);
    if (w !== this.spsWindow) {
      this.spsWindow = w;
      this.spsLeft = sessionsPerSecond;
    }
    const sps = --this.spsLeft;
    if (sps <= 0) return false;
    if (this.channels.size + 1 > maxSessions) return false;
    return true;
  }

  private takeGatewaySlot(gw: string): boolean {
    const cfg = this.gatewayConfig(gw);
    if (!cfg) return false;
    if (cfg.maxSessions !== undefined) {
      let live = 0;
      for (const rt of this.channels.values()) if (rt.ch.gateway === gw) live++;
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

  private setState(rt: ChannelRuntime, state: string, num: number): void {
    rt.ch.state = state;
    rt.ch.stateNumber = num;
    this.fireChannel(rt.ch, 'CHANNEL_STATE');
  }

  private setCallState(rt: ChannelRuntime, cs: Channel['callState']): void {
    const prev = rt.ch.callState;
    rt.ch.callState = cs;
    this.fireChannel(rt.ch, 'CHANNEL_CALLSTATE', [['Original-Channel-Call-State', prev], ['Channel-Call-State-Number', String(['DOWN', 'DIALING', 'RINGING', 'EARLY', 'ACTIVE', 'HELD', 'RING_WAIT', 'HANGUP'].indexOf(cs))]]);
  }

  private legResult(rt: ChannelRuntime, r: LegResult): void {
    rt.ch.pending = false;
    rt.onResult?.(r);
  }

  private progress(rt: ChannelRuntime): void {
    const ch = rt.ch;
    if (ch.progressUs) return;
    ch.markNetwork();
    ch.progressUs = nowUs();
    this.fireChannel(ch, 'CHANNEL_PROGRESS');
    this.setCallState(rt, 'RINGING');
  }

  private progressMedia(rt: ChannelRuntime): void {
    const ch = rt.ch;
    if (ch.progressMediaUs) return;
    ch.markNetwork();
    ch.progressMediaUs = nowUs();
    ch.answerState = 'early';
    ch.markAnswerMedia();
    this.fireChannel(ch, 'CHANNEL_PROGRESS_MEDIA');
    this.setCallState(rt, 'EARLY');
    if (!ch.ignoreEarlyMedia && ch.pending) {
      ch.vars.set('originate_early_media', 'true');
      this.legResult(rt, { ok: true, rt });
    }
  }

  private answer(rt: ChannelRuntime): void {
    const ch = rt.ch;
    if (ch.answered || ch.gone) return;
    ch.markNetwork();
    ch.answered = true;
    ch.answeredUs = nowUs();
    ch.answerState = 'answered';
    if (!ch.progressMediaUs) ch.markAnswerMedia();
    ch.vars.set('endpoint_disposition', 'ANSWER');
    ch.log.answeredAt = Date.now();
    this.fireChannel(ch, 'CHANNEL_ANSWER');
    this.setCallState(rt, 'ACTIVE');
    const r = ch.rule;
    if (r.talkMs !== undefined && r.talkMs !== null) ch.after(r.talkMs, () => this.hangupChannel(rt, 'NORMAL_CLEARING', 'recv_bye'));
    if (r.action === 'machine') {
      this.fireChannel(ch, 'CUSTOM', [], { subclass: 'avmd::start' });
      ch.after(r.beepMs ?? 100, () => {
        ch.vars.set('amd_result', r.amdResult ?? 'MACHINE');
        ch.vars.set('avmd_detect', 'TRUE');
        this.fireChannel(ch, 'CUSTOM', [['Beep-Status', 'DETECTED'], ['Frequency', '1000.000000'], ['Frequency-Variance', '0.000000'], ['Amplitude', '0.100000'], ['Amplitude-Variance', '0.000000']], { subclass: 'avmd::beep' });
      });
    }
    if (r.pressDigitsOnAnswer && r.digits) ch.after(r.digitDelayMs ?? 10, () => this.pressDigits(rt, r.digits!, () => undefined));
    if (ch.pending) this.legResult(rt, { ok: true, rt });
  }

  /**
   * A leg fails before the originate succeeded. Event order as captured: a refusal (486, 404…) sends
   * HANGUP, HANGUP_COMPLETE, then the job result, then DESTROY; a cancel (timeout, lost race) sends
   * HANGUP, the job result, HANGUP_COMPLETE, DESTROY.
   */
  failLeg(rt: ChannelRuntime, cause: string, disposition: 'recv_refuse' | 'send_cancel', sip: number | undefined): void {
    const ch = rt.ch;
    if (ch.gone || ch.hangupCause) return;
    ch.clearTimers();
    ch.hangupCause = cause;
    ch.hangupUs = nowUs();
    ch.log.hangupAt = Date.now();
    ch.log.cause = cause;
    if (disposition === 'recv_refuse') ch.markNetwork();
    ch.setHangupSipVars(disposition, sip);
    ch.answerState = 'hangup';
    ch.stateNumber = 10;
    this.fireChannel(ch, 'CHANNEL_HANGUP');
    if (disposition === 'recv_refuse') {
      this.reporting(rt);
      this.legResult(rt, { ok: false, cause });
    } else {
      this.legResult(rt, { ok: false, cause });
      this.reporting(rt);
    }
    this.destroy(rt);
  }

  /** Hang up a channel that exists (answered, early or still ringing). */
  hangupChannel(rt: ChannelRuntime, cause: string, disposition: 'send_bye' | 'recv_bye'): void {
    const ch = rt.ch;
    if (ch.gone || ch.hangupCause) return;
    if (ch.pending && !ch.answered) {
      // still ringing: FreeSWITCH cancels the INVITE; the originate fails with this cause
      this.failLeg(rt, cause, 'send_cancel', undefined);
      return;
    }
    ch.clearTimers();
    ch.hangupCause = cause;
    ch.hangupUs = nowUs();
    ch.log.hangupAt = Date.now();
    ch.log.cause = cause;
    ch.setHangupSipVars(disposition, ch.answered ? 200 : undefined);
    ch.answerState = 'hangup';
    ch.stateNumber = 10;
    this.fireChannel(ch, 'CHANNEL_HANGUP');
    // the running application returns once the channel is hung up
    if (rt.current) this.fireChannel(ch, 'CHANNEL_EXECUTE_COMPLETE', appHeaders(rt.current, '_none_'));
    this.reporting(rt);
    this.destroy(rt);
  }

  private reporting(rt: ChannelRuntime): void {
    const ch = rt.ch;
    ch.state = 'CS_REPORTING';
    ch.stateNumber = 11;
    ch.callState = 'HANGUP';
    ch.setReportingVars();
    this.fireChannel(ch, 'CHANNEL_HANGUP_COMPLETE', [], { leadingCause: true });
  }

  private destroy(rt: ChannelRuntime): void {
    const ch = rt.ch;
    ch.stateNumber = 12;
    this.fireChannel(ch, 'CHANNEL_DESTROY');
    ch.gone = true;
    ch.clearTimers();
    this.channels.delete(ch.uuid);
    if (rt.entry.legs.every((l) => !l.channel || l.hangupAt !== undefined)) rt.entry.endedAt = Date.now();
  }

  // ---------------------------------------------------------------- applications

  private startApps(rt: ChannelRuntime, parsed: OriginateArgs): void {
    const ch = rt.ch;
    if (ch.gone) return;
    ch.hitDialplan = true;
    if (parsed.app) rt.apps.push({ name: parsed.app.name, args: parsed.app.args, source: 'originate' });
    else {
      // An extension goes to the dialplan; the simulator has none, so the call parks there.
      rt.afterApps = 'park';
    }
    if (ch.answered) ch.cidFlipped = true;
    this.setState(rt, 'CS_EXECUTE', 4);
    this.nextApp(rt);
  }

  private nextApp(rt: ChannelRuntime): void {
    const ch = rt.ch;
    if (ch.gone || ch.hangupCause) return;
    const step = rt.apps.shift();
    rt.current = undefined;
    if (!step) {
      if (rt.afterApps === 'park') {
        if (!rt.parked) this.runApp(rt, { name: 'park', args: '', source: 'originate' });
        return;
      }
      this.hangupChannel(rt, 'NORMAL_CLEARING', 'send_bye');
      return;
    }
    this.runApp(rt, step);
  }

  private runApp(rt: ChannelRuntime, step: AppStep): void {
    const ch = rt.ch;
    rt.current = step;
    ch.lastApp = step.name;
    ch.lastArg = step.args || undefined;
    ch.vars.set('current_application', step.name);
    if (step.args) ch.vars.set('current_application_data', step.args);
    this.fireChannel(ch, 'CHANNEL_EXECUTE', appHeaders(step));
    const complete = (response = '_none_') => {
      if (ch.gone || rt.current !== step) return;
      this.fireChannel(ch, 'CHANNEL_EXECUTE_COMPLETE', appHeaders(step, response));
      this.nextApp(rt);
    };
    const media = this.rules.mediaMs;
    switch (step.name) {
      case 'park':
        rt.parked = true;
        rt.afterApps = 'park';
        this.fireChannel(ch, 'CHANNEL_PARK');
        return; // parked until hangup or broadcast
      case 'playback':
      case 'speak':
      case 'say':
        ch.after(media, () => complete(step.name === 'playback' ? 'FILE PLAYED' : '_none_'));
        return;
      case 'sleep':
        ch.after(Math.max(0, Number.parseInt(step.args, 10) || 0), () => complete());
        return;
      case 'answer':
      case 'pre_answer':
        if (!ch.answered) this.answer(rt);
        ch.after(0, () => complete());
        return;
      case 'set':
      case 'export': {
        const i = step.args.indexOf('=');
        if (i > 0) ch.vars.set(step.args.slice(0, i), step.args.slice(i + 1));
        ch.after(0, () => complete());
        return;
      }
      case 'hangup': {
        const c = step.args.trim().toUpperCase();
        this.hangupChannel(rt, c && isFsCause(c) ? c : 'NORMAL_CLEARING', 'send_bye');
        return;
      }
      case 'play_and_get_digits': {
        // min max tries timeout terminators file invalid_file var_name regexp [digit_timeout] [transfer_on_failure]
        const a = splitArgs(step.args);
        const tries = Number.parseInt(a[2] ?? '1', 10) || 1;
        const timeout = Number.parseInt(a[3] ?? '5000', 10) || 5000;
        const varName = a[7] ?? 'digits';
        const digits = ch.rule.digits;
        ch.after(media, () => {
          if (digits) {
            this.pressDigits(rt, digits, () => {
              ch.vars.set(varName, digits);
              ch.vars.set('read_result', 'success');
              complete();
            });
          } else {
            ch.after(Math.round(timeout * tries * this.timeScale), () => {
              ch.vars.set('read_result', 'timeout');
              complete();
            });
          }
        });
        return;
      }
      default:
        ch.after(0, () => complete());
    }
  }

  private pressDigits(rt: ChannelRuntime, digits: string, done: () => void): void {
    const ch = rt.ch;
    const gap = ch.rule.digitDelayMs ?? 10;
    let i = 0;
    const one = () => {
      if (ch.gone) return;
      const d = digits[i++];
      if (d === undefined) return done();
      this.fireChannel(ch, 'DTMF', [['DTMF-Digit', d], ['DTMF-Duration', '2000'], ['DTMF-Source', 'RTP']]);
      ch.after(gap, one);
    };
    ch.after(gap, one);
  }

  private broadcast(a: string): string {
    const words = a.split(/\s+/).filter(Boolean);
    const uuid = words[0];
    const what = words.slice(1).filter((w, i, arr) => !(i === arr.length - 1 && ['aleg', 'bleg', 'both'].includes(w))).join(' ');
    if (!uuid || !what) return '-USAGE: <uuid> <path> [aleg|bleg|both]\n';
    const rt = this.channels.get(uuid);
    if (!rt || rt.ch.gone) return '-ERR No such channel!\n';
    const sep = what.indexOf('::');
    const step: AppStep = sep >= 0 ? { name: what.slice(0, sep), args: what.slice(sep + 2), source: 'broadcast' } : { name: 'playback', args: what, source: 'broadcast' };
    setImmediate(() => {
      if (rt.ch.gone) return;
      if (rt.current?.name === 'park' || !rt.current) {
        if (rt.current?.name === 'park') this.fireChannel(rt.ch, 'CHANNEL_UNPARK');
        rt.parked = false;
        rt.current = undefined;
        this.runApp(rt, step);
      } else rt.apps.unshift(step);
    });
    return '+OK Message sent\n';
  }

  // ---------------------------------------------------------------- faults & lifecycle

  dropConnections(): void {
    for (const c of [...this.conns]) c.destroy();
  }

  /** FreeSWITCH died and came back: ESL sockets cut, every channel gone without events, new Core-UUID. */
  async restart(opts: { downMs?: number } = {}): Promise<void> {
    this.dropConnections();
    for (const rt of this.channels.values()) {
      rt.ch.clearTimers();
      rt.ch.gone = true;
      rt.ch.log.hangupAt = Date.now();
      rt.ch.log.cause = 'CRASH';
      if (rt.ch.pending) this.legResult(rt, { ok: false, cause: 'CRASH' });
    }
    this.channels.clear();
    this.coreUuid = randomUUID();
    this.startedAt = Date.now();
    this.sessionsSinceStartup = 0;
    this.peakSessions = 0;
    if (opts.downMs && opts.downMs > 0) {
      const port = this.port;
      await new Promise<void>((r) => this.server.close(() => r()));
      await new Promise((r) => setTimeout(r, opts.downMs));
      this.server = net.createServer((s) => this.accept(s));
      this.server.on('error', (e) => this.logLine(`server error: ${String(e)}`));
      await this.listen(port);
    }
  }

  channelInfos(): ChannelInfo[] {
    return [...this.channels.values()].map((rt) => ({
      uuid: rt.ch.uuid,
      number: rt.ch.number,
      gateway: rt.ch.gateway,
      state: rt.ch.state,
      callState: rt.ch.callState,
      answerState: rt.ch.answerState,
      createdAt: Math.floor(rt.ch.createdUs / 1000),
      answeredAt: rt.ch.answeredUs ? Math.floor(rt.ch.answeredUs / 1000) : undefined,
      variables: Object.fromEntries(rt.ch.vars),
      application: rt.current?.name,
    }));
  }

  async close(): Promise<void> {
    for (const rt of this.channels.values()) rt.ch.clearTimers();
    this.channels.clear();
    for (const c of [...this.conns]) c.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  hangupByUuid(uuid: string, cause = 'NORMAL_CLEARING', by: 'callee' | 'us' = 'callee'): boolean {
    const rt = this.channels.get(uuid);
    if (!rt) return false;
    this.hangupChannel(rt, cause, by === 'callee' ? 'recv_bye' : 'send_bye');
    return true;
  }

  reseed(seed: number): void {
    this.seed = seed;
    this.ruleBook.reseed(seed);
    this.lossRng = seededRandom(seed ^ 0x5eed);
  }
}

function appHeaders(step: AppStep, response?: string): Array<[string, string]> {
  const h: Array<[string, string]> = [
    ['Application', step.name],
    ['Application-Data', step.args],
  ];
  if (response !== undefined) h.push(['Application-Response', response]);
  h.push(['Application-UUID', randomUUID()]);
  return h;
}

function actionCause(action: string): string {
  switch (action) {
    case 'busy':
      return 'USER_BUSY';
    case 'unallocated':
      return 'UNALLOCATED_NUMBER';
    case 'rejected':
      return 'CALL_REJECTED';
    case 'congestion':
      return 'NORMAL_CIRCUIT_CONGESTION';
    default:
      return 'NORMAL_TEMPORARY_FAILURE';
  }
}

// ---------------------------------------------------------------------------------------------
// Public API

export interface SimulatorControl {
  getRules(): Rules;
  setRules(rules: RulesInput): void;
  /** Rule (or per-attempt list) for one number or `prefix*`. */
  setNumberRule(number: string, rule: CalleeRule | CalleeRule[]): void;
  clearNumberRule(number: string): void;
  setGateway(name: string, cfg: Partial<GatewayConfig>): void;
  setLimits(limits: Partial<Rules['limits']>): void;
  /** Deliver every event this much later (per connection order is kept). */
  setEventDelay(ms: number): void;
  /** Lose this fraction of events (seeded). */
  setEventLoss(rate: number): void;
  /** Lose the next `count` events (of one name, or any). */
  dropNextEvents(count: number, eventName?: string): void;
  clearFaults(): void;
  dropConnections(): void;
  restart(opts?: { downMs?: number }): Promise<void>;
  /** The callee (default) or we hang up a live channel. */
  hangup(uuid: string, cause?: string, by?: 'callee' | 'us'): boolean;
  channels(): ChannelInfo[];
  stats(): Record<string, number | string>;
  /** Run an api command as if sent over ESL (e.g. `originate …`). */
  api(command: string): Promise<string>;
  reseed(seed: number): void;
}

export interface Simulator {
  readonly port: number;
  readonly host: string;
  readonly password: string;
  readonly coreUuid: string;
  readonly callLog: CallLog;
  readonly control: SimulatorControl;
  close(): Promise<void>;
  restart(opts?: { downMs?: number }): Promise<void>;
  dropConnections(): void;
  /** Number of open ESL connections. */
  connectionCount(): number;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const sim = new SimulatorImpl(opts);
  await sim.listen(opts.port ?? 8021);
  const control: SimulatorControl = {
    getRules: () => sim.rules,
    setRules: (r) => sim.setRules(r),
    setNumberRule: (n, r) => sim.setRules({ ...sim.rules, numbers: { ...sim.rules.numbers, [n]: r } }),
    clearNumberRule: (n) => {
      const numbers = { ...sim.rules.numbers };
      delete numbers[n];
      sim.setRules({ ...sim.rules, numbers });
    },
    setGateway: (name, cfg) => sim.setRules({ ...sim.rules, gateways: { ...(sim.rules.gateways ?? {}), [name]: { ...(sim.rules.gateways?.[name] ?? { status: 'UP', profile: 'external' }), ...cfg } } }),
    setLimits: (l) => sim.setRules({ ...sim.rules, limits: { ...sim.rules.limits, ...l } }),
    setEventDelay: (ms) => {
      sim.faults.eventDelayMs = ms;
    },
    setEventLoss: (rate) => {
      sim.faults.eventLossRate = rate;
    },
    dropNextEvents: (count, eventName) => {
      sim.faults.dropNext.push({ count, eventName });
    },
    clearFaults: () => {
      sim.faults = { eventDelayMs: 0, eventLossRate: 0, dropNext: [] };
    },
    dropConnections: () => sim.dropConnections(),
    restart: (o) => sim.restart(o),
    hangup: (uuid, cause, by) => sim.hangupByUuid(uuid, cause, by),
    channels: () => sim.channelInfos(),
    stats: () => ({ ...sim.stats, liveChannels: sim.channels.size, connections: sim.conns.size, coreUuid: sim.coreUuid }),
    api: (command) => {
      const sp = command.indexOf(' ');
      return sim.executeApi(sp < 0 ? command : command.slice(0, sp), sp < 0 ? undefined : command.slice(sp + 1), { via: 'control' });
    },
    reseed: (s) => sim.reseed(s),
  };
  return {
    get port() {
      return sim.port;
    },
    host: sim.host,
    password: sim.password,
    get coreUuid() {
      return sim.coreUuid;
    },
    callLog: sim.callLog,
    control,
    close: () => sim.close(),
    restart: (o) => sim.restart(o),
    dropConnections: () => sim.dropConnections(),
    connectionCount: () => sim.conns.size,
  };
}
