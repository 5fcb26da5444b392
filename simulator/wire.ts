// Wire format of the FreeSWITCH event socket, byte for byte as mod_event_socket 1.10 writes it
// (FreeSWITCH's Event Socket protocol, checked against captures of a real FreeSWITCH 1.10.12).

/** One event: ordered headers (duplicates allowed, e.g. Hangup-Cause twice) and an optional body. */
export interface WireEvent {
  headers: Array<[string, string]>;
  body?: string;
}

// SWITCH_URL_UNSAFE plus everything outside 0x20..0x7E.
const UNSAFE = /[^\x20-\x7e]|[\r\n #%&+:;<=>?@[\\\]^`{|}"]/;
const UNSAFE_SET = new Set('\r\n #%&+:;<=>?@[\\]^`{|}"'.split('').map((c) => c.charCodeAt(0)));
const HEX = '0123456789ABCDEF';

function isUpperHex(b: number | undefined): boolean {
  return b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46));
}

/**
 * switch_url_encode (double_encode false): every byte of the UTF-8 form outside 0x20..0x7E or in
 * SWITCH_URL_UNSAFE becomes %XX, except a '%' that already opens a valid uppercase %XX escape.
 */
export function urlEncode(value: string): string {
  if (!UNSAFE.test(value)) return value;
  const bytes = Buffer.from(value, 'utf8');
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x25 && isUpperHex(bytes[i + 1]) && isUpperHex(bytes[i + 2])) {
      out += '%';
      continue;
    }
    if (b < 0x20 || b > 0x7e || UNSAFE_SET.has(b)) out += '%' + HEX[b >> 4] + HEX[b & 15];
    else out += String.fromCharCode(b);
  }
  return out;
}

/** switch_event_serialize(encode=TRUE): `Name: value\n` per header, then body or a blank line. */
export function serializePlain(ev: WireEvent): string {
  let out = '';
  for (const [name, value] of ev.headers) {
    const enc = urlEncode(value);
    out += name + ': ' + (enc === '' ? '_undef_' : enc) + '\n';
  }
  if (ev.body) out += 'Content-Length: ' + Buffer.byteLength(ev.body, 'utf8') + '\n\n' + ev.body;
  else out += '\n';
  return out;
}

/** switch_event_serialize_json: one object, raw values, duplicate keys kept, body under _body. */
export function serializeJson(ev: WireEvent): string {
  const parts: string[] = [];
  for (const [name, value] of ev.headers) parts.push(JSON.stringify(name) + ':' + JSON.stringify(value));
  if (ev.body) {
    parts.push('"Content-Length":' + JSON.stringify(String(Buffer.byteLength(ev.body, 'utf8'))));
    parts.push('"_body":' + JSON.stringify(ev.body));
  }
  return '{' + parts.join(',') + '}';
}

/** An event frame: Content-Length before Content-Type (as mod_event_socket writes it). */
export function eventFrame(format: 'plain' | 'json', payload: string): string {
  return `Content-Length: ${Buffer.byteLength(payload, 'utf8')}\nContent-Type: text/event-${format}\n\n${payload}`;
}

export const AUTH_REQUEST = 'Content-Type: auth/request\n\n';

export function commandReply(text: string): string {
  return `Content-Type: command/reply\nReply-Text: ${text}\n\n`;
}

export function bgapiReply(jobUuid: string): string {
  return `Content-Type: command/reply\nReply-Text: +OK Job-UUID: ${jobUuid}\nJob-UUID: ${jobUuid}\n\n`;
}

/** api/response: Content-Type first, then Content-Length. */
export function apiResponse(body: string): string {
  return `Content-Type: api/response\nContent-Length: ${Buffer.byteLength(body, 'utf8')}\n\n${body}`;
}

export const DISCONNECT_MESSAGE = 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n';

export function disconnectNotice(message = DISCONNECT_MESSAGE): string {
  return `Content-Type: text/disconnect-notice\nContent-Length: ${Buffer.byteLength(message, 'utf8')}\n\n${message}`;
}

/** A command as a client sends it: first line, then `Name: value` lines, then an optional body. */
export interface ClientCommand {
  line: string;
  headers: Record<string, string>;
  body?: string;
}

/**
 * Incremental parser for client commands (read_packet): leading CR/LF skipped, a command ends at an
 * empty line (CR ignored), a Content-Length header brings a body of that many bytes.
 */
export class CommandParser {
  private buf: Buffer = Buffer.alloc(0);
  private pending: { cmd: ClientCommand; length: number } | null = null;

  push(chunk: Buffer): ClientCommand[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: ClientCommand[] = [];
    for (;;) {
      if (this.pending) {
        if (this.buf.length < this.pending.length) break;
        this.pending.cmd.body = this.buf.subarray(0, this.pending.length).toString('utf8');
        this.buf = this.buf.subarray(this.pending.length);
        out.push(this.pending.cmd);
        this.pending = null;
        continue;
      }
      let start = 0;
      while (start < this.buf.length && (this.buf[start] === 0x0a || this.buf[start] === 0x0d)) start++;
      if (start) this.buf = this.buf.subarray(start);
      if (!this.buf.length) break;
      const end = findBlankLine(this.buf);
      if (end < 0) break;
      const text = this.buf.subarray(0, end.valueOf()).toString('utf8').replace(/\r/g, '');
      this.buf = this.buf.subarray(blankLineEnd(this.buf, end));
      const lines = text.split('\n');
      const cmd: ClientCommand = { line: lines[0] ?? '', headers: {} };
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        if (i <= 0) continue;
        cmd.headers[l.slice(0, i).trim()] = l.slice(i + 1).replace(/^ +/, '');
      }
      const cl = Number.parseInt(headerCI(cmd.headers, 'content-length') ?? '', 10);
      if (cl > 0) this.pending = { cmd, length: cl };
      else out.push(cmd);
    }
    return out;
  }
}

/** Index of the '\n' that ends the last header line (the blank line follows, CRs ignored). */
function findBlankLine(buf: Buffer): number {
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] !== 0x0a) continue;
    let j = i + 1;
    while (j < buf.length && buf[j] === 0x0d) j++;
    if (j < buf.length && buf[j] === 0x0a) return i;
  }
  return -1;
}

function blankLineEnd(buf: Buffer, i: number): number {
  let j = i + 1;
  while (j < buf.length && buf[j] === 0x0d) j++;
  return j + 1;
}

export function headerCI(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const k of Object.keys(headers)) if (k.toLowerCase() === lower) return headers[k];
  return undefined;
}
