// A live channel (ChannelRuntime) and its state changes, each firing the events FreeSWITCH fires:
// CS_* and call states, ringing (PROGRESS), early media, answer (and what the callee's rule does
// once answered: hang up after talkMs, digits, execute_on_answer, the legacy `avmdAuto` beep), DTMF
// (queued on the channel until an application reads it), and the two ends: a leg that fails before
// its originate succeeded, and the hangup of a channel that exists.
import { closeRecordings, type Recording } from './record.ts';
import { randomUUID } from 'node:crypto';
import { nowUs, type Channel } from './channel.ts';
import type { CallLogEntry } from './calllog.ts';
import type { EventBus } from './events.ts';

export interface AppStep {
  name: string;
  args: string;
  source: 'originate' | 'broadcast' | 'sendmsg' | 'execute_on';
}

export interface ChannelRuntime {
  ch: Channel;
  entry: CallLogEntry;
  apps: AppStep[];
  current?: AppStep;
  parked: boolean;
  /** The originate asked for an extension, not an app: park as the stand-in for the dialplan. */
  afterApps: 'hangup' | 'park';
  onResult?: (r: LegResult) => void;
  /** callcenter.ts: a live channel is hanging up (after CHANNEL_HANGUP, before its application returns). */
  onHangup?: () => void;
  /** DTMF received and not read yet (switch_channel_queue_dtmf). */
  dtmf?: string[];
  /** The application reading DTMF now, told when a key arrives. */
  onDtmf?: () => void;
  /** An application is executing synchronously: events queued on the session wait for it (apps.ts). */
  busy?: number;
  /** Events queued on the session (switch_core_session_queue_event), delivered when it is free. */
  sessionEvents?: Array<() => void>;
  /** mod_avmd running on the channel (avmd.ts). */
  avmd?: { startUs: number; detected: boolean };
  /** record_session recordings running on the channel (record.ts), closed at the hangup. */
  recordings?: Recording[];
}

export type LegResult = { ok: true; rt: ChannelRuntime } | { ok: false; cause: string };

/**
 * Application headers of CHANNEL_EXECUTE (no response) and CHANNEL_EXECUTE_COMPLETE; an application
 * without arguments has no Application-Data (captures 41: park, avmd_start).
 */
export function appHeaders(step: AppStep, response?: string): Array<[string, string]> {
  const h: Array<[string, string]> = [['Application', step.name]];
  if (step.args) h.push(['Application-Data', step.args]);
  if (response !== undefined) h.push(['Application-Response', response]);
  h.push(['Application-UUID', randomUUID()]);
  return h;
}

export class ChannelLifecycle {
  /** Runs the channel's execute_on_answer applications (set by apps.ts). */
  onAnswered?: (rt: ChannelRuntime) => void;
  /** A channel reached CS_REPORTING (the CDR poster, when configured). */
  onReporting?: (ch: Channel) => void;

  constructor(
    private readonly events: EventBus,
    private readonly channels: Map<string, ChannelRuntime>,
  ) {}

  setState(rt: ChannelRuntime, state: string, num: number): void {
    rt.ch.state = state;
    rt.ch.stateNumber = num;
    this.events.fireChannel(rt.ch, 'CHANNEL_STATE');
  }

  private setCallState(rt: ChannelRuntime, cs: Channel['callState']): void {
    const prev = rt.ch.callState;
    rt.ch.callState = cs;
    this.events.fireChannel(rt.ch, 'CHANNEL_CALLSTATE', [
      ['Original-Channel-Call-State', prev],
      ['Channel-Call-State-Number', String(['DOWN', 'DIALING', 'RINGING', 'EARLY', 'ACTIVE', 'HELD', 'RING_WAIT', 'HANGUP'].indexOf(cs))],
    ]);
  }

  /** The originate stops waiting on this leg: it won, lost or failed. */
  legResult(rt: ChannelRuntime, r: LegResult): void {
    rt.ch.pending = false;
    rt.onResult?.(r);
  }

  progress(rt: ChannelRuntime): void {
    const ch = rt.ch;
    if (ch.progressUs) return;
    ch.markNetwork();
    ch.progressUs = nowUs();
    this.events.fireChannel(ch, 'CHANNEL_PROGRESS');
    this.setCallState(rt, 'RINGING');
  }

  progressMedia(rt: ChannelRuntime): void {
    const ch = rt.ch;
    if (ch.progressMediaUs) return;
    ch.markNetwork();
    ch.progressMediaUs = nowUs();
    ch.answerState = 'early';
    ch.markAnswerMedia();
    this.events.fireChannel(ch, 'CHANNEL_PROGRESS_MEDIA');
    this.setCallState(rt, 'EARLY');
    if (!ch.ignoreEarlyMedia && ch.pending) {
      ch.vars.set('originate_early_media', 'true');
      this.legResult(rt, { ok: true, rt });
    }
  }

  answer(rt: ChannelRuntime): void {
    const ch = rt.ch;
    if (ch.answered || ch.gone) return;
    ch.markNetwork();
    ch.answered = true;
    ch.answeredUs = nowUs();
    ch.answerState = 'answered';
    if (!ch.progressMediaUs) ch.markAnswerMedia();
    ch.vars.set('endpoint_disposition', 'ANSWER');
    ch.log.answeredAt = Date.now();
    this.events.fireChannel(ch, 'CHANNEL_ANSWER');
    this.setCallState(rt, 'ACTIVE');
    const r = ch.rule;
    if (r.talkMs !== undefined && r.talkMs !== null) ch.after(r.talkMs, () => this.hangupChannel(rt, 'NORMAL_CLEARING', 'recv_bye'));
    this.onAnswered?.(rt);
    // Legacy (rule avmdAuto): detection reported without avmd_start. Real mod_avmd is avmd.ts.
    if (r.action === 'machine' && r.avmdAuto && !ch.gone) {
      this.events.fireChannel(ch, 'CUSTOM', [], { subclass: 'avmd::start' });
      ch.after(r.beepMs ?? 100, () => {
        ch.vars.set('amd_result', r.amdResult ?? 'MACHINE');
        ch.vars.set('avmd_detect', 'TRUE');
        this.events.fireChannel(
          ch,
          'CUSTOM',
          [
            ['Beep-Status', 'DETECTED'],
            ['Frequency', '1000.000000'],
            ['Frequency-Variance', '0.000000'],
            ['Amplitude', '0.100000'],
            ['Amplitude-Variance', '0.000000'],
          ],
          { subclass: 'avmd::beep' },
        );
      });
    }
    if (r.pressDigitsOnAnswer && r.digits) ch.after(r.digitDelayMs ?? 10, () => this.pressDigits(rt, r.digits!, () => undefined));
    if (ch.pending) this.legResult(rt, { ok: true, rt });
  }

  /**
   * The callee presses `digits`, one DTMF event every digitDelayMs (the first one digitDelayMs from
   * now); each key is queued on the channel for whatever application reads DTMF; then `done`.
   */
  pressDigits(rt: ChannelRuntime, digits: string, done: () => void): void {
    const ch = rt.ch;
    const gap = ch.rule.digitDelayMs ?? 10;
    let i = 0;
    const one = () => {
      if (ch.gone) return;
      const d = digits[i++];
      if (d === undefined) return done();
      this.events.fireChannel(ch, 'DTMF', [
        ['DTMF-Digit', d],
        ['DTMF-Duration', '2000'],
        ['DTMF-Source', 'RTP'],
      ]);
      (rt.dtmf ??= []).push(d);
      rt.onDtmf?.();
      ch.after(gap, one);
    };
    ch.after(gap, one);
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
    this.events.fireChannel(ch, 'CHANNEL_HANGUP');
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
    // We send the BYE: no SIP status comes back, and sofia records the disposition after the CDR
    // times (captures 08 uuid_kill, 40 the end of the originate's application).
    if (disposition === 'recv_bye') ch.setHangupSipVars(disposition, ch.answered ? 200 : undefined);
    else if (ch.answered) ch.vars.set('endpoint_disposition', 'ANSWER');
    ch.answerState = 'hangup';
    ch.stateNumber = 10;
    this.events.fireChannel(ch, 'CHANNEL_HANGUP');
    // the media bugs close in CS_HANGUP: record_session's files are finished before the CDR
    closeRecordings(rt.recordings, (k, v) => ch.vars.set(k, v));
    rt.recordings = undefined;
    rt.onHangup?.();
    // the running application returns once the channel is hung up
    if (rt.current) this.events.fireChannel(ch, 'CHANNEL_EXECUTE_COMPLETE', appHeaders(rt.current, '_none_'));
    this.reporting(rt, disposition === 'send_bye' ? () => ch.vars.set('sip_hangup_disposition', 'send_bye') : undefined);
    this.destroy(rt);
  }

  private reporting(rt: ChannelRuntime, afterTimes?: () => void): void {
    const ch = rt.ch;
    ch.state = 'CS_REPORTING';
    ch.stateNumber = 11;
    ch.callState = 'HANGUP';
    ch.setReportingVars();
    afterTimes?.();
    this.onReporting?.(ch); // mod_json_cdr posts before CHANNEL_HANGUP_COMPLETE (cdr.ts)
    this.events.fireChannel(ch, 'CHANNEL_HANGUP_COMPLETE', [], { leadingCause: true });
  }

  private destroy(rt: ChannelRuntime): void {
    const ch = rt.ch;
    ch.stateNumber = 12;
    this.events.fireChannel(ch, 'CHANNEL_DESTROY');
    ch.gone = true;
    ch.clearTimers();
    this.channels.delete(ch.uuid);
    if (rt.entry.legs.every((l) => !l.channel || l.hangupAt !== undefined)) rt.entry.endedAt = Date.now();
  }
}
