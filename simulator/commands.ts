// The api commands, whether sent as `api`, `bgapi` or through the control API: originate
// (originate.ts), uuid_kill, uuid_exists, uuid_getvar, uuid_setvar, uuid_broadcast and uuid_transfer (apps.ts), show
// channels|calls, status, sofia status [gateway <name>], hupall, version; mod_callcenter's
// callcenter_config, callcenter_break, json and reloadxml (callcenter-api.ts).
import { isFsCause } from '../domain/fs-causes.ts';
import type { Apps } from './apps.ts';
import type { Conn } from './connection.ts';
import type { ChannelLifecycle, ChannelRuntime } from './lifecycle.ts';
import type { SessionLimits } from './limits.ts';
import type { Originator } from './originate.ts';
import type { GatewayConfig, Rules } from './rules.ts';

export interface ApiCtx {
  via: 'api' | 'bgapi' | 'control';
  conn?: Conn;
  jobUuid?: string;
  deliver?: (out: string) => void;
}

/** What the commands need from the simulator. */
export interface CommandsHost {
  readonly channels: Map<string, ChannelRuntime>;
  readonly rules: Rules;
  readonly hostname: string;
  readonly startedAt: number;
  /** Changes when the simulated FreeSWITCH restarts. */
  readonly coreUuid: string;
  readonly limits: SessionLimits;
  readonly life: ChannelLifecycle;
  readonly apps: Apps;
  readonly originator: Originator;
  /** mod_callcenter's api (callcenter-api.ts): callcenter_config, callcenter_break, json, reloadxml. */
  readonly callcenter: { api: { execute(name: string, arg: string): Promise<string> }; epoch(): number };
  gatewayConfig(name: string): GatewayConfig | undefined;
}

export class Commands {
  constructor(private readonly host: CommandsHost) {}

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
    const channels = this.host.channels;
    switch (name.toLowerCase()) {
      case 'originate':
        return this.host.originator.originate(a, ctx);
      case 'uuid_kill': {
        const [uuid, cause] = a.split(/\s+/);
        const rt = uuid ? channels.get(uuid) : undefined;
        if (!rt) return '-ERR No such channel!\n';
        const hc = cause && isFsCause(cause.toUpperCase()) ? cause.toUpperCase() : 'NORMAL_CLEARING';
        setImmediate(() => this.host.life.hangupChannel(rt, hc, 'send_bye'));
        return '+OK\n';
      }
      case 'uuid_exists':
        return channels.has(a.split(/\s+/)[0] ?? '') ? 'true' : 'false';
      case 'uuid_getvar': {
        const [uuid, v] = a.split(/\s+/);
        const rt = uuid ? channels.get(uuid) : undefined;
        if (!rt) return '-ERR No such channel!\n';
        return rt.ch.vars.get(v ?? '') ?? '_undef_';
      }
      case 'uuid_setvar': {
        const [uuid, v, ...val] = a.split(/\s+/);
        const rt = uuid ? channels.get(uuid) : undefined;
        if (!rt) return '-ERR No such channel!\n';
        if (v) rt.ch.vars.set(v, val.join(' '));
        return '+OK\n';
      }
      case 'uuid_broadcast':
        return this.host.apps.broadcast(a);
      case 'uuid_transfer':
        return this.host.apps.transfer(a);
      case 'show':
        return this.show(a);
      case 'status':
        return this.status();
      case 'sofia':
        return this.sofia(a);
      case 'hupall':
        return this.hupall(a);
      case 'version':
        return 'FreeSWITCH Version 1.10.12-release~64bit (simulator)\n';
      case 'strepoch':
        // `strepoch` without a date: now, in epoch seconds (the clock mod_callcenter stamps with).
        return a.trim() ? '-ERR dates are not parsed here\n' : String(this.host.callcenter.epoch());
      case 'global_getvar':
        // The global variables a product reads; core_uuid changes when FreeSWITCH restarts.
        return a.trim() === 'core_uuid' ? this.host.coreUuid : '';
      case 'callcenter_config':
      case 'callcenter_break':
      case 'json':
      case 'reloadxml':
        return this.host.callcenter.api.execute(name, a);
      default:
        return `-ERR ${name} Command not found!\n`;
    }
  }

  /** `hupall [<cause> [<variable> <value>]]` */
  private hupall(a: string): string {
    const [cause, v, val] = a.split(/\s+/).filter(Boolean);
    const hc = cause && isFsCause(cause.toUpperCase()) ? cause.toUpperCase() : 'MANAGER_REQUEST';
    for (const rt of [...this.host.channels.values()]) {
      if (v && rt.ch.vars.get(v) !== val) continue;
      this.host.life.hangupChannel(rt, hc, 'send_bye');
    }
    return v ? `+OK hangup all channels matching [${v}]=[${val ?? ''}] with cause: ${hc}\n` : `+OK hangup all channels with cause: ${hc}\n`;
  }

  private show(a: string): string {
    const hostname = this.host.hostname;
    const words = a.toLowerCase().split(/\s+/).filter(Boolean);
    const what = words[0];
    if (what !== 'channels' && what !== 'calls') return '-USAGE: [channels|calls|...] [as xml|json|delim <c>]\n';
    const live = [...this.host.channels.values()].filter((rt) => !rt.ch.gone);
    if (words[1] === 'count') return `\n${live.length} total.\n`;
    if (words[1] === 'as' && words[2] === 'json') {
      if (!live.length) return '{"row_count": 0}\n';
      const rows = live.map((rt) =>
        what === 'calls'
          ? rt.ch.callsRow(hostname)
          : rt.ch.channelsRow(hostname, rt.current?.name ?? (rt.parked ? 'park' : ''), rt.current?.args ?? ''),
      );
      return JSON.stringify({ row_count: rows.length, rows });
    }
    // default text table (csv-like, as FreeSWITCH prints it)
    if (!live.length) return '\n0 total.\n';
    const rows = live.map((rt) => rt.ch.callsRow(hostname));
    const cols = Object.keys(rows[0]!);
    return cols.join(',') + '\n' + rows.map((r) => cols.map((k) => r[k]).join(',')).join('\n') + `\n\n${rows.length} total.\n`;
  }

  private status(): string {
    const { rules, limits } = this.host;
    const up = Date.now() - this.host.startedAt;
    const s = Math.floor(up / 1000);
    const live = this.host.channels.size;
    return (
      `UP 0 years, ${Math.floor(s / 86400)} days, ${Math.floor((s % 86400) / 3600)} hours, ${Math.floor((s % 3600) / 60)} minutes, ${s % 60} seconds, ${up % 1000} milliseconds, 0 microseconds\n` +
      `FreeSWITCH (Version 1.10.12-release  64bit) is ready\n` +
      `${limits.sessionsSinceStartup} session(s) since startup\n` +
      `${live} session(s) - peak ${limits.peakSessions}, last 5min ${limits.peakSessions} \n` +
      `0 session(s) per Sec out of max ${rules.limits.sessionsPerSecond}, peak 0, last 5min 0 \n` +
      `${rules.limits.maxSessions} session(s) max\n` +
      `min idle cpu 0.00/100.00\n` +
      `Current Stack Size/Max 240K/8192K\n`
    );
  }

  private sofia(a: string): string {
    const w = a.split(/\s+/).filter(Boolean);
    if (w[0] === 'status' && w[1] === 'gateway' && w[2]) return this.sofiaGateway(w[2]);
    if (w[0] === 'status') {
      const bar = '='.repeat(97);
      let out = `${'Name'.padEnd(24)}\t${'Type'.padEnd(10)}\t${'Data'.padEnd(40)}\tState\n${bar}\n`;
      for (const p of this.host.rules.profiles) out += `${p.padEnd(24)}\tprofile   \tsip:mod_sofia@127.0.0.1:5080\tRUNNING (0)\n`;
      for (const [n, g] of Object.entries(this.host.rules.gateways ?? {}))
        out += `${(g.profile + '::' + n).padEnd(24)}\tgateway   \tsip:${n}@${g.proxy ?? n}\t${g.status === 'UP' ? 'REGED' : 'FAIL_WAIT'}\n`;
      return out + `${bar}\n`;
    }
    return '-ERR Usage: sofia status [gateway <name>]\n';
  }

  /** `sofia status gateway <name>` */
  private sofiaGateway(name: string): string {
    const gw = this.host.gatewayConfig(name);
    if (!gw) return 'Invalid Gateway!\n';
    const live = [...this.host.channels.values()].filter((rt) => rt.ch.gateway === name).length;
    const bar = '='.repeat(97);
    const proxy = gw.proxy ?? `${name}.sim.invalid`;
    return (
      `${bar}\n` +
      `Name    \t${name}\nProfile \t${gw.profile}\nScheme  \tDigest\nRealm   \t${proxy}\nUsername\t${name}\nPassword\tyes\n` +
      `From    \t<sip:${name}@${proxy}>\nContact \t<sip:gw+${name}@127.0.0.1:5080;transport=udp;gw=${name}>\nExten   \t${name}\n` +
      `To      \tsip:${name}@${proxy}\nProxy   \tsip:${proxy}\nContext \tpublic\nExpires \t3600\nFreq    \t3600\nPing    \t0\nPingFreq\t0\nPingState\t0/0/0\n` +
      `State   \t${gw.status === 'UP' ? 'REGED' : 'FAIL_WAIT'}\nStatus  \t${gw.status}\nUptime  \t${Math.floor((Date.now() - this.host.startedAt) / 1000)}s\n` +
      `CallsIN \t0\nCallsOUT\t${live}\nFailedCallsIN\t0\nFailedCallsOUT\t0\n${bar}\n`
    );
  }
}
