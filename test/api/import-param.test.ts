// Issue 20, hostile input: `param` of POST /v3/autocall/import is validated as the v2 and voice-bot
// imports do (flat string/number/boolean/null values, safe keys, bounded) with the documented 400
// list, nothing stored — no 500 `invalid key` from the store, and a keyed retry with a good body
// still stores its lead. A deeply nested JSON body is refused before parsing, fast, on every API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadsOf } from '../../storage/leads.ts';
import { MAX_JSON_DEPTH } from '../../api/validation.ts';
import { startApi, type Harness } from './harness.ts';

let h: Harness;
let campaign: string;
beforeAll(async () => {
  h = await startApi();
  const made = await h.call('POST', '/v3/campaign', { campaign_name: 'param checks', type: 'autocall' });
  expect(made.status, made.text).toBe(200);
  campaign = made.body.campaign_uuid;
});
afterAll(async () => {
  await h?.close();
});

const imp = (param: unknown, key?: string) =>
  h.call(
    'POST',
    '/v3/autocall/import',
    { campaign_uuid: campaign, phone_number: '0981300001', param },
    key ? { headers: { 'idempotency-key': key } } : {},
  );
const leads = () => leadsOf(h.mongo.db).countDocuments({ campaign_uuid: campaign });
const PATTERN = "Does not match pattern '^[^$.\\u0000][^.\\u0000]*$'";

describe('POST /v3/autocall/import: param', () => {
  it('bad keys, nested values, too many keys or bytes: 400 in the list shape, no lead', async () => {
    const cases: Array<[unknown, unknown[]]> = [
      [{ $where: 'sleep(1000)' }, [{ param: `Property name of "$where" does not match: ${PATTERN}` }]],
      [{ 'a.b': 'x' }, [{ param: `Property name of "a.b" does not match: ${PATTERN}` }]],
      [{ 'nul\u0000key': 'x' }, [{ param: `Property name of "nul\\u0000key" does not match: ${PATTERN}` }]],
      [{ '': 'x' }, [{ param: 'Property name of "" does not match: String length must be greater than or equal to 1' }]],
      [
        { ['k'.repeat(101)]: 'x' },
        [{ param: expect.stringMatching(/^Property name of "k{100}…" does not match: String length must be less than or equal to 100$/) }],
      ],
      [{ list: [[1, 2], [3]] }, [{ 'param.list': 'Invalid type. Expected: string, number, boolean or null, given: array' }]],
      [{ obj: { $gt: '' } }, [{ 'param.obj': 'Invalid type. Expected: string, number, boolean or null, given: object' }]],
      [{ long: 'x'.repeat(10_001) }, [{ 'param.long': 'String length must be less than or equal to 10000' }]],
      [Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i])), [{ param: 'Must have at most 100 properties' }]],
      [
        Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, 'x'.repeat(9_000)])),
        [{ param: expect.stringMatching(/^Must be at most 65536 bytes as JSON, given: \d+$/) }],
      ],
      [['a'], [{ param: 'Invalid type. Expected: object, given: array' }]],
      ['text', [{ param: 'Invalid type. Expected: object, given: string' }]],
    ];
    for (const [param, error] of cases) {
      const res = await imp(param, `bad-${JSON.stringify(param).slice(0, 40)}`);
      expect(res.status, `${JSON.stringify(param).slice(0, 80)}: ${res.text.slice(0, 300)}`).toBe(400);
      expect(res.body).toEqual({ error });
    }
    expect(await leads()).toBe(0);
  });

  it('a flat param of every allowed type is stored as given; a keyed retry after a 400 stores its lead once', async () => {
    const param = {
      ten: 'Nguyễn Văn A',
      so_tien: 10410000,
      da_tra: false,
      ghi_chu: null,
      'tên có dấu cách': 'x',
      a$b: 'dollar inside is fine',
    };
    const bad = await imp({ ...param, $where: '1' }, 'retry-1');
    expect(bad.status).toBe(400);
    const first = await imp(param, 'retry-1');
    expect(first.status, first.text).toBe(200);
    const again = await imp(param, 'retry-1');
    expect(again.body).toEqual(first.body);
    expect(await leads()).toBe(1);
    const stored = await leadsOf(h.mongo.db).findOne({ _id: first.body.lead_uuid });
    expect(stored?.param).toEqual(param);
  });
});

describe('deeply nested JSON bodies are refused before parsing', () => {
  const deep = (d: number) => `{"campaign_uuid":"x","phone_number":"1","param":{"a":${'['.repeat(d)}${']'.repeat(d)}}}`;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const bodies: Array<[string, string, (status: number, body: any) => void]> = [
    [
      '/v3/autocall/import',
      deep(400_000),
      (s, b) => {
        expect(s).toBe(400);
        expect(b).toEqual({ error: `JSON body is nested deeper than ${MAX_JSON_DEPTH} levels (arrays and objects)` });
      },
    ],
    [
      '/v3/campaign',
      `{"campaign_name":"x","type":"autocall","network":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`,
      (s, b) => {
        expect(s).toBe(400);
        expect(b.error).toMatch(/nested deeper than 32 levels/);
      },
    ],
    [
      '/v2/autocall/queue',
      `{"queue_code":"q","template":"t","customers":[{"id":"1","mobiles":["0981300001"],"x":${'['.repeat(300_000)}${']'.repeat(300_000)}}]}`,
      (s, b) => {
        expect(s).toBe(400);
        expect(b).toEqual({ code: 400, content: 'import fail', data: { fail: [], success: [] } }); // the v2 import's documented refusal
      },
    ],
    [
      '/api/campaign/create',
      `{"phones":${'['.repeat(300_000)}${']'.repeat(300_000)}}`,
      (s, b) => {
        expect(s).toBe(200);
        expect(b).toEqual({
          status: 0,
          error: 201,
          msg: `JSON body is nested deeper than ${MAX_JSON_DEPTH} levels (arrays and objects)`,
          data: '-1',
        });
      },
    ],
  ];
  for (const [path, body, check] of bodies) {
    it(`${path}: a body ${(body.length / 1024).toFixed(0)} KiB nested deep is a 400 within a second`, async () => {
      const t0 = performance.now();
      const res = await h.call('POST', path, body, { raw: true });
      const ms = performance.now() - t0;
      check(res.status, res.body);
      expect(ms).toBeLessThan(1000);
    });
  }

  it('32 levels are parsed as usual (then validated)', async () => {
    const ok = `{"campaign_uuid":"${campaign}","phone_number":"0981300002","param":{"a":${'['.repeat(30)}${']'.repeat(30)}}}`;
    const res = await h.call('POST', '/v3/autocall/import', ok, { raw: true });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: [{ 'param.a': 'Invalid type. Expected: string, number, boolean or null, given: array' }] });
  });
});
