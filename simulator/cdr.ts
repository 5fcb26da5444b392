// mod_json_cdr, as FreeSWITCH 1.10.12 does it (test/fixtures/real-fs/cdr-*.http): when a channel
// reaches CS_REPORTING, POST `<url>?uuid=<uuid>` with `Content-Type: application/json`, User-Agent
// `freeswitch-json/1.0`, a JSON object of `core-uuid`, `switchname`, `channel_data`, `callStats`,
// `variables` (every value a string, URL-encoded as encode-values does: CR, LF, space,
// #%&+:;<=>?@[\]^`{|}" and bytes above 0x7f, an existing %XX left alone), `app_log`, `callflow`;
// one post per leg; HTTP Basic when `cred` is set; `retries` more tries `delay` ms apart when the
// answer is not 2xx; then the record goes to the error directory (here: `failed`, in memory) and
// is never posted again. Difference: FreeSWITCH posts from the call's thread and fires
// CHANNEL_HANGUP_COMPLETE only once the post is done; the simulator posts in the background and
// fires the event at once, so a slow receiver does not hold up hangup events here.
import type { Channel } from './channel.ts';

export interface CdrOptions {
  url: string;
  /** `user:password` for HTTP Basic (mod_json_cdr `cred`). */
  cred?: string;
  /** Further tries after the first (mod_json_cdr `retries`, default 0). */
  retries?: number;
  /** Between tries, ms (mod_json_cdr `delay` is in seconds; default 5000). */
  delayMs?: number;
}

export interface CdrPost {
  uuid: string;
  attempts: number;
  status: number | null;
}

const ENCODED = new Set('\r\n #%&+:;<=>?@[\\]^`{|}"'.split(''));

/** switch_url_encode as mod_json_cdr calls it. */
export function cdrEncode(v: string): string {
  let out = '';
  const bytes = Buffer.from(v, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const c = String.fromCharCode(b);
    if (c === '%' && /^[0-9a-fA-F]{2}$/.test(bytes.subarray(i + 1, i + 3).toString('latin1'))) out += c;
    else if (b > 0x7f || ENCODED.has(c)) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    else out += c;
  }
  return out;
}

export class CdrPoster {
  readonly sent: CdrPost[] = [];
  /** What mod_json_cdr would have written to its err-log-dir. */
  readonly failed: Array<{ uuid: string; body: string }> = [];
  private inflight = new Set<Promise<void>>();

  constructor(
    private readonly opts: CdrOptions,
    private readonly host: { coreUuid: string; hostname: string },
  ) {}

  /** The channel reached CS_REPORTING: post its record (in the background). */
  post(ch: Channel): void {
    const variables: Record<string, string> = {};
    for (const [k, v] of ch.vars) if (v !== '') variables[k] = cdrEncode(v);
    const body = JSON.stringify({
      'core-uuid': this.host.coreUuid,
      switchname: this.host.hostname,
      channel_data: { state: 'CS_REPORTING', direction: 'outbound', state_number: '11', flags: '', caps: '' },
      callStats: {},
      variables,
      app_log: {},
      callflow: [],
    });
    const p = this.send(ch.uuid, body).finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  /** Every post started so far has succeeded or given up. */
  async settled(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  private async send(uuid: string, body: string): Promise<void> {
    const url = `${this.opts.url}${this.opts.url.includes('?') ? '&' : '?'}uuid=${uuid}`;
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'freeswitch-json/1.0', accept: '*/*' };
    if (this.opts.cred) headers.authorization = `Basic ${Buffer.from(this.opts.cred).toString('base64')}`;
    const tries = 1 + (this.opts.retries ?? 0);
    let status: number | null = null;
    for (let i = 1; i <= tries; i++) {
      try {
        const res = await fetch(url, { method: 'POST', headers, body });
        status = res.status;
        await res.arrayBuffer();
        if (res.ok) {
          this.sent.push({ uuid, attempts: i, status });
          return;
        }
      } catch {
        status = null;
      }
      if (i < tries) await new Promise((r) => setTimeout(r, this.opts.delayMs ?? 5_000));
    }
    this.sent.push({ uuid, attempts: tries, status });
    this.failed.push({ uuid, body });
  }
}
