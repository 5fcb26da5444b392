// The rules of what a template may put into a call (issue 20) and the bounds of what a call says:
// audio_file (an uploaded id or an https:// URL of a public host; nothing else), digits options,
// the rendered text (2,000 characters once read, about 5 minutes), as the pure functions the API,
// the import checks and the call all use.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/index.ts';
import { readValue } from '../../domain/vietnamese.ts';
import { digitsProblems, hasExpansion, parseAudioFile, templateProblems, templateTextProblem } from '../../media/audio-rules.ts';
import { audioFileProblem, paramProblems } from '../../media/import-check.ts';
import { estimateSpeechMs, formatDuration, MAX_AUDIO_MS, MAX_SPOKEN_CHARS } from '../../media/limits.ts';
import { callContent, ContentError, type DigitsOptions, type TemplateContent } from '../../media/playback.ts';

const ID = '3f'.repeat(32);
const tpl = (t: Partial<TemplateContent>): TemplateContent => ({
  type_autocall: 'autocall_voice_tts',
  content: '',
  audio_file: '',
  otp_param: 'otp',
  otp_repeat: 2,
  ...t,
});
const DIGITS: DigitsOptions = { min: 1, max: 1, tries: 3, timeout_ms: 5000, terminators: '#', regexp: '^[12]$', digit_timeout_ms: 3000 };
const config = parseConfig({ DATA_DIR: '/nonexistent-cr-data' });

describe('audio_file: an uploaded id or an https:// URL of a public host, nothing else', () => {
  // Every value the probe of issue 20 saw reach FreeSWITCH, and their relatives.
  it.each([
    ['http_cache://http://169.254.169.254/latest/meta-data/x.wav', /other schemes are not played/],
    ['file:///etc/passwd', /other schemes are not played/],
    ['../../../etc/shadow', /paths are not played/],
    ['/etc/passwd', /paths are not played/],
    ['/var/lib/audio/notice.wav', /paths are not played/],
    ['shout://evil.example.com/a.mp3', /other schemes are not played/],
    ['{absolute_codec_string=PCMU}/etc/passwd', /paths are not played/],
    ['/tmp/${cr_call_id}.wav', /must not contain \$\{/],
    ['/a.wav,/b.wav', /paths are not played/],
    ['http://cdn.example.vn/a.wav', /must be an https:\/\/ URL/],
    ['https://169.254.169.254/latest/meta-data', /must not point at a link-local address/],
    ['https://127.0.0.1/a.wav', /must not point at a loopback address/],
    ['https://[::ffff:0:7f00:1]/a.wav', /must not point at an IPv4-translated address/],
    ['https://[64:ff9b::a9fe:a9fe]/a.wav', /link-local/],
    ['https://10.0.0.8/a.wav', /private/],
    ['https://localhost/a.wav', /loopback/],
    ['https://user:pw@cdn.example.vn/a.wav', /user name or password/],
    ['https://cdn.example.vn/${x}.wav', /must not contain \$\{/],
    ['https://cdn.example.vn/a b.wav', /spaces/],
    [`https://cdn.example.vn/${'a'.repeat(2100)}.wav`, /at most 2048/],
    ['silence_stream://1000', /other schemes/],
    ['tone_stream://%(100,100,350)', /other schemes/],
    ['say:hello', /other schemes/],
    ['$${sounds_dir}/x.wav', /must not contain \$\{/],
    ['A'.repeat(64), /lowercase hex/],
    ['a'.repeat(63), /paths are not played/],
    ['', /is required/],
  ])('%s is refused', (v, why) => {
    const r = parseAudioFile(v);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problem).toMatch(why);
    // …at template write (API), at import, and at call time (a template stored before the rules).
    expect(templateProblems(tpl({ type_autocall: 'autocall_audio', audio_file: v }))[0]!.audio_file).toMatch(why);
    expect(audioFileProblem(config, 'autocall_audio', tpl({ type_autocall: 'autocall_audio', audio_file: v }))).toMatch(
      /audio_file|no audio_file/,
    );
    // At call time the form is checked again; a literal address with the configuration, when fetched (fetch-audio.test.ts).
    if (parseAudioFile(v, { allowPrivate: true }).ok)
      expect(callContent('autocall_audio', tpl({ audio_file: v }), {}).prompts[0]!.kind).toBe('audio');
    else expect(() => callContent('autocall_audio', tpl({ audio_file: v }), {})).toThrow(ContentError);
  });

  it.each([
    [ID, { kind: 'upload', id: ID }],
    [` ${ID}\n`, { kind: 'upload', id: ID }],
    ['https://cdn.example.vn/audio/nhac-no.wav', { kind: 'url', url: 'https://cdn.example.vn/audio/nhac-no.wav' }],
    ['HTTPS://CDN.example.vn/a.mp3?v=2', { kind: 'url', url: 'https://cdn.example.vn/a.mp3?v=2' }],
    ['https://8.8.8.8/a.wav', { kind: 'url', url: 'https://8.8.8.8/a.wav' }],
    ['https://[64:ff9b::808:808]/a.wav', { kind: 'url', url: 'https://[64:ff9b::808:808]/a.wav' }],
  ])('%j is accepted', (v, source) => {
    expect(parseAudioFile(v)).toEqual({ ok: true, source });
  });

  it('a literal private host is allowed with AUDIO_FETCH_ALLOW_PRIVATE (names are checked when fetched)', () => {
    expect(parseAudioFile('https://10.0.0.8/a.wav', { allowPrivate: true }).ok).toBe(true);
    expect(
      audioFileProblem(
        parseConfig({ DATA_DIR: '/x', AUDIO_FETCH_ALLOW_PRIVATE: 'true' }),
        '',
        tpl({ type_autocall: 'autocall_audio', audio_file: 'https://10.0.0.8/a.wav' }),
      ),
    ).toBeNull();
    expect(audioFileProblem(config, '', tpl({ type_autocall: 'autocall_audio', audio_file: 'https://10.0.0.8/a.wav' }))).toBe(
      'audio_file must not point at a private address (10.0.0.8)',
    );
  });

  it("an uploaded id must be the tenant's (when the template carries its tenant)", () => {
    const t = { ...tpl({ type_autocall: 'autocall_audio', audio_file: ID }), domain_uuid: 'tenant-a' };
    expect(audioFileProblem(config, '', t)).toBe(`audio_file ${ID} not found`);
    expect(audioFileProblem(config, '', { ...t, domain_uuid: undefined })).toBeNull();
  });

  it('a campaign of type autocall_audio plays the audio_file of any template: checked whenever set', () => {
    expect(templateProblems(tpl({ content: 'Xin chào', audio_file: '/etc/passwd' }))).toEqual([
      { audio_file: 'must be the id of an uploaded audio file or an https:// URL (paths are not played)' },
    ]);
    expect(templateProblems(tpl({ content: 'Xin chào' }))).toEqual([]);
    expect(audioFileProblem(config, 'autocall_audio', tpl({ content: 'Xin chào', audio_file: '/etc/passwd' }))).toMatch(
      /paths are not played/,
    );
  });
});

describe('digits options: nothing that expands or splits in the originate', () => {
  it.each([
    [{ regexp: '^${cr_app}[12]$' }, 'digits.regexp', /must not contain \$\{/],
    [{ regexp: '$${x}' }, 'digits.regexp', /must not contain \$\{/],
    [{ regexp: '^(1|2)$' }, 'digits.regexp', /parentheses/],
    [{ regexp: '^1 2$' }, 'digits.regexp', /spaces/],
    [{ regexp: "^1'$" }, 'digits.regexp', /quotes/],
    [{ regexp: '^\\s*1$' }, 'digits.regexp', /escapes/],
    [{ regexp: 'a\\\\b' }, 'digits.regexp', /escapes/],
    [{ regexp: 'x\\' }, 'digits.regexp', /escapes/],
    [{ regexp: '' }, 'digits.regexp', /1 to 200/],
    [{ regexp: 'x'.repeat(201) }, 'digits.regexp', /1 to 200/],
    [{ regexp: 5 }, 'digits.regexp', /1 to 200/],
    [{ terminators: '${x}' }, 'digits.terminators', /0-9/],
    [{ terminators: '# ' }, 'digits.terminators', /0-9/],
    [{ terminators: '#####' }, 'digits.terminators', /0-9/],
    [{ min: '1 ${x}' }, 'digits.min', /integer from 1 to 32/],
    [{ min: 0 }, 'digits.min', /integer/],
    [{ max: 33 }, 'digits.max', /integer/],
    [{ min: 3, max: 2 }, 'digits.max', /greater than or equal/],
    [{ tries: 11 }, 'digits.tries', /integer from 1 to 10/],
    [{ timeout_ms: 1.5 }, 'digits.timeout_ms', /integer/],
    [{ digit_timeout_ms: 'x' }, 'digits.digit_timeout_ms', /integer/],
  ])('%j → %s', (patch, field, why) => {
    const d = { ...DIGITS, ...patch } as unknown as DigitsOptions;
    const problems = digitsProblems(d);
    expect(problems.map(([f]) => f)).toContain(field);
    expect(problems.find(([f]) => f === field)![1]).toMatch(why);
    expect(templateProblems(tpl({ content: 'x', digits: d })).some((p) => p[field] !== undefined)).toBe(true);
    expect(audioFileProblem(config, '', tpl({ content: 'x', digits: d }))).toMatch(new RegExp(`^${field.replace('.', '\\.')} `));
  });
  it.each(['^[12]$', '\\d+', '\\d{4,6}', '^[0-9*#]{1,3}$', '^1|2$', '[!]', '.*', '^\\*\\d+#$'])('%s is accepted', (regexp) => {
    expect(digitsProblems({ ...DIGITS, regexp })).toEqual([]);
  });
  it('none or absent: nothing to check', () => {
    expect(digitsProblems(null)).toEqual([]);
    expect(digitsProblems(undefined)).toEqual([]);
    expect(digitsProblems({ ...DIGITS, terminators: 'none' })).toEqual([]);
    expect(hasExpansion('^${x}$')).toBe(true);
    expect(hasExpansion('^$[x]{')).toBe(false);
  });
});

describe('what a call says is bounded (issue 20)', () => {
  const e = (f: () => unknown): ContentError => {
    try {
      f();
    } catch (err) {
      expect(err).toBeInstanceOf(ContentError);
      return err as ContentError;
    }
    throw new Error('no error');
  };

  it('a 5,000-character template of placeholders: refused at import with the reason, before rendering', () => {
    const content = '{{a}}'.repeat(1000);
    const p = paramProblems('', tpl({ content }), { a: 'Nguyễn Văn A' });
    expect(p).toEqual([{ param: expect.stringMatching(/^the message is \d+ characters once its values are read; at most 2000$/) }]);
    expect(e(() => callContent('', tpl({ content }), { a: 'Nguyễn Văn A' })).code).toBe('too_long');
  });

  it('a 15-digit value is read digit by digit, and one long value is named', () => {
    expect(readValue('123456789012345')).toBe('một hai ba bốn năm sáu bảy tám chín không một hai ba bốn năm');
    expect(paramProblems('', tpl({ content: 'Số {{id}}' }), { id: '123456789012345' })).toEqual([]);
    const huge = '9'.repeat(500); // 500 digits, read one by one: ~2,400 characters
    expect(paramProblems('', tpl({ content: 'Số {{id}} và {{b}}' }), { id: huge, b: 'x' })).toEqual([
      { 'param.id': 'is read as more than 2000 characters; the message may be at most 2000' },
    ]);
    // A 1 MB value is measured once, not rendered into every placeholder.
    const t0 = performance.now();
    expect(paramProblems('', tpl({ content: '{{v}}'.repeat(1000) }), { v: 'x'.repeat(1_000_000) })).toEqual([
      { 'param.v': expect.any(String) },
    ]);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('exactly 2,000 characters is fine; 2,001 is not', () => {
    const word = 'ba ';
    const at = (n: number) => (word.repeat(Math.ceil(n / word.length)) as string).slice(0, n).trim();
    const ok = at(MAX_SPOKEN_CHARS);
    expect(ok.length).toBeLessThanOrEqual(MAX_SPOKEN_CHARS);
    expect(paramProblems('', tpl({ content: '{{t}}' }), { t: ok })).toEqual([]);
    expect(paramProblems('', tpl({ content: '{{t}} x' }), { t: `${ok}x` })).not.toEqual([]);
  });

  it('a text short enough but too long to say (pauses, OTP repeats) is refused by the speech estimate', () => {
    const semis = 'a; '.repeat(600); // 1,800 characters; espeak-ng says it in ~290 s, the estimate ~360 s
    expect(semis.trim().length).toBeLessThan(MAX_SPOKEN_CHARS);
    expect(paramProblems('', tpl({ content: '{{t}}' }), { t: semis })).toEqual([
      { param: expect.stringMatching(/^the message would take about 6 min( \d+ s)? to say; at most 5 min$/) },
    ]);
    const otp = tpl({ type_autocall: 'autocall_voice_otp', content: `${'Mã xác thực của bạn là {{otp}}. '.repeat(20)}`, otp_repeat: 5 });
    expect(paramProblems('', otp, { otp: '123456' })).toEqual([{ param: expect.stringMatching(/to say \(5 times\); at most 5 min$/) }]);
    expect(paramProblems('', { ...otp, otp_repeat: 1 }, { otp: '123456' })).toEqual([]);
  });

  it('the template text alone (API write time)', () => {
    expect(templateTextProblem('Xin chào {{name}}')).toBeNull();
    expect(templateTextProblem('x '.repeat(1500))).toMatch(/^is 2999 characters without its values; at most 2000/);
    expect(templateTextProblem('a; '.repeat(600))).toMatch(/^would take about/);
    expect(templateTextProblem('{{a}}'.repeat(5000))).toMatch(/^is 25000 characters/);
    expect(templateProblems(tpl({ content: 'x '.repeat(1500) }))).toEqual([{ content: expect.stringMatching(/^is 2999 characters/) }]);
  });

  it('estimateSpeechMs: words, long tokens, digits the engine reads, pauses', () => {
    expect(estimateSpeechMs('')).toBe(0);
    expect(estimateSpeechMs('xin chào')).toBe(500);
    expect(estimateSpeechMs('a, b.')).toBe(2 * 250 + 2 * 350);
    expect(estimateSpeechMs('12')).toBe(4 * 250);
    expect(estimateSpeechMs('x'.repeat(80))).toBe(10 * 250);
    expect(formatDuration(MAX_AUDIO_MS)).toBe('5 min');
    expect(formatDuration(100_400)).toBe('1 min 40 s');
    expect(formatDuration(45_000)).toBe('45 s');
  });
});
