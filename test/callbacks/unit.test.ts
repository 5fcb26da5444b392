// Pure parts of callbacks: signing, URL and address checks, payloads and the format switch.
import { describe, expect, it } from 'vitest';
import { callbackWorkflowId, deliveryId } from '../../callbacks/contract.ts';
import { answerBody, callBody, cdrCallPayload } from '../../callbacks/payload.ts';
import { deliveryHeaders, signBody, verifySignature } from '../../callbacks/sign.ts';
import { publicError, publicLastError } from '../../callbacks/public-error.ts';
import { normalizeDelivery } from '../../callbacks/store.ts';
import {
  callbackUrlProblem,
  CallbackRefusedError,
  nonPublicRange,
  parseCallbackUrl,
  redactUrl,
  resolveTarget,
  type UrlRules,
} from '../../callbacks/url.ts';
import { emptyCallRecord } from '../../storage/calls.ts';
import { newCallbackSecret } from '../../storage/tenants.ts';
import { verifyCallback } from './receiver.ts';

describe('signing', () => {
  const secret = 'whsec_test';
  const body = '{"call_id":"c1","event":"call.completed"}';

  it('is HMAC-SHA256 over "<timestamp>.<body>", hex, prefixed sha256=', () => {
    // Reference value computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac k
    expect(signBody('k', 1700000000, '{"a":1}')).toBe('sha256=1b6ad1bc9bf48c52ce01939866d5877c6cc4e87ddad27e16673cb8c4964394a3');
    expect(signBody('k', 1, 'x')).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signBody('k', 1, 'x')).not.toBe(signBody('k', 2, 'x'));
    expect(signBody('k', 1, 'x')).not.toBe(signBody('k2', 1, 'x'));
  });

  it('verifies what it signs; a changed body, timestamp, secret or an old timestamp does not verify', () => {
    const h = deliveryHeaders({ secret, idempotencyKey: 'c1:cdr', kind: 'cdr', attempt: 3, body });
    const ok = { timestamp: h['x-timestamp'], signature: h['x-signature'], body };
    expect(verifySignature(secret, ok)).toBe(true);
    expect(verifySignature(secret, { ...ok, body: body.replace('c1', 'c2') })).toBe(false);
    expect(verifySignature(secret, { ...ok, timestamp: String(Number(ok.timestamp) + 1) })).toBe(false);
    expect(verifySignature('whsec_other', ok)).toBe(false);
    expect(verifySignature(secret, ok, { nowSec: Number(ok.timestamp) + 301 })).toBe(false);
    expect(verifySignature(secret, { ...ok, signature: undefined })).toBe(false);
    expect(h['idempotency-key']).toBe('c1:cdr');
    expect(h['x-callback-attempt']).toBe('3');
    // The README's snippet agrees.
    expect(verifyCallback(secret, h, body)).toBe(true);
    expect(verifyCallback(secret, h, `${body} `)).toBe(false);
  });

  it('secrets are 256 random bits', () => {
    const a = newCallbackSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(newCallbackSecret()).not.toBe(a);
  });
});

describe('URLs and addresses', () => {
  it('accepts http and https URLs only', () => {
    expect(parseCallbackUrl('https://example.com/hook?x=1').ok).toBe(true);
    expect(parseCallbackUrl('http://example.com:8080/').ok).toBe(true);
    for (const bad of ['ftp://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'example.com/hook', '', 'http//x']) {
      expect(parseCallbackUrl(bad).ok, bad).toBe(false);
    }
  });

  // Every form the security probe (issue 20) got through, and the IANA special-purpose blocks
  // (IPv4 and IPv6 registries), each with the word the refusal uses.
  it.each([
    // IPv4 special-purpose registry
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['100.64.0.1', 'shared (carrier-grade NAT)'],
    ['100.127.255.254', 'shared (carrier-grade NAT)'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['172.16.5.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.0.0.1', 'reserved'],
    ['192.0.0.9', 'reserved'],
    ['192.0.0.170', 'reserved'],
    ['192.0.2.1', 'documentation'],
    ['192.31.196.1', 'reserved (AS112)'],
    ['192.52.193.1', 'reserved (AMT)'],
    ['192.88.99.1', 'reserved (6to4 relay anycast)'],
    ['192.168.1.1', 'private'],
    ['192.175.48.1', 'reserved (AS112)'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    // IPv6 special-purpose registry
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'private (unique local)'],
    ['fd12:3456::1', 'private (unique local)'],
    ['fec0::1', 'site-local (deprecated)'],
    ['ff02::1', 'multicast'],
    ['100::1', 'discard-only'],
    ['64:ff9b:1::a00:1', 'NAT64 (local-use)'],
    ['2001::1', 'Teredo'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    ['2001:1::1', 'reserved'],
    ['2001:2::1', 'benchmarking'],
    ['2001:3::1', 'reserved (AMT)'],
    ['2001:4:112::1', 'reserved (AS112)'],
    ['2001:10::1', 'ORCHID'],
    ['2001:20::1', 'ORCHID'],
    ['2001:db8::1', 'reserved'],
    ['2002:7f00:1::', '6to4'],
    ['2002:808:808::1', '6to4'],
    ['2620:4f:8000::1', 'reserved (AS112)'],
    ['3fff::1', 'reserved'],
    ['5f00::1', 'segment routing'],
    // Addresses that embed an IPv4 address
    ['::ffff:127.0.0.1', 'loopback (IPv4-mapped)'],
    ['::ffff:7f00:1', 'loopback (IPv4-mapped)'],
    ['::ffff:c0a8:101', 'private (IPv4-mapped)'],
    ['::ffff:a9fe:a9fe', 'link-local (IPv4-mapped)'],
    ['::127.0.0.1', 'IPv4-compatible (deprecated)'],
    ['::7f00:1', 'IPv4-compatible (deprecated)'],
    ['::8.8.8.8', 'IPv4-compatible (deprecated)'],
    ['::ffff:0:7f00:1', 'IPv4-translated'],
    ['::ffff:0:8.8.8.8', 'IPv4-translated'],
    ['64:ff9b::7f00:1', 'loopback (NAT64)'],
    ['64:ff9b::127.0.0.1', 'loopback (NAT64)'],
    ['64:ff9b::a9fe:a9fe', 'link-local (NAT64)'],
    ['64:ff9b::a00:1', 'private (NAT64)'],
    // Not allocated as global unicast by IANA (outside 2000::/3)
    ['4000::1', 'reserved'],
    ['e000::1', 'reserved'],
    ['not-an-ip', 'invalid'],
  ])('%s is %s', (addr, label) => {
    expect(nonPublicRange(addr)).toBe(label);
    expect(nonPublicRange(`[${addr}]`)).toBe(label);
  });

  // DECISION (callbacks/url.ts): NAT64 of a public IPv4 address (64:ff9b::/96) is allowed.
  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '172.15.255.255',
    '93.184.216.34',
    '11.0.0.1',
    '100.128.0.1',
    '192.0.1.1',
    '198.20.0.1',
    '223.255.255.255',
    '2001:4860:4860::8888',
    '2606:4700:4700::1111',
    '2a00:1450:4001:81b::200e',
    '2400:cb00::1',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '64:ff9b::8.8.8.8',
  ])('%s is public', (addr) => {
    expect(nonPublicRange(addr)).toBeUndefined();
  });

  it('resolves the host and refuses non-public addresses unless allowed', async () => {
    await expect(resolveTarget('http://localhost:9/x', false)).rejects.toBeInstanceOf(CallbackRefusedError);
    await expect(resolveTarget('http://localhost:9/x', false)).rejects.toThrow(/localhost is a loopback name.*CALLBACK_ALLOW_PRIVATE/);
    await expect(resolveTarget('http://[::1]:9/', false)).rejects.toThrow(/::1 is a loopback address/);
    await expect(resolveTarget('ftp://example.com/', true)).rejects.toBeInstanceOf(CallbackRefusedError);
    const ok = await resolveTarget('http://localhost:9/x', true);
    expect(ok.addresses.length).toBeGreaterThan(0);
    expect(ok.addresses.every((a) => nonPublicRange(a.address)?.startsWith('loopback'))).toBe(true);
    // A public literal needs no DNS and is allowed.
    expect((await resolveTarget('https://93.184.216.34/hook', false)).addresses).toEqual([{ address: '93.184.216.34', family: 4 }]);
    expect((await resolveTarget('https://[2001:4860:4860::8888]/hook', false)).addresses).toEqual([
      { address: '2001:4860:4860::8888', family: 6 },
    ]);
    expect((await resolveTarget('https://[64:ff9b::808:808]/hook', false)).addresses).toEqual([{ address: '64:ff9b::808:808', family: 6 }]);
  });

  // The forms of issue 20, as URLs (the URL parser's own rewriting included: 0x7f.1, 2130706433).
  it.each([
    'http://[::127.0.0.1]/',
    'http://[::ffff:0:7f00:1]/',
    'http://[64:ff9b::7f00:1]/',
    'http://[64:ff9b::a9fe:a9fe]/latest/meta-data',
    'http://[2002:7f00:1::]/',
    'http://[fec0::1]/',
    'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/',
    'http://192.88.99.1/',
    'http://[100::1]/',
    'http://[::ffff:127.0.0.1]:7233/',
    'http://0x7f.1/',
    'http://2130706433/',
    'http://127.1/',
    'http://[0:0:0:0:0:ffff:169.254.169.254]/',
    'http://localhost./',
    'http://a.localhost/',
  ])('%s is refused at delivery and at write time', async (url) => {
    const err = await resolveTarget(url, false).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallbackRefusedError);
    expect((err as CallbackRefusedError).publicReason).toBe('address not allowed');
    expect((err as Error).message).toMatch(/CALLBACK_ALLOW_PRIVATE/);
    expect(callbackUrlProblem(url, { allowPrivate: false })).toMatch(/^must not point at an? /);
    expect(callbackUrlProblem(url, { allowPrivate: true })).toBeNull();
  });

  it('credentials in the URL are refused (never sent as Basic auth), whatever the address', async () => {
    for (const url of ['https://user:pass@example.com/hook', 'https://user@example.com/', 'http://:pw@127.0.0.1/']) {
      for (const allow of [false, true]) {
        const err = await resolveTarget(url, allow).catch((e: unknown) => e);
        expect(err, url).toBeInstanceOf(CallbackRefusedError);
        expect((err as CallbackRefusedError).publicReason).toBe('address not allowed: the URL has a user name or password');
        expect(callbackUrlProblem(url, { allowPrivate: allow })).toBe('must not contain a user name or password');
      }
    }
    expect(redactUrl('https://user:pass@example.com/hook?x=1')).toBe('https://example.com/hook?x=1');
  });

  it('callbackUrlProblem: the write-time check (pure: names are checked at delivery)', () => {
    const p = (url: string, opts: UrlRules = { allowPrivate: false }) => callbackUrlProblem(url, opts);
    expect(p('https://hooks.example.com/cr?x=1')).toBeNull();
    expect(p('http://hooks.example.com/')).toBeNull();
    expect(p('https://8.8.8.8/')).toBeNull();
    expect(p('https://[2001:4860:4860::8888]/')).toBeNull();
    expect(p('https://[64:ff9b::808:808]/')).toBeNull();
    expect(p('https://intranet.corp/')).toBeNull(); // a name: checked when resolved
    expect(p('ftp://example.com/')).toBe('must be an http:// or https:// URL');
    expect(p('file:///etc/passwd')).toBe('must be an http:// or https:// URL');
    expect(p('not a url')).toBe('must be an http:// or https:// URL');
    expect(p('http://example.com/', { allowPrivate: false, httpsOnly: true })).toBe('must be an https:// URL');
    expect(p('https://10.1.2.3/')).toBe('must not point at a private address (10.1.2.3)');
    expect(p('https://169.254.169.254/')).toBe('must not point at a link-local address (169.254.169.254)');
    expect(p('https://[::1]/')).toBe('must not point at a loopback address (::1)');
    expect(p('https://localhost/')).toBe('must not point at a loopback address (localhost)');
    expect(p('https://10.1.2.3/', { allowPrivate: true })).toBeNull();
  });
});

describe('what a tenant sees of a failed attempt', () => {
  const err = (code: string, message = `x ${code}`) => Object.assign(new Error(message), { code });
  it.each([
    [err('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.5:22'), 'connection failed'],
    [err('ECONNRESET', 'socket hang up'), 'connection failed'],
    [err('EHOSTUNREACH'), 'connection failed'],
    [err('ENETUNREACH'), 'connection failed'],
    [err('HPE_INVALID_CONSTANT', 'Parse Error: Expected HTTP/'), 'invalid response'],
    [err('HPE_HEADER_OVERFLOW'), 'invalid response'],
    [err('ENOTFOUND', 'getaddrinfo ENOTFOUND internal.corp'), 'name not resolved'],
    [err('EAI_AGAIN'), 'name not resolved'],
    [err('ETIMEDOUT'), 'timed out'],
    [Object.assign(new Error('no response within 10000 ms'), { name: 'CallbackTimeoutError' }), 'timed out'],
    [err('DEPTH_ZERO_SELF_SIGNED_CERT'), 'TLS error'],
    [err('ERR_TLS_CERT_ALTNAME_INVALID'), 'TLS error'],
    [err('ERR_SSL_WRONG_VERSION_NUMBER'), 'TLS error'],
    [err('EPROTO'), 'TLS error'],
    [new Error('anything else'), 'connection failed'],
    [new CallbackRefusedError('refused: 10.0.0.5 is a private address'), 'address not allowed'],
  ])('%s → %s', (e, phrase) => {
    expect(publicError(e)).toBe(phrase);
  });

  it.each([
    ['', ''],
    ['connection failed', 'connection failed'],
    ['HTTP 503', 'HTTP 503'],
    ['address not allowed: the URL has a user name or password', 'address not allowed: the URL has a user name or password'],
    // Records written before the vocabulary (raw texts) are read into it.
    ['connect ECONNREFUSED 127.0.0.1:22', 'connection failed'],
    ['Parse Error: Expected HTTP/', 'invalid response'],
    ['receiver answered HTTP 500', 'HTTP 500'],
    ['no response within 10000 ms', 'timed out'],
    ['getaddrinfo ENOTFOUND db.internal', 'name not resolved'],
    [
      'refused: localhost resolves to 127.0.0.1, a loopback address; callbacks to non-public addresses need CALLBACK_ALLOW_PRIVATE=true',
      'address not allowed',
    ],
    ['refused: scheme ftp: is not http or https', 'address not allowed: not an http or https URL'],
    ['self-signed certificate', 'TLS error'],
    [
      'gave up after retrying for up to 24 h; last error: connect ECONNREFUSED 10.0.0.5:7233',
      'gave up after retrying for up to 24 h; last error: connection failed',
    ],
    [
      'gave up after retrying for up to 3 s; last error: receiver answered HTTP 500',
      'gave up after retrying for up to 3 s; last error: HTTP 500',
    ],
    [
      'gave up: not delivered within 24 h; last error: Parse Error: Expected HTTP/',
      'gave up: not delivered within 24 h; last error: invalid response',
    ],
    ['gave up: not delivered within 24 h', 'gave up: not delivered within 24 h'],
    ['gave up after retrying for up to 24 h; last error: HTTP 404', 'gave up after retrying for up to 24 h; last error: HTTP 404'],
    ['SSH-2.0-OpenSSH_9.6 something', 'connection failed'],
  ])('stored %j is shown as %j', (stored, shown) => {
    expect(publicLastError(stored)).toBe(shown);
    expect(normalizeDelivery({ _id: 'c:cdr', last_error: stored }).last_error).toBe(shown);
  });
});

describe('payloads', () => {
  const call = {
    ...emptyCallRecord({ call_id: 'c1', lead_uuid: 'l1', campaign_uuid: 'k1', domain_uuid: 'd1' }),
    state: 'done' as const,
    attempt: 2,
    phone_number: '0981000001',
    dialed: true,
    answered: true,
    hangup_cause: 'NORMAL_CLEARING',
    q850: 16,
    disposition: 'answered',
    report: 'answered',
    voice_bot_status: 200,
    billsec: 12,
    duration: 15,
    created_at: new Date('2024-01-02T03:04:05.000Z'),
    answered_at: new Date('2024-01-02T03:04:08.000Z'),
    ended_at: new Date('2024-01-02T03:04:20.000Z'),
  };

  it('cdr: the call record, ISO times', () => {
    expect(cdrCallPayload(call)).toMatchObject({
      event: 'call.completed',
      call_id: 'c1',
      lead_uuid: 'l1',
      attempt: 2,
      status: 'answered',
      disposition: 'answered',
      q850: 16,
      billsec: 12,
      created_at: '2024-01-02T03:04:05.000Z',
      answered_at: '2024-01-02T03:04:08.000Z',
    });
    expect(JSON.parse(callBody(undefined, call))).toEqual(JSON.parse(callBody('cdr', call)));
  });

  it('the campaign format chooses the producer', () => {
    const vb = JSON.parse(callBody('voice_bot', call));
    expect(vb).toMatchObject({ phone: '0981000001', status: 200, time_call: 12, create_at: '2024-01-02 03:04:05' });
    expect(vb.event).toBeUndefined();
    const a = JSON.parse(
      answerBody('cdr', {
        call_id: 'c1',
        lead_uuid: 'l1',
        campaign_uuid: 'k1',
        domain_uuid: 'd1',
        uuid: 'u1',
        phone_number: '098',
        answered_at: 0,
      }),
    );
    expect(a).toEqual({
      event: 'call.answered',
      call_id: 'c1',
      lead_uuid: 'l1',
      campaign_uuid: 'k1',
      domain_uuid: 'd1',
      uuid: 'u1',
      phone_number: '098',
      answered_at: '1970-01-01T00:00:00.000Z',
    });
  });

  it('ids: the delivery id is the idempotency key, the workflow id is derived from it', () => {
    expect(deliveryId('c1', 'answer')).toBe('c1:answer');
    expect(callbackWorkflowId('c1', 'cdr')).toBe('callback:c1:cdr');
  });
});
