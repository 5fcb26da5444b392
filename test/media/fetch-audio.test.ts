// A template's https:// audio_file is fetched by the product, not by FreeSWITCH (issue 20): the
// host checked like a callback's (public only unless AUDIO_FETCH_ALLOW_PRIVATE), no redirects,
// bounded size and time, a WAV/MP3 content check, at most 5 minutes; cached under DATA_DIR/audio
// by content and served from the product's own /audio route; fetched again after an hour, the old
// copy kept when that fails. Against a local https server (a test certificate the fetcher trusts).
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../config/index.ts';
import { signHash } from '../../media/audio-url.ts';
import { AudioFetcher, AudioFetchError, URL_REFRESH_MS } from '../../media/fetch-audio.ts';
import { looksLikeMp3, Mp3Error, parseMp3 } from '../../media/mp3.ts';
import { callApplication, ContentError, type TemplateContent } from '../../media/playback.ts';
import { Tts } from '../../media/tts.ts';
import { audioToServe } from '../../media/upload.ts';
import { mp3, wav } from './fixtures/audio.ts';
import { TEST_TLS } from './fixtures/tls.ts';

let server: Server;
let base: string;
const hits: string[] = [];
const routes = new Map<string, (res: import('node:http').ServerResponse) => void>();
let dir: string;
let config: Config;
const fetcher = () => new AudioFetcher(config, { ca: TEST_TLS.cert });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cr-fetch-'));
  config = parseConfig({
    DATA_DIR: dir,
    AUDIO_URL_SECRET: 'f'.repeat(20),
    AUDIO_BASE_URL: 'http://api.local:3000/audio',
    AUDIO_FETCH_ALLOW_PRIVATE: 'true',
    AUDIO_FILE_MAX_BYTES: String(1024 * 1024),
    AUDIO_FETCH_TIMEOUT_MS: '1500',
  });
  server = createServer({ cert: TEST_TLS.cert, key: TEST_TLS.key }, (req, res) => {
    hits.push(req.url!);
    const h = routes.get(req.url!.split('?')[0]!);
    if (h) h(res);
    else res.writeHead(404).end('nope');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const send =
    (body: Buffer, type = 'audio/wav') =>
    (res: import('node:http').ServerResponse) =>
      res.writeHead(200, { 'content-type': type }).end(body);
  routes.set('/a.wav', send(wav({ ms: 1200 })));
  routes.set('/b.mp3', send(mp3(40, { id3: true }), 'audio/mpeg'));
  routes.set('/vbr.mp3', send(mp3(10, { xingFrames: 2000 }), 'audio/mpeg'));
  routes.set('/moved.wav', (res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end());
  routes.set('/page.html', send(Buffer.from('<!doctype html><html><body>hello</body></html>'), 'text/html'));
  routes.set('/long.wav', send(wav({ ms: 301_000, rate: 8000, bits: 8, format: 7 })));
  routes.set('/big.wav', send(Buffer.concat([wav({ ms: 10 }), Buffer.alloc(1024 * 1024)])));
  routes.set('/endless.wav', (res) => {
    res.writeHead(200, { 'content-type': 'audio/wav' });
    res.write(wav({ ms: 10, streamed: true }));
    const t = setInterval(() => {
      if (!res.write(Buffer.alloc(64 * 1024))) return;
    }, 1);
    res.on('close', () => clearInterval(t));
  });
  routes.set('/slow.wav', (res) => {
    res.writeHead(200, { 'content-type': 'audio/wav' });
    res.write(wav({ ms: 10, streamed: true }));
    // …and never ends.
  });
  routes.set('/stereo6.wav', send(wav({ ms: 100, channels: 6 })));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

const refusal = async (f: AudioFetcher, url: string): Promise<string> => {
  const err = await f.fetch(url).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, url).toBeInstanceOf(AudioFetchError);
  return (err as Error).message;
};

describe('AudioFetcher', () => {
  it('fetches a WAV once, caches it by content under DATA_DIR/audio, serves it from /audio', async () => {
    const f = fetcher();
    const url = `${base}/a.wav`;
    const a = await f.fetch(url);
    expect(a).toMatchObject({ ext: 'wav', durationMs: 1200, file: join(dir, 'audio', `${a.key}.wav`) });
    expect(await readFile(a.file)).toEqual(wav({ ms: 1200 }));
    expect(await f.fetch(url)).toEqual(a);
    expect(await fetcher().fetch(url)).toEqual(a); // another process sharing DATA_DIR: the index on disk
    expect(hits.filter((h) => h === '/a.wav')).toHaveLength(1);
    const served = await audioToServe(config, `${a.key}-${signHash(config, a.key)}.wav`);
    expect(served).toMatchObject({ file: a.file, contentType: 'audio/wav' });
    expect((await readdir(join(dir, 'audio'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('MP3: frames after an ID3 tag (duration from the bitrate) or a Xing frame count', async () => {
    const f = fetcher();
    const b = await f.fetch(`${base}/b.mp3`);
    expect(b.ext).toBe('mp3');
    expect(b.durationMs).toBeGreaterThan(1000);
    expect(b.durationMs).toBeLessThan(1100); // 40 frames of 26.1 ms
    expect((await f.fetch(`${base}/vbr.mp3`)).durationMs).toBe(Math.round((2000 * 1152 * 1000) / 44100));
    expect(await audioToServe(config, `${b.key}-${signHash(config, b.key)}.mp3`)).toMatchObject({ contentType: 'audio/mpeg' });
  });

  it('refuses what is not audio, too long, too large, slow, redirected, missing', async () => {
    const f = fetcher();
    expect(await refusal(f, `${base}/page.html`)).toMatch(/is neither a WAV nor an MP3 file/);
    expect(
      await refusal(new AudioFetcher({ ...config, AUDIO_FILE_MAX_BYTES: 4 * 1024 * 1024 }, { ca: TEST_TLS.cert }), `${base}/long.wav`),
    ).toMatch(/is 5 min 1 s long; at most 5 min/);
    expect(await refusal(f, `${base}/long.wav`)).toMatch(/larger than 1048576 bytes/);
    expect(await refusal(f, `${base}/big.wav`)).toMatch(/larger than 1048576 bytes/);
    expect(await refusal(f, `${base}/endless.wav`)).toMatch(/larger than 1048576 bytes/);
    const t0 = Date.now();
    expect(await refusal(f, `${base}/slow.wav`)).toMatch(/no complete answer within 1500 ms/);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await refusal(f, `${base}/moved.wav`)).toMatch(/answered HTTP 302 \(redirects are not followed\)/);
    expect(await refusal(f, `${base}/gone.wav`)).toMatch(/answered HTTP 404/);
    expect(await refusal(f, `${base}/stereo6.wav`)).toMatch(/6 channels/);
    expect(hits).not.toContain('/latest/meta-data');
    expect((await readdir(join(dir, 'audio'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('a non-public host is refused before any request unless AUDIO_FETCH_ALLOW_PRIVATE (names resolved and pinned)', async () => {
    const strict = new AudioFetcher({ ...config, AUDIO_FETCH_ALLOW_PRIVATE: false }, { ca: TEST_TLS.cert });
    const before = hits.length;
    // Even a URL fetched and cached before (by a fetcher that allowed it) is refused.
    expect(await refusal(strict, `${base}/a.wav`)).toMatch(/^refused: audio URL .* must not point at a loopback address \(127\.0\.0\.1\)/);
    expect(await refusal(strict, base.replace('127.0.0.1', 'localhost') + '/a.wav')).toMatch(/^refused: .*loopback address \(localhost\)/);
    expect(await refusal(strict, `https://[::ffff:0:7f00:1]:${new URL(base).port}/a.wav`)).toMatch(/IPv4-translated/);
    expect(await refusal(strict, `http://127.0.0.1:${new URL(base).port}/a.wav`)).toMatch(/^refused: .*must be an https:\/\/ URL/);
    expect(await refusal(strict, `https://user:pw@127.0.0.1:${new URL(base).port}/a.wav`)).toMatch(/^refused: .*user name or password/);
    // A name that resolves to a non-public address: refused when resolved, before connecting.
    expect(await refusal(strict, `https://localtest.localhost.invalid.example.test:${new URL(base).port}/a.wav`)).toMatch(
      /ENOTFOUND|EAI_AGAIN|resolved/,
    );
    expect(hits.length).toBe(before);
  });

  it('an untrusted certificate is an error (no TLS shortcuts)', async () => {
    const noCa = new AudioFetcher(config);
    expect(await refusal(noCa, `${base}/a.wav?fresh`)).toMatch(/certificate/i);
  });

  it('fetched again after an hour; when that fails, the copy already there plays', async () => {
    const f = fetcher();
    const url = `${base}/a.wav?v=refresh`;
    const first = await f.fetch(url);
    const n = hits.length;
    expect(await f.fetch(url, Date.now() + URL_REFRESH_MS - 60_000)).toEqual(first);
    expect(hits.length).toBe(n);
    expect(await f.fetch(url, Date.now() + URL_REFRESH_MS + 60_000)).toEqual(first);
    expect(hits.length).toBe(n + 1);
    routes.set('/a.wav', (res) => res.writeHead(503).end());
    try {
      expect(await f.fetch(url, Date.now() + 3 * URL_REFRESH_MS)).toEqual(first);
      expect(hits.length).toBe(n + 2);
    } finally {
      routes.set('/a.wav', (res) => res.writeHead(200).end(wav({ ms: 1200 })));
    }
  });

  it('concurrent calls for one URL share one download', async () => {
    const f = fetcher();
    const url = `${base}/a.wav?v=shared`;
    const all = await Promise.all(Array.from({ length: 10 }, () => f.fetch(url)));
    expect(new Set(all.map((x) => x.key)).size).toBe(1);
    expect(f.downloads).toBe(1);
  });
});

describe('callApplication with an https:// audio_file', () => {
  const tpl = (audio_file: string): TemplateContent => ({
    type_autocall: 'autocall_audio',
    content: '',
    audio_file,
    otp_param: 'otp',
    otp_repeat: 1,
  });
  const tts = () =>
    new Tts({ name: 'none', defaultVoice: 'x', synthesizeWav: () => Promise.reject(new Error('not used')) }, join(dir, 'audio'));

  it("FreeSWITCH gets the product's own signed URL, never the tenant's", async () => {
    const app = await callApplication({ tts: tts(), config, audio: fetcher() }, '', tpl(`${base}/b.mp3`), {});
    const m = /^&playback\(http_cache:\/\/http:\/\/api\.local:3000\/audio\/([0-9a-f]{64})-([0-9a-f]{32})\.mp3\)$/.exec(app);
    expect(m, app).not.toBeNull();
    expect(m![2]).toBe(signHash(config, m![1]!));
    expect(app).not.toContain('127.0.0.1');
  });

  it('a URL that cannot be fetched fails the call content (the attempt is not dialed)', async () => {
    const err = await callApplication({ tts: tts(), config, audio: fetcher() }, '', tpl(`${base}/page.html`), {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContentError);
    expect((err as ContentError).code).toBe('missing_audio');
    const strict = parseConfig({ DATA_DIR: dir });
    const err2 = await callApplication(
      { tts: tts(), config: strict, audio: new AudioFetcher(strict) },
      '',
      tpl('https://169.254.169.254/latest/meta-data'),
      {},
    ).catch((e: unknown) => e);
    expect((err2 as Error).message).toMatch(/^refused: .*link-local/);
  });
});

describe('parseMp3', () => {
  it('Layer III frames, after an ID3v2 tag or not; the duration from the bitrate or the Xing count', () => {
    expect(parseMp3(mp3(100))).toMatchObject({
      version: 1,
      sampleRate: 44100,
      bitrate: 128,
      channels: 2,
      durationMs: Math.round((100 * 417 * 8) / 128),
    });
    expect(parseMp3(mp3(3, { id3: true })).durationMs).toBe(Math.round((3 * 417 * 8) / 128)); // the tag is not audio
    expect(parseMp3(mp3(1, { xingFrames: 38_281 })).durationMs).toBe(Math.round((38_281 * 1152 * 1000) / 44_100)); // ~16.7 min: the fetcher refuses it (5 min)
    // Only the head of a large file is read: its size gives the duration.
    expect(parseMp3(mp3(10), 417 * 10_000).durationMs).toBe(Math.round((417 * 10_000 * 8) / 128));
    expect(looksLikeMp3(mp3(1))).toBe(true);
    expect(looksLikeMp3(mp3(1, { id3: true }))).toBe(true);
    expect(looksLikeMp3(Buffer.from('RIFF....WAVE'))).toBe(false);
  });
  it('refuses what only looks like it', () => {
    const broken = mp3(5);
    broken[417] = 0; // the second frame's sync is gone
    expect(() => parseMp3(broken)).toThrow(/do not follow one another/);
    expect(() => parseMp3(Buffer.from([0xff, 0xfb, 0xf0, 0x00, 1, 2, 3]))).toThrow(Mp3Error); // bitrate index 15
    expect(() => parseMp3(Buffer.from([0xff, 0xfd, 0x90, 0x00]))).toThrow(/no MPEG Layer III frame/); // Layer II
    expect(() => parseMp3(Buffer.from('ID3\u0004\u0000\u0000\u0000\u0000\u0000\u0005hello'))).toThrow(/no MPEG audio after the ID3 tag/);
    expect(() => parseMp3(Buffer.from('<html>'))).toThrow(/not an MP3 file/);
  });
});
