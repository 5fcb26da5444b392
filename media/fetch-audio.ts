// A template's `https://` audio_file, fetched by the product — never by FreeSWITCH, which would
// fetch from its own network whatever the URL names (issue 20: `http_cache://http://169.254.169.254/…`).
// The URL's host is resolved and checked like a callback's (callbacks/url.ts: public addresses
// only unless AUDIO_FETCH_ALLOW_PRIVATE; the connection pinned to the checked addresses), redirects
// are not followed, the body is streamed to disk and stopped past AUDIO_FILE_MAX_BYTES or
// AUDIO_FETCH_TIMEOUT_MS, and it must be a WAV FreeSWITCH plays or an MP3 (Layer III), at most
// MAX_AUDIO_MS long. The file is cached under DATA_DIR/audio by the sha256 of its bytes (served
// by the /audio route like synthesised speech; evicted like it, media/audio-cache.ts), with an
// index entry per URL (`<sha256(url)>.url`), fetched again after URL_REFRESH_MS; when that fails,
// the copy already there is played.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { pinnedLookup } from '../callbacks/http.ts';
import { callbackUrlProblem, CallbackRefusedError, redactUrl, resolveTarget } from '../callbacks/url.ts';
import type { Config } from '../config/index.ts';
import { storedFile, type AudioExt } from './audio-url.ts';
import { commitFile, markUsed, tmpName, TooLargeError, writeBounded } from './files.ts';
import { formatDuration, MAX_AUDIO_MS } from './limits.ts';
import { looksLikeMp3, Mp3Error, parseMp3 } from './mp3.ts';
import { audioDir } from './tts.ts';
import { readHead, readWavFile, WavError, wavProblem } from './wav.ts';

/** A fetched URL is fetched again after this (its content may have changed); meanwhile the cached copy plays. */
export const URL_REFRESH_MS = 3_600_000;

type FetchConfig = Pick<Config, 'DATA_DIR' | 'AUDIO_FILE_MAX_BYTES' | 'AUDIO_FETCH_TIMEOUT_MS' | 'AUDIO_FETCH_ALLOW_PRIVATE'>;

export interface FetchedAudio {
  /** sha256 of the bytes: the cached file's name and the served URL's key. */
  key: string;
  ext: AudioExt;
  file: string;
  durationMs: number;
}

/** The URL's audio cannot be had: `message` says why (for the operators' log; the attempt fails). */
export class AudioFetchError extends Error {
  override readonly name = 'AudioFetchError';
}

interface IndexEntry extends FetchedAudio {
  url: string;
  fetched_at: number;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Fetches and caches tenants' audio URLs. One per process and DATA_DIR (the in-flight map lives here). */
export class AudioFetcher {
  private readonly inflight = new Map<string, Promise<FetchedAudio>>();
  /** Downloads actually made (cache misses), for tests and logs. */
  downloads = 0;

  constructor(
    private readonly config: FetchConfig,
    /** Extra trusted certificates (tests: a local https server). */
    private readonly tls: { ca?: string | Buffer } = {},
  ) {}

  private indexFile(url: string): string {
    return join(audioDir(this.config.DATA_DIR), `${sha256(`url\0${url}`)}.url`);
  }

  /** The URL's audio, from the cache when fresh, else downloaded. Throws AudioFetchError. */
  fetch(url: string, now = Date.now()): Promise<FetchedAudio> {
    const running = this.inflight.get(url);
    if (running) return running;
    const p = this.cachedOrFetch(url, now).finally(() => this.inflight.delete(url));
    this.inflight.set(url, p);
    return p;
  }

  private async cached(url: string): Promise<IndexEntry | null> {
    try {
      const e = JSON.parse(await readFile(this.indexFile(url), 'utf8')) as IndexEntry;
      if (e.url !== url || !/^[0-9a-f]{64}$/.test(e.key) || (e.ext !== 'wav' && e.ext !== 'mp3')) return null;
      const file = storedFile(this.config.DATA_DIR, 'cache', e.key, e.ext);
      const st = await stat(file);
      await markUsed(file, st.mtimeMs);
      return { ...e, file };
    } catch {
      return null;
    }
  }

  private async cachedOrFetch(url: string, now: number): Promise<FetchedAudio> {
    // What the URL itself says (scheme, credentials, a literal non-public host) is refused even
    // when a copy is cached; a host name is resolved and checked when it is fetched.
    const problem = callbackUrlProblem(url, { allowPrivate: this.config.AUDIO_FETCH_ALLOW_PRIVATE, httpsOnly: true });
    if (problem) throw new AudioFetchError(`refused: audio URL ${redactUrl(url)} ${problem}`);
    const hit = await this.cached(url);
    if (hit && now - hit.fetched_at < URL_REFRESH_MS) return strip(hit);
    try {
      return await this.download(url, now);
    } catch (err) {
      // A refusal (address, scheme) stands; a failed refresh plays the copy already there.
      if (hit && !(err instanceof AudioFetchError && /^refused/.test(err.message))) return strip(hit);
      throw err;
    }
  }

  private async download(url: string, now: number): Promise<FetchedAudio> {
    const shown = redactUrl(url);
    let target;
    try {
      target = await resolveTarget(url, this.config.AUDIO_FETCH_ALLOW_PRIVATE);
    } catch (err) {
      if (err instanceof CallbackRefusedError)
        throw new AudioFetchError(
          `refused: audio URL ${shown}: ${err.message.replace(/^refused: /, '').replace('CALLBACK_ALLOW_PRIVATE', 'AUDIO_FETCH_ALLOW_PRIVATE')}`,
        );
      throw new AudioFetchError(`audio URL ${shown}: ${(err as Error).message}`);
    }
    if (target.url.protocol !== 'https:') throw new AudioFetchError(`refused: audio URL ${shown}: only https:// is fetched`);
    const dir = audioDir(this.config.DATA_DIR);
    await mkdir(dir, { recursive: true });
    const tmp = tmpName(join(dir, sha256(url)));
    const max = this.config.AUDIO_FILE_MAX_BYTES;
    const timeoutMs = this.config.AUDIO_FETCH_TIMEOUT_MS;
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = https.request(
          target.url,
          {
            method: 'GET',
            headers: { accept: 'audio/wav, audio/x-wav, audio/mpeg', 'user-agent': 'campaign-runner' },
            lookup: pinnedLookup(target.addresses),
            signal,
            ...(this.tls.ca ? { ca: this.tls.ca } : {}),
          },
          resolve,
        );
        req.on('error', reject);
        req.end();
      });
      if (res.statusCode !== 200) {
        res.resume();
        throw new AudioFetchError(
          `audio URL ${shown} answered HTTP ${res.statusCode}${res.statusCode && res.statusCode >= 300 && res.statusCode < 400 ? ' (redirects are not followed)' : ''}`,
        );
      }
      const declared = Number(res.headers['content-length']);
      if (declared > max) {
        res.destroy();
        throw new AudioFetchError(`audio URL ${shown} is ${declared} bytes; at most ${max}`);
      }
      const written = await writeBounded(res, tmp, {
        maxBytes: max,
        check: (head) => {
          if (head.length >= 12 && head.toString('ascii', 0, 4) !== 'RIFF' && !looksLikeMp3(head))
            throw new AudioFetchError(`audio URL ${shown} is neither a WAV nor an MP3 file`);
        },
      });
      const { ext, durationMs } = await checkAudio(tmp, written.head, shown);
      if (durationMs > MAX_AUDIO_MS)
        throw new AudioFetchError(`audio URL ${shown} is ${formatDuration(durationMs)} long; at most ${formatDuration(MAX_AUDIO_MS)}`);
      const key = written.sha256;
      const file = storedFile(this.config.DATA_DIR, 'cache', key, ext);
      if (!existsSync(file)) await commitFile(tmp, file);
      const entry: IndexEntry = { url, key, ext, file, durationMs, fetched_at: now };
      const idx = this.indexFile(url);
      const idxTmp = tmpName(idx);
      await writeFile(idxTmp, JSON.stringify(entry));
      await rename(idxTmp, idx).catch(async (e: unknown) => {
        await rm(idxTmp, { force: true });
        throw e;
      });
      this.downloads++;
      return strip(entry);
    } catch (err) {
      if (err instanceof AudioFetchError) throw err;
      if (err instanceof TooLargeError) throw new AudioFetchError(`audio URL ${shown} is larger than ${max} bytes`);
      if (signal.aborted) throw new AudioFetchError(`audio URL ${shown}: no complete answer within ${timeoutMs} ms`);
      throw new AudioFetchError(`audio URL ${shown}: ${(err as Error).message}`);
    } finally {
      await rm(tmp, { force: true });
    }
  }
}

const strip = (e: IndexEntry | FetchedAudio): FetchedAudio => ({ key: e.key, ext: e.ext, file: e.file, durationMs: e.durationMs });

/** A downloaded file's kind and length: a playable WAV or an MP3, else AudioFetchError. */
async function checkAudio(file: string, head: Buffer, shown: string): Promise<{ ext: AudioExt; durationMs: number }> {
  try {
    if (head.toString('ascii', 0, 4) === 'RIFF') {
      const info = await readWavFile(file);
      const problem = wavProblem(info);
      if (problem) throw new AudioFetchError(`audio URL ${shown}: ${problem}`);
      return { ext: 'wav', durationMs: info.durationMs };
    }
    const { head: h, size } = await readHead(file);
    return { ext: 'mp3', durationMs: parseMp3(h, size).durationMs };
  } catch (err) {
    if (err instanceof WavError || err instanceof Mp3Error) throw new AudioFetchError(`audio URL ${shown}: ${err.message}`);
    throw err;
  }
}

const fetchers = new Map<string, AudioFetcher>();

/** The process's fetcher for a configuration's DATA_DIR (one in-flight map per process). */
export function audioFetcherFor(config: FetchConfig): AudioFetcher {
  const k = `${config.DATA_DIR}\0${config.AUDIO_FILE_MAX_BYTES}\0${config.AUDIO_FETCH_TIMEOUT_MS}\0${config.AUDIO_FETCH_ALLOW_PRIVATE}`;
  let f = fetchers.get(k);
  if (!f) fetchers.set(k, (f = new AudioFetcher(config)));
  return f;
}
