// Pure parts of callbacks: signing, URL and address checks, payloads and the format switch.
import { describe, expect, it } from 'vitest';
import { callbackWorkflowId, deliveryId } from '../../callbacks/contract.ts';
import { answerBody, callBody, cdrCallPayload } from '../../callbacks/payload.ts';
import { deliveryHeaders, signBody, verifySignature } from '../../callbacks/sign.ts';
import { CallbackRefusedError, nonPublicRange, parseCallbackUrl, resolveTarget } from '../../callbacks/url.ts';
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

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['::ffff:c0a8:101', 'private'],
    ['fd12:3456::1', 'private (unique local)'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'shared (carrier-grade NAT)'],
    ['224.0.0.1', 'multicast'],
  ])('%s is %s', (addr, label) => {
    expect(nonPublicRange(addr)).toBe(label);
  });

  it.each(['8.8.8.8', '172.32.0.1', '172.15.255.255', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8', '11.0.0.1'])('%s is public', (addr) => {
    expect(nonPublicRange(addr)).toBeUndefined();
  });

  it('resolves the host and refuses non-public addresses unless allowed', async () => {
    await expect(resolveTarget('http://localhost:9/x', false)).rejects.toBeInstanceOf(CallbackRefusedError);
    await expect(resolveTarget('http://localhost:9/x', false)).rejects.toThrow(/localhost resolves to .* loopback address.*CALLBACK_ALLOW_PRIVATE/);
    await expect(resolveTarget('http://[::1]:9/', false)).rejects.toThrow(/::1 is a loopback address/);
    await expect(resolveTarget('ftp://example.com/', true)).rejects.toBeInstanceOf(CallbackRefusedError);
    const ok = await resolveTarget('http://localhost:9/x', true);
    expect(ok.addresses.length).toBeGreaterThan(0);
    expect(ok.addresses.every((a) => nonPublicRange(a.address) === 'loopback')).toBe(true);
    // A public literal needs no DNS and is allowed.
    expect((await resolveTarget('https://93.184.216.34/hook', false)).addresses).toEqual([{ address: '93.184.216.34', family: 4 }]);
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
    const a = JSON.parse(answerBody('cdr', { call_id: 'c1', lead_uuid: 'l1', campaign_uuid: 'k1', domain_uuid: 'd1', uuid: 'u1', phone_number: '098', answered_at: 0 }));
    expect(a).toEqual({ event: 'call.answered', call_id: 'c1', lead_uuid: 'l1', campaign_uuid: 'k1', domain_uuid: 'd1', uuid: 'u1', phone_number: '098', answered_at: '1970-01-01T00:00:00.000Z' });
  });

  it('ids: the delivery id is the idempotency key, the workflow id is derived from it', () => {
    expect(deliveryId('c1', 'answer')).toBe('c1:answer');
    expect(callbackWorkflowId('c1', 'cdr')).toBe('callback:c1:cdr');
  });
});
