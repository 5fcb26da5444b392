// What a tenant learns from a failed attempt (issue 20): `last_error` is one phrase of a fixed
// vocabulary whatever answered (a closed port, a non-HTTP service, a hanging one, a 500), so a
// callback URL cannot be used to map ports and services; the detail is in the operators' logs
// with call_id and campaign_uuid. A URL with credentials is refused without a request.
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { Writable } from 'node:stream';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallbackActivities } from '../../callbacks/activities.ts';
import { CALLBACK_REFUSED, type CallbackDeliveryInput } from '../../callbacks/contract.ts';
import { deliveriesOf, normalizeDelivery } from '../../callbacks/store.ts';
import { connectMongo, type Mongo } from '../../storage/mongo.ts';
import { createTenant } from '../../storage/tenants.ts';
import { testConfig } from '../helpers/env.ts';

const logs: Array<Record<string, unknown>> = [];
const logger = pino(
  { level: 'debug' },
  new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  }),
);

let mongo: Mongo;
let domain_uuid: string;
const servers: Server[] = [];
const listen = async (s: Server): Promise<number> => {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
};
let ports: { ssh: number; closed: number; hang: number; http500: number; ok: number };
const seenHeaders: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  const config = testConfig();
  mongo = await connectMongo(config);
  domain_uuid = (await createTenant(mongo.db, { name: 'errors' })).tenant.domain_uuid;
  // A service that is not HTTP (an SSH banner, as on :22) …
  const ssh = await listen(createTcpServer((sock) => sock.end('SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n')));
  // … a port nobody listens on …
  const probe = createTcpServer();
  const closed = await listen(probe);
  await new Promise<void>((r) => probe.close(() => r()));
  servers.splice(servers.indexOf(probe), 1);
  // … one that never answers, one that answers 500 and one that answers 200.
  const hang = await listen(createTcpServer(() => {}));
  const http500 = await listen(
    createHttpServer((req, res) => req.resume().on('end', () => res.writeHead(500).end('stack trace: /srv/internal/app.js:12'))),
  );
  const ok = await listen(
    createHttpServer((req, res) => {
      seenHeaders.push(req.headers);
      req.resume().on('end', () => res.writeHead(204).end());
    }),
  );
  ports = { ssh, closed, hang, http500, ok };
});
afterAll(async () => {
  for (const s of servers) s.close();
  await mongo?.close();
});

async function attempt(
  call_id: string,
  url: string,
  allowPrivate = true,
): Promise<{ error?: { type?: string; nonRetryable?: boolean; message: string }; last_error: string }> {
  const config = testConfig({ CALLBACK_ALLOW_PRIVATE: String(allowPrivate) });
  const acts = createCallbackActivities({ config, db: mongo.db, logger });
  const env = new MockActivityEnvironment(
    { attempt: 1, scheduledTimestampMs: Date.now(), scheduleToCloseTimeoutMs: 60_000 },
    { logger: new DefaultLogger('ERROR') },
  );
  const input: CallbackDeliveryInput & { timeoutMs: number } = {
    call_id,
    kind: 'cdr',
    domain_uuid,
    campaign_uuid: 'camp-errors',
    lead_uuid: 'lead-1',
    url,
    body: '{"event":"call.completed"}',
    scheduled_at: Date.now(),
    timeoutMs: 500,
  };
  let error: { type?: string; nonRetryable?: boolean; message: string } | undefined;
  try {
    await env.run(acts.deliverCallback, input);
  } catch (err) {
    error = err as typeof error;
  }
  const d = await deliveriesOf(mongo.db).findOne({ _id: `${call_id}:cdr` });
  return { error, last_error: d!.last_error };
}

describe('last_error is a fixed phrase; the detail is logged', () => {
  it.each([
    ['e-ssh', () => `http://127.0.0.1:${ports.ssh}/`, 'invalid response', /Parse Error|HPE_|Expected HTTP/],
    ['e-closed', () => `http://127.0.0.1:${ports.closed}/`, 'connection failed', /ECONNREFUSED/],
    ['e-hang', () => `http://127.0.0.1:${ports.hang}/`, 'timed out', /no response within 500 ms/],
    ['e-tls', () => `https://127.0.0.1:${ports.ok}/`, 'TLS error', /SSL|TLS|EPROTO|wrong version/i],
    ['e-dns', () => 'http://no-such-host.invalid/', 'name not resolved', /ENOTFOUND|EAI_AGAIN/],
  ])('%s', async (call_id, url, phrase, detail) => {
    const r = await attempt(call_id, url());
    expect(r.last_error).toBe(phrase);
    expect(r.error?.type).not.toBe(CALLBACK_REFUSED); // retried
    const line = logs.find((l) => l.call_id === call_id);
    expect(line).toMatchObject({ campaign_uuid: 'camp-errors', kind: 'cdr', attempt: 1, reason: phrase, msg: 'callback attempt failed' });
    expect(String(line!.err)).toMatch(detail);
  });

  it('an HTTP answer: its status only, not its body', async () => {
    const r = await attempt('e-500', `http://127.0.0.1:${ports.http500}/hook`);
    expect(r.last_error).toBe('HTTP 500');
    const d = await deliveriesOf(mongo.db).findOne({ _id: 'e-500:cdr' });
    expect(d).toMatchObject({ last_status_code: 500 });
    expect(JSON.stringify(normalizeDelivery(d!))).not.toContain('stack trace');
  });

  it('a non-public address: refused at once, not retried, the range named only in the log', async () => {
    const r = await attempt('e-private', `http://[::ffff:0:7f00:1]:${ports.ok}/`, false);
    expect(r.last_error).toBe('address not allowed');
    expect(r.error).toMatchObject({ type: CALLBACK_REFUSED, nonRetryable: true, message: 'address not allowed' });
    expect(String(logs.find((l) => l.call_id === 'e-private')!.err)).toMatch(/::ffff:0:7f00:1 is an IPv4-translated address/);
    expect(seenHeaders).toHaveLength(0);
  });

  it('credentials in the URL: refused without a request, even where private addresses are allowed; not logged', async () => {
    const r = await attempt('e-cred', `http://user:s3cret@127.0.0.1:${ports.ok}/hook`);
    expect(r.last_error).toBe('address not allowed: the URL has a user name or password');
    expect(r.error).toMatchObject({ type: CALLBACK_REFUSED, nonRetryable: true });
    expect(seenHeaders).toHaveLength(0);
    const line = logs.find((l) => l.call_id === 'e-cred')!;
    expect(line.url).toBe(`http://127.0.0.1:${ports.ok}/hook`);
    expect(JSON.stringify(logs)).not.toContain('s3cret');
  });

  it('a good receiver gets no Authorization header', async () => {
    const r = await attempt('e-ok', `http://127.0.0.1:${ports.ok}/hook`);
    expect(r.error).toBeUndefined();
    expect(r.last_error).toBe('');
    expect(seenHeaders).toHaveLength(1);
    expect(seenHeaders[0]!.authorization).toBeUndefined();
  });
});
