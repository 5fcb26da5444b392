// mod_callcenter's agent legs and bridges, on the simulator's channels.
//  - CcClock: the callcenter clock. mod_callcenter counts in whole epoch seconds (joined, ready,
//    wrap-up, max-wait…); at timeScale s it runs 1/s times faster than the wall clock (starting at
//    the wall clock), so second-based waits shrink like the originate timeouts do. Scale 1 = wall.
//  - placeAgentLeg: switch_ivr_originate of an agent's contact as mod_callcenter does it: one leg
//    (`[leg_timeout=N]sofia/<profile>/<user>@<host>`, `user/<ext>@<domain>`,
//    `sofia/gateway/<gw>/<num>`, `error/<cause>`), the phone driven by its endpoint rule (ring,
//    answer after ringMs, hang up after talkMs, refuse…). leg_timeout ends the ringing with
//    ALLOTTED_TIMEOUT when the whole seconds since the start exceed it (captures 32/38: 4.76–4.96 s
//    for leg_timeout=4); the originate limit (agent-originate-timeout, or {originate_timeout})
//    with NO_ANSWER when they reach it (switch_ivr_originate.c). call_timeout is not an originate
//    variable and is ignored (45).
//  - EndpointBook: which endpoint rule a contact gets.
//  - Bridges: uuid_bridge of member and agent legs: CHANNEL_BRIDGE / CHANNEL_UNBRIDGE on the
//    member leg (Bridge-A/B-Unique-ID before the channel data), and from the transfer on both
//    legs' channel data carry Caller-Profile-Index 2, Caller-Transfer-Source, the bridged time and
//    the Other-Type / Other-Leg-* block; their CDR variables get bridge_epoch/bridge_uepoch and
//    waitsec/waitmsec/waitusec = bridge − creation (capture 31-35).
import { randomUUID } from 'node:crypto';
import { fsCauseOfSip, fsSipStatus, isFsCause } from '../domain/fs-causes.ts';
import { Channel, clockMs, nowUs } from './channel.ts';
import type { CallLogEntry, CallLogLeg } from './calllog.ts';
import { parseDialString, parseTarget } from './dialstring.ts';
import type { EventBus } from './events.ts';
import type { ChannelLifecycle, ChannelRuntime, LegResult } from './lifecycle.ts';
import type { SessionLimits } from './limits.ts';
import type { AgentEndpointRule, CalleeRule, GatewayConfig, Rules } from './rules.ts';

// ------------------------------------------------------------------------------------ clock

/** On the channels' clock (channel.ts clockMs), so a member's joined time minus its channel's
 *  start is never negative. */
export class CcClock {
  private origin = clockMs();
  private offsetMs = 0;
  private readonly scale: number;

  constructor(timeScale: number) {
    this.scale = Math.max(timeScale, 1e-4);
  }

  /** Callcenter time, ms since the epoch. */
  nowMs(): number {
    return this.origin + this.offsetMs + (clockMs() - this.origin) / this.scale;
  }

  /** local_epoch_time_now: whole seconds. */
  epoch(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  /** A channel-clock instant (ms; channel.ts nowUs / 1000) on the callcenter clock. */
  fromWall(wallMs: number): number {
    return this.origin + this.offsetMs + (wallMs - this.origin) / this.scale;
  }

  /** Wall ms until callcenter time `ms` (at least 0). */
  delayUntil(ms: number): number {
    return Math.max(0, Math.ceil((ms - this.nowMs()) * this.scale));
  }

  /** Wall ms of a callcenter duration. */
  wall(ms: number): number {
    return Math.max(0, Math.round(ms * this.scale));
  }

  /** Tests: make the callcenter clock read `ms` now (e.g. to replay a capture's epoch values). */
  set(ms: number): void {
    this.offsetMs += ms - this.nowMs();
  }
}

// ------------------------------------------------------------------------------------ endpoints

export type ResolvedEndpoint = AgentEndpointRule & { source: string };

/** Endpoint rules by the contact's target, its user part, or a `prefix*` of either (longest wins). */
export class EndpointBook {
  private attempts = new Map<string, number>();

  constructor(private readonly rules: () => Rules) {}

  resolve(target: string, user: string): ResolvedEndpoint {
    const cc = this.rules().callcenter;
    const table = cc?.endpoints ?? {};
    const pick = (key: string): ResolvedEndpoint => {
      const r = table[key]!;
      const n = this.attempts.get(key) ?? 0;
      this.attempts.set(key, n + 1);
      const rule = Array.isArray(r) ? r[Math.min(n, r.length - 1)]! : r;
      return { ...rule, source: `endpoint:${key}` };
    };
    if (table[target]) return pick(target);
    if (user && table[user]) return pick(user);
    let best: string | undefined;
    for (const key of Object.keys(table)) {
      if (!key.endsWith('*')) continue;
      const p = key.slice(0, -1);
      if ((target.startsWith(p) || (user && user.startsWith(p))) && (!best || p.length > best.length - 1)) best = key;
    }
    if (best) return pick(best);
    return { ...(cc?.defaultEndpoint ?? { action: 'answer', ringMs: 20, talkMs: null }), source: 'default' };
  }
}

// ------------------------------------------------------------------------------------ agent legs

/** What placing agent legs needs from the simulator. */
export interface LegsHost {
  readonly channels: Map<string, ChannelRuntime>;
  readonly events: EventBus;
  readonly life: ChannelLifecycle;
  readonly limits: SessionLimits;
  readonly rules: Rules;
  gatewayConfig(name: string): GatewayConfig | undefined;
}

export interface AgentLegRequest {
  /** The contact with ${…} expanded. */
  dial: string;
  /** Variables mod_callcenter passes (ovars: the REQUEST_PARAMS headers, cc_*, loopback_*, ignore_early_media…). */
  ovars: Array<[string, string]>;
  cidName: string;
  cidNumber: string;
  /** agent-originate-timeout, s. */
  timeoutSec: number;
  clock: CcClock;
  endpoints: EndpointBook;
  /** The leg answered (CHANNEL_ANSWER just fired). */
  onAnswer(rt: ChannelRuntime): void;
  /** The originate failed: a leg that failed (its HANGUP_COMPLETE fired) or refused before a channel. */
  onFail(cause: string, rt?: ChannelRuntime): void;
}

export interface AgentLeg {
  rt?: ChannelRuntime;
  target: string;
  rule?: string;
}

/** A detached call-log entry for a leg mod_callcenter placed (not in the product's originate list). */
function detachedEntry(dial: string): { entry: CallLogEntry; leg: CallLogLeg } {
  const leg: CallLogLeg = { target: dial, number: '', variables: {}, channel: false };
  const entry: CallLogEntry = {
    id: 0,
    at: Date.now(),
    via: 'callcenter',
    command: dial,
    dialString: dial,
    app: '',
    variables: {},
    legs: [leg],
    outcome: 'pending',
  };
  return { entry, leg };
}

export function placeAgentLeg(host: LegsHost, req: AgentLegRequest): AgentLeg {
  const refuse = (cause: string, target = req.dial): AgentLeg => {
    queueMicrotask(() => req.onFail(cause));
    return { target };
  };
  let parsed: ReturnType<typeof parseDialString>;
  try {
    parsed = parseDialString(req.dial);
  } catch {
    return refuse('DESTINATION_OUT_OF_ORDER');
  }
  // mod_callcenter contacts are one leg; a list (`,` / `|`) rings its first leg only here.
  const leg = parsed.groups[0]?.[0];
  if (!leg) return refuse('DESTINATION_OUT_OF_ORDER');
  const vars = new Map<string, string>([...req.ovars, ...parsed.globalVars, ...leg.vars]);
  const ep = parseTarget(leg.target);
  const user = 'number' in ep ? ep.number : '';
  let profile = 'internal';
  let hostPart = '127.0.0.1';
  let gateway: string | undefined;
  switch (ep.kind) {
    case 'error':
      return refuse(isFsCause(ep.cause) ? ep.cause : 'DESTINATION_OUT_OF_ORDER', leg.target);
    case 'unknown':
    case 'loopback':
      return refuse('CHAN_NOT_IMPLEMENTED', leg.target);
    case 'gateway': {
      const gw = host.gatewayConfig(ep.gateway);
      if (!gw) return refuse('INVALID_GATEWAY', leg.target);
      if (gw.status === 'DOWN') return refuse('GATEWAY_DOWN', leg.target);
      profile = gw.profile;
      hostPart = gw.proxy ?? ep.gateway;
      gateway = ep.gateway;
      break;
    }
    case 'profile':
      if (!host.rules.profiles.includes(ep.profile)) return refuse('INVALID_PROFILE', leg.target);
      profile = ep.profile;
      hostPart = ep.host || '127.0.0.1';
      break;
    case 'user':
      // user/<ext>@<domain>: the directory's dial-string, a registered sofia contact
      hostPart = /@([^/]+)$/.exec(leg.target)?.[1] ?? '127.0.0.1';
      break;
  }
  const rule = req.endpoints.resolve(leg.target, user);
  if (rule.action === 'unregistered') return { ...refuse('USER_NOT_REGISTERED', leg.target), rule: rule.source };
  if (rule.action === 'gateway_down') return { ...refuse('GATEWAY_DOWN', leg.target), rule: rule.source };
  const uuid = vars.get('origination_uuid') ?? randomUUID();
  if (host.channels.has(uuid) || !host.limits.takeSessionSlot() || (gateway && !host.limits.takeGatewaySlot(gateway))) {
    return { ...refuse('DESTINATION_OUT_OF_ORDER', leg.target), rule: rule.source };
  }

  const { entry, leg: logLeg } = detachedEntry(req.dial);
  logLeg.number = user;
  logLeg.variables = Object.fromEntries(vars);
  logLeg.rule = rule.source;
  logLeg.action = rule.action;
  logLeg.gateway = gateway;
  logLeg.profile = profile;
  const calleeRule: CalleeRule & { source: string } = { ...rule, action: rule.action as CalleeRule['action'] };
  const ch = new Channel({
    uuid,
    sessionId: host.limits.nextSession(),
    number: user,
    profile,
    host: hostPart,
    gateway,
    channelName: `sofia/${profile}/${user}@${hostPart}`,
    dialVars: [...vars.entries()],
    rule: calleeRule,
    ignoreEarlyMedia: vars.get('ignore_early_media') === 'true',
    log: logLeg,
  });
  const rt: ChannelRuntime = { ch, entry, apps: [], parked: false, afterApps: 'park' };
  host.channels.set(uuid, rt);
  host.limits.countPeak();
  logLeg.uuid = uuid;
  logLeg.channel = true;
  logLeg.createdAt = Date.now();
  rt.onResult = (r: LegResult) => {
    if (r.ok) req.onAnswer(rt);
    else req.onFail(r.cause, rt);
  };
  host.events.fireChannel(ch, 'CHANNEL_CREATE');
  host.events.fireChannel(ch, 'CHANNEL_OUTGOING');
  host.life.setState(rt, 'CS_CONSUME_MEDIA', 7);

  // Ring limits in whole callcenter seconds from the start of the originate.
  const startSec = req.clock.epoch();
  const legTimeout = Number.parseInt(vars.get('leg_timeout') ?? '', 10);
  if (Number.isFinite(legTimeout) && legTimeout > 0) {
    ch.after(req.clock.delayUntil((startSec + legTimeout + 1) * 1000), () => {
      if (ch.pending) host.life.failLeg(rt, 'ALLOTTED_TIMEOUT', 'send_cancel', undefined);
    });
  }
  const origTimeout = Number.parseInt(parsed.globalVars.find(([k]) => k === 'originate_timeout')?.[1] ?? '', 10);
  const limit = Number.isFinite(origTimeout) && origTimeout > 0 ? origTimeout : req.timeoutSec;
  ch.after(req.clock.delayUntil((startSec + limit) * 1000), () => {
    if (ch.pending) host.life.failLeg(rt, 'NO_ANSWER', 'send_cancel', undefined);
  });
  scheduleEndpoint(host, rt);
  return { rt, target: leg.target, rule: rule.source };
}

/** The phone's behaviour (as originate.ts drives a callee): 180 at progressMs, answer or refuse at ringMs. */
function scheduleEndpoint(host: LegsHost, rt: ChannelRuntime): void {
  const { ch } = rt;
  const r = ch.rule;
  const failing = ['busy', 'unallocated', 'rejected', 'congestion', 'fail'].includes(r.action);
  const progressAt = r.progressMs ?? (failing ? undefined : 0);
  const ringMs = r.ringMs ?? (failing ? 0 : 20);
  if (progressAt !== undefined && (r.action === 'noanswer' || progressAt <= ringMs)) {
    ch.after(progressAt, () => {
      if (!ch.pending) return;
      host.life.progress(rt);
      if (r.earlyMedia) host.life.progressMedia(rt);
    });
  }
  if (r.action === 'noanswer') return;
  ch.after(ringMs, () => {
    if (!ch.pending) return;
    if (r.action === 'answer' || r.action === 'machine') return host.life.answer(rt);
    const cause =
      r.cause ??
      { busy: 'USER_BUSY', unallocated: 'UNALLOCATED_NUMBER', rejected: 'CALL_REJECTED', congestion: 'NORMAL_CIRCUIT_CONGESTION' }[
        r.action as string
      ] ??
      'NORMAL_TEMPORARY_FAILURE';
    const sip = r.sipStatus ?? fsSipStatus(cause);
    host.life.failLeg(rt, r.sipStatus && !r.cause ? (fsCauseOfSip(r.sipStatus) ?? cause) : cause, 'recv_refuse', sip);
  });
}

// ------------------------------------------------------------------------------------ bridges

interface BridgeState {
  other: Channel;
  /** a = the member (uuid_bridge's first leg, the originator of the bridge), b = the agent. */
  side: 'a' | 'b';
  transferUs: number;
  transferSource: string;
  bridgedUs?: number;
  /** The agent leg's call uuid is the member's while bridged (its HANGUP_COMPLETE shows it, 31/32). */
  sharedCallUuid?: boolean;
}

const bridges = new WeakMap<Channel, BridgeState>();
const decorated = new WeakSet<Channel>();

/** The channel's data and CDR variables follow its bridge from now on (instance-level wrappers). */
function decorate(ch: Channel): void {
  if (decorated.has(ch)) return;
  decorated.add(ch);
  const baseHeaders = ch.headers.bind(ch);
  ch.headers = (opts?: { hangupCause?: boolean }) => {
    const h = baseHeaders(opts);
    const b = bridges.get(ch);
    return b ? bridgedHeaders(h, ch, b) : h;
  };
  const baseReporting = ch.setReportingVars.bind(ch);
  ch.setReportingVars = () => {
    baseReporting();
    const b = bridges.get(ch);
    if (!b?.bridgedUs) return;
    const v = ch.vars;
    const s = (us: number) => Math.floor(us / 1e6);
    v.set('bridge_epoch', String(s(b.bridgedUs)));
    v.set('bridge_uepoch', String(b.bridgedUs));
    v.set('waitsec', String(s(b.bridgedUs) - s(ch.createdUs)));
    v.set('waitmsec', String(Math.floor((b.bridgedUs - ch.createdUs) / 1000)));
    v.set('waitusec', String(b.bridgedUs - ch.createdUs));
  };
}

function bridgedHeaders(h: Array<[string, string]>, ch: Channel, b: BridgeState): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [k, v] of h) {
    let val = v;
    if (k === 'Caller-Profile-Index') val = '2';
    else if (k === 'Caller-Profile-Created-Time') val = String(b.transferUs);
    else if (k === 'Caller-Channel-Bridged-Time' && b.bridgedUs) val = String(b.bridgedUs);
    else if (b.side === 'a' && k === 'Caller-Logical-Direction') val = 'inbound';
    else if (b.side === 'a' && k === 'Caller-Callee-ID-Number') val = b.other.number;
    else if (k === 'Channel-Call-UUID' && b.sharedCallUuid) val = b.other.uuid;
    out.push([k, val]);
    if (k === 'Caller-Source') out.push(['Caller-Transfer-Source', b.transferSource]);
    if (k === 'Caller-Privacy-Hide-Number' && b.bridgedUs) out.push(...otherLeg(b));
  }
  return out;
}

/** Other-Type and the other leg's caller profile (as captured on both legs of a callcenter bridge). */
function otherLeg(b: BridgeState): Array<[string, string]> {
  const o = b.other;
  const agentSide = b.side === 'a'; // the other leg is the agent's
  const t = (us: number) => String(agentSide ? us : 0);
  return [
    ['Other-Type', agentSide ? 'originatee' : 'originator'],
    ['Other-Leg-Direction', 'outbound'],
    ['Other-Leg-Logical-Direction', 'inbound'],
    ['Other-Leg-Caller-ID-Name', agentSide ? o.cidName || 'Outbound Call' : 'Outbound Call'],
    ['Other-Leg-Caller-ID-Number', agentSide ? o.cidNumber : o.number],
    ['Other-Leg-Orig-Caller-ID-Name', agentSide ? o.cidName || 'Outbound Call' : o.cidName],
    ['Other-Leg-Orig-Caller-ID-Number', o.cidNumber],
    ['Other-Leg-Callee-ID-Name', agentSide ? 'Outbound Call' : o.cidName],
    ['Other-Leg-Callee-ID-Number', agentSide ? o.number : o.cidNumber],
    ['Other-Leg-Network-Addr', '127.0.0.1'],
    ['Other-Leg-ANI', o.cidNumber],
    ['Other-Leg-Destination-Number', o.number],
    ['Other-Leg-Unique-ID', o.uuid],
    ['Other-Leg-Source', 'src/switch_ivr_originate.c'],
    ['Other-Leg-Context', 'default'],
    ['Other-Leg-Channel-Name', o.channelName],
    ['Other-Leg-Profile-Created-Time', t(b.transferUs)],
    ['Other-Leg-Channel-Created-Time', t(o.createdUs)],
    ['Other-Leg-Channel-Answered-Time', t(o.answeredUs)],
    ['Other-Leg-Channel-Progress-Time', t(o.progressUs)],
    ['Other-Leg-Channel-Progress-Media-Time', t(o.progressMediaUs)],
    ['Other-Leg-Channel-Hangup-Time', '0'],
    ['Other-Leg-Channel-Transfer-Time', '0'],
    ['Other-Leg-Channel-Resurrect-Time', '0'],
    ['Other-Leg-Channel-Bridged-Time', '0'],
    ['Other-Leg-Channel-Last-Hold', '0'],
    ['Other-Leg-Channel-Hold-Accum', '0'],
    ['Other-Leg-Screen-Bit', 'true'],
    ['Other-Leg-Privacy-Hide-Name', 'false'],
    ['Other-Leg-Privacy-Hide-Number', 'false'],
  ];
}

/** uuid_bridge member agent: both legs get a new caller profile (transfer) now. */
export function transferToBridge(member: Channel, agent: Channel): void {
  const us = nowUs();
  const sec = Math.floor(us / 1e6);
  decorate(member);
  decorate(agent);
  bridges.set(member, { other: agent, side: 'a', transferUs: us, transferSource: `${sec}:${randomUUID()}:uuid_br:${agent.uuid}` });
  bridges.set(agent, { other: member, side: 'b', transferUs: us, transferSource: `${sec}:${randomUUID()}:uuid_br:${member.uuid}` });
}

const BRIDGE_AT: [string, string, number] = ['switch_ivr_bridge.c', 'switch_ivr_multi_threaded_bridge', 1689];
const UNBRIDGE_AT: [string, string, number] = ['switch_ivr_bridge.c', 'switch_ivr_multi_threaded_bridge', 1879];

/** The bridge is up: variables on both legs, CHANNEL_BRIDGE on the member leg. */
export function bridgeUp(events: EventBus, member: Channel, agent: Channel): void {
  const us = nowUs();
  for (const [ch, other] of [
    [member, agent],
    [agent, member],
  ] as const) {
    const b = bridges.get(ch);
    if (b) b.bridgedUs = us;
    if (b?.side === 'b') {
      b.sharedCallUuid = true;
      ch.vars.set('call_uuid', other.uuid);
    }
    ch.vars.set('bridge_channel', other.channelName);
    ch.vars.set('bridge_uuid', other.uuid);
    ch.vars.set('signal_bond', other.uuid);
  }
  events.fireBuilt('CHANNEL_BRIDGE', { calling: BRIDGE_AT }, () => [
    ['Bridge-A-Unique-ID', member.uuid],
    ['Bridge-B-Unique-ID', agent.uuid],
    ...member.headers(),
  ]);
}

/** The bridge ended (one leg hung up): CHANNEL_UNBRIDGE on the member leg. */
export function bridgeDown(events: EventBus, member: Channel, agent: Channel, cause: string): void {
  member.vars.set('last_bridge_to', agent.uuid);
  member.vars.set('last_bridge_role', 'originator');
  member.vars.set('bridge_hangup_cause', cause);
  agent.vars.set('last_bridge_to', member.uuid);
  agent.vars.set('bridge_hangup_cause', cause);
  events.fireBuilt('CHANNEL_UNBRIDGE', { calling: UNBRIDGE_AT }, () => [
    ['Bridge-A-Unique-ID', member.uuid],
    ['Bridge-B-Unique-ID', agent.uuid],
    ...member.headers(),
  ]);
  // the agent leg has its own call uuid again (variable_call_uuid re-set: last in bridge-agent-end's data, 31)
  const b = bridges.get(agent);
  if (b?.sharedCallUuid) {
    b.sharedCallUuid = false;
    agent.vars.delete('call_uuid');
    agent.vars.set('call_uuid', agent.uuid);
  }
}
