// A small HTTP control API for a running simulator (node:http, JSON in and out):
//   GET    /health                      -> {ok, eslPort, coreUuid}
//   GET    /rules                       -> current rules
//   PUT    /rules                       <- full rules document (same format as the --rules file)
//   PUT    /rules/numbers/:number       <- a rule or a list of rules (one per attempt)
//   DELETE /rules/numbers/:number
//   PUT    /rules/gateways/:name        <- {status?, maxSessions?, cps?, profile?, proxy?}
//   PUT    /rules/limits                <- {maxSessions?, sessionsPerSecond?}
//   GET    /calls[?number=&variable=name:value]  -> call log entries
//   DELETE /calls                       -> clears the call log
//   GET    /channels                    -> live channels
//   POST   /channels/:uuid/hangup       <- {cause?, by?: 'callee'|'us'}
//   POST   /api                         <- {command: "originate …"} -> {result}
//   POST   /faults/drop-connections
//   POST   /faults/restart              <- {downMs?}
//   POST   /faults/events               <- {delayMs?, lossRate?, dropNext?: {count, eventName?}}
//   DELETE /faults                      -> clears event faults
//   GET    /stats
// mod_callcenter (callcenter.ts):
//   GET    /callcenter                  -> {queues, agents, tiers, members, clockEpoch, xmlCurlUrl}
//   GET    /callcenter/log              -> {members, offers, agents: per-agent stats}
//   PUT    /callcenter/endpoints/:key   <- an agent phone rule, or a list (one per call)
//   DELETE /callcenter/endpoints/:key
//   PUT    /callcenter/queues/:name     <- static queue params (as editing callcenter.conf + reloadxml)
//   DELETE /callcenter/queues/:name
//   PATCH  /callcenter/queues/:name     <- fields of the loaded queue (callsAnswered, maxWaitTime…)
//   PATCH  /callcenter/agents/:name     <- columns of the agent row (callsAnswered, lastBridgeEnd…)
//   PUT    /callcenter/xml-curl         <- {url} (null: static XML only)
//   GET    /callcenter/xml-curl         -> the POSTs sent to the gateway
//   POST   /callcenter/clock            <- {epochMs}: the callcenter clock reads this now
import http from 'node:http';
import type { Simulator } from './server.ts';

export interface ControlServer {
  port: number;
  close(): Promise<void>;
}

export async function startControlServer(sim: Simulator, port = 0, host = '127.0.0.1'): Promise<ControlServer> {
  const server = http.createServer((req, res) => {
    void handle(sim, req, res).catch((e: unknown) => send(res, 400, { error: e instanceof Error ? e.message : String(e) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  return {
    port: addr && typeof addr === 'object' ? addr.port : port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- control bodies: the rule setters validate them
async function readJson(req: http.IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

async function handle(sim: Simulator, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const p = url.pathname.replace(/\/+$/, '') || '/';
  const m = req.method ?? 'GET';
  const c = sim.control;
  let mm: RegExpExecArray | null;
  if (m === 'GET' && p === '/health') return send(res, 200, { ok: true, eslPort: sim.port, coreUuid: sim.coreUuid });
  if (m === 'GET' && p === '/rules') return send(res, 200, c.getRules());
  if (m === 'PUT' && p === '/rules') {
    c.setRules(await readJson(req));
    return send(res, 200, c.getRules());
  }
  if ((mm = /^\/rules\/numbers\/([^/]+)$/.exec(p))) {
    const n = decodeURIComponent(mm[1]!);
    if (m === 'PUT') {
      c.setNumberRule(n, await readJson(req));
      return send(res, 200, c.getRules().numbers[n]);
    }
    if (m === 'DELETE') {
      c.clearNumberRule(n);
      return send(res, 200, { ok: true });
    }
  }
  if (m === 'PUT' && (mm = /^\/rules\/gateways\/([^/]+)$/.exec(p))) {
    c.setGateway(decodeURIComponent(mm[1]!), await readJson(req));
    return send(res, 200, c.getRules().gateways);
  }
  if (m === 'PUT' && p === '/rules/limits') {
    c.setLimits(await readJson(req));
    return send(res, 200, c.getRules().limits);
  }
  if (m === 'GET' && p === '/calls') {
    let list = sim.callLog.entries();
    const num = url.searchParams.get('number');
    if (num) list = sim.callLog.byNumber(num);
    const v = url.searchParams.get('variable');
    if (v && v.includes(':')) {
      const [name, value] = [v.slice(0, v.indexOf(':')), v.slice(v.indexOf(':') + 1)];
      list = list.filter((e) => e.variables[name] === value || e.legs.some((l) => l.variables[name] === value));
    }
    return send(res, 200, list);
  }
  if (m === 'DELETE' && p === '/calls') {
    sim.callLog.clear();
    return send(res, 200, { ok: true });
  }
  if (m === 'GET' && p === '/channels') return send(res, 200, c.channels());
  if (m === 'POST' && (mm = /^\/channels\/([^/]+)\/hangup$/.exec(p))) {
    const body = await readJson(req);
    const ok = c.hangup(decodeURIComponent(mm[1]!), body.cause, body.by);
    return send(res, ok ? 200 : 404, { ok });
  }
  if (m === 'POST' && p === '/api') {
    const body = await readJson(req);
    return send(res, 200, { result: await c.api(String(body.command ?? '')) });
  }
  if (m === 'POST' && p === '/faults/drop-connections') {
    c.dropConnections();
    return send(res, 200, { ok: true });
  }
  if (m === 'POST' && p === '/faults/restart') {
    const body = await readJson(req);
    await c.restart({ downMs: body.downMs });
    return send(res, 200, { ok: true, coreUuid: sim.coreUuid });
  }
  if (m === 'POST' && p === '/faults/events') {
    const body = await readJson(req);
    if (body.delayMs !== undefined) c.setEventDelay(Number(body.delayMs));
    if (body.lossRate !== undefined) c.setEventLoss(Number(body.lossRate));
    if (body.dropNext) c.dropNextEvents(Number(body.dropNext.count ?? 1), body.dropNext.eventName);
    return send(res, 200, { ok: true });
  }
  if (m === 'DELETE' && p === '/faults') {
    c.clearFaults();
    return send(res, 200, { ok: true });
  }
  if (m === 'GET' && p === '/stats') return send(res, 200, c.stats());
  if (p === '/callcenter' || p.startsWith('/callcenter/')) return callcenter(sim, m, p, req, res);
  send(res, 404, { error: `no route ${m} ${p}` });
}

async function callcenter(sim: Simulator, m: string, p: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const cc = sim.control.callcenter;
  let mm: RegExpExecArray | null;
  if (m === 'GET' && p === '/callcenter') return send(res, 200, cc.state());
  if (m === 'GET' && p === '/callcenter/log') return send(res, 200, sim.callLog.callcenter.toJSON());
  if ((mm = /^\/callcenter\/endpoints\/([^/]+)$/.exec(p))) {
    const key = decodeURIComponent(mm[1]!);
    if (m === 'PUT') {
      cc.setEndpointRule(key, await readJson(req));
      return send(res, 200, sim.control.getRules().callcenter?.endpoints?.[key]);
    }
    if (m === 'DELETE') {
      cc.clearEndpointRule(key);
      return send(res, 200, { ok: true });
    }
  }
  if ((mm = /^\/callcenter\/queues\/([^/]+)$/.exec(p))) {
    const name = decodeURIComponent(mm[1]!);
    if (m === 'PUT') {
      cc.setStaticQueue(name, await readJson(req));
      return send(res, 200, sim.control.getRules().callcenter?.queues?.[name]);
    }
    if (m === 'DELETE') {
      cc.setStaticQueue(name, null);
      return send(res, 200, { ok: true });
    }
    if (m === 'PATCH') {
      const ok = cc.patchQueue(name, await readJson(req));
      return send(res, ok ? 200 : 404, { ok });
    }
  }
  if (m === 'PATCH' && (mm = /^\/callcenter\/agents\/([^/]+)$/.exec(p))) {
    const ok = cc.patchAgent(decodeURIComponent(mm[1]!), await readJson(req));
    return send(res, ok ? 200 : 404, { ok });
  }
  if (p === '/callcenter/xml-curl') {
    if (m === 'PUT') {
      const body = await readJson(req);
      cc.setXmlCurlUrl(body.url ?? undefined);
      return send(res, 200, { url: cc.state().xmlCurlUrl ?? null });
    }
    if (m === 'GET') return send(res, 200, cc.xmlCurlRequests());
  }
  if (m === 'POST' && p === '/callcenter/clock') {
    const body = await readJson(req);
    cc.setClock(Number(body.epochMs));
    return send(res, 200, { epoch: cc.epoch() });
  }
  send(res, 404, { error: `no route ${m} ${p}` });
}
