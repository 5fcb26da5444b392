// The ESL client (telephony/esl) and plain modesl, against the simulator and against hand-written
// raw servers that misbehave (never reply, close mid-command, send malformed headers).
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import esl from 'modesl';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { EslClient, type EslEvent } from '../../telephony/esl/client.ts';
import { EslPool } from '../../telephony/esl/pool.ts';
import { EslAuthError, EslConnectionClosedError, EslNotConnectedError, EslTimeoutError } from '../../telephony/esl/errors.ts';
import { lenientDecode } from '../../telephony/esl/modesl-patch.ts';

const CHANNEL_EVENTS = [
  'CHANNEL_CREATE',
  'CHANNEL_PROGRESS',
  'CHANNEL_ANSWER',
  'CHANNEL_HANGUP',
  'CHANNEL_HANGUP_COMPLETE',
  'CHANNEL_DESTROY',
];
let sim: Simulator;
const clients: EslClient[] = [];
function client(opts: Partial<ConstructorParameters<typeof EslClient>[0]> = {}, s: { port: number } = sim): EslClient {
  const c = new EslClient({
    host: '127.0.0.1',
    port: s.port,
    password: 'ClueCon',
    events: CHANNEL_EVENTS,
    reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
    ...opts,
  });
  clients.push(c);
  return c;
}
function collect(c: EslClient): EslEvent[] {
  const out: EslEvent[] = [];
  c.on('event', (e: EslEvent) => out.push(e));
  return out;
}
async function until(pred: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
const once = <T>(em: NodeJS.EventEmitter, ev: string) => new Promise<T>((r) => em.once(ev, r as (v: T) => void));

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    rules: {
      limits: { maxSessions: 1000, sessionsPerSecond: 100000 },
      numbers: {
        busy: { action: 'busy' },
        hold: { action: 'answer', ringMs: 2, talkMs: null },
        talk: { action: 'answer', ringMs: 2, talkMs: 10 },
      },
    },
  });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await sim.close();
});

describe('modesl itself against the simulator', () => {
  it('authenticates, api, bgapi with a Job-UUID, events as esl::event::NAME::*', async () => {
    const conn = new esl.Connection('127.0.0.1', sim.port, 'ClueCon');
    conn.on('error', () => undefined);
    await once(conn, 'esl::ready');
    const status = await new Promise<string>((r) => conn.api('status', (e) => r(e.getBody())));
    expect(status).toContain('is ready');
    const answers: string[] = [];
    conn.on('esl::event::CHANNEL_ANSWER::*', (e: InstanceType<typeof esl.Event>) => answers.push(e.getHeader('Unique-ID')!));
    await new Promise((r) => conn.events('json', ['CHANNEL_ANSWER'], r));
    const job = await new Promise<InstanceType<typeof esl.Event>>((r) =>
      conn.bgapi('originate', '{origination_uuid=m-1}sofia/gateway/gw1/talk &park()', 'job-m-1', r),
    );
    expect(job.getHeader('Job-UUID')).toBe('job-m-1');
    expect(job.getBody()).toBe('+OK m-1\n');
    await until(() => answers.includes('m-1'));
    conn.disconnect();
  });

  it('reports a wrong password only as esl::event::auth::fail', async () => {
    const conn = new esl.Connection('127.0.0.1', sim.port, 'nope');
    conn.on('error', () => undefined);
    const evt = await once<InstanceType<typeof esl.Event>>(conn, 'esl::event::auth::fail');
    expect(evt.getHeader('Reply-Text')).toBe('-ERR invalid');
  });
});

describe('EslClient against the simulator', () => {
  it('connects, api, bgapi with our Job-UUID, typed events', async () => {
    const c = client({ name: 'fs1' });
    const events = collect(c);
    await c.start();
    expect(c.ready).toBe(true);
    expect(await c.api('uuid_exists nothing-here')).toBe('false');
    const r = await c.bgapi('originate {origination_uuid=c-1,campaign_uuid=k1}sofia/gateway/gw1/talk &park()', { jobUuid: 'job-c-1' });
    expect(r).toEqual({ jobUuid: 'job-c-1', body: '+OK c-1\n', ok: true, error: undefined });
    await until(() => events.some((e) => e.name === 'CHANNEL_DESTROY' && e.uniqueId === 'c-1'));
    const ans = events.find((e) => e.name === 'CHANNEL_ANSWER')!;
    expect(ans).toMatchObject({ node: 'fs1', uniqueId: 'c-1' });
    expect(ans.headers['variable_campaign_uuid']).toBe('k1');
    expect(ans.coreUuid).toBe(sim.coreUuid);
    // BACKGROUND_JOB and CHANNEL_EXECUTE_COMPLETE are subscribed for internal use but not delivered
    expect(events.map((e) => e.name)).not.toContain('CHANNEL_EXECUTE_COMPLETE');
    const busy = await c.bgapi('originate {origination_uuid=c-2}sofia/gateway/gw1/busy &park()');
    expect(busy.ok).toBe(false);
    expect(busy.error).toBe('USER_BUSY');
    await expect(c.bgapi('status', { jobUuid: 'job-c-1' }).then(() => c.bgapi('status', { jobUuid: 'job-c-1' }))).resolves.toBeDefined();
  });

  it('filters on our channel variables (and bgapi results still arrive)', async () => {
    const c = client({ filters: [['variable_campaign_uuid', 'mine']] });
    const events = collect(c);
    await c.start();
    await c.bgapi('originate {origination_uuid=f-other,campaign_uuid=other}sofia/gateway/gw1/busy &park()');
    const r = await c.bgapi('originate {origination_uuid=f-mine,campaign_uuid=mine}sofia/gateway/gw1/busy &park()');
    expect(r.error).toBe('USER_BUSY');
    await until(() => events.some((e) => e.name === 'CHANNEL_DESTROY'));
    expect(new Set(events.map((e) => e.uniqueId))).toEqual(new Set(['f-mine']));
  });

  it('a wrong password rejects start() with EslAuthError, emits error, and does not retry', async () => {
    const c = client({ password: 'wrong' });
    const errors: Error[] = [];
    c.on('error', (e: Error) => errors.push(e));
    await expect(c.start()).rejects.toBeInstanceOf(EslAuthError);
    expect(errors[0]).toBeInstanceOf(EslAuthError);
    const before = sim.callLog.size;
    await new Promise((r) => setTimeout(r, 100));
    expect(sim.connectionCount()).toBe(0);
    expect(sim.callLog.size).toBe(before);
    expect(() => c.api('status')).toThrow(EslNotConnectedError);
  });

  it('reconnects after a drop, re-subscribes and re-applies filters', async () => {
    const c = client({ filters: [['variable_campaign_uuid', 'rc']] });
    const events = collect(c);
    await c.start();
    const reconnecting = once(c, 'reconnecting');
    const ready = once<{ reconnect: boolean }>(c, 'ready');
    sim.dropConnections();
    await reconnecting;
    expect((await ready).reconnect).toBe(true);
    await c.bgapi('originate {origination_uuid=rc-other,campaign_uuid=x}sofia/gateway/gw1/busy &park()');
    await c.bgapi('originate {origination_uuid=rc-1,campaign_uuid=rc}sofia/gateway/gw1/busy &park()');
    await until(() => events.some((e) => e.name === 'CHANNEL_DESTROY' && e.uniqueId === 'rc-1'));
    expect(events.every((e) => e.uniqueId === 'rc-1')).toBe(true);
  });

  it('survives a FreeSWITCH restart: new Core-UUID on events, channels gone', async () => {
    const c = client();
    const events = collect(c);
    await c.start();
    await c.bgapi('originate {origination_uuid=rs-1}sofia/gateway/gw1/hold &park()');
    const old = sim.coreUuid;
    const ready = once(c, 'ready');
    await sim.restart();
    await ready;
    expect(await c.api('uuid_exists rs-1')).toBe('false');
    await c.bgapi('originate {origination_uuid=rs-2}sofia/gateway/gw1/busy &park()');
    await until(() => events.some((e) => e.uniqueId === 'rs-2' && e.name === 'CHANNEL_DESTROY'));
    expect(events.find((e) => e.uniqueId === 'rs-2')!.coreUuid).not.toBe(old);
    expect(c.coreUuid).toBe(sim.coreUuid);
  });

  it('connection refused: no reconnect -> start rejects; with reconnect -> ready once the server is up', async () => {
    const port = await freePort();
    const c1 = client({ reconnect: false }, { port });
    await expect(c1.start()).rejects.toThrow();
    const c2 = client({}, { port });
    const attempts: number[] = [];
    c2.on('reconnecting', (i: { attempt: number }) => attempts.push(i.attempt));
    const started = c2.start();
    await until(() => attempts.length >= 2);
    const late = await startSimulator({ port });
    try {
      await started;
      expect(await c2.api('show channels count')).toBe('\n0 total.\n');
    } finally {
      await c2.close();
      await late.close();
    }
  });
});

// ---------------------------------------------------------------- misbehaving servers

/** A scripted ESL server: greets, accepts auth and event/filter, then does what `onCommand` says. */
async function fakeServer(
  onCommand: (line: string, sock: net.Socket) => void,
): Promise<{ port: number; close(): Promise<void>; sockets: net.Socket[] }> {
  const sockets: net.Socket[] = [];
  const srv = net.createServer((s) => {
    sockets.push(s);
    s.setNoDelay(true); // as FreeSWITCH does; otherwise Nagle holds back a second quick reply
    s.on('error', () => undefined);
    s.write('Content-Type: auth/request\n\n');
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const cmd = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const line = cmd.split('\n')[0]!;
        if (line.startsWith('auth ')) s.write('Content-Type: command/reply\nReply-Text: +OK accepted\n\n');
        else if (line.startsWith('event ')) s.write('Content-Type: command/reply\nReply-Text: +OK event listener enabled json\n\n');
        else if (line.startsWith('filter ')) s.write('Content-Type: command/reply\nReply-Text: +OK filter added.\n\n');
        else onCommand(cmd, s);
      }
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    port: (srv.address() as net.AddressInfo).port,
    sockets,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

describe('EslClient against misbehaving servers', () => {
  it('pending api and accepted bgapi are rejected when the socket closes', async () => {
    const srv = await fakeServer((cmd, s) => {
      if (cmd.startsWith('bgapi ')) {
        const job = /Job-UUID: (.*)/.exec(cmd)![1];
        s.write(`Content-Type: command/reply\nReply-Text: +OK Job-UUID: ${job}\nJob-UUID: ${job}\n\n`);
        setTimeout(() => s.destroy(), 20);
      }
      // api: never answered
    });
    try {
      const c = client({ reconnect: false }, srv);
      await c.start();
      const api = c.api('status');
      const bg = c.bgapi('originate {origination_uuid=x}sofia/gateway/gw1/1 &park()', { jobUuid: 'job-x' });
      const [a, b] = await Promise.allSettled([api, bg]);
      expect(a.status).toBe('rejected');
      expect((a as PromiseRejectedResult).reason).toBeInstanceOf(EslConnectionClosedError);
      const be = (b as PromiseRejectedResult).reason as EslConnectionClosedError;
      expect(be).toBeInstanceOf(EslConnectionClosedError);
      expect(be.accepted).toBe(true);
      expect(be.jobUuid).toBe('job-x');
    } finally {
      await srv.close();
    }
  });

  it('api times out; its late reply does not answer the next command', async () => {
    let n = 0;
    const srv = await fakeServer((cmd, s) => {
      if (!cmd.startsWith('api ')) return;
      const body = cmd.slice(4);
      const i = ++n;
      setTimeout(() => s.write(`Content-Type: api/response\nContent-Length: ${body.length}\n\n${body}`), i === 1 ? 150 : 0);
    });
    try {
      const c = client({ commandTimeoutMs: 60 }, srv);
      await c.start();
      const err = await c.api('first').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EslTimeoutError);
      await new Promise((r) => setTimeout(r, 150));
      expect(await c.api('second')).toBe('second');
    } finally {
      await srv.close();
    }
  });

  it('a malformed %-sequence in headers does not crash; the value is kept as sent', async () => {
    const srv = await fakeServer((cmd, s) => {
      if (!cmd.startsWith('api ')) return;
      const body = 'Event-Name: CHANNEL_ANSWER\nCore-UUID: core\nUnique-ID: bad-1\nvariable_x: 100%zz%E0%A4\nvariable_ok: a%20b\n\n';
      s.write(`Content-Length: ${body.length}\nContent-Type: text/event-plain\n\n${body}`);
      s.write('Content-Type: api/response\nContent-Length: 2\nX-Broken: %E0%A4%A\n\nok');
    });
    try {
      const c = client({}, srv);
      const events = collect(c);
      await c.start();
      expect(await c.api('go')).toBe('ok');
      await until(() => events.length > 0);
      expect(events[0]!.uniqueId).toBe('bad-1');
      expect(events[0]!.headers['variable_ok']).toBe('a b');
      expect(events[0]!.headers['variable_x']).toMatch(/^100%zz/);
    } finally {
      await srv.close();
    }
  });

  it('garbage json event is reported, not thrown, and the connection keeps working', async () => {
    const srv = await fakeServer((cmd, s) => {
      if (!cmd.startsWith('api ')) return;
      const body = '{"Event-Name": ';
      s.write(`Content-Length: ${body.length}\nContent-Type: text/event-json\n\n${body}`);
      s.write('Content-Type: api/response\nContent-Length: 2\n\nok');
    });
    try {
      const c = client({}, srv);
      const errors: Error[] = [];
      c.on('error', (e: Error) => errors.push(e));
      await c.start();
      expect(await c.api('go')).toBe('ok');
      expect(errors.length).toBe(1);
      expect(c.ready).toBe(true);
    } finally {
      await srv.close();
    }
  });

  it('lenientDecode', () => {
    expect(lenientDecode('a%20b')).toBe('a b');
    expect(lenientDecode('100%')).toBe('100%');
    expect(lenientDecode('%E1%BB%87%zz')).toBe('ệ%zz');
  });
});

describe('EslPool', () => {
  it('one connection per node; events tagged with the node; commands to a named node', async () => {
    const sim2 = await startSimulator({ port: 0, rules: { numbers: { busy: { action: 'busy' } } } });
    const pool = new EslPool(
      [
        { name: 'a', host: '127.0.0.1', port: sim.port, password: 'ClueCon' },
        { name: 'b', host: '127.0.0.1', port: sim2.port, password: 'ClueCon' },
      ],
      { events: CHANNEL_EVENTS, reconnect: { initialDelayMs: 10 } },
    );
    const events: EslEvent[] = [];
    pool.on('event', (e: EslEvent) => events.push(e));
    try {
      const res = await pool.start();
      expect(res.every((r) => r.ok)).toBe(true);
      await pool.bgapi('b', 'originate {origination_uuid=pool-b}sofia/gateway/gw1/busy &park()');
      await until(() => events.some((e) => e.uniqueId === 'pool-b' && e.name === 'CHANNEL_DESTROY'));
      expect(new Set(events.filter((e) => e.uniqueId === 'pool-b').map((e) => e.node))).toEqual(new Set(['b']));
      expect(sim2.callLog.size).toBe(1);
      const picked = new Set([pool.pick().name, pool.pick().name]);
      expect(picked).toEqual(new Set(['a', 'b']));
      await sim2.close();
      await until(() => pool.readyNodes().length === 1);
      expect(pool.pick().name).toBe('a');
    } finally {
      await pool.close();
      await sim2.close().catch(() => undefined);
    }
  });
});
