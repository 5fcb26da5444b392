// The dialplan applications run on an answered (or early) channel: the originate's `&app(args)`, or
// park when it named an extension, then whatever uuid_broadcast queues. Simulated: park, playback,
// speak/say (mediaMs), sleep, answer/pre_answer, set/export, hangup, play_and_get_digits (the
// callee's digits or a timeout); any other application completes at once.
import type { Rules } from './rules.ts';
import { splitArgs, type OriginateArgs } from './dialstring.ts';
import { isFsCause } from '../domain/fs-causes.ts';
import type { EventBus } from './events.ts';
import { appHeaders, type AppStep, type ChannelLifecycle, type ChannelRuntime } from './lifecycle.ts';

/** What the applications need from the simulator. */
export interface AppsHost {
  readonly events: EventBus;
  readonly life: ChannelLifecycle;
  readonly channels: Map<string, ChannelRuntime>;
  readonly rules: Rules;
  readonly timeScale: number;
}

export class Apps {
  constructor(private readonly host: AppsHost) {}

  /** The originate succeeded: CS_EXECUTE, then its application (or park for an extension). */
  start(rt: ChannelRuntime, parsed: OriginateArgs): void {
    const ch = rt.ch;
    if (ch.gone) return;
    ch.hitDialplan = true;
    if (parsed.app) rt.apps.push({ name: parsed.app.name, args: parsed.app.args, source: 'originate' });
    else {
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
    const what = words.slice(1).filter((w, i, arr) => !(i === arr.length - 1 && ['aleg', 'bleg', 'both'].includes(w))).join(' ');
    if (!uuid || !what) return '-USAGE: <uuid> <path> [aleg|bleg|both]\n';
    const rt = this.host.channels.get(uuid);
    if (!rt || rt.ch.gone) return '-ERR No such channel!\n';
    const sep = what.indexOf('::');
    const step: AppStep = sep >= 0 ? { name: what.slice(0, sep), args: what.slice(sep + 2), source: 'broadcast' } : { name: 'playback', args: what, source: 'broadcast' };
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
    const ch = rt.ch;
    rt.current = step;
    ch.lastApp = step.name;
    ch.lastArg = step.args || undefined;
    ch.vars.set('current_application', step.name);
    if (step.args) ch.vars.set('current_application_data', step.args);
    this.host.events.fireChannel(ch, 'CHANNEL_EXECUTE', appHeaders(step));
    const complete = (response = '_none_') => {
      if (ch.gone || rt.current !== step) return;
      this.host.events.fireChannel(ch, 'CHANNEL_EXECUTE_COMPLETE', appHeaders(step, response));
      this.next(rt);
    };
    const media = this.host.rules.mediaMs;
    switch (step.name) {
      case 'park':
        rt.parked = true;
        rt.afterApps = 'park';
        this.host.events.fireChannel(ch, 'CHANNEL_PARK');
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
        ch.after(media, () => this.collectDigits(rt, step, complete));
        return;
      default:
        ch.after(0, () => complete());
    }
  }

  /** play_and_get_digits once its prompt has played: the callee's digits, or a timeout per try. */
  private collectDigits(rt: ChannelRuntime, step: AppStep, complete: () => void): void {
    // min max tries timeout terminators file invalid_file var_name regexp [digit_timeout] [transfer_on_failure]
    const ch = rt.ch;
    const a = splitArgs(step.args);
    const tries = Number.parseInt(a[2] ?? '1', 10) || 1;
    const timeout = Number.parseInt(a[3] ?? '5000', 10) || 5000;
    const varName = a[7] ?? 'digits';
    const digits = ch.rule.digits;
    if (digits) {
      this.host.life.pressDigits(rt, digits, () => {
        ch.vars.set(varName, digits);
        ch.vars.set('read_result', 'success');
        complete();
      });
    } else {
      ch.after(Math.round(timeout * tries * this.host.timeScale), () => {
        ch.vars.set('read_result', 'timeout');
        complete();
      });
    }
  }
}
