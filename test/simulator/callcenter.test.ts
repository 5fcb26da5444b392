// mod_callcenter's behaviour in the simulator, scenario by scenario as the real FreeSWITCH
// 1.10.12 captures show it (test/fixtures/esl-transcripts/CALLCENTER-NOTES.md): who gets which
// call per strategy (32-35, 43), wrap-up (39), all agents On Break → TIMEOUT (42), [call_timeout]
// ignored (45), configuration from an xml_curl gateway, callcenter_break, delays after busy and
// unregistered phones, the control API; and one test end to end through modesl, as the product
// will drive it. Times are the captures' seconds, run at timeScale K (one second = K × 1000 ms).
import http from 'node:http';
import esl from 'modesl';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../simulator/server.ts';
import { startControlServer } from '../../simulator/control-http.ts';
import type { RulesInput } from '../../simulator/rules.ts';
import { RawEsl, type Frame } from './raw.ts';

const K = 0.05;
const ms = (sec: number) => Math.round(sec * 1000 * K);
const sleep = (sec: number) => new Promise((r) => setTimeout(r, ms(sec)));
const MOH = 'tone_stream://%(400,200,400,450);%(400,2000,400,450);loops=-1';
const q = (strategy: string, extra: Record<string, string | number> = {}) => ({
  strategy,
  'moh-sound': MOH,
  'time-base-score': 'system',
  ...extra,
});

const sims: Simulator[] = [];
const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  for (const s of sims.splice(0)) await s.close();
});

/**
 * The captures' world: agentA answers after 1 s and hangs up 4 s later, agentB answers after 1 s
 * and stays 8 s, agentC rings forever (leg_timeout 4); customers answer after 0.5 s and hang up
 * 3 s (0901…, gw_answer), 8 s (0902…, gw_long) or 14.5 s (0903…, gw_dtmf) later.
 */
async function world(
  opts: {
    queues?: Record<string, Record<string, string | number>>;
    tiers?: string[];
    rules?: Partial<RulesInput>;
    sim?: Partial<SimulatorOptions>;
  } = {},
) {
  const sim = await startSimulator({
    port: 0,
    timeScale: K,
    seed: 7,
    ...opts.sim,
    rules: {
      profiles: ['external', 'internal', 'cr'],
      numbers: {
        '0901*': { action: 'answer', ringMs: ms(0.5), talkMs: ms(3) },
        '0902*': { action: 'answer', ringMs: ms(0.5), talkMs: ms(8) },
        '0903*': { action: 'answer', ringMs: ms(0.5), talkMs: ms(14.5) },
      },
      callcenter: {
        queues: opts.queues ?? {},
        endpoints: {
          agentA: { action: 'answer', ringMs: ms(1), talkMs: ms(4) },
          agentB: { action: 'answer', ringMs: ms(1), talkMs: ms(8) },
          agentC: { action: 'noanswer' },
        },
      },
      ...opts.rules,
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
  for (const t of opts.tiers ?? []) expect(await api(`tier add ${t}`)).toBe('+OK\n');
  let n = 0;
  /** bgapi originate … &callcenter(queue), as the dialer does it. */
  const call = (number: string, queue: string, uuid = `m-${++n}-${number}`) => {
    void sim.control.api(
      `originate {origination_uuid=${uuid},origination_caller_id_number=0280000000,origination_caller_id_name=CampaignCC,originate_timeout=20,ignore_early_media=true,campaign_uuid=c-cc,lead_uuid=l${n}}sofia/gateway/gw/${number} &callcenter(${queue})`,
    );
    return uuid;
  };
  const log = sim.callLog.callcenter;
  /** Until every member that joined has left and every bridge has ended. */
  const settled = async (members: number, timeoutMs = 8000) => {
    const t = Date.now() + timeoutMs;
    for (;;) {
      const list = log.members();
      const offersDone = log.offers().every((o) => o.result !== undefined && (o.result !== 'bridged' || o.endedAt !== undefined));
      if (
        list.length >= members &&
        offersDone &&
        list.every((m) => m.result === 'cancel' || m.endedAt !== undefined) &&
        !sim.control.channels().some((c) => c.variables.cc_side === 'member')
      )
        return;
      if (Date.now() > t) throw new Error(`not settled: ${JSON.stringify(list)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { sim, api, call, log, settled };
}

async function esl_(sim: Simulator, sub: string): Promise<RawEsl> {
  const c = await RawEsl.connect(sim.port);
  closers.push(() => c.close());
  await c.login();
  c.send(sub);
  await c.until((f) => f.length >= 3);
  return c;
}
const cc = (fr: Frame[], action?: string) =>
  fr
    .filter((f) => f.event?.h['Event-Subclass'] === 'callcenter::info' && (!action || f.event.h['CC-Action'] === action))
    .map((f) => f.event!.h);

describe('strategies: who gets which call (tiers level 1, positions A=1 B=2 C=3)', () => {
  it('top-down (32): A, B (A busy), C (no answer, 4 s), then A again; the member keeps the last tier position', async () => {
    const w = await world({
      queues: { q_topdown: q('top-down') },
      tiers: ['q_topdown agentA 1 1', 'q_topdown agentB 1 2', 'q_topdown agentC 1 3'],
    });
    const c = await esl_(w.sim, 'event json CHANNEL_HANGUP_COMPLETE CUSTOM callcenter::info');
    for (const a of ['agentA', 'agentB', 'agentC']) await w.api(`agent set status ${a} Available`);
    w.call('0902000001', 'q_topdown');
    await sleep(2);
    w.call('0902000002', 'q_topdown');
    await sleep(2);
    const third = w.call('0902000003', 'q_topdown');
    await w.settled(3);
    expect(w.log.offerSequence()).toEqual(['agentA', 'agentB', 'agentC', 'agentA']);
    expect(w.log.offers().map((o) => o.result)).toEqual(['bridged', 'bridged', 'failed', 'bridged']);
    expect(w.log.offers()[2]!.cause).toBe('ALLOTTED_TIMEOUT');
    expect(w.log.bySession(third)!.agent).toBe('agentA');
    const hc = c.events().find((f) => f.event!.h['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE' && f.event!.h['Unique-ID'] === third)!.event!
      .h;
    expect([hc['variable_cc_last_agent_tier_position'], hc['variable_cc_last_agent_tier_level']]).toEqual(['1', '1']);
    // waitsec/waitmsec = bridge - creation; billsec counts the queue wait
    expect(Number(hc['variable_waitmsec'])).toBe(
      Math.floor((Number(hc['variable_bridge_uepoch']) - Number(hc['variable_start_uepoch'])) / 1000),
    );
    expect(Number(hc['variable_billmsec'])).toBeGreaterThan(Number(hc['variable_waitmsec']) - 100);
    const list = (await w.api('queue list agents q_topdown')).split('\n');
    expect(list[3]!.split('|').slice(16, 18)).toEqual(['1', '0']); // agentC: no_answer_count 1, calls_answered 0
  });

  it('round-robin (33): A, B, A, B with C On Break', async () => {
    const w = await world({ queues: { q_rr: q('round-robin') }, tiers: ['q_rr agentA 1 1', 'q_rr agentB 1 2', 'q_rr agentC 1 3'] });
    await w.api('agent set status agentA Available');
    await w.api('agent set status agentB Available');
    await w.api("agent set status agentC 'On Break'");
    for (let i = 1; i <= 4; i++) {
      w.call(`090100000${i}`, 'q_rr');
      await sleep(4.5);
    }
    await w.settled(4);
    expect(w.log.offerSequence()).toEqual(['agentA', 'agentB', 'agentA', 'agentB']);
    expect(w.log.offers().every((o) => o.result === 'bridged')).toBe(true);
  });

  it('agent-with-fewest-calls (34): A, A; B set Available (counters reset): B, B, then A on the 2:2 tie (position)', async () => {
    const w = await world({
      queues: { q_fewest: q('agent-with-fewest-calls') },
      tiers: ['q_fewest agentA 1 1', 'q_fewest agentB 1 2', 'q_fewest agentC 1 3'],
    });
    await w.api('agent set status agentA Available');
    await w.api("agent set status agentB 'On Break'");
    await w.api("agent set status agentC 'On Break'");
    w.call('0901000001', 'q_fewest');
    await sleep(4.5);
    w.call('0901000002', 'q_fewest');
    await sleep(4.5);
    await w.api('agent set status agentB Available');
    for (let i = 3; i <= 5; i++) {
      w.call(`090100000${i}`, 'q_fewest');
      await sleep(4.5);
    }
    await w.settled(5);
    expect(w.log.offerSequence()).toEqual(['agentA', 'agentA', 'agentB', 'agentB', 'agentA']);
    const rows = (await w.api('agent list'))
      .split('\n')
      .slice(1, 3)
      .map((r) => r.split('|')[17]);
    expect(rows).toEqual(['3', '2']); // calls_answered
  });

  it('random (35): only the Available agents, and a seed gives the same choices', async () => {
    const run = async () => {
      const w = await world({
        queues: { q_random: q('random') },
        tiers: ['q_random agentA 1 1', 'q_random agentB 1 2', 'q_random agentC 1 3'],
      });
      await w.api('agent set status agentA Available');
      await w.api('agent set status agentB Available');
      await w.api("agent set status agentC 'On Break'");
      for (let i = 1; i <= 6; i++) {
        w.call(`090100000${i}`, 'q_random');
        await sleep(4.5);
      }
      await w.settled(6);
      return w.log.offerSequence();
    };
    const [a, b] = await Promise.all([run(), run()]);
    expect(a).toEqual(b);
    expect(a).toHaveLength(6);
    expect(new Set(a)).toEqual(new Set(['agentA', 'agentB']));
  });

  it('longest-idle-agent (43, queue only on the xml_curl gateway, event json): A, B, then C twice while A and B idle', async () => {
    const gw = await gateway((f) =>
      f['CC-Queue'] === 'q_dyn_lia' ? queueDoc('q_dyn_lia', { strategy: 'longest-idle-agent', 'moh-sound': MOH }) : null,
    );
    const w = await world({ sim: { xmlCurlUrl: gw.url } });
    const c = await esl_(
      w.sim,
      'event json CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_HANGUP_COMPLETE BACKGROUND_JOB CUSTOM callcenter::info',
    );
    expect(await w.api('tier add q_dyn_lia agentA 1 1')).toBe('+OK\n'); // loads the queue through xml_curl
    expect(await w.api('tier add q_dyn_lia agentB 1 2')).toBe('+OK\n');
    expect(await w.api('tier add q_dyn_lia agentC 1 3')).toBe('+OK\n');
    expect(gw.posts.map((p) => p.fields['CC-Queue'])).toEqual(['q_dyn_lia']);
    for (const a of ['agentA', 'agentB', 'agentC']) await w.api(`agent set status ${a} Available`);
    w.call('0901000001', 'q_dyn_lia');
    await sleep(4.5);
    w.call('0901000002', 'q_dyn_lia');
    await sleep(4.5);
    const third = w.call('0902000003', 'q_dyn_lia');
    await w.settled(3);
    expect(w.log.offerSequence()).toEqual(['agentA', 'agentB', 'agentC', 'agentC']);
    expect(w.log.bySession(third)).toMatchObject({ result: 'cancel', cancelReason: 'BREAK_OUT' });
    expect(
      w.log
        .offers()
        .slice(2)
        .map((o) => o.cause),
    ).toEqual(['ALLOTTED_TIMEOUT', 'ORIGINATOR_CANCEL']);
    const end = cc(c.frames(), 'member-queue-end').at(-1)!;
    expect(end['CC-Cancel-Reason']).toBe('BREAK_OUT');
    expect(
      c
        .frames()
        .filter((f) => f.event)
        .every((f) => f.h['Content-Type'] === 'text/event-json'),
    ).toBe(true);
    // unloading a queue that still has Abandoned rows: the dispatcher loads it again (one more POST)
    expect(await w.api('queue count members q_dyn_lia')).toBe('1\n');
    expect(await w.api('queue unload q_dyn_lia')).toBe('+OK\n');
    await new Promise((r) => setTimeout(r, 100));
    expect(gw.posts.map((p) => p.fields['CC-Queue'])).toEqual(['q_dyn_lia', 'q_dyn_lia']);
    expect(w.sim.control.callcenter.state().queues.map((x) => x.name)).toEqual(['q_dyn_lia']);
  });
});

describe('waiting: wrap-up, limits, hanging up', () => {
  it('wrap-up (39): invisible; the next call is offered when more than wrap_up_time whole seconds have passed', async () => {
    const w = await world({ queues: { q_wrap: q('longest-idle-agent') }, tiers: ['q_wrap agentA 1 1'] });
    const c = await esl_(w.sim, 'event plain CUSTOM callcenter::info');
    await w.api('agent set wrap_up_time agentA 5');
    await w.api('agent set status agentA Available');
    w.call('0902000001', 'q_wrap');
    await sleep(6);
    w.call('0902000002', 'q_wrap');
    await sleep(1.5);
    expect((await w.api('agent list agentA')).split('\n')[1]!.split('|').slice(5, 7)).toEqual(['Available', 'Waiting']);
    expect((await w.api('queue list members q_wrap')).split('\n')[1]!.split('|')[15]).toBe('Waiting');
    await w.settled(2);
    const states = cc(c.frames(), 'agent-state-change').map((h) => h['CC-Agent-State']);
    expect(states).toEqual(['Receiving', 'In a queue call', 'Waiting', 'Receiving', 'In a queue call', 'Waiting']);
    const end1 = cc(c.frames(), 'bridge-agent-end')[0]!;
    const offer2 = cc(c.frames(), 'bridge-agent-start')[1]!;
    expect(Number(offer2['CC-Agent-Called-Time'])).toBe(Number(end1['CC-Bridge-Terminated-Time']) + 6);
  });

  it('all agents On Break (42): max-wait-time ends the wait (TIMEOUT after 8 whole seconds), never the no-agent limit', async () => {
    const w = await world({
      queues: {
        q_wait: q('longest-idle-agent', {
          'max-wait-time': 8,
          'max-wait-time-with-no-agent': 3,
          'max-wait-time-with-no-agent-time-reached': 2,
        }),
      },
      tiers: ['q_wait agentA 1 1', 'q_wait agentB 1 2'],
    });
    const c = await esl_(w.sim, 'event plain CHANNEL_HANGUP_COMPLETE CUSTOM callcenter::info');
    await w.api("agent set status agentA 'On Break'");
    await w.api("agent set status agentB 'On Break'");
    const uuid = w.call('0903000001', 'q_wait');
    await w.settled(1);
    const m = w.log.bySession(uuid)!;
    expect([m.result, m.cancelReason, m.leftEpoch! - m.joinedEpoch]).toEqual(['cancel', 'TIMEOUT', 8]);
    expect(w.log.offers()).toEqual([]);
    await c.until((f) => f.some((x) => x.event?.h['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE'));
    const hc = c.events().find((f) => f.event!.h['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE')!.event!.h;
    expect(hc['variable_sip_hangup_disposition']).toBe('send_bye');
    expect(cc(c.frames()).map((h) => h['CC-Action'])).toEqual([
      'agent-status-change',
      'agent-status-change',
      'member-queue-start',
      'members-count',
      'member-queue-end',
      'members-count',
    ]);
    expect(cc(c.frames(), 'members-count').map((h) => h['CC-Count'])).toEqual(['1', '0']);
    // the Abandoned row stays: counted by `queue count members`, not by members-count
    expect(await w.api('queue count members q_wait')).toBe('1\n');
    expect((await w.api('queue list members q_wait')).split('\n')[1]).toMatch(
      /^q_wait\|single_box\|[0-9a-f-]{36}\|\|0903000001\|Outbound Call\|\d+\|\d+\|0\|0\|\d+\|\d+\|0\|\|\|Abandoned\|\d+$/,
    );
  });

  it('abandoned rows go after discard-abandoned-after', async () => {
    const w = await world({ queues: { q_short: q('longest-idle-agent', { 'max-wait-time': 1, 'discard-abandoned-after': 2 }) } });
    w.call('0903000001', 'q_short');
    await w.settled(1);
    expect(await w.api('queue count members q_short')).toBe('1\n');
    await sleep(4);
    expect(await w.api('queue count members q_short')).toBe('0\n');
  });

  it('[call_timeout=4] in the contact is ignored (45): the agent rings until the customer leaves; not a no-answer', async () => {
    const w = await world({ queues: { q_noanswer: q('longest-idle-agent') }, tiers: ['q_noanswer agentC 1 1'] });
    await w.api('agent set contact agentC [call_timeout=4]sofia/cr/agentC@127.0.0.1:5603');
    await w.api('agent set status agentC Available');
    const uuid = w.call('0903000001', 'q_noanswer');
    await w.settled(1);
    expect(w.log.offers().map((o) => [o.agent, o.result, o.cause])).toEqual([['agentC', 'failed', 'ORIGINATOR_CANCEL']]);
    expect(w.log.bySession(uuid)).toMatchObject({ result: 'cancel', cancelReason: 'BREAK_OUT' });
    const row = (await w.api('agent list agentC')).split('\n')[1]!.split('|');
    expect([row[16], row[19]]).toEqual(['0', '0']); // no_answer_count, ready_time
    expect((await w.api('tier list')).split('\n')[1]).toBe('q_noanswer|agentC|Ready|1|1');
  });

  it('busy and unregistered phones: busy_delay_time, 5 s for USER_NOT_REGISTERED; the member waits on', async () => {
    const w = await world({
      queues: { q_lia: q('longest-idle-agent') },
      tiers: ['q_lia agentA 1 1'],
      rules: {},
    });
    w.sim.control.callcenter.setEndpointRule('agentA', [
      { action: 'busy', ringMs: ms(0.2) },
      { action: 'answer', ringMs: ms(0.2), talkMs: ms(1) },
    ]);
    await w.api('agent set busy_delay_time agentA 3');
    await w.api('agent set status agentA Available');
    const uuid = w.call('0902000001', 'q_lia');
    await w.settled(1);
    const [first, second] = w.log.offers();
    expect([first!.result, first!.cause, second!.result]).toEqual(['failed', 'USER_BUSY', 'bridged']);
    expect(second!.offeredEpoch - first!.offeredEpoch).toBeGreaterThanOrEqual(3);
    expect(w.log.bySession(uuid)!.agent).toBe('agentA');
    // user/… with no registration: refused without a channel, the agent rests 5 s
    await w.api('agent set contact agentA user/1001@example.com');
    w.sim.control.callcenter.setEndpointRule('1001', { action: 'unregistered' });
    const before = w.sim.control.channels().length;
    w.call('0901000009', 'q_lia');
    const fail = await w.log.waitForOffer((o) => o.cause === 'USER_NOT_REGISTERED', 3000);
    expect(fail.legUuid).toBeUndefined();
    expect(w.sim.control.channels().length).toBeLessThanOrEqual(before + 1);
    const row = (await w.api('agent list agentA')).split('\n')[1]!.split('|');
    expect(Number(row[19])).toBe(fail.offeredEpoch + 5);
  });

  it('a user/… contact rings as sofia/internal/<ext>@<domain>; agent-originate-timeout ends the ringing with NO_ANSWER', async () => {
    const w = await world({ queues: { q_lia: q('longest-idle-agent') }, tiers: ['q_lia agentA 1 1'], rules: {} });
    const cc = w.sim.control.callcenter;
    await w.api('agent set contact agentA {cc_note=x}[leg_timeout=10]user/1001@pbx.example');
    cc.setEndpointRule('1001', [{ action: 'noanswer' }, { action: 'answer', ringMs: ms(0.5), talkMs: ms(1) }]);
    w.sim.control.setRules({
      ...w.sim.control.getRules(),
      callcenter: { ...w.sim.control.getRules().callcenter, agentOriginateTimeout: 2 },
    });
    await w.api('agent set status agentA Available');
    const uuid = w.call('0902000001', 'q_lia');
    await w.settled(1);
    const [first, second] = w.log.offers();
    expect([first!.result, first!.cause, second!.result]).toEqual(['failed', 'NO_ANSWER', 'bridged']);
    expect(w.log.bySession(uuid)!.agent).toBe('agentA');
    expect(first!.contact).toBe('{cc_note=x}[leg_timeout=10]user/1001@pbx.example');
    const row = (await w.api('agent list agentA')).split('\n')[1]!.split('|');
    expect(row[16]).toBe('0'); // no_answer_count: back to 0 once an agent call is bridged
  });

  it('an agent who answers and hangs up at once: not bridged, the member waits again; within the bridge set-up: a bridge that ended at once', async () => {
    const w = await world({ queues: { q_lia: q('longest-idle-agent') }, tiers: ['q_lia agentA 1 1'], sim: { timeScale: 1 } });
    w.sim.control.callcenter.setEndpointRule('agentA', [
      { action: 'answer', ringMs: 10, talkMs: 0 },
      { action: 'answer', ringMs: 10, talkMs: 25 },
      { action: 'answer', ringMs: 10, talkMs: 200 },
    ]);
    await w.api('agent set status agentA Available');
    const first = w.call('0902000001', 'q_lia');
    await w.log.waitForOffer((o) => o.result === 'bridged', 5000);
    await new Promise((r) => setTimeout(r, 400));
    expect(w.log.offers().map((o) => o.result)).toEqual(['unbridged', 'bridged']);
    // the second agent leg hung up 25 ms after its answer, inside the 20-40 ms before CF_BRIDGED
    expect(w.log.bySession(first)).toMatchObject({ result: 'answered', agent: 'agentA' });
    expect(w.log.bySession(first)!.endedAt).toBeDefined();
    expect(await w.api('queue count members q_lia')).toBe('0\n');
    expect((await w.api('agent list agentA')).split('\n')[1]!.split('|').slice(5, 7)).toEqual(['Available', 'Waiting']);
  });

  it('callcenter_break agent <uuid>: the thread lets go (bridge-agent-end, member-queue-end) while the legs stay bridged', async () => {
    const w = await world({ queues: { q_lia: q('longest-idle-agent') }, tiers: ['q_lia agentB 1 1'] });
    const c = await esl_(w.sim, 'event plain CUSTOM callcenter::info');
    await w.api('agent set status agentB Available');
    w.call('0902000001', 'q_lia');
    const o = await w.log.waitForOffer((x) => x.result === 'bridged', 3000);
    expect(await w.sim.control.callcenter.api('callcenter_break', `agent ${o.legUuid}`)).toBe('');
    await c.until((f) => cc(f, 'member-queue-end').length === 1);
    expect(w.sim.control.channels().map((x) => x.uuid)).toContain(o.legUuid);
    expect(
      cc(c.frames())
        .map((h) => h['CC-Action'])
        .slice(-3),
    ).toEqual(['bridge-agent-end', 'member-queue-end', 'agent-state-change']);
    expect(await w.sim.control.callcenter.api('callcenter_break', 'agent nope')).toBe('-ERR Session not found for uuid nope\n');
  });
});

describe('uuid-standby agents, restart', () => {
  it('a uuid-standby agent is bridged to its own channel, which stays up after the member leaves; a gone uuid logs the agent out', async () => {
    const w = await world({ queues: { q_lia: q('longest-idle-agent') } });
    await w.api('agent add agentS uuid-standby');
    await w.api('tier add q_lia agentS 1 1');
    expect(await w.sim.control.api('originate {origination_uuid=standby-1}sofia/gateway/gw/0903999999 &park()')).toBe('+OK standby-1\n');
    await w.api('agent set uuid agentS standby-1');
    await w.api('agent set status agentS Available');
    const uuid = w.call('0901000001', 'q_lia');
    await w.log.waitForMember((m) => m.sessionUuid === uuid && m.endedAt !== undefined, 3000);
    expect(w.log.offers().map((o) => [o.agent, o.legUuid, o.result])).toEqual([['agentS', 'standby-1', 'bridged']]);
    await new Promise((r) => setTimeout(r, ms(1)));
    expect(w.sim.control.channels().map((c) => c.uuid)).toEqual(['standby-1']);
    expect(await w.api('agent get uuid agentS')).toBe('standby-1'); // a standby agent keeps its uuid
    await w.sim.control.api('uuid_kill standby-1');
    w.call('0901000002', 'q_lia');
    const fail = await w.log.waitForOffer((o) => o.result === 'failed', 3000);
    expect(fail.cause).toBe('NONE');
    expect(await w.api('agent get status agentS')).toBe('Logged Out');
  });

  it('FreeSWITCH restarts: members Abandoned, agents Waiting without uuid, queues loaded again', async () => {
    const w = await world({ queues: { q_lia: q('longest-idle-agent') }, tiers: ['q_lia agentB 1 1'] });
    await w.api('agent set status agentB Available');
    w.call('0902000001', 'q_lia');
    await w.log.waitForOffer((o) => o.result === 'bridged', 3000);
    await w.sim.restart();
    const st = w.sim.control.callcenter.state();
    expect(st.members.map((m) => [m.state, m.sessionUuid])).toEqual([['Abandoned', '']]);
    expect(st.agents.find((a) => a.name === 'agentB')).toMatchObject({ state: 'Waiting', uuid: '', status: 'Available' });
    expect(st.queues.map((x) => x.name)).toEqual(['q_lia']);
    expect(await w.api('tier list')).toBe('queue|agent|state|level|position\nq_lia|agentB|Ready|1|1\n+OK\n');
  });
});

describe('configuration: xml_curl and static', () => {
  it('a queue the gateway serves, a static one on "not found", none when the gateway answers without it; gateway down → static', async () => {
    let mode: 'serve' | 'empty' = 'serve';
    const gw = await gateway((f) => {
      if (f['CC-Queue'] === 'q_gw')
        return mode === 'serve'
          ? queueDoc('q_gw', { strategy: 'top-down', 'max-wait-time': 45, 'agent-no-answer-status': 'Bogus' })
          : queueDoc('q_other', {});
      return null;
    });
    const w = await world({ queues: { q_static: q('ring-all') }, tiers: [], sim: { xmlCurlUrl: gw.url } });
    expect(await w.api('queue load q_gw')).toBe('+OK\n');
    expect(await w.api('queue load q_static')).toBe('+OK\n');
    expect(await w.api('queue load q_none')).toBe('-ERR Invalid Queue not found!\n');
    const list = (await w.api('queue list')).split('\n');
    const gwRow = list.find((l) => l.startsWith('q_gw|'))!.split('|');
    expect([gwRow[1], gwRow[2], gwRow[3], gwRow[10], gwRow[18]]).toEqual(['top-down', '', 'queue', '45', 'On Break']); // defaults for what is not served
    mode = 'empty';
    expect(await w.api('queue reload q_gw')).toBe('-ERR Invalid Queue not found!\n'); // a callcenter.conf without it: no fallback
    expect(gw.posts.map((p) => p.fields['CC-Queue'])).toEqual(['q_gw', 'q_static', 'q_none', 'q_gw']);
    // &callcenter(<q>) loads its queue too
    mode = 'serve';
    await w.api('tier add q_gw agentA 1 1');
    await w.api('agent set status agentA Available');
    w.sim.control.callcenter.setXmlCurlUrl('http://127.0.0.1:1/down');
    expect(await w.api('queue load q_static')).toBe('+OK\n'); // unreachable gateway: static XML
    w.sim.control.callcenter.setXmlCurlUrl(gw.url);
    expect(await w.api('queue unload q_gw')).toBe('+OK\n');
    const uuid = w.call('0901000001', 'q_gw');
    await w.settled(1);
    expect(w.log.bySession(uuid)!.agent).toBe('agentA');
    expect(gw.posts.at(-1)!.fields['CC-Queue']).toBe('q_gw');
    expect(w.sim.control.callcenter.xmlCurlRequests().map((r) => r.outcome)).toEqual([
      'used',
      'not found',
      'not found',
      'used',
      'used',
      'unreachable',
      'used',
    ]);
  });

  it('static agents and tiers load at start; reloadxml picks up a new static queue; json queue list', async () => {
    const sim = await startSimulator({
      port: 0,
      rules: {
        callcenter: {
          queues: { q1: { strategy: 'ring-all' } },
          agents: {
            a1: { type: 'Callback', contact: 'user/1001@example.com', status: 'Available', 'max-no-answer': 3, 'wrap-up-time': 10 },
          },
          tiers: [{ queue: 'q1', agent: 'a1', level: 2, position: 4 }],
        },
      },
    });
    sims.push(sim);
    const api = (a: string) => sim.control.callcenter.api('callcenter_config', a);
    expect((await api('agent list a1')).split('\n')[1]).toMatch(
      /^a1\|single_box\|\|Callback\|user\/1001@example\.com\|Available\|Waiting\|3\|10\|0\|0\|0\|0\|0\|0\|\d+\|0\|0\|0\|0\|0$/,
    );
    expect(await api('tier list')).toBe('queue|agent|state|level|position\nq1|a1|Ready|2|4\n+OK\n');
    sim.control.setRules({
      ...sim.control.getRules(),
      callcenter: { ...sim.control.getRules().callcenter, queues: { q1: { strategy: 'ring-all' }, q2: {} } },
    });
    expect(await api('queue load q2')).toBe('-ERR Invalid Queue not found!\n');
    expect(await sim.control.api('reloadxml')).toBe('+OK [Success]\n');
    expect(await api('queue load q2')).toBe('+OK\n');
    const json = JSON.parse(await sim.control.api('json {"command":"callcenter_config","data":{"arguments":"queue list"}}'));
    expect(json.status).toBe('success');
    expect(json.response.map((x: { name: string; strategy: string }) => [x.name, x.strategy])).toEqual([
      ['q2', 'longest-idle-agent'],
      ['q1', 'ring-all'],
    ]);
    expect(Object.keys(json.response[0])).not.toContain('moh_sound'); // NULL params are left out
    expect(await sim.control.api('json {"command":"nope","data":{}}')).toBe(
      '{"command":"nope","data":{},"status":"error","message":"Invalid request or non-existant command","response":null}\n',
    );
  });
});

describe('control API', () => {
  it('state, log, endpoint rules and static queues over HTTP', async () => {
    const w = await world({ queues: { q_lia: q('longest-idle-agent') }, tiers: ['q_lia agentA 1 1'] });
    const ctl = await startControlServer(w.sim, 0);
    closers.push(() => ctl.close());
    const base = `http://127.0.0.1:${ctl.port}`;
    const put = (p: string, body: unknown) => fetch(base + p, { method: 'PUT', body: JSON.stringify(body) }).then((r) => r.json());
    expect(await put('/callcenter/endpoints/agentA', { action: 'answer', ringMs: ms(0.3), talkMs: ms(1) })).toEqual({
      action: 'answer',
      ringMs: ms(0.3),
      talkMs: ms(1),
    });
    await w.api('agent set status agentA Available');
    w.call('0902000001', 'q_lia');
    await w.settled(1);
    const log = await fetch(base + '/callcenter/log').then((r) => r.json());
    expect(log.agents.agentA).toMatchObject({ offers: 1, answers: 1, bridged: 1, orphans: 0 });
    expect(log.agents.agentA.talkMs).toBeGreaterThan(0);
    expect(log.members[0]).toMatchObject({ queue: 'q_lia', result: 'answered', agent: 'agentA' });
    const state = await fetch(base + '/callcenter').then((r) => r.json());
    expect(state.agents.map((a: { name: string; callsAnswered: number }) => [a.name, a.callsAnswered])).toEqual([
      ['agentA', 1],
      ['agentB', 0],
      ['agentC', 0],
    ]);
    await put('/callcenter/queues/q_new', { strategy: 'random' });
    expect(await w.api('queue load q_new')).toBe('+OK\n');
    const clock = await fetch(base + '/callcenter/clock', { method: 'POST', body: JSON.stringify({ epochMs: 1_800_000_000_000 }) }).then(
      (r) => r.json(),
    );
    expect(clock.epoch).toBe(1_800_000_000);
  });
});

describe('end to end through modesl (as the product will use it)', () => {
  it('connect, event plain … CUSTOM callcenter::info, bgapi originate &callcenter(q): join, agent, bridge, end', async () => {
    const w = await world({ queues: { q_sales: q('longest-idle-agent') }, tiers: ['q_sales agentA 1 1'] });
    await w.api('agent set status agentA Available');
    const conn = await new Promise<InstanceType<typeof esl.Connection>>((resolve) => {
      const x: InstanceType<typeof esl.Connection> = new esl.Connection('127.0.0.1', w.sim.port, 'ClueCon', () => resolve(x));
    });
    conn.socket?.on('error', () => undefined);
    conn.on('error', () => undefined);
    closers.push(() => conn.disconnect());
    const got: Array<Record<string, string>> = [];
    conn.on('esl::event::CUSTOM::*', (e: { headers: Array<{ name: string; value: string }> }) =>
      got.push(Object.fromEntries(e.headers.map((h) => [h.name, h.value]))),
    );
    await new Promise<void>((r) =>
      conn.events(
        'plain',
        'CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_HANGUP_COMPLETE BACKGROUND_JOB CUSTOM callcenter::info',
        () => r(),
      ),
    );
    const uuid = '5f0a4a36-5c4b-4f7e-9d0e-3f61d51d7c01';
    const job = await new Promise<string>((r) =>
      conn.bgapi(
        `originate {origination_uuid=${uuid},origination_caller_id_number=0280000000,campaign_uuid=c-e2e,lead_uuid=l-e2e}sofia/gateway/gw/0901000001 &callcenter(q_sales)`,
        (e: { getBody(): string }) => r(e.getBody()),
      ),
    );
    expect(job).toBe(`+OK ${uuid}\n`);
    const t = Date.now() + 4000;
    const done = () => got.some((h) => h['CC-Action'] === 'member-queue-end') && got.at(-1)!['CC-Agent-State'] === 'Waiting';
    while (!done() && Date.now() < t) await new Promise((r) => setTimeout(r, 10));
    const actions = got.map((h) => h['CC-Action']);
    expect(actions).toEqual([
      'member-queue-start',
      'members-count',
      'agent-state-change',
      'agent-offering',
      'bridge-agent-start',
      'members-count',
      'agent-state-change',
      'bridge-agent-end',
      'member-queue-end',
      'agent-state-change',
    ]);
    const start = got[0]!;
    expect([
      start['Event-Subclass'],
      start['CC-Queue'],
      start['CC-Member-Session-UUID'],
      start['variable_lead_uuid'],
      start['CC-Member-CID-Name'],
    ]).toEqual(['callcenter::info', 'q_sales', uuid, 'l-e2e', 'Outbound Call']);
    const bridge = got.find((h) => h['CC-Action'] === 'bridge-agent-start')!;
    expect(bridge['CC-Agent']).toBe('agentA');
    expect(got.find((h) => h['CC-Action'] === 'member-queue-end')!['CC-Cause']).toBe('Terminated');
  });
});

// ------------------------------------------------------------------------------------ helpers

const queueDoc = (name: string, params: Record<string, string | number>) =>
  `<document type="freeswitch/xml"><section name="configuration"><configuration name="callcenter.conf"><queues><queue name="${name}">${Object.entries(
    params,
  )
    .map(([k, v]) => `<param name="${k}" value="${v}"/>`)
    .join('')}</queue></queues></configuration></section></document>`;

async function gateway(
  answer: (fields: Record<string, string>) => string | null,
): Promise<{ url: string; posts: Array<{ fields: Record<string, string> }> }> {
  const posts: Array<{ fields: Record<string, string> }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const fields = Object.fromEntries(new URLSearchParams(body));
      posts.push({ fields });
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(answer(fields) ?? '<document type="freeswitch/xml"><section name="result"><result status="not found"/></section></document>');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  closers.push(() => new Promise((r) => server.close(r)));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/fsxml`, posts };
}
