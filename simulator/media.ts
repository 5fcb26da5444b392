// What a file FreeSWITCH is asked to play holds, and for how long it plays: the simulator looks at
// the file as FreeSWITCH would before playing it (switch_ivr_play_file → switch_core_file_open).
//   /abs/path.wav                 read from disk: the WAV header's length (data bytes / byte rate);
//                                 missing or not a WAV → not found (mod_sndfile cannot open it)
//   http_cache://http(s)://…      fetched as mod_http_cache does: GET (redirects followed, an HTTP
//   http(s)://…                   error fails), cached per URL in memory for Cache-Control max-age or
//                                 default-max-age (86400 s); a failed fetch is not cached. 404,
//                                 connection refused, timeouts → not found
//   silence_stream://N[,f]        N ms; N < 0 forever; 0 or not a number → not found (mod_tone_stream)
//   file_string://a!b!c           250 ms of silence when its first file opens, then each file that
//                                 opens in turn (a file that does not is skipped); none → not found
//   anything else                 tone_stream://, say:, phrase:, local_stream://, a path relative to
//                                 FreeSWITCH's sound directory…: the rules' mediaMs (the simulator
//                                 cannot know its length)
// A file the simulator cannot read is not found as on FreeSWITCH unless the rules say
// `missingMedia: "play"`: then it plays mediaMs as if it were there.
// A test tool: this file does not use the product's media/ code.
import { open, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { Rules } from './rules.ts';

/** How long a file plays: milliseconds, `forever`, or not found (switch_core_file_open failed). */
export type MediaLength = { found: true; ms: number | 'forever' } | { found: false; why: string };

/** What the media reader needs from the simulator (read at each call: rules and scale change). */
export interface MediaHost {
  readonly rules: Rules;
  readonly timeScale: number;
}

// mod_http_cache's timeouts as configured on the FreeSWITCH the captures come from (http_cache.conf
// connect-timeout 10, download-timeout 30; the module's own default is 300 for both). Seconds
// FreeSWITCH waits: scaled by timeScale like originate_timeout, never below MIN_NET_MS.
const CONNECT_TIMEOUT_S = 10;
const DOWNLOAD_TIMEOUT_S = 30;
const MIN_NET_MS = 200;
const DEFAULT_MAX_AGE_S = 86_400;
const MAX_REDIRECTS = 10;
/** file_string's silence before its first file (file_string_file_open: 250 ms of samples). */
const FILE_STRING_LEAD_MS = 250;

type Cached = { length: MediaLength; expiresAt: number };

export class MediaReader {
  /** mod_http_cache's URL map: a download in progress is shared, a failure is forgotten. */
  private readonly urls = new Map<string, Promise<Cached>>();
  /** GET requests sent, per URL (for tests and the control API). */
  readonly fetches = new Map<string, number>();

  constructor(private readonly host: MediaHost) {}

  /** The length of what `playback <file>` plays. */
  async length(file: string): Promise<MediaLength> {
    const r = await this.raw(file);
    if (!r.found && this.host.rules.missingMedia === 'play') return { found: true, ms: this.host.rules.mediaMs };
    return r;
  }

  private async raw(spec: string): Promise<MediaLength> {
    let file = spec.trim();
    // {var=value}file: per-file variables (switch_ivr_play_file strips them)
    while (file.startsWith('{')) {
      const e = file.indexOf('}');
      if (e < 0) break;
      file = file.slice(e + 1).trimStart();
    }
    // file@@<samples>: playback starts that many samples (8 kHz) in
    let skipMs = 0;
    const at = file.indexOf('@@');
    if (at > 0 && /^\d+$/.test(file.slice(at + 2))) {
      skipMs = Number(file.slice(at + 2)) / 8;
      file = file.slice(0, at);
    }
    const r = await this.resolve(file);
    if (r.found && typeof r.ms === 'number') return { found: true, ms: Math.max(0, r.ms - skipMs) };
    return r;
  }

  private async resolve(file: string): Promise<MediaLength> {
    if (!file) return { found: false, why: 'no file' };
    const lower = file.toLowerCase();
    if (lower.startsWith('silence_stream://')) return silence(file.slice('silence_stream://'.length));
    if (lower.startsWith('file_string://')) return this.fileString(file.slice('file_string://'.length));
    if (lower.startsWith('http_cache://')) return this.url(file.slice('http_cache://'.length));
    if (lower.startsWith('http://') || lower.startsWith('https://')) return this.url(file);
    if (file.startsWith('/')) {
      const r = await localWav(file);
      return r === 'unmeasured' ? { found: true, ms: this.host.rules.mediaMs } : r;
    }
    // tone_stream://, say:, phrase:, local_stream://, a relative path (FreeSWITCH's sound prefix)
    return { found: true, ms: this.host.rules.mediaMs };
  }

  private async fileString(list: string): Promise<MediaLength> {
    const parts = list.split('!');
    let total = 0;
    let opened = 0;
    for (let i = 0; i < parts.length; i++) {
      const r = await this.length(parts[i]!);
      if (!r.found) continue;
      if (r.ms === 'forever') return r;
      if (opened === 0 && i === 0) total += FILE_STRING_LEAD_MS;
      total += r.ms;
      opened++;
    }
    return opened ? { found: true, ms: total } : { found: false, why: `no file of ${list} opens` };
  }

  private async url(url: string): Promise<MediaLength> {
    if (!/^https?:\/\//i.test(url)) return { found: false, why: `not an http URL: ${url}` };
    const now = Date.now();
    const hit = this.urls.get(url);
    if (hit) {
      const c = await hit;
      if (c.length.found && c.expiresAt > now) return c.length;
      if (this.urls.get(url) === hit) this.urls.delete(url);
    }
    const p = this.download(url);
    this.urls.set(url, p);
    const c = await p;
    if (!c.length.found && this.urls.get(url) === p) this.urls.delete(url);
    return c.length;
  }

  private async download(url: string): Promise<Cached> {
    const scale = (s: number) => Math.max(MIN_NET_MS, Math.round(s * 1000 * this.host.timeScale));
    this.fetches.set(url, (this.fetches.get(url) ?? 0) + 1);
    try {
      const got = await httpGet(url, scale(CONNECT_TIMEOUT_S), scale(DOWNLOAD_TIMEOUT_S));
      const maxAge = /max-age=(\d+)/i.exec(got.cacheControl ?? '')?.[1];
      const expiresAt = Date.now() + (maxAge !== undefined ? Number(maxAge) : DEFAULT_MAX_AGE_S) * 1000;
      // the cached file keeps the URL's extension; mod_sndfile opens .wav, other formats are not measured
      const ext = /\.([a-z0-9]+)(?:[?#].*)?$/i.exec(new URL(url).pathname)?.[1]?.toLowerCase();
      if (isRiff(got.body) || ext === 'wav' || ext === undefined) {
        const ms = wavMs(got.body, got.body.length);
        return { length: ms === null ? { found: false, why: `${url} is not a WAV file` } : { found: true, ms }, expiresAt };
      }
      return { length: { found: true, ms: this.host.rules.mediaMs }, expiresAt };
    } catch (e) {
      return { length: { found: false, why: `${url}: ${(e as Error).message}` }, expiresAt: 0 };
    }
  }
}

function silence(arg: string): MediaLength {
  const ms = Number.parseInt(arg, 10);
  if (!ms) return { found: false, why: `silence_stream://${arg}: expects <msec>[,<silence_factor>]` };
  return { found: true, ms: ms < 0 ? 'forever' : ms };
}

/** A file on disk: its WAV length, not found, or `unmeasured` (it opens but is not a WAV: mp3…). */
async function localWav(path: string): Promise<MediaLength | 'unmeasured'> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) return { found: false, why: `${path} is not a file` };
    size = st.size;
  } catch {
    return { found: false, why: `${path} does not exist` };
  }
  const dot = path.lastIndexOf('.');
  const ext = dot > path.lastIndexOf('/') ? path.slice(dot + 1).toLowerCase() : '';
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(Math.min(size, 64 * 1024));
    await fh.read(head, 0, head.length, 0);
    if (!isRiff(head) && ext !== 'wav') return 'unmeasured';
    const ms = wavMs(head, size);
    return ms === null ? { found: false, why: `${path} is not a WAV file` } : { found: true, ms };
  } finally {
    await fh.close();
  }
}

const isRiff = (b: Buffer) => b.length >= 12 && b.toString('ascii', 0, 4) === 'RIFF' && b.toString('ascii', 8, 12) === 'WAVE';

/**
 * The length of a RIFF/WAVE file from its header: data chunk bytes / fmt byte rate. `total` is the
 * file's full size (the buffer may hold only its start); a streamed WAV's placeholder data size
 * (0 or more than the file holds) is clipped to what the file holds. null: not a WAV.
 */
export function wavMs(head: Buffer, total: number): number | null {
  if (!isRiff(head)) return null;
  let byteRate = 0;
  let off = 12;
  while (off + 8 <= head.length) {
    const id = head.toString('ascii', off, off + 4);
    const size = head.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ' && body + 12 <= head.length) byteRate = head.readUInt32LE(body + 8);
    else if (id === 'data') {
      if (!byteRate) return null;
      const there = Math.max(0, total - body);
      const bytes = size === 0 ? there : Math.min(size, there);
      return Math.round((bytes / byteRate) * 1000);
    }
    off = body + size + (size % 2);
  }
  return null;
}

/** GET with curl's options as mod_http_cache sets them: follow redirects, fail on HTTP errors. */
function httpGet(url: string, connectMs: number, totalMs: number, redirects = 0): Promise<{ body: Buffer; cacheControl?: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    let done = false;
    const finish = (f: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(total);
      f();
    };
    const req = mod.get(u, { headers: { 'user-agent': 'freeswitch-http-cache/1.0' }, rejectUnauthorized: false }, (res) => {
      const status = res.statusCode ?? 0;
      const loc = res.headers.location;
      if (status >= 300 && status < 400 && loc) {
        res.resume();
        if (redirects >= MAX_REDIRECTS) return finish(() => reject(new Error('too many redirects')));
        return finish(() => httpGet(new URL(loc, u).toString(), connectMs, totalMs, redirects + 1).then(resolve, reject));
      }
      if (status >= 400) {
        res.resume();
        return finish(() => reject(new Error(`HTTP ${status}`)));
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => finish(() => resolve({ body: Buffer.concat(chunks), cacheControl: res.headers['cache-control'] })));
      res.on('error', (e) => finish(() => reject(e)));
    });
    const total = setTimeout(() => finish(() => (req.destroy(), reject(new Error('download timeout')))), totalMs);
    req.on('socket', (s) => {
      if (!s.connecting) return;
      const t = setTimeout(() => finish(() => (req.destroy(), reject(new Error('connect timeout')))), connectMs);
      s.once('connect', () => clearTimeout(t));
      s.once('close', () => clearTimeout(t));
    });
    req.on('error', (e) => finish(() => reject(e)));
  });
}
