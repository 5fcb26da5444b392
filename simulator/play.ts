// Playing on a channel as switch_ivr_play_file does (the file's length from media.ts, DTMF read
// while it plays), and play_and_get_digits as switch_play_and_get_digits / switch_ivr_read /
// switch_ivr_collect_digits_count (src/switch_ivr_play_say.c, src/switch_ivr.c) run it:
//   each try (max_tries): read_result and the variable are cleared; the prompt plays and the first
//   key stops it; then keys are collected until max_digits, a terminator, or a timeout (`timeout`
//   for the first key, `digit_timeout` after a key); fewer than min_digits is a failure, a regexp
//   mismatch stores <var>_invalid; after a failed try the invalid file plays (its keys stay queued)
//   a prompt that cannot be opened ends the try at once with read_result unset (switch_ivr_read's
//   `goto end`): tries × the invalid file, no variable, and the application answers _none_.
// timeout <= 1000 becomes 1000, terminators default to #, digit_timeout 0 = timeout (as
// play_and_get_digits_function and switch_ivr_read do). Timeouts are scaled by timeScale (the waits
// for a callee who does nothing); what plays takes its real length.
import { splitArgs } from './dialstring.ts';
import type { ChannelLifecycle, ChannelRuntime } from './lifecycle.ts';
import type { MediaReader } from './media.ts';

export type PlayOutcome = 'played' | 'break' | 'notfound';

export interface PlayHost {
  readonly media: MediaReader;
  readonly life: ChannelLifecycle;
  readonly timeScale: number;
}

/**
 * Play `file` on the channel. While it plays every queued key goes to `onDigit`; a `true` answer
 * stops the file (SWITCH_STATUS_BREAK). Never settles if the channel goes away meanwhile.
 */
export function playFile(host: PlayHost, rt: ChannelRuntime, file: string, onDigit?: (digit: string) => boolean): Promise<PlayOutcome> {
  const ch = rt.ch;
  return new Promise((resolve) => {
    void host.media.length(file).then((len) => {
      if (ch.gone) return;
      if (!len.found) return resolve('notfound');
      let settled = false;
      const finish = (o: PlayOutcome) => {
        if (settled) return;
        settled = true;
        if (rt.onDtmf === listen) rt.onDtmf = undefined;
        resolve(o);
      };
      const listen = () => {
        if (!onDigit) return;
        while (!settled && rt.dtmf?.length) if (onDigit(rt.dtmf.shift()!)) finish('break');
      };
      rt.onDtmf = listen;
      listen();
      if (!settled && len.ms !== 'forever') ch.after(len.ms, () => finish('played'));
    });
  });
}

type ReadStatus = 'success' | 'timeout' | 'too_small' | 'notfound' | 'restart';

/** switch_ivr_collect_digits_count: keys until max, a terminator, or a timeout. */
function collectDigits(
  rt: ChannelRuntime,
  buf: string,
  max: number,
  terminators: string,
  firstTimeout: number,
  digitTimeout: number,
): Promise<{ status: 'success' | 'timeout' | 'false'; buf: string; tb: string }> {
  const ch = rt.ch;
  if (buf.length >= max) return Promise.resolve({ status: 'false', buf, tb: '' });
  for (let i = 0; i < buf.length; i++) {
    if (terminators.includes(buf[i]!)) return Promise.resolve({ status: 'success', buf: buf.slice(0, i), tb: buf[i]! });
  }
  return new Promise((resolve) => {
    let gen = 0;
    let settled = false;
    const finish = (status: 'success' | 'timeout', tb = '') => {
      if (settled) return;
      settled = true;
      if (rt.onDtmf === listen) rt.onDtmf = undefined;
      resolve({ status, buf, tb });
    };
    const arm = (ms: number) => {
      const g = ++gen;
      ch.after(ms, () => {
        if (g === gen) finish('timeout');
      });
    };
    const listen = () => {
      if (settled || !rt.dtmf?.length) return;
      arm(digitTimeout);
      while (!settled && rt.dtmf.length) {
        const d = rt.dtmf.shift()!;
        if (terminators.includes(d)) return finish('success', d);
        buf += d;
        if (buf.length >= max) return finish('success');
      }
    };
    rt.onDtmf = listen;
    arm(firstTimeout);
    listen();
  });
}

/** The play_and_get_digits application; resolves when it returns. */
export async function playAndGetDigits(host: PlayHost, rt: ChannelRuntime, data: string): Promise<void> {
  const ch = rt.ch;
  const a = splitArgs(data);
  if (!a.length) return; // "No arguments specified."
  const atoi = (s: string | undefined) => Number.parseInt(s ?? '', 10) || 0;
  let min = atoi(a[0]);
  let max = atoi(a[1]);
  let tries = atoi(a[2]);
  let timeout = a.length > 3 ? atoi(a[3]) : 1000;
  let terminators = a[4] ?? '';
  const prompt = a[5];
  const invalid = a[6];
  const varName = a[7];
  const regexp = a[8];
  let digitTimeout = Math.max(0, atoi(a[9]));
  if (min <= 0) min = 0;
  if (max < min) max = min;
  if (timeout <= 1000) timeout = 1000;
  if (!terminators) terminators = '#';
  if (!digitTimeout) digitTimeout = timeout;
  const scaled = (ms: number) => Math.round(ms * host.timeScale);
  const termRequired = terminators.startsWith('=');

  // The callee presses its keys once the application starts (rule `digits`, one every digitDelayMs).
  if (ch.rule.digits && !ch.rule.pressDigitsOnAnswer) host.life.pressDigits(rt, ch.rule.digits, () => undefined);

  if (regexp && varName) ch.setVar(`${varName}_invalid`, undefined);
  while (!ch.gone && tries > 0) {
    // switch_ivr_read
    ch.setVar('read_result', undefined);
    if (varName) ch.setVar(varName, undefined);
    let buf = '';
    let status: ReadStatus = 'success';
    let len = 0;
    if (prompt && prompt.toLowerCase() !== 'silence') {
      const played = await playFile(host, rt, prompt, (d) => {
        buf = d; // args->buf takes the key that stops the prompt
        return true;
      });
      if (played === 'notfound') status = 'notfound';
    }
    if (status !== 'notfound') {
      len = buf.length;
      let tb = '';
      if ((min && len < min) || len < max) {
        const c = await collectDigits(rt, buf, max, terminators, scaled(len ? digitTimeout : timeout), scaled(digitTimeout));
        if (ch.gone) return;
        buf = c.buf;
        tb = c.tb;
        status = c.status === 'timeout' ? 'timeout' : 'success';
      }
      if (tb) {
        ch.setVar('read_terminator_used', tb);
        const p = terminators.indexOf(tb);
        if (p >= 1 && (terminators[p - 1] === '+' || terminators[p - 1] === 'x')) {
          buf += tb;
          if (terminators[p - 1] === 'x') status = 'restart';
        }
      } else if (termRequired) status = 'too_small';
      len = buf.length;
      if (min && len < min) status = 'too_small';
      // switch_ivr_read: fewer than min_digits (nothing pressed included) is SWITCH_STATUS_TOO_SMALL,
      // which it reports as `failure`.
      const result = status === 'success' ? 'success' : status === 'timeout' ? 'timeout' : 'failure';
      ch.setVar('read_result', result);
    }
    // switch_ivr_read's end:
    if (status !== 'restart' && max === 1 && len === 1 && terminators.includes(buf[0]!)) buf = '';
    if (varName && buf) ch.setVar(varName, buf);
    // switch_play_and_get_digits
    if (status === 'restart') return;
    if (status === 'timeout' && buf.length >= min) status = 'success';
    if (min === 0 && !buf && ch.vars.has('read_terminator_used')) return;
    if (!(status === 'too_small' && !buf) && status === 'success' && buf) {
      let match = true;
      if (regexp) {
        try {
          match = new RegExp(regexp).test(buf);
        } catch {
          match = false;
        }
      }
      if (match) return;
      if (varName) {
        ch.setVar(varName, undefined);
        ch.setVar(`${varName}_invalid`, buf);
      }
    }
    if (ch.gone) return;
    if (invalid) await playFile(host, rt, invalid); // its keys stay queued for the next try
    tries--;
  }
}
