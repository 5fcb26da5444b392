// Text-to-speech: a provider interface, the local default (espeak-ng, Debian package `espeak-ng`,
// Vietnamese voices `vi`, `vi-vn-x-south`, …) and an HTTP provider for production engines (POST the
// text, get WAV bytes back). Audio is cached by content: the file is
// `<DATA_DIR>/audio/<sha256(provider \0 voice \0 text)>.wav`, so the same text is synthesised once;
// concurrent requests for the same text share one synthesis (in this process), and files are
// written to a temporary name then renamed, so another process never sees half a file.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from '../config/index.ts';
import { parseWav, WavError } from './wav.ts';

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

/** What a text-to-speech engine implements: WAV bytes for a text. */
export interface TtsProvider {
  /** Part of the cache key: another provider's audio for the same text is another file. */
  readonly name: string;
  readonly defaultVoice: string;
  synthesizeWav(text: string, voice: string): Promise<Buffer>;
}

export class TtsError extends Error {
  override readonly name = 'TtsError';
}

export const HASH_RE = /^[0-9a-f]{64}$/;

export function contentHash(provider: string, voice: string, text: string): string {
  return createHash('sha256').update(`${provider}\0${voice}\0${text}`).digest('hex');
}

/** The local default: `espeak-ng -v <voice> --stdout <text>` (the text is passed as one argument, no shell). */
export class EspeakProvider implements TtsProvider {
  readonly name = 'espeak-ng';
  constructor(
    readonly defaultVoice = 'vi',
    private readonly bin = 'espeak-ng',
  ) {}

  synthesizeWav(text: string, voice: string): Promise<Buffer> {
    return new Promise((resolvePromise, reject) => {
      // `--` ends the options: a text starting with `-` is still text.
      const child = spawn(this.bin, ['-v', voice, '--stdout', '--', text], { stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      let err = '';
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', (e: NodeJS.ErrnoException) => {
        reject(
          e.code === 'ENOENT'
            ? new TtsError(`text-to-speech: \`${this.bin}\` is not installed — install the Debian package espeak-ng (apt-get install espeak-ng)`)
            : new TtsError(`text-to-speech: cannot run ${this.bin}: ${e.message}`),
        );
      });
      child.on('close', (code) => {
        if (code !== 0) reject(new TtsError(`text-to-speech: espeak-ng exited ${code}: ${err.trim().slice(0, 500)}`));
        else resolvePromise(Buffer.concat(out));
      });
    });
  }
}

/**
 * A production engine over HTTP: `POST <url>` with `{"text","voice"}` (JSON) and the configured
 * headers; a 2xx answer's body must be a WAV file (`Accept: audio/wav` is sent).
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

  async synthesizeWav(text: string, voice: string): Promise<Buffer> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'audio/wav', ...this.headers },
        body: JSON.stringify({ text, voice }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new TtsError(`text-to-speech: POST ${this.url} failed: ${(err as Error).message}`);
    }
    const body = Buffer.from(await res.arrayBuffer());
    if (!res.ok) throw new TtsError(`text-to-speech: POST ${this.url} answered ${res.status}: ${body.toString('utf8', 0, 300)}`);
    return body;
  }
}

/** The provider the configuration names (TTS_PROVIDER, TTS_VOICE, TTS_HTTP_*). */
export function providerFromConfig(config: Pick<Config, 'TTS_PROVIDER' | 'TTS_VOICE' | 'TTS_HTTP_URL' | 'TTS_HTTP_HEADERS' | 'TTS_HTTP_TIMEOUT_MS'>): TtsProvider {
  if (config.TTS_PROVIDER === 'http') {
    if (!config.TTS_HTTP_URL) throw new TtsError('TTS_PROVIDER=http needs TTS_HTTP_URL');
    return new HttpTtsProvider(config.TTS_HTTP_URL, config.TTS_VOICE, config.TTS_HTTP_HEADERS, config.TTS_HTTP_TIMEOUT_MS);
  }
  return new EspeakProvider(config.TTS_VOICE);
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
      const info = parseWav(await readFile(file));
      return { file, durationMs: info.durationMs, contentHash: hash };
    } catch (err) {
      // Not cached yet (or a damaged file: made again).
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && !(err instanceof WavError)) throw err;
    }
    const wav = await this.provider.synthesizeWav(text, voice);
    let info;
    try {
      info = parseWav(wav);
    } catch (err) {
      throw new TtsError(`text-to-speech: ${this.provider.name} returned no usable WAV: ${(err as Error).message}`);
    }
    this.synthesized++;
    await mkdir(this.dir, { recursive: true });
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, fixStreamedSizes(wav));
      await rename(tmp, file);
    } finally {
      await rm(tmp, { force: true });
    }
    return { file, durationMs: info.durationMs, contentHash: hash };
  }
}

/**
 * A WAV written to a pipe carries placeholder sizes (espeak-ng: 0x7FFFF000, others 0 or
 * 0xFFFFFFFF) in its RIFF and data headers: write the real ones.
 */
function fixStreamedSizes(wav: Buffer): Buffer {
  const out = Buffer.from(wav);
  if (out.readUInt32LE(4) !== out.length - 8) out.writeUInt32LE(out.length - 8, 4);
  let off = 12;
  while (off + 8 <= out.length) {
    const id = out.toString('ascii', off, off + 4);
    const size = out.readUInt32LE(off + 4);
    const rest = out.length - off - 8;
    if (id === 'data') {
      if (size === 0 || size > rest) out.writeUInt32LE(rest, off + 4);
      break;
    }
    off += 8 + size + (size % 2);
  }
  return out;
}
