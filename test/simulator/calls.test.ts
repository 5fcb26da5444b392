// Call behaviour of the simulator: rules per number, dial strings, apps, limits, faults, call log,
// control API. Driven through a raw socket subscribed to everything (json) plus the in-process control.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { startControlServer, type ControlServer } from '../../simulator/control-http.ts';
import { RawEsl, type Frame } from './raw.ts';

let sim: Simulator;
let c: RawEsl;
const rules = {
  limits: { maxSessions: 1000, sessionsPerSecond: 100000 },
  // The apps below play /no-such-dir/*.wav files that do not exist (under /tmp a stray file of the
  // same name played its real length and outlasted the test's waits): they play mediaMs as before
  // the simulator read files (on FreeSWITCH, and by default, they are FILE NOT FOUND).
  missingMedia: 'play' as const,
  numbers: {
    '0900000001': { action: 'answer' as const, ringMs: 5, talkMs: 20 },
    '0900000002': { action: 'busy' as const },
    '0900000003': { action: 'noanswer' as const },
    '0900000004': { action: 'unallocated' as const },
    '0900000005': { action: 'rejected' as const },
    '0900000006': { action: 'congestion' as const },
    '0900000007': { action: 'gateway_down' as const },
    '0900000008': { action: 'machine' as const, ringMs: 5, beepMs: 5, talkMs: 50, avmdAuto: true }, // detection without avmd_start, as before mod_avmd was simulated
    '0900000009': { action: 'answer' as const, ringMs: 5, talkMs: null, digits: '42' },
    '0911*': { action: 'busy' as const },
    '0912000001': [{ action: 'busy' as const }, { action: 'answer' as const, ringMs: 1, talkMs: 1 }],
    early: { action: 'noanswer' as const, earlyMedia: true },
    hold: { action: 'answer' as const, ringMs: 1, talkMs: null },
    slow: { action: 'answer' as const, ringMs: 40, talkMs: null },
  },
};

beforeAll(async () => {
  sim = await startSimulator({ port: 0, timeScale: 0.005, rules });
  c = await RawEsl.connect(sim.port);
  await c.login();
  c.send('event json ALL');
  await c.until((f) => f.length >= 3);
});
afterAll(async () => {
  c.close();
  await sim.close();
});
afterEach(() => {
  sim.control.clearFaults();
});

const evs = (uuid: string): Frame[] => c.events().filter((f) => f.event!.h['Unique-ID'] === uuid);
const evNames = (uuid: string) => evs(uuid).map((f) => f.event!.h['Event-Name']!);
const ev = (uuid: string, name: string) => evs(uuid).find((f) => f.event!.h['Event-Name'] === name)?.event?.h;
const destroyed = (uuid: string, t = 3000) => c.until(() => evNames(uuid).includes('CHANNEL_DESTROY'), t);
const originate = (dial: string, app = '&park()') => sim.control.api(`originate ${dial} ${app}`);

describe('outcomes per called number', () => {
  it('answer, talk, callee hangs up: NORMAL_CLEARING with timing variables', async () => {
    expect(await originate('{origination_uuid=t-ans,originate_timeout=10,campaign_uuid=c9,lead_uuid=l9}sofia/gateway/gw1/0900000001')).toBe(
      '+OK t-ans\n',
    );
    await destroyed('t-ans');
    expect(
      evNames('t-ans').filter(
        (n) =>
          n.startsWith('CHANNEL_') &&
          ![
            'CHANNEL_STATE',
            'CHANNEL_CALLSTATE',
            'CHANNEL_OUTGOING',
            'CHANNEL_EXECUTE',
            'CHANNEL_EXECUTE_COMPLETE',
            'CHANNEL_PARK',
          ].includes(n),
      ),
    ).toEqual(['CHANNEL_CREATE', 'CHANNEL_PROGRESS', 'CHANNEL_ANSWER', 'CHANNEL_HANGUP', 'CHANNEL_HANGUP_COMPLETE', 'CHANNEL_DESTROY']);
    const hc = ev('t-ans', 'CHANNEL_HANGUP_COMPLETE')!;
    expect(hc['Hangup-Cause']).toBe('NORMAL_CLEARING');
    expect(hc['variable_sip_hangup_disposition']).toBe('recv_bye');
    expect(hc['variable_campaign_uuid']).toBe('c9');
    expect(hc['variable_lead_uuid']).toBe('l9');
    expect(hc['Caller-Destination-Number']).toBe('0900000001');
    expect(Number(hc['variable_billmsec'])).toBeGreaterThanOrEqual(15);
    expect(Number(hc['variable_answermsec'])).toBeGreaterThanOrEqual(4);
    expect(Number(hc['variable_uduration'])).toBe(Number(hc['variable_end_uepoch']) - Number(hc['variable_start_uepoch']));
    expect(ev('t-ans', 'CHANNEL_CREATE')!['variable_campaign_uuid']).toBe('c9');
    expect(ev('t-ans', 'CHANNEL_EXECUTE')!['Application']).toBe('park');
  });

  it.each([
    ['0900000002', 'USER_BUSY', '17', '486'],
    ['0900000004', 'UNALLOCATED_NUMBER', '1', '404'],
    ['0900000005', 'CALL_REJECTED', '21', '603'],
    ['0900000006', 'NORMAL_CIRCUIT_CONGESTION', '34', '503'],
    ['0911555000', 'USER_BUSY', '17', '486'],
  ])('%s refused with %s', async (num, cause, q850, sip) => {
    const u = `t-${num}`;
    expect(await originate(`{origination_uuid=${u}}sofia/gateway/gw1/${num}`)).toBe(`-ERR ${cause}\n`);
    await destroyed(u);
    const hc = ev(u, 'CHANNEL_HANGUP_COMPLETE')!;
    expect(hc['variable_hangup_cause']).toBe(cause);
    expect(hc['variable_hangup_cause_q850']).toBe(q850);
    expect(hc['variable_sip_term_status']).toBe(sip);
    expect(hc['variable_billsec']).toBe('0');
    expect(evNames(u)).not.toContain('CHANNEL_ANSWER');
  });

  it('no answer until originate_timeout (scaled)', async () => {
    const t0 = Date.now();
    expect(await originate('{origination_uuid=t-na,originate_timeout=4}sofia/gateway/gw1/0900000003')).toBe('-ERR NO_ANSWER\n');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(15); // 4 s * 0.005
    await destroyed('t-na');
    expect(ev('t-na', 'CHANNEL_HANGUP')!['Hangup-Cause']).toBe('NO_ANSWER');
  });

  it('early media: ignore_early_media=true still ends NO_ANSWER; false succeeds on 183', async () => {
    expect(await originate('{origination_uuid=t-em1,originate_timeout=2,ignore_early_media=true}sofia/gateway/gw1/early')).toBe(
      '-ERR NO_ANSWER\n',
    );
    await destroyed('t-em1');
    expect(evNames('t-em1')).toContain('CHANNEL_PROGRESS_MEDIA');
    expect(await originate('{origination_uuid=t-em2,originate_timeout=2}sofia/gateway/gw1/early')).toBe('+OK t-em2\n');
    await c.until(() => evNames('t-em2').includes('CHANNEL_PROGRESS_MEDIA'));
    expect(ev('t-em2', 'CHANNEL_PROGRESS_MEDIA')!['Answer-State']).toBe('early');
    expect(await sim.control.api('uuid_exists t-em2')).toBe('true');
    await sim.control.api('uuid_kill t-em2');
    await destroyed('t-em2');
  });

  it('gateway down, unknown gateway, unknown profile: no channel at all', async () => {
    expect(await originate('{origination_uuid=t-gd}sofia/gateway/gw1/0900000007')).toBe('-ERR GATEWAY_DOWN\n');
    sim.control.setGateway('gwA', { status: 'UP' });
    sim.control.setGateway('gwB', { status: 'DOWN' });
    expect(await originate('{origination_uuid=t-gd2}sofia/gateway/gwB/0900000001')).toBe('-ERR GATEWAY_DOWN\n');
    expect(await originate('{origination_uuid=t-ig}sofia/gateway/nosuch/0900000001')).toBe('-ERR INVALID_GATEWAY\n');
    expect(await originate('{origination_uuid=t-ip}sofia/nosuchprofile/0900000001@x')).toBe('-ERR INVALID_PROFILE\n');
    for (const u of ['t-gd', 't-gd2', 't-ig', 't-ip']) expect(evs(u)).toHaveLength(0);
    sim.control.setRules({ ...sim.control.getRules(), gateways: undefined });
  });

  it('answering machine: amd_result, avmd events', async () => {
    await originate('{origination_uuid=t-am}sofia/gateway/gw1/0900000008');
    await destroyed('t-am');
    const subs = evs('t-am')
      .filter((f) => f.event!.h['Event-Name'] === 'CUSTOM')
      .map((f) => f.event!.h['Event-Subclass']);
    expect(subs).toEqual(['avmd::start', 'avmd::beep']);
    expect(ev('t-am', 'CHANNEL_HANGUP_COMPLETE')!['variable_amd_result']).toBe('MACHINE');
  });

  it('per-attempt rule lists: busy first, answered on the recall', async () => {
    expect(await originate('{origination_uuid=t-seq1}sofia/gateway/gw1/0912000001')).toBe('-ERR USER_BUSY\n');
    expect(await originate('{origination_uuid=t-seq2}sofia/gateway/gw1/0912000001')).toBe('+OK t-seq2\n');
    await destroyed('t-seq2');
  });
});

describe('dial strings and applications', () => {
  it('{} and [] variables come back as variable_*; caller id from origination_caller_id_*', async () => {
    await originate("{origination_uuid=t-v,x_a=1,x_b='two words'}[x_leg=L,x_a=override]sofia/gateway/gw1/hold");
    await c.until(() => evNames('t-v').includes('CHANNEL_CREATE'));
    const h = ev('t-v', 'CHANNEL_CREATE')!;
    expect(h['variable_x_a']).toBe('override');
    expect(h['variable_x_b']).toBe('two words');
    expect(h['variable_x_leg']).toBe('L');
    await originate('{origination_uuid=t-cid,origination_caller_id_number=02873000000}sofia/gateway/gw1/busy');
    await c.until(() => evNames('t-cid').includes('CHANNEL_CREATE'));
    expect(ev('t-cid', 'CHANNEL_CREATE')!['Caller-Caller-ID-Number']).toBe('02873000000');
    await sim.control.api('uuid_kill t-v');
    await destroyed('t-v');
  });

  it('`,` rings at once: first answer wins, the other leg loses the race', async () => {
    const r = await originate('[origination_uuid=t-p1]sofia/gateway/gw1/slow,[origination_uuid=t-p2]sofia/gateway/gw1/hold');
    expect(r).toBe('+OK t-p2\n');
    await destroyed('t-p1');
    expect(ev('t-p1', 'CHANNEL_HANGUP')!['Hangup-Cause']).toBe('LOSE_RACE');
    expect(evNames('t-p1')).not.toContain('CHANNEL_ANSWER');
    await sim.control.api('uuid_kill t-p2');
  });

  it('`|` tries one after another', async () => {
    const r = await originate(
      '{originate_timeout=10}[origination_uuid=t-s1]sofia/gateway/gw1/0900000002|[origination_uuid=t-s2]sofia/gateway/gw1/hold',
    );
    expect(r).toBe('+OK t-s2\n');
    const create2 = c.events().findIndex((f) => f.event!.h['Unique-ID'] === 't-s2' && f.event!.h['Event-Name'] === 'CHANNEL_CREATE');
    const hang1 = c.events().findIndex((f) => f.event!.h['Unique-ID'] === 't-s1' && f.event!.h['Event-Name'] === 'CHANNEL_HANGUP');
    expect(hang1).toBeGreaterThanOrEqual(0);
    expect(create2).toBeGreaterThan(hang1);
    await sim.control.api('uuid_kill t-s2');
  });

  it('origination_uuid in the global block with two legs: the second leg is never created', async () => {
    const r = await originate('{origination_uuid=t-dup}sofia/gateway/gw1/0900000002|sofia/gateway/gw1/hold');
    expect(r).toBe('-ERR DESTINATION_OUT_OF_ORDER\n');
    await destroyed('t-dup'); // the api reply may come before the call's events (as on FreeSWITCH)
    expect(evs('t-dup').filter((f) => f.event!.h['Event-Name'] === 'CHANNEL_CREATE')).toHaveLength(1);
    const entry = sim.callLog.entries().find((e) => e.variables.origination_uuid === 't-dup')!;
    expect(entry.legs.map((l) => [l.channel, l.cause])).toEqual([
      [true, 'USER_BUSY'],
      [false, 'DESTINATION_OUT_OF_ORDER'],
    ]);
  });

  it('&playback then hangup; play_and_get_digits collects the callee digits', async () => {
    await originate('{origination_uuid=t-pb}sofia/gateway/gw1/hold', '&playback(/no-such-dir/x.wav)');
    await destroyed('t-pb');
    expect(ev('t-pb', 'CHANNEL_EXECUTE_COMPLETE')!['Application-Response']).toBe('FILE PLAYED');
    expect(ev('t-pb', 'CHANNEL_HANGUP_COMPLETE')!['variable_last_app']).toBe('playback');

    await originate(
      '{origination_uuid=t-dg}sofia/gateway/gw1/0900000009',
      '&play_and_get_digits(1 2 1 3000 # /no-such-dir/ask.wav /no-such-dir/bad.wav choice \\d+)',
    );
    await c.until(() => evs('t-dg').some((f) => f.event!.h['Event-Name'] === 'CHANNEL_EXECUTE_COMPLETE'));
    expect(
      evs('t-dg')
        .filter((f) => f.event!.h['Event-Name'] === 'DTMF')
        .map((f) => f.event!.h['DTMF-Digit']),
    ).toEqual(['4', '2']);
    await destroyed('t-dg');
    expect(ev('t-dg', 'CHANNEL_HANGUP_COMPLETE')!['variable_choice']).toBe('42');
  });

  it('uuid_broadcast on a parked call runs the app and returns to park; speak; hangup::', async () => {
    await originate('{origination_uuid=t-bc}sofia/gateway/gw1/hold');
    expect(await sim.control.api('uuid_broadcast t-bc /no-such-dir/hello.wav aleg')).toBe('+OK Message sent\n');
    await c.until(() =>
      evs('t-bc').some((f) => f.event!.h['Event-Name'] === 'CHANNEL_EXECUTE_COMPLETE' && f.event!.h['Application'] === 'playback'),
    );
    expect(await sim.control.api('uuid_exists t-bc')).toBe('true');
    await sim.control.api('uuid_broadcast t-bc speak::flite|kal|Xin chao');
    await c.until(() =>
      evs('t-bc').some((f) => f.event!.h['Event-Name'] === 'CHANNEL_EXECUTE_COMPLETE' && f.event!.h['Application'] === 'speak'),
    );
    await sim.control.api('uuid_broadcast t-bc hangup::USER_BUSY');
    await destroyed('t-bc');
    expect(ev('t-bc', 'CHANNEL_HANGUP')!['Hangup-Cause']).toBe('USER_BUSY');
    expect(await sim.control.api('uuid_broadcast t-bc /no-such-dir/x.wav')).toBe('-ERR No such channel!\n');
  });

  it('show channels / calls, hupall', async () => {
    await sim.control.api('hupall');
    await c.until(() => sim.control.channels().length === 0);
    await originate('{origination_uuid=t-h1,grp=g1}sofia/gateway/gw1/hold');
    await originate('{origination_uuid=t-h2,grp=g2}sofia/gateway/gw1/hold');
    expect(await sim.control.api('show channels count')).toBe('\n2 total.\n');
    const rows = JSON.parse(await sim.control.api('show channels as json'));
    expect(rows.row_count).toBe(2);
    expect(await sim.control.api('hupall MANAGER_REQUEST grp g1')).toMatch(/^\+OK/);
    await destroyed('t-h1');
    expect(await sim.control.api('uuid_exists t-h2')).toBe('true');
    await sim.control.api('hupall');
    await destroyed('t-h2');
    expect(ev('t-h2', 'CHANNEL_HANGUP')!['Hangup-Cause']).toBe('MANAGER_REQUEST');
    expect(await sim.control.api('show calls as json')).toBe('{"row_count": 0}\n');
  });
});

describe('limits like FreeSWITCH', () => {
  it('max sessions: the excess is refused with DESTINATION_OUT_OF_ORDER and no channel', async () => {
    await sim.control.api('hupall');
    await c.until(() => sim.control.channels().length === 0);
    sim.control.setLimits({ maxSessions: 2, sessionsPerSecond: 100000 });
    try {
      expect(await originate('{origination_uuid=t-m1}sofia/gateway/gw1/hold')).toBe('+OK t-m1\n');
      expect(await originate('{origination_uuid=t-m2}sofia/gateway/gw1/hold')).toBe('+OK t-m2\n');
      expect(await originate('{origination_uuid=t-m3}sofia/gateway/gw1/hold')).toBe('-ERR DESTINATION_OUT_OF_ORDER\n');
      expect(evs('t-m3')).toHaveLength(0);
      await sim.control.api('hupall');
      await destroyed('t-m2');
      expect(await originate('{origination_uuid=t-m4}sofia/gateway/gw1/0900000002')).toBe('-ERR USER_BUSY\n');
    } finally {
      sim.control.setLimits({ maxSessions: 1000, sessionsPerSecond: 100000 });
    }
  });

  it('sessions per second: the core throttle lets at most sps-1 through per second', async () => {
    sim.control.setLimits({ sessionsPerSecond: 3 });
    try {
      const results = await Promise.all([1, 2, 3, 4, 5].map((i) => originate(`{origination_uuid=t-sps${i}}sofia/gateway/gw1/0900000002`)));
      const refused = results.filter((r) => r === '-ERR DESTINATION_OUT_OF_ORDER\n').length;
      expect(refused).toBeGreaterThanOrEqual(1); // 5 in (at most) two windows of 2
      expect(results.length - refused).toBeLessThanOrEqual(4);
    } finally {
      sim.control.setLimits({ sessionsPerSecond: 100000 });
    }
  });

  it('per-gateway max sessions and cps', async () => {
    sim.control.setGateway('gwcap', { maxSessions: 1 });
    sim.control.setGateway('gwcps', { cps: 1 });
    try {
      expect(await originate('{origination_uuid=t-g1}sofia/gateway/gwcap/hold')).toBe('+OK t-g1\n');
      expect(await originate('{origination_uuid=t-g2}sofia/gateway/gwcap/hold')).toBe('-ERR DESTINATION_OUT_OF_ORDER\n');
      const r = await Promise.all([1, 2, 3].map((i) => originate(`{origination_uuid=t-gc${i}}sofia/gateway/gwcps/0900000002`)));
      expect(r.filter((x) => x === '-ERR USER_BUSY\n').length).toBeLessThanOrEqual(2);
      expect(r.filter((x) => x === '-ERR DESTINATION_OUT_OF_ORDER\n').length).toBeGreaterThanOrEqual(1);
      await sim.control.api('hupall');
    } finally {
      sim.control.setRules({ ...sim.control.getRules(), gateways: undefined });
    }
  });
});

describe('call log', () => {
  it('records every originate with time, dial string, variables, legs and outcome', async () => {
    const before = Date.now();
    await originate('{origination_uuid=t-log,campaign_uuid=camp-log}sofia/gateway/gw1/0900000002');
    const [e] = sim.callLog.byVariable('campaign_uuid', 'camp-log');
    expect(e).toBeDefined();
    expect(e!.at).toBeGreaterThanOrEqual(before);
    expect(e!.dialString).toBe('{origination_uuid=t-log,campaign_uuid=camp-log}sofia/gateway/gw1/0900000002');
    expect(e!.variables).toMatchObject({ origination_uuid: 't-log', campaign_uuid: 'camp-log' });
    expect(e!.outcome).toBe('failed');
    expect(e!.result).toBe('-ERR USER_BUSY\n');
    expect(e!.legs[0]).toMatchObject({
      number: '0900000002',
      gateway: 'gw1',
      uuid: 't-log',
      cause: 'USER_BUSY',
      channel: true,
      action: 'busy',
    });
    expect(sim.callLog.byNumber('0900000002').length).toBeGreaterThanOrEqual(2);
    expect(sim.callLog.dialedNumbers()).toContain('0900000002');
  });

  it('seeded mix: same seed, same outcomes', async () => {
    const mixRules = {
      mix: {
        weights: { answer: 1, busy: 1, noanswer: 1, rejected: 1 },
        ringMs: [1, 3] as [number, number],
        talkMs: [1, 3] as [number, number],
      },
    };
    const run = async (seed: number) => {
      // A 50 ms no-answer timeout: a 1–3 ms ring always wins it, so only the seed decides outcomes.
      const s = await startSimulator({ port: 0, seed, rules: mixRules, timeScale: 0.05 });
      const out: string[] = [];
      for (let i = 0; i < 12; i++)
        out.push((await s.control.api(`originate {originate_timeout=1}sofia/gateway/gw/09${i} &park()`)).replace(/ [0-9a-f-]{36}/, ''));
      await s.close();
      return out;
    };
    const a = await run(7);
    expect(await run(7)).toEqual(a);
    expect(new Set(a).size).toBeGreaterThan(1);
    expect(await run(8)).not.toEqual(a);
  });
});

describe('faults', () => {
  it('drop connections: the socket closes without a disconnect notice; calls go on', async () => {
    await originate('{origination_uuid=t-drop}sofia/gateway/gw1/hold');
    const x = await RawEsl.connect(sim.port);
    await x.login();
    const n = x.data.length;
    sim.control.dropConnections();
    await x.untilClosed();
    expect(x.data.length).toBe(n);
    c = await RawEsl.connect(sim.port);
    await c.login();
    c.send('event json ALL');
    await c.until((f) => f.length >= 3);
    expect(await sim.control.api('uuid_exists t-drop')).toBe('true');
    await sim.control.api('uuid_kill t-drop');
  });

  it('restart: every channel gone without events, new Core-UUID', async () => {
    await originate('{origination_uuid=t-rs}sofia/gateway/gw1/hold');
    const core = sim.coreUuid;
    await sim.restart();
    expect(sim.coreUuid).not.toBe(core);
    c = await RawEsl.connect(sim.port);
    await c.login();
    c.send('event json ALL');
    await c.until((f) => f.length >= 3);
    expect(await sim.control.api('uuid_exists t-rs')).toBe('false');
    expect(await sim.control.api('show channels count')).toBe('\n0 total.\n');
    expect(sim.callLog.entries().find((e) => e.variables.origination_uuid === 't-rs')!.legs[0]!.cause).toBe('CRASH');
  });

  it('lose the next CHANNEL_ANSWER; delay events', async () => {
    sim.control.dropNextEvents(1, 'CHANNEL_ANSWER');
    await originate('{origination_uuid=t-lose}sofia/gateway/gw1/0900000001');
    await destroyed('t-lose');
    expect(evNames('t-lose')).not.toContain('CHANNEL_ANSWER');
    expect(evNames('t-lose')).toContain('CHANNEL_HANGUP');
    sim.control.setEventDelay(60);
    const t0 = Date.now();
    await originate('{origination_uuid=t-delay}sofia/gateway/gw1/0900000002');
    await c.until(() => evNames('t-delay').includes('CHANNEL_CREATE'));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55);
  });

  it('event loss rate 1 loses everything', async () => {
    sim.control.setEventLoss(1);
    await originate('{origination_uuid=t-loss}sofia/gateway/gw1/0900000002');
    await new Promise((r) => setTimeout(r, 20));
    expect(evs('t-loss')).toHaveLength(0);
  });
});

describe('HTTP control API', () => {
  let http: ControlServer;
  beforeAll(async () => {
    http = await startControlServer(sim, 0);
  });
  afterAll(() => http.close());
  const url = (p: string) => `http://127.0.0.1:${http.port}${p}`;

  it('sets a number rule, originates, reads the call log, injects a fault', async () => {
    const put = await fetch(url('/rules/numbers/0977000001'), { method: 'PUT', body: JSON.stringify({ action: 'rejected' }) });
    expect(put.status).toBe(200);
    const r = await fetch(url('/api'), {
      method: 'POST',
      body: JSON.stringify({ command: 'originate {origination_uuid=t-http}sofia/gateway/gw1/0977000001 &park()' }),
    });
    expect(await r.json()).toEqual({ result: '-ERR CALL_REJECTED\n' });
    const calls = (await (await fetch(url('/calls?number=0977000001'))).json()) as Array<{ outcome: string }>;
    expect(calls).toHaveLength(1);
    expect(calls[0]!.outcome).toBe('failed');
    const bad = await fetch(url('/rules/numbers/x'), { method: 'PUT', body: JSON.stringify({ action: 'explode' }) });
    expect(bad.status).toBe(400);
    expect((await fetch(url('/faults/events'), { method: 'POST', body: JSON.stringify({ delayMs: 5 }) })).status).toBe(200);
    expect((await (await fetch(url('/health'))).json()).eslPort).toBe(sim.port);
    expect((await fetch(url('/faults'), { method: 'DELETE' })).status).toBe(200);
  });
});
