// The simulator's media as FreeSWITCH 1.10 plays it: a WAV's own length (local path, or an
// http_cache:// URL fetched and cached like mod_http_cache), FILE NOT FOUND for audio it cannot get
// (compared with capture 40), keys that stop play_and_get_digits' prompt (switch_ivr_read), and
// mod_avmd started by sendmsg (compared with captures 41-avmd-start-beep / -no-beep).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { RawEsl, splitFrames, transcript, type Frame } from './raw.ts';

/** A real WAV: 16-bit mono PCM silence at 8 kHz, `ms` long, with a correct RIFF header. */
function wav(ms: number, rate = 8000): Buffer {
  const data = Buffer.alloc(Math.round((rate * ms) / 1000) * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28); // byte rate
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

const dir = mkdtempSync(join(tmpdir(), 'sim-media-'));
const file = (name: string, ms: number) => {
  const p = join(dir, name);
  writeFileSync(p, wav(ms));
  return p;
};

let sim: Simulator;
let web: http.Server;
let webUrl: string;
let refusedUrl: string;
const gets = new Map<string, number>();

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    timeScale: 0.01,
    rules: {
      limits: { maxSessions: 100, sessionsPerSecond: 100000 },
      numbers: {
        hold: { action: 'answer', ringMs: 5, talkMs: null },
        beep: { action: 'machine', ringMs: 5, beepMs: 400, talkMs: 1000 },
        human: { action: 'answer', ringMs: 5, talkMs: 400 },
        humanstop: { action: 'machine', amdResult: 'HUMAN', ringMs: 5, talkMs: null },
        onanswer: { action: 'machine', ringMs: 5, beepMs: 100, talkMs: 300 },
      },
    },
  });
  const served = wav(300);
  web = http.createServer((req, res) => {
    gets.set(req.url!, (gets.get(req.url!) ?? 0) + 1);
    if (req.url === '/a.wav') {
      res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': served.length });
      res.end(served);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
  webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  // a port nobody listens on: connection refused, as in capture 40
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  refusedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/x.wav`;
  await new Promise<void>((r) => closed.close(() => r()));
});
afterAll(async () => {
  await sim.close();
  await new Promise<void>((r) => web.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

const ev = (f: Frame) => f.event!.h;
const evName = (f: Frame) =>
  f.event
    ? `${ev(f)['Event-Name']}${ev(f)['Event-Subclass'] ? ' ' + ev(f)['Event-Subclass'] : ''}`
    : `${f.h['Content-Type']}|${f.h['Reply-Text'] ?? ''}`;
const names = (f: Frame) => f.event!.headers.map(([k]) => k);
const nonVariables = (f: Frame) => names(f).filter((k) => !k.startsWith('variable_'));
const variables = (f: Frame) => names(f).filter((k) => k.startsWith('variable_'));
const captured = (name: string) => splitFrames(transcript(name)).frames;
const usOf = (f: Frame) => Number(ev(f)['Event-Date-Timestamp']);

async function subscribed(events: string): Promise<RawEsl> {
  const c = await RawEsl.connect(sim.port);
  await c.login();
  c.send(`event plain ${events}`);
  await c.until((f) => f.length >= 3);
  return c;
}

/** EXECUTE → EXECUTE_COMPLETE of the originate's application, and the call's end. */
async function playOnce(c: RawEsl, uuid: string, app: string): Promise<{ exec: Frame; done: Frame; end: Frame }> {
  await sim.control.api(`originate {origination_uuid=${uuid}}sofia/gateway/gw1/hold ${app}`);
  const fr = await c.until(
    (f) => f.some((x) => x.event && ev(x)['Unique-ID'] === uuid && ev(x)['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE'),
    5000,
  );
  const mine = fr.filter((x) => x.event && ev(x)['Unique-ID'] === uuid);
  const find = (n: string) => mine.find((x) => ev(x)['Event-Name'] === n)!;
  return { exec: find('CHANNEL_EXECUTE'), done: find('CHANNEL_EXECUTE_COMPLETE'), end: find('CHANNEL_HANGUP_COMPLETE') };
}

describe('a WAV plays its own length', () => {
  it('a local file: the header says 400 ms, the playback lasts 400 ms, then the call ends', async () => {
    const c = await subscribed('CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE CHANNEL_HANGUP_COMPLETE');
    const { exec, done, end } = await playOnce(c, 'm-local', `&playback(${file('four.wav', 400)})`);
    const ms = (usOf(done) - usOf(exec)) / 1000;
    expect(ms).toBeGreaterThanOrEqual(395);
    expect(ms).toBeLessThan(700);
    expect(ev(done)['Application-Response']).toBe('FILE PLAYED');
    expect(ev(done)['variable_current_application_response']).toBe('FILE PLAYED');
    expect(ev(end)['Hangup-Cause']).toBe('NORMAL_CLEARING');
    expect(Number(ev(end)['variable_billmsec'])).toBeGreaterThanOrEqual(395);
    c.close();
  });

  it('an http_cache:// URL: fetched (GET), its 300 ms played; fetched once for two calls', async () => {
    const c = await subscribed('CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE CHANNEL_HANGUP_COMPLETE');
    for (const uuid of ['m-http1', 'm-http2']) {
      const { exec, done } = await playOnce(c, uuid, `&playback(http_cache://${webUrl}/a.wav)`);
      const ms = (usOf(done) - usOf(exec)) / 1000;
      expect(ms).toBeGreaterThanOrEqual(295);
      expect(ms).toBeLessThan(600);
      expect(ev(done)['Application-Response']).toBe('FILE PLAYED');
    }
    expect(gets.get('/a.wav')).toBe(1);
    c.close();
  });

  it('silence_stream://N plays N ms; file_string adds 250 ms before its first file; tone_stream plays mediaMs', async () => {
    const c = await subscribed('CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE CHANNEL_HANGUP_COMPLETE');
    const len = async (uuid: string, what: string) => {
      const { exec, done } = await playOnce(c, uuid, `&playback(${what})`);
      return (usOf(done) - usOf(exec)) / 1000;
    };
    const silence = await len('m-sil', 'silence_stream://300');
    expect(silence).toBeGreaterThanOrEqual(295);
    expect(silence).toBeLessThan(600);
    const both = await len('m-fs', `file_string://${file('one.wav', 100)}!silence_stream://200`);
    expect(both).toBeGreaterThanOrEqual(545);
    expect(both).toBeLessThan(850);
    expect(await len('m-tone', 'tone_stream://%(100,100,350,440)')).toBeLessThan(300); // mediaMs 50
    c.close();
  });
});

describe('audio it cannot get is FILE NOT FOUND, as captured (40)', () => {
  const EVENTS = 'CHANNEL_ANSWER CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE CHANNEL_HANGUP_COMPLETE BACKGROUND_JOB';
  const real = captured('40-playback-file-not-found');
  const realEv = (n: string) => real.find((f) => f.event && ev(f)['Event-Name'] === n)!;
  const REAL_FILE = 'http_cache://http://127.0.0.1:8598/x.wav';
  /** Fields of the hangup that the failure decides, in FreeSWITCH's order. */
  const END_FIELDS = [
    'Hangup-Cause',
    'variable_current_application_data',
    'variable_current_application',
    'variable_current_application_response',
    'variable_hangup_cause',
    'variable_hangup_cause_q850',
    'variable_last_app',
    'variable_last_arg',
    'variable_duration',
    'variable_billsec',
    'variable_flow_billusec',
    'variable_sip_hangup_disposition',
  ];
  const TIMES = /(epoch|stamp|sec|Time|Timestamp|Date|duration)$/;

  it.each([
    ['connection refused', () => `http_cache://${refusedUrl}`],
    ['HTTP 404', () => `http_cache://${webUrl}/missing.wav`],
    ['a missing local file', () => join(dir, 'nosuch.wav')],
  ])('%s', async (_what, target) => {
    const playFile = target();
    const uuid = `e963d8fd-e2ad-40b5-ac02-70178${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const c = await subscribed(EVENTS);
    const t0 = Date.now();
    c.send(
      `bgapi originate {origination_uuid=${uuid},origination_caller_id_number=0280000000,originate_timeout=20,ignore_early_media=true,campaign_uuid=c1,lead_uuid=l40}sofia/gateway/gw_long/0901000040 &playback(${playFile})`,
    );
    const fr = await c.until((f) => f.some((x) => x.event && ev(x)['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE'), 5000);
    expect(Date.now() - t0).toBeLessThan(1000); // at once (the capture: all within 20 ms)
    // the same frames in the same order
    expect(fr.map(evName).slice(4)).toEqual(real.map(evName).slice(4));
    const sim = (n: string) => fr.find((f) => f.event && ev(f)['Event-Name'] === n)!;
    // every event: the same non-variable headers, in the same order
    for (const n of ['CHANNEL_ANSWER', 'CHANNEL_EXECUTE', 'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_HANGUP_COMPLETE']) {
      expect(nonVariables(sim(n)), n).toEqual(nonVariables(realEv(n)));
    }
    // the application's headers and variables, values included
    for (const n of ['CHANNEL_EXECUTE', 'CHANNEL_EXECUTE_COMPLETE']) {
      const mine = ev(sim(n));
      const theirs = realEv(n).event!.h;
      expect(mine['Application']).toBe(theirs['Application']);
      expect(mine['Application-Data']).toBe(playFile);
      expect(theirs['Application-Data']).toBe(REAL_FILE);
      expect(mine['Application-Response']).toBe(theirs['Application-Response']);
      const appVars = (f: Frame) => variables(f).filter((k) => k.startsWith('variable_current_application'));
      expect(appVars(sim(n)), n).toEqual(appVars(realEv(n)));
      expect(variables(sim(n)).slice(-appVars(sim(n)).length)).toEqual(appVars(sim(n))); // last, as captured
    }
    expect(ev(sim('CHANNEL_EXECUTE_COMPLETE'))['Application-Response']).toBe('FILE NOT FOUND');
    // the end: fields in FreeSWITCH's order, values that are not times equal
    const end = sim('CHANNEL_HANGUP_COMPLETE');
    const realEnd = realEv('CHANNEL_HANGUP_COMPLETE');
    const pick = (f: Frame) => names(f).filter((k) => END_FIELDS.includes(k));
    expect(pick(end)).toEqual(pick(realEnd));
    for (const k of END_FIELDS) {
      if (TIMES.test(k) && k !== 'variable_billsec') continue;
      const want = k === 'variable_last_arg' || k === 'variable_current_application_data' ? playFile : realEnd.event!.h[k];
      expect(ev(end)[k], k).toBe(want);
    }
    expect(ev(end)['variable_billsec']).toBe('0');
    expect(ev(end)['variable_sip_hangup_disposition']).toBe('send_bye');
    for (const absent of ['variable_sip_term_status', 'variable_proto_specific_hangup_cause', 'variable_sip_term_cause']) {
      expect(realEnd.event!.h[absent]).toBeUndefined();
      expect(ev(end)[absent], absent).toBeUndefined();
    }
    c.close();
  });

  it('play_and_get_digits with a prompt it cannot get: read_result unset, no digits, the invalid file per try, _none_', async () => {
    // switch_ivr_read: play_file → NOTFOUND → `goto end` (read_result stays unset); the loop plays
    // the invalid file and tries again; the application sets no response.
    const c = await subscribed('CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE CHANNEL_HANGUP_COMPLETE');
    const { exec, done, end } = await playOnce(
      c,
      'm-pagd-nf',
      `'&play_and_get_digits(1 1 2 2000 # http_cache://${refusedUrl} silence_stream://150 choice \\d 1000)'`,
    );
    const ms = (usOf(done) - usOf(exec)) / 1000;
    expect(ms).toBeGreaterThanOrEqual(295); // two tries × the 150 ms invalid file; no timeout waited
    expect(ms).toBeLessThan(700);
    expect(ev(done)['Application-Response']).toBe('_none_');
    expect(ev(done)['variable_current_application_response']).toBeUndefined();
    for (const v of ['variable_read_result', 'variable_choice', 'variable_choice_invalid']) expect(ev(end)[v], v).toBeUndefined();
    expect(ev(end)['Hangup-Cause']).toBe('NORMAL_CLEARING');
    c.close();
  });
});

describe('keys stop the prompt (play_and_get_digits)', () => {
  it('a key 2.5 s after the answer stops a 9 s prompt: billsec 2 (time scale 1)', async () => {
    const real = await startSimulator({
      port: 0,
      timeScale: 1,
      rules: { numbers: { press: { action: 'answer', ringMs: 20, talkMs: null, digits: '1', digitDelayMs: 2500 } } },
    });
    try {
      const c = await RawEsl.connect(real.port);
      await c.login();
      c.send('event plain CHANNEL_ANSWER DTMF CHANNEL_EXECUTE_COMPLETE CHANNEL_HANGUP_COMPLETE');
      await c.until((f) => f.length >= 3);
      // billsec counts whole seconds (end_epoch - answer_epoch): answer early in a second
      while (Date.now() % 1000 > 100) await new Promise((r) => setTimeout(r, 10));
      const t0 = Date.now();
      await real.control.api(
        `originate {origination_uuid=m-press}sofia/gateway/gw1/press '&play_and_get_digits(1 1 1 5000 # ${file('nine.wav', 9000)} silence_stream://250 choice \\d)'`,
      );
      const fr = await c.until((f) => f.some((x) => x.event && ev(x)['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE'), 8000);
      expect(Date.now() - t0).toBeLessThan(4000); // not the 9 s prompt
      const end = ev(fr.find((x) => x.event && ev(x)['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE')!);
      expect(fr.filter((x) => x.event && ev(x)['Event-Name'] === 'DTMF').map((x) => ev(x)['DTMF-Digit'])).toEqual(['1']);
      expect(end['variable_billsec']).toBe('2');
      expect(Number(end['variable_billmsec'])).toBeGreaterThanOrEqual(2500);
      expect(Number(end['variable_billmsec'])).toBeLessThan(3000);
      expect(end['variable_choice']).toBe('1');
      expect(end['variable_read_result']).toBe('success');
      c.close();
    } finally {
      await real.close();
    }
  }, 15_000);

  it('terminator, max digits, digit timeout and a regexp mismatch as switch_ivr_read has them', async () => {
    const rules = sim.control.getRules();
    sim.control.setRules({
      ...rules,
      numbers: {
        ...rules.numbers,
        term: { action: 'answer', ringMs: 5, talkMs: null, digits: '12#', digitDelayMs: 20 },
        slow: { action: 'answer', ringMs: 5, talkMs: null, digits: '12', digitDelayMs: 150 },
        wrong: { action: 'answer', ringMs: 5, talkMs: null, digits: '9', digitDelayMs: 20 },
      },
    });
    const c = await subscribed('CHANNEL_HANGUP_COMPLETE');
    const run = async (uuid: string, number: string, args: string) => {
      await sim.control.api(`originate {origination_uuid=${uuid}}sofia/gateway/gw1/${number} '&play_and_get_digits(${args})'`);
      const fr = await c.until((f) => f.some((x) => x.event && ev(x)['Unique-ID'] === uuid), 5000);
      return ev(fr.find((x) => x.event && ev(x)['Unique-ID'] === uuid)!);
    };
    const prompt = file('prompt.wav', 2000);
    // `#` ends the input: 12, read_terminator_used #
    const t = await run('m-term', 'term', `1 4 1 3000 # ${prompt} silence_stream://50 v \\d+`);
    expect([t['variable_v'], t['variable_read_result'], t['variable_read_terminator_used']]).toEqual(['12', 'success', '#']);
    // digit_timeout 1000 (scaled to 10 ms) ends the input after 1: the 2 comes too late; 1 ≥ min → success
    const s = await run('m-slow', 'slow', `1 4 1 3000 # ${prompt} silence_stream://50 v \\d+ 1000`);
    expect([s['variable_v'], s['variable_read_result']]).toEqual(['1', 'timeout']);
    // 9 does not match ^[12]$: v unset, v_invalid 9, read_result success of the last read
    const w = await run('m-wrong', 'wrong', `1 1 1 3000 # ${prompt} silence_stream://50 v ^[12]$`);
    expect([w['variable_v'], w['variable_v_invalid'], w['variable_read_result']]).toEqual([undefined, '9', 'success']);
    c.close();
  });
});

describe('mod_avmd, as captured (41)', () => {
  const EVENTS =
    'CHANNEL_ANSWER CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE CHANNEL_HANGUP_COMPLETE BACKGROUND_JOB CUSTOM avmd::start avmd::beep avmd::stop';
  const sendmsg = (c: RawEsl, uuid: string, app: string) => c.send(`sendmsg ${uuid}\ncall-command: execute\nexecute-app-name: ${app}`);
  const isSub = (f: Frame, sub: string) => !!f.event && ev(f)['Event-Subclass'] === sub;
  /** The module's own headers: everything before the channel's data. */
  const own = (f: Frame) => names(f).slice(0, names(f).indexOf('Channel-State') < 0 ? undefined : names(f).indexOf('Channel-State'));

  /** Each avmd event twice: the bare copy, then the same with the channel; names and order as captured. */
  function compareAvmd(mine: Frame[], real: Frame[]) {
    for (const sub of ['avmd::start', 'avmd::beep', 'avmd::stop']) {
      const m = mine.filter((f) => isSub(f, sub));
      const r = real.filter((f) => isSub(f, sub));
      expect(m.length, sub).toBe(r.length);
      if (!r.length) continue;
      const [bare, full] = m as [Frame, Frame];
      const [realBare, realFull] = r as [Frame, Frame];
      expect(names(bare), sub).toEqual(names(realBare));
      expect(own(full), sub).toEqual(own(realFull));
      expect(nonVariables(full), sub).toEqual(nonVariables(realFull));
      expect(ev(full)['Event-Sequence']).toBe(ev(bare)['Event-Sequence']);
      for (const k of [
        'Event-Calling-File',
        'Event-Calling-Function',
        'Event-Calling-Line-Number',
        'Call-command',
        'Beep-Status',
        'Frequency',
        'Frequency-variance',
        'Amplitude',
        'Amplitude-variance',
        'Detector-resolution',
        'Detector-offset',
        'Detector-index',
      ]) {
        expect(ev(bare)[k], `${sub} ${k}`).toBe(ev(realBare)[k]);
      }
    }
  }

  it('a beep (41-avmd-start-beep): start, beep with avmd_detect/avmd_total_time, stop; every event twice', async () => {
    const real = captured('41-avmd-start-beep');
    const uuid = 'b4d6f1e4-b3d4-443a-8307-5506a214f4cb';
    const c = await subscribed(EVENTS);
    c.send(
      `bgapi originate {origination_uuid=${uuid},origination_caller_id_number=0280000000,originate_timeout=20,ignore_early_media=true,campaign_uuid=c1,lead_uuid=l41}sofia/gateway/gw1/beep &park()`,
    );
    await c.until((f) => f.some((x) => x.event && ev(x)['Event-Name'] === 'CHANNEL_EXECUTE'));
    sendmsg(c, uuid, 'avmd_start');
    await c.until((f) => f.filter((x) => isSub(x, 'avmd::beep')).length === 2, 3000);
    sendmsg(c, uuid, 'avmd_stop');
    const fr = await c.until((f) => f.some((x) => x.event && ev(x)['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE'), 3000);
    expect(fr.map(evName).slice(4)).toEqual(real.map(evName).slice(4));
    compareAvmd(fr, real);
    // the variables: loops while sendmsg's application runs, avmd_* once the beep is heard
    const execs = (f: Frame[]) =>
      f.filter((x) => x.event && ev(x)['Event-Name']!.startsWith('CHANNEL_EXECUTE') && ev(x)['Application'] === 'avmd_start');
    for (const [m, r] of execs(fr).map((x, i) => [x, execs(real)[i]!] as const))
      expect(variables(m).slice(-3)).toEqual(variables(r).slice(-3));
    const fullBeep = fr.filter((x) => isSub(x, 'avmd::beep'))[1]!;
    const realFullBeep = real.filter((x) => isSub(x, 'avmd::beep'))[1]!;
    expect(variables(fullBeep).slice(-2)).toEqual(variables(realFullBeep).slice(-2));
    expect(ev(fullBeep)['variable_avmd_detect']).toBe('TRUE');
    expect(ev(fullBeep)['variable_avmd_total_time']).toMatch(/^\[\d+\]$/);
    const detected = Number(ev(fullBeep)['Detection-time']);
    expect(Math.floor(detected / 1000)).toBe(Number(ev(fullBeep)['variable_avmd_total_time']!.slice(1, -1)));
    const stop = fr.filter((x) => isSub(x, 'avmd::stop'))[0]!;
    expect(ev(stop)['Beep-Status']).toBe('DETECTED');
    expect(Number(ev(stop)['Total-time'])).toBeGreaterThan(detected);
    // the park returns at the hangup; the last application was avmd_stop
    const end = ev(fr.find((x) => x.event && ev(x)['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE')!);
    expect(end['variable_last_app']).toBe('avmd_stop');
    expect(end['variable_avmd_detect']).toBe('TRUE');
    c.close();
  });

  it('no beep (41-avmd-start-no-beep): avmd::start only, no stop at the hangup, no avmd_* variables', async () => {
    const real = captured('41-avmd-start-no-beep');
    const uuid = '877fb81b-f948-4f23-ae6b-681c117dba1b';
    const c = await subscribed(EVENTS);
    c.send(
      `bgapi originate {origination_uuid=${uuid},origination_caller_id_number=0280000000,originate_timeout=20,ignore_early_media=true,campaign_uuid=c1,lead_uuid=l41}sofia/gateway/gw_long/human &park()`,
    );
    await c.until((f) => f.some((x) => x.event && ev(x)['Event-Name'] === 'CHANNEL_EXECUTE'));
    sendmsg(c, uuid, 'avmd_start');
    const fr = await c.until((f) => f.some((x) => x.event && ev(x)['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE'), 3000);
    expect(fr.map(evName).slice(4)).toEqual(real.map(evName).slice(4));
    compareAvmd(fr, real);
    const end = ev(fr.at(-1)!);
    expect(Object.keys(end).filter((k) => k.startsWith('variable_avmd'))).toEqual([]);
    c.close();
  });

  it('avmd_stop without a beep: avmd::stop NOTDETECTED; avmd_stop with nothing running: nothing', async () => {
    const c = await subscribed(EVENTS);
    await sim.control.api('originate {origination_uuid=m-avmd-stop}sofia/gateway/gw1/humanstop &park()');
    sendmsg(c, 'm-avmd-stop', 'avmd_stop'); // nothing runs yet
    await c.until((f) => f.filter((x) => x.event && ev(x)['Application'] === 'avmd_stop').length === 2);
    sendmsg(c, 'm-avmd-stop', 'avmd_start');
    await c.until((f) => f.filter((x) => isSub(x, 'avmd::start')).length === 2);
    sendmsg(c, 'm-avmd-stop', 'avmd_stop');
    const fr = await c.until((f) => f.filter((x) => isSub(x, 'avmd::stop')).length === 2);
    const stops = fr.filter((x) => isSub(x, 'avmd::stop'));
    expect(stops.map((x) => ev(x)['Beep-Status'])).toEqual(['NOTDETECTED', 'NOTDETECTED']);
    expect(fr.filter((x) => isSub(x, 'avmd::beep'))).toHaveLength(0);
    expect(await sim.control.api('uuid_kill m-avmd-stop')).toBe('+OK\n');
    c.send('sendmsg nosuch-uuid\ncall-command: execute\nexecute-app-name: avmd_start');
    const reply = await c.until((f) => f.some((x) => x.h['Reply-Text']?.startsWith('-ERR')));
    expect(reply.find((x) => x.h['Reply-Text']?.startsWith('-ERR'))!.h['Reply-Text']).toBe('-ERR invalid session id [nosuch-uuid]');
    c.close();
  });

  it('started by the originate: execute_on_answer=avmd_start, or the avmd_start application', async () => {
    const c = await subscribed(EVENTS);
    await sim.control.api('originate {origination_uuid=m-avmd-ooa,execute_on_answer=avmd_start}sofia/gateway/gw1/onanswer &park()');
    const fr = await c.until(
      (f) => f.some((x) => x.event && ev(x)['Unique-ID'] === 'm-avmd-ooa' && ev(x)['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE'),
      3000,
    );
    const mine = fr.filter((x) => x.event && ev(x)['Unique-ID'] === 'm-avmd-ooa');
    expect(mine.filter((x) => ev(x)['Event-Name'] === 'CUSTOM').map((x) => ev(x)['Event-Subclass'])).toEqual([
      'avmd::start',
      'avmd::start',
      'avmd::beep',
      'avmd::beep',
    ]);
    await sim.control.api('originate {origination_uuid=m-avmd-app}sofia/gateway/gw1/onanswer &avmd_start()');
    const fr2 = await c.until(
      (f) => f.some((x) => x.event && ev(x)['Unique-ID'] === 'm-avmd-app' && ev(x)['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE'),
      3000,
    );
    // the originate's only application returns at once, then the call hangs up: no time to hear a beep
    expect(fr2.filter((x) => x.event && ev(x)['Unique-ID'] === 'm-avmd-app').map(evName)).toEqual([
      'CHANNEL_ANSWER',
      'CHANNEL_EXECUTE',
      'CUSTOM avmd::start',
      'CHANNEL_EXECUTE_COMPLETE',
      'CUSTOM avmd::start',
      'CHANNEL_HANGUP_COMPLETE',
    ]);
    c.close();
  });
});
