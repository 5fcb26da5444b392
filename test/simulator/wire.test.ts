// Conformance of the simulator's bytes with a real FreeSWITCH 1.10.12 (captures in
// test/fixtures/esl-transcripts). Timestamps and uuids differ; framing, order, header names and
// encodings must not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { serializeJson, serializePlain, urlEncode, CommandParser } from '../../simulator/wire.ts';
import { EIGHT, RawEsl, splitFrames, transcript, type Frame } from './raw.ts';

let sim: Simulator;
const open: RawEsl[] = [];
async function conn(): Promise<RawEsl> {
  const c = await RawEsl.connect(sim.port);
  open.push(c);
  return c;
}

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    timeScale: 0.002, // originate_timeout=10 -> 20 ms
    rules: {
      numbers: {
        answer: { action: 'answer', progressMs: 0, ringMs: 5, talkMs: 30 },
        busy: { action: 'busy', ringMs: 5 },
        ring: { action: 'noanswer' },
        hold: { action: 'answer', ringMs: 5, talkMs: null },
        machine: { action: 'machine', ringMs: 5, beepMs: 5, talkMs: 60, avmdAuto: true }, // detection without avmd_start, as before mod_avmd was simulated
      },
    },
  });
});
afterAll(async () => {
  for (const c of open) c.close();
  await sim.close();
});

const names = (fr: Frame[]) => fr.map((f) => f.event?.h['Event-Name'] ?? `${f.h['Content-Type']}|${f.h['Reply-Text'] ?? ''}`);
const headerNames = (f: Frame) => f.event!.headers.map(([k]) => k);

/** A transcript's frames (plain or json) */
const captured = (name: string) => splitFrames(transcript(name)).frames;

describe('greeting, auth, exit: byte-identical to FreeSWITCH', () => {
  it('wrong password: -ERR invalid, disconnect notice, close (01)', async () => {
    const c = await conn();
    await c.until((f) => f.length >= 1);
    c.send('auth WrongPassword');
    await c.untilClosed();
    expect(c.data.equals(transcript('01-auth-wrong-password'))).toBe(true);
  });

  it('right password then exit (02)', async () => {
    const c = await conn();
    await c.login();
    c.send('exit');
    await c.untilClosed();
    expect(c.data.toString()).toBe(transcript('02-auth-ok-then-exit').toString());
  });

  it('event plain subscription then exit (03) and json (20)', async () => {
    for (const [fmt, file] of [
      ['plain', '03-plain-subscribe'],
      ['json', '20-json-subscribe'],
    ] as const) {
      const c = await conn();
      await c.login();
      c.send(`event ${fmt} ${EIGHT}`);
      await c.until((f) => f.length >= 3);
      c.send('exit');
      await c.untilClosed();
      expect(c.data.toString()).toBe(transcript(file).toString());
    }
  });

  it('any command before auth is -ERR command not found and the socket stays open', async () => {
    const c = await conn();
    await c.until((f) => f.length >= 1);
    c.send('api status');
    await c.until((f) => f.length >= 2);
    c.send('auth ClueCon');
    const fr = await c.until((f) => f.length >= 3);
    expect(fr[1]!.raw).toBe('Content-Type: command/reply\nReply-Text: -ERR command not found\n\n');
    expect(fr[2]!.h['Reply-Text']).toBe('+OK accepted');
  });

  it('event without names, names case-insensitive and additive, noevents', async () => {
    const c = await conn();
    await c.login();
    c.send('event plain');
    c.send('event plain channel_create');
    c.send('event json CHANNEL_DESTROY');
    c.send('noevents');
    c.send('noevents');
    const fr = await c.until((f) => f.length >= 7);
    expect(fr.slice(2).map((f) => f.h['Reply-Text'])).toEqual([
      '-ERR no keywords supplied',
      '+OK event listener enabled plain',
      '+OK event listener enabled json',
      '+OK no longer listening for events',
      '-ERR not listening for events',
    ]);
    await sim.control.api('originate {origination_uuid=noev-1}sofia/gateway/gw1/busy &park()');
    await new Promise((r) => setTimeout(r, 30));
    expect(c.events()).toHaveLength(0);
  });
});

describe('originate lifecycle in plain, against the captures', () => {
  it('answered call (04): order, leading headers, BACKGROUND_JOB body, timing variables', async () => {
    const c = await conn();
    await c.login();
    c.send(`event plain ${EIGHT}`);
    const cmd =
      'originate {origination_uuid=32179d21-839e-4f0d-bac8-710a1aa4aee0,originate_timeout=10,ignore_early_media=true,campaign_uuid=c1,lead_uuid=l1}sofia/external/answer@127.0.0.1:5090 &park()';
    c.send(`bgapi ${cmd}`);
    const fr = await c.until((f) => f.some((x) => x.event?.h['Event-Name'] === 'CHANNEL_DESTROY'));
    const want = captured('04-plain-originate-answer-park');
    expect(names(fr).slice(4)).toEqual(names(want).slice(4));
    expect(names(fr).slice(0, 3)).toEqual(names(want).slice(0, 3));
    expect(fr[3]!.headers.map(([k]) => k)).toEqual(['Content-Type', 'Reply-Text', 'Job-UUID']);
    const events = fr.filter((f) => f.event);
    // every event frame: Content-Length first, Content-Type second
    for (const f of events) expect(f.headers.map(([k]) => k)).toEqual(['Content-Length', 'Content-Type']);
    const created = events[0]!;
    const real = want.find((f) => f.event?.h['Event-Name'] === 'CHANNEL_CREATE')!;
    expect(headerNames(created).slice(0, 24)).toEqual(headerNames(real).slice(0, 24));
    // same Caller-* block as the capture
    const callerNames = (f: Frame) => headerNames(f).filter((k) => k.startsWith('Caller-'));
    expect(callerNames(created)).toEqual(callerNames(real));
    for (const v of [
      'variable_origination_uuid',
      'variable_originate_timeout',
      'variable_ignore_early_media',
      'variable_campaign_uuid',
      'variable_lead_uuid',
    ]) {
      expect(created.event!.h[v]).toBe(real.event!.h[v]);
    }
    // BACKGROUND_JOB: same header names, same encoded Job-Command-Arg, inner Content-Length + body
    const bg = events.find((f) => f.event!.h['Event-Name'] === 'BACKGROUND_JOB')!;
    const realBg = want.find((f) => f.event?.h['Event-Name'] === 'BACKGROUND_JOB')!;
    expect(headerNames(bg)).toEqual(headerNames(realBg));
    const argLine = (f: Frame) => f.body.split('\n').find((l) => l.startsWith('Job-Command-Arg: '));
    expect(argLine(bg)).toBe(argLine(realBg));
    expect(bg.body).toMatch(/\nContent-Length: 41\n\n\+OK 32179d21-839e-4f0d-bac8-710a1aa4aee0\n$/);
    // answer comes before the job result, and still says RINGING
    const ans = events.find((f) => f.event!.h['Event-Name'] === 'CHANNEL_ANSWER')!;
    expect(ans.event!.h['Channel-Call-State']).toBe('RINGING');
    expect(ans.event!.h['Answer-State']).toBe('answered');
    // HANGUP_COMPLETE: Hangup-Cause right after Event-Sequence and again in the channel block
    const hc = events.find((f) => f.event!.h['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE')!;
    const hn = headerNames(hc);
    expect(hn[13]).toBe('Hangup-Cause');
    expect(hn.filter((k) => k === 'Hangup-Cause')).toHaveLength(2);
    for (const v of [
      'variable_hangup_cause',
      'variable_hangup_cause_q850',
      'variable_billsec',
      'variable_duration',
      'variable_answersec',
      'variable_progresssec',
      'variable_progress_mediasec',
      'variable_waitsec',
      'variable_sip_term_status',
    ]) {
      expect(hc.event!.h[v], v).toBeDefined();
    }
    expect(hc.event!.h['variable_hangup_cause_q850']).toBe('16');
    expect(hc.event!.h['variable_sip_term_status']).toBe('200');
    // not before HANGUP_COMPLETE
    const hangup = events.find((f) => f.event!.h['Event-Name'] === 'CHANNEL_HANGUP')!;
    expect(hangup.event!.h['variable_billsec']).toBeUndefined();
    expect(hangup.event!.h['variable_hangup_cause_q850']).toBeUndefined();
    // ...and again on DESTROY
    const destroy = events.at(-1)!;
    expect(destroy.event!.h['variable_billsec']).toBe(hc.event!.h['variable_billsec']);
    // URL encoding as captured
    expect(created.raw).toContain('FreeSWITCH-IPv6: %3A%3A1\n');
    expect(created.raw).toMatch(/Event-Date-GMT: \w{3},%20\d\d%20\w{3}%20\d{4}%20\d\d%3A\d\d%3A\d\d%20GMT\n/);
    expect(created.raw).toContain('Channel-Name: sofia/external/answer%40127.0.0.1%3A5090\n');
    expect(created.raw).toContain('Caller-Callee-ID-Name: Outbound%20Call\n');
  });

  it('busy call (05) and custom Job-UUID (13): BACKGROUND_JOB after HANGUP_COMPLETE, before DESTROY', async () => {
    const c = await conn();
    await c.login();
    c.send(`event plain ${EIGHT}`);
    c.send(
      'bgapi originate {origination_uuid=a8061728-b3b5-4fcd-9e4c-6c7b13e7db9d,originate_timeout=10,ignore_early_media=true,campaign_uuid=c1,lead_uuid=l1}sofia/external/busy@127.0.0.1:5091 &park()\nJob-UUID: 11111111-2222-3333-4444-555555555555',
    );
    const fr = await c.until((f) => f.some((x) => x.event?.h['Event-Name'] === 'CHANNEL_DESTROY'));
    const want = captured('13-plain-originate-busy-custom-job-uuid');
    expect(names(fr)).toEqual(names(want));
    expect(fr[3]!.raw).toBe(want[3]!.raw);
    const bg = fr.find((f) => f.event?.h['Event-Name'] === 'BACKGROUND_JOB')!;
    expect(bg.event!.h['Job-UUID']).toBe('11111111-2222-3333-4444-555555555555');
    expect(bg.event!.body).toBe('-ERR USER_BUSY\n');
    const hc = fr.find((f) => f.event?.h['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE')!;
    expect(hc.event!.h['variable_hangup_cause_q850']).toBe('17');
    expect(hc.event!.h['variable_sip_term_status']).toBe('486');
    expect(hc.event!.h['variable_billsec']).toBe('0');
    expect(names(fr)).toEqual(names(captured('05-plain-originate-busy-park')).map((n, i) => (i === 3 ? names(fr)[3]! : n)));
  });

  it('no answer (06): PROGRESS, HANGUP NO_ANSWER, BACKGROUND_JOB, HANGUP_COMPLETE, DESTROY', async () => {
    const c = await conn();
    await c.login();
    c.send(`event plain ${EIGHT}`);
    c.send(
      'bgapi originate {origination_uuid=0ac26cae-a203-4abd-8378-29169b349526,originate_timeout=10,ignore_early_media=true,campaign_uuid=c1,lead_uuid=l1}sofia/external/ring@127.0.0.1:5092 &park()',
    );
    const fr = await c.until((f) => f.some((x) => x.event?.h['Event-Name'] === 'CHANNEL_DESTROY'));
    const want = captured('06-plain-originate-noanswer-park');
    expect(names(fr).slice(4)).toEqual(names(want).slice(4));
    const hang = fr.find((f) => f.event?.h['Event-Name'] === 'CHANNEL_HANGUP')!;
    expect(hang.event!.h['Channel-Call-State']).toBe('RINGING');
    expect(hang.event!.h['Hangup-Cause']).toBe('NO_ANSWER');
    const bg = fr.find((f) => f.event?.h['Event-Name'] === 'BACKGROUND_JOB')!;
    expect(bg.event!.body).toBe('-ERR NO_ANSWER\n');
    const hc = fr.find((f) => f.event?.h['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE')!;
    expect(hc.event!.h['variable_hangup_cause_q850']).toBe('19');
    expect(hc.event!.h['variable_sip_hangup_disposition']).toBe('send_cancel');
  });

  it('api commands (08): exact replies', async () => {
    const c = await conn();
    await c.login();
    c.send(`event plain ${EIGHT}`);
    c.send(
      'bgapi originate {origination_uuid=c4c07bf2-f10c-4db9-b3e9-67386c507a78,originate_timeout=10,ignore_early_media=true,campaign_uuid=c1,lead_uuid=l1}sofia/external/hold@127.0.0.1:5094 &park()',
    );
    let fr = await c.until((f) => f.some((x) => x.event?.h['Event-Name'] === 'BACKGROUND_JOB'));
    const u = 'c4c07bf2-f10c-4db9-b3e9-67386c507a78';
    const n0 = fr.length;
    c.send(`api uuid_exists ${u}`);
    c.send('api show channels count');
    c.send('api show calls as json');
    c.send(`api uuid_kill ${u}`);
    fr = await c.until((f) => f.some((x) => x.event?.h['Event-Name'] === 'CHANNEL_DESTROY'));
    const after = fr.slice(n0);
    expect(after[0]!.raw).toBe('Content-Type: api/response\nContent-Length: 4\n\ntrue');
    expect(after[1]!.raw).toBe('Content-Type: api/response\nContent-Length: 10\n\n\n1 total.\n');
    const calls = JSON.parse(after[2]!.body);
    const real = JSON.parse(captured('08-plain-api-commands')[10]!.body);
    expect(calls.row_count).toBe(1);
    expect(Object.keys(calls.rows[0])).toEqual(Object.keys(real.rows[0]));
    expect(calls.rows[0].uuid).toBe(u);
    expect(calls.rows[0].callstate).toBe('ACTIVE');
    expect(after[2]!.body.endsWith('}]}')).toBe(true);
    expect(after[3]!.raw).toBe('Content-Type: api/response\nContent-Length: 4\n\n+OK\n');
    expect(names(after.slice(4))).toEqual(['CHANNEL_HANGUP', 'CHANNEL_HANGUP_COMPLETE', 'CHANNEL_DESTROY']);
    const n1 = fr.length;
    c.send(`api uuid_exists ${u}`);
    c.send(`api uuid_kill ${u}`);
    c.send('api show channels count');
    c.send('api show calls as json');
    c.send('api nosuchcommand foo');
    c.send('exit');
    await c.untilClosed();
    const tail = c
      .frames()
      .slice(n1)
      .map((f) => f.raw)
      .join('');
    const realTail = captured('08-plain-api-commands')
      .slice(16)
      .map((f) => f.raw)
      .join('');
    expect(tail).toBe(realTail);
  });

  it('status and sofia status gateway', async () => {
    sim.control.setGateway('gwdown', { status: 'DOWN' });
    const st = await sim.control.api('status');
    expect(st).toMatch(/^UP 0 years, \d+ days/);
    expect(st).toContain('FreeSWITCH (Version 1.10.12-release  64bit) is ready\n');
    expect(st).toMatch(/\d+ session\(s\) max\n/);
    const gw = await sim.control.api('sofia status gateway gwdown');
    expect(gw).toContain('State   \tFAIL_WAIT\n');
    expect(gw).toContain('Status  \tDOWN\n');
    expect(await sim.control.api('sofia status gateway nosuch')).toBe('Invalid Gateway!\n');
    sim.control.setRules({ ...sim.control.getRules(), gateways: undefined });
    const up = await sim.control.api('sofia status gateway anything');
    expect(up).toContain('State   \tREGED\n');
    expect(up).toContain('Status  \tUP\n');
  });
});

describe('json events (21)', () => {
  it('same order; raw values; _body and Content-Length on BACKGROUND_JOB; duplicate Hangup-Cause key', async () => {
    const c = await conn();
    await c.login();
    c.send(`event json ${EIGHT}`);
    c.send(
      'bgapi originate {origination_uuid=f2d26aba-a758-46cc-a930-86436dd66350,originate_timeout=10,ignore_early_media=true,campaign_uuid=c1,lead_uuid=l1}sofia/external/answer@127.0.0.1:5090 &park()',
    );
    const fr = await c.until((f) => f.some((x) => x.event?.h['Event-Name'] === 'CHANNEL_DESTROY'));
    const want = captured('21-json-originate-answer-park');
    expect(names(fr).slice(4)).toEqual(names(want).slice(4));
    for (const f of fr.filter((x) => x.event)) {
      expect(f.headers.map(([k]) => k)).toEqual(['Content-Length', 'Content-Type']);
      expect(f.h['Content-Type']).toBe('text/event-json');
      expect(Number(f.h['Content-Length'])).toBe(Buffer.byteLength(f.body));
    }
    const bg = fr.find((f) => f.event?.h['Event-Name'] === 'BACKGROUND_JOB')!;
    const realBg = want.find((f) => f.event?.h['Event-Name'] === 'BACKGROUND_JOB')!;
    expect(Object.keys(JSON.parse(bg.body))).toEqual(Object.keys(JSON.parse(realBg.body)));
    expect(bg.body).toContain(
      '"Job-Command-Arg":"{origination_uuid=f2d26aba-a758-46cc-a930-86436dd66350,originate_timeout=10,ignore_early_media=true,campaign_uuid=c1,lead_uuid=l1}sofia/external/answer@127.0.0.1:5090 &park()"',
    );
    expect(bg.body).toMatch(/"Content-Length":"41","_body":"\+OK f2d26aba-a758-46cc-a930-86436dd66350\\n"}$/);
    const hc = fr.find((f) => f.event?.h['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE')!;
    expect(hc.body.match(/"Hangup-Cause":"NORMAL_CLEARING"/g)).toHaveLength(2);
    expect(hc.body).toContain('"FreeSWITCH-IPv6":"::1"');
    expect(hc.body).toContain('"Channel-Name":"sofia/external/answer@127.0.0.1:5090"');
  });
});

describe('subscriptions, filters, CUSTOM, blocking api', () => {
  it('filter on our channel variable; filter delete; replies as FreeSWITCH words them', async () => {
    const c = await conn();
    await c.login();
    c.send('event plain CHANNEL_CREATE BACKGROUND_JOB');
    c.send('filter variable_campaign_uuid c1');
    await c.until((f) => f.length >= 4);
    expect(c.frames()[3]!.h['Reply-Text']).toBe('+OK filter added. [variable_campaign_uuid]=[c1]');
    await sim.control.api('originate {origination_uuid=flt-1,campaign_uuid=c1}sofia/gateway/gw1/busy &park()');
    await sim.control.api('originate {origination_uuid=flt-2,campaign_uuid=c2}sofia/gateway/gw1/busy &park()');
    c.send('filter delete variable_campaign_uuid c1');
    await c.until((f) => f.some((x) => x.h['Reply-Text']?.startsWith('+OK filter deleted')));
    const fr = c.frames();
    expect(fr.find((x) => x.h['Reply-Text']?.startsWith('+OK filter deleted'))!.h['Reply-Text']).toBe(
      '+OK filter deleted. [variable_campaign_uuid][c1]',
    );
    const creates = c.events().filter((f) => f.event!.h['Event-Name'] === 'CHANNEL_CREATE');
    expect(creates.map((f) => f.event!.h['Unique-ID'])).toEqual(['flt-1']);
    // no filter left: everything flows again
    await sim.control.api('originate {origination_uuid=flt-3,campaign_uuid=c3}sofia/gateway/gw1/busy &park()');
    await c.until((f) => f.some((x) => x.event?.h['Unique-ID'] === 'flt-3'));
  });

  it('filter Event-Name lets BACKGROUND_JOB through alongside a variable filter (OR semantics)', async () => {
    const c = await conn();
    await c.login();
    c.send('event plain CHANNEL_CREATE BACKGROUND_JOB');
    c.send('filter variable_campaign_uuid zz');
    c.send('filter Event-Name BACKGROUND_JOB');
    await c.until((f) => f.length >= 5);
    c.send('bgapi originate {origination_uuid=flt-4,campaign_uuid=other}sofia/gateway/gw1/busy &park()');
    await c.until((f) => f.some((x) => x.event?.h['Event-Name'] === 'BACKGROUND_JOB'));
    expect(c.eventNames()).toEqual(['BACKGROUND_JOB']);
  });

  it('CUSTOM subclasses: only the ones named after CUSTOM', async () => {
    const c = await conn();
    await c.login();
    c.send('event plain CHANNEL_ANSWER CUSTOM avmd::beep');
    await c.until((f) => f.length >= 3);
    await sim.control.api('originate {origination_uuid=amd-1}sofia/gateway/gw1/machine &park()');
    const fr = await c.until((f) => f.some((x) => x.event?.h['Event-Name'] === 'CUSTOM'));
    const custom = fr.filter((f) => f.event?.h['Event-Name'] === 'CUSTOM');
    expect(custom.map((f) => f.event!.h['Event-Subclass'])).toEqual(['avmd::beep']);
    expect(custom[0]!.event!.h['variable_amd_result']).toBe('MACHINE');
    expect(headerNames(custom[0]!)[13]).toBe('Event-Subclass');
  });

  it('a blocking api originate replies before the call events it queued', async () => {
    const c = await conn();
    await c.login();
    c.send('event plain CHANNEL_CREATE CHANNEL_ANSWER');
    await c.until((f) => f.length >= 3);
    c.send('api originate {origination_uuid=blk-1}sofia/gateway/gw1/hold &park()');
    const fr = await c.until((f) => f.length >= 6);
    expect(fr[3]!.raw).toBe('Content-Type: api/response\nContent-Length: 10\n\n+OK blk-1\n');
    expect(names(fr.slice(4, 6))).toEqual(['CHANNEL_CREATE', 'CHANNEL_ANSWER']);
    await sim.control.api('uuid_kill blk-1');
  });

  it('an empty variable is written _undef_ in plain, raw "" in json', async () => {
    const c = await conn();
    await c.login();
    c.send('event plain CHANNEL_CREATE');
    await c.until((f) => f.length >= 3);
    await sim.control.api("originate {origination_uuid=undef-1,empty_var=,quoted='a b,c'}sofia/gateway/gw1/busy &park()");
    const fr = await c.until((f) => f.some((x) => x.event?.h['Unique-ID'] === 'undef-1'));
    const ev = fr.find((x) => x.event?.h['Unique-ID'] === 'undef-1')!;
    expect(ev.body).toContain('\nvariable_empty_var: _undef_\n');
    expect(ev.body).toContain('\nvariable_quoted: a%20b,c\n');
  });
});

describe('wire helpers', () => {
  it('urlEncode follows switch_url_encode', () => {
    expect(urlEncode('a b:c@d{e}f=g&h')).toBe('a%20b%3Ac%40d%7Be%7Df%3Dg%26h');
    expect(urlEncode('a,b/c(d).e-f_g')).toBe('a,b/c(d).e-f_g');
    expect(urlEncode('x+y;z<>?#[]^`|"\\')).toBe('x%2By%3Bz%3C%3E%3F%23%5B%5D%5E%60%7C%22%5C');
    expect(urlEncode('\r\n\t')).toBe('%0D%0A%09');
    expect(urlEncode('Việt')).toBe('Vi%E1%BB%87t');
    expect(urlEncode('50%20off')).toBe('50%20off'); // an existing uppercase escape is kept
    expect(urlEncode('100%')).toBe('100%25');
    expect(urlEncode('%2a')).toBe('%252a');
  });

  it('plain and json serialisation of a body event', () => {
    const ev = {
      headers: [
        ['Event-Name', 'X'],
        ['Empty', ''],
        ['K', 'a b'],
      ] as Array<[string, string]>,
      body: 'hé\n',
    };
    expect(serializePlain(ev)).toBe('Event-Name: X\nEmpty: _undef_\nK: a%20b\nContent-Length: 4\n\nhé\n');
    expect(serializeJson(ev)).toBe('{"Event-Name":"X","Empty":"","K":"a b","Content-Length":"4","_body":"hé\\n"}');
    expect(serializePlain({ headers: [['A', '1']] })).toBe('A: 1\n\n');
  });

  it('command parser: CR/LF tolerant, headers, Content-Length body, split across chunks', () => {
    const p = new CommandParser();
    expect(p.push(Buffer.from('\r\nauth Clue'))).toEqual([]);
    const out = p.push(Buffer.from('Con\r\n\r\nbgapi status\nJob-UUID: j1\n\nsendevent X\nContent-Length: 3\n\nabc'));
    expect(out.map((c) => c.line)).toEqual(['auth ClueCon', 'bgapi status', 'sendevent X']);
    expect(out[1]!.headers['Job-UUID']).toBe('j1');
    expect(out[2]!.body).toBe('abc');
  });
});
