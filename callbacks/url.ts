// Where a callback (or a tenant's audio URL, media/audio-rules.ts) may go. The URL must be
// http(s) without credentials; its host is resolved at delivery time and every address it
// resolves to is checked: only globally routable unicast addresses are allowed unless
// CALLBACK_ALLOW_PRIVATE is set. The delivery then connects to exactly the addresses checked here
// (callbacks/http.ts pins them), so a DNS answer that changes between the check and the
// connection (DNS rebinding) cannot slip through.
//
// Address classification: ipaddr.js (its IPv4 and IPv6 special-purpose ranges: RFC 1918, loopback,
// link-local, CGNAT, multicast, broadcast, documentation, benchmarking, 6to4 relay, AS112, AMT,
// unique local, site-local, discard, NAT64, 6to4, Teredo, ORCHID, SRv6, 3fff::/20, …) plus two
// rules of our own, because its ranges do not cover everything:
//   - an IPv6 address outside 2000::/3 (the only block IANA allocates as global unicast) is not
//     public: this catches the deprecated IPv4-compatible form `::a.b.c.d` (ipaddr.js calls
//     `::7f00:1` unicast), `::ffff:0:a.b.c.d` (RFC 6145), 100::/64, fec0::/10 and anything IANA
//     has not allocated;
//   - an address that embeds an IPv4 address is judged by the IPv4 address: IPv4-mapped
//     `::ffff:a.b.c.d` (Node connects to the IPv4 address) and NAT64 `64:ff9b::a.b.c.d`
//     (RFC 6052 well-known prefix: a NAT64 gateway connects to the IPv4 address). DECISION: NAT64
//     of a public IPv4 address is allowed — on an IPv6-only network with DNS64 that is what a
//     public IPv4-only receiver's name resolves to; NAT64 of a non-public one is refused. The
//     local-use NAT64 prefix 64:ff9b:1::/48, 6to4 2002::/16 and Teredo 2001::/32 are refused
//     whatever they embed (deprecated or network-specific transition forms).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** The reason a tenant sees when a URL's host is (or resolves to) a non-public address. */
export const ADDRESS_NOT_ALLOWED = 'address not allowed';

/**
 * The delivery can never succeed as configured: not retried, recorded as failed. `message` is
 * the detail for operators (logs); `publicReason` is what the tenant sees (a fixed phrase).
 */
export class CallbackRefusedError extends Error {
  override name = 'CallbackRefusedError';
  constructor(
    message: string,
    readonly publicReason: string = ADDRESS_NOT_ALLOWED,
  ) {
    super(message);
  }
}

/** The tenant-facing reasons of the refusals below (fixed phrases, nothing from the network). */
export const REFUSAL = {
  address: ADDRESS_NOT_ALLOWED,
  credentials: `${ADDRESS_NOT_ALLOWED}: the URL has a user name or password`,
  scheme: `${ADDRESS_NOT_ALLOWED}: not an http or https URL`,
} as const;

/** An http(s) URL, or a reason it is not one. */
export function parseCallbackUrl(raw: string): { ok: true; url: URL } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: `not a URL: ${JSON.stringify(raw.slice(0, 200))}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `scheme ${url.protocol} is not http or https` };
  if (!url.hostname) return { ok: false, reason: 'the URL has no host' };
  return { ok: true, url };
}

export const isHttpUrl = (raw: string): boolean => parseCallbackUrl(raw).ok;

/** ipaddr.js range names → the word a refusal uses. Anything not here but `unicast` is 'reserved'. */
const LABELS: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'shared (carrier-grade NAT)',
  private: 'private',
  uniqueLocal: 'private (unique local)',
  reserved: 'reserved',
  as112: 'reserved (AS112)',
  as112v6: 'reserved (AS112)',
  amt: 'reserved (AMT)',
  deprecatedSiteLocal: 'site-local (deprecated)',
  discard: 'discard-only',
  rfc6145: 'IPv4-translated',
  rfc6052: 'NAT64 (local-use)',
  '6to4': '6to4',
  teredo: 'Teredo',
  benchmarking: 'benchmarking',
  deprecatedOrchid: 'ORCHID',
  orchid2: 'ORCHID',
  droneRemoteIdProtocolEntityTags: 'reserved (DRIP)',
  segmentRouting: 'segment routing',
};

// IPv4 ranges ipaddr.js lumps into `reserved`, named more precisely (refusal messages only).
const V4_NAMES: Array<[string, number, string]> = [
  ['192.0.2.0', 24, 'documentation'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['192.88.99.0', 24, 'reserved (6to4 relay anycast)'],
];

const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parse('2000::');
const NAT64_WKP = ipaddr.IPv6.parse('64:ff9b::');

function v4Range(a: ipaddr.IPv4): string | undefined {
  const range = a.range();
  if (range === 'unicast') return undefined;
  if (range === 'reserved') {
    for (const [net, bits, name] of V4_NAMES) if (a.match(ipaddr.IPv4.parse(net), bits)) return name;
  }
  return LABELS[range] ?? 'reserved';
}

/**
 * Which non-public range an IP address is in ('loopback', 'private', 'link-local', …), or
 * undefined when it is a globally routable unicast address; 'invalid' when it is no IP address.
 * Brackets and an IPv6 zone (`%eth0`) are ignored.
 */
export function nonPublicRange(address: string): string | undefined {
  const addr = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(addr);
  if (family === 0) return 'invalid';
  if (family === 4) return v4Range(ipaddr.IPv4.parse(addr));
  // Canonical hex form first (the WHATWG URL serializer): ipaddr.js 2.5.0 misreads an embedded
  // dotted quad, parsing `::8.8.8.8` (IPv4-compatible) as `::ffff:808:808` (IPv4-mapped).
  const a = ipaddr.IPv6.parse(new URL(`http://[${addr}]/`).hostname.slice(1, -1));
  if (a.isIPv4MappedAddress()) {
    const r = v4Range(a.toIPv4Address());
    return r && `${r} (IPv4-mapped)`;
  }
  if (a.match(NAT64_WKP, 96)) {
    const p = a.parts;
    const r = v4Range(new ipaddr.IPv4([p[6]! >> 8, p[6]! & 255, p[7]! >> 8, p[7]! & 255]));
    return r && `${r} (NAT64)`;
  }
  const range = a.range();
  if (range !== 'unicast') return LABELS[range] ?? 'reserved';
  // Outside 2000::/3 nothing is global unicast (IPv4-compatible ::a.b.c.d, unallocated space).
  if (!a.match(GLOBAL_UNICAST_V6, 3)) return a.parts.slice(0, 6).every((x) => x === 0) ? 'IPv4-compatible (deprecated)' : 'reserved';
  return undefined;
}

/** "a private address", "an IPv4-compatible (deprecated) address". */
const aRange = (range: string): string => `${/^(?:[aeiou]|IPv|ORCHID)/i.test(range) ? 'an' : 'a'} ${range} address`;

/** Host names that are loopback by definition (RFC 6761): refused without a DNS lookup. */
const isLocalhostName = (host: string): boolean => /(^|\.)localhost\.?$/i.test(host);

export interface UrlRules {
  /** Allow non-public addresses (CALLBACK_ALLOW_PRIVATE, AUDIO_FETCH_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  /** Only https:// (tenant audio URLs); default http and https. */
  httpsOnly?: boolean;
}

/**
 * What is wrong with a callback (or audio) URL that can be told without the network, or null:
 * not a URL, another scheme, a user name or password, a literal non-public address (or
 * `localhost`) unless `allowPrivate`. A host name is checked when it is used (resolveTarget).
 * Pure: for the API's write-time validation (callback_url, answer_callback_url, audio_file).
 */
export function callbackUrlProblem(raw: string, opts: UrlRules): string | null {
  const p = parseCallbackUrl(raw.trim());
  if (!p.ok)
    return p.reason.startsWith('scheme') || p.reason.startsWith('not a URL')
      ? opts.httpsOnly
        ? 'must be an https:// URL'
        : 'must be an http:// or https:// URL'
      : p.reason;
  const { url } = p;
  if (opts.httpsOnly && url.protocol !== 'https:') return 'must be an https:// URL';
  if (url.username || url.password) return 'must not contain a user name or password';
  if (!opts.allowPrivate) {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) {
      const range = nonPublicRange(host);
      if (range) return `must not point at ${aRange(range)} (${host})`;
    } else if (isLocalhostName(host)) return `must not point at a loopback address (${host})`;
  }
  return null;
}

export interface ResolvedTarget {
  url: URL;
  /** What the host resolved to, all checked; the connection goes to one of these. */
  addresses: Array<{ address: string; family: 4 | 6 }>;
}

/**
 * Parse, resolve and check a callback URL. Throws CallbackRefusedError for a URL that is not
 * http(s), carries credentials (they would be sent as Basic auth), or a host with any non-public
 * address (unless `allowPrivate`); a DNS failure is a plain error (retried: DNS may recover).
 */
export async function resolveTarget(raw: string, allowPrivate: boolean): Promise<ResolvedTarget> {
  const p = parseCallbackUrl(raw);
  if (!p.ok) throw new CallbackRefusedError(`refused: ${p.reason}`, REFUSAL.scheme);
  if (p.url.username || p.url.password) {
    throw new CallbackRefusedError(
      'refused: the URL carries a user name or password (it would be sent as Basic auth); put credentials elsewhere',
      REFUSAL.credentials,
    );
  }
  const host = p.url.hostname.replace(/^\[|\]$/g, '');
  const fam = isIP(host);
  if (!allowPrivate && fam === 0 && isLocalhostName(host)) {
    throw new CallbackRefusedError(
      `refused: ${host} is a loopback name; callbacks to non-public addresses need CALLBACK_ALLOW_PRIVATE=true`,
    );
  }
  const addresses: ResolvedTarget['addresses'] =
    fam !== 0
      ? [{ address: host, family: fam as 4 | 6 }]
      : (await lookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family as 4 | 6 }));
  if (!addresses.length) throw Object.assign(new Error(`${host} resolved to no address`), { code: 'ENOTFOUND' });
  if (!allowPrivate) {
    for (const a of addresses) {
      const range = nonPublicRange(a.address);
      if (range) {
        const what = fam !== 0 ? `${a.address} is ${aRange(range)}` : `${host} resolves to ${a.address}, ${aRange(range)}`;
        throw new CallbackRefusedError(`refused: ${what}; callbacks to non-public addresses need CALLBACK_ALLOW_PRIVATE=true`);
      }
    }
  }
  return { url: p.url, addresses };
}

/** The URL with any user name and password removed (for logs). */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (!u.username && !u.password) return raw;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return raw.replace(/\/\/[^/@]*@/, '//');
  }
}
