// A real HTTP receiver for callback tests: node:http on 127.0.0.1. It records every request it
// sees and answers by `mode`: `ok` (200), `error` (500) or `hang` (never answers). It can be
// closed and reopened on the same port (a receiver that is down for a while).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Received {
  key: string;
  kind: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered: 200, 500, or 0 (hung). */
  answered: number;
  at: number;
}

export interface Receiver {
  port: number;
  url(path: string): string;
  mode: 'ok' | 'error' | 'hang';
  requests: Received[];
  /** Requests answered 2xx, by Idempotency-Key. */
  accepted(): Map<string, Received[]>;
  /** Every Idempotency-Key seen, with the requests for it. */
  byKey(): Map<string, Received[]>;
  listen(): Promise<void>;
  close(): Promise<void>;
}

/** A free port, closed again (for a receiver that starts down). */
export async function reservePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export async function startReceiver(opts: { port?: number; listen?: boolean; mode?: Receiver['mode'] } = {}): Promise<Receiver> {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  const hung = new Set<ServerResponse>();
  const group = (list: Received[]) => {
    const m = new Map<string, Received[]>();
    for (const r of list) m.set(r.key, [...(m.get(r.key) ?? []), r]);
    return m;
  };
  const rcv: Receiver = {
    port: opts.port ?? 0,
    mode: opts.mode ?? 'ok',
    requests: [],
    url: (path) => `http://127.0.0.1:${rcv.port}${path}`,
    accepted: () => group(rcv.requests.filter((r) => r.answered >= 200 && r.answered < 300)),
    byKey: () => group(rcv.requests),
    async listen() {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const r: Received = {
            key: String(req.headers['idempotency-key'] ?? ''),
            kind: String(req.headers['x-callback-kind'] ?? ''),
            path: req.url ?? '',
            headers: req.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            answered: 0,
            at: Date.now(),
          };
          rcv.requests.push(r);
          if (rcv.mode === 'hang') {
            hung.add(res);
            res.on('close', () => hung.delete(res));
            return;
          }
          r.answered = rcv.mode === 'ok' ? 200 : 500;
          res.writeHead(r.answered, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: r.answered === 200 }));
        });
      });
      server.on('connection', (s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(rcv.port, '127.0.0.1', () => resolve());
      });
      rcv.port = (server.address() as AddressInfo).port;
    },
    async close() {
      const s = server;
      server = undefined;
      if (!s) return;
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((r) => s.close(() => r()));
    },
  };
  if (opts.listen !== false) await rcv.listen();
  return rcv;
}

/** docs/callbacks.md's verification snippet, with types. */
export function verifyCallback(secret: string, headers: Record<string, string | string[] | undefined>, rawBody: string): boolean {
  const timestamp = String(headers['x-timestamp'] ?? '');
  const signature = String(headers['x-signature'] ?? '');
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false; // replay window: 5 min
  const expected = 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
  return signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}
