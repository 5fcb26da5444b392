// What the call plays: the pure mapping from type_autocall, template and lead param to the
// originate's application string, and its errors.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/index.ts';
import { TemplateBody } from '../../api/v3/schemas.ts';
import { signHash } from '../../media/audio-url.ts';
import {
  applicationString,
  callApplication,
  callContent,
  ContentError,
  type DigitsOptions,
  type TemplateContent,
} from '../../media/playback.ts';
import { Tts } from '../../media/tts.ts';

const tts = (content: string, extra: Partial<TemplateContent> = {}): TemplateContent => ({
  type_autocall: 'autocall_voice_tts',
  content,
  audio_file: '',
  otp_param: 'otp',
  otp_repeat: 2,
  ...extra,
});
const DEBT = 'Chào bạn {{customer_name}} vui lòng thanh toán khoản nợ {{due_amount}} trước ngày {{due_date}}';
const PARAM = { customer_name: 'Nguyễn Văn A', due_amount: '10410000', due_date: '30/01/2021' };
const DIGITS: DigitsOptions = { min: 1, max: 1, tries: 3, timeout_ms: 5000, terminators: '#', regexp: '^[12]$', digit_timeout_ms: 3000 };
// A fake locator: the text's position in a list, so strings are easy to read.
const loc = (texts: string[]) => (t: string) => {
  if (!texts.includes(t)) texts.push(t);
  return `/a/${texts.indexOf(t)}.wav`;
};

describe('callContent', () => {
  it('autocall_voice_tts: the rendered text (the documented sentence)', () => {
    expect(callContent('autocall_voice_tts', tts(DEBT), PARAM)).toEqual({
      prompts: [
        {
          kind: 'tts',
          text: 'Chào bạn Nguyễn Văn A vui lòng thanh toán khoản nợ mười triệu bốn trăm mười nghìn trước ngày ba mươi tháng một năm hai không hai mươi mốt',
        },
      ],
      digits: null,
    });
  });
  it("the campaign's empty type_autocall falls back to the template's", () => {
    expect(callContent('', tts('Xin chào'), {}).prompts).toEqual([{ kind: 'tts', text: 'Xin chào' }]);
  });
  it('autocall_audio: an uploaded audio id or an https:// URL (media/audio-rules.ts)', () => {
    const id = 'a'.repeat(64);
    expect(callContent('autocall_audio', tts('', { type_autocall: 'autocall_audio', audio_file: ` ${id} ` }), {})).toEqual({
      prompts: [{ kind: 'audio', source: { kind: 'upload', id } }],
      digits: null,
    });
    expect(
      callContent('', tts('', { type_autocall: 'autocall_audio', audio_file: 'https://cdn.example.vn/nhac-no.wav' }), {}).prompts,
    ).toEqual([{ kind: 'audio', source: { kind: 'url', url: 'https://cdn.example.vn/nhac-no.wav' } }]);
  });
  it('autocall_voice_otp: the code digit by digit, twice with a pause, whatever its form', () => {
    const t = tts('Mã xác thực của bạn là {{otp}}', { type_autocall: 'autocall_voice_otp' });
    const said = 'Mã xác thực của bạn là một hai ba bốn năm sáu';
    for (const code of ['123456', 123456, '12 34 56', '123-456']) {
      expect(callContent('autocall_voice_otp', t, { otp: code }).prompts).toEqual([
        { kind: 'tts', text: said },
        { kind: 'silence', ms: 700 },
        { kind: 'tts', text: said },
      ]);
    }
    expect(callContent('autocall_voice_otp', t, { otp: '0070' }).prompts[0]).toEqual({
      kind: 'tts',
      text: 'Mã xác thực của bạn là không không bảy không',
    });
    const three = callContent('autocall_voice_otp', { ...t, otp_repeat: 3, otp_param: 'code', content: '{{code}}' }, { code: '9' });
    expect(three.prompts.filter((p) => p.kind === 'tts')).toHaveLength(3);
    expect(callContent('autocall_voice_otp', { ...t, otp_repeat: 1 }, { otp: '1' }).prompts).toHaveLength(1);
  });
  it('errors: missing placeholder values (all named), no OTP code, no audio file, nothing to say', () => {
    const e = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(ContentError);
        return err as ContentError;
      }
      throw new Error('no error');
    };
    const m = e(() => callContent('autocall_voice_tts', tts(DEBT), { customer_name: 'A', due_date: null }));
    expect([m.code, m.params, m.message]).toEqual([
      'missing_params',
      ['due_amount', 'due_date'],
      'missing template parameters: due_amount, due_date',
    ]);
    const otp = tts('Mã {{otp}}', { type_autocall: 'autocall_voice_otp' });
    for (const v of [undefined, null, '', 'abc'])
      expect(e(() => callContent('autocall_voice_otp', otp, { otp: v })).code).toBe('missing_otp');
    expect(e(() => callContent('autocall_audio', tts('', { type_autocall: 'autocall_audio' }), {})).code).toBe('missing_audio');
    expect(e(() => callContent('autocall_voice_tts', tts('{{x}}'), { x: '   ' })).code).toBe('empty_content');
  });
});

describe('applicationString', () => {
  it('one prompt → &playback(location)', () => {
    const texts: string[] = [];
    expect(applicationString(callContent('', tts(DEBT), PARAM), loc(texts))).toBe('&playback(/a/0.wav)');
    expect(texts).toHaveLength(1);
  });
  it("audio: the product's own copy, never the tenant's URL", () => {
    const url = 'https://cdn.example.vn/a.wav';
    const own = 'http_cache://http://127.0.0.1:3000/audio/' + 'b'.repeat(64) + '-' + 'c'.repeat(32) + '.wav';
    const seen: unknown[] = [];
    const app = applicationString(
      { prompts: [{ kind: 'audio', source: { kind: 'url', url } }], digits: null },
      () => 'unused',
      (s) => (seen.push(s), own),
    );
    expect(app).toBe(`&playback(${own})`);
    expect(seen).toEqual([{ kind: 'url', url }]);
    expect(app).not.toContain('cdn.example.vn');
    // Without a locator an audio prompt has no location.
    expect(() => applicationString({ prompts: [{ kind: 'audio', source: { kind: 'url', url } }], digits: null }, () => '')).toThrow(
      ContentError,
    );
  });
  it('OTP: the same audio twice in one file_string with a pause', () => {
    const c = callContent('autocall_voice_otp', tts('Mã {{otp}}', { type_autocall: 'autocall_voice_otp' }), { otp: '42' });
    const texts: string[] = [];
    expect(applicationString(c, loc(texts))).toBe('&playback(file_string:///a/0.wav!silence_stream://700!/a/0.wav)');
    expect(texts).toEqual(['Mã bốn hai']);
  });
  it('digits: play_and_get_digits with the options, into cr_digits, quoted for the originate', () => {
    const c = callContent('', tts('Bấm 1 để xác nhận, bấm 2 để gặp nhân viên', { digits: DIGITS }), {});
    expect(applicationString(c, loc([]))).toBe("'&play_and_get_digits(1 1 3 5000 # /a/0.wav silence_stream://250 cr_digits ^[12]$ 3000)'");
    const otp = callContent(
      '',
      tts('{{otp}}', { type_autocall: 'autocall_voice_otp', digits: { ...DIGITS, min: 4, max: 6, terminators: 'none', regexp: '\\d+' } }),
      { otp: '1' },
    );
    expect(applicationString(otp, loc([]))).toBe(
      "'&play_and_get_digits(4 6 3 5000 none file_string:///a/0.wav!silence_stream://700!/a/0.wav silence_stream://250 cr_digits \\d+ 3000)'",
    );
    const audio = callContent('', tts('', { type_autocall: 'autocall_audio', audio_file: 'd'.repeat(64), digits: DIGITS }), {});
    expect(applicationString(audio, loc([]), () => '/data/uploads/menu.wav')).toContain(
      ' /data/uploads/menu.wav silence_stream://250 cr_digits ',
    );
  });
  it('refuses a location that would break the originate or expand a variable', () => {
    for (const f of ['/my sounds/a.wav', "/a'b.wav", '/a(1).wav', '/a!b.wav', '/tmp/${cr_call_id}.wav', '$${sounds_dir}/a.wav']) {
      expect(() => applicationString({ prompts: [{ kind: 'tts', text: 'x' }], digits: null }, () => f), f).toThrow(ContentError);
      expect(
        () =>
          applicationString(
            { prompts: [{ kind: 'audio', source: { kind: 'upload', id: 'a'.repeat(64) } }], digits: null },
            () => '',
            () => f,
          ),
        f,
      ).toThrow(ContentError);
    }
  });

  it('refuses digits options that reach the originate with ${ or what its splitter acts on, however the content was built', () => {
    const c = (digits: DigitsOptions) => ({ prompts: [{ kind: 'tts' as const, text: 'x' }], digits });
    for (const bad of [
      { ...DIGITS, regexp: '^${cr_app}[12]$' },
      { ...DIGITS, regexp: '^[12]$ x' },
      { ...DIGITS, regexp: '^(1|2)$' },
      { ...DIGITS, terminators: '${x}' },
      { ...DIGITS, min: '1 ${x}' as unknown as number },
      { ...DIGITS, timeout_ms: 5000.5 },
    ]) {
      const err = (() => {
        try {
          applicationString(c(bad), () => '/a.wav');
        } catch (e) {
          return e;
        }
      })();
      expect(err, JSON.stringify(bad)).toBeInstanceOf(ContentError);
      expect((err as ContentError).code).toBe('unplayable');
      expect(() => callContent('', tts('Bấm 1', { digits: bad }), {}), JSON.stringify(bad)).toThrow(/digits\./);
    }
  });
});

describe('template digits options (v3 directory)', () => {
  it('defaults, null, and refusals', () => {
    const base = { template_name: 't', type_autocall: 'autocall_voice_tts', content: 'x' };
    expect(TemplateBody.parse(base).digits).toBeNull();
    expect(TemplateBody.parse({ ...base, digits: {} }).digits).toEqual({
      min: 1,
      max: 1,
      tries: 3,
      timeout_ms: 5000,
      terminators: '#',
      regexp: '\\d+',
      digit_timeout_ms: 3000,
    });
    expect(TemplateBody.safeParse({ ...base, digits: { min: 3, max: 2 } }).success).toBe(false);
    expect(TemplateBody.safeParse({ ...base, digits: { regexp: '^(1|2)$' } }).success).toBe(false);
    expect(TemplateBody.safeParse({ ...base, digits: { terminators: 'ab' } }).success).toBe(false);
  });
});

describe('callApplication', () => {
  it('synthesises each distinct text once and points at the signed audio URL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cr-play-'));
    try {
      const config = parseConfig({ DATA_DIR: dir, AUDIO_URL_SECRET: 'x'.repeat(20), AUDIO_BASE_URL: 'http://api.local:3000/audio' });
      const t = new Tts(new (await import('../../media/tts.ts')).EspeakProvider('vi'), join(dir, 'audio'));
      const app = await callApplication(
        { tts: t, config },
        'autocall_voice_otp',
        tts('Mã {{otp}}', { type_autocall: 'autocall_voice_otp' }),
        { otp: '19' },
      );
      expect(t.synthesized).toBe(1);
      const m =
        /^&playback\(file_string:\/\/http_cache:\/\/http:\/\/api\.local:3000\/audio\/([0-9a-f]{64})-([0-9a-f]{32})\.wav!silence_stream:\/\/700!http_cache:\/\/\S+\)$/.exec(
          app,
        );
      expect(m).not.toBeNull();
      expect(m![2]).toBe(signHash(config, m![1]!));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
