// The pure pieces under the v3 API: the zod → gojsonschema translator, the trailing-comma
// tolerant JSON parser and the Go RFC3339Nano timestamp format.
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { formatTimestamp } from '../../domain/campaign.ts';
import {
  jsonDeeperThan,
  jsonType,
  MAX_JSON_DEPTH,
  parseJsonLenient,
  stripTrailingCommas,
  translateIssues,
  zInt,
} from '../../api/validation.ts';

const check = (schema: z.ZodType, input: unknown) => {
  const r = schema.safeParse(input);
  return r.success ? [] : translateIssues(r.error.issues, input);
};

describe('gojsonschema wording', () => {
  const s = z.object({
    campaign_name: z.string().min(1),
    extensions: z.array(z.string()),
    hopper: zInt().min(10).max(100),
    type: z.enum(['autodialer', 'autocall']),
    t: z.string().regex(/^\d\d$/),
    nested: z.object({ a: zInt() }).optional(),
  });
  const ok = { campaign_name: 'x', extensions: [], hopper: 10, type: 'autocall', t: '12' };

  it('reproduces the documented messages', () => {
    expect(check(s, { ...ok, campaign_name: '' })).toEqual([{ campaign_name: 'String length must be greater than or equal to 1' }]);
    expect(check(s, { ...ok, extensions: null })).toEqual([{ extensions: 'Invalid type. Expected: array, given: null' }]);
    const { campaign_name: _, ...noName } = ok;
    expect(check(s, noName)).toEqual([{ '(root)': 'campaign_name is required' }]);
  });

  it('numbers, enums, patterns, nested paths and JSON type names', () => {
    expect(check(s, { ...ok, hopper: 5 })).toEqual([{ hopper: 'Must be greater than or equal to 10' }]);
    expect(check(s, { ...ok, hopper: 101 })).toEqual([{ hopper: 'Must be less than or equal to 100' }]);
    expect(check(s, { ...ok, hopper: 1.5 })).toEqual([{ hopper: 'Invalid type. Expected: integer, given: number' }]);
    expect(check(s, { ...ok, type: 'x' })).toEqual([{ type: 'type must be one of the following: "autodialer", "autocall"' }]);
    expect(check(s, { ...ok, t: 'ab' })).toEqual([{ t: "Does not match pattern '^\\d\\d$'" }]);
    expect(check(s, { ...ok, nested: {} })).toEqual([{ nested: 'a is required' }]);
    expect(check(s, { ...ok, nested: { a: 'x' } })).toEqual([{ 'nested.a': 'Invalid type. Expected: integer, given: string' }]);
    expect(check(s, [])).toEqual([{ '(root)': 'Invalid type. Expected: object, given: array' }]);
    expect([null, [], 1, 1.5, true, 's', {}].map(jsonType)).toEqual(['null', 'array', 'integer', 'number', 'boolean', 'string', 'object']);
  });
});

describe('lenient JSON', () => {
  it('drops only commas before } or ], never inside strings', () => {
    expect(stripTrailingCommas('{"a": 1,}')).toBe('{"a": 1}');
    expect(stripTrailingCommas('[1, 2 ,\n ]')).toBe('[1, 2 \n ]');
    expect(stripTrailingCommas('{"a": ",}", "b": "\\",]"}')).toBe('{"a": ",}", "b": "\\",]"}');
    expect(parseJsonLenient('{"description": "",}')).toMatchObject({ ok: true, value: { description: '' } });
    expect(parseJsonLenient('{"a":,}')).toMatchObject({ ok: false });
    expect(parseJsonLenient('{,}')).toMatchObject({ ok: false });
    expect(parseJsonLenient('[1,,]')).toMatchObject({ ok: false });
    expect(parseJsonLenient('{"a":1,}')).toMatchObject({ ok: true, value: { a: 1 } });
  });
});

describe('record keys and unions', () => {
  const s = z.object({
    p: z.record(
      z
        .string()
        .max(3)
        .regex(/^[a-z]+$/),
      z.union([z.string().max(2), z.number(), z.null()]),
    ),
  });
  it('a bad key is reported on the record, naming the key and the rule', () => {
    expect(check(s, { p: { ABC: 1 } })).toEqual([{ p: `Property name of "ABC" does not match: Does not match pattern '^[a-z]+$'` }]);
    expect(check(s, { p: { abcd: 1 } })).toEqual([
      { p: 'Property name of "abcd" does not match: String length must be less than or equal to 3' },
    ]);
  });
  it("a value of none of a union's types lists them; a value of one of them says what is wrong with it", () => {
    expect(check(s, { p: { a: [] } })).toEqual([{ 'p.a': 'Invalid type. Expected: string, number or null, given: array' }]);
    expect(check(s, { p: { a: true } })).toEqual([{ 'p.a': 'Invalid type. Expected: string, number or null, given: boolean' }]);
    expect(check(s, { p: { a: 'xyz' } })).toEqual([{ 'p.a': 'String length must be less than or equal to 2' }]);
  });
});

describe('JSON nesting bound', () => {
  const nest = (d: number) => '['.repeat(d) + ']'.repeat(d);
  it('counts arrays and objects outside strings only', () => {
    expect(jsonDeeperThan(nest(32), 32)).toBe(false);
    expect(jsonDeeperThan(nest(33), 32)).toBe(true);
    expect(jsonDeeperThan('{"a":{"b":{"c":1}}}', 2)).toBe(true);
    expect(jsonDeeperThan(`{"s":"${'['.repeat(100)}\\"${'{'.repeat(100)}"}`, 1)).toBe(false);
    expect(jsonDeeperThan(`["\\"", [[1]]]`, 2)).toBe(true);
  });
  it('parseJsonLenient refuses a text nested deeper than MAX_JSON_DEPTH before parsing it', () => {
    expect(parseJsonLenient(nest(MAX_JSON_DEPTH))).toMatchObject({ ok: true });
    const r = parseJsonLenient(nest(1_000_000));
    expect(r).toEqual({
      ok: false,
      tooDeep: true,
      message: `JSON body is nested deeper than ${MAX_JSON_DEPTH} levels (arrays and objects)`,
    });
  });
});

describe('timestamps', () => {
  it("Go's RFC3339Nano in the tenant zone, trailing zeros dropped", () => {
    const d = new Date('2023-03-06T10:57:54.650Z');
    expect(formatTimestamp(d, 'Asia/Ho_Chi_Minh')).toBe('2023-03-06T17:57:54.65+07:00');
    expect(formatTimestamp(new Date('2023-03-06T10:57:54.000Z'), 'Asia/Ho_Chi_Minh')).toBe('2023-03-06T17:57:54+07:00');
    expect(formatTimestamp(d, 'UTC')).toBe('2023-03-06T10:57:54.65Z');
    expect(formatTimestamp(new Date('2023-07-01T12:00:00.123Z'), 'Europe/Paris')).toBe('2023-07-01T14:00:00.123+02:00');
    expect(formatTimestamp(new Date('2023-01-01T12:00:00.1Z'), 'America/St_Johns')).toBe('2023-01-01T08:30:00.1-03:30');
  });
});
