// How template parameter values are spoken (docs/api-contract.md §2), as Vietnamese text for TTS.
//
// Value rules, first match wins (the value is trimmed first):
//   "#15"                → the number in words: "mười lăm"
//   "10410000"           → an amount in words: "mười triệu bốn trăm mười nghìn"
//   "0331111111"         → digits one by one. DECISION: a digit string starting with 0 (phone,
//                          account, contract number) is not an amount; a listener expects the digits.
//                          "0" alone is "không" either way. "#0123" forces the number reading.
//   "0 9 8 7", "098 765" → digits one by one (any digit groups separated by spaces)
//   "1234567890123"      → digits one by one: a digit string longer than MAX_AMOUNT_DIGITS (12,
//                          up to 999 tỷ) is an id (card, account, contract), not an amount; and its
//                          reading stays short. "#…" reads up to MAX_NUMBER_DIGITS (18) as a number,
//                          longer ones digit by digit too (a reading grows faster than the digits).
//   "30/01/2021", "2021-01-30" → "ba mươi tháng một năm hai không hai mươi mốt"
//   anything else        → as written (the TTS engine reads it)
//
// Number rules (standard Northern usage, configurable where dialects differ):
//   - 10 "mười"; 20..90 "hai mươi".. "chín mươi"
//   - unit 1 after mươi is "mốt" (21 hai mươi mốt) but "một" after mười (11 mười một)
//   - unit 5 after mười/mươi is "lăm" (15 mười lăm, 25 hai mươi lăm); alone or after linh "năm"
//   - unit 4 after mươi is "tư" by default (24 hai mươi tư), option four: 'bốn'; after mười it is
//     always "bốn" (14 mười bốn) and so after linh (104 một trăm linh bốn)
//   - a zero tens digit under a hundred is "linh" (105 một trăm linh năm), option zeroTens: 'lẻ'
//   - an inner group of three with a zero hundreds digit says "không trăm"
//     (1005000 một triệu không trăm linh năm nghìn); all-zero groups are skipped
//   - scales: nghìn (option 'ngàn'), triệu, tỷ; past tỷ the words recurse: nghìn tỷ (10^12),
//     triệu tỷ (10^15), tỷ tỷ (10^18), …
// Dates: day and month read as numbers, month 4 is "tư" (the month's name, tháng tư, whatever the
// `four` option says); the year as the seed reads 2021: the first two digits one by one and the
// last two as a number ("hai không" + "hai mươi mốt"); last two starting with 0 are read one by
// one (2005 → hai không không năm). Option year: 'number' reads it as a whole number instead.

export interface ReadOptions {
  /** Word for a zero tens digit under a hundred: 105 → một trăm linh năm / lẻ năm. Default 'linh'. */
  zeroTens?: 'linh' | 'lẻ';
  /** Unit 4 after "mươi": 24 → hai mươi tư / hai mươi bốn. Default 'tư'. */
  four?: 'tư' | 'bốn';
  /** 10^3: Northern 'nghìn' (default, as documented) or Southern 'ngàn'. */
  thousand?: 'nghìn' | 'ngàn';
  /** Year reading in dates: 'pairs' (documented: hai không hai mươi mốt) or 'number'. */
  year?: 'pairs' | 'number';
}

type Opts = Required<ReadOptions>;
const DEFAULTS: Opts = { zeroTens: 'linh', four: 'tư', thousand: 'nghìn', year: 'pairs' };
const withDefaults = (o?: ReadOptions): Opts => ({ ...DEFAULTS, ...o });

export const DIGIT_WORDS = ['không', 'một', 'hai', 'ba', 'bốn', 'năm', 'sáu', 'bảy', 'tám', 'chín'] as const;
const digit = (c: string): string => DIGIT_WORDS[c.charCodeAt(0) - 48]!;

/** Three digits; `full` = an inner group, so a zero hundreds digit is said ("không trăm"). */
function readGroup(g: string, full: boolean, o: Opts): string[] {
  const [h, t, u] = g.padStart(3, '0').split('').map(Number) as [number, number, number];
  const w: string[] = [];
  const hundred = h > 0 || full;
  if (hundred) w.push(DIGIT_WORDS[h]!, 'trăm');
  if (t === 0) {
    if (u > 0) {
      if (hundred) w.push(o.zeroTens);
      w.push(DIGIT_WORDS[u]!);
    }
  } else if (t === 1) {
    w.push('mười');
    if (u === 5) w.push('lăm');
    else if (u > 0) w.push(DIGIT_WORDS[u]!);
  } else {
    w.push(DIGIT_WORDS[t]!, 'mươi');
    if (u === 1) w.push('mốt');
    else if (u === 4) w.push(o.four);
    else if (u === 5) w.push('lăm');
    else if (u > 0) w.push(DIGIT_WORDS[u]!);
  }
  return w;
}

/** Up to 9 digits: triệu, nghìn, units; `leading` = most significant part of the whole number. */
function readBelowBillion(s: string, leading: boolean, o: Opts): string[] {
  const scales = ['triệu', o.thousand, ''];
  const padded = s.padStart(9, '0');
  const w: string[] = [];
  let first = leading;
  for (let i = 0; i < 3; i++) {
    const g = padded.slice(i * 3, i * 3 + 3);
    if (g === '000') continue;
    w.push(...readGroup(g, !first, o));
    if (scales[i]) w.push(scales[i]!);
    first = false;
  }
  return w;
}

function readDigitString(s: string, leading: boolean, o: Opts): string[] {
  if (s.length <= 9) return readBelowBillion(s, leading, o);
  const high = s.slice(0, -9);
  const low = s.slice(-9);
  const w = [...readDigitString(high, leading, o), 'tỷ'];
  if (/[1-9]/.test(low)) w.push(...readBelowBillion(low, false, o));
  return w;
}

/** A non-negative integer (digits string of any length, safe integer or bigint) in words. */
export function readNumber(n: string | number | bigint, opts?: ReadOptions): string {
  let s: string;
  if (typeof n === 'bigint') s = n.toString();
  else if (typeof n === 'number') {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a non-negative safe integer: ${n}`);
    s = String(n);
  } else s = n.trim();
  if (!/^\d+$/.test(s)) throw new RangeError(`not a non-negative integer: ${JSON.stringify(String(n))}`);
  s = s.replace(/^0+/, '');
  if (s === '') return 'không';
  return readDigitString(s, true, withDefaults(opts)).join(' ');
}

/** Every digit in the string, one by one ("0 98" → "không chín tám"); other characters dropped. */
export function readDigits(s: string): string {
  return s.replace(/\D/g, '').split('').map(digit).join(' ');
}

const daysInMonth = (y: number, m: number): number =>
  m === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;

/** `dd/mm/yyyy` (1-2 digit day/month) or `yyyy-mm-dd`, a real calendar date; else null. */
export function parseDate(s: string): { day: number; month: number; year: string } | null {
  const t = s.trim();
  let m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t);
  let day: number, month: number, year: string;
  if (m) [day, month, year] = [Number(m[1]), Number(m[2]), m[3]!];
  else if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t))) [day, month, year] = [Number(m[3]), Number(m[2]), m[1]!];
  else return null;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(Number(year), month)) return null;
  return { day, month, year };
}

function readYear(y: string, o: Opts): string {
  if (o.year === 'number') return readNumber(y, o);
  const last = y.slice(2);
  return [readDigits(y.slice(0, 2)), last.startsWith('0') ? readDigits(last) : readNumber(last, o)].join(' ');
}

/** A date string as spoken: "30/01/2021" → "ba mươi tháng một năm hai không hai mươi mốt". */
export function readDate(s: string, opts?: ReadOptions): string | null {
  const d = parseDate(s);
  if (!d) return null;
  const o = withDefaults(opts);
  const month = d.month === 4 ? 'tư' : readNumber(d.month, o);
  return `${readNumber(d.day, o)} tháng ${month} năm ${readYear(d.year, o)}`;
}

export type ValueKind = 'number' | 'amount' | 'digits' | 'date' | 'text';

/** Longest digit string a value reads as an amount (12: up to 999 tỷ); longer ones are read digit by digit. */
export const MAX_AMOUNT_DIGITS = 12;
/** Longest `#…` value read as a number (18: up to 999 triệu tỷ); longer ones are read digit by digit. */
export const MAX_NUMBER_DIGITS = 18;

/** How one parameter value is read, and which rule applied. */
export function readValueDetailed(value: unknown, opts?: ReadOptions): { kind: ValueKind; text: string } {
  const raw =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean'
        ? String(value)
        : value === null || value === undefined
          ? ''
          : JSON.stringify(value);
  const v = raw.trim();
  let m: RegExpExecArray | null;
  if ((m = /^#(\d+)$/.exec(v))) {
    if (m[1]!.replace(/^0+(?=\d)/, '').length > MAX_NUMBER_DIGITS) return { kind: 'digits', text: readDigits(m[1]!) };
    return { kind: 'number', text: readNumber(m[1]!, opts) };
  }
  if (/^\d+$/.test(v)) {
    if ((v.length > 1 && v.startsWith('0')) || v.length > MAX_AMOUNT_DIGITS) return { kind: 'digits', text: readDigits(v) };
    return { kind: 'amount', text: readNumber(v, opts) };
  }
  if (/^\d+(?: +\d+)+$/.test(v)) return { kind: 'digits', text: readDigits(v) };
  const date = readDate(v, opts);
  if (date !== null) return { kind: 'date', text: date };
  return { kind: 'text', text: v };
}

export function readValue(value: unknown, opts?: ReadOptions): string {
  return readValueDetailed(value, opts).text;
}

const PLACEHOLDER = /\{\{\s*([^{}\s][^{}]*?)\s*\}\}/g;

/** Placeholder names in a template, unique, in order of first use. */
export function templatePlaceholders(template: string): string[] {
  const names: string[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) if (!names.includes(m[1]!)) names.push(m[1]!);
  return names;
}

export interface RenderOptions extends ReadOptions {
  /** A missing placeholder becomes '' (default: nothing odd is spoken) or stays as `{{name}}`. */
  onMissing?: 'empty' | 'keep';
}

export interface RenderResult {
  text: string;
  /** Placeholder names without a value (absent, null or undefined), unique, in order. */
  missing: string[];
}

const has = (params: Record<string, unknown>, k: string): boolean =>
  Object.prototype.hasOwnProperty.call(params, k) && params[k] !== null && params[k] !== undefined;

/** Replace every {{name}} with the spoken reading of params[name]. */
export function renderTemplate(template: string, params: Record<string, unknown>, opts: RenderOptions = {}): RenderResult {
  const missing: string[] = [];
  const text = template.replace(PLACEHOLDER, (whole, name: string) => {
    if (!has(params, name)) {
      if (!missing.includes(name)) missing.push(name);
      return opts.onMissing === 'keep' ? whole : '';
    }
    return readValue(params[name], opts);
  });
  return { text, missing };
}

export class MissingParamsError extends Error {
  override readonly name = 'MissingParamsError';
  constructor(readonly names: string[]) {
    super(`missing template parameters: ${names.join(', ')}`);
  }
}

/** renderTemplate that throws MissingParamsError (with every missing name) instead. */
export function renderTemplateStrict(template: string, params: Record<string, unknown>, opts?: ReadOptions): string {
  const r = renderTemplate(template, params, opts);
  if (r.missing.length) throw new MissingParamsError(r.missing);
  return r.text;
}
