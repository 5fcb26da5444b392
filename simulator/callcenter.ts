// mod_callcenter (FreeSWITCH 1.10.12) in the simulator: its tables (agents, tiers, members — the
// sqlite rows mod_callcenter keeps, in rowid order), its queues (an FsHash, as FreeSWITCH keeps
// them), the `callcenter` application a member runs, the agent dispatcher (every 100 ms), the
// member watcher (every 500 ms: max-wait-time, max-wait-time-with-no-agent), the agent "thread"
// that calls an agent and bridges, and the callcenter::info events — each step as
// mod_callcenter.c does it, with the order, headers and quirks of captures 30-45
// (test/fixtures/esl-transcripts/CALLCENTER-NOTES.md). The api side (callcenter_config,
// callcenter_break, json) is callcenter-api.ts; configuration (xml_curl, static XML, queue
// params, hash order) callcenter-config.ts; agent legs, the clock and bridges callcenter-legs.ts;
// the record tests read callcenter-log.ts.
//
// Timing: FreeSWITCH-internal delays run on the callcenter clock (CcClock: whole epoch seconds,
// 1/timeScale times faster than the wall clock): the dispatcher's 100 ms, the watcher's 500 ms,
// the agent thread's 100 ms bridge poll, ~20 ms from an agent leg's answer or failure to the
// thread acting on it (the captures' event times). An agent phone's ringMs/talkMs and the
// customer's rule are wall-clock ms, like every callee rule.
//
// Not simulated: multiple instances (instance_id is always single_box), reserve-agents, moh and
// announcements (no media), cc_exit_keys, record-template, callcenter_track, presence.
import { randomUUID } from 'node:crypto';
import type { Channel } from './channel.ts';
import type { CallLog } from './calllog.ts';
import type { CcMemberRecord, CcOfferRecord } from './callcenter-log.ts';
import {
  AGENT_STATES,
  AGENT_STATUSES,
  atoi,
  ConfigSource,
  FsHash,
  knownValue,
  queueConfig,
  staticDoc,
  TIER_STATES,
  type CcConfigDoc,
  type QueueConfig,
  type XmlCurlRequest,
} from './callcenter-config.ts';
import { bridgeDown, bridgeUp, CcClock, EndpointBook, placeAgentLeg, transferToBridge, type LegsHost } from './callcenter-legs.ts';
import { CallcenterApi } from './callcenter-api.ts';
import type { AppStep, ChannelRuntime } from './lifecycle.ts';
import { seededRandom, type AgentEndpointRule, type Rules } from './rules.ts';

export const CC_SUBCLASS = 'callcenter::info';
const SYSTEM = 'single_box';

// ------------------------------------------------------------------------------------ tables

/** A row of `agents` (columns in mod_callcenter's order; null = SQL NULL). */
export interface AgentRow {
  name: string;
  instanceId: string;
  uuid: string | null;
  type: string;
  contact: string | null;
  status: string;
  state: string;
  maxNoAnswer: number;
  wrapUpTime: number;
  rejectDelayTime: number;
  busyDelayTime: number;
  noAnswerDelayTime: number;
  lastBridgeStart: number;
  lastBridgeEnd: number;
  lastOfferedCall: number;
  lastStatusChange: number;
  noAnswerCount: number;
  callsAnswered: number;
  talkTime: number;
  readyTime: number;
  externalCallsCount: number;
}

export interface TierRow {
  queue: string;
  agent: string;
  state: string;
  level: number;
  position: number;
}

export interface MemberRow {
  queue: string;
  instanceId: string;
  uuid: string;
  sessionUuid: string;
  cidNumber: string;
  cidName: string;
  systemEpoch: string;
  joinedEpoch: number;
  rejoinedEpoch: number;
  bridgeEpoch: number;
  abandonedEpoch: number;
  baseScore: number;
  skillScore: number;
  servingAgent: string;
  servingSystem: string;
  state: string;
}

export interface Queue extends QueueConfig {
  callsAnswered: number;
  callsAbandoned: number;
  lastAgentExist: number;
  lastAgentExistCheck: number;
}

export type CcStatus =
  | 'SUCCESS'
  | 'FALSE'
  | 'AGENT_NOT_FOUND'
  | 'QUEUE_NOT_FOUND'
  | 'AGENT_ALREADY_EXIST'
  | 'AGENT_INVALID_TYPE'
  | 'AGENT_INVALID_STATUS'
  | 'AGENT_INVALID_STATE'
  | 'TIER_ALREADY_EXIST'
  | 'TIER_NOT_FOUND'
  | 'TIER_INVALID_STATE'
  | 'INVALID_KEY';

/** A member whose `callcenter` application is running (callcenter_function + cc_member_thread_run). */
interface MemberSession {
  memberUuid: string;
  sessionUuid: string;
  queue: string;
  rt: ChannelRuntime;
  step: AppStep;
  complete: (response?: string) => void;
  /** t_member_called (epoch s). */
  joined: number;
  cidName: string;
  cidNumber: string;
  cancelReason: string;
  /** CC_APP_AGENT_CONNECTING: an agent thread is originating for this member. */
  connecting: boolean;
  /** max-wait-time reached while connecting: decided when the originate returns. */
  timeoutPending: boolean;
  appDone: boolean;
  watching: boolean;
  watchTimer?: NodeJS.Timeout;
  record: CcMemberRecord;
}

/** One agent "thread" (struct call_helper + outbound_agent_thread_run's locals). */
interface Offer {
  id: number;
  memberUuid: string;
  sessionUuid: string;
  queue: string;
  strategy: string;
  agentName: string;
  agentSystem: string;
  agentStatus: string;
  agentType: string;
  agentUuid: string | null;
  originateString: string | null;
  noAnswerCount: number;
  maxNoAnswer: number;
  rejectDelayTime: number;
  busyDelayTime: number;
  noAnswerDelayTime: number;
  agentNoAnswerStatus: string;
  memberJoinedEpoch: string;
  memberCidName: string;
  memberCidNumber: string;
  tCalled: number;
  tAnswered: number;
  /** The originate's cause (SUCCESS once the agent answered). */
  cause: string;
  leg?: ChannelRuntime;
  /** The member's channel (the thread holds its session: its data outlives the hangup). */
  memberCh?: Channel;
  bridged: boolean;
  /** The bridge wait loop started (ms on the callcenter clock): it polls every 100 ms from here. */
  loopStartMs?: number;
  /** The agent leg went down, or callcenter_break: the loop ends at its next poll. */
  loopEnd?: boolean;
  ended: boolean;
  record: CcOfferRecord;
}

export interface CallCenterHost extends LegsHost {
  readonly callLog: CallLog;
  readonly hostname: string;
  readonly timeScale: number;
  logLine(line: string): void;
}

export interface CallCenterOptions {
  /** mod_xml_curl binding for the configuration section (the product's configuration gateway). */
  xmlCurlUrl?: string;
  xmlCurlTimeoutMs?: number;
  seed: number;
}

/** Read-only view of the callcenter state (control API, tests). */
export interface CallCenterState {
  queues: Array<Queue>;
  agents: AgentRow[];
  tiers: TierRow[];
  members: Array<MemberRow & { score: number }>;
  clockEpoch: number;
  xmlCurlUrl?: string;
}

/** What tests and the control API can do with mod_callcenter. */
export interface CallCenterControl {
  state(): CallCenterState;
  /** Run `callcenter_config <args>` (or any callcenter api) as if sent over ESL. */
  api(command: string, args?: string): Promise<string>;
  /** The agent phone rule for a contact target, its user part, or a `prefix*` (a list: one per call). */
  setEndpointRule(key: string, rule: AgentEndpointRule | AgentEndpointRule[]): void;
  clearEndpointRule(key: string): void;
  /** Put a queue in the static callcenter.conf (as writing the file and reloadxml); null removes it. */
  setStaticQueue(name: string, params: Record<string, string | number | boolean> | null): void;
  /** Change the xml_curl gateway URL (undefined = static XML only). */
  setXmlCurlUrl(url: string | undefined): void;
  /** The POSTs sent to the xml_curl gateway so far. */
  xmlCurlRequests(): XmlCurlRequest[];
  /** Overwrite columns of an agent row (e.g. calls_answered, last_bridge_end) — state a test starts from. */
  patchAgent(name: string, fields: Partial<AgentRow>): boolean;
  /** Overwrite a loaded queue's counters or params. */
  patchQueue(name: string, fields: Partial<Queue>): boolean;
  /** Make the callcenter clock read this epoch (ms) now (replaying a capture's epoch values). */
  setClock(epochMs: number): void;
  /** The callcenter clock, epoch seconds (CC-*-Time values). */
  epoch(): number;
}

const sortStable = <T>(rows: T[], ...keys: Array<(r: T) => number | string>) =>
  rows
    .map((r, i) => ({ r, i }))
    .sort((x, y) => {
      for (const k of keys) {
        const a = k(x.r);
        const b = k(y.r);
        if (a < b) return -1;
        if (a > b) return 1;
      }
      return x.i - y.i;
    })
    .map((x) => x.r);

const ci = (a: string | null | undefined, b: string) => (a ?? '').toLowerCase() === b.toLowerCase();

export class CallCenter {
  readonly clock: CcClock;
  readonly config: ConfigSource;
  readonly endpoints: EndpointBook;
  readonly queues = new FsHash<Queue>();
  readonly agents = new Map<string, AgentRow>();
  tiers: TierRow[] = [];
  members: MemberRow[] = [];
  readonly api: CallcenterApi;
  readonly ready: Promise<void>;
  xmlCurlUrl?: string;
  /** The static callcenter.conf as of start / the last reloadxml. */
  private staticXml: CcConfigDoc;
  private readonly sessions = new Map<string, MemberSession>();
  private readonly offers = new Map<number, Offer>();
  private readonly loading = new Map<string, Promise<Queue | undefined>>();
  private readonly breakFlags = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private dispatchTimer?: NodeJS.Timeout;
  private nextOfferId = 1;
  private seed: number;
  /** random strategy: offers made per queue (the draw a member's agents are ordered by). */
  private readonly randomDraws = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly host: CallCenterHost,
    opts: CallCenterOptions,
  ) {
    this.clock = new CcClock(host.timeScale);
    this.xmlCurlUrl = opts.xmlCurlUrl;
    this.seed = opts.seed;
    this.staticXml = staticDoc(host.rules.callcenter);
    this.config = new ConfigSource({
      url: () => this.xmlCurlUrl,
      hostname: () => host.hostname,
      timeoutMs: opts.xmlCurlTimeoutMs,
      staticDoc: () => this.staticXml,
      log: (l) => host.logLine(l),
    });
    this.endpoints = new EndpointBook(() => host.rules);
    this.api = new CallcenterApi(this);
    this.ready = this.loadConfig();
  }

  get log() {
    return this.host.callLog.callcenter;
  }

  // ---------------------------------------------------------------------------------- lifecycle

  /** load_config: the static queues, then the static agents and tiers. */
  private async loadConfig(): Promise<void> {
    const doc = this.staticXml;
    for (const q of doc.queues) this.addQueue(q.name, q.params);
    for (const a of doc.agents) if (a.name) await this.loadAgent(a.name, doc);
    await this.loadTiers(true, undefined, undefined, doc);
  }

  /** `reloadxml`: the static callcenter.conf is read again (queues already loaded keep their params). */
  reloadXml(): void {
    this.staticXml = staticDoc(this.host.rules.callcenter);
  }

  /** FreeSWITCH restarted: the sqlite rows survive (agents Waiting with no uuid, tiers Ready, members
   *  Abandoned), the queues are loaded again. */
  restarted(): void {
    this.stopTimers();
    for (const s of this.sessions.values()) this.stopWatch(s);
    this.sessions.clear();
    for (const o of this.offers.values()) o.ended = true;
    this.offers.clear();
    this.breakFlags.clear();
    for (const a of this.agents.values()) {
      a.state = 'Waiting';
      a.uuid = '';
      a.externalCallsCount = 0;
    }
    for (const t of this.tiers) if (this.agents.has(t.agent)) t.state = 'Ready';
    for (const m of this.members) {
      m.state = 'Abandoned';
      m.sessionUuid = '';
    }
    this.queues.clear();
    this.reloadXml();
    void this.loadConfig().then(() => this.ensureDispatch());
  }

  reseed(seed: number): void {
    this.seed = seed;
    this.randomDraws.clear();
  }

  /**
   * ORDER BY level, random(): sqlite draws anew on every pass; here an agent's draw depends on the
   * seed, the queue and how many offers the queue made, so a seed gives the same choices however
   * many dispatcher passes run before an agent is free.
   */
  private randomKey(queue: string, agent: string): number {
    let h = 0x811c9dc5 ^ this.seed;
    for (const c of `${queue}\u0000${this.randomDraws.get(queue) ?? 0}\u0000${agent}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
    return seededRandom(h)();
  }

  close(): void {
    this.closed = true;
    this.stopTimers();
    for (const s of this.sessions.values()) this.stopWatch(s);
  }

  private stopTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.dispatchTimer) clearInterval(this.dispatchTimer);
    this.dispatchTimer = undefined;
  }

  /** Run fn after `ms` on the callcenter clock. */
  private after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, this.clock.wall(ms));
    this.timers.add(t);
  }

  private now(): number {
    return this.clock.epoch();
  }

  /** FreeSWITCH's clock as its modules see it (epoch seconds; `strepoch`). */
  epoch(): number {
    return this.clock.epoch();
  }

  // ---------------------------------------------------------------------------------- events

  /** A callcenter::info event: [channel data,] then the CC-* headers (empty values are not added). */
  fire(fn: string, line: number, headers: Array<[string, string | number | null | undefined]>, chan?: Channel): void {
    this.host.events.fireBuilt('CUSTOM', { subclass: CC_SUBCLASS, calling: ['mod_callcenter.c', fn, line] }, () => {
      const h: Array<[string, string]> = chan ? chan.headers() : [];
      for (const [k, v] of headers) if (v !== undefined && v !== null && v !== '') h.push([k, String(v)]);
      return h;
    });
  }

  /** cc_queue_count: members-count (Waiting or Trying rows of the queue). */
  private queueCount(queue: string): number {
    const n = this.members.filter((m) => m.queue === queue && (m.state === 'Waiting' || m.state === 'Trying')).length;
    this.fire('cc_queue_count', 878, [
      ['CC-Queue', queue],
      ['CC-Action', 'members-count'],
      ['CC-Count', String(n)],
      ['CC-Selection', 'Single-Queue'],
    ]);
    return n;
  }

  /** switch_core_session_hupall_matching_var("cc_member_pre_answer_uuid", uuid, cause). */
  private hupallPreAnswer(memberUuid: string, cause: string): void {
    for (const rt of [...this.host.channels.values()]) {
      if (rt.ch.gone || rt.ch.hangupCause || rt.ch.vars.get('cc_member_pre_answer_uuid') !== memberUuid) continue;
      this.host.life.hangupChannel(rt, cause, 'send_bye');
    }
  }

  // ---------------------------------------------------------------------------------- queues

  private addQueue(name: string, params: Array<[string, string]>): Queue {
    const q: Queue = { ...queueConfig(name, params), callsAnswered: 0, callsAbandoned: 0, lastAgentExist: 0, lastAgentExistCheck: 0 };
    this.queues.set(name, q);
    this.host.logLine(`callcenter: Added queue ${name}`);
    return q;
  }

  /**
   * load_queue: the configuration with CC-Queue=<name> (xml_curl POST, else static). With
   * request_agents/tiers (queue load, queue reload) the document's agents and all its tiers too.
   */
  async loadQueue(name: string, requestAgents: boolean, requestTiers: boolean): Promise<Queue | undefined> {
    const params: Array<[string, string]> = [
      ...this.host.events.coreOf('REQUEST_PARAMS', ['mod_callcenter.c', 'load_queue', 724]),
      ['CC-Queue', name],
    ];
    const doc = await this.config.open(params);
    const x = doc.queues.find((q) => ci(q.name, name));
    const queue = x ? this.addQueue(name, x.params) : undefined;
    if (queue && requestAgents) for (const a of doc.agents) if (a.name) await this.loadAgent(a.name, doc);
    if (queue && requestTiers) await this.loadTiers(true, name, undefined, doc);
    return queue;
  }

  /** get_queue: the loaded queue, or load it (without agents and tiers). */
  getQueue(name: string): Promise<Queue | undefined> {
    const q = this.queues.get(name);
    if (q) return Promise.resolve(q);
    let p = this.loading.get(name);
    if (!p) {
      p = this.loadQueue(name, false, false).finally(() => this.loading.delete(name));
      this.loading.set(name, p);
    }
    return p;
  }

  /** destroy_queue */
  destroyQueue(name: string): void {
    if (!this.queues.delete(name)) this.host.logLine(`callcenter: [${name}] Invalid queue`);
  }

  // ---------------------------------------------------------------------------------- agents

  agentAdd(name: string, type: string): CcStatus {
    if (!ci(type, 'Callback') && !ci(type, 'uuid-standby')) return 'AGENT_INVALID_TYPE';
    if (this.agents.has(name)) return 'AGENT_ALREADY_EXIST';
    this.agents.set(name, {
      name,
      instanceId: SYSTEM,
      uuid: null,
      type,
      contact: null,
      status: 'Logged Out',
      state: 'Waiting',
      maxNoAnswer: 0,
      wrapUpTime: 0,
      rejectDelayTime: 0,
      busyDelayTime: 0,
      noAnswerDelayTime: 0,
      lastBridgeStart: 0,
      lastBridgeEnd: 0,
      lastOfferedCall: 0,
      lastStatusChange: 0,
      noAnswerCount: 0,
      callsAnswered: 0,
      talkTime: 0,
      readyTime: 0,
      externalCallsCount: 0,
    });
    this.fire('cc_agent_add', 915, [
      ['CC-Agent', name],
      ['CC-Agent-Type', type],
      ['CC-Action', 'agent-add'],
    ]);
    return 'SUCCESS';
  }

  /** cc_agent_del: the agent and its tiers. */
  agentDel(name: string): CcStatus {
    this.agents.delete(name);
    this.tiers = this.tiers.filter((t) => t.agent !== name);
    return 'SUCCESS';
  }

  /** cc_agent_get: status, state or uuid — and an agent-<key>-get event. */
  agentGet(key: string, name: string): { status: CcStatus; value?: string } {
    const a = this.agents.get(name);
    if (!a) return { status: 'AGENT_NOT_FOUND' };
    const k = key.toLowerCase();
    if (k !== 'status' && k !== 'state' && k !== 'uuid') return { status: 'INVALID_KEY' };
    const value = (k === 'status' ? a.status : k === 'state' ? a.state : a.uuid) ?? '';
    this.fire('cc_agent_get', 970, [
      ['CC-Agent', name],
      ['CC-Action', `agent-${key}-get`],
      [k === 'uuid' ? 'CC-Agent-UUID' : `CC-Agent-${key[0]!.toUpperCase()}${key.slice(1)}`, value],
    ]);
    return { status: 'SUCCESS', value };
  }

  /** cc_agent_update */
  agentUpdate(key: string, value: string, name: string): CcStatus {
    const a = this.agents.get(name);
    if (!a) return 'AGENT_NOT_FOUND';
    const now = this.now();
    switch (key.toLowerCase()) {
      case 'status': {
        const st = knownValue(AGENT_STATUSES, value);
        if (!st) return 'AGENT_INVALID_STATUS';
        if (st === 'Available') {
          // Reset values on Available only, and only when the status changes
          if (a.status !== value)
            Object.assign(a, { status: value, lastStatusChange: now, talkTime: 0, callsAnswered: 0, noAnswerCount: 0 });
        } else Object.assign(a, { status: value, lastStatusChange: now });
        if (st !== 'Available') {
          // stop any callback still ringing for this agent
          const m = this.members.find((x) => x.servingAgent === name && x.servingSystem === SYSTEM && x.state !== 'Answered');
          if (m?.uuid) this.hupallPreAnswer(m.uuid, 'ORIGINATOR_CANCEL');
        }
        this.fire('cc_agent_update', 1043, [
          ['CC-Agent', name],
          ['CC-Action', 'agent-status-change'],
          ['CC-Agent-Status', value],
        ]);
        return 'SUCCESS';
      }
      case 'state': {
        const st = knownValue(AGENT_STATES, value);
        if (!st) return 'AGENT_INVALID_STATE';
        a.state = value;
        if (st === 'Receiving') a.lastOfferedCall = now;
        this.fire('cc_agent_update', 1067, [
          ['CC-Agent', name],
          ['CC-Action', 'agent-state-change'],
          ['CC-Agent-State', value],
        ]);
        return 'SUCCESS';
      }
      case 'uuid':
        a.uuid = value;
        return 'SUCCESS';
      case 'contact':
        a.contact = value;
        this.fire('cc_agent_update', 1091, [
          ['CC-Agent', name],
          ['CC-Action', 'agent-contact-change'],
          ['CC-Agent-Contact', value],
        ]);
        return 'SUCCESS';
      case 'ready_time':
        a.readyTime = atoi(value);
        return 'SUCCESS';
      case 'busy_delay_time':
        a.busyDelayTime = atoi(value);
        return 'SUCCESS';
      case 'reject_delay_time':
        a.rejectDelayTime = atoi(value);
        return 'SUCCESS';
      case 'no_answer_delay_time':
        a.noAnswerDelayTime = atoi(value);
        return 'SUCCESS';
      case 'type':
        if (!ci(value, 'Callback') && !ci(value, 'uuid-standby')) return 'AGENT_INVALID_TYPE';
        a.type = value;
        return 'SUCCESS';
      case 'max_no_answer':
        a.maxNoAnswer = atoi(value);
        return 'SUCCESS';
      case 'wrap_up_time':
        a.wrapUpTime = atoi(value);
        return 'SUCCESS';
      case 'state_if_waiting': {
        if (!knownValue(AGENT_STATES, value)) return 'AGENT_INVALID_STATE';
        if (a.state !== 'Waiting' || (a.status !== 'Available' && a.status !== 'Available (On Demand)')) return 'AGENT_NOT_FOUND';
        a.state = value;
        this.fire('cc_agent_update', 1123, [
          ['CC-Agent', name],
          ['CC-Action', 'agent-state-change'],
          ['CC-Agent-State', value],
        ]);
        return 'SUCCESS';
      }
      default:
        return 'INVALID_KEY';
    }
  }

  /** load_agent: add or update one agent from the configuration's <agents>. */
  async loadAgent(name: string, doc?: CcConfigDoc): Promise<boolean> {
    const d = doc ?? (await this.config.open(null));
    const x = d.agents.find((a) => a.name !== undefined && ci(a.name, name));
    if (!x?.type) return true;
    const res = this.agentAdd(name, x.type);
    if (res !== 'SUCCESS' && res !== 'AGENT_ALREADY_EXIST') return true;
    for (const [attr, key] of [
      ['contact', 'contact'],
      ['status', 'status'],
      ['wrap-up-time', 'wrap_up_time'],
      ['max-no-answer', 'max_no_answer'],
      ['reject-delay-time', 'reject_delay_time'],
      ['busy-delay-time', 'busy_delay_time'],
      ['no-answer-delay-time', 'no_answer_delay_time'],
    ] as const) {
      if (x[attr] !== undefined) this.agentUpdate(key, x[attr]!, name);
    }
    if (res === 'AGENT_ALREADY_EXIST') this.agentUpdate('type', x.type, name);
    return true;
  }

  // ---------------------------------------------------------------------------------- tiers

  async tierAdd(queue: string, agent: string, state: string, level: number, position: number): Promise<CcStatus> {
    if (!(await this.getQueue(queue))) return 'QUEUE_NOT_FOUND';
    if (!knownValue(TIER_STATES, state)) return 'TIER_INVALID_STATE';
    if (!this.agents.has(agent)) return 'AGENT_NOT_FOUND';
    if (this.tiers.some((t) => t.agent === agent && t.queue === queue)) return 'TIER_ALREADY_EXIST';
    this.tiers.push({ queue, agent, state, level, position });
    return 'SUCCESS';
  }

  async tierUpdate(key: string, value: string, queue: string, agent: string): Promise<CcStatus> {
    const rows = this.tiers.filter((t) => t.agent === agent && t.queue === queue);
    if (!rows.length) return 'TIER_NOT_FOUND';
    if (!this.agents.has(agent)) return 'AGENT_NOT_FOUND';
    if (!(await this.getQueue(queue))) return 'QUEUE_NOT_FOUND';
    switch (key.toLowerCase()) {
      case 'state':
        if (!knownValue(TIER_STATES, value)) return 'TIER_INVALID_STATE';
        for (const t of rows) t.state = value;
        return 'SUCCESS';
      case 'level':
        for (const t of rows) t.level = atoi(value);
        return 'SUCCESS';
      case 'position':
        for (const t of rows) t.position = atoi(value);
        return 'SUCCESS';
      default:
        return 'INVALID_KEY';
    }
  }

  tierDel(queue: string, agent: string): CcStatus {
    this.tiers = this.tiers.filter((t) => !(t.queue === queue && t.agent === agent));
    return 'SUCCESS';
  }

  /** load_tier: add the tier (Ready) or update its level and position. */
  private async loadTier(queue: string, agent: string, level?: string, position?: string): Promise<void> {
    if ((await this.tierUpdate('unknown', 'unknown', queue, agent)) === 'TIER_NOT_FOUND') {
      await this.tierAdd(queue, agent, 'Ready', level ? atoi(level) : 1, position ? atoi(position) : 1);
    } else {
      await this.tierUpdate('level', level || '1', queue, agent);
      await this.tierUpdate('position', position || '1', queue, agent);
    }
  }

  /** load_tiers: true when some tier of the configuration matched. */
  async loadTiers(loadAll: boolean, queueName?: string, agentName?: string, doc?: CcConfigDoc): Promise<boolean> {
    const d = doc ?? (await this.config.open(null));
    let ok = false;
    for (const t of d.tiers) {
      const { agent, queue } = t;
      if (agent === undefined || queue === undefined) continue;
      const match =
        loadAll ||
        (agentName && queueName
          ? ci(agent, agentName) && ci(queue, queueName)
          : !agentName
            ? ci(queue, queueName ?? '')
            : ci(agent, agentName));
      if (!match) continue;
      await this.loadTier(queue, agent, t.level, t.position);
      ok = true;
    }
    return ok;
  }

  // ---------------------------------------------------------------------------------- the application

  /** The `callcenter` application on a member's channel (callcenter_function). */
  app(rt: ChannelRuntime, step: AppStep, complete: (response?: string) => void): void {
    const queueName = this.api.separate(step.args, 6)[0];
    if (!queueName) {
      this.host.logLine('callcenter: No Queue name provided');
      complete();
      return;
    }
    void this.getQueue(queueName).then((queue) => {
      if (rt.ch.gone || rt.ch.hangupCause || rt.current !== step) return;
      if (!queue) {
        this.host.logLine(`callcenter: Queue ${queueName} not found`);
        complete();
        return;
      }
      this.join(rt, step, queue, complete);
    });
  }

  private join(rt: ChannelRuntime, step: AppStep, queue: Queue, complete: (response?: string) => void): void {
    const ch = rt.ch;
    const v = ch.vars;
    const now = this.now();
    const startEpoch = String(Math.floor(this.clock.fromWall((ch.answeredUs || ch.createdUs) / 1000) / 1000));
    // caller_id_* of the channel: the originated leg's caller profile was flipped before the app ran
    const cidName = ch.cidFlipped ? 'Outbound Call' : ch.cidName;
    const cidNumber = ch.cidFlipped ? ch.number : ch.cidNumber;
    let memberUuid = '';
    let abandonedEpoch = 0;
    if (queue.abandonedResumeAllowed) {
      const prev = sortStable(
        this.members.filter((m) => m.queue === queue.name && m.cidNumber === cidNumber && m.state === 'Abandoned'),
        (m) => -m.abandonedEpoch,
      )[0];
      if (prev) {
        memberUuid = prev.uuid;
        abandonedEpoch = prev.abandonedEpoch;
      }
    }
    if (abandonedEpoch === 0) memberUuid = randomUUID();
    v.set('cc_side', 'member');
    v.set('cc_member_uuid', memberUuid);
    v.delete('cc_agent_found');
    v.delete('cc_agent_bridged');
    let baseScore = atoi(v.get('cc_base_score'));
    if (queue.timeBaseScore.toLowerCase() === 'system') baseScore += now - Number(startEpoch);
    v.set('cc_queue_joined_epoch', String(now));
    v.set('cc_queue', queue.name);
    if (abandonedEpoch > 0) {
      const row = this.members.find((m) => m.uuid === memberUuid && m.state === 'Abandoned');
      if (row) Object.assign(row, { sessionUuid: ch.uuid, state: 'Waiting', rejoinedEpoch: now, instanceId: SYSTEM });
      const confirmed = this.members.find(
        (m) => m.uuid === memberUuid && m.sessionUuid === ch.uuid && m.state === 'Waiting' && m.queue === queue.name,
      );
      abandonedEpoch = confirmed?.abandonedEpoch ?? 0;
    }
    this.fire(
      'callcenter_function',
      3113,
      [
        ['CC-Queue', queue.name],
        ['CC-Action', abandonedEpoch === 0 ? 'member-queue-start' : 'member-queue-resume'],
        ['CC-Member-UUID', memberUuid],
        ['CC-Member-Session-UUID', ch.uuid],
        ['CC-Member-CID-Name', cidName],
        ['CC-Member-CID-Number', cidNumber],
      ],
      ch,
    );
    if (abandonedEpoch === 0) {
      const strategy = queue.strategy.toLowerCase();
      this.members.push({
        queue: queue.name,
        instanceId: SYSTEM,
        uuid: memberUuid,
        sessionUuid: ch.uuid,
        cidNumber,
        cidName,
        systemEpoch: startEpoch,
        joinedEpoch: now,
        rejoinedEpoch: 0,
        bridgeEpoch: 0,
        abandonedEpoch: 0,
        baseScore,
        skillScore: 0,
        servingAgent: strategy === 'ring-all' || strategy === 'ring-progressively' ? strategy : '',
        servingSystem: '',
        state: 'Waiting',
      });
    }
    this.queueCount(queue.name);
    const record = this.log.member({
      memberUuid,
      sessionUuid: ch.uuid,
      queue: queue.name,
      cidNumber,
      cidName,
      joinedAt: Date.now(),
      joinedEpoch: now,
    });
    const s: MemberSession = {
      memberUuid,
      sessionUuid: ch.uuid,
      queue: queue.name,
      rt,
      step,
      complete,
      joined: now,
      cidName,
      cidNumber,
      cancelReason: 'NONE',
      connecting: false,
      timeoutPending: false,
      appDone: false,
      watching: true,
      record,
    };
    this.sessions.set(memberUuid, s);
    rt.onHangup = () => this.memberHangup(s);
    this.watch(s);
    this.ensureDispatch();
  }

  /** cc_member_thread_run: every 500 ms, max-wait-time and max-wait-time-with-no-agent. */
  private watch(s: MemberSession): void {
    const tick = () => {
      if (!s.watching || this.closed) return;
      const q = this.queues.get(s.queue);
      if (!q) {
        // get_queue: load it again; a queue that cannot be found ends the watcher (the member waits on)
        void this.getQueue(s.queue).then((x) => {
          if (!x) this.stopWatch(s);
        });
      } else {
        const now = this.now();
        let reason = 'NONE';
        if (q.maxWaitTime > 0 && q.maxWaitTime <= now - s.joined) {
          // an agent being originated gets its chance: decided when the originate returns
          if (s.connecting) s.timeoutPending = true;
          else if (!s.rt.ch.vars.has('bridge_uuid')) reason = 'TIMEOUT';
        }
        if (q.maxWaitTimeWithNoAgent > 0 && q.lastAgentExistCheck > q.lastAgentExist && s.joined <= q.lastAgentExistCheck) {
          if (q.lastAgentExistCheck - q.lastAgentExist >= q.maxWaitTimeWithNoAgent) {
            if (q.maxWaitTimeWithNoAgentTimeReached > 0) {
              if (q.lastAgentExistCheck - s.joined >= q.maxWaitTimeWithNoAgentTimeReached + q.maxWaitTimeWithNoAgent)
                reason = 'NO_AGENT_TIMEOUT';
            } else reason = 'NO_AGENT_TIMEOUT';
          }
        }
        if (reason !== 'NONE') {
          s.cancelReason = reason;
          this.appEnd(s);
          return;
        }
      }
      s.watchTimer = setTimeout(tick, this.clock.wall(500));
    };
    tick();
  }

  private stopWatch(s: MemberSession): void {
    s.watching = false;
    if (s.watchTimer) clearTimeout(s.watchTimer);
  }

  /** The member leg is hanging up (CHANNEL_HANGUP fired): the application sees it. */
  private memberHangup(s: MemberSession): void {
    const bridgedOffer = [...this.offers.values()].find((o) => o.sessionUuid === s.sessionUuid && o.bridged && !o.loopEnd);
    if (bridgedOffer) {
      this.bridgeLegDown(bridgedOffer, 'member');
      return;
    }
    if (!s.appDone) this.appEnd(s);
  }

  /**
   * The application's wait is over (callcenter_function after its loop): bridged to an agent
   * (cc_cause answered), or cancelled (member-queue-end Cancel, the row Abandoned). Then
   * members-count. A cancelled member whose channel is up is hung up when the application returns.
   */
  private appEnd(s: MemberSession): void {
    if (s.appDone) return;
    s.appDone = true;
    this.stopWatch(s);
    const ch = s.rt.ch;
    const up = !ch.gone && !ch.hangupCause;
    const agentFound = ch.vars.get('cc_agent_found') === 'true';
    if (s.cancelReason === 'NONE' && !agentFound) s.cancelReason = 'BREAK_OUT';
    ch.vars.delete('cc_agent_found');
    const now = this.now();
    const cancelled = !up || s.cancelReason !== 'NONE';
    if (cancelled) {
      for (const m of this.members)
        if (m.uuid === s.memberUuid) Object.assign(m, { state: 'Abandoned', sessionUuid: '', abandonedEpoch: now });
      this.fire(
        'callcenter_function',
        3274,
        [
          ['CC-Queue', s.queue],
          ['CC-Action', 'member-queue-end'],
          ['CC-Member-Leaving-Time', now],
          ['CC-Member-Joined-Time', s.joined],
          ['CC-Cause', 'Cancel'],
          ['CC-Cancel-Reason', s.cancelReason],
          ['CC-Member-UUID', s.memberUuid],
          ['CC-Member-Session-UUID', s.sessionUuid],
          ['CC-Member-CID-Name', s.cidName],
          ['CC-Member-CID-Number', s.cidNumber],
        ],
        ch,
      );
      ch.vars.set('cc_queue_canceled_epoch', String(now));
      ch.vars.set('cc_cause', 'cancel');
      ch.vars.set('cc_cancel_reason', s.cancelReason);
      const q = this.queues.get(s.queue);
      if (q) q.callsAbandoned++;
      Object.assign(s.record, { leftAt: Date.now(), leftEpoch: now, result: 'cancel', cancelReason: s.cancelReason });
    } else {
      ch.vars.set('cc_cause', 'answered');
      const q = this.queues.get(s.queue);
      if (q) q.callsAnswered++;
      Object.assign(s.record, { leftAt: Date.now(), leftEpoch: now, result: 'answered' });
    }
    this.log.changed(s.record);
    this.queueCount(s.queue);
    // Hang up the callbacks still ringing (their HANGUP_COMPLETE comes after the events above, 45)
    if (cancelled) this.hupallPreAnswer(s.memberUuid, 'ORIGINATOR_CANCEL');
    this.sessions.delete(s.memberUuid);
    if (cancelled && up) s.complete();
  }

  // ---------------------------------------------------------------------------------- dispatcher

  private ensureDispatch(): void {
    if (this.dispatchTimer || this.closed) return;
    this.dispatchTimer = setInterval(() => this.dispatch(), Math.max(1, this.clock.wall(100)));
  }

  /** cc_agent_dispatch_thread_run: one pass over the members, highest score first. */
  private dispatch(): void {
    const now = this.now();
    const rows = sortStable(
      this.members.filter(
        (m) =>
          m.instanceId === SYSTEM &&
          (m.state === 'Waiting' ||
            m.state === 'Abandoned' ||
            (m.state === 'Trying' && (m.servingAgent === 'ring-all' || m.servingAgent === 'ring-progressively'))),
      ),
      (m) => -(now - m.joinedEpoch + m.baseScore + m.skillScore),
    );
    if (!this.members.length) {
      clearInterval(this.dispatchTimer);
      this.dispatchTimer = undefined;
      return;
    }
    const joins = new Map<string, Array<{ agent: AgentRow; tier: TierRow }>>();
    for (const m of rows) if (this.members.includes(m)) this.membersCallback(m, joins);
  }

  /** members_callback */
  private membersCallback(m: MemberRow, joins: Map<string, Array<{ agent: AgentRow; tier: TierRow }>>): void {
    const queue = this.queues.get(m.queue);
    if (!queue) {
      // get_queue loads it (a queue unloaded while members are left comes back, 43); not found: the member goes
      void this.getQueue(m.queue).then((q) => {
        if (!q) this.members = this.members.filter((x) => !(x.uuid === m.uuid && x.instanceId === m.instanceId));
      });
      return;
    }
    const now = this.now();
    if (m.state === 'Abandoned') {
      const abandoned = m.abandonedEpoch || m.joinedEpoch;
      if (abandoned + queue.discardAbandonedAfter < now) this.members = this.members.filter((x) => x !== m);
      return;
    }
    const strategy = queue.strategy.toLowerCase();
    // the queue changed strategy under a ring-all / ring-progressively member
    if (m.servingAgent === 'ring-all' && strategy !== 'ring-all') {
      if (strategy === 'ring-progressively') {
        if (m.state === 'Trying') m.servingAgent = 'ring-progressively';
      } else if (m.state === 'Trying') Object.assign(m, { servingAgent: '', state: 'Waiting' });
    } else if (m.servingAgent === 'ring-progressively' && strategy !== 'ring-progressively') {
      if (strategy === 'ring-all') {
        if (m.state === 'Trying') m.servingAgent = 'ring-all';
      } else if (m.state === 'Trying') Object.assign(m, { servingAgent: '', state: 'Waiting' });
    } else if ((strategy === 'ring-all' || strategy === 'ring-progressively') && m.servingAgent !== strategy) {
      if (m.servingAgent === 'ring-all' || m.servingAgent === 'ring-progressively') {
        if (m.state === 'Trying') m.servingAgent = strategy;
      } else if (m.servingAgent === '' && m.state === 'Waiting') Object.assign(m, { servingAgent: strategy, state: 'Trying' });
    }
    const member = this.host.channels.get(m.sessionUuid)?.ch;
    const rows = this.candidates(queue, m, member, joins);
    if (strategy === 'ring-all' || strategy === 'ring-progressively') {
      if (m.state === 'Waiting') m.state = 'Trying';
    }
    if (strategy === 'ring-progressively' && member) {
      const last = member.vars.get('cc_last_originated_call');
      const delay = queue.ringProgressivelyDelay || 10;
      if (last && now < atoi(last) + delay && member.vars.get('cc_agent_found') !== 'true') return;
    }
    const cbt = { tier: 0, tierAgentAvailable: 0, agentFound: false };
    for (const { agent, tier } of rows) {
      if (this.agentsCallback(cbt, queue, m, agent, tier) === 'stop') break;
    }
    const q2 = this.queues.get(m.queue);
    if (!q2) return;
    q2.lastAgentExistCheck = this.now();
    if (cbt.agentFound) q2.lastAgentExist = q2.lastAgentExistCheck;
    else if (strategy === 'top-down' && member) {
      member.vars.delete('cc_last_agent_tier_position');
      member.vars.delete('cc_last_agent_tier_level');
    }
  }

  /** The agents the dispatcher considers for a member, in the order of the strategy's SQL. */
  private candidates(
    queue: Queue,
    m: MemberRow,
    member: Channel | undefined,
    joins: Map<string, Array<{ agent: AgentRow; tier: TierRow }>>,
  ): Array<{ agent: AgentRow; tier: TierRow }> {
    const strategy = queue.strategy.toLowerCase();
    // agents LEFT JOIN tiers WHERE tiers.queue = q: rows in tier order (sqlite scans tiers, 30-35);
    // ORDER BY ties keep it. The join once per pass; the status filter (and every sort key) live.
    let joined = joins.get(queue.name);
    if (!joined) {
      joined = [];
      for (const tier of this.tiers) {
        if (tier.queue !== queue.name) continue;
        const agent = this.agents.get(tier.agent);
        if (agent) joined.push({ agent, tier });
      }
      joins.set(queue.name, joined);
    }
    const base = joined.filter(
      ({ agent }) => agent.status === 'Available' || agent.status === 'On Break' || agent.status === 'Available (On Demand)',
    );
    const L = (r: { tier: TierRow }) => r.tier.level;
    const P = (r: { tier: TierRow }) => r.tier.position;
    const OC = (r: { agent: AgentRow }) => r.agent.lastOfferedCall;
    // UNION sorts its rows (instance_id, name, …) before the ORDER BY: ties fall to the name
    const N = (r: { agent: AgentRow }) => r.agent.name;
    if (strategy === 'top-down') {
      const position = atoi(member?.vars.get('cc_last_agent_tier_position'));
      const level = atoi(member?.vars.get('cc_last_agent_tier_level'));
      const first = base.filter((r) => r.tier.position > position && r.tier.level === level).map((r) => ({ ...r, dyn: 1 }));
      const second = base.filter((r) => r.tier.level > level).map((r) => ({ ...r, dyn: 2 }));
      return sortStable([...first, ...second], (r) => r.dyn, L, P, OC, N);
    }
    if (strategy === 'round-robin') {
      const offered = sortStable(
        this.tiers.filter((t) => t.queue === queue.name && (this.agents.get(t.agent)?.lastOfferedCall ?? 0) > 0),
        (t) => -this.agents.get(t.agent)!.lastOfferedCall,
      )[0];
      const first = offered
        ? base.filter((r) => r.tier.position > offered.position && r.tier.level === offered.level).map((r) => ({ ...r, dyn: 1 }))
        : [];
      const second = base.map((r) => ({ ...r, dyn: 2 }));
      return sortStable([...first, ...second], (r) => r.dyn, L, P, OC, N);
    }
    switch (strategy) {
      case 'longest-idle-agent':
        return sortStable(base, L, (r) => r.agent.lastBridgeEnd, P);
      case 'agent-with-least-talk-time':
        return sortStable(base, L, (r) => r.agent.talkTime, P);
      case 'agent-with-fewest-calls':
        return sortStable(base, L, (r) => r.agent.callsAnswered, P);
      case 'ring-all':
      case 'ring-progressively':
        return sortStable(base, L, P);
      case 'random': {
        const keyed = base.map((r) => ({ ...r, rnd: this.randomKey(queue.name, r.agent.name) }));
        return sortStable(keyed, L, (r) => r.rnd);
      }
      default:
        // sequentially-by-agent-order, and any unknown strategy
        return sortStable(base, L, P, OC);
    }
  }

  /** agents_callback: may this agent be offered the member? 'stop' ends the agent loop. */
  private agentsCallback(
    cbt: { tier: number; tierAgentAvailable: number; agentFound: boolean },
    queue: Queue,
    m: MemberRow,
    agent: AgentRow,
    tier: TierRow,
  ): 'stop' | 'continue' {
    const now = this.now();
    const strategy = queue.strategy.toLowerCase();
    cbt.agentFound = true;
    if (queue.tierRulesApply && tier.level > cbt.tier) {
      const waited = now - m.joinedEpoch;
      if (queue.tierRuleNoAgentNoWait && cbt.tierAgentAvailable === 0) cbt.tier = tier.level;
      else if (queue.tierRuleWaitMultiplyLevel && waited >= tier.level * queue.tierRuleWaitSecond) {
        cbt.tier = tier.level;
        cbt.tierAgentAvailable = 0;
      } else if (!queue.tierRuleWaitMultiplyLevel && waited >= queue.tierRuleWaitSecond) {
        cbt.tier = tier.level;
        cbt.tierAgentAvailable = 0;
      } else return 'stop';
    }
    cbt.tierAgentAvailable++;
    let contact = ci(tier.state, 'No Answer') || ci(tier.state, 'Ready');
    if (!ci(agent.state, 'Waiting')) contact = false;
    if (!(agent.lastBridgeEnd < now - agent.wrapUpTime)) contact = false;
    if (!(agent.readyTime <= now)) contact = false;
    if (ci(agent.status, 'On Break')) contact = false;
    if (queue.skipAgentsWithExternalCalls && agent.externalCallsCount > 0) contact = false;
    if (!contact) return 'continue';
    if (agent.instanceId !== SYSTEM) return strategy === 'ring-all' ? 'stop' : 'continue';
    const ringAll = strategy === 'ring-all' || strategy === 'ring-progressively';
    if (!ringAll && m.state === 'Waiting') Object.assign(m, { servingAgent: agent.name, servingSystem: agent.instanceId, state: 'Trying' });
    const won = ringAll ? m.servingAgent === strategy : m.servingAgent === agent.name && m.servingSystem === agent.instanceId;
    if (!won) return 'stop';
    this.offer(queue, m, agent, tier);
    return strategy === 'ring-all' ? 'continue' : 'stop';
  }

  // ---------------------------------------------------------------------------------- offers

  /** The member goes to this agent: Receiving, tiers Offering/Standby, then the agent thread. */
  private offer(queue: Queue, m: MemberRow, agent: AgentRow, tier: TierRow): void {
    const strategy = queue.strategy.toLowerCase();
    const member = this.host.channels.get(m.sessionUuid)?.ch;
    if (member && strategy === 'ring-progressively') member.vars.set('cc_last_originated_call', String(this.now()));
    if (member && strategy === 'top-down') {
      member.vars.set('cc_last_agent_tier_position', String(tier.position));
      member.vars.set('cc_last_agent_tier_level', String(tier.level));
    }
    const o: Offer = {
      id: this.nextOfferId++,
      memberUuid: m.uuid,
      sessionUuid: m.sessionUuid,
      queue: queue.name,
      strategy,
      agentName: agent.name,
      agentSystem: agent.instanceId,
      agentStatus: agent.status,
      agentType: agent.type,
      agentUuid: agent.uuid,
      originateString: agent.contact,
      noAnswerCount: agent.noAnswerCount,
      maxNoAnswer: agent.maxNoAnswer,
      rejectDelayTime: agent.rejectDelayTime,
      busyDelayTime: agent.busyDelayTime,
      noAnswerDelayTime: agent.noAnswerDelayTime,
      agentNoAnswerStatus: queue.agentNoAnswerStatus,
      memberJoinedEpoch: String(m.joinedEpoch),
      memberCidName: m.cidName,
      memberCidNumber: m.cidNumber,
      tCalled: 0,
      tAnswered: 0,
      cause: 'NONE',
      bridged: false,
      ended: false,
      record: this.log.offer({
        agent: agent.name,
        queue: queue.name,
        memberUuid: m.uuid,
        sessionUuid: m.sessionUuid,
        contact: agent.contact ?? '',
        offeredAt: Date.now(),
        offeredEpoch: this.now(),
      }),
    };
    this.offers.set(o.id, o);
    if (strategy === 'random') this.randomDraws.set(queue.name, (this.randomDraws.get(queue.name) ?? 0) + 1);
    this.agentUpdate('state', 'Receiving', agent.name);
    for (const t of this.tiers) {
      if (t.agent !== agent.name) continue;
      if (t.queue === queue.name) t.state = 'Offering';
      else if (t.state === 'Ready') t.state = 'Standby';
    }
    // the thread starts after the dispatcher's loop (ring-all: every Receiving, then every offering)
    queueMicrotask(() => this.agentThread(o));
  }

  /** outbound_agent_thread_run, up to the originate. */
  private agentThread(o: Offer): void {
    if (this.closed || o.ended) return;
    const memberRt = this.host.channels.get(o.sessionUuid);
    if (!memberRt || memberRt.ch.gone) {
      // the member is gone before we could process it
      const now = this.now();
      for (const m of this.members)
        if (m.uuid === o.memberUuid && m.state !== 'Abandoned')
          Object.assign(m, { state: 'Abandoned', sessionUuid: '', abandonedEpoch: now });
      o.record.result = 'member-gone';
      this.done(o, 'Ready');
      return;
    }
    const member = memberRt.ch;
    o.memberCh = member;
    this.fire('outbound_agent_thread_run', 1717, [
      ['CC-Queue', o.queue],
      ['CC-Action', 'agent-offering'],
      ['CC-Agent', o.agentName],
      ['CC-Agent-Type', o.agentType],
      ['CC-Agent-System', o.agentSystem],
      ['CC-Member-UUID', o.memberUuid],
      ['CC-Member-Session-UUID', o.sessionUuid],
      ['CC-Member-CID-Name', o.memberCidName],
      ['CC-Member-CID-Number', o.memberCidNumber],
    ]);
    const s = this.sessions.get(o.memberUuid);
    if (ci(o.agentType, 'Callback')) {
      const mv = member.vars;
      let cidName = mv.get('effective_caller_id_name') ?? o.memberCidName;
      const cidNumber = mv.get('effective_caller_id_number') ?? o.memberCidNumber;
      const prefix = mv.get('cc_outbound_cid_name_prefix');
      if (prefix !== undefined) cidName = prefix + cidName;
      const ovars: Array<[string, string]> = [
        ...this.host.events.coreOf('REQUEST_PARAMS', ['mod_callcenter.c', 'outbound_agent_thread_run', 1755]),
        ['cc_queue', o.queue],
        ['cc_queue_joined_epoch', o.memberJoinedEpoch],
        ['cc_member_uuid', o.memberUuid],
        ['cc_member_session_uuid', o.sessionUuid],
        ['cc_member_pre_answer_uuid', o.memberUuid],
        ['cc_agent', o.agentName],
        ['cc_agent_type', o.agentType],
        ['cc_side', 'agent'],
        ['loopback_bowout', 'false'],
        ['loopback_bowout_on_execute', 'false'],
        ['ignore_early_media', 'true'],
      ];
      for (const name of (mv.get('cc_export_vars') ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)) {
        const val = mv.get(name);
        if (val !== undefined) ovars.push([name, val]);
      }
      ovars.push(['origination_caller_id_name', cidName], ['origination_caller_id_number', cidNumber]);
      o.tCalled = this.now();
      const dial = expandVars(o.originateString ?? '', mv);
      o.record.contact = dial;
      if (s) s.connecting = true;
      const leg = placeAgentLeg(this.host, {
        dial,
        ovars,
        cidName,
        cidNumber,
        timeoutSec: this.host.rules.callcenter?.agentOriginateTimeout ?? 60,
        clock: this.clock,
        endpoints: this.endpoints,
        onAnswer: (rt) => {
          rt.ch.vars.delete('cc_member_pre_answer_uuid');
          o.record.answeredAt = Date.now();
          this.log.changed(o.record);
          this.after(20, () => this.agentAnswered(o));
        },
        onFail: (cause, rt) => {
          o.record.endedAt = Date.now();
          if (rt) rt.onHangup = undefined;
          this.after(20, () => this.agentFailed(o, cause));
        },
      });
      if (leg.rt) {
        o.leg = leg.rt;
        o.record.legUuid = leg.rt.ch.uuid;
        leg.rt.onHangup = () => this.agentLegDown(o);
      }
      return;
    }
    if (ci(o.agentType, 'uuid-standby')) {
      const rt = o.agentUuid ? this.host.channels.get(o.agentUuid) : undefined;
      if (rt && !rt.ch.gone && !rt.ch.hangupCause) {
        for (const [k, v] of [
          ['cc_side', 'agent'],
          ['cc_queue', o.queue],
          ['cc_agent', o.agentName],
          ['cc_agent_type', o.agentType],
          ['cc_member_uuid', o.memberUuid],
          ['cc_member_session_uuid', o.sessionUuid],
        ] as const)
          rt.ch.vars.set(k, v);
        o.leg = rt;
        o.record.legUuid = rt.ch.uuid;
        o.record.answeredAt = Date.now();
        rt.onHangup = () => this.agentLegDown(o);
        o.tCalled = this.now();
        this.agentAnswered(o);
        return;
      }
      this.agentUpdate('status', 'Logged Out', o.agentName);
      this.agentUpdate('uuid', '', o.agentName);
      this.agentFailed(o, 'NONE');
      return;
    }
    this.agentFailed(o, 'USER_NOT_REGISTERED');
  }

  /** The originate succeeded (the agent answered): win the member, bridge-agent-start, uuid_bridge. */
  private agentAnswered(o: Offer): void {
    if (o.ended || this.closed) return;
    const leg = o.leg!;
    o.cause = 'SUCCESS';
    if (o.strategy === 'ring-all' || o.strategy === 'ring-progressively') {
      for (const m of this.members)
        if (m.uuid === o.memberUuid && m.state === 'Trying' && m.servingAgent === o.strategy)
          Object.assign(m, { servingAgent: o.agentName, servingSystem: SYSTEM, state: 'Trying' });
      const won = this.members.some((m) => m.uuid === o.memberUuid && m.servingAgent === o.agentName && m.servingSystem === SYSTEM);
      if (!won) {
        // another agent took the member: this answered leg is left as it is, connected to nobody (31)
        leg.onHangup = undefined;
        o.record.result = 'orphan';
        this.log.changed(o.record);
        this.clearConnecting(o);
        this.done(o, 'Ready');
        return;
      }
    }
    o.tAnswered = this.now();
    const memberRt = this.host.channels.get(o.sessionUuid);
    this.fire(
      'outbound_agent_thread_run',
      1934,
      [
        ['CC-Queue', o.queue],
        ['CC-Action', 'bridge-agent-start'],
        ['CC-Agent', o.agentName],
        ['CC-Agent-System', o.agentSystem],
        ['CC-Agent-UUID', leg.ch.uuid],
        ['CC-Agent-Called-Time', o.tCalled],
        ['CC-Agent-Answered-Time', o.tAnswered],
        ['CC-Member-Joined-Time', o.memberJoinedEpoch],
        ['CC-Member-UUID', o.memberUuid],
        ['CC-Member-Session-UUID', o.sessionUuid],
        ['CC-Member-CID-Name', o.memberCidName],
        ['CC-Member-CID-Number', o.memberCidNumber],
      ],
      leg.ch,
    );
    // ring-all: the other agents still ringing lose the race (their legs report it after bridge-agent-start, 31)
    if (o.strategy === 'ring-all' || o.strategy === 'ring-progressively') this.hupallPreAnswer(o.memberUuid, 'LOSE_RACE');
    const member = memberRt?.ch;
    const memberUp = !!member && !member.gone && !member.hangupCause;
    const agentUp = !leg.ch.gone && !leg.ch.hangupCause;
    if (member && memberUp) {
      member.vars.set('cc_agent_found', 'true');
      member.vars.set('cc_agent_uuid', leg.ch.uuid);
    }
    if (member && memberUp && agentUp) {
      // uuid_bridge: the member's application is over (its loop sees the transfer), the bridge comes up
      transferToBridge(member, leg.ch);
      o.bridged = true;
      // the member's application loop notices (cc_agent_found): members-count still counts it
      const s = this.sessions.get(o.memberUuid);
      if (s) this.appEnd(s);
      this.after(20, () => this.bridged(o));
      return;
    }
    // Failed to bridge
    const now = this.now();
    if (!memberUp) {
      leg.ch.vars.set('cc_agent_bridged', 'false');
      for (const m of this.members)
        if (m.uuid === o.memberUuid) Object.assign(m, { state: 'Abandoned', sessionUuid: '', abandonedEpoch: now });
      if (ci(o.agentType, 'Callback') && agentUp) {
        leg.onHangup = undefined;
        this.host.life.hangupChannel(leg, 'ORIGINATOR_CANCEL', 'send_bye');
      }
    } else {
      for (const m of this.members) if (m.uuid === o.memberUuid) m.state = 'Waiting';
    }
    o.record.result = 'unbridged';
    o.record.endedAt ??= Date.now();
    this.log.changed(o.record);
    this.clearConnecting(o);
    this.bridgeEnd(o);
  }

  /**
   * The bridge is up (CF_BRIDGED): CHANNEL_BRIDGE, the member Answered, the agent In a queue call.
   * A leg that hung up while the bridge came up took the other one with it (bridgeLegDown): the
   * call is accounted as a bridge that ended at once.
   */
  private bridged(o: Offer): void {
    if (o.ended) return;
    const leg = o.leg!;
    const member = o.memberCh ?? this.host.channels.get(o.sessionUuid)!.ch;
    const now = this.now();
    const up = !member.gone && !member.hangupCause && !leg.ch.gone && !leg.ch.hangupCause;
    if (up) bridgeUp(this.host.events, member, leg.ch);
    member.vars.set('cc_agent_bridged', 'true');
    leg.ch.vars.set('cc_agent_bridged', 'true');
    for (const m of this.members) if (m.uuid === o.memberUuid) Object.assign(m, { state: 'Answered', bridgeEpoch: now });
    member.vars.set('cc_agent', o.agentName);
    member.vars.set('cc_queue_answered_epoch', String(now));
    const a = this.agents.get(o.agentName);
    if (a && a.instanceId === o.agentSystem)
      Object.assign(a, { uuid: leg.ch.uuid, lastBridgeStart: now, callsAnswered: a.callsAnswered + 1, noAnswerCount: 0 });
    void this.tierUpdate('state', 'Active Inbound', o.queue, o.agentName);
    this.agentUpdate('state', 'In a queue call', o.agentName);
    this.clearConnecting(o);
    o.loopStartMs = this.clock.nowMs();
    Object.assign(o.record, { bridgedAt: Date.now(), result: 'bridged' });
    const s = this.log.bySession(o.sessionUuid);
    if (s) {
      Object.assign(s, { agent: o.agentName, agentUuid: leg.ch.uuid, bridgedAt: Date.now() });
      this.log.changed(s);
    }
    this.log.changed(o.record);
    if (!up) o.loopEnd = true;
    // a callcenter_break sent before the bridge (CC_APP_SHOULD_BREAK on the agent channel) ends the watch at once
    if (this.breakFlags.delete(leg.ch.uuid)) {
      o.loopEnd = true;
      leg.onHangup = undefined;
    }
    if (o.loopEnd) this.scheduleLoopEnd(o);
  }

  /** One leg of a bridged pair hangs up: the other goes too (its BYE), CHANNEL_UNBRIDGE on the member. */
  private bridgeLegDown(o: Offer, first: 'agent' | 'member'): void {
    if (o.loopEnd) return;
    o.loopEnd = true;
    const leg = o.leg!;
    const memberRt = this.host.channels.get(o.sessionUuid);
    // before CF_BRIDGED (the ~20 ms after the transfer) there is no bridge to end on the wire
    const up = o.record.bridgedAt !== undefined;
    if (up && o.record.talkMs === undefined) o.record.talkMs = Date.now() - o.record.bridgedAt!;
    if (first === 'member') {
      // FreeSWITCH BYEs the agent (its HANGUP_COMPLETE first), then the member's UNBRIDGE
      if (ci(o.agentType, 'Callback') && !leg.ch.gone && !leg.ch.hangupCause)
        this.host.life.hangupChannel(leg, 'NORMAL_CLEARING', 'send_bye');
      if (memberRt && up) bridgeDown(this.host.events, memberRt.ch, leg.ch, 'NORMAL_CLEARING');
    } else if (memberRt && !memberRt.ch.gone) {
      // after the agent leg's HANGUP_COMPLETE: the member's UNBRIDGE, then FreeSWITCH BYEs the member
      queueMicrotask(() => {
        if (memberRt.ch.gone || memberRt.ch.hangupCause) return;
        if (up) bridgeDown(this.host.events, memberRt.ch, leg.ch, 'NORMAL_CLEARING');
        this.host.life.hangupChannel(memberRt, 'NORMAL_CLEARING', 'send_bye');
      });
    }
    const s = this.log.bySession(o.sessionUuid);
    if (s && s.endedAt === undefined) {
      s.endedAt = Date.now();
      this.log.changed(s);
    }
    this.scheduleLoopEnd(o);
  }

  /** The agent leg hangs up (recv_bye, uuid_kill…) after it answered. */
  private agentLegDown(o: Offer): void {
    if (o.bridged) return this.bridgeLegDown(o, 'agent');
    // answered, not bridged yet (the 20 ms before the thread acts): the thread finds it down
  }

  /** The bridge wait loop notices at its next 100 ms poll. */
  private scheduleLoopEnd(o: Offer): void {
    if (o.loopStartMs === undefined) return; // not bridged yet: bridged() schedules it
    const elapsed = this.clock.nowMs() - o.loopStartMs;
    const next = Math.max(1, Math.ceil(elapsed / 100) * 100 - elapsed);
    this.after(next, () => this.bridgeEnd(o));
  }

  /** callcenter_break agent <uuid>: the agent thread stops watching this bridge. */
  breakAgent(uuid: string): boolean {
    const rt = this.host.channels.get(uuid);
    if (!rt) return false;
    const o = [...this.offers.values()].find((x) => x.leg === rt && x.bridged && !x.loopEnd);
    if (o) {
      o.loopEnd = true;
      rt.onHangup = undefined;
      this.scheduleLoopEnd(o);
    } else this.breakFlags.add(uuid);
    return true;
  }

  /** After the bridge (or a failed bridge): bridge-agent-end, the agent's times, member-queue-end Terminated. */
  private bridgeEnd(o: Offer): void {
    if (o.ended) return;
    const leg = o.leg!;
    const now = this.now();
    this.fire(
      'outbound_agent_thread_run',
      2062,
      [
        ['CC-Queue', o.queue],
        ['CC-Action', 'bridge-agent-end'],
        ['CC-Hangup-Cause', o.cause],
        ['CC-Agent', o.agentName],
        ['CC-Agent-System', o.agentSystem],
        ['CC-Agent-UUID', leg.ch.uuid],
        ['CC-Agent-Bridged', o.bridged ? 'true' : 'false'],
        ['CC-Agent-Called-Time', o.tCalled],
        ['CC-Agent-Answered-Time', o.tAnswered],
        ['CC-Member-Joined-Time', o.memberJoinedEpoch],
        ['CC-Bridge-Terminated-Time', now],
        ['CC-Member-UUID', o.memberUuid],
        ['CC-Member-Session-UUID', o.sessionUuid],
        ['CC-Member-CID-Name', o.memberCidName],
        ['CC-Member-CID-Number', o.memberCidNumber],
      ],
      leg.ch,
    );
    if (o.bridged) {
      const member = o.memberCh;
      member?.vars.set('cc_queue_terminated_epoch', String(now));
      const a = this.agents.get(o.agentName);
      if (a && a.instanceId === o.agentSystem) {
        if (!ci(o.agentType, 'uuid-standby')) a.uuid = '';
        a.lastBridgeEnd = now;
        a.talkTime += now - a.lastBridgeStart;
      }
      this.members = this.members.filter((m) => !(m.uuid === o.memberUuid && m.instanceId === SYSTEM));
      this.fire(
        'outbound_agent_thread_run',
        2098,
        [
          ['CC-Queue', o.queue],
          ['CC-Action', 'member-queue-end'],
          ['CC-Hangup-Cause', o.cause],
          ['CC-Cause', 'Terminated'],
          ['CC-Agent', o.agentName],
          ['CC-Agent-System', o.agentSystem],
          ['CC-Agent-UUID', leg.ch.uuid],
          ['CC-Agent-Called-Time', o.tCalled],
          ['CC-Agent-Answered-Time', o.tAnswered],
          ['CC-Member-Leaving-Time', now],
          ['CC-Member-Joined-Time', o.memberJoinedEpoch],
          ['CC-Member-UUID', o.memberUuid],
          ['CC-Member-Session-UUID', o.sessionUuid],
          ['CC-Member-CID-Name', o.memberCidName],
          ['CC-Member-CID-Number', o.memberCidNumber],
        ],
        member,
      );
      const rec = this.log.bySession(o.sessionUuid);
      if (rec && rec.endedAt === undefined) rec.endedAt = Date.now();
      if (o.record.endedAt === undefined) o.record.endedAt = Date.now();
      if (rec) this.log.changed(rec);
      this.log.changed(o.record);
    }
    this.done(o, 'Ready');
  }

  /** The originate failed: the member waits again, delays and no-answer counting, bridge-agent-fail. */
  private agentFailed(o: Offer, cause: string): void {
    if (o.ended || this.closed) return;
    o.cause = cause;
    this.clearConnecting(o, false);
    for (const m of this.members) {
      if (m.servingAgent === o.agentName && m.servingSystem === o.agentSystem && m.uuid === o.memberUuid)
        Object.assign(m, { state: m.state === 'Trying' ? 'Waiting' : m.state, servingAgent: '', servingSystem: '' });
    }
    let delay = 0;
    let tierState = 'Ready';
    switch (cause) {
      case 'LOSE_RACE':
      case 'ORIGINATOR_CANCEL':
        break;
      case 'NORMAL_CIRCUIT_CONGESTION':
      case 'USER_BUSY':
        delay = Math.max(delay, o.busyDelayTime);
        break;
      case 'CALL_REJECTED':
        delay = Math.max(delay, o.rejectDelayTime);
        break;
      case 'USER_NOT_REGISTERED':
        delay = 5;
        break;
      default: {
        delay = Math.max(delay, o.noAnswerDelayTime);
        tierState = 'No Answer';
        const a = this.agents.get(o.agentName);
        if (a && a.instanceId === o.agentSystem) a.noAnswerCount++;
        if (o.maxNoAnswer > 0 && o.noAnswerCount + 1 >= o.maxNoAnswer) {
          this.fire('outbound_agent_thread_run', 2176, [
            ['CC-Agent', o.agentName],
            ['CC-Action', 'agent-max-no-answer'],
            ['CC-Agent-No-Answer-Count', o.maxNoAnswer],
            ['CC-Agent-No-Answer-Status', o.agentNoAnswerStatus],
            ['CC-Member-UUID', o.memberUuid],
            ['CC-Member-Session-UUID', o.sessionUuid],
          ]);
          this.agentUpdate('status', o.agentNoAnswerStatus, o.agentName);
        }
      }
    }
    if (delay > 0) this.agentUpdate('ready_time', String(this.now() + delay), o.agentName);
    this.fire('outbound_agent_thread_run', 2200, [
      ['CC-Queue', o.queue],
      ['CC-Action', 'bridge-agent-fail'],
      ['CC-Hangup-Cause', cause],
      ['CC-Agent', o.agentName],
      ['CC-Agent-System', o.agentSystem],
      ['CC-Agent-Called-Time', o.tCalled],
      ['CC-Agent-Aborted-Time', this.now()],
      ['CC-Member-UUID', o.memberUuid],
      ['CC-Member-Session-UUID', o.sessionUuid],
      ['CC-Member-CID-Name', o.memberCidName],
      ['CC-Member-CID-Number', o.memberCidNumber],
      ['CC-Member-Joined-Time', o.memberJoinedEpoch],
    ]);
    Object.assign(o.record, { result: 'failed', cause });
    this.log.changed(o.record);
    this.done(o, tierState);
    this.checkTimeoutPending(o);
  }

  /** The thread's `done:` tiers back to Ready (or No Answer), the agent Waiting (Idle after an On Demand call). */
  private done(o: Offer, tierState: string): void {
    if (o.ended) return;
    o.ended = true;
    this.offers.delete(o.id);
    for (const t of this.tiers) {
      if (t.agent !== o.agentName) continue;
      if (t.queue === o.queue && (t.state === 'Active Inbound' || t.state === 'Standby' || t.state === 'Offering')) t.state = tierState;
      else if (t.queue !== o.queue && t.state === 'Standby') t.state = 'Ready';
    }
    if (ci(o.agentStatus, 'Available (On Demand)') && o.bridged) this.agentUpdate('state', 'Idle', o.agentName);
    else this.agentUpdate('state', 'Waiting', o.agentName);
    if (o.leg) this.breakFlags.delete(o.leg.ch.uuid);
  }

  /** The originate returned: CC_APP_AGENT_CONNECTING cleared (and a pending max-wait-time decided). */
  private clearConnecting(o: Offer, check = true): void {
    const s = this.sessions.get(o.memberUuid);
    if (!s) return;
    s.connecting = false;
    if (check) this.checkTimeoutPending(o);
  }

  private checkTimeoutPending(o: Offer): void {
    const s = this.sessions.get(o.memberUuid);
    if (!s || !s.timeoutPending || s.connecting || s.appDone) return;
    s.timeoutPending = false;
    if (s.rt.ch.vars.has('bridge_uuid') || s.rt.ch.vars.get('cc_agent_found') === 'true') return;
    s.cancelReason = 'TIMEOUT';
    this.appEnd(s);
  }

  // ---------------------------------------------------------------------------------- control

  state(): CallCenterState {
    const now = this.now();
    return {
      queues: this.queues.values(),
      agents: [...this.agents.values()],
      tiers: this.tiers,
      members: this.members.map((m) => ({ ...m, score: now - m.joinedEpoch + m.baseScore + m.skillScore })),
      clockEpoch: now,
      xmlCurlUrl: this.xmlCurlUrl,
    };
  }

  control(setRules: (mutate: (cc: NonNullable<Rules['callcenter']>) => void) => void): CallCenterControl {
    return {
      state: () => this.state(),
      api: (command, args) => this.api.execute(command, args ?? ''),
      setEndpointRule: (key, rule) => setRules((cc) => void (cc.endpoints = { ...cc.endpoints, [key]: rule })),
      clearEndpointRule: (key) =>
        setRules((cc) => {
          const e = { ...cc.endpoints };
          delete e[key];
          cc.endpoints = e;
        }),
      setStaticQueue: (name, params) => {
        setRules((cc) => {
          const q = { ...cc.queues };
          if (params) q[name] = params;
          else delete q[name];
          cc.queues = q;
        });
        this.reloadXml();
      },
      setXmlCurlUrl: (url) => {
        this.xmlCurlUrl = url;
      },
      xmlCurlRequests: () => this.config.requests.slice(),
      patchAgent: (name, fields) => {
        const a = this.agents.get(name);
        if (!a) return false;
        Object.assign(a, fields);
        return true;
      },
      patchQueue: (name, fields) => {
        const q = this.queues.get(name);
        if (!q) return false;
        Object.assign(q, fields);
        return true;
      },
      setClock: (ms) => this.clock.set(ms),
      epoch: () => this.now(),
    };
  }
}

/** switch_channel_expand_variables for ${name} (unknown: empty). */
function expandVars(s: string, vars: Map<string, string>): string {
  return s.replace(/\$\{([^}]+)\}/g, (_m, name: string) => vars.get(name) ?? '');
}
