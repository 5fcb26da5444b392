// mod_dptools' record_session as FreeSWITCH 1.10 runs it (switch_ivr_async.c
// switch_ivr_record_session_event): `record_session <path> [+limit]` on an answered channel starts a
// recording media bug and returns at once; the folders of the path are created
// (switch_dir_make_recursive); when the channel hangs up the bug closes, the file is finished and
// record_samples / record_seconds / record_ms are set on the channel (send_record_stop_event) —
// before CHANNEL_HANGUP_COMPLETE, so they are in it. The simulator writes the whole file then: a real
// WAV (RIFF, 16-bit signed linear mono at 8000 Hz, as FreeSWITCH writes a narrowband call) of
// silence, as long as the recording ran (record start → hangup, wall-clock ms, not timeScale'd).
// Not simulated: RECORD_STOP/RECORD_START events, stereo, limits, min_sec, appending, other formats.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const RECORD_RATE = 8000;

export interface Recording {
  path: string;
  startMs: number;
}

/** A mono 16-bit PCM WAV of silence, `ms` long. */
export function silenceWav(ms: number, rate = RECORD_RATE): Buffer {
  const samples = Math.max(0, Math.round((rate * ms) / 1000));
  const data = samples * 2;
  const b = Buffer.alloc(44 + data);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + data, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28); // byte rate
  b.writeUInt16LE(2, 32); // block align
  b.writeUInt16LE(16, 34); // bits per sample
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(data, 40);
  return b;
}

/** The application's path: its first word (a `+N` limit or anything after it is ignored). */
export function recordPath(args: string): string {
  return args.trim().split(/\s+/)[0] ?? '';
}

/** Close the channel's recordings at its hangup: the files, then the channel's record_* variables. */
export function closeRecordings(recordings: Recording[] | undefined, setVar: (k: string, v: string) => void, nowMs = Date.now()): void {
  for (const r of recordings ?? []) {
    const ms = Math.max(0, nowMs - r.startMs);
    try {
      mkdirSync(dirname(r.path), { recursive: true });
      writeFileSync(r.path, silenceWav(ms));
    } catch {
      continue; // "Error creating …" / cannot open: FreeSWITCH logs it and records nothing
    }
    const samples = Math.round((RECORD_RATE * ms) / 1000);
    setVar('record_samples', String(samples));
    setVar('record_seconds', String(Math.floor(samples / RECORD_RATE)));
    setVar('record_ms', String(Math.floor(samples / (RECORD_RATE / 1000))));
  }
}
