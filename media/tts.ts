// Text-to-speech: a provider interface, the local default (espeak-ng, Debian package `espeak-ng`,
// Vietnamese voices `vi`, `vi-vn-x-south`, …) and an HTTP provider for production engines (POST the
// text, get WAV bytes back). Audio is cached by content: the file is
// `<DATA_DIR>/audio/<sha256(provider \0 voice \0 text)>.wav`, so the same text is synthesised once;
// concurrent requests for the same text share one synthesis (in this process), and files are
// written to a temporary name then renamed, so another process never sees half a file.
// Bounds (media/limits.ts, issue 20): a text of at most MAX_SPOKEN_CHARS, audio of at most
// MAX_AUDIO_MS (the engine is stopped as soon as it writes more), espeak-ng killed after
// TTS_TIMEOUT_MS; the text goes to espeak-ng on stdin (a long text in argv failed with "Argument
// list too long"), and the audio streams to disk as it is made.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Config } from '../config/index.ts';
import { commitFile, markUsed, tmpName, TooLargeError, writeBounded } from './files.ts';
import { formatDuration, MAX_AUDIO_MS, MAX_SPOKEN_CHARS } from './limits.ts';
import { fixStreamedSizesInFile, readWavFile, WAV_HEAD_BYTES, wavByteRate, WavError } from './wav.ts';

export interface SynthesisResult {
  /** Absolute path of the cached WAV file. */
  file: string;
  durationMs: number;
  /** sha256 hex of provider, voice and text: the cache key and the file's name. */
  contentHash: string;
}

export interface SynthesizeOptions {
  voice?: string;
}

export interface SynthesisLimits {
  /** Stop the engine once the audio it wrote is longer than this. */
  maxDurationMs: number;
}

/** What a text-to-speech engine implements: WAV bytes for a text. */
export interface TtsProvider {
  /** Part of the cache key: another provider's audio for the same text is another file. */
  readonly name: string;
  readonly defaultVoice: string;
  synthesizeWav(text: string, voice: string): Promise<Buffer>;
  /** Optional, preferred: write the WAV to `file` as it is made, within `limits` (else synthesizeWav is used). */
  synthesizeToFile?(text: string, voice: string, file: string, limits: SynthesisLimits): Promise<void>;
}

export class TtsError extends Error {
  override readonly name = 'TtsError';
}

export const HASH_RE = /^[0-9a-f]{64}$/;

export function contentHash(provider: string, voice: string, text: string): string {
  return createHash('sha256').update(`${provider}\0${voice}\0${text}`).digest('hex');
}

/** Bytes a synthesis may write before its header tells its rate (48 kHz, stereo, 32-bit, for MAX_AUDIO_MS). */
const ABSOLUTE_MAX_BYTES = 48_000 * 2 * 4 * (MAX_AUDIO_MS / 1000) + WAV_HEAD_BYTES;

/** A check for writeBounded: the stream must be a WAV, and stop once it holds more than `maxDurationMs` of audio. */
function wavLengthGuard(maxDurationMs: number, what: string): (head: Buffer, bytes: number) => void {
  return (head, bytes) => {
    const rate = wavByteRate(head);
    if (rate === undefined) {
      if (head.length >= 12 && (head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE')) {
        throw new TtsError(`text-to-speech: ${what} returned no usable WAV: not a WAV file (no RIFF/WAVE header)`);
      }
      if (head.length >= WAV_HEAD_BYTES) throw new TtsError(`text-to-speech: ${what} returned no usable WAV: no fmt chunk`);
      return;
    }
    if (rate > 0 && bytes > WAV_HEAD_BYTES + (rate * maxDurationMs) / 1000) {
      throw new TtsError(`text-to-speech: the audio is longer than ${formatDuration(maxDurationMs)} (stopped)`);
    }
  };
}

/** Run a provider's file synthesis into a scratch directory and read the bytes (for synthesizeWav). */
async function viaFile(p: Required<Pick<TtsProvider, 'synthesizeToFile'>>, text: string, voice: string): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'cr-tts-'));
  try {
    const file = join(dir, 'out.wav');
    await p.synthesizeToFile(text, voice, file, { maxDurationMs: MAX_AUDIO_MS });
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The local default: `espeak-ng -v <voice> --stdout --stdin`, the text on stdin (no shell, no
 * argv length limit, a text starting with `-` is still text), killed after `timeoutMs`.
 */
export class EspeakProvider implements TtsProvider {
  readonly name = 'espeak-ng';
  constructor(
    readonly defaultVoice = 'vi',
    private readonly bin = 'espeak-ng',
    readonly timeoutMs = 30_000,
  ) {}

  synthesizeWav(text: string, voice: string): Promise<Buffer> {
    return viaFile(this, text, voice);
  }

  async synthesizeToFile(text: string, voice: string, file: string, limits: SynthesisLimits): Promise<void> {
    const child = spawn(this.bin, ['-v', voice, '--stdout', '--stdin'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    let timedOut = false;
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 2000) err += d.toString();
    });
    child.stdin.on('error', () => {}); // EPIPE when espeak-ng exits early: its exit code tells why
    const spawned = new Promise<void>((ok, fail) => {
      child.once('spawn', ok);
      child.once('error', (e: NodeJS.ErrnoException) =>
        fail(
          e.code === 'ENOENT'
            ? new TtsError(
                `text-to-speech: \`${this.bin}\` is not installed — install the Debian package espeak-ng (apt-get install espeak-ng)`,
              )
            : new TtsError(`text-to-speech: cannot run ${this.bin}: ${e.message}`),
        ),
      );
    });
    const closed = new Promise<number | null>((ok) => child.once('close', (code) => ok(code)));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, this.timeoutMs);
    try {
      await spawned;
      child.stdin.end(text);
      try {
        await writeBounded(child.stdout, file, { maxBytes: ABSOLUTE_MAX_BYTES, check: wavLengthGuard(limits.maxDurationMs, this.name) });
      } catch (e) {
        child.kill('SIGKILL');
        if (timedOut) throw new TtsError(`text-to-speech: espeak-ng took longer than ${this.timeoutMs} ms (killed)`);
        throw e instanceof TooLargeError ? new TtsError(`text-to-speech: espeak-ng wrote more than ${e.limit} bytes (stopped)`) : e;
      }
      const code = await closed;
      if (timedOut) throw new TtsError(`text-to-speech: espeak-ng took longer than ${this.timeoutMs} ms (killed)`);
      if (code !== 0) throw new TtsError(`text-to-speech: espeak-ng exited ${code}: ${err.trim().slice(0, 500)}`);
    } catch (e) {
      await rm(file, { force: true });
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * A production engine over HTTP: `POST <url>` with `{"text","voice"}` (JSON) and the configured
 * headers; a 2xx answer's body must be a WAV file (`Accept: audio/wav` is sent). The body is
 * streamed to disk and cut off past MAX_AUDIO_MS of audio.
 */
export class HttpTtsProvider implements TtsProvider {
  readonly name: string;
  constructor(
    private readonly url: string,
    readonly defaultVoice: string,
    private readonly headers: Record<string, string> = {},
    private readonly timeoutMs = 30_000,
  ) {
    this.name = `http:${url}`;
  }

  synthesizeWav(text: string, voice: string): Promise<Buffer> {
    return viaFile(this, text, voice);
  }

  async synthesizeToFile(text: string, voice: string, file: string, limits: SynthesisLimits): Promise<void> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'audio/wav', ...this.headers },
        body: JSON.stringify({ text, voice }),
        signal,
      });
    } catch (err) {
      throw new TtsError(`text-to-speech: POST ${this.url} failed: ${(err as Error).message}`);
    }
    if (!res.ok) {
      const body = await res.text().catch(() => '');
      throw new TtsError(`text-to-speech: POST ${this.url} answered ${res.status}: ${body.slice(0, 300)}`);
    }
    if (!res.body) throw new TtsError(`text-to-speech: POST ${this.url} answered no body`);
    try {
      await writeBounded(Readable.fromWeb(res.body as NodeReadableStream<Uint8Array>), file, {
        maxBytes: ABSOLUTE_MAX_BYTES,
        check: wavLengthGuard(limits.maxDurationMs, `POST ${this.url}`),
      });
    } catch (err) {
      if (err instanceof TtsError) throw err;
      if (err instanceof TooLargeError) throw new TtsError(`text-to-speech: POST ${this.url} answered more than ${err.limit} bytes`);
      throw new TtsError(
        `text-to-speech: POST ${this.url} failed: ${signal.aborted ? `no answer within ${this.timeoutMs} ms` : (err as Error).message}`,
      );
    }
  }
}

/** The provider the configuration names (TTS_PROVIDER, TTS_VOICE, TTS_HTTP_*). */
export function providerFromConfig(
  config: Pick<Config, 'TTS_PROVIDER' | 'TTS_VOICE' | 'TTS_HTTP_URL' | 'TTS_HTTP_HEADERS' | 'TTS_HTTP_TIMEOUT_MS'> &
    Partial<Pick<Config, 'TTS_TIMEOUT_MS'>>,
): TtsProvider {
  if (config.TTS_PROVIDER === 'http') {
    if (!config.TTS_HTTP_URL) throw new TtsError('TTS_PROVIDER=http needs TTS_HTTP_URL');
    return new HttpTtsProvider(config.TTS_HTTP_URL, config.TTS_VOICE, config.TTS_HTTP_HEADERS, config.TTS_HTTP_TIMEOUT_MS);
  }
  return new EspeakProvider(config.TTS_VOICE, 'espeak-ng', config.TTS_TIMEOUT_MS ?? 30_000);
}

/** The audio cache directory under DATA_DIR. */
export const audioDir = (dataDir: string): string => resolve(dataDir, 'audio');

/** The cached WAV of a content hash: `<DATA_DIR>/audio/<hash>.wav` (what Tts writes, the route serves). */
export const audioFile = (dataDir: string, hash: string): string => join(audioDir(dataDir), `${hash}.wav`);

/** Synthesis with the content cache. One instance per process (the in-flight map lives here). */
export class Tts {
  private readonly inflight = new Map<string, Promise<SynthesisResult>>();
  /** Syntheses actually run (cache misses), for tests and logs. */
  synthesized = 0;

  constructor(
    readonly provider: TtsProvider,
    readonly dir: string,
  ) {}

  fileFor(hash: string): string {
    if (!HASH_RE.test(hash)) throw new TtsError(`not an audio hash: ${hash}`);
    return join(this.dir, `${hash}.wav`);
  }

  async synthesize(text: string, opts: SynthesizeOptions = {}): Promise<SynthesisResult> {
    const voice = opts.voice ?? this.provider.defaultVoice;
    if (text.trim() === '') throw new TtsError('text-to-speech: empty text');
    if (text.length > MAX_SPOKEN_CHARS)
      throw new TtsError(`text-to-speech: the text is ${text.length} characters; at most ${MAX_SPOKEN_CHARS}`);
    const hash = contentHash(this.provider.name, voice, text);
    const running = this.inflight.get(hash);
    if (running) return running;
    const p = this.cachedOrMake(hash, text, voice).finally(() => this.inflight.delete(hash));
    this.inflight.set(hash, p);
    return p;
  }

  private async cachedOrMake(hash: string, text: string, voice: string): Promise<SynthesisResult> {
    const file = this.fileFor(hash);
    try {
      const [info, st] = await Promise.all([readWavFile(file), stat(file)]);
      await markUsed(file, st.mtimeMs); // the cache evicts by last use (media/audio-cache.ts)
      return { file, durationMs: info.durationMs, contentHash: hash };
    } catch (err) {
      // Not cached yet (or a damaged file: made again).
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && !(err instanceof WavError)) throw err;
    }
    await mkdir(this.dir, { recursive: true });
    const tmp = tmpName(file);
    try {
      if (this.provider.synthesizeToFile) await this.provider.synthesizeToFile(text, voice, tmp, { maxDurationMs: MAX_AUDIO_MS });
      else await writeFile(tmp, await this.provider.synthesizeWav(text, voice), { flag: 'wx' });
      let info;
      try {
        await fixStreamedSizesInFile(tmp);
        info = await readWavFile(tmp);
      } catch (err) {
        throw new TtsError(`text-to-speech: ${this.provider.name} returned no usable WAV: ${(err as Error).message}`);
      }
      if (info.durationMs > MAX_AUDIO_MS)
        throw new TtsError(`text-to-speech: the audio is ${formatDuration(info.durationMs)}; at most ${formatDuration(MAX_AUDIO_MS)}`);
      this.synthesized++;
      await commitFile(tmp, file);
      return { file, durationMs: info.durationMs, contentHash: hash };
    } finally {
      await rm(tmp, { force: true });
    }
  }
}
