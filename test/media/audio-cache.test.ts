// Evicting the audio cache (media/audio-cache.ts): by last use (a file's mtime) past the maximum
// age, then oldest first down to the maximum size, never a file used within the grace period;
// index entries of fetched URLs follow their files; leftovers of a crash go; the URL secret and
// uploads stay. And the cache marks what it serves as used.
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/index.ts';
import { GRACE_MS, maybeTrimAudioCache, trimAudioCache, TRIM_EVERY_MS } from '../../media/audio-cache.ts';
import { Tts, type TtsProvider } from '../../media/tts.ts';
import { wav } from './fixtures/audio.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cr-cache-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const H = 3_600_000;
const D = 24 * H;
const now = Date.UTC(2030, 0, 1);
const hex = (c: string) => c.repeat(64);

async function put(dir: string, name: string, bytes: number, usedAgoMs: number): Promise<void> {
  const f = join(dir, name);
  await writeFile(f, Buffer.alloc(bytes));
  const t = new Date(now - usedAgoMs);
  await utimes(f, t, t);
}

describe('trimAudioCache', () => {
  it('removes what is unused past the maximum age, then the oldest down to the maximum size, never within the grace period', async () => {
    const dir = join(root, 'a');
    await mkdir(dir);
    await put(dir, `${hex('1')}.wav`, 1000, 10 * D); // too old
    await put(dir, `${hex('2')}.mp3`, 1000, 8 * D); // too old
    await put(dir, `${hex('3')}.wav`, 1000, 3 * D); // oldest of the rest: goes for size
    await put(dir, `${hex('4')}.wav`, 1000, 2 * D); // goes for size
    await put(dir, `${hex('5')}.wav`, 1000, 1 * D); // stays: the cache is then at the bound
    await put(dir, `${hex('6')}.wav`, 1000, 30 * 60_000); // used within the grace period
    await put(dir, `${hex('7')}.wav`, 5000, 5 * 60_000); // just made: over the bound alone, yet kept
    await put(dir, '.url-secret', 64, 400 * D);
    await put(dir, 'notes.txt', 10, 400 * D);
    await put(dir, `${hex('8')}.wav.abc123.tmp`, 10, 2 * H); // a crash's leftover
    await put(dir, `${hex('9')}.wav.def456.tmp`, 10, 60_000); // being written now
    // Index entries of fetched URLs: one whose file stays, one whose file goes, one unreadable.
    await writeFile(join(dir, `${hex('a')}.url`), JSON.stringify({ key: hex('5'), ext: 'wav' }));
    await writeFile(join(dir, `${hex('b')}.url`), JSON.stringify({ key: hex('1'), ext: 'wav' }));
    await writeFile(join(dir, `${hex('c')}.url`), '{');
    for (const c of ['a', 'b', 'c']) await utimes(join(dir, `${hex(c)}.url`), new Date(now - H), new Date(now - H));

    const r = await trimAudioCache(dir, { maxAgeMs: 7 * D, maxBytes: 7000, now });
    expect((await readdir(dir)).sort()).toEqual(
      [
        '.url-secret',
        'notes.txt',
        `${hex('5')}.wav`,
        `${hex('6')}.wav`,
        `${hex('7')}.wav`,
        `${hex('9')}.wav.def456.tmp`,
        `${hex('a')}.url`,
      ].sort(),
    );
    expect(r).toEqual({ removed: 7, removedBytes: 4000 + 10 + (await sizeOf('b')) + 1, keptBytes: 7000 });

    async function sizeOf(c: string) {
      return JSON.stringify({ key: hex(c === 'b' ? '1' : c), ext: 'wav' }).length;
    }
  });

  it('an index entry older than the maximum age goes (the URL is fetched again)', async () => {
    const dir = join(root, 'b');
    await mkdir(dir);
    await put(dir, `${hex('5')}.wav`, 10, H + 1);
    await writeFile(join(dir, `${hex('a')}.url`), JSON.stringify({ key: hex('5'), ext: 'wav' }));
    await utimes(join(dir, `${hex('a')}.url`), new Date(now - 8 * D), new Date(now - 8 * D));
    await trimAudioCache(dir, { maxAgeMs: 7 * D, maxBytes: 1e9, now });
    expect(await readdir(dir)).toEqual([`${hex('5')}.wav`]);
  });

  it('a missing directory is an empty cache', async () => {
    expect(await trimAudioCache(join(root, 'none'), { maxAgeMs: D, maxBytes: 1, now })).toEqual({
      removed: 0,
      removedBytes: 0,
      keptBytes: 0,
    });
    expect(GRACE_MS).toBe(H);
  });

  it('runs in the background at most every 10 minutes per DATA_DIR', async () => {
    const dataDir = join(root, 'c');
    await mkdir(join(dataDir, 'audio'), { recursive: true });
    await put(join(dataDir, 'audio'), `${hex('1')}.wav`, 10, 0);
    const t = new Date(Date.now() - 30 * D);
    await utimes(join(dataDir, 'audio', `${hex('1')}.wav`), t, t);
    const config = parseConfig({ DATA_DIR: dataDir, AUDIO_CACHE_MAX_AGE_MS: String(D) });
    const t0 = Date.now();
    expect(maybeTrimAudioCache(config, t0)).toBe(true);
    expect(maybeTrimAudioCache(config, t0 + TRIM_EVERY_MS - 1)).toBe(false);
    expect(maybeTrimAudioCache(config, t0 + TRIM_EVERY_MS)).toBe(true);
    for (let i = 0; i < 50 && (await readdir(join(dataDir, 'audio'))).length; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await readdir(join(dataDir, 'audio'))).toEqual([]);
  });

  it('the settings have defaults (7 days, 2 GiB) and bounds', () => {
    const c = parseConfig({});
    expect([
      c.AUDIO_CACHE_MAX_AGE_MS,
      c.AUDIO_CACHE_MAX_BYTES,
      c.TTS_TIMEOUT_MS,
      c.AUDIO_FILE_MAX_BYTES,
      c.AUDIO_FETCH_TIMEOUT_MS,
      c.AUDIO_FETCH_ALLOW_PRIVATE,
    ]).toEqual([604_800_000, 2_147_483_648, 30_000, 33_554_432, 20_000, false]);
    expect(() => parseConfig({ AUDIO_CACHE_MAX_AGE_MS: '1000' })).toThrow(/AUDIO_CACHE_MAX_AGE_MS/);
    expect(() => parseConfig({ AUDIO_CACHE_MAX_BYTES: 'lots' })).toThrow(/AUDIO_CACHE_MAX_BYTES/);
  });
});

describe('the speech cache marks what it serves as used', () => {
  it('a cache hit older than an hour is touched (so eviction goes by last use)', async () => {
    const p: TtsProvider = { name: 'p', defaultVoice: 'x', synthesizeWav: async () => wav({ ms: 100 }) };
    const tts = new Tts(p, join(root, 'd'));
    const r = await tts.synthesize('xin chào');
    const old = new Date(Date.now() - 3 * D);
    await utimes(r.file, old, old);
    await tts.synthesize('xin chào');
    expect(Date.now() - (await stat(r.file)).mtimeMs).toBeLessThan(60_000);
    expect(tts.synthesized).toBe(1);
  });
});
