// mod_avmd (answering-machine beep detection) as FreeSWITCH 1.10 runs it, from mod_avmd.c and the
// captures 41-avmd-start-beep / 41-avmd-start-no-beep:
//   avmd_start   on an answered channel (no media yet: nothing; already running: nothing) fires
//                avmd::start (Start-time, µs)
//   the beep     a `machine` callee's beep sounds beepMs after the answer; if detection runs then,
//                avmd_total_time=[ms since start] and avmd_detect=TRUE are set and avmd::beep fires
//                (Beep-Status DETECTED, Frequency…, Detection-time µs since start); one beep per run
//   avmd_stop    fires avmd::stop (Beep-Status DETECTED|NOTDETECTED, Total-time µs) and ends the run;
//                without a run: nothing
//   hangup       ends the run with no event
// Every event goes out twice (avmd_fire_event: switch_event_dup): the copy at once with the
// module's headers only, then the original with the channel's data when the session delivers its
// queued events (after the application executing now, if any). Both copies share their Event-Sequence.
import { nowUs } from './channel.ts';
import type { EventBus } from './events.ts';
import type { ChannelRuntime } from './lifecycle.ts';

/** Where the captures say avmd events come from. */
const CALLING: [string, string, number] = ['mod_avmd.c', 'avmd_fire_event', 700];
/** The beep as captured: SIPp's 1000 Hz tone (mod_avmd's estimate of it), detector 2/0/1. */
const CAPTURED_BEEP: Array<[string, string]> = [
  ['Frequency', '950.593238'],
  ['Frequency-variance', '0.000009'],
  ['Amplitude', '24178.296969'],
  ['Amplitude-variance', '0.000000'],
];
export const DEFAULT_BEEP_MS = 100;

export class Avmd {
  constructor(
    private readonly events: EventBus,
    /** Deliver `f` when the session is free (the channel's queued events, apps.ts). */
    private readonly whenFree: (rt: ChannelRuntime, f: () => void) => void,
  ) {}

  /** The avmd_start application. */
  start(rt: ChannelRuntime): void {
    const ch = rt.ch;
    if (rt.avmd || (!ch.answered && !ch.progressMediaUs)) return; // "Avmd already started!" / "has no codec assigned yet"
    const startUs = nowUs();
    rt.avmd = { startUs, detected: false };
    this.emit(rt, 'avmd::start', [['Start-time', String(startUs)]], startUs);
    const r = ch.rule;
    if (r.action !== 'machine' || r.avmdAuto || r.amdResult === 'HUMAN' || r.amdResult === 'NOTSURE' || !ch.answeredUs) return;
    const wait = ch.answeredUs / 1000 + (r.beepMs ?? DEFAULT_BEEP_MS) - (performance.timeOrigin + performance.now());
    if (wait < 0) return; // the beep sounded before detection started: nothing to hear
    const run = rt.avmd;
    ch.after(wait, () => this.beep(rt, run));
  }

  /** The avmd_stop application. */
  stop(rt: ChannelRuntime): void {
    const run = rt.avmd;
    if (!run) return; // "Stop failed - no avmd session running on this channel"
    rt.avmd = undefined;
    this.emit(rt, 'avmd::stop', [
      ['Beep-Status', run.detected ? 'DETECTED' : 'NOTDETECTED'],
      ['Total-time', String(nowUs() - run.startUs)],
    ]);
  }

  private beep(rt: ChannelRuntime, run: NonNullable<ChannelRuntime['avmd']>): void {
    if (rt.avmd !== run || run.detected) return;
    run.detected = true;
    const us = nowUs() - run.startUs;
    // avmd_report_detection: the variables first, then the event
    rt.ch.setVar('avmd_total_time', `[${Math.floor(us / 1000)}]`);
    rt.ch.setVar('avmd_detect', 'TRUE');
    this.emit(rt, 'avmd::beep', [
      ['Beep-Status', 'DETECTED'],
      ...CAPTURED_BEEP,
      ['Detection-time', String(us)],
      ['Detector-resolution', '2'],
      ['Detector-offset', '0'],
      ['Detector-index', '1'],
    ]);
  }

  private emit(rt: ChannelRuntime, subclass: string, own: Array<[string, string]>, us?: number): void {
    const headers: Array<[string, string]> = [['Unique-ID', rt.ch.uuid], ['Call-command', 'avmd'], ...own];
    const stamp = this.events.fireCustom(subclass, headers, { calling: CALLING, us });
    this.whenFree(rt, () => {
      if (!rt.ch.gone) this.events.fireCustom(subclass, headers, { calling: CALLING, channel: rt.ch, stamp });
    });
  }
}
