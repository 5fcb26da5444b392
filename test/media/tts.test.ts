// Text-to-speech: real audio from the default provider (espeak-ng) for the documented Vietnamese
// sentence, its WAV header and a plausible duration, the content cache, shared concurrent
// syntheses, the HTTP provider against a local server, and the errors.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/index.ts';
import { renderTemplateStrict } from '../../domain/vietnamese.ts';
import { chmod } from 'node:fs/promises';
import { estimateSpeechMs, MAX_AUDIO_MS, MAX_SPOKEN_CHARS } from '../../media/limits.ts';
import { contentHash, EspeakProvider, HttpTtsProvider, providerFromConfig, Tts, TtsError, type TtsProvider } from '../../media/tts.ts';
import { wav } from './fixtures/audio.ts';
import { parseWav, WavError } from '../../media/wav.ts';

const TEMPLATE = 'Chào bạn {{customer_name}} vui lòng thanh toán khoản nợ {{due_amount}} trước ngày {{due_date}}';
const SENTENCE = renderTemplateStrict(TEMPLATE, { customer_name: 'Nguyễn Văn A', due_amount: '10410000', due_date: '30/01/2021' });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cr-tts-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A tiny PCM WAV: 8 kHz mono 16-bit, `ms` of silence. */
function silenceWav(ms: number): Buffer {
  const data = Buffer.alloc(Math.round((8000 * 2 * ms) / 1000));
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(16000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

describe('the default provider (espeak-ng)', () => {
  it('speaks the documented Vietnamese sentence: a PCM WAV whose duration fits the syllables, cached by content', async () => {
    expect(SENTENCE).toBe(
      'Chào bạn Nguyễn Văn A vui lòng thanh toán khoản nợ mười triệu bốn trăm mười nghìn trước ngày ba mươi tháng một năm hai không hai mươi mốt',
    );
    const tts = new Tts(new EspeakProvider('vi'), join(dir, 'a'));
    const r = await tts.synthesize(SENTENCE);
    expect(r.contentHash).toBe(contentHash('espeak-ng', 'vi', SENTENCE));
    expect(r.file).toBe(join(dir, 'a', `${r.contentHash}.wav`));
    const bytes = await readFile(r.file);
    expect(bytes.toString('ascii', 0, 4)).toBe('RIFF');
    expect(bytes.toString('ascii', 8, 12)).toBe('WAVE');
    expect(bytes.readUInt32LE(4)).toBe(bytes.length - 8); // real sizes, not the streamed 0xFFFFFFFF
    const info = parseWav(bytes);
    expect(info.audioFormat).toBe(1);
    expect(info.channels).toBe(1);
    expect(info.bitsPerSample).toBe(16);
    expect(info.sampleRate).toBeGreaterThanOrEqual(8000);
    expect(info.durationMs).toBe(r.durationMs);
    // Vietnamese is written one syllable per word.
    const syllables = SENTENCE.split(/\s+/).length;
    expect(syllables).toBe(29);
    expect(r.durationMs).toBeGreaterThan(syllables * 50);
    expect(r.durationMs).toBeLessThan(syllables * 600);
    // Not silence: some samples are loud.
    let peak = 0;
    for (let i = 44; i + 1 < bytes.length; i += 2) peak = Math.max(peak, Math.abs(bytes.readInt16LE(i)));
    expect(peak).toBeGreaterThan(1000);

    // The second call hits the cache, also from a new instance (another process).
    expect(tts.synthesized).toBe(1);
    expect(await tts.synthesize(SENTENCE)).toEqual(r);
    expect(tts.synthesized).toBe(1);
    const again = new Tts(new EspeakProvider('vi'), join(dir, 'a'));
    expect(await again.synthesize(SENTENCE)).toEqual(r);
    expect(again.synthesized).toBe(0);
  });

  it('a longer text takes longer; another voice is another file', async () => {
    const tts = new Tts(new EspeakProvider('vi'), join(dir, 'b'));
    const short = await tts.synthesize('mười lăm');
    const long = await tts.synthesize('một hai ba bốn năm sáu bảy tám chín mười');
    expect(long.durationMs).toBeGreaterThan(short.durationMs * 2);
    const south = await tts.synthesize('mười lăm', { voice: 'vi-vn-x-south' });
    expect(south.contentHash).not.toBe(short.contentHash);
    expect(tts.synthesized).toBe(3);
  });

  it('a missing espeak-ng names the package', async () => {
    const tts = new Tts(new EspeakProvider('vi', 'espeak-ng-not-here'), join(dir, 'c'));
    const err = await tts.synthesize('xin chào').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TtsError);
    expect((err as Error).message).toMatch(/not installed.*Debian package espeak-ng/);
  });

  it('empty text is refused', async () => {
    const tts = new Tts(new EspeakProvider('vi'), join(dir, 'c'));
    await expect(tts.synthesize('   ')).rejects.toThrow(/empty text/);
  });
});

describe('bounds (issue 20)', () => {
  it('the text goes to espeak-ng on stdin: 150 KB of text is no "Argument list too long", and its audio is stopped at 5 minutes', async () => {
    const p = new EspeakProvider('vi');
    const text = 'một hai ba bốn năm sáu bảy tám chín mười '.repeat(3500);
    expect(Buffer.byteLength(text)).toBeGreaterThan(150_000);
    const t0 = Date.now();
    const err = await p.synthesizeToFile(text, 'vi', join(dir, 'huge.wav'), { maxDurationMs: MAX_AUDIO_MS }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TtsError);
    expect((err as Error).message).toBe('text-to-speech: the audio is longer than 5 min (stopped)');
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(await readdir(dir)).not.toContain('huge.wav');
  });

  it('a text starting with - or holding markup is text', async () => {
    const tts = new Tts(new EspeakProvider('vi'), join(dir, 'g'));
    expect((await tts.synthesize('--version -v en <speak>một</speak>')).durationMs).toBeGreaterThan(500);
  });

  it('a synthesis running longer than TTS_TIMEOUT_MS is killed', async () => {
    const bin = join(dir, 'slow-espeak');
    await writeFile(bin, '#!/bin/sh\nexec sleep 30\n');
    await chmod(bin, 0o755);
    const tts = new Tts(new EspeakProvider('vi', bin, 300), join(dir, 'h'));
    const t0 = Date.now();
    await expect(tts.synthesize('xin chào')).rejects.toThrow('text-to-speech: espeak-ng took longer than 300 ms (killed)');
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(providerFromConfig(parseConfig({ TTS_TIMEOUT_MS: '4000' }))).toMatchObject({ timeoutMs: 4000 });
  });

  it('more than 2,000 characters is refused; audio longer than 5 minutes from any provider is refused', async () => {
    const tts = new Tts(new EspeakProvider('vi'), join(dir, 'i'));
    await expect(tts.synthesize('a'.repeat(MAX_SPOKEN_CHARS + 1))).rejects.toThrow(
      'text-to-speech: the text is 2001 characters; at most 2000',
    );
    const six = new Tts(
      { name: 'six', defaultVoice: 'x', synthesizeWav: async () => wav({ ms: 301_000, rate: 8000, bits: 8, format: 7 }) },
      join(dir, 'i'),
    );
    await expect(six.synthesize('x')).rejects.toThrow('text-to-speech: the audio is 5 min 1 s; at most 5 min');
    expect(await readdir(join(dir, 'i'))).toEqual([]);
  });

  it("the speech estimate (import-time) is above espeak-ng's real length for the texts that speak longest", async () => {
    const tts = new Tts(new EspeakProvider('vi'), join(dir, 'j'));
    const texts = [
      (SENTENCE + ' ').repeat(20).slice(0, 2000).trim(),
      ' một hai ba bốn năm sáu bảy tám chín không'.repeat(47).trim(),
      'a '.repeat(999).trim(),
      'a, '.repeat(600).trim(),
      'a; '.repeat(600).trim(),
      '999999999999 '.repeat(150).trim(),
    ];
    for (const t of texts) {
      expect(t.length).toBeLessThanOrEqual(MAX_SPOKEN_CHARS);
      const { durationMs } = await tts.synthesize(t);
      expect(estimateSpeechMs(t), t.slice(0, 30)).toBeGreaterThanOrEqual(durationMs);
    }
  });
});

describe('the cache', () => {
  it('concurrent requests for the same text share one synthesis', async () => {
    let calls = 0;
    const slow: TtsProvider = {
      name: 'slow',
      defaultVoice: 'x',
      async synthesizeWav() {
        calls++;
        await new Promise((r) => setTimeout(r, 50));
        return silenceWav(500);
      },
    };
    const tts = new Tts(slow, join(dir, 'd'));
    const all = await Promise.all(Array.from({ length: 20 }, () => tts.synthesize('cùng một câu')));
    expect(calls).toBe(1);
    expect(new Set(all.map((r) => r.file)).size).toBe(1);
    expect(all[0]!.durationMs).toBe(500);
    // Only the finished file is left (no temporary files).
    expect(await readdir(join(dir, 'd'))).toEqual([`${all[0]!.contentHash}.wav`]);
  });

  it('a damaged cached file is made again; a provider returning no WAV is an error', async () => {
    let calls = 0;
    const p: TtsProvider = { name: 'p', defaultVoice: 'x', synthesizeWav: async () => (calls++, silenceWav(100)) };
    const tts = new Tts(p, join(dir, 'e'));
    const r = await tts.synthesize('a');
    await writeFile(r.file, 'garbage');
    expect((await tts.synthesize('a')).durationMs).toBe(100);
    expect(calls).toBe(2);
    const bad = new Tts({ name: 'bad', defaultVoice: 'x', synthesizeWav: async () => Buffer.from('ID3 mp3') }, join(dir, 'e'));
    await expect(bad.synthesize('a')).rejects.toThrow(/returned no usable WAV/);
  });
});

describe('parseWav', () => {
  it('reads the header and rejects what is not a WAV', () => {
    const info = parseWav(silenceWav(250));
    expect(info).toMatchObject({ audioFormat: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16, durationMs: 250 });
    expect(() => parseWav(Buffer.from('hello world, not audio'))).toThrow(WavError);
    expect(() => parseWav(silenceWav(10).subarray(0, 36))).toThrow(/no data chunk/);
  });
});

describe('the HTTP provider', () => {
  let server: Server;
  let url: string;
  const seen: { body: unknown; headers: Record<string, unknown> }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const parsed = JSON.parse(body) as { text: string };
        seen.push({ body: parsed, headers: req.headers });
        if (parsed.text === 'fail') {
          res.writeHead(503).end('engine down');
          return;
        }
        res.writeHead(200, { 'content-type': 'audio/wav' }).end(silenceWav(300));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tts`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('posts the text and voice with the configured headers; caches; reports failures', async () => {
    const config = parseConfig({ TTS_PROVIDER: 'http', TTS_HTTP_URL: url, TTS_VOICE: 'banmai', TTS_HTTP_HEADERS: '{"api-key":"k1"}' });
    const provider = providerFromConfig(config);
    expect(provider).toBeInstanceOf(HttpTtsProvider);
    const tts = new Tts(provider, join(dir, 'f'));
    const r = await tts.synthesize('Xin chào');
    expect(r.durationMs).toBe(300);
    expect(seen[0]!.body).toEqual({ text: 'Xin chào', voice: 'banmai' });
    expect(seen[0]!.headers['api-key']).toBe('k1');
    await tts.synthesize('Xin chào');
    expect(seen).toHaveLength(1);
    await expect(tts.synthesize('fail')).rejects.toThrow(/answered 503: engine down/);
  });

  it('a body that does not end is cut off once it holds more than 5 minutes of audio (streamed, not buffered)', async () => {
    const endless = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.write(wav({ ms: 10, streamed: true }));
      const t = setInterval(() => res.write(Buffer.alloc(256 * 1024)), 1);
      res.on('close', () => clearInterval(t));
    });
    await new Promise<void>((r) => endless.listen(0, '127.0.0.1', r));
    try {
      const p = new HttpTtsProvider(`http://127.0.0.1:${(endless.address() as AddressInfo).port}/`, 'x', {}, 20_000);
      const tts = new Tts(p, join(dir, 'k'));
      await expect(tts.synthesize('xin chào')).rejects.toThrow('text-to-speech: the audio is longer than 5 min (stopped)');
      expect(await readdir(join(dir, 'k'))).toEqual([]);
    } finally {
      endless.closeAllConnections();
      await new Promise<void>((r) => endless.close(() => r()));
    }
  });

  it('configuration: http without a URL, bad headers', () => {
    expect(() => providerFromConfig(parseConfig({ TTS_PROVIDER: 'http' }))).toThrow(/needs TTS_HTTP_URL/);
    expect(() => parseConfig({ TTS_HTTP_HEADERS: '[1]' })).toThrow(/TTS_HTTP_HEADERS: must be a JSON object of strings/);
    expect(providerFromConfig(parseConfig({}))).toBeInstanceOf(EspeakProvider);
  });
});
