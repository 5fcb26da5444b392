// A tenant's own audio: an uploaded WAV, stored under DATA_DIR/uploads and played by a template
// whose `audio_file` is its id (media/audio-rules.ts). The id is the sha256 of the bytes (the same
// file uploaded twice is one file); the file is stored per tenant, as
// `DATA_DIR/uploads/<sha256("upload" \0 domain_uuid \0 id)>.wav`, so one tenant's id names nothing
// for another. Checked on the way in: at most AUDIO_FILE_MAX_BYTES (streamed to disk, stopped past
// the bound), a RIFF/WAVE header FreeSWITCH plays (PCM, float, A-law, µ-law, IMA ADPCM; 1–2
// channels; 8–48 kHz), at most MAX_AUDIO_MS long. Uploads are never evicted (the cache is).
//
// FreeSWITCH gets them like synthesised speech (media/audio-url.ts): the file's path with
// AUDIO_DELIVERY=path, else the signed `/audio/<key>-<sig>.wav` URL, which the API's audio route
// answers with `audioToServe` (below) — the one function that maps a served name to a file, for
// speech, fetched audio and uploads.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/index.ts';
import { AUDIO_ID_RE } from './audio-rules.ts';
import { storedFile, uploadsDir, verifyServedName, type AudioExt } from './audio-url.ts';
import { commitFile, TooLargeError, writeBounded, type ByteSource } from './files.ts';
import { formatDuration, MAX_AUDIO_MS } from './limits.ts';
import { readWavFile, WavError, wavProblem } from './wav.ts';

type UploadConfig = Pick<Config, 'DATA_DIR' | 'AUDIO_FILE_MAX_BYTES'>;

export type UploadErrorCode = 'too_large' | 'not_wav' | 'unplayable' | 'too_long' | 'empty';

/** An upload refused: `status` is the HTTP status the API should answer (413 too large, else 400). */
export class UploadError extends Error {
  override readonly name = 'UploadError';
  constructor(
    readonly code: UploadErrorCode,
    message: string,
  ) {
    super(message);
  }
  get status(): 400 | 413 {
    return this.code === 'too_large' ? 413 : 400;
  }
}

/** The stored name of a tenant's upload (64 hex): its key in DATA_DIR/uploads and in the served URL. */
export function uploadKey(domain_uuid: string, audio_id: string): string {
  if (!AUDIO_ID_RE.test(audio_id)) throw new RangeError(`not an audio id: ${audio_id.slice(0, 80)}`);
  return createHash('sha256').update(`upload\0${domain_uuid}\0${audio_id}`).digest('hex');
}

/** Where a tenant's upload is (or would be) stored. */
export const uploadedAudioFile = (config: Pick<Config, 'DATA_DIR'>, domain_uuid: string, audio_id: string): string =>
  storedFile(config.DATA_DIR, 'uploads', uploadKey(domain_uuid, audio_id), 'wav');

/** Whether the tenant uploaded this audio id (a synchronous look at the disk, for the import checks). */
export function hasUploadedAudio(config: Pick<Config, 'DATA_DIR'>, domain_uuid: string, audio_id: string): boolean {
  return AUDIO_ID_RE.test(audio_id) && existsSync(uploadedAudioFile(config, domain_uuid, audio_id));
}

export interface UploadedAudio {
  /** What a template's audio_file names: sha256 of the bytes, 64 lowercase hex. */
  audio_id: string;
  bytes: number;
  duration_ms: number;
  /** False when the tenant had uploaded the same bytes before (nothing new stored). */
  created: boolean;
}

/** The tenant's upload, if there: its key (for the location), file, size and duration. */
export async function uploadedAudio(
  config: Pick<Config, 'DATA_DIR'>,
  domain_uuid: string,
  audio_id: string,
): Promise<{ key: string; file: string; bytes: number; duration_ms: number } | null> {
  if (!AUDIO_ID_RE.test(audio_id)) return null;
  const key = uploadKey(domain_uuid, audio_id);
  const file = storedFile(config.DATA_DIR, 'uploads', key, 'wav');
  try {
    const [st, info] = await Promise.all([stat(file), readWavFile(file)]);
    return { key, file, bytes: st.size, duration_ms: info.durationMs };
  } catch {
    return null;
  }
}

/**
 * Store an uploaded WAV for a tenant (the API's upload endpoint passes the request body as it
 * arrives: a Buffer, a Node stream or a web ReadableStream). Throws UploadError (its `status`:
 * 413 past AUDIO_FILE_MAX_BYTES, 400 otherwise) with a message for the tenant.
 */
export async function storeUploadedWav(config: UploadConfig, domain_uuid: string, body: ByteSource): Promise<UploadedAudio> {
  const dir = uploadsDir(config.DATA_DIR);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.upload-${randomBytes(8).toString('hex')}.tmp`);
  try {
    let written;
    try {
      written = await writeBounded(body, tmp, {
        maxBytes: config.AUDIO_FILE_MAX_BYTES,
        check: (head) => {
          if (head.length >= 12 && (head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE')) {
            throw new UploadError('not_wav', 'not a WAV file (no RIFF/WAVE header)');
          }
        },
      });
    } catch (err) {
      if (err instanceof TooLargeError) throw new UploadError('too_large', `the file is larger than ${config.AUDIO_FILE_MAX_BYTES} bytes`);
      throw err;
    }
    if (written.bytes === 0) throw new UploadError('empty', 'the file is empty');
    let info;
    try {
      info = await readWavFile(tmp);
    } catch (err) {
      if (err instanceof WavError) throw new UploadError('not_wav', err.message);
      throw err;
    }
    const problem = wavProblem(info);
    if (problem) throw new UploadError('unplayable', problem);
    if (info.durationMs > MAX_AUDIO_MS)
      throw new UploadError('too_long', `the audio is ${formatDuration(info.durationMs)}; at most ${formatDuration(MAX_AUDIO_MS)}`);
    const audio_id = written.sha256;
    const file = storedFile(config.DATA_DIR, 'uploads', uploadKey(domain_uuid, audio_id), 'wav');
    const created = !existsSync(file);
    if (created) await commitFile(tmp, file);
    return { audio_id, bytes: written.bytes, duration_ms: info.durationMs, created };
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Remove a tenant's upload; false when there was none. (A template naming it then fails its import and its calls.) */
export async function removeUploadedAudio(config: Pick<Config, 'DATA_DIR'>, domain_uuid: string, audio_id: string): Promise<boolean> {
  if (!AUDIO_ID_RE.test(audio_id)) return false;
  const file = uploadedAudioFile(config, domain_uuid, audio_id);
  if (!existsSync(file)) return false;
  await rm(file, { force: true });
  return true;
}

export interface ServedAudio {
  file: string;
  contentType: 'audio/wav' | 'audio/mpeg';
  /** Content-addressed: the bytes behind a name never change. */
  etag: string;
  bytes: number;
}

/**
 * The file behind a name of the `/audio/<name>` route, for FreeSWITCH: `<key>-<sig>.wav|.mp3`
 * with a valid signature, looked up only as `DATA_DIR/audio/<key>.<ext>` (speech, fetched audio)
 * or `DATA_DIR/uploads/<key>.wav` (uploads) — nothing from the request reaches the disk otherwise.
 * Null for anything else (the route answers 404 without telling why).
 */
export async function audioToServe(config: Parameters<typeof verifyServedName>[0], name: string): Promise<ServedAudio | null> {
  const v = verifyServedName(config, name);
  if (!v) return null;
  const candidates: Array<['cache' | 'uploads', AudioExt]> =
    v.ext === 'wav'
      ? [
          ['cache', 'wav'],
          ['uploads', 'wav'],
        ]
      : [['cache', 'mp3']];
  for (const [store, ext] of candidates) {
    const file = storedFile(config.DATA_DIR, store, v.key, ext);
    try {
      const st = await stat(file);
      if (!st.isFile()) continue;
      return { file, contentType: ext === 'mp3' ? 'audio/mpeg' : 'audio/wav', etag: `"${v.key}"`, bytes: st.size };
    } catch {
      /* next */
    }
  }
  return null;
}
