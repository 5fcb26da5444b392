// POST /freeswitch/xml, mod_xml_curl's configuration gateway: the simulator's mod_callcenter loads
// an autodialer campaign's queue through it (`callcenter_config queue load campaign-<uuid>`, as
// FreeSWITCH posts it: capture 30/43), with the campaign's strategy and queue settings; every
// other request (another section, another configuration, a queue not ours, another type of
// campaign, agent/tier reload without CC-Queue) gets mod_xml_curl's "not found", so FreeSWITCH
// uses its own XML. The password guards it; unset, the route is off (404).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { NOT_FOUND_XML, parseCcList, queueName } from '../../telephony/callcenter.ts';
import { startApi, type Harness } from './harness.ts';

const PASSWORD = 'xml-curl-test-password-0123';
const auth = (password: string) => `Basic ${Buffer.from(`freeswitch:${password}`).toString('base64')}`;
const FORM = 'hostname=vm&section=configuration&tag_name=configuration&key_name=name&key_value=callcenter.conf';
/** The params mod_callcenter's load_queue adds (capture 30), then CC-Queue. */
const loadQueueForm = (q: string) =>
  `${FORM}&Event-Name=REQUEST_PARAMS&Core-UUID=0e7c3f4a-1c4b-4b8e-9d57-2b1f0b3f1a11&FreeSWITCH-Hostname=vm&Event-Calling-File=mod_callcenter.c&Event-Calling-Function=load_queue&Event-Calling-Line-Number=724&Event-Sequence=2781&CC-Queue=${encodeURIComponent(q)}`;

let api: Harness;
let off: Harness;
let sim: Simulator;
let forwarder: http.Server;
let dialer: string;
let dialerTopDown: string;
let autocall: string;
const forwarded: Array<{ body: string; status: number; ms: number }> = [];

const post = (h: Harness, body: string, headers: Record<string, string> = { authorization: auth(PASSWORD) }) =>
  fetch(`${h.baseUrl}/freeswitch/xml`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });

async function campaign(body: Record<string, unknown>): Promise<string> {
  const r = await api.call('POST', '/v3/campaign', body);
  expect(r.status).toBe(200);
  return r.body.campaign_uuid as string;
}

beforeAll(async () => {
  api = await startApi({ FREESWITCH_HTTP_PASSWORD: PASSWORD });
  off = await startApi();
  dialer = await campaign({ campaign_name: 'Dialer', type: 'autodialer', ratio: 150 });
  dialerTopDown = await campaign({
    campaign_name: 'Dialer top-down',
    type: 'autodialer',
    ratio: 100,
    call_center_queue_strategy: 'top-down',
  });
  autocall = await campaign({ campaign_name: 'Autocall', type: 'autocall' });
  // mod_xml_curl's gateway-credentials: the simulator posts without them, this adds them (as
  // FreeSWITCH does with `gateway-credentials` and `auth-scheme basic`).
  forwarder = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const t0 = performance.now();
      void fetch(`${api.baseUrl}/freeswitch/xml`, {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? '', authorization: auth(PASSWORD) },
        body,
      }).then(async (r) => {
        const text = await r.text();
        forwarded.push({ body, status: r.status, ms: performance.now() - t0 });
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/plain' });
        res.end(text);
      });
    });
  });
  await new Promise<void>((r) => forwarder.listen(0, '127.0.0.1', () => r()));
  sim = await startSimulator({
    port: 0,
    xmlCurlUrl: `http://127.0.0.1:${(forwarder.address() as AddressInfo).port}/freeswitch/xml`,
    rules: { callcenter: { queues: { q_static: { strategy: 'round-robin' } } } },
  });
});

afterAll(async () => {
  await sim?.close();
  await new Promise((r) => forwarder?.close(r));
  await api?.close();
  await off?.close();
});

const cc = (args: string) => sim.control.callcenter.api('callcenter_config', args);
const queueRow = async (q: string) => parseCcList(await cc('queue list')).find((r) => r.name === q);

describe('the simulator loads our queues through the gateway', () => {
  it('queue load: the campaign strategy (default ring-all) and its queue settings (defaults: max wait 20 s, 10 s with no agent)', async () => {
    expect(await cc(`queue load ${queueName(dialer)}`)).toBe('+OK\n');
    expect(await queueRow(queueName(dialer))).toMatchObject({
      strategy: 'ring-all',
      moh_sound: 'local_stream://default',
      time_base_score: 'system',
      max_wait_time: '20',
      max_wait_time_with_no_agent: '10',
      max_wait_time_with_no_agent_time_reached: '5',
      tier_rules_apply: 'false',
      discard_abandoned_after: '60',
    });
    expect(await cc(`queue load ${queueName(dialerTopDown)}`)).toBe('+OK\n');
    expect((await queueRow(queueName(dialerTopDown)))?.strategy).toBe('top-down');
    const last = forwarded.at(-1)!;
    expect(last.status).toBe(200);
    expect(Object.fromEntries(new URLSearchParams(last.body))).toMatchObject({
      section: 'configuration',
      key_value: 'callcenter.conf',
      'CC-Queue': queueName(dialerTopDown),
    });
  });

  it('queue reload picks up changed queue settings and strategy', async () => {
    expect(
      (await api.call('PUT', `/v3/campaign/${dialer}/queue_settings`, { max_wait_time: 45, max_wait_time_with_no_agent: 0 })).status,
    ).toBe(200);
    const cur = await api.call('GET', `/v3/campaign/${dialer}`);
    const put = await api.call('PUT', `/v3/campaign/${dialer}`, {
      ...cur.body,
      local_start_time: '08:00:00',
      local_end_time: '17:00:00',
      call_center_queue_strategy: 'agent-with-fewest-calls',
    });
    expect(put.status).toBe(200);
    expect(await cc(`queue reload ${queueName(dialer)}`)).toBe('+OK\n');
    expect(await queueRow(queueName(dialer))).toMatchObject({
      strategy: 'agent-with-fewest-calls',
      max_wait_time: '45',
      max_wait_time_with_no_agent: '0',
    });
  });

  it('tier add loads the queue by itself', async () => {
    const q = queueName(await campaign({ campaign_name: 'Dialer tier', type: 'autodialer', ratio: 200 }));
    expect(await cc('agent add agent-x Callback')).toBe('+OK\n');
    expect(await cc(`tier add ${q} agent-x 1 1`)).toBe('+OK\n');
    expect((await queueRow(q))?.strategy).toBe('ring-all');
  });

  it('not ours → "not found": a static queue still loads from FreeSWITCH’s own XML; unknown ones do not', async () => {
    const before = forwarded.length;
    expect(await cc('queue load q_static')).toBe('+OK\n');
    expect(await cc(`queue load ${queueName(autocall)}`)).toBe('-ERR Invalid Queue not found!\n'); // not an autodialer
    expect(await cc(`queue load ${queueName('00000000-0000-4000-8000-000000000000')}`)).toBe('-ERR Invalid Queue not found!\n');
    expect(forwarded.slice(before).map((f) => f.status)).toEqual([200, 200, 200]);
    expect(
      sim.control.callcenter
        .xmlCurlRequests()
        .slice(-3)
        .map((r) => r.outcome),
    ).toEqual(['not found', 'not found', 'not found']);
  });

  it('answers fast (from memory after the first lookup)', async () => {
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const r = await post(api, loadQueueForm(queueName(dialer)));
      await r.text();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    expect(times[10]!).toBeLessThan(50); // median; the store's one small queue_settings read
  });
});

describe('POST /freeswitch/xml directly', () => {
  it('our queue: text/xml with exactly that one queue', async () => {
    const r = await post(api, loadQueueForm(queueName(dialerTopDown)));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/xml/);
    const xml = await r.text();
    expect(xml).toContain(`<configuration name="callcenter.conf"`);
    expect(xml).toContain(`<queue name="${queueName(dialerTopDown)}">`);
    expect(xml.match(/<queue /g)).toHaveLength(1);
    expect(xml).toContain('<param name="strategy" value="top-down"/>');
  });

  it.each([
    [
      'another section',
      `hostname=vm&section=directory&tag_name=domain&key_name=name&key_value=example.com&CC-Queue=${queueName('11111111-1111-4111-8111-111111111111')}`,
    ],
    ['another configuration', 'hostname=vm&section=configuration&tag_name=configuration&key_name=name&key_value=avmd.conf'],
    ['agent reload / tier reload (no CC-Queue)', FORM],
    ['a queue not ours', loadQueueForm('q_ringall')],
    ['a malformed campaign queue name', loadQueueForm('campaign-not-a-uuid')],
    ['an empty body', ''],
  ])('%s → not found', async (_what, body) => {
    const r = await post(api, body);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(await r.text()).toBe(NOT_FOUND_XML);
  });

  it('a deleted campaign → not found', async () => {
    const gone = await campaign({ campaign_name: 'Dialer gone', type: 'autodialer', ratio: 100 });
    expect(await (await post(api, loadQueueForm(queueName(gone)))).text()).toContain('<queue name=');
    expect((await api.call('DELETE', `/v3/campaign/${gone}`)).status).toBe(200);
    expect(await (await post(api, loadQueueForm(queueName(gone)))).text()).toBe(NOT_FOUND_XML);
  });

  it('the password: 401 without or with a wrong one; off (404) when FREESWITCH_HTTP_PASSWORD is unset', async () => {
    const none = await post(api, loadQueueForm(queueName(dialer)), {});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect((await post(api, loadQueueForm(queueName(dialer)), { authorization: auth('wrong-password-0123456') })).status).toBe(401);
    const r = await post(off, loadQueueForm(queueName(dialer)));
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({ error: 'Not Found' });
  });
});
