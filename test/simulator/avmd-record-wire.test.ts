// mod_avmd and record_session as the product uses them, on the wire, against capture
// 41-avmd-start-beep (real FreeSWITCH 1.10.12; test/fixtures/esl-transcripts):
//  - avmd_start from the originate's execute_on_answer (what a campaign with `amd` dials): the
//    avmd::beep event twice — the module's bare copy, then the copy with the channel's data, with one
//    Event-Sequence — each with the captured header names in the captured order;
//  - subscribed as the node listener is (`filter variable_cr_app campaign-runner`): only the copy with
//    the channel's data passes (mod_event_socket drops an event that lacks the filtered header), once;
//  - uuid_transfer to an inline extension breaks off the running playback and runs the new list;
//  - record_session (execute_on_answer=record_session:<path>) writes a real WAV of the answered length
//    at the path (its folders made), finished before CHANNEL_HANGUP_COMPLETE, which carries record_ms.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { RawEsl, splitFrames, transcript, type Frame } from './raw.ts';

const ev = (f: Frame) => f.event!.h;
const names = (f: Frame) => f.event!.headers.map(([k]) => k);
const nonVariables = (f: Frame) => names(f).filter((k) => !k.startsWith('variable_'));
const isSub = (f: Frame, sub: string) => !!f.event && ev(f)['Event-Subclass'] === sub;
const isEvent = (f: Frame, name: string, uuid: string) => !!f.event && ev(f)['Event-Name'] === name && ev(f)['Unique-ID'] === uuid;

const dir = mkdtempSync(join(tmpdir(), 'sim-record-'));
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    timeScale: 0.01,
    rules: {
      limits: { maxSessions: 100, sessionsPerSecond: 100000 },
      numbers: {
        machine: { action: 'machine', ringMs: 5, beepMs: 300, talkMs: 3000 },
        person: { action: 'answer', ringMs: 5, talkMs: 700 },
      },
    },
  });
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

async function subscribed(lines: string[]): Promise<RawEsl> {
  const c = await RawEsl.connect(sim.port);
  await c.login();
  for (const [i, l] of lines.entries()) {
    c.send(l);
    await c.until((f) => f.length >= 2 + i + 1);
  }
  return c;
}

describe('mod_avmd started by execute_on_answer (capture 41-avmd-start-beep)', () => {
  const real = splitFrames(transcript('41-avmd-start-beep')).frames;
  const realBeeps = real.filter((f) => isSub(f, 'avmd::beep'));

  it('the capture has the beep twice: the bare copy, then the same Event-Sequence with the channel', () => {
    expect(realBeeps).toHaveLength(2);
    expect(ev(realBeeps[1]!)['Event-Sequence']).toBe(ev(realBeeps[0]!)['Event-Sequence']);
    expect(ev(realBeeps[0]!)['Beep-Status']).toBe('DETECTED');
    expect(names(realBeeps[0]!)).not.toContain('Channel-State');
    expect(names(realBeeps[1]!)).toContain('variable_avmd_detect');
  });

  it('every avmd::beep header, in the captured order, twice; a transfer then plays the message', async () => {
    const c = await subscribed(['event plain CHANNEL_EXECUTE_COMPLETE CHANNEL_HANGUP_COMPLETE CUSTOM avmd::start avmd::beep avmd::stop']);
    const uuid = 'w-avmd-1';
    await sim.control.api(
      `originate {origination_uuid=${uuid},execute_on_answer=avmd_start,cr_app=campaign-runner}sofia/gateway/gw1/machine &playback(silence_stream://5000)`,
    );
    const fr = await c.until((f) => f.filter((x) => isSub(x, 'avmd::beep')).length === 2, 3000);
    const beeps = fr.filter((x) => isSub(x, 'avmd::beep'));
    expect(names(beeps[0]!)).toEqual(names(realBeeps[0]!));
    expect(nonVariables(beeps[1]!)).toEqual(nonVariables(realBeeps[1]!));
    expect(ev(beeps[1]!)['Event-Sequence']).toBe(ev(beeps[0]!)['Event-Sequence']);
    for (const k of ['Beep-Status', 'Call-command', 'Frequency', 'Amplitude', 'Detector-resolution', 'Detector-offset', 'Detector-index'])
      expect(ev(beeps[0]!)[k], k).toBe(ev(realBeeps[0]!)[k]);
    expect(ev(beeps[1]!)['variable_avmd_detect']).toBe('TRUE');
    expect(ev(beeps[1]!)['variable_cr_app']).toBe('campaign-runner');
    // the message after the beep: the playback still running is broken off, the new list runs
    expect(await sim.control.api(`uuid_transfer ${uuid} playback:silence_stream://100,hangup inline`)).toBe('+OK\n');
    const done = await c.until((f) => f.some((x) => isEvent(x, 'CHANNEL_HANGUP_COMPLETE', uuid)), 3000);
    const apps = done
      .filter((x) => isEvent(x, 'CHANNEL_EXECUTE_COMPLETE', uuid))
      .map((x) => `${ev(x)['Application']}(${ev(x)['Application-Data'] ?? ''})`);
    expect(apps).toEqual(['avmd_start()', 'playback(silence_stream://5000)', 'playback(silence_stream://100)', 'hangup()']);
    const end = ev(done.find((x) => isEvent(x, 'CHANNEL_HANGUP_COMPLETE', uuid))!);
    expect([end['variable_avmd_detect'], end['variable_last_app'], end['Hangup-Cause']]).toEqual(['TRUE', 'hangup', 'NORMAL_CLEARING']);
    // no avmd::stop at the hangup
    expect(done.filter((x) => isSub(x, 'avmd::stop'))).toHaveLength(0);
    expect(await sim.control.api(`uuid_transfer nosuch playback:x inline`)).toBe('-ERR No such channel!\n');
    c.close();
  });

  it("the node listener's filter lets only the copy with the channel's data through, once", async () => {
    const c = await subscribed(['event plain CHANNEL_HANGUP_COMPLETE CUSTOM avmd::beep', 'filter variable_cr_app campaign-runner']);
    const uuid = 'w-avmd-2';
    await sim.control.api(
      `originate {origination_uuid=${uuid},execute_on_answer=avmd_start,cr_app=campaign-runner}sofia/gateway/gw1/machine &park()`,
    );
    expect(await sim.control.api(`uuid_kill ${uuid}`)).toBe('+OK\n'); // too early: no beep yet, none after
    const fr = await c.until((f) => f.some((x) => isEvent(x, 'CHANNEL_HANGUP_COMPLETE', uuid)), 3000);
    expect(fr.filter((x) => isSub(x, 'avmd::beep'))).toHaveLength(0);
    const uuid2 = 'w-avmd-3';
    await sim.control.api(
      `originate {origination_uuid=${uuid2},execute_on_answer=avmd_start,cr_app=campaign-runner}sofia/gateway/gw1/machine &park()`,
    );
    const fr2 = await c.until((f) => f.some((x) => isSub(x, 'avmd::beep') && ev(x)['Unique-ID'] === uuid2), 3000);
    await sim.control.api(`uuid_kill ${uuid2}`);
    const all = await c.until((f) => f.some((x) => isEvent(x, 'CHANNEL_HANGUP_COMPLETE', uuid2)), 3000);
    const beeps = all.filter((x) => isSub(x, 'avmd::beep'));
    expect(beeps).toHaveLength(1);
    expect(nonVariables(beeps[0]!)).toEqual(nonVariables(realBeeps[1]!));
    expect(fr2.length).toBeGreaterThan(0);
    c.close();
  });
});

/** Seconds of audio in a PCM WAV, from its header (data bytes / byte rate). */
function wavSeconds(b: Buffer): number {
  expect(b.toString('ascii', 0, 4)).toBe('RIFF');
  expect(b.toString('ascii', 8, 12)).toBe('WAVE');
  expect(b.readUInt16LE(20)).toBe(1); // PCM
  expect(b.readUInt32LE(4)).toBe(b.length - 8);
  return b.readUInt32LE(40) / b.readUInt32LE(28);
}

describe('record_session', () => {
  it('writes a WAV as long as the answered call, at the path given, before CHANNEL_HANGUP_COMPLETE', async () => {
    const c = await subscribed(['event plain CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE']);
    const uuid = 'w-rec-1';
    const path = join(dir, 'a', 'b', `${uuid}.wav`);
    await sim.control.api(`originate {origination_uuid=${uuid},execute_on_answer=record_session:${path}}sofia/gateway/gw1/person &park()`);
    const fr = await c.until((f) => f.some((x) => isEvent(x, 'CHANNEL_HANGUP_COMPLETE', uuid)), 3000);
    expect(existsSync(path)).toBe(true);
    const end = ev(fr.find((x) => isEvent(x, 'CHANNEL_HANGUP_COMPLETE', uuid))!);
    const answerUs = Number(ev(fr.find((x) => isEvent(x, 'CHANNEL_ANSWER', uuid))!)['Event-Date-Timestamp']);
    const talkMs = (Number(end['Event-Date-Timestamp']) - answerUs) / 1000;
    const secs = wavSeconds(readFileSync(path));
    expect(Math.abs(secs * 1000 - talkMs)).toBeLessThan(100); // the rule's talkMs is 700
    expect(secs).toBeGreaterThan(0.6);
    expect(Number(end['variable_record_ms'])).toBe(Math.floor(secs * 1000));
    expect(end['variable_record_seconds']).toBe(String(Math.floor(secs)));
    c.close();
  });

  it('records nothing for a call that is not answered', async () => {
    const path = join(dir, 'never.wav');
    const r = await sim.control.api(`originate {execute_on_answer=record_session:${path}}error/USER_BUSY &park()`);
    expect(r).toMatch(/^-ERR/);
    expect(existsSync(path)).toBe(false);
  });
});
