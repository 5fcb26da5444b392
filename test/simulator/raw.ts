// Raw ESL client for conformance tests: sends exact bytes, records exact bytes, splits frames.
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Frame {
  headers: Array<[string, string]>;
  h: Record<string, string>;
  body: string;
  /** For event frames: parsed event headers (plain: URL-decoded; json: raw). */
  event?: { headers: Array<[string, string]>; h: Record<string, string>; body?: string };
  raw: string;
}

export const TRANSCRIPTS = fileURLToPath(new URL('../fixtures/esl-transcripts', import.meta.url));
export function transcript(name: string): Buffer {
  return readFileSync(`${TRANSCRIPTS}/${name}.txt`);
}

/** Split a byte stream into ESL frames (headers, then Content-Length bytes of body). */
export function splitFrames(data: Buffer): { frames: Frame[]; rest: Buffer } {
  const frames: Frame[] = [];
  let i = 0;
  for (;;) {
    const end = data.indexOf('\n\n', i);
    if (end < 0) break;
    const head = data.subarray(i, end).toString('utf8');
    const headers = head.split('\n').map((l) => {
      const k = l.indexOf(': ');
      return [l.slice(0, k), l.slice(k + 2)] as [string, string];
    });
    const h = Object.fromEntries(headers);
    const len = h['Content-Length'] ? Number(h['Content-Length']) : 0;
    if (end + 2 + len > data.length) break;
    const body = data.subarray(end + 2, end + 2 + len).toString('utf8');
    const f: Frame = { headers, h, body, raw: data.subarray(i, end + 2 + len).toString('utf8') };
    if (h['Content-Type'] === 'text/event-plain') f.event = parsePlain(body);
    if (h['Content-Type'] === 'text/event-json') {
      const o = JSON.parse(body) as Record<string, string>;
      const { _body, ...rest } = o;
      f.event = { headers: Object.entries(rest), h: rest, body: _body };
    }
    frames.push(f);
    i = end + 2 + len;
  }
  return { frames, rest: data.subarray(i) };
}

export function parsePlain(body: string): { headers: Array<[string, string]>; h: Record<string, string>; body?: string } {
  const sep = body.indexOf('\n\n');
  const head = sep < 0 ? body : body.slice(0, sep);
  const headers = head
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const k = l.indexOf(': ');
      return [l.slice(0, k), decodeURIComponent(l.slice(k + 2))] as [string, string];
    });
  const h: Record<string, string> = {};
  for (const [k, v] of headers) if (!(k in h)) h[k] = v;
  let inner: string | undefined;
  if (h['Content-Length'] !== undefined) inner = body.slice(sep + 2, sep + 2 + Number(h['Content-Length']));
  return { headers, h, body: inner };
}

export class RawEsl {
  data = Buffer.alloc(0);
  closed = false;
  private waiters: Array<() => void> = [];
  constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.data = Buffer.concat([this.data, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }
  static connect(port: number): Promise<RawEsl> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new RawEsl(s)));
      s.once('error', reject);
    });
  }
  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  send(cmd: string): void {
    this.socket.write(cmd + '\n\n');
  }
  frames(): Frame[] {
    return splitFrames(this.data).frames;
  }
  events(): Frame[] {
    return this.frames().filter((f) => f.event);
  }
  eventNames(): string[] {
    return this.events().map((f) => f.event!.h['Event-Name']!);
  }
  /** Wait until pred(frames) holds. */
  async until(pred: (frames: Frame[]) => boolean, timeoutMs = 3000): Promise<Frame[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames();
      if (pred(f)) return f;
      if (this.closed)
        throw new Error(
          'socket closed before condition; got ' +
            f.map((x) => x.h['Content-Type'] + ':' + (x.event?.h['Event-Name'] ?? x.h['Reply-Text'] ?? '')).join(', '),
        );
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          'timeout; frames: ' +
            f.map((x) => x.h['Content-Type'] + ':' + (x.event?.h['Event-Name'] ?? x.h['Reply-Text'] ?? x.body)).join(', '),
        );
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
  untilClosed(timeoutMs = 3000): Promise<void> {
    return this.until(() => this.closed, timeoutMs)
      .then(() => undefined)
      .catch((e) => {
        if (this.closed) return;
        throw e;
      });
  }
  /** Wait for n more frames than `from`. */
  async next(from: number, n = 1): Promise<Frame[]> {
    const f = await this.until((fr) => fr.length >= from + n);
    return f.slice(from, from + n);
  }
  close() {
    this.socket.destroy();
  }
  async login(password = 'ClueCon'): Promise<void> {
    await this.until((f) => f.length >= 1);
    this.send(`auth ${password}`);
    await this.until((f) => f.length >= 2);
  }
}

export const EIGHT =
  'CHANNEL_CREATE CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA CHANNEL_ANSWER CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE CHANNEL_DESTROY BACKGROUND_JOB';
