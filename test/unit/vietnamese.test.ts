import { describe, expect, it } from 'vitest';
import {
  MAX_AMOUNT_DIGITS,
  MAX_NUMBER_DIGITS,
  MissingParamsError,
  parseDate,
  readDate,
  readDigits,
  readNumber,
  readValue,
  readValueDetailed,
  renderTemplate,
  renderTemplateStrict,
  templatePlaceholders,
} from '../../domain/vietnamese.ts';

// 0..100 written out by hand.
// prettier-ignore
const ZERO_TO_HUNDRED = [
  'không', 'một', 'hai', 'ba', 'bốn', 'năm', 'sáu', 'bảy', 'tám', 'chín',
  'mười', 'mười một', 'mười hai', 'mười ba', 'mười bốn', 'mười lăm', 'mười sáu', 'mười bảy', 'mười tám', 'mười chín',
  'hai mươi', 'hai mươi mốt', 'hai mươi hai', 'hai mươi ba', 'hai mươi tư', 'hai mươi lăm', 'hai mươi sáu', 'hai mươi bảy', 'hai mươi tám', 'hai mươi chín',
  'ba mươi', 'ba mươi mốt', 'ba mươi hai', 'ba mươi ba', 'ba mươi tư', 'ba mươi lăm', 'ba mươi sáu', 'ba mươi bảy', 'ba mươi tám', 'ba mươi chín',
  'bốn mươi', 'bốn mươi mốt', 'bốn mươi hai', 'bốn mươi ba', 'bốn mươi tư', 'bốn mươi lăm', 'bốn mươi sáu', 'bốn mươi bảy', 'bốn mươi tám', 'bốn mươi chín',
  'năm mươi', 'năm mươi mốt', 'năm mươi hai', 'năm mươi ba', 'năm mươi tư', 'năm mươi lăm', 'năm mươi sáu', 'năm mươi bảy', 'năm mươi tám', 'năm mươi chín',
  'sáu mươi', 'sáu mươi mốt', 'sáu mươi hai', 'sáu mươi ba', 'sáu mươi tư', 'sáu mươi lăm', 'sáu mươi sáu', 'sáu mươi bảy', 'sáu mươi tám', 'sáu mươi chín',
  'bảy mươi', 'bảy mươi mốt', 'bảy mươi hai', 'bảy mươi ba', 'bảy mươi tư', 'bảy mươi lăm', 'bảy mươi sáu', 'bảy mươi bảy', 'bảy mươi tám', 'bảy mươi chín',
  'tám mươi', 'tám mươi mốt', 'tám mươi hai', 'tám mươi ba', 'tám mươi tư', 'tám mươi lăm', 'tám mươi sáu', 'tám mươi bảy', 'tám mươi tám', 'tám mươi chín',
  'chín mươi', 'chín mươi mốt', 'chín mươi hai', 'chín mươi ba', 'chín mươi tư', 'chín mươi lăm', 'chín mươi sáu', 'chín mươi bảy', 'chín mươi tám', 'chín mươi chín',
  'một trăm',
];

describe('readNumber 0..100 (hand-written)', () => {
  it('list is complete', () => expect(ZERO_TO_HUNDRED).toHaveLength(101));
  it.each(ZERO_TO_HUNDRED.map((w, n) => [n, w] as const))('%d → %s', (n, w) => {
    expect(readNumber(n)).toBe(w);
    expect(readNumber(String(n))).toBe(w);
    expect(readValue(String(n))).toBe(w);
    expect(readValue(`#${n}`)).toBe(w);
  });
});

describe('readNumber edge cases', () => {
  it.each([
    // hundreds
    [101, 'một trăm linh một'],
    [104, 'một trăm linh bốn'],
    [105, 'một trăm linh năm'],
    [109, 'một trăm linh chín'],
    [110, 'một trăm mười'],
    [111, 'một trăm mười một'],
    [114, 'một trăm mười bốn'],
    [115, 'một trăm mười lăm'],
    [120, 'một trăm hai mươi'],
    [121, 'một trăm hai mươi mốt'],
    [124, 'một trăm hai mươi tư'],
    [125, 'một trăm hai mươi lăm'],
    [200, 'hai trăm'],
    [305, 'ba trăm linh năm'],
    [410, 'bốn trăm mười'],
    [500, 'năm trăm'],
    [505, 'năm trăm linh năm'],
    [515, 'năm trăm mười lăm'],
    [555, 'năm trăm năm mươi lăm'],
    [701, 'bảy trăm linh một'],
    [711, 'bảy trăm mười một'],
    [751, 'bảy trăm năm mươi mốt'],
    [999, 'chín trăm chín mươi chín'],
    // thousands
    [1000, 'một nghìn'],
    [1001, 'một nghìn không trăm linh một'],
    [1005, 'một nghìn không trăm linh năm'],
    [1010, 'một nghìn không trăm mười'],
    [1015, 'một nghìn không trăm mười lăm'],
    [1021, 'một nghìn không trăm hai mươi mốt'],
    [1100, 'một nghìn một trăm'],
    [1234, 'một nghìn hai trăm ba mươi tư'],
    [2021, 'hai nghìn không trăm hai mươi mốt'],
    [5000, 'năm nghìn'],
    [9999, 'chín nghìn chín trăm chín mươi chín'],
    [10000, 'mười nghìn'],
    [10001, 'mười nghìn không trăm linh một'],
    [11000, 'mười một nghìn'],
    [15000, 'mười lăm nghìn'],
    [21000, 'hai mươi mốt nghìn'],
    [24000, 'hai mươi tư nghìn'],
    [25500, 'hai mươi lăm nghìn năm trăm'],
    [100000, 'một trăm nghìn'],
    [100100, 'một trăm nghìn một trăm'],
    [105000, 'một trăm linh năm nghìn'],
    [500000, 'năm trăm nghìn'],
    [999999, 'chín trăm chín mươi chín nghìn chín trăm chín mươi chín'],
    // millions
    [1000000, 'một triệu'],
    [1000001, 'một triệu không trăm linh một'],
    [1000010, 'một triệu không trăm mười'],
    [1000100, 'một triệu một trăm'],
    [1001000, 'một triệu không trăm linh một nghìn'],
    [1005000, 'một triệu không trăm linh năm nghìn'],
    [1050000, 'một triệu không trăm năm mươi nghìn'],
    [1100000, 'một triệu một trăm nghìn'],
    [1500000, 'một triệu năm trăm nghìn'],
    [3211100, 'ba triệu hai trăm mười một nghìn một trăm'],
    [5000000, 'năm triệu'],
    [10000000, 'mười triệu'],
    [10410000, 'mười triệu bốn trăm mười nghìn'],
    [15015015, 'mười lăm triệu không trăm mười lăm nghìn không trăm mười lăm'],
    [21000000, 'hai mươi mốt triệu'],
    [100000000, 'một trăm triệu'],
    [105105105, 'một trăm linh năm triệu một trăm linh năm nghìn một trăm linh năm'],
    [999999999, 'chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi chín'],
    // billions
    [1000000000, 'một tỷ'],
    [1000000001, 'một tỷ không trăm linh một'],
    [1000001000, 'một tỷ không trăm linh một nghìn'],
    [1000500000, 'một tỷ năm trăm nghìn'],
    [1005000000, 'một tỷ không trăm linh năm triệu'],
    [1500000000, 'một tỷ năm trăm triệu'],
    [2000000000, 'hai tỷ'],
    [10000000000, 'mười tỷ'],
    [25000000000, 'hai mươi lăm tỷ'],
    [100000000000, 'một trăm tỷ'],
    [100000000005, 'một trăm tỷ không trăm linh năm'],
    [999999999999, 'chín trăm chín mươi chín tỷ chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi chín'],
    // beyond: nghìn tỷ, triệu tỷ, tỷ tỷ
    [1000000000000, 'một nghìn tỷ'],
    [1001000000000, 'một nghìn không trăm linh một tỷ'],
    [1000000000005, 'một nghìn tỷ không trăm linh năm'],
    [1000005000000, 'một nghìn tỷ không trăm linh năm triệu'],
    [12345000000000, 'mười hai nghìn ba trăm bốn mươi lăm tỷ'],
    [1000000000000000, 'một triệu tỷ'],
    [
      9007199254740991,
      'chín triệu không trăm linh bảy nghìn một trăm chín mươi chín tỷ hai trăm năm mươi tư triệu bảy trăm bốn mươi nghìn chín trăm chín mươi mốt',
    ],
  ] as const)('%d → %s', (n, w) => {
    expect(readNumber(n)).toBe(w);
    // A value of more than 12 digits is read digit by digit unless `#` forces the number.
    expect(readValue(String(n))).toBe(String(n).length > MAX_AMOUNT_DIGITS ? readDigits(String(n)) : w);
    expect(readValue(`#${n}`)).toBe(w);
  });

  it.each([
    ['1000000000000000000', 'một tỷ tỷ'],
    ['1000000002000000000', 'một tỷ không trăm linh hai tỷ'],
    ['2000000000000000001', 'hai tỷ tỷ không trăm linh một'],
    ['1000000000000000000000', 'một nghìn tỷ tỷ'],
    ['1000000000000000000000000000', 'một tỷ tỷ tỷ'],
  ])('big string %s', (s, w) => {
    expect(readNumber(s)).toBe(w);
    expect(readNumber(BigInt(s))).toBe(w);
  });

  it('options: lẻ, bốn, ngàn', () => {
    expect(readNumber(105, { zeroTens: 'lẻ' })).toBe('một trăm lẻ năm');
    expect(readNumber(1005000, { zeroTens: 'lẻ' })).toBe('một triệu không trăm lẻ năm nghìn');
    expect(readNumber(24, { four: 'bốn' })).toBe('hai mươi bốn');
    expect(readNumber(14, { four: 'tư' })).toBe('mười bốn');
    expect(readNumber(104, { four: 'tư' })).toBe('một trăm linh bốn');
    expect(readNumber(10410000, { thousand: 'ngàn' })).toBe('mười triệu bốn trăm mười ngàn');
    expect(readNumber(1000000000000, { thousand: 'ngàn' })).toBe('một ngàn tỷ');
  });

  it('rejects what is not a non-negative integer', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1]) expect(() => readNumber(bad)).toThrow(RangeError);
    for (const bad of ['', ' ', '1a', '-5', '1.5', '1 000']) expect(() => readNumber(bad)).toThrow(RangeError);
  });

  it('leading zeros are ignored by readNumber', () => {
    expect(readNumber('000')).toBe('không');
    expect(readNumber('0105')).toBe('một trăm linh năm');
  });
});

// An independent words → number parser, to round-trip thousands of generated numbers.
function parseWords(s: string): bigint {
  const D: Record<string, bigint> = {
    không: 0n,
    một: 1n,
    mốt: 1n,
    hai: 2n,
    ba: 3n,
    bốn: 4n,
    tư: 4n,
    năm: 5n,
    lăm: 5n,
    sáu: 6n,
    bảy: 7n,
    tám: 8n,
    chín: 9n,
  };
  let total = 0n;
  let mid = 0n;
  let chunk = 0n;
  let pending = 0n;
  for (const w of s.split(' ')) {
    if (w in D) pending = D[w]!;
    else if (w === 'trăm') [chunk, pending] = [chunk + pending * 100n, 0n];
    else if (w === 'mươi') [chunk, pending] = [chunk + pending * 10n, 0n];
    else if (w === 'mười') chunk += 10n;
    else if (w === 'linh') continue;
    else if (w === 'nghìn') [mid, chunk, pending] = [mid + (chunk + pending) * 1000n, 0n, 0n];
    else if (w === 'triệu') [mid, chunk, pending] = [mid + (chunk + pending) * 1000000n, 0n, 0n];
    else if (w === 'tỷ') [total, mid, chunk, pending] = [(total + mid + chunk + pending) * 1000000000n, 0n, 0n, 0n];
    else throw new Error(`unexpected word ${w} in ${s}`);
  }
  return total + mid + chunk + pending;
}

function checkShape(s: string) {
  const w = s.split(' ');
  expect(s).not.toMatch(/ {2}|^ | $|undefined/);
  w.forEach((x, i) => {
    if (x === 'mốt' || x === 'tư') expect(w[i - 1], s).toBe('mươi');
    if (x === 'lăm') expect(['mươi', 'mười'], s).toContain(w[i - 1]);
    if (x === 'linh') expect(w[i - 1], s).toBe('trăm');
  });
}

describe('generated round trips', () => {
  it('0..20000 exhaustively', () => {
    for (let n = 0; n <= 20000; n++) {
      const s = readNumber(n);
      expect(parseWords(s), s).toBe(BigInt(n));
      checkShape(s);
    }
  });

  it('every n*10^k and n*10^k+r for n < 1000', () => {
    let count = 0;
    for (let n = 1; n < 1000; n += 7) {
      for (let k = 0; k <= 21; k += 3) {
        for (const r of [0n, 1n, 5n, 15n, 21n, 105n, 1005n, 1000005n]) {
          const v = BigInt(n) * 10n ** BigInt(k) + r;
          const s = readNumber(v);
          expect(parseWords(s), s).toBe(v);
          checkShape(s);
          count++;
        }
      }
    }
    expect(count).toBeGreaterThan(1000);
  });

  it('pseudo-random numbers up to 10^24', () => {
    let x = 123456789n;
    for (let i = 0; i < 3000; i++) {
      x = (x * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
      const digits = Number(x % 25n) + 1;
      const v = x % 10n ** BigInt(digits);
      const s = readNumber(v);
      expect(parseWords(s), `${v} → ${s}`).toBe(v);
      checkShape(s);
    }
  });
});

describe('readValue rules', () => {
  it.each([
    // amounts
    ['10410000', 'amount', 'mười triệu bốn trăm mười nghìn'],
    [' 10410000 ', 'amount', 'mười triệu bốn trăm mười nghìn'],
    ['5000000', 'amount', 'năm triệu'],
    ['0', 'amount', 'không'],
    // leading zero → digits
    ['0331111111', 'digits', 'không ba ba một một một một một một một'],
    ['0123', 'digits', 'không một hai ba'],
    ['00', 'digits', 'không không'],
    // spaced digits
    ['0 9 8 7 6 5 4 3 2 1', 'digits', 'không chín tám bảy sáu năm bốn ba hai một'],
    ['1 2 3 4 5 6', 'digits', 'một hai ba bốn năm sáu'],
    ['098 259 6021', 'digits', 'không chín tám hai năm chín sáu không hai một'],
    ['1  2', 'digits', 'một hai'],
    // long digit strings (issue 20): an id, digit by digit, and a short reading
    [
      '999999999999',
      'amount',
      'chín trăm chín mươi chín tỷ chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi chín',
    ],
    ['1000000000000', 'digits', 'một không không không không không không không không không không không không'],
    ['123456789012345', 'digits', 'một hai ba bốn năm sáu bảy tám chín không một hai ba bốn năm'],
    ['4111111111111111', 'digits', 'bốn một một một một một một một một một một một một một một một'],
    ['#1000000000000', 'number', 'một nghìn tỷ'],
    [
      '#999999999999999999',
      'number',
      'chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi chín tỷ chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi chín',
    ],
    [
      '#0000999999999999999999',
      'number',
      'chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi chín tỷ chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi chín',
    ],
    [
      '#009999999999999999999',
      'digits',
      'không không chín chín chín chín chín chín chín chín chín chín chín chín chín chín chín chín chín chín chín',
    ],
    [
      '#1000000000000000000',
      'digits',
      'một không không không không không không không không không không không không không không không không không không',
    ],
    ['#000000000000000000000000015', 'number', 'mười lăm'],
    // #number
    ['#15', 'number', 'mười lăm'],
    ['#0015', 'number', 'mười lăm'],
    ['#0123', 'number', 'một trăm hai mươi ba'],
    ['#1000000', 'number', 'một triệu'],
    ['#0', 'number', 'không'],
    // dates
    ['30/01/2021', 'date', 'ba mươi tháng một năm hai không hai mươi mốt'],
    ['2021-01-30', 'date', 'ba mươi tháng một năm hai không hai mươi mốt'],
    ['2021-07-13', 'date', 'mười ba tháng bảy năm hai không hai mươi mốt'],
    ['01/04/2024', 'date', 'một tháng tư năm hai không hai mươi tư'],
    ['1/4/2024', 'date', 'một tháng tư năm hai không hai mươi tư'],
    ['24/12/2024', 'date', 'hai mươi tư tháng mười hai năm hai không hai mươi tư'],
    ['15/10/2025', 'date', 'mười lăm tháng mười năm hai không hai mươi lăm'],
    ['05/09/2005', 'date', 'năm tháng chín năm hai không không năm'],
    ['31/12/2010', 'date', 'ba mươi mốt tháng mười hai năm hai không mười'],
    ['11/11/2011', 'date', 'mười một tháng mười một năm hai không mười một'],
    ['21/05/1999', 'date', 'hai mươi mốt tháng năm năm một chín chín mươi chín'],
    ['01/01/2000', 'date', 'một tháng một năm hai không không không'],
    ['29/02/2024', 'date', 'hai mươi chín tháng hai năm hai không hai mươi tư'],
    ['2000-02-29', 'date', 'hai mươi chín tháng hai năm hai không không không'],
    // not dates → as written
    ['29/02/2023', 'text', '29/02/2023'],
    ['1900-02-29', 'text', '1900-02-29'],
    ['32/01/2021', 'text', '32/01/2021'],
    ['30/13/2021', 'text', '30/13/2021'],
    ['31/04/2021', 'text', '31/04/2021'],
    ['00/01/2021', 'text', '00/01/2021'],
    ['2021-1-30', 'text', '2021-1-30'],
    ['30/01/21', 'text', '30/01/21'],
    ['30-01-2021', 'text', '30-01-2021'],
    // text
    ['Nguyễn Văn A', 'text', 'Nguyễn Văn A'],
    ['  Nguyễn Văn A  ', 'text', 'Nguyễn Văn A'],
    ['HD123456', 'text', 'HD123456'],
    ['10.410.000', 'text', '10.410.000'],
    ['10,410,000', 'text', '10,410,000'],
    ['-500', 'text', '-500'],
    ['1.5', 'text', '1.5'],
    ['#', 'text', '#'],
    ['#abc', 'text', '#abc'],
    ['# 15', 'text', '# 15'],
    ['+84982596021', 'text', '+84982596021'],
    ['', 'text', ''],
  ] as const)('%j → %s', (v, kind, text) => {
    expect(readValueDetailed(v)).toEqual({ kind, text });
  });

  it('a reading grows with its digits, not faster: digit by digit past 12 digits (18 with #)', () => {
    expect([MAX_AMOUNT_DIGITS, MAX_NUMBER_DIGITS]).toEqual([12, 18]);
    for (const n of [13, 15, 18, 19, 20, 100, 5000]) {
      for (const v of ['9'.repeat(n), `1${'0'.repeat(n - 1)}`, `#${'7'.repeat(n)}`]) {
        const r = readValueDetailed(v);
        const number = n <= 18 && v.startsWith('#');
        expect(r.kind, v).toBe(number ? 'number' : 'digits');
        // Digit by digit: at most 5 letters and a space a digit; a number of ≤ 18 digits: at most 180 characters.
        expect(r.text.length, v).toBeLessThanOrEqual(number ? 180 : 6 * n);
      }
    }
    // A JavaScript number of 16 digits too.
    expect(readValueDetailed(9007199254740991).kind).toBe('digits');
    expect(readValue(123456789012)).toBe(
      'một trăm hai mươi ba tỷ bốn trăm năm mươi sáu triệu bảy trăm tám mươi chín nghìn không trăm mười hai',
    );
  });

  it('non-string values', () => {
    expect(readValue(5000000)).toBe('năm triệu');
    expect(readValue(5)).toBe('năm');
    expect(readValue(0)).toBe('không');
    expect(readValue(1.5)).toBe('1.5');
    expect(readValue(-3)).toBe('-3');
    expect(readValue(12n)).toBe('mười hai');
    expect(readValue(true)).toBe('true');
    expect(readValue(null)).toBe('');
    expect(readValue({ a: 1 })).toBe('{"a":1}');
  });

  it('year option', () => {
    expect(readDate('30/01/2021', { year: 'number' })).toBe('ba mươi tháng một năm hai nghìn không trăm hai mươi mốt');
    expect(readDate('30/01/2021', { four: 'bốn' })).toBe('ba mươi tháng một năm hai không hai mươi mốt');
    expect(readDate('04/04/2024', { four: 'bốn' })).toBe('bốn tháng tư năm hai không hai mươi bốn');
    expect(readDate('nope')).toBeNull();
  });

  it('parseDate', () => {
    expect(parseDate('30/01/2021')).toEqual({ day: 30, month: 1, year: '2021' });
    expect(parseDate('2021-01-30')).toEqual({ day: 30, month: 1, year: '2021' });
    expect(parseDate('31/06/2021')).toBeNull();
  });

  it('readDigits', () => {
    expect(readDigits('0123456789')).toBe('không một hai ba bốn năm sáu bảy tám chín');
    expect(readDigits('0 9')).toBe('không chín');
  });
});

describe('renderTemplate', () => {
  const TEMPLATE = 'Chào bạn {{customer_name}} vui lòng thanh toán khoản nợ {{due_amount}} trước ngày {{due_date}}';
  const DOCUMENTED =
    'Chào bạn Nguyễn Văn A vui lòng thanh toán khoản nợ mười triệu bốn trăm mười nghìn trước ngày ba mươi tháng một năm hai không hai mươi mốt';

  it('reproduces the documented sentence exactly', () => {
    const r = renderTemplate(TEMPLATE, { customer_name: 'Nguyễn Văn A', due_amount: '10410000', due_date: '30/01/2021' });
    expect(r).toEqual({ text: DOCUMENTED, missing: [] });
    expect(renderTemplateStrict(TEMPLATE, { customer_name: 'Nguyễn Văn A', due_amount: '10410000', due_date: '2021-01-30' })).toBe(
      DOCUMENTED,
    );
  });

  it('reports missing placeholders', () => {
    const r = renderTemplate(TEMPLATE, { customer_name: 'Nguyễn Văn A', due_date: null });
    expect(r.missing).toEqual(['due_amount', 'due_date']);
    expect(r.text).toBe('Chào bạn Nguyễn Văn A vui lòng thanh toán khoản nợ  trước ngày ');
    expect(renderTemplate(TEMPLATE, {}, { onMissing: 'keep' }).text).toBe(TEMPLATE);
  });

  it('strict mode throws a typed error with every name', () => {
    try {
      renderTemplateStrict(TEMPLATE, { due_amount: 1 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MissingParamsError);
      expect((e as MissingParamsError).names).toEqual(['customer_name', 'due_date']);
    }
  });

  it('whitespace inside braces, repeats, unused params, empty values', () => {
    expect(renderTemplate('{{ a }}-{{a}}-{{b}}', { a: '#21', b: '', c: 'unused' })).toEqual({
      text: 'hai mươi mốt-hai mươi mốt-',
      missing: [],
    });
    expect(renderTemplate('no placeholders', {})).toEqual({ text: 'no placeholders', missing: [] });
    expect(renderTemplate('{{toString}}', {}).missing).toEqual(['toString']);
    expect(renderTemplate('{x} {{}} {{{y}}}', { y: '5' }).text).toBe('{x} {{}} {năm}');
  });

  it('the seed import example and the v2 queue fields', () => {
    expect(renderTemplate('{{ten}}, số {{sdt}}', { ten: 'Nguyễn Văn A', sdt: '0331111111' }).text).toBe(
      'Nguyễn Văn A, số không ba ba một một một một một một một',
    );
    const customer = { contract_number: 'HD123456', upcoming_amount: 5000000, due_date: '2021-07-13', dpd: 5, total_ovd_amount: 3211100 };
    expect(
      renderTemplate('Hợp đồng {{contract_number}} quá hạn {{dpd}} ngày, số tiền {{total_ovd_amount}} đồng, hạn {{due_date}}', customer)
        .text,
    ).toBe(
      'Hợp đồng HD123456 quá hạn năm ngày, số tiền ba triệu hai trăm mười một nghìn một trăm đồng, hạn mười ba tháng bảy năm hai không hai mươi mốt',
    );
  });

  it('templatePlaceholders', () => {
    expect(templatePlaceholders(TEMPLATE)).toEqual(['customer_name', 'due_amount', 'due_date']);
    expect(templatePlaceholders('{{a}} {{ b }} {{a}}')).toEqual(['a', 'b']);
  });
});
