// The application strings of media/playback.ts, run by the FreeSWITCH simulator exactly as the
// originate would send them: the TTS prompt plays (signed http_cache URL), the OTP file_string
// plays, and play_and_get_digits (single-quoted) stores the callee's digits in cr_digits, which
// arrives on CHANNEL_HANGUP_COMPLETE as variable_cr_digits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/index.ts';
import { audioLocation } from '../../media/audio-url.ts';
import { applicationString, callContent, type TemplateContent } from '../../media/playback.ts';
import { contentHash } from '../../media/tts.ts';
import { cleanupArgument, parseOriginate } from '../../simulator/dialstring.ts';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { RawEsl, type Frame } from '../simulator/raw.ts';

let sim: Simulator;
let c: RawEsl;
beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    timeScale: 0.005,
    rules: {
      limits: { maxSessions: 100, sessionsPerSecond: 100000 },
      // The audio URLs (10.0.0.5) are served by nobody: they play mediaMs as before the simulator
      // fetched them (on FreeSWITCH, and by default, they are FILE NOT FOUND).
      missingMedia: 'play',
      numbers: {
        '0900000001': { action: 'answer' as const, ringMs: 5, talkMs: null, digits: '1' },
        '0900000002': { action: 'answer' as const, ringMs: 5, talkMs: null },
      },
    },
  });
  c = await RawEsl.connect(sim.port);
  await c.login();
  c.send('event json ALL');
  await c.until((f) => f.length >= 3);
});
afterAll(async () => {
  c.close();
  await sim.close();
});

const evs = (uuid: string): Frame[] => c.events().filter((f) => f.event!.h['Unique-ID'] === uuid);
const ev = (uuid: string, name: string) => evs(uuid).find((f) => f.event!.h['Event-Name'] === name)?.event?.h;
const destroyed = (uuid: string) => c.until(() => evs(uuid).some((f) => f.event!.h['Event-Name'] === 'CHANNEL_DESTROY'), 5000);

const config = parseConfig({
  DATA_DIR: '/tmp/cr-sim-audio',
  AUDIO_URL_SECRET: 'k'.repeat(20),
  AUDIO_BASE_URL: 'http://10.0.0.5:3000/audio',
});
const locate = (text: string) => audioLocation(config, contentHash('espeak-ng', 'vi', text));
const tpl = (t: Partial<TemplateContent>): TemplateContent => ({
  type_autocall: 'autocall_voice_tts',
  content: '',
  audio_file: '',
  otp_param: 'otp',
  otp_repeat: 2,
  ...t,
});

describe('the simulator runs what the call plays', () => {
  it('TTS playback, then the call ends NORMAL_CLEARING', async () => {
    const app = applicationString(callContent('', tpl({ content: 'Chào bạn {{ten}}' }), { ten: 'Nguyễn Văn A' }), locate);
    expect(await sim.control.api(`originate {origination_uuid=m-tts}sofia/gateway/gw1/0900000002 ${app}`)).toBe('+OK m-tts\n');
    await destroyed('m-tts');
    const done = ev('m-tts', 'CHANNEL_EXECUTE_COMPLETE')!;
    expect(done['Application']).toBe('playback');
    expect(done['Application-Data']).toMatch(/^http_cache:\/\/http:\/\/10\.0\.0\.5:3000\/audio\/[0-9a-f]{64}-[0-9a-f]{32}\.wav$/);
    expect(done['Application-Response']).toBe('FILE PLAYED');
    expect(ev('m-tts', 'CHANNEL_HANGUP_COMPLETE')!['Hangup-Cause']).toBe('NORMAL_CLEARING');
  });

  it('OTP twice in one file_string', async () => {
    const app = applicationString(
      callContent('autocall_voice_otp', tpl({ type_autocall: 'autocall_voice_otp', content: 'Mã {{otp}}' }), { otp: '123' }),
      locate,
    );
    await sim.control.api(`originate {origination_uuid=m-otp}sofia/gateway/gw1/0900000002 ${app}`);
    await destroyed('m-otp');
    expect(ev('m-otp', 'CHANNEL_EXECUTE_COMPLETE')!['Application-Data']).toMatch(
      /^file_string:\/\/http_cache:\/\/\S+!silence_stream:\/\/700!http_cache:\/\/\S+$/,
    );
  });

  it('play_and_get_digits: the callee presses 1 → variable_cr_digits 1; nothing pressed → timeout', async () => {
    const digits = { min: 1, max: 1, tries: 1, timeout_ms: 2000, terminators: '#', regexp: '^[12]$', digit_timeout_ms: 1000 };
    const app = applicationString(callContent('', tpl({ content: 'Bấm 1 để xác nhận', digits }), {}), locate);
    expect(app.startsWith("'&play_and_get_digits(")).toBe(true);
    expect(await sim.control.api(`originate {origination_uuid=m-dg}sofia/gateway/gw1/0900000001 ${app}`)).toBe('+OK m-dg\n');
    await destroyed('m-dg');
    expect(
      evs('m-dg')
        .filter((f) => f.event!.h['Event-Name'] === 'DTMF')
        .map((f) => f.event!.h['DTMF-Digit']),
    ).toEqual(['1']);
    const end = ev('m-dg', 'CHANNEL_HANGUP_COMPLETE')!;
    expect(end['variable_cr_digits']).toBe('1');
    expect(end['variable_read_result']).toBe('success');

    await sim.control.api(`originate {origination_uuid=m-none}sofia/gateway/gw1/0900000002 ${app}`);
    await destroyed('m-none');
    const none = ev('m-none', 'CHANNEL_HANGUP_COMPLETE')!;
    expect(none['variable_cr_digits']).toBeUndefined();
    expect(none['variable_read_result']).toBe('failure'); // switch_ivr_read: too few keys (none) is TOO_SMALL → failure
  });
});

describe("the simulator reads originate arguments as FreeSWITCH's cleanup_separated_string does", () => {
  it('quotes stripped, the documented escapes read, others kept', () => {
    expect(cleanupArgument("'&play_and_get_digits(1 1 3 5000 # /a.wav silence_stream://250 cr_digits \\d+ 3000)'")).toBe(
      '&play_and_get_digits(1 1 3 5000 # /a.wav silence_stream://250 cr_digits \\d+ 3000)',
    );
    expect(cleanupArgument("a\\'b")).toBe("a'b");
    expect(cleanupArgument('a\\sb')).toBe('a b');
    expect(cleanupArgument('a\\\\b')).toBe('a\\b');
    expect(cleanupArgument("it's")).toBe("it's"); // a lone quote stays
    expect(parseOriginate("{origination_uuid=x}sofia/gateway/g/1 '&play_and_get_digits(1 2 3)'").app).toEqual({
      name: 'play_and_get_digits',
      args: '1 2 3',
    });
  });
  it('template digit regexps that the parser would rewrite are refused', async () => {
    const { TemplateBody } = await import('../../api/v3/schemas.ts');
    const ok = (regexp: string) =>
      TemplateBody.safeParse({ template_name: 't', type_autocall: 'autocall_voice_tts', content: 'x', digits: { regexp } }).success;
    expect(ok('^[12]$')).toBe(true);
    expect(ok('\\d{4,6}')).toBe(true);
    expect(ok('^\\s*1$')).toBe(false);
    expect(ok('a\\\\b')).toBe(false);
    expect(ok('^(1|2)$')).toBe(false);
  });
});
