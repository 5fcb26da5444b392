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
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/index.ts';
import { audioDir, audioFile, HASH_RE } from './tts.ts';

type UrlConfig = Pick<Config, 'DATA_DIR' | 'AUDIO_URL_SECRET' | 'AUDIO_BASE_URL' | 'AUDIO_DELIVERY' | 'API_HOST' | 'API_PORT'>;

const secrets = new Map<string, string>();

/** AUDIO_URL_SECRET, or the secret kept under DATA_DIR (created on first use). */
export function urlSecret(config: UrlConfig): string {
  if (config.AUDIO_URL_SECRET) return config.AUDIO_URL_SECRET;
  const dir = audioDir(config.DATA_DIR);
  const known = secrets.get(dir);
  if (known) return known;
  const file = join(dir, '.url-secret');
  mkdirSync(dir, { recursive: true });
  try {
    writeFileSync(file, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const secret = readFileSync(file, 'utf8').trim();
  secrets.set(dir, secret);
  return secret;
}

export function signHash(config: UrlConfig, hash: string): string {
  return createHmac('sha256', urlSecret(config)).update(hash).digest('hex').slice(0, 32);
}

/** The file name the route serves: `<hash>-<sig>.wav`. */
export const AUDIO_NAME_RE = /^([0-9a-f]{64})-([0-9a-f]{32})\.wav$/;

/** The hash of a served name when its signature is right, else null. */
export function verifyAudioName(config: UrlConfig, name: string): string | null {
  const m = AUDIO_NAME_RE.exec(name);
  if (!m) return null;
  const want = Buffer.from(signHash(config, m[1]!));
  const got = Buffer.from(m[2]!);
  return want.length === got.length && timingSafeEqual(want, got) ? m[1]! : null;
}

/** The base URL FreeSWITCH reaches the API's `/audio` at. */
export function audioBaseUrl(config: UrlConfig): string {
  if (config.AUDIO_BASE_URL) return config.AUDIO_BASE_URL.replace(/\/+$/, '');
  const host = config.API_HOST === '0.0.0.0' || config.API_HOST === '::' ? '127.0.0.1' : config.API_HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.API_PORT}/audio`;
}

/** What FreeSWITCH is given to play a cached audio file. */
export function audioLocation(config: UrlConfig, hash: string): string {
  if (!HASH_RE.test(hash)) throw new Error(`not an audio hash: ${hash}`);
  if (config.AUDIO_DELIVERY === 'path') return audioFile(config.DATA_DIR, hash);
  return `http_cache://${audioBaseUrl(config)}/${hash}-${signHash(config, hash)}.wav`;
}
