// `originate`: the dial string's groups one after another (`|`), the legs of a group at once (`,`,
// the first answer wins, the others LOSE_RACE), each leg routed (gateway, profile, user, loopback)
// and either refused before any channel exists (endpoint, gateway, profile, limits, duplicate uuid)
// or created and driven by the callee's rule (ring, early media, answer, refuse), with
// originate_timeout / leg_timeout. The result goes out before the application starts (apps.ts).
import { randomUUID } from 'node:crypto';
import { fsCauseOfSip, fsSipStatus, isFsCause } from '../domain/fs-causes.ts';
import type { Apps } from './apps.ts';
import type { CallLog, CallLogEntry, CallLogLeg } from './calllog.ts';
import { Channel } from './channel.ts';
import type { ApiCtx } from './commands.ts';
import { parseOriginate, parseTarget, type Endpoint, type Leg, type OriginateArgs } from './dialstring.ts';
import type { EventBus, SimStats } from './events.ts';
import type { ChannelLifecycle, ChannelRuntime, LegResult } from './lifecycle.ts';
import type { SessionLimits } from './limits.ts';
import type { CalleeRule, GatewayConfig, RuleBook, Rules } from './rules.ts';

/** What originate needs from the simulator. */
export interface OriginateHost {
  readonly callLog: CallLog;
  readonly channels: Map<string, ChannelRuntime>;
  readonly rules: Rules;
  readonly ruleBook: RuleBook;
  readonly stats: SimStats;
  readonly timeScale: number;
  readonly events: EventBus;
  readonly life: ChannelLifecycle;
  readonly apps: Apps;
  readonly limits: SessionLimits;
  gatewayConfig(name: string): GatewayConfig | undefined;
}

/** Where a leg goes: the sofia profile and host of its channel name, and its gateway if any. */
type Route = { profile: string; host: string; gateway?: string };

interface NewLeg {
  uuid: string;
  number: string;
  route: Route;
  vars: Map<string, string>;
  rule: CalleeRule & { source: string };
  log: CallLogLeg;
}

export class Originator {
  constructor(private readonly host: OriginateHost) {}

  async originate(arg: string, ctx: ApiCtx): Promise<string> {
    let parsed: OriginateArgs;
    try {
      parsed = parseOriginate(arg);
    } catch {
      return '-USAGE: <call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]\n';
    }
    this.host.stats.originates++;
    const gvars = Object.fromEntries(parsed.globalVars);
    const entry = this.host.callLog.add({
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
          this.host.stats.refused += entry.legs.every((l) => l.refused) ? 1 : 0;
        }
        ctx.deliver?.(entry.result);
        this.host.callLog.complete(entry);
        resolve(entry.result);
        // The job's result goes out before the application starts (ANSWER, BACKGROUND_JOB, EXECUTE).
        if (res.ok) setImmediate(() => this.host.apps.start(res.rt, parsed));
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
    const life = this.host.life;
    const results: Array<LegResult | undefined> = new Array(group.length).fill(undefined);
    const runtimes: Array<ChannelRuntime | undefined> = [];
    let settled = false;
    const check = () => {
      if (settled) return;
      const win = results.find((r) => r?.ok);
      if (win && win.ok) {
        settled = true;
        for (const rt of runtimes) if (rt && rt !== win.rt && rt.ch.pending) life.failLeg(rt, 'LOSE_RACE', 'send_cancel', undefined);
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
      const sec =
        Number.isFinite(legTimeout) && legTimeout > 0 ? legTimeout : Number.isFinite(origTimeout) && origTimeout > 0 ? origTimeout : 60;
      rt.ch.after(Math.max(0, Math.round(sec * 1000 * this.host.timeScale)), () => {
        if (rt.ch.pending) life.failLeg(rt, 'NO_ANSWER', 'send_cancel', undefined);
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
    const route = this.route(ep);
    if ('refused' in route) return refuse(route.refused);
    logLeg.profile = route.profile;
    const rule = this.host.ruleBook.resolve(number);
    logLeg.rule = rule.source;
    logLeg.action = rule.action;
    if (rule.action === 'gateway_down') return refuse('GATEWAY_DOWN');
    const uuid = vars.get('origination_uuid') ?? randomUUID();
    // switch_core_session_request_uuid: duplicate uuid, sessions-per-second, max-sessions -> NULL,
    // and sofia_outgoing_channel's default cause is DESTINATION_OUT_OF_ORDER. No channel, no events.
    if (this.host.channels.has(uuid)) return refuse('DESTINATION_OUT_OF_ORDER');
    if (!this.host.limits.takeSessionSlot()) return refuse('DESTINATION_OUT_OF_ORDER');
    if (route.gateway && !this.host.limits.takeGatewaySlot(route.gateway)) return refuse('DESTINATION_OUT_OF_ORDER');

    const rt = this.openChannel({ uuid, number, route, vars, rule, log: logLeg }, entry, onResult);
    this.scheduleCallee(rt);
    return rt;
  }

  /** The leg's route, or the cause it is refused with (unknown endpoint, gateway or profile). */
  private route(ep: Endpoint): Route | { refused: string } {
    switch (ep.kind) {
      case 'error':
        return { refused: isFsCause(ep.cause) ? ep.cause : 'DESTINATION_OUT_OF_ORDER' };
      case 'unknown':
        return { refused: 'CHAN_NOT_IMPLEMENTED' };
      case 'gateway': {
        const gw = this.host.gatewayConfig(ep.gateway);
        if (!gw) return { refused: 'INVALID_GATEWAY' };
        if (gw.status === 'DOWN') return { refused: 'GATEWAY_DOWN' };
        return { profile: gw.profile, host: gw.proxy ?? ep.gateway, gateway: ep.gateway };
      }
      case 'profile':
        if (!this.host.rules.profiles.includes(ep.profile)) return { refused: 'INVALID_PROFILE' };
        return { profile: ep.profile, host: ep.host || '127.0.0.1' };
      default:
        return { profile: 'external', host: '127.0.0.1' };
    }
  }

  /** The session exists: its channel, CHANNEL_CREATE, CHANNEL_OUTGOING, CS_CONSUME_MEDIA. */
  private openChannel(leg: NewLeg, entry: CallLogEntry, onResult: (r: LegResult) => void): ChannelRuntime {
    const { uuid, number, route, vars, log } = leg;
    const sessionId = this.host.limits.nextSession();
    const ch = new Channel({
      uuid,
      sessionId,
      number,
      profile: route.profile,
      host: route.host,
      gateway: route.gateway,
      channelName: `sofia/${route.profile}/${number}@${route.host}`,
      dialVars: [...vars.entries()],
      rule: leg.rule,
      ignoreEarlyMedia: vars.get('ignore_early_media') === 'true',
      log,
    });
    const rt: ChannelRuntime = { ch, entry, apps: [], parked: false, afterApps: 'hangup' };
    this.host.channels.set(uuid, rt);
    this.host.limits.countPeak();
    log.uuid = uuid;
    log.channel = true;
    log.createdAt = Date.now();
    rt.onResult = onResult;

    this.host.events.fireChannel(ch, 'CHANNEL_CREATE');
    this.host.events.fireChannel(ch, 'CHANNEL_OUTGOING');
    this.host.life.setState(rt, 'CS_CONSUME_MEDIA', 7);
    return rt;
  }

  /** What the callee's rule does: ring (and early media) at progressMs, answer or refuse at ringMs. */
  private scheduleCallee(rt: ChannelRuntime): void {
    const { ch } = rt;
    const life = this.host.life;
    const r = ch.rule;
    const failing = ['busy', 'unallocated', 'rejected', 'congestion', 'fail'].includes(r.action);
    const progressAt = r.progressMs ?? (failing ? undefined : 0);
    const ringMs = r.ringMs ?? (failing ? 0 : 20);
    if (progressAt !== undefined && (r.action === 'noanswer' || progressAt <= ringMs)) {
      ch.after(progressAt, () => {
        if (!ch.pending) return;
        life.progress(rt);
        if (r.earlyMedia) life.progressMedia(rt);
      });
    }
    if (r.action !== 'noanswer') {
      ch.after(ringMs, () => {
        if (!ch.pending && !(ch.answerState === 'early' && !ch.answered && !ch.ignoreEarlyMedia)) return;
        if (r.action === 'answer' || r.action === 'machine') life.answer(rt);
        else {
          const cause = r.cause ?? actionCause(r.action);
          const sip = r.sipStatus ?? fsSipStatus(cause);
          life.failLeg(
            rt,
            r.sipStatus ? (fsCauseOfSip(r.sipStatus) && !r.cause ? fsCauseOfSip(r.sipStatus)! : cause) : cause,
            'recv_refuse',
            sip,
          );
        }
      });
    }
  }
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
