// mod_callcenter on the wire, against the real FreeSWITCH 1.10.12 captures 30-45
// (test/fixtures/esl-transcripts, CALLCENTER-NOTES.md):
//  - 30 replayed command by command from its .notes.txt: every api reply byte for byte, the
//    callcenter::info events those commands fire (action and header names, in order), and the
//    xml_curl POSTs;
//  - 31 (ring-all answered), 36 (NO_AGENT_TIMEOUT), 37 (BREAK_OUT), 38 (no answer → max-no-answer):
//    each callcenter::info event's header names and order (the channel data as one block), the
//    sequence of actions, the values that are not times or uuids;
//  - 44: CUSTOM must be the last word of `event`.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { RawEsl, splitFrames, transcript, TRANSCRIPTS, type Frame } from './raw.ts';

const MOH = 'tone_stream://%(400,200,400,450);%(400,2000,400,450);loops=-1';
const SUB = 'event plain CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_HANGUP_COMPLETE BACKGROUND_JOB CUSTOM callcenter::info';
const staticQueue = (strategy: string, extra: Record<string, string | number> = {}) => ({
  strategy,
  'moh-sound': MOH,
  'time-base-score': 'system',
  ...extra,
});
/** callcenter.conf of the captures (build.sh): static queues in document order. */
const STATIC_QUEUES = {
  q_ringall: staticQueue('ring-all'),
  q_topdown: staticQueue('top-down'),
  q_rr: staticQueue('round-robin'),
  q_fewest: staticQueue('agent-with-fewest-calls'),
  q_random: staticQueue('random'),
  q_lia: staticQueue('longest-idle-agent'),
  q_noanswer: staticQueue('longest-idle-agent'),
  q_wrap: staticQueue('longest-idle-agent'),
  q_wait: staticQueue('longest-idle-agent', {
    'max-wait-time': 8,
    'max-wait-time-with-no-agent': 3,
    'max-wait-time-with-no-agent-time-reached': 2,
  }),
};

const sims: Simulator[] = [];
const conns: RawEsl[] = [];
const servers: http.Server[] = [];
afterEach(async () => {
  for (const c of conns.splice(0)) c.close();
  for (const s of sims.splice(0)) await s.close();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});
afterAll(async () => undefined);

async function connect(sim: Simulator): Promise<RawEsl> {
  const c = await RawEsl.connect(sim.port);
  conns.push(c);
  await c.login();
  return c;
}

// prettier-ignore
const CORE = new Set([
  'Event-Subclass', 'Event-Name', 'Core-UUID', 'FreeSWITCH-Hostname', 'FreeSWITCH-Switchname', 'FreeSWITCH-IPv4', 'FreeSWITCH-IPv6',
  'Event-Date-Local', 'Event-Date-GMT', 'Event-Date-Timestamp', 'Event-Calling-File', 'Event-Calling-Function', 'Event-Calling-Line-Number', 'Event-Sequence',
]);
/** An event's header names with the channel data (everything that is neither core nor CC-*) as one `<channel>`. */
function shape(f: Frame): string[] {
  const out: string[] = [];
  for (const [k] of f.event!.headers) {
    if (CORE.has(k) || k.startsWith('CC-')) out.push(k);
    else if (out.at(-1) !== '<channel>') out.push('<channel>');
  }
  return out;
}
const ccEvents = (frames: Frame[]) => frames.filter((f) => f.event?.h['Event-Subclass'] === 'callcenter::info');
const action = (f: Frame) => f.event!.h['CC-Action']!;
const key = (f: Frame) => `${action(f)}${f.event!.h['CC-Cause'] ? '/' + f.event!.h['CC-Cause'] : ''}`;

/** Each captured shape per action (and cause) must be the simulator's. */
function expectSameShapes(mine: Frame[], real: Frame[]): void {
  const want = new Map<string, string[]>();
  for (const f of ccEvents(real)) if (!want.has(key(f))) want.set(key(f), shape(f));
  const seen = new Set<string>();
  for (const f of ccEvents(mine)) {
    const k = key(f);
    expect(want.has(k), `unexpected ${k}`).toBe(true);
    expect(shape(f), k).toEqual(want.get(k));
    seen.add(k);
  }
  expect([...seen].sort()).toEqual([...want.keys()].sort());
}

/** A tiny configuration gateway, as the capture's (mod_xml_curl at http://…/fsxml). */
async function xmlCurlServer(
  answer: (fields: Record<string, string>) => string | null,
): Promise<{ url: string; posts: Array<{ body: string; fields: Record<string, string>; ua?: string; type?: string }> }> {
  const posts: Array<{ body: string; fields: Record<string, string>; ua?: string; type?: string }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const fields = Object.fromEntries(new URLSearchParams(body));
      posts.push({ body, fields, ua: req.headers['user-agent'], type: req.headers['content-type'] });
      const doc = answer(fields);
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(doc ?? '<document type="freeswitch/xml"><section name="result"><result status="not found"/></section></document>');
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/fsxml`, posts };
}

const queueDoc = (name: string, params: Record<string, string | number>) =>
  `<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<document type="freeswitch/xml">\n  <section name="configuration">\n    <configuration name="callcenter.conf" description="CallCenter">\n      <queues>\n        <queue name="${name}">\n${Object.entries(
    params,
  )
    .map(([k, v]) => `          <param name="${k}" value="${v}"/>`)
    .join('\n')}\n        </queue>\n      </queues>\n    </configuration>\n  </section>\n</document>\n`;

describe('capture 30: callcenter_config, json, callcenter_break, xml_curl — replayed', () => {
  it('every api reply is byte-identical; the same events; the same POSTs', async () => {
    let qDyn: Record<string, string | number> = { strategy: 'ring-all', 'moh-sound': MOH, 'max-wait-time': 30 };
    const gw = await xmlCurlServer((f) => {
      if (f['CC-Queue'] === 'q_dyn') return queueDoc('q_dyn', qDyn);
      if (f['CC-Queue'] === 'q_auto') return queueDoc('q_auto', { strategy: 'longest-idle-agent', 'moh-sound': MOH });
      return null;
    });
    const sim = await startSimulator({
      port: 0,
      hostname: 'vm',
      xmlCurlUrl: gw.url,
      rules: { profiles: ['external', 'internal', 'cr'], callcenter: { queues: STATIC_QUEUES } },
    });
    sims.push(sim);
    const cc = sim.control.callcenter;
    // The state the capture starts from (left by captures 31-39): agents A, B, C; agentA's counters; the queues' counters.
    for (const [n, p, lt] of [
      ['agentA', 5601, 10],
      ['agentB', 5602, 10],
      ['agentC', 5603, 4],
    ] as const) {
      await cc.api('callcenter_config', `agent add ${n} Callback`);
      await cc.api('callcenter_config', `agent set contact ${n} [leg_timeout=${lt}]sofia/cr/${n}@127.0.0.1:${p}`);
    }
    await cc.api('callcenter_config', 'agent set status agentA Available');
    await cc.api('callcenter_config', 'agent set wrap_up_time agentA 5');
    await cc.api('callcenter_config', 'tier add q_wrap agentA 1 1');
    cc.patchAgent('agentA', {
      uuid: '',
      lastBridgeStart: 1796151149,
      lastBridgeEnd: 1796151151,
      lastOfferedCall: 1796151148,
      lastStatusChange: 1796151137,
      callsAnswered: 2,
      talkTime: 6,
    });
    for (const [q, answered, abandoned] of [
      ['q_wrap', 2, 0],
      ['q_wait', 0, 3],
      ['q_fewest', 5, 0],
      ['q_rr', 4, 0],
      ['q_noanswer', 0, 1],
      ['q_ringall', 1, 0],
      ['q_topdown', 3, 0],
      ['q_random', 6, 0],
    ] as const) {
      expect(cc.patchQueue(q, { callsAnswered: answered, callsAbandoned: abandoned })).toBe(true);
    }
    gw.posts.length = 0;
    cc.setClock(1796151273_050);

    const c = await connect(sim);
    const notes = readFileSync(`${TRANSCRIPTS}/30-cc-config-commands.notes.txt`, 'utf8').split('\n');
    for (const line of notes) {
      const m = /^@\d+ \+[\d.]+ (SENT|LOCAL): (.*)$/.exec(line);
      if (!m) continue;
      const [, kind, what] = m;
      if (kind === 'LOCAL') {
        if (what!.includes('q_file.xml')) {
          // the file is written; FreeSWITCH sees it at the next reloadxml
          sim.control.setRules({
            ...sim.control.getRules(),
            callcenter: {
              ...sim.control.getRules().callcenter,
              queues: { ...STATIC_QUEUES, q_file: { strategy: 'top-down', 'moh-sound': MOH } },
            },
          });
        } else if (what!.includes('q_dyn with strategy top-down')) qDyn = { strategy: 'top-down', 'moh-sound': MOH, 'max-wait-time': 45 };
        continue;
      }
      if (what === 'auth ClueCon') continue;
      // the capture ran within one epoch second (agentX's last_status_change 1796151273)
      cc.setClock(1796151273_050);
      const n = c.frames().length;
      c.send(what!);
      if (what === 'exit') await c.untilClosed();
      else await c.until((f) => f.slice(n).some((x) => x.h['Content-Type'] === 'api/response' || x.h['Content-Type'] === 'command/reply'));
    }
    const real = splitFrames(transcript('30-cc-config-commands')).frames;
    const replies = (fr: Frame[]) => fr.filter((f) => !f.event).map((f) => f.raw);
    const mine = c.frames();
    const got = replies(mine);
    const want = replies(real);
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) expect(got[i], `reply ${i}`).toBe(want[i]);

    // the events: which commands fire them, in order, with the captured header names
    expect(ccEvents(mine).map((f) => [action(f), f.event!.h['CC-Agent'], shape(f).join(',')])).toEqual(
      ccEvents(real).map((f) => [action(f), f.event!.h['CC-Agent'], shape(f).join(',')]),
    );
    for (const [i, f] of ccEvents(mine).entries()) {
      const r = ccEvents(real)[i]!;
      for (const h of [
        'Event-Calling-File',
        'Event-Calling-Function',
        'Event-Calling-Line-Number',
        'CC-Agent-Status',
        'CC-Agent-State',
        'CC-Agent-Contact',
        'CC-Agent-Type',
      ])
        expect(f.event!.h[h], h).toBe(r.event!.h[h]);
      // plain: the subclass is URL-encoded, as captured
      expect(f.body.startsWith('Event-Subclass: callcenter%3A%3Ainfo\nEvent-Name: CUSTOM\n')).toBe(true);
    }

    // the POSTs mod_xml_curl made (capture 30's notes): basic fields, then the REQUEST_PARAMS event with CC-Queue
    const byQueue = gw.posts.map((p) => p.fields['CC-Queue'] ?? '(none)');
    expect(byQueue).toEqual([
      'nosuchqueue',
      'nosuchqueue',
      'q_ringall',
      'q_ringall',
      'q_dyn',
      'q_auto',
      'q_file',
      'q_file',
      'q_dyn',
      '(none)',
      '(none)',
    ]);
    const load = gw.posts.find((p) => p.fields['CC-Queue'] === 'q_dyn')!;
    expect(load.type).toBe('application/x-www-form-urlencoded');
    expect(load.ua).toBe('freeswitch-xml/1.0');
    expect(Object.keys(load.fields)).toEqual([
      'hostname',
      'section',
      'tag_name',
      'key_name',
      'key_value',
      'Event-Name',
      'Core-UUID',
      'FreeSWITCH-Hostname',
      'FreeSWITCH-Switchname',
      'FreeSWITCH-IPv4',
      'FreeSWITCH-IPv6',
      'Event-Date-Local',
      'Event-Date-GMT',
      'Event-Date-Timestamp',
      'Event-Calling-File',
      'Event-Calling-Function',
      'Event-Calling-Line-Number',
      'Event-Sequence',
      'CC-Queue',
    ]);
    expect(load.body).toMatch(
      /^hostname=vm&section=configuration&tag_name=configuration&key_name=name&key_value=callcenter\.conf&Event-Name=REQUEST_PARAMS&Core-UUID=[0-9a-f-]+&FreeSWITCH-Hostname=vm&/,
    );
    expect(load.body).toContain(
      '&Event-Calling-File=mod_callcenter.c&Event-Calling-Function=load_queue&Event-Calling-Line-Number=724&Event-Sequence=',
    );
    expect(load.body).toMatch(/&Event-Date-Local=\d{4}-\d\d-\d\d%20\d\d%3A\d\d%3A\d\d&/);
    expect(load.body.endsWith('&CC-Queue=q_dyn')).toBe(true);
    expect(gw.posts.at(-1)!.body).toBe('hostname=vm&section=configuration&tag_name=configuration&key_name=name&key_value=callcenter.conf');
  });
});

describe('callcenter::info header names and order (31, 36, 37, 38)', () => {
  const MEMBER = (uuid: string, number: string, q: string) =>
    `bgapi originate {origination_uuid=${uuid},origination_caller_id_number=0280000000,origination_caller_id_name=CampaignCC,originate_timeout=20,ignore_early_media=true,campaign_uuid=c-cc,lead_uuid=l1}sofia/gateway/gw_long/${number} &callcenter(${q})`;

  /** The captures' setup: agents A (answers 1 s, talks 4 s), B (answers 1 s, talks 8 s), C (rings), all scaled. */
  async function setup(scale: number, customerTalkMs: number, agents: Array<{ name: string; tier: string }>) {
    const k = scale; // SIPp's seconds become k × 1000 ms
    const sim = await startSimulator({
      port: 0,
      timeScale: scale,
      rules: {
        profiles: ['external', 'internal', 'cr'],
        numbers: { '09*': { action: 'answer', ringMs: Math.round(500 * k), talkMs: customerTalkMs } },
        callcenter: {
          queues: STATIC_QUEUES,
          endpoints: {
            agentA: { action: 'answer', ringMs: Math.round(1000 * k), talkMs: Math.round(4000 * k) },
            agentB: { action: 'answer', ringMs: Math.round(1000 * k), talkMs: Math.round(8000 * k) },
            agentC: { action: 'noanswer' },
          },
        },
      },
    });
    sims.push(sim);
    const api = (a: string) => sim.control.callcenter.api('callcenter_config', a);
    for (const [n, p, lt] of [
      ['agentA', 5601, 10],
      ['agentB', 5602, 10],
      ['agentC', 5603, 4],
    ] as const) {
      await api(`agent add ${n} Callback`);
      await api(`agent set contact ${n} [leg_timeout=${lt}]sofia/cr/${n}@127.0.0.1:${p}`);
    }
    for (const a of agents) await api(`tier add ${a.tier}`);
    const c = await connect(sim);
    c.send(SUB);
    await c.until((f) => f.length >= 3);
    return { sim, c, api };
  }

  it('ring-all answered (31): shapes, order, the orphan leg, member variables', async () => {
    const { sim, c, api } = await setup(0.1, 800, [
      { name: 'agentA', tier: 'q_ringall agentA 1 1' },
      { name: 'agentB', tier: 'q_ringall agentB 1 2' },
      { name: 'agentC', tier: 'q_ringall agentC 1 3' },
    ]);
    for (const n of ['agentA', 'agentB', 'agentC']) await api(`agent set status ${n} Available`);
    const uuid = 'd90ca720-bf2c-49e2-928c-e41fe79f3e94';
    c.send(MEMBER(uuid, '0901000001', 'q_ringall'));
    await c.until(
      (f) => ccEvents(f).filter((x) => action(x) === 'agent-state-change' && x.event!.h['CC-Agent-State'] === 'Waiting').length >= 3,
      10000,
    );
    const real = splitFrames(transcript('31-cc-ring-all-answer')).frames;
    expectSameShapes(c.frames(), real);
    const acts = ccEvents(c.frames()).map(action);
    expect(acts.slice(0, 11)).toEqual(ccEvents(real).map(action).slice(0, 11));
    expect(acts.filter((a) => a === 'members-count')).toHaveLength(2); // none after the answered member leaves
    expect(acts.slice(-3)).toEqual(['bridge-agent-end', 'member-queue-end', 'agent-state-change']);
    const ev = (a: string) => ccEvents(c.frames()).find((f) => action(f) === a)!.event!.h;
    expect(ev('member-queue-start')['CC-Member-Session-UUID']).toBe(uuid);
    expect(ev('member-queue-start')['CC-Member-CID-Number']).toBe('0901000001');
    expect(ev('member-queue-start')['CC-Member-CID-Name']).toBe('Outbound Call');
    expect(ev('member-queue-start')['variable_lead_uuid']).toBe('l1');
    expect(ev('member-queue-end')['CC-Hangup-Cause']).toBe('SUCCESS');
    expect(ev('bridge-agent-end')['CC-Agent-Bridged']).toBe('true');
    expect(ev('bridge-agent-fail')['CC-Hangup-Cause']).toBe('LOSE_RACE');
    expect(ev('bridge-agent-start')['Unique-ID']).toBe(ev('bridge-agent-start')['CC-Agent-UUID']);
    expect(ev('bridge-agent-start')['variable_cc_side']).toBe('agent');
    expect(ev('bridge-agent-start')['variable_campaign_uuid']).toBeUndefined();
    // A and B answered together: A won, B's answered leg is left up, connected to nobody
    const log = sim.callLog.callcenter;
    expect(log.offers().map((o) => [o.agent, o.result])).toEqual([
      ['agentA', 'bridged'],
      ['agentB', 'orphan'],
      ['agentC', 'failed'],
    ]);
    // channel events: bridge on the member leg with Bridge-A/B before the channel data; member variables
    const bridge = c.events().find((f) => f.event!.h['Event-Name'] === 'CHANNEL_BRIDGE')!;
    const realBridge = real.find((f) => f.event?.h['Event-Name'] === 'CHANNEL_BRIDGE')!;
    expect(bridge.event!.headers.slice(0, 16).map(([k]) => k)).toEqual(realBridge.event!.headers.slice(0, 16).map(([k]) => k));
    expect(bridge.event!.h['Bridge-A-Unique-ID']).toBe(uuid);
    expect(bridge.event!.h['variable_cc_cause']).toBe('answered');
    const names = (f: Frame) => f.event!.headers.map(([k]) => k).filter((k) => k.startsWith('Other-'));
    expect(names(bridge)).toEqual(names(realBridge));
    await c.until((f) => f.some((x) => x.event?.h['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE' && x.event.h['Unique-ID'] === uuid), 5000);
    const hc = c.events().find((f) => f.event!.h['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE' && f.event!.h['Unique-ID'] === uuid)!.event!.h;
    for (const v of [
      'cc_side',
      'cc_member_uuid',
      'cc_queue_joined_epoch',
      'cc_queue',
      'cc_agent_uuid',
      'cc_cause',
      'cc_agent_bridged',
      'cc_agent',
      'cc_queue_answered_epoch',
    ])
      expect(hc[`variable_${v}`], v).toBeDefined();
    expect(hc['variable_cc_queue_terminated_epoch']).toBeUndefined();
    expect(hc['variable_cc_cause']).toBe('answered');
    expect(Number(hc['variable_bridge_epoch'])).toBeGreaterThan(0);
    expect(Number(hc['variable_waitmsec'])).toBe(
      Math.floor((Number(hc['variable_bridge_uepoch']) - Number(hc['variable_start_uepoch'])) / 1000),
    );
    expect(hc['variable_hangup_cause']).toBe('NORMAL_CLEARING');
    expect(['recv_bye', 'send_bye']).toContain(hc['variable_sip_hangup_disposition']);
    const end = ev('member-queue-end');
    expect(end['variable_cc_queue_terminated_epoch']).toBeDefined();
    // the bridged agent leg carries the member's call uuid until the bridge is over
    const agentUuid = ev('bridge-agent-start')['CC-Agent-UUID']!;
    const agentHc = c.events().find((f) => f.event!.h['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE' && f.event!.h['Unique-ID'] === agentUuid)!
      .event!.h;
    expect([agentHc['Channel-Call-UUID'], agentHc['variable_call_uuid']]).toEqual([uuid, uuid]);
    const agentEnd = ev('bridge-agent-end');
    expect([agentEnd['Channel-Call-UUID'], agentEnd['variable_call_uuid']]).toEqual([agentUuid, agentUuid]);
    expect(agentEnd['variable_call_uuid']).toBe(
      ccEvents(c.frames())
        .find((f) => action(f) === 'bridge-agent-end')!
        .event!.headers.filter(([k]) => k.startsWith('variable_'))
        .at(-1)![1],
    );
  });

  it('NO_AGENT_TIMEOUT (36): agents Logged Out; 3 + 2 s; then FreeSWITCH hangs up', async () => {
    const { c } = await setup(0.05, 8000, [
      { name: 'agentA', tier: 'q_wait agentA 1 1' },
      { name: 'agentB', tier: 'q_wait agentB 1 2' },
    ]);
    const uuid = '8bf9627c-df79-463b-99c9-889e75f6c538';
    c.send(MEMBER(uuid, '0901000001', 'q_wait'));
    await c.until((f) => f.some((x) => x.event?.h['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE'), 5000);
    const real = splitFrames(transcript('36-cc-no-agent-timeout')).frames;
    expectSameShapes(c.frames(), real);
    const order = (fr: Frame[]) =>
      fr
        .filter((f) => f.event && f.event.h['Event-Name'] !== 'BACKGROUND_JOB')
        .map((f) => f.event!.h['CC-Action'] ?? f.event!.h['Event-Name']);
    expect(order(c.frames())).toEqual(order(real));
    const end = ccEvents(c.frames()).find((f) => action(f) === 'member-queue-end')!.event!.h;
    expect(end['CC-Cancel-Reason']).toBe('NO_AGENT_TIMEOUT');
    expect(Number(end['CC-Member-Leaving-Time']) - Number(end['CC-Member-Joined-Time'])).toBe(5);
    expect(end['variable_cc_cause']).toBeUndefined(); // set after the event
    const hc = c.events().find((f) => f.event!.h['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE')!.event!.h;
    expect(hc['variable_sip_hangup_disposition']).toBe('send_bye');
    expect(hc['variable_cc_cancel_reason']).toBe('NO_AGENT_TIMEOUT');
    expect(hc['variable_cc_cause']).toBe('cancel');
    expect(hc['variable_waitsec']).toBe('0');
    expect(hc['variable_bridge_epoch']).toBe('0');
  });

  it('BREAK_OUT (37): agents On Break, the customer hangs up at 3 s', async () => {
    const { c, api } = await setup(0.05, 3000 * 0.05, [
      { name: 'agentA', tier: 'q_wait agentA 1 1' },
      { name: 'agentB', tier: 'q_wait agentB 1 2' },
    ]);
    await api("agent set status agentA 'On Break'");
    await api("agent set status agentB 'On Break'");
    c.send(MEMBER('439bb9a5-996c-4026-8788-0185e38cee17', '0901000001', 'q_wait'));
    await c.until((f) => f.some((x) => x.event?.h['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE'), 5000);
    const real = splitFrames(transcript('37-cc-member-hangs-up-waiting')).frames;
    expectSameShapes(c.frames(), real);
    const order = (fr: Frame[]) =>
      fr
        .filter((f) => f.event && f.event.h['Event-Name'] !== 'BACKGROUND_JOB')
        .map((f) => f.event!.h['CC-Action'] ?? f.event!.h['Event-Name']);
    expect(order(c.frames())).toEqual(order(real));
    const end = ccEvents(c.frames()).find((f) => action(f) === 'member-queue-end')!.event!.h;
    expect(end['CC-Cancel-Reason']).toBe('BREAK_OUT');
    const hc = c.events().find((f) => f.event!.h['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE')!.event!.h;
    expect(hc['variable_sip_hangup_disposition']).toBe('recv_bye');
    expect(hc['variable_cc_cancel_reason']).toBe('BREAK_OUT');
  });

  it('agent no answer → max-no-answer (38): ALLOTTED_TIMEOUT twice, On Break, tier No Answer', async () => {
    const { sim, c, api } = await setup(0.05, 14500 * 0.05, [{ name: 'agentC', tier: 'q_noanswer agentC 1 1' }]);
    await api('agent set max_no_answer agentC 2');
    await api('agent set no_answer_delay_time agentC 1');
    await api('agent set status agentC Available');
    c.send(MEMBER('7b13aa20-647c-48cf-8759-accb70587930', '0901000001', 'q_noanswer'));
    await c.until(
      (f) =>
        f.some(
          (x) =>
            x.event?.h['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE' && x.event.h['Unique-ID'] === '7b13aa20-647c-48cf-8759-accb70587930',
        ),
      5000,
    );
    const real = splitFrames(transcript('38-cc-agent-no-answer')).frames;
    expectSameShapes(c.frames(), real);
    const order = (fr: Frame[]) =>
      fr
        .filter((f) => f.event && f.event.h['Event-Name'] !== 'BACKGROUND_JOB')
        .map((f) => f.event!.h['CC-Action'] ?? `${f.event!.h['Event-Name']}/${f.event!.h['Hangup-Cause'] ?? ''}`);
    expect(order(c.frames())).toEqual(order(real));
    const max = ccEvents(c.frames()).find((f) => action(f) === 'agent-max-no-answer')!.event!.h;
    expect([max['CC-Agent-No-Answer-Count'], max['CC-Agent-No-Answer-Status'], max['CC-Queue']]).toEqual(['2', 'On Break', undefined]);
    const fails = ccEvents(c.frames()).filter((f) => action(f) === 'bridge-agent-fail');
    expect(fails.map((f) => f.event!.h['CC-Hangup-Cause'])).toEqual(['ALLOTTED_TIMEOUT', 'ALLOTTED_TIMEOUT']);
    // leg_timeout=4: the leg goes when more than 4 whole seconds have passed (4.x-5 s)
    const offers = ccEvents(c.frames()).filter((f) => action(f) === 'agent-offering');
    const hcs = c
      .events()
      .filter((f) => f.event!.h['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE' && f.event!.h['Hangup-Cause'] === 'ALLOTTED_TIMEOUT');
    expect(Number(fails[0]!.event!.h['CC-Agent-Aborted-Time']) - Number(fails[0]!.event!.h['CC-Agent-Called-Time'])).toBe(5);
    expect(hcs[0]!.event!.h['variable_sip_hangup_disposition']).toBe('send_cancel');
    expect(offers).toHaveLength(2);
    expect(await api('tier list')).toBe('queue|agent|state|level|position\nq_noanswer|agentC|No Answer|1|1\n+OK\n');
    const row = (await api('agent list agentC')).split('\n')[1]!.split('|');
    expect([row[5], row[16]]).toEqual(['On Break', '2']);
    expect(Number(row[19])).toBe(Number(row[15]) + 1); // ready_time = the second failure + no_answer_delay_time
    expect(await api('queue count members q_noanswer')).toBe('1\n'); // the Abandoned row lingers
    expect(sim.callLog.callcenter.members()[0]!.cancelReason).toBe('BREAK_OUT');
  });
});

describe('subscription (44)', () => {
  it('CUSTOM must come last: a name after it is taken as a subclass', async () => {
    const sim = await startSimulator({ port: 0 });
    sims.push(sim);
    await sim.control.callcenter.api('callcenter_config', 'agent add agentX Callback');
    const c = await connect(sim);
    c.send('event plain CUSTOM callcenter::info BACKGROUND_JOB');
    await c.until((f) => f.length >= 3);
    expect(c.frames()[2]!.h['Reply-Text']).toBe('+OK event listener enabled plain');
    c.send('bgapi status');
    c.send('api callcenter_config agent set status agentX Available');
    await c.until((f) => f.some((x) => x.event));
    await new Promise((r) => setTimeout(r, 50));
    expect(c.eventNames()).toEqual(['CUSTOM']);
    const real = splitFrames(transcript('44-cc-subscribe-custom-token-order')).frames;
    const strip = (f: Frame) => f.body.replace(/\n(Core-UUID|FreeSWITCH-[\w-]+|Event-Date-[\w-]+|Event-Sequence): [^\n]*/g, '');
    expect(strip(c.events()[0]!)).toBe(strip(real.find((f) => f.event)!));
    c.send('event plain BACKGROUND_JOB');
    c.send('bgapi status');
    await c.until((f) => f.some((x) => x.event?.h['Event-Name'] === 'BACKGROUND_JOB'));
  });
});
