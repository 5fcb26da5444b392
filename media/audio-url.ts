// Where FreeSWITCH fetches an audio file from the cache: either over HTTP from the API
// (`http_cache://http://<API>/audio/<hash>-<sig>.wav`, AUDIO_DELIVERY=http, the default) or as a
// local path (AUDIO_DELIVERY=path, when FreeSWITCH shares the disk with the worker).
//
// Signed paths: the hash is sha256 of provider, voice and text, so anyone who can guess a text
// (an OTP message has only 10^6 variants) could compute it; the path therefore carries
// `sig` = the first 32 hex digits of HMAC-SHA256(AUDIO_URL_SECRET, hash). The route serves a file
// only when the signature matches and the file is in the cache. Without AUDIO_URL_SECRET a
// random secret is created once in `<DATA_DIR>/audio/.url-secret` (fine on one machine; set the
// variable when the API and the workers run on different machines).
import { urlSecretOf } from './url-secret.ts';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Config } from '../config/index.ts';
import { audioDir, audioFile, HASH_RE } from './tts.ts';

type UrlConfig = Pick<Config, 'DATA_DIR' | 'AUDIO_URL_SECRET' | 'AUDIO_BASE_URL' | 'AUDIO_DELIVERY' | 'API_HOST' | 'API_PORT'>;

/** AUDIO_URL_SECRET, or the secret kept under DATA_DIR (created on first use). */
export function urlSecret(config: UrlConfig): string {
  return urlSecretOf(audioDir(config.DATA_DIR), config.AUDIO_URL_SECRET);
}

export function signHash(config: UrlConfig, hash: string): string {
  return createHmac('sha256', urlSecret(config)).update(hash).digest('hex').slice(0, 32);
}

/** The file name the route serves for synthesised speech: `<hash>-<sig>.wav`. */
export const AUDIO_NAME_RE = /^([0-9a-f]{64})-([0-9a-f]{32})\.wav$/;
/** Every served name: `<key>-<sig>.wav` or `.mp3` (a fetched MP3). */
export const SERVED_NAME_RE = /^([0-9a-f]{64})-([0-9a-f]{32})\.(wav|mp3)$/;

export type AudioExt = 'wav' | 'mp3';

/** The key and extension of a served name when its signature is right, else null. */
export function verifyServedName(config: UrlConfig, name: string): { key: string; ext: AudioExt } | null {
  const m = SERVED_NAME_RE.exec(name);
  if (!m) return null;
  const want = Buffer.from(signHash(config, m[1]!));
  const got = Buffer.from(m[2]!);
  return want.length === got.length && timingSafeEqual(want, got) ? { key: m[1]!, ext: m[3] as AudioExt } : null;
}

/** The hash of a served `.wav` name when its signature is right, else null. */
export function verifyAudioName(config: UrlConfig, name: string): string | null {
  const v = verifyServedName(config, name);
  return v && v.ext === 'wav' ? v.key : null;
}

/** The base URL FreeSWITCH reaches the API's `/audio` at. */
export function audioBaseUrl(config: UrlConfig): string {
  if (config.AUDIO_BASE_URL) return config.AUDIO_BASE_URL.replace(/\/+$/, '');
  const host = config.API_HOST === '0.0.0.0' || config.API_HOST === '::' ? '127.0.0.1' : config.API_HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.API_PORT}/audio`;
}

/** Where a served key's file lives: the cache (`DATA_DIR/audio`, evicted) or the tenants' uploads (`DATA_DIR/uploads`, kept). */
export type AudioStore = 'cache' | 'uploads';

/** The uploads directory under DATA_DIR (media/upload.ts writes it; never evicted). */
export const uploadsDir = (dataDir: string): string => resolve(dataDir, 'uploads');

/** The file of a key in a store. */
export function storedFile(dataDir: string, store: AudioStore, key: string, ext: AudioExt = 'wav'): string {
  if (!HASH_RE.test(key)) throw new Error(`not an audio hash: ${key}`);
  return store === 'uploads' ? join(uploadsDir(dataDir), `${key}.${ext}`) : join(audioDir(dataDir), `${key}.${ext}`);
}

/**
 * What FreeSWITCH is given to play a stored audio file: with AUDIO_DELIVERY=path the file itself,
 * else the product's own signed `/audio` URL through FreeSWITCH's HTTP cache.
 */
export function storedAudioLocation(config: UrlConfig, a: { key: string; ext?: AudioExt; store?: AudioStore }): string {
  const ext = a.ext ?? 'wav';
  const file = storedFile(config.DATA_DIR, a.store ?? 'cache', a.key, ext);
  if (config.AUDIO_DELIVERY === 'path') return file;
  return `http_cache://${audioBaseUrl(config)}/${a.key}-${signHash(config, a.key)}.${ext}`;
}

/** What FreeSWITCH is given to play a cached (synthesised) audio file. */
export function audioLocation(config: UrlConfig, hash: string): string {
  if (!HASH_RE.test(hash)) throw new Error(`not an audio hash: ${hash}`);
  if (config.AUDIO_DELIVERY === 'path') return audioFile(config.DATA_DIR, hash);
  return storedAudioLocation(config, { key: hash });
}
