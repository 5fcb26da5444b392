// GET /audio/<hash>-<sig>.wav: serves cached text-to-speech audio to FreeSWITCH without a token,
// only for a valid signature and a cached file; strict names, no path traversal. And where the
// dial string points (http_cache:// URL or a local path).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/index.ts';
import { audioLocation, signHash, verifyAudioName } from '../../media/audio-url.ts';
import { Tts, type TtsProvider } from '../../media/tts.ts';
import { parseWav } from '../../media/wav.ts';
// @ts-expect-error plain JavaScript module without types
import { ensureEspeak } from '../../scripts/lib/espeak.mjs';
import { startApi, type Harness } from '../api/harness.ts';

let h: Harness;
let dataDir: string;
let tts: Tts;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cr-audio-'));
  h = await startApi({ DATA_DIR: dataDir });
  tts = new Tts(
    {
      name: 'fake',
      defaultVoice: 'x',
      synthesizeWav: async (text) => {
        const w = Buffer.alloc(44 + 1600);
        w.write('RIFF', 0, 'ascii');
        w.writeUInt32LE(w.length - 8, 4);
        w.write('WAVEfmt ', 8, 'ascii');
        w.writeUInt32LE(16, 16);
        w.writeUInt16LE(1, 20);
        w.writeUInt16LE(1, 22);
        w.writeUInt32LE(8000, 24);
        w.writeUInt32LE(16000, 28);
        w.writeUInt16LE(2, 32);
        w.writeUInt16LE(16, 34);
        w.write('data', 36, 'ascii');
        w.writeUInt32LE(1600, 40);
        w.write(text.slice(0, 10), 44, 'utf8');
        return w;
      },
    } satisfies TtsProvider,
    join(dataDir, 'audio'),
  );
});
afterAll(async () => {
  await h?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const pathOf = (url: string) => new URL(url.replace(/^http_cache:\/\//, '')).pathname;

describe('GET /audio', () => {
  it('serves a cached file at the URL the dial string uses, without a token', async () => {
    const r = await tts.synthesize('Mã của bạn là một hai ba');
    const loc = audioLocation(h.config, r.contentHash);
    expect(loc).toMatch(new RegExp(`^http_cache://http://127\\.0\\.0\\.1:\\d+/audio/${r.contentHash}-[0-9a-f]{32}\\.wav$`));
    const res = await fetch(h.baseUrl + pathOf(loc));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect(res.headers.get('etag')).toBe(`"${r.contentHash}"`);
    expect(res.headers.get('cache-control')).toContain('immutable');
    const body = Buffer.from(await res.arrayBuffer());
    expect(parseWav(body).durationMs).toBe(100);
    const again = await fetch(h.baseUrl + pathOf(loc), { headers: { 'if-none-match': `"${r.contentHash}"` } });
    expect(again.status).toBe(304);
  });

  it('404 for a wrong signature, an uncached hash, bad names and traversal attempts', async () => {
    const r = await tts.synthesize('bí mật');
    const good = `${r.contentHash}-${signHash(h.config, r.contentHash)}.wav`;
    const missingHash = 'a'.repeat(64);
    const bad = [
      `${r.contentHash}-${'0'.repeat(32)}.wav`, // wrong signature
      `${r.contentHash}.wav`, // unsigned
      `${missingHash}-${signHash(h.config, missingHash)}.wav`, // signed but not cached
      good.toUpperCase(),
      `${good}x`,
      '..%2F..%2Fetc%2Fpasswd',
      '..%2F.url-secret',
      '.url-secret',
      `..%2F${good}`,
    ];
    for (const name of bad) {
      const res = await fetch(`${h.baseUrl}/audio/${name}`);
      expect(res.status, name).toBe(404);
      expect(await res.json()).toEqual({ error: 'Not Found' });
    }
    for (const p of ['/audio/../audio/x', '/audio/%2e%2e/%2e%2e/etc/passwd', '/audio/']) {
      const res = await fetch(h.baseUrl + p);
      expect(res.status, p).toBe(404);
    }
    expect((await fetch(`${h.baseUrl}/audio/${good}`)).status).toBe(200);
  });

  it('a signature from another secret does not open a file', async () => {
    const r = await tts.synthesize('khác');
    const other = parseConfig({ DATA_DIR: dataDir, AUDIO_URL_SECRET: 'another-secret-of-16+chars' });
    const name = `${r.contentHash}-${signHash(other, r.contentHash)}.wav`;
    expect(verifyAudioName(h.config, name)).toBeNull();
    expect((await fetch(`${h.baseUrl}/audio/${name}`)).status).toBe(404);
  });
});

describe('audioLocation', () => {
  const hash = 'b'.repeat(64);
  it('http (default): AUDIO_BASE_URL or the API address; a shared disk: the cached file path', async () => {
    const base = parseConfig({ DATA_DIR: '/srv/cr', AUDIO_URL_SECRET: 's'.repeat(16), AUDIO_BASE_URL: 'http://10.0.0.5:3000/audio/' });
    expect(audioLocation(base, hash)).toBe(`http_cache://http://10.0.0.5:3000/audio/${hash}-${signHash(base, hash)}.wav`);
    const any = parseConfig({ DATA_DIR: '/srv/cr', AUDIO_URL_SECRET: 's'.repeat(16), API_HOST: '0.0.0.0', API_PORT: '8080' });
    expect(audioLocation(any, hash)).toMatch(/^http_cache:\/\/http:\/\/127\.0\.0\.1:8080\/audio\//);
    const path = parseConfig({ DATA_DIR: '/srv/cr', AUDIO_DELIVERY: 'path' });
    expect(audioLocation(path, hash)).toBe(`/srv/cr/audio/${hash}.wav`);
    expect(() => audioLocation(path, '../etc')).toThrow(/not an audio hash/);
  });
  it('the secret is created once under DATA_DIR and reused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cr-secret-'));
    const a = parseConfig({ DATA_DIR: dir });
    const sig = signHash(a, hash);
    expect(sig).toMatch(/^[0-9a-f]{32}$/);
    expect(signHash(parseConfig({ DATA_DIR: dir }), hash)).toBe(sig);
    await writeFile(join(dir, 'unrelated'), '');
    await rm(dir, { recursive: true, force: true });
  });
});

describe('setup: espeak-ng', () => {
  it('is present here; skipped with the HTTP provider', () => {
    expect(ensureEspeak(() => {})).toBe('present');
    expect(ensureEspeak(() => {}, { TTS_PROVIDER: 'http' })).toBe('skipped');
  });
});
