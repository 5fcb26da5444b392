// Property-style tests of validation: many generated bad inputs (seeded, reproducible) must all
// get a 4xx with the documented error shape and gojsonschema wording naming the right field —
// never a 500, never a stack trace; many generated valid campaigns must round-trip through
// POST → GET unchanged. Runs in-process (`app.request`) against the real store for speed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NANOS_PER_DAY } from '../../domain/campaign.ts';
import { WEEKDAYS } from '../../domain/schedule.ts';
import { startApi, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startApi();
});
afterAll(async () => {
  await h?.close();
});

const SEED = Number(process.env.PROPERTY_SEED ?? 20240607);
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    bool: () => next() < 0.5,
  };
}

async function req(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await h.app.request(path, {
    method,
    headers: { authorization: `Bearer ${h.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const GOJSON = [
  /^[\w.]+ is required$/,
  /^Invalid type\. Expected: \w+, given: \w+$/,
  /^[\w.]+ must be one of the following: .+$/,
  /^String length must be (greater|less) than or equal to \d+$/,
  /^Must be (greater|less) than( or equal to)? \S+$/,
  /^Array must have at (least|most) \d+ items$/,
  /^array items must be unique$/,
  /^Does not match (pattern|format) '.+'$/,
];
const isGojson = (m: string) => GOJSON.some((r) => r.test(m));

const fullDay = Object.fromEntries(
  WEEKDAYS.flatMap((d) => [
    [`${d}_start_time`, 28_800_000_000_000],
    [`${d}_end_time`, 75_600_000_000_000],
  ]),
);

/** For each field, values that must be refused. */
const BAD: Record<string, unknown[]> = {
  campaign_name: [5, null, true, [], {}, '', 'x'.repeat(256)],
  type: ['robot', 1, null, '', 'AUTOCALL'],
  description: [1, null, false, 'x'.repeat(2001)],
  active: ['true', 1, null, []],
  concurrent_call: [-1, 1.5, '5', null, 100_001],
  ratio: [7, '100', 99.5, 250, null],
  custom_ratio: [-5, 'x'],
  carrier_uuid: ['not-a-uuid', 5, null],
  template_uuid: ['1234', {}, '7bbe986b-8a6e-404c-840b-781102b5aa0'],
  recall_times: [-1, 'three', 1001],
  limit_recall_duration: [-1, 0.5],
  schedule_recall: ['later', 1, 'Minute'],
  schedule_recall_duration: [-1, 'x', 1.2],
  hopper: [101, -1, 'x', 5.5],
  answer_callback_url: ['ftp://example.com', 'not a url', 5],
  local_start_time: ['8:00', '24:00:00', '08:00', 800, '08:60:00'],
  local_end_time: ['17:30', '7:30:00 PM', true],
  customer_order: [1, 'x'.repeat(65)],
  allow_manual_dial: ['yes', 0],
  allow_search_lead: [null],
  enable_callback_alert: ['false'],
  default_list_uuid: ['abc'],
  script_uuid: [12],
  status: ['run', 'started', 1],
  call_center_queue_strategy: ['ring_all', 'longest-idle-agent', 3],
  mode_call: ['parallel', 'Direct', 0],
  network: [5, [], 'viettel', { viettel: -1 }, { mobi: 'x' }, { vina: 1.5 }],
  type_autocall: ['tts', 'autocall_voice'],
  call_timeout: [601, -1, '60'],
  users: [5, 'x', [1], {}],
  groups: [{}, [null]],
  statuses: ['a', [true]],
  schedules: ['x', [{}], [{ ...fullDay, monday_end_time: -1 }], [{ ...fullDay, sunday_start_time: NANOS_PER_DAY + 1 }], [5], {}],
  priority_recall: ['high', true],
  recall_status: ['busy', ['sleeping'], ['busy', 'busy'], [1]],
  enable_encrypt: ['on'],
  callback_url: ['mailto:a@b.c', 42],
};

function expectFieldReported(errors: Record<string, string>[], field: string, context: string) {
  expect(Array.isArray(errors), context).toBe(true);
  for (const e of errors) {
    const [[key, msg]] = Object.entries(e) as [[string, string]];
    expect(isGojson(msg), `${context}: "${msg}" is not gojsonschema wording`).toBe(true);
    expect(typeof key).toBe('string');
  }
  const keys = errors.map((e) => Object.keys(e)[0]!);
  const mentions =
    keys.some((k) => k === field || k.startsWith(`${field}.`)) ||
    errors.some((e) => Object.keys(e)[0] === '(root)' && Object.values(e)[0]!.startsWith(`${field} `));
  expect(mentions, `${context}: ${JSON.stringify(errors)} does not name ${field}`).toBe(true);
}

describe('every bad value of every field', () => {
  const cases = Object.entries(BAD).flatMap(([field, values]) => values.map((v) => [field, v] as const));
  it(`${cases.length} single-field cases on POST and PUT → 400, gojsonschema wording, the field named`, async () => {
    const base = await req('POST', '/v3/campaign', JSON.stringify({ campaign_name: 'target', type: 'autocall' }));
    const uuid = base.body.campaign_uuid as string;
    for (const [field, v] of cases) {
      const create = { campaign_name: `bad-${field}`, type: 'autocall', [field]: v };
      const ctx = `POST ${field}=${JSON.stringify(v).slice(0, 60)}`;
      const res = await req('POST', '/v3/campaign', JSON.stringify(create));
      expect(res.status, `${ctx}: ${res.text}`).toBe(400);
      expectFieldReported(res.body.error, field, ctx);
      const update = { campaign_name: 'target', type: 'autocall', active: false, [field]: v };
      const put = await req('PUT', `/v3/campaign/${uuid}`, JSON.stringify(update));
      expect(put.status, `PUT ${ctx}: ${put.text}`).toBe(400);
      expectFieldReported(put.body.error, field, `PUT ${ctx}`);
    }
    // nothing bad was stored
    expect((await req('GET', '/v3/campaign?limit=1000')).body.total).toBe(1);
  });

  it('random combinations of 2–5 bad fields: every one of them is reported', async () => {
    const r = rng(SEED);
    const fields = Object.keys(BAD);
    for (let i = 0; i < 150; i++) {
      const n = r.int(2, 5);
      const chosen = new Set<string>();
      while (chosen.size < n) chosen.add(r.pick(fields));
      const body: Record<string, unknown> = { campaign_name: `combo-${i}`, type: 'autocall' };
      for (const f of chosen) body[f] = r.pick(BAD[f]!);
      const res = await req('POST', '/v3/campaign', JSON.stringify(body));
      const ctx = `seed ${SEED} case ${i}: ${JSON.stringify(body).slice(0, 300)}`;
      expect(res.status, ctx).toBe(400);
      // cross-field rules only run once every field is valid on its own, so require each
      // field whose bad value is a plain schema violation to be named
      for (const f of chosen) expectFieldReported(res.body.error, f, `${ctx} [${f}]`);
    }
  });
});

describe('type-dependent rules', () => {
  const autodialerPut = {
    campaign_name: 'ad',
    type: 'autodialer',
    active: false,
    ratio: 100,
    hopper: 20,
    local_start_time: '08:00:00',
    local_end_time: '17:30:00',
    call_center_queue_strategy: 'ring-all',
  };
  it('autodialer: ratio on create; ratio, hopper 10–100, window and strategy on update', async () => {
    expect((await req('POST', '/v3/campaign', JSON.stringify({ campaign_name: 'ad', type: 'autodialer' }))).body).toEqual({
      error: [{ '(root)': 'ratio is required' }],
    });
    expect((await req('POST', '/v3/campaign', JSON.stringify({ campaign_name: 'ad', type: 'autodialer', ratio: 0 }))).body).toEqual({
      error: [{ ratio: 'ratio must be one of the following: 100, 150, 200, 300, 400' }],
    });
    const c = await req('POST', '/v3/campaign', JSON.stringify({ campaign_name: 'ad', type: 'autodialer', ratio: 200 }));
    expect(c.status).toBe(200);
    const path = `/v3/campaign/${c.body.campaign_uuid}`;
    for (const f of ['ratio', 'hopper', 'local_start_time', 'local_end_time', 'call_center_queue_strategy'] as const) {
      const { [f]: _, ...rest } = autodialerPut;
      const res = await req('PUT', path, JSON.stringify(rest));
      expect(res.body, f).toEqual({ error: [{ '(root)': `${f} is required` }] });
    }
    expect((await req('PUT', path, JSON.stringify({ ...autodialerPut, hopper: 9 }))).body).toEqual({
      error: [{ hopper: 'Must be greater than or equal to 10' }],
    });
    expect((await req('PUT', path, JSON.stringify({ ...autodialerPut, hopper: 101 }))).body).toEqual({
      error: [{ hopper: 'Must be less than or equal to 100' }],
    });
    expect((await req('PUT', path, JSON.stringify(autodialerPut))).status).toBe(200);
    // an autocall campaign needs none of them (the documented autocall example has none)
    expect((await req('PUT', path, JSON.stringify({ campaign_name: 'ad', type: 'autocall', active: false }))).status).toBe(200);
  });

  it('schedule_recall minute needs schedule_recall_duration ≥ 1; PUT needs active', async () => {
    const c = await req('POST', '/v3/campaign', JSON.stringify({ campaign_name: 'recall', type: 'autocall' }));
    const path = `/v3/campaign/${c.body.campaign_uuid}`;
    const base = { campaign_name: 'recall', type: 'autocall', active: false, schedule_recall: 'minute' };
    expect((await req('PUT', path, JSON.stringify(base))).body).toEqual({ error: [{ '(root)': 'schedule_recall_duration is required' }] });
    expect((await req('PUT', path, JSON.stringify({ ...base, schedule_recall_duration: 0 }))).body).toEqual({
      error: [{ schedule_recall_duration: 'Must be greater than or equal to 1' }],
    });
    expect((await req('PUT', path, JSON.stringify({ ...base, schedule_recall_duration: 5 }))).status).toBe(200);
    expect((await req('PUT', path, JSON.stringify({ campaign_name: 'recall', type: 'autocall' }))).body).toEqual({
      error: [{ '(root)': 'active is required' }],
    });
    expect((await req('PUT', path, JSON.stringify({}))).body).toEqual({
      error: [{ '(root)': 'campaign_name is required' }, { '(root)': 'type is required' }, { '(root)': 'active is required' }],
    });
  });

  it('schedules: each day ends after it starts; mode_call accepts the documented "parralel"', async () => {
    const c = await req(
      'POST',
      '/v3/campaign',
      JSON.stringify({
        campaign_name: 'sched',
        type: 'autocall',
        mode_call: 'parralel',
        schedules: [{ ...fullDay, friday_start_time: 75_600_000_000_000, friday_end_time: 28_800_000_000_000 }],
      }),
    );
    expect(c.body).toEqual({ error: [{ 'schedules.0.friday_end_time': 'Must be greater than or equal to friday_start_time' }] });
    const ok = await req(
      'POST',
      '/v3/campaign',
      JSON.stringify({ campaign_name: 'sched', type: 'autocall', mode_call: 'parralel', schedules: [fullDay] }),
    );
    expect(ok.status).toBe(200);
  });
});

describe('malformed requests', () => {
  it('garbage bodies of every kind → 4xx with {"error": …}, never 500', async () => {
    const r = rng(SEED + 1);
    const randomJson = (depth: number): unknown => {
      const k = r.int(0, depth > 2 ? 4 : 6);
      if (k === 0) return null;
      if (k === 1) return r.bool();
      if (k === 2) return r.pick([0, -1, 1.5, 1e308, -0, 2 ** 53 + 2]);
      if (k === 3) return r.pick(['', 'x', '🙂', '\u0000', 'a'.repeat(300)]);
      if (k === 4) return r.pick([[], {}]);
      if (k === 5) return Array.from({ length: r.int(0, 3) }, () => randomJson(depth + 1));
      return Object.fromEntries(
        Array.from({ length: r.int(0, 4) }, () => [
          r.pick(['campaign_name', 'type', 'active', 'ratio', 'network', 'extensions', '__proto__', 'constructor', 'x']),
          randomJson(depth + 1),
        ]),
      );
    };
    // prettier-ignore
    const texts = [
      '', ' ', '{', '}', '[', 'nul', 'undefined', '{"a":1,,}', '{"campaign_name": "x" "type": "autocall"}', "{'a': 1}",
      '{"campaign_name": "\\x"}', '\u0000', 'ÿþ', '{"a": 1} trailing', '{"a": NaN}', '1e999999',
    ];
    const paths = [
      '/v3/campaign',
      `/v3/campaign/00000000-0000-4000-8000-000000000000`,
      '/v3/campaign/x/assign_extension',
      '/v3/campaign/x/active',
      '/v3/template',
      '/v3/carrier',
      '/v3/user',
    ];
    // prettier-ignore
    const methods: Record<string, string> = {
      '/v3/campaign': 'POST', '/v3/template': 'POST', '/v3/carrier': 'POST', '/v3/user': 'POST',
      '/v3/campaign/x/active': 'PATCH',
    };
    let n = 0;
    for (let i = 0; i < 300; i++) {
      const path = r.pick(paths);
      const method = methods[path] ?? 'PUT';
      const body = i < texts.length * 2 ? texts[i % texts.length]! : JSON.stringify(randomJson(0));
      const res = await h.app.request(path, {
        method,
        headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
        body,
      });
      const text = await res.text();
      const ctx = `${method} ${path} ${JSON.stringify(body).slice(0, 200)} → ${res.status} ${text.slice(0, 200)}`;
      expect(res.status, ctx).toBeLessThan(500);
      if (res.status >= 400) {
        expect(res.status, ctx).toBeGreaterThanOrEqual(400);
        const parsed = JSON.parse(text);
        expect(Object.keys(parsed), ctx).toEqual(['error']);
        expect(text, ctx).not.toMatch(/\bat \S+ \(|node_modules|\.ts:\d+/); // no stack traces
        n++;
      }
    }
    expect(n).toBeGreaterThan(250);
  });

  it('malformed JSON → 400 naming the problem; trailing commas alone are tolerated', async () => {
    const bad = await req('POST', '/v3/campaign', '{"campaign_name": "x", "type": }');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^malformed JSON body: /);
    const trailing = await req('POST', '/v3/campaign', '{"campaign_name": "trail", "type": "autocall", "recall_status": ["busy",],}');
    expect(trailing.status, trailing.text).toBe(200);
    const commaInString = await req('POST', '/v3/campaign', '{"campaign_name": "a,}", "type": "autocall",}');
    expect(commaInString.status).toBe(200);
    expect((await req('GET', `/v3/campaign/${commaInString.body.campaign_uuid}`)).body.campaign_name).toBe('a,}');
  });

  it('a non-JSON content type → 415; an oversized body → 413; an empty JSON body → 400', async () => {
    const form = await req('POST', '/v3/campaign', 'campaign_name=x', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(form.body.error).toMatch(/application\/json/);
    const big = await req(
      'POST',
      '/v3/campaign',
      JSON.stringify({ campaign_name: 'x', type: 'autocall', description: 'x'.repeat(h.config.API_BODY_LIMIT_BYTES) }),
    );
    expect(big.status).toBe(413);
    expect(typeof big.body.error).toBe('string');
    const empty = await req('POST', '/v3/campaign', '');
    expect(empty.status).toBe(400);
  });

  it('unknown and malformed uuids → 404 {"error":"Not Found"}', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'nope', '%00', 'x'.repeat(60)]) {
      for (const [m, p, b] of [
        ['GET', `/v3/campaign/${id}`],
        ['DELETE', `/v3/campaign/${id}`],
        ['PATCH', `/v3/campaign/${id}/active`, '{"active":true}'],
        ['PUT', `/v3/campaign/${id}/assign_extension`, '{"extensions":[]}'],
        ['PUT', `/v3/campaign/${id}`, '{"campaign_name":"n","type":"manual","active":false}'],
        ['GET', `/v3/template/${id}`],
        ['GET', `/v3/carrier/${id}`],
        ['DELETE', `/v3/user/${id}`],
      ] as const) {
        const res = await req(m, p, b);
        expect(res.status, `${m} ${p}`).toBe(404);
        expect(res.body).toEqual({ error: 'Not Found' });
      }
    }
  });
});

describe('valid campaigns round-trip', () => {
  it('100 random valid campaigns: POST → GET returns what was sent', async () => {
    const r = rng(SEED + 2);
    const hhmmss = () =>
      `${String(r.int(0, 23)).padStart(2, '0')}:${String(r.int(0, 59)).padStart(2, '0')}:${String(r.int(0, 59)).padStart(2, '0')}`;
    for (let i = 0; i < 100; i++) {
      const type = r.pick(['autodialer', 'autocall', 'inbound', 'manual'] as const);
      const schedule = Object.fromEntries(
        WEEKDAYS.flatMap((d) => {
          const a = r.int(0, 24) * 3_600_000_000_000;
          const b = Math.min(NANOS_PER_DAY, a + r.int(0, 12) * 3_600_000_000_000);
          return [
            [`${d}_start_time`, a],
            [`${d}_end_time`, b],
          ];
        }),
      );
      const recall = r.pick(['', 'after', 'minute'] as const);
      const body: Record<string, unknown> = {
        campaign_name: `valid ${i} ${r.pick(['Chiến dịch', 'Campaign', 'キャンペーン', 'x'])}`,
        type,
        description: r.pick(['', 'mô tả', 'd'.repeat(200)]),
        active: r.bool(),
        concurrent_call: r.int(0, 500),
        ratio: type === 'autodialer' ? r.pick([100, 150, 200, 300, 400]) : r.pick([0, 100]),
        recall_times: r.int(0, 10),
        limit_recall_duration: r.int(0, 86_400),
        schedule_recall: recall,
        schedule_recall_duration: recall === 'minute' ? r.int(1, 120) : r.int(0, 10),
        hopper: type === 'autodialer' ? r.int(10, 100) : r.int(0, 100),
        answer_callback_url: r.pick(['', 'https://example.com/answer', 'http://hooks.example.net:8080/cb?x=1']),
        local_start_time: hhmmss(),
        local_end_time: hhmmss(),
        customer_order: r.pick(['', 'id']),
        allow_manual_dial: r.bool(),
        allow_search_lead: r.bool(),
        enable_callback_alert: r.bool(),
        status: r.pick(['', 'stop', 'start', 'pause']),
        call_center_queue_strategy: r.pick(['ring-all', 'top-down', 'agent-with-fewest-calls', 'round-robin', 'random']),
        mode_call: r.pick(['', 'direct', 'serial', 'parralel']),
        network: { viettel: r.int(0, 50), mobi: r.int(0, 50), vina: r.int(0, 50), tel: r.int(0, 50), offnet: r.int(0, 50) },
        type_autocall: r.pick(['', 'autocall_voice_tts', 'autocall_audio', 'autocall_voice_otp']),
        call_timeout: r.int(0, 600),
        groups: r.pick([null, [], ['g1', 'g2']]),
        statuses: r.pick([null, [], ['Hứa trả', 'Sai số']]),
        schedules: r.pick([null, [], [schedule]]),
        priority_recall: r.pick(['', 'normal', 'recall']),
        recall_status: r.pick([null, [], ['busy', 'no-answered', 'congestion']]),
        enable_encrypt: r.bool(),
        callback_url: r.pick(['', 'https://example.com/cdr']),
      };
      const res = await req('POST', '/v3/campaign', JSON.stringify(body));
      expect(res.status, `seed ${SEED + 2} case ${i}: ${res.text} ${JSON.stringify(body)}`).toBe(200);
      const got = (await req('GET', `/v3/campaign/${res.body.campaign_uuid}`)).body;
      for (const [k, v] of Object.entries(body)) expect(got[k], `case ${i} ${k}`).toEqual(v);
    }
  });
});
