// A FreeSWITCH 1.10 stand-in speaking inbound ESL over TCP: auth, event plain|json with filters,
// api/bgapi, originate with the real channel event lifecycle, limits, faults, and a call log.
// Bytes on the wire follow FreeSWITCH's Event Socket protocol as captured from a real FreeSWITCH 1.10.12.
// A test tool: the product never imports anything under simulator/.
//
// This file is the entry point (startSimulator) and the core that owns the shared state (rules,
// live channels, connections, call log, counters) and ties the parts together; each part takes the
// slice of the core it needs (its *Host interface):
//   connection.ts, subscription.ts  one ESL client: auth, framing, exit, api/bgapi; event, nixevent,
//                                   noevents, filter
//   events.ts                       events fired: core headers, delivery, event faults
//   commands.ts                     api command dispatch and the simple commands (show, status, sofia,
//                                   uuid_*, hupall, version)
//   originate.ts, limits.ts         originate: groups, legs, routes, the callee's rule; session and
//                                   gateway limits
//   lifecycle.ts                    a live channel's state changes: ringing, answer, DTMF, hangup/fail
//   apps.ts                         dialplan applications on the channel (park, playback, speak,
//                                   play_and_get_digits, sleep, hangup…) and uuid_broadcast
//   channel.ts, dialstring.ts, rules.ts, calllog.ts, wire.ts   data, parsing and bytes
//   control-http.ts, cli.ts         the HTTP control API and `npm run sim`
//   callcenter.ts                   mod_callcenter: agents, tiers, members, queues, the `callcenter`
//                                   application (apps.ts calls it), dispatcher, agent legs, bridges,
//                                   callcenter::info events (through events.ts); with
//   callcenter-api.ts               callcenter_config, callcenter_break, json, reloadxml (commands.ts)
//   callcenter-config.ts            callcenter.conf: xml_curl POST or the rules' static XML, queue
//                                   params, FreeSWITCH's hash order
//   callcenter-legs.ts              the callcenter clock, agent phones and legs, uuid_bridge
//   callcenter-log.ts               the record of members and offers (callLog.callcenter)
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { Apps } from './apps.ts';
import { CallLog } from './calllog.ts';
import { CallCenter, type CallCenterControl } from './callcenter.ts';
import { Commands } from './commands.ts';
import { Conn } from './connection.ts';
import { EventBus, type SimStats } from './events.ts';
import { CdrPoster, type CdrOptions } from './cdr.ts';
import { ChannelLifecycle, type ChannelRuntime } from './lifecycle.ts';
import { SessionLimits } from './limits.ts';
import { Originator } from './originate.ts';
import { parseRules, RuleBook, type CalleeRule, type GatewayConfig, type Rules, type RulesInput } from './rules.ts';

export type { FaultState } from './events.ts';

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
  /**
   * mod_callcenter's configuration gateway (mod_xml_curl binding for the configuration section):
   * queues are looked up there first (POST …&key_value=callcenter.conf&…&CC-Queue=<q>), then in the
   * rules' static `callcenter` section. Unset: static only.
   */
  xmlCurlUrl?: string;
  /** Timeout of one xml_curl POST (default 10000 ms). */
  xmlCurlTimeoutMs?: number;
  /** mod_json_cdr: post each leg's call detail record there (cdr.ts). Unset: no CDRs. */
  cdr?: CdrOptions;
  log?: (line: string) => void;
}

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
  port = 0;
  host: string;
  startedAt = Date.now();
  stats: SimStats = { originates: 0, refused: 0, eventsFired: 0, eventsSent: 0, eventsLost: 0 };
  readonly events: EventBus;
  readonly limits: SessionLimits;
  readonly life: ChannelLifecycle;
  readonly apps: Apps;
  readonly originator: Originator;
  readonly commands: Commands;
  readonly callcenter: CallCenter;
  /** mod_json_cdr's posts, when configured. */
  cdr?: CdrPoster;
  private server: net.Server;
  private nextConnId = 1;
  private logFn?: (line: string) => void;

  constructor(opts: SimulatorOptions) {
    this.password = opts.password ?? 'ClueCon';
    this.hostname = opts.hostname ?? 'sim';
    this.timeScale = opts.timeScale ?? 1;
    this.host = opts.host ?? '127.0.0.1';
    const seed = opts.seed ?? 1;
    this.rules = parseRules(opts.rules ?? {});
    this.ruleBook = new RuleBook(this.rules, seed);
    this.logFn = opts.log;
    this.events = new EventBus(this, seed);
    this.limits = new SessionLimits(this);
    this.life = new ChannelLifecycle(this.events, this.channels);
    if (opts.cdr) {
      this.cdr = new CdrPoster(opts.cdr, this);
      this.life.onReporting = (ch) => this.cdr!.post(ch);
    }
    this.apps = new Apps(this);
    this.originator = new Originator(this);
    this.commands = new Commands(this);
    this.callcenter = new CallCenter(this, { xmlCurlUrl: opts.xmlCurlUrl, xmlCurlTimeoutMs: opts.xmlCurlTimeoutMs, seed });
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
    this.limits.rulesChanged(); // a new sessions-per-second value applies at once
  }

  gatewayConfig(name: string): GatewayConfig | undefined {
    if (!this.rules.gateways) return { status: 'UP', profile: 'external' };
    return this.rules.gateways[name];
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
      if (rt.ch.pending) this.life.legResult(rt, { ok: false, cause: 'CRASH' });
    }
    this.channels.clear();
    this.coreUuid = randomUUID();
    this.startedAt = Date.now();
    this.limits.restarted();
    this.callcenter.restarted();
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
    this.callcenter.close();
    for (const rt of this.channels.values()) rt.ch.clearTimers();
    this.channels.clear();
    for (const c of [...this.conns]) c.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  hangupByUuid(uuid: string, cause = 'NORMAL_CLEARING', by: 'callee' | 'us' = 'callee'): boolean {
    const rt = this.channels.get(uuid);
    if (!rt) return false;
    this.life.hangupChannel(rt, cause, by === 'callee' ? 'recv_bye' : 'send_bye');
    return true;
  }

  reseed(seed: number): void {
    this.ruleBook.reseed(seed);
    this.events.reseed(seed);
    this.callcenter.reseed(seed);
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
  /** mod_callcenter: state, agent phone rules, static queues, xml_curl URL, clock (callcenter.ts). */
  readonly callcenter: CallCenterControl;
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
  /** mod_json_cdr's posts (when `cdr` is configured): each record sent or given up on. */
  readonly cdr?: CdrPoster;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const sim = new SimulatorImpl(opts);
  await sim.listen(opts.port ?? 8021);
  await sim.callcenter.ready;
  const control: SimulatorControl = {
    getRules: () => sim.rules,
    setRules: (r) => sim.setRules(r),
    setNumberRule: (n, r) => sim.setRules({ ...sim.rules, numbers: { ...sim.rules.numbers, [n]: r } }),
    clearNumberRule: (n) => {
      const numbers = { ...sim.rules.numbers };
      delete numbers[n];
      sim.setRules({ ...sim.rules, numbers });
    },
    setGateway: (name, cfg) =>
      sim.setRules({
        ...sim.rules,
        gateways: {
          ...(sim.rules.gateways ?? {}),
          [name]: { ...(sim.rules.gateways?.[name] ?? { status: 'UP', profile: 'external' }), ...cfg },
        },
      }),
    setLimits: (l) => sim.setRules({ ...sim.rules, limits: { ...sim.rules.limits, ...l } }),
    setEventDelay: (ms) => {
      sim.events.faults.eventDelayMs = ms;
    },
    setEventLoss: (rate) => {
      sim.events.faults.eventLossRate = rate;
    },
    dropNextEvents: (count, eventName) => {
      sim.events.faults.dropNext.push({ count, eventName });
    },
    clearFaults: () => {
      sim.events.faults = { eventDelayMs: 0, eventLossRate: 0, dropNext: [] };
    },
    dropConnections: () => sim.dropConnections(),
    restart: (o) => sim.restart(o),
    hangup: (uuid, cause, by) => sim.hangupByUuid(uuid, cause, by),
    channels: () => sim.channelInfos(),
    stats: () => ({ ...sim.stats, liveChannels: sim.channels.size, connections: sim.conns.size, coreUuid: sim.coreUuid }),
    api: (command) => {
      const sp = command.indexOf(' ');
      return sim.commands.executeApi(sp < 0 ? command : command.slice(0, sp), sp < 0 ? undefined : command.slice(sp + 1), {
        via: 'control',
      });
    },
    reseed: (s) => sim.reseed(s),
    callcenter: sim.callcenter.control((mutate) => {
      const cc = structuredClone(sim.rules.callcenter ?? {});
      mutate(cc);
      sim.setRules({ ...sim.rules, callcenter: cc });
    }),
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
    cdr: sim.cdr,
  };
}
