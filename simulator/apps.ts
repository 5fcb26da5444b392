// The dialplan applications run on an answered (or early) channel: the originate's `&app(args)`, or
// park when it named an extension, then whatever uuid_broadcast queues; `sendmsg <uuid>` with
// call-command execute and the channel's execute_on_answer run one inside whatever runs (as
// switch_ivr_parse_event does). Simulated: park, playback (the file's real length, FILE NOT FOUND,
// `*` stops it: play.ts, media.ts), speak/say (mediaMs), sleep, answer/pre_answer, set/export,
// hangup, play_and_get_digits (play.ts), avmd_start/avmd_stop (avmd.ts); any other application
// completes at once. Variables as switch_core_session_exec sets them: current_application,
// current_application_data (absent without arguments), current_application_response (the
// application's answer, e.g. playback's FILE PLAYED / FILE NOT FOUND; Application-Response _none_
// when it gives none).
import type { Rules } from './rules.ts';
import type { OriginateArgs } from './dialstring.ts';
import { isFsCause } from '../domain/fs-causes.ts';
import type { EventBus } from './events.ts';
import { appHeaders, type AppStep, type ChannelLifecycle, type ChannelRuntime } from './lifecycle.ts';
import { Avmd } from './avmd.ts';
import { recordPath } from './record.ts';
import { MediaReader } from './media.ts';
import { playAndGetDigits, playFile, type PlayHost } from './play.ts';
import { headerCI } from './wire.ts';

/** What the applications need from the simulator. */
export interface AppsHost {
  readonly events: EventBus;
  readonly life: ChannelLifecycle;
  readonly channels: Map<string, ChannelRuntime>;
  readonly rules: Rules;
  readonly timeScale: number;
  /** mod_callcenter (callcenter.ts): the `callcenter` application. */
  readonly callcenter: { app(rt: ChannelRuntime, step: AppStep, complete: () => void): void };
}

export class Apps {
  readonly media: MediaReader;
  readonly avmd: Avmd;
  private readonly play: PlayHost;

  constructor(private readonly host: AppsHost) {
    this.media = new MediaReader(host);
    this.avmd = new Avmd(host.events, (rt, f) => this.whenFree(rt, f));
    this.play = {
      media: this.media,
      life: host.life,
      get timeScale() {
        return host.timeScale;
      },
    };
    host.life.onAnswered = (rt) => this.executeOn(rt, 'execute_on_answer');
  }

  /** The originate succeeded: CS_EXECUTE, then its application (or park for an extension). */
  start(rt: ChannelRuntime, parsed: OriginateArgs): void {
    const ch = rt.ch;
    if (ch.gone) return;
    ch.hitDialplan = true;
    if (parsed.app) rt.apps.push({ name: parsed.app.name, args: parsed.app.args, source: 'originate' });
    else if (parsed.dialplan === 'inline' && parsed.exten) {
      // The inline dialplan (mod_dialplan_inline): `app:arg,app:arg`, run in order, then hang up.
      for (const part of parsed.exten.split(',')) {
        const i = part.indexOf(':');
        rt.apps.push({ name: i < 0 ? part : part.slice(0, i), args: i < 0 ? '' : part.slice(i + 1), source: 'originate' });
      }
    } else {
      // An extension goes to the dialplan; the simulator has none, so the call parks there.
      rt.afterApps = 'park';
    }
    if (ch.answered) ch.cidFlipped = true;
    this.host.life.setState(rt, 'CS_EXECUTE', 4);
    this.next(rt);
  }

  /** uuid_broadcast <uuid> <path | app::args> [aleg|bleg|both]: runs now on a parked call, else next. */
  broadcast(a: string): string {
    const words = a.split(/\s+/).filter(Boolean);
    const uuid = words[0];
    const what = words
      .slice(1)
      .filter((w, i, arr) => !(i === arr.length - 1 && ['aleg', 'bleg', 'both'].includes(w)))
      .join(' ');
    if (!uuid || !what) return '-USAGE: <uuid> <path> [aleg|bleg|both]\n';
    const rt = this.host.channels.get(uuid);
    if (!rt || rt.ch.gone) return '-ERR No such channel!\n';
    const sep = what.indexOf('::');
    const step: AppStep =
      sep >= 0
        ? { name: what.slice(0, sep), args: what.slice(sep + 2), source: 'broadcast' }
        : { name: 'playback', args: what, source: 'broadcast' };
    setImmediate(() => {
      if (rt.ch.gone) return;
      if (rt.current?.name === 'park' || !rt.current) {
        if (rt.current?.name === 'park') this.host.events.fireChannel(rt.ch, 'CHANNEL_UNPARK');
        rt.parked = false;
        rt.current = undefined;
        this.run(rt, step);
      } else rt.apps.unshift(step);
    });
    return '+OK Message sent\n';
  }

  /**
   * uuid_transfer <uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>] (switch_ivr_session_transfer):
   * the running application is broken off (it returns: CHANNEL_EXECUTE_COMPLETE), the channel goes
   * back to routing and runs the new extension — with dialplan `inline`, its `app:arg,…` list, then
   * hangs up; any other dialplan parks (the simulator has no dialplan). Only the a-leg is simulated.
   */
  transfer(a: string): string {
    const words = a.split(/\s+/).filter(Boolean);
    const uuid = words.shift();
    if (words[0] === '-bleg' || words[0] === '-both') words.shift();
    const [exten, dialplan] = words;
    if (!uuid || !exten) return '-USAGE: <uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]\n';
    const rt = this.host.channels.get(uuid);
    if (!rt || rt.ch.gone) return '-ERR No such channel!\n';
    setImmediate(() => {
      const ch = rt.ch;
      if (ch.gone || ch.hangupCause) return;
      const cur = rt.current;
      rt.current = undefined; // the broken application's own completion is ignored (exec: rt.current !== step)
      rt.onDtmf = undefined;
      if (cur)
        this.host.events.fireChannel(
          ch,
          'CHANNEL_EXECUTE_COMPLETE',
          appHeaders(cur, ch.vars.get('current_application_response') ?? '_none_'),
        );
      rt.parked = false;
      rt.apps = [];
      if (dialplan === 'inline') {
        rt.afterApps = 'hangup';
        for (const part of exten.split(',')) {
          const i = part.indexOf(':');
          rt.apps.push({ name: i < 0 ? part : part.slice(0, i), args: i < 0 ? '' : part.slice(i + 1), source: 'originate' });
        }
      } else rt.afterApps = 'park';
      this.next(rt);
    });
    return '+OK\n';
  }

  /**
   * `sendmsg [<uuid>]` with its headers (mod_event_socket → switch_ivr_parse_event): `call-command:
   * execute` runs `execute-app-name` (`execute-app-arg`, or a text/plain body) inside whatever the
   * channel runs now, with current_loop/total_loops set meanwhile; `call-command: hangup` hangs up
   * with `hangup-cause`. The reply comes first; the message is handled once queued.
   */
  sendmsg(uuidArg: string, headers: Record<string, string>, body?: string): string {
    const uuid = uuidArg.trim() || headerCI(headers, 'session-id') || '';
    const rt = uuid ? this.host.channels.get(uuid) : undefined;
    if (!rt || rt.ch.gone) return `-ERR invalid session id [${uuid}]`;
    const command = (headerCI(headers, 'call-command') ?? '').toLowerCase();
    setImmediate(() => {
      const ch = rt.ch;
      if (ch.gone || ch.hangupCause) return;
      if (command === 'hangup') {
        const c = (headerCI(headers, 'hangup-cause') ?? '').toUpperCase();
        this.host.life.hangupChannel(rt, c && isFsCause(c) ? c : 'NORMAL_CLEARING', 'send_bye');
        return;
      }
      if (command !== 'execute') return;
      const name = headerCI(headers, 'execute-app-name');
      if (!name) return;
      let args = headerCI(headers, 'execute-app-arg') ?? '';
      if (!args && (headerCI(headers, 'content-type') ?? '').toLowerCase() === 'text/plain') args = body ?? '';
      const eventUuid = headerCI(headers, 'event-uuid');
      if (eventUuid) ch.setVar('app_uuid', eventUuid);
      const loops = Number.parseInt(headerCI(headers, 'loops') ?? '1', 10) || 1;
      ch.setVar('current_loop', '1');
      ch.setVar('total_loops', String(loops));
      this.exec(rt, { name, args, source: 'sendmsg' }, true, () => {
        ch.setVar('current_loop', undefined);
        ch.setVar('total_loops', undefined);
      });
    });
    return '+OK';
  }

  /** switch_channel_execute_on: every `<prefix>*` variable's `app args` (or `app:args`), in order. */
  private executeOn(rt: ChannelRuntime, prefix: string): void {
    for (const [k, v] of [...rt.ch.vars]) {
      if (!k.toLowerCase().startsWith(prefix) || !v) continue;
      const m = /^([^ :]+)(?:[ :](.*))?$/s.exec(v.trim());
      if (m) this.exec(rt, { name: m[1]!, args: m[2] ?? '', source: 'execute_on' }, true, () => undefined);
    }
  }

  /** Events queued on the session go out once no application executes synchronously. */
  private whenFree(rt: ChannelRuntime, f: () => void): void {
    if (rt.busy) (rt.sessionEvents ??= []).push(f);
    else f();
  }

  private flushSession(rt: ChannelRuntime): void {
    const q = rt.sessionEvents;
    if (!q?.length) return;
    rt.sessionEvents = [];
    for (const f of q) f();
  }

  private next(rt: ChannelRuntime): void {
    const ch = rt.ch;
    if (ch.gone || ch.hangupCause) return;
    const step = rt.apps.shift();
    rt.current = undefined;
    if (!step) {
      if (rt.afterApps === 'park') {
        if (!rt.parked) this.run(rt, { name: 'park', args: '', source: 'originate' });
        return;
      }
      this.host.life.hangupChannel(rt, 'NORMAL_CLEARING', 'send_bye');
      return;
    }
    this.run(rt, step);
  }

  private run(rt: ChannelRuntime, step: AppStep): void {
    this.exec(rt, step, false, () => this.next(rt));
  }

  /**
   * switch_core_session_exec: the variables, CHANNEL_EXECUTE, the application, CHANNEL_EXECUTE_COMPLETE
   * with its response, then `done`. A nested execution (sendmsg, execute_on_answer) leaves the
   * running application in place.
   */
  private exec(rt: ChannelRuntime, step: AppStep, nested: boolean, done: () => void): void {
    const ch = rt.ch;
    if (!nested) rt.current = step;
    ch.lastApp = step.name;
    ch.lastArg = step.args || undefined;
    ch.setVar('current_application', step.name);
    ch.setVar('current_application_data', step.args || undefined);
    ch.setVar('current_application_response', undefined);
    this.host.events.fireChannel(ch, 'CHANNEL_EXECUTE', appHeaders(step));
    ch.setVar('current_application', step.name); // set again after the event: it moves to the end
    let finished = false;
    const complete = () => {
      if (finished || ch.gone || (!nested && rt.current !== step)) return;
      finished = true;
      this.host.events.fireChannel(
        ch,
        'CHANNEL_EXECUTE_COMPLETE',
        appHeaders(step, ch.vars.get('current_application_response') ?? '_none_'),
      );
      if (nested) done();
      this.flushSession(rt);
      if (!nested) done();
    };
    const respond = (r: string) => ch.setVar('current_application_response', r);
    rt.busy = (rt.busy ?? 0) + 1;
    try {
      this.body(rt, step, nested, complete, respond);
    } finally {
      rt.busy--;
      if (!rt.busy) this.flushSession(rt);
    }
  }

  private body(rt: ChannelRuntime, step: AppStep, nested: boolean, complete: () => void, respond: (r: string) => void): void {
    const ch = rt.ch;
    const media = this.host.rules.mediaMs;
    switch (step.name) {
      case 'park':
        if (nested) return complete();
        rt.parked = true;
        rt.afterApps = 'park';
        this.host.events.fireChannel(ch, 'CHANNEL_PARK');
        return; // parked until hangup or broadcast
      case 'playback': {
        // playback_function: DTMF goes to on_dtmf, which stops on playback_terminators (default *);
        // it clears playback_terminator_used first (an empty value deletes a variable)
        ch.setVar('playback_terminator_used', undefined);
        const t = ch.vars.get('playback_terminators') ?? '*';
        const terminators = t.toLowerCase() === 'none' ? '' : t;
        void playFile(this.play, rt, step.args, (d) => {
          if (!terminators.includes(d)) return false;
          ch.setVar('playback_terminator_used', d);
          return true;
        }).then((o) => {
          respond(o === 'notfound' ? 'FILE NOT FOUND' : 'FILE PLAYED');
          complete();
        });
        return;
      }
      case 'speak':
      case 'say':
        ch.after(media, () => complete());
        return;
      case 'sleep':
        ch.after(Math.max(0, Number.parseInt(step.args, 10) || 0), () => complete());
        return;
      case 'answer':
      case 'pre_answer':
        if (!ch.answered) this.host.life.answer(rt);
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
        this.host.life.hangupChannel(rt, c && isFsCause(c) ? c : 'NORMAL_CLEARING', 'send_bye');
        return;
      }
      case 'play_and_get_digits':
        void playAndGetDigits(this.play, rt, step.args).then(() => complete());
        return;
      case 'avmd_start':
        this.avmd.start(rt);
        return complete();
      case 'avmd_stop':
        this.avmd.stop(rt);
        return complete();
      case 'record_session':
        // a media bug: the application returns at once, the file is written at the hangup (record.ts)
        if (ch.answered && recordPath(step.args)) (rt.recordings ??= []).push({ path: recordPath(step.args), startMs: Date.now() });
        return complete();
      case 'callcenter':
        // mod_callcenter: the member waits in the queue; complete() when the application returns
        // without a bridge (cancelled); a bridged member's application never completes
        this.host.callcenter.app(rt, step, complete);
        return;
      default:
        ch.after(0, () => complete());
    }
  }
}
