// Where a callback may go. The URL must be http(s); its host is resolved at delivery time and
// every address it resolves to is checked: private, loopback, link-local and other non-public
// ranges are refused unless CALLBACK_ALLOW_PRIVATE is set. The delivery then connects to exactly
// the addresses checked here (callbacks/http.ts pins them), so a DNS answer that changes between
// the check and the connection (DNS rebinding) cannot slip through.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** The delivery can never succeed as configured: not retried, recorded as failed with this reason. */
export class CallbackRefusedError extends Error {
  override name = 'CallbackRefusedError';
}

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

// Non-public ranges (IANA special-purpose registries), with the word the refusal uses.
const RANGES: Array<[label: string, family: 'ipv4' | 'ipv6', net: string, prefix: number]> = [
  ['loopback', 'ipv4', '127.0.0.0', 8],
  ['loopback', 'ipv6', '::1', 128],
  ['unspecified', 'ipv4', '0.0.0.0', 8],
  ['unspecified', 'ipv6', '::', 128],
  ['private', 'ipv4', '10.0.0.0', 8],
  ['private', 'ipv4', '172.16.0.0', 12],
  ['private', 'ipv4', '192.168.0.0', 16],
  ['private (unique local)', 'ipv6', 'fc00::', 7],
  ['shared (carrier-grade NAT)', 'ipv4', '100.64.0.0', 10],
  ['link-local', 'ipv4', '169.254.0.0', 16],
  ['link-local', 'ipv6', 'fe80::', 10],
  ['reserved', 'ipv4', '192.0.0.0', 24],
  ['documentation', 'ipv4', '192.0.2.0', 24],
  ['documentation', 'ipv4', '198.51.100.0', 24],
  ['documentation', 'ipv4', '203.0.113.0', 24],
  ['documentation', 'ipv6', '2001:db8::', 32],
  ['benchmarking', 'ipv4', '198.18.0.0', 15],
  ['multicast', 'ipv4', '224.0.0.0', 4],
  ['multicast', 'ipv6', 'ff00::', 8],
  ['reserved', 'ipv4', '240.0.0.0', 4],
];
const LISTS = RANGES.map(([label, family, net, prefix]) => {
  const l = new BlockList();
  l.addSubnet(net, prefix, family);
  return { label, family, l };
});

/** An IPv4-mapped IPv6 address (`::ffff:7f00:1`, `::ffff:127.0.0.1`) as IPv4, else undefined. */
function mappedV4(addr: string): string | undefined {
  let a = addr.toLowerCase();
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (dotted) {
    const o = dotted[2]!.split('.').map(Number);
    a = `${dotted[1]}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) return undefined;
  const n = groups.map((g) => parseInt(g, 16));
  if (n.slice(0, 5).some((x) => x !== 0) || n[5] !== 0xffff) return undefined;
  return `${n[6]! >> 8}.${n[6]! & 255}.${n[7]! >> 8}.${n[7]! & 255}`;
}

/** Which non-public range an IP address is in ('loopback', 'private', …), or undefined when public. */
export function nonPublicRange(address: string): string | undefined {
  let addr = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  let family = isIP(addr);
  if (family === 0) return 'invalid';
  if (family === 6) {
    const v4 = mappedV4(addr);
    if (v4) {
      addr = v4;
      family = 4;
    }
  }
  const fam = family === 4 ? 'ipv4' : 'ipv6';
  return LISTS.find((x) => x.family === fam && x.l.check(addr, fam))?.label;
}

export interface ResolvedTarget {
  url: URL;
  /** What the host resolved to, all checked; the connection goes to one of these. */
  addresses: Array<{ address: string; family: 4 | 6 }>;
}

/**
 * Parse, resolve and check a callback URL. Throws CallbackRefusedError for a URL that is not
 * http(s) or a host with any non-public address (unless `allowPrivate`); a DNS failure is a plain
 * error (retried: DNS may recover).
 */
export async function resolveTarget(raw: string, allowPrivate: boolean): Promise<ResolvedTarget> {
  const p = parseCallbackUrl(raw);
  if (!p.ok) throw new CallbackRefusedError(p.reason);
  const host = p.url.hostname.replace(/^\[|\]$/g, '');
  const fam = isIP(host);
  const addresses: ResolvedTarget['addresses'] =
    fam !== 0
      ? [{ address: host, family: fam as 4 | 6 }]
      : (await lookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family as 4 | 6 }));
  if (!addresses.length) throw new Error(`${host} resolved to no address`);
  if (!allowPrivate) {
    for (const a of addresses) {
      const range = nonPublicRange(a.address);
      if (range) {
        const what = fam !== 0 ? `${a.address} is a ${range} address` : `${host} resolves to ${a.address}, a ${range} address`;
        throw new CallbackRefusedError(`refused: ${what}; callbacks to non-public addresses need CALLBACK_ALLOW_PRIVATE=true`);
      }
    }
  }
  return { url: p.url, addresses };
}
