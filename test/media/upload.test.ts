// A tenant's uploaded WAV (media/upload.ts): stored under DATA_DIR/uploads by the hash of its
// bytes, per tenant, streamed to disk with a size bound, refused unless a WAV FreeSWITCH plays and
// at most 5 minutes; and audioToServe, the one mapping from a served name to a file (speech,
// fetched audio, uploads) that the /audio route uses.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../config/index.ts';
import { signHash, storedAudioLocation } from '../../media/audio-url.ts';
import {
  audioToServe,
  hasUploadedAudio,
  removeUploadedAudio,
  storeUploadedWav,
  uploadedAudio,
  uploadedAudioFile,
  uploadKey,
  UploadError,
} from '../../media/upload.ts';
import { mp3, wav } from './fixtures/audio.ts';

let dir: string;
let config: Config;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cr-upload-'));
  config = parseConfig({
    DATA_DIR: dir,
    AUDIO_URL_SECRET: 'u'.repeat(20),
    AUDIO_FILE_MAX_BYTES: String(2 * 1024 * 1024),
    AUDIO_BASE_URL: 'http://api.local:3000/audio',
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const refused = async (p: Promise<unknown>): Promise<UploadError> => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UploadError);
  return err as UploadError;
};

describe('storeUploadedWav', () => {
  it('stores a WAV under its content hash, per tenant; the same bytes again are the same id', async () => {
    const bytes = wav({ ms: 1500 });
    const a = await storeUploadedWav(config, 'tenant-a', bytes);
    expect(a).toEqual({ audio_id: sha(bytes), bytes: bytes.length, duration_ms: 1500, created: true });
    const file = uploadedAudioFile(config, 'tenant-a', a.audio_id);
    expect(file).toBe(join(dir, 'uploads', `${uploadKey('tenant-a', a.audio_id)}.wav`));
    expect(await readFile(file)).toEqual(bytes);
    expect(await storeUploadedWav(config, 'tenant-a', bytes)).toMatchObject({ audio_id: a.audio_id, created: false });
    expect(hasUploadedAudio(config, 'tenant-a', a.audio_id)).toBe(true);
    // Another tenant's id names nothing for this one.
    expect(hasUploadedAudio(config, 'tenant-b', a.audio_id)).toBe(false);
    expect(await uploadedAudio(config, 'tenant-b', a.audio_id)).toBeNull();
    expect(await uploadedAudio(config, 'tenant-a', a.audio_id)).toEqual({
      key: uploadKey('tenant-a', a.audio_id),
      file,
      bytes: bytes.length,
      duration_ms: 1500,
    });
    // No temporary file is left.
    expect((await readdir(join(dir, 'uploads'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('takes the body as it arrives: a Node stream, a web stream, chunks', async () => {
    const bytes = wav({ ms: 700, rate: 16000, listBytes: 30 });
    const chunks = [bytes.subarray(0, 5), bytes.subarray(5, 40), bytes.subarray(40)];
    const viaNode = await storeUploadedWav(config, 'tenant-s', Readable.from(chunks));
    const viaWeb = await storeUploadedWav(config, 'tenant-s', new Blob([new Uint8Array(bytes)]).stream());
    const viaIter = await storeUploadedWav(
      config,
      'tenant-s',
      (async function* () {
        yield* chunks;
      })(),
    );
    expect(viaNode.audio_id).toBe(sha(bytes));
    expect(viaWeb).toMatchObject({ audio_id: sha(bytes), created: false, duration_ms: 700 });
    expect(viaIter.audio_id).toBe(sha(bytes));
  });

  it('formats FreeSWITCH plays: PCM 8–48 kHz mono or stereo, A-law, µ-law, float', async () => {
    for (const spec of [
      { rate: 48000, channels: 2 },
      { rate: 8000, format: 6, bits: 8 },
      { rate: 8000, format: 7, bits: 8 },
      { rate: 22050, format: 3, bits: 32 },
      { rate: 44100 },
    ]) {
      expect((await storeUploadedWav(config, 'tenant-f', wav({ ms: 200, ...spec }))).duration_ms, JSON.stringify(spec)).toBe(200);
    }
  });

  it('refuses what is not a playable WAV, too large or too long, and stores nothing', async () => {
    const before = await readdir(join(dir, 'uploads'));
    expect((await refused(storeUploadedWav(config, 't', mp3(20, { id3: true })))).message).toBe('not a WAV file (no RIFF/WAVE header)');
    expect((await refused(storeUploadedWav(config, 't', Buffer.from('<html>hello</html>')))).code).toBe('not_wav');
    expect((await refused(storeUploadedWav(config, 't', Buffer.alloc(0)))).code).toBe('empty');
    expect((await refused(storeUploadedWav(config, 't', wav({ ms: 100 }).subarray(0, 30)))).message).toMatch(/no data chunk/);
    expect((await refused(storeUploadedWav(config, 't', wav({ ms: 100, format: 85 })))).message).toMatch(/WAV encoding 85 is not PCM/);
    expect((await refused(storeUploadedWav(config, 't', wav({ ms: 100, channels: 3 })))).message).toMatch(/3 channels/);
    expect((await refused(storeUploadedWav(config, 't', wav({ ms: 100, rate: 96000 })))).message).toMatch(/96000 Hz/);
    expect((await refused(storeUploadedWav(config, 't', wav({ ms: 0 })))).message).toMatch(/no audio/);
    // 5 min 1 s at 8 kHz, 8-bit: 2.4 MB is over this test's 2 MiB bound; at 4 kHz-equivalent byte rate it fits the bound but not the length.
    const long = wav({ ms: 301_000, rate: 8000, bits: 8, format: 7 });
    const big = await refused(storeUploadedWav(config, 't', long));
    expect([big.code, big.status, big.message]).toEqual(['too_large', 413, `the file is larger than ${2 * 1024 * 1024} bytes`]);
    const roomy = parseConfig({ DATA_DIR: dir, AUDIO_FILE_MAX_BYTES: String(8 * 1024 * 1024) });
    const tooLong = await refused(storeUploadedWav(roomy, 't', long));
    expect([tooLong.code, tooLong.status, tooLong.message]).toEqual(['too_long', 400, 'the audio is 5 min 1 s; at most 5 min']);
    expect(await readdir(join(dir, 'uploads'))).toEqual(before);
  });

  it('a body larger than the bound is stopped while it streams, not read to its end', async () => {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(wav({ ms: 10 }));
      },
      pull(c) {
        pulled++;
        c.enqueue(new Uint8Array(64 * 1024));
      },
    });
    expect((await refused(storeUploadedWav(config, 't', endless))).code).toBe('too_large');
    expect(pulled).toBeLessThan(2 * 16 + 8);
  });

  it('removeUploadedAudio', async () => {
    const { audio_id } = await storeUploadedWav(config, 'tenant-r', wav({ ms: 100 }));
    expect(await removeUploadedAudio(config, 'tenant-x', audio_id)).toBe(false);
    expect(await removeUploadedAudio(config, 'tenant-r', audio_id)).toBe(true);
    expect(hasUploadedAudio(config, 'tenant-r', audio_id)).toBe(false);
    expect(await removeUploadedAudio(config, 'tenant-r', '../../etc/passwd')).toBe(false);
  });
});

describe('audioToServe (the /audio route)', () => {
  it('maps a signed name to the cached speech, a fetched MP3 or an upload; nothing else', async () => {
    const { audio_id } = await storeUploadedWav(config, 'tenant-a', wav({ ms: 300 }));
    const upKey = uploadKey('tenant-a', audio_id);
    const speech = 'e'.repeat(64);
    const fetched = 'f'.repeat(64);
    await mkdir(join(dir, 'audio'), { recursive: true });
    await writeFile(join(dir, 'audio', `${speech}.wav`), wav({ ms: 100 }));
    await writeFile(join(dir, 'audio', `${fetched}.mp3`), mp3(5));
    const name = (key: string, ext = 'wav') => `${key}-${signHash(config, key)}.${ext}`;

    expect(await audioToServe(config, name(speech))).toMatchObject({
      file: join(dir, 'audio', `${speech}.wav`),
      contentType: 'audio/wav',
      etag: `"${speech}"`,
    });
    expect(await audioToServe(config, name(fetched, 'mp3'))).toMatchObject({
      file: join(dir, 'audio', `${fetched}.mp3`),
      contentType: 'audio/mpeg',
    });
    expect(await audioToServe(config, name(upKey))).toMatchObject({
      file: join(dir, 'uploads', `${upKey}.wav`),
      contentType: 'audio/wav',
      etag: `"${upKey}"`,
    });
    // The dial string points there (and with AUDIO_DELIVERY=path at the file itself).
    expect(storedAudioLocation(config, { key: upKey, store: 'uploads' })).toBe(`http_cache://http://api.local:3000/audio/${name(upKey)}`);
    expect(storedAudioLocation(parseConfig({ DATA_DIR: dir, AUDIO_DELIVERY: 'path' }), { key: upKey, store: 'uploads' })).toBe(
      join(dir, 'uploads', `${upKey}.wav`),
    );

    const other = parseConfig({ DATA_DIR: dir, AUDIO_URL_SECRET: 'another-secret-16+' });
    for (const bad of [
      `${speech}-${'0'.repeat(32)}.wav`,
      `${speech}.wav`,
      `${audio_id}-${signHash(config, audio_id)}.wav`, // the id itself is not a served key
      `${speech}-${signHash(other, speech)}.wav`,
      name(speech, 'mp3'), // no such MP3
      name(fetched, 'wav'),
      name('a'.repeat(64)),
      name(speech).toUpperCase(),
      `${name(speech)}x`,
      `../${name(speech)}`,
      '.url-secret',
      '..%2F..%2Fetc%2Fpasswd',
      `${speech}-${signHash(config, speech)}.ogg`,
    ]) {
      expect(await audioToServe(config, bad), bad).toBeNull();
    }
    expect(existsSync(join(dir, 'audio', '.url-secret'))).toBe(false); // AUDIO_URL_SECRET set: none made
  });
});
